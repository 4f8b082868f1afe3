"""A waiting approval survives a restart: `lofte serve` is stopped while a final waits, started
again, and the approval given afterwards publishes exactly the version that was waiting. The
coordinator is told by e-mail, through the real automations, that it waits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inboxes import build_inbox
from servers import Mailbox, drain_prefect_workers, free_port, wait_for

from flows.serve import start_server, stop_process

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
DEPLOYMENT = "publicering/strangnas-2019-publicering"


@pytest.fixture
def world(tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.setenv("PREFECT_RUNNER_POLL_FREQUENCY", "2")
    process, api_url = start_server("127.0.0.1", free_port())
    monkeypatch.setenv("PREFECT_API_URL", api_url)
    for name, value in {
        "LOFTE_SMTP_SERVER": "127.0.0.1",
        "LOFTE_SMTP_PORT": str(smtp.port),
        "LOFTE_SMTP_SAKERHET": "none",
        "LOFTE_SMTP_FRAN": "lofte@strangnas.example",
        "LOFTE_SMTP_TILL": "samordnare@strangnas.example",
    }.items():
        monkeypatch.setenv(name, value)
    try:
        yield api_url, mailbox
    finally:
        drain_prefect_workers()
        stop_process(process)
        smtp.stop()


def _serve(tmp_path, promise_file):
    return subprocess.Popen(
        [
            str(BIN / "lofte"),
            "serve",
            "--promise",
            str(promise_file),
            "--inbox",
            str(tmp_path / "INBOX"),
            "--out",
            str(tmp_path / "rapporter"),
            "--publish-dir",
            str(tmp_path / "webb"),
            "--files-port",
            str(free_port()),
        ],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _stop(serve) -> str:
    os.killpg(serve.pid, signal.SIGTERM)
    output, _ = serve.communicate(timeout=90)
    return output


def test_an_approval_waiting_through_a_restart_still_publishes_that_version(
    world, promise_file, tmp_path
):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.flow_runs import resume_flow_run

    from lofte_pipeline.placement import current_hold
    from lofte_pipeline.publish import publications

    _api_url, mailbox = world
    build_inbox(tmp_path)

    def state_of(run_id):
        with get_client(sync_client=True) as client:
            return client.read_flow_run(run_id).state

    def deployed():
        with get_client(sync_client=True) as client:
            try:
                return client.read_deployment_by_name(DEPLOYMENT)
            except Exception:
                return None

    serve = _serve(tmp_path, promise_file)
    try:
        wait_for(deployed, 120, "the deployments of lofte serve")
        run = run_deployment(DEPLOYMENT, parameters={"period": "2019-T2"}, timeout=0)
        wait_for(lambda: state_of(run.id).is_paused(), 180, "the final to wait for approval")
        # The run's process needs a few seconds to exit after suspending; a runner stopped inside
        # that window still cancels it ("Runner is shutting down"), a known open race.
        time.sleep(10)
    finally:
        first = _stop(serve)
    assert "Traceback" not in first, first
    time.sleep(3)
    assert state_of(run.id).is_paused(), state_of(run.id)  # not cancelled by the shutdown
    report = tmp_path / "rapporter" / "strangnas-2019" / "2019-T2"
    held = current_hold(report)
    assert held is not None and held.holder == str(run.id)

    waiting = wait_for(
        lambda: [m for _, m in mailbox.snapshot() if "väntar på granskning" in m["Subject"]],
        90,
        "the e-mail saying a final waits for approval",
    )
    body = waiting[0].get_body().get_content()
    assert held.version in body and "Godkänn" in body
    assert waiting[0]["To"] == "samordnare@strangnas.example"

    serve = _serve(tmp_path, promise_file)
    try:
        wait_for(deployed, 120, "lofte serve to be back")
        resume_flow_run(run.id, run_input={"godkann": True, "namn": "Anna Andersson"})
        wait_for(lambda: state_of(run.id).is_completed(), 180, "the approved run to finish")
    finally:
        second = _stop(serve)
    assert "Traceback" not in second, second
    destination = tmp_path / "webb" / "strangnas-2019" / "2019-T2"
    [entry] = publications(destination)
    assert (entry.approved_by, entry.bundle_version) == ("Anna Andersson", held.version)
    figures = json.loads((destination / "aktuell" / "figures.json").read_text(encoding="utf-8"))
    assert figures["draft"] is False
    assert current_hold(report) is None
    assert len([m for _, m in mailbox.snapshot() if "väntar på granskning" in m["Subject"]]) == 1
