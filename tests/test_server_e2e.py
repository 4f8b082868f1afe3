"""A real local Prefect server: this project's deployments deployed from deployments/prefect.yaml
and run by a process worker through the API, then `lofte serve` picking up a dropped file."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inboxes import build_inbox
from workbooks import HEADER, row, write_xlsx

from flows.serve import start_server, stop_process

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    saved = dict(os.environ)
    os.environ.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        }
    )
    process, api_url = start_server("127.0.0.1", free_port())
    os.environ["PREFECT_API_URL"] = api_url
    from prefect.settings import PREFECT_API_URL, temporary_settings

    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield api_url
    finally:
        stop_process(process)
        os.environ.clear()
        os.environ.update(saved)


def test_deployed_report_runs_through_the_api_on_a_process_worker(server, promise_file, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    inbox = build_inbox(tmp_path)
    out = tmp_path / "rapporter"
    env = {
        **os.environ,
        "LOFTE_HOME": str(REPO),
        "LOFTE_PROMISE": str(promise_file),
        "LOFTE_INBOX": str(inbox),
        "LOFTE_OUT": str(out),
        "LOFTE_PUBLISH": str(tmp_path / "webb"),
    }
    prefect = str(BIN / "prefect")
    subprocess.run(
        [prefect, "work-pool", "create", "lofte", "--type", "process"],
        env=env,
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    deployed = subprocess.run(
        [prefect, "--no-prompt", "deploy", "--all", "--prefect-file", "deployments/prefect.yaml"],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    worker = subprocess.Popen(
        [prefect, "worker", "start", "--pool", "lofte"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        run = run_deployment(
            "tertialrapport/medborgarlofte",
            parameters={"period": "2019-T2", "final": False},
            timeout=240,
        )
    finally:
        stop_process(worker)
    assert run.state.is_completed(), run.state
    figures = json.loads(
        (out / "strangnas-2019" / "2019-T2" / "publicera" / "figures.json").read_text("utf-8")
    )
    assert figures["period"] == "2019-T2" and figures["draft"] is True
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("tertialrapport/medborgarlofte")
        slugs = sorted(s.slug for s in deployment.schedules)
        artifacts = client.read_artifacts()
    assert slugs == ["utkast-t1", "utkast-t2", "utkast-t3"]
    with get_client(sync_client=True) as client:
        final = client.read_deployment_by_name("publicering/medborgarlofte")
    assert sorted(s.slug for s in final.schedules) == ["slutlig-mandag-2-3", "slutlig-vardag-1"]
    summaries = [
        a
        for a in artifacts
        if a.flow_run_id == run.id and a.key == "sammanfattning-strangnas-2019-2019-t2"
    ]
    assert summaries and "Status per mål" in summaries[0].data


def test_lofte_serve_takes_up_a_dropped_file_by_itself(server, promise_file, tmp_path):
    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "polisen" / "logg.xlsx",
        {"Logg": [HEADER, row("2019-02-01", "Riktad insats trimmade mopeder", "Härad")]},
    )
    (inbox / "kommunen").mkdir()
    out = tmp_path / "rapporter"
    serve = subprocess.Popen(
        [
            str(BIN / "lofte"),
            "serve",
            "--promise",
            str(promise_file),
            "--inbox",
            str(inbox),
            "--out",
            str(out),
            "--poll-seconds",
            "2",
            "--settle-seconds",
            "1",
        ],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    figures_file = out / "strangnas-2019" / "2019-T3" / "publicera" / "figures.json"

    def mopeds() -> int | None:
        try:
            figures = json.loads(figures_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return next(t["done_to_date"] for t in figures["targets"] if t["id"] == "mopedinsatser")

    try:
        assert wait_for(mopeds, 120, "the first draft") == 1
        dropped = tmp_path / "ny.xlsx"
        write_xlsx(dropped, {"Logg": [HEADER, row("2019-10-01", "Mopedinsats", "Mariefred")]})
        shutil.move(dropped, inbox / "kommunen" / "ny.xlsx")
        assert wait_for(lambda: mopeds() == 2, 120, "the draft to reflect the dropped file")
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        output, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0, output
    assert "Avslutat." in output


def test_twenty_promises_fan_out_over_two_workers_each_report_once_and_identical(
    server, promise_file, tmp_path
):
    import yaml

    from flows.all_promises import all_promises
    from lofte_pipeline.bundle import OUTPUT_FILES
    from lofte_pipeline.demo import write_demo_inbox
    from lofte_pipeline.promise import load_promise
    from lofte_pipeline.report import build_report

    seed = yaml.safe_load(promise_file.read_text(encoding="utf-8"))
    promise_dir, inbox_root = tmp_path / "loften", tmp_path / "inkorgar"
    promise_dir.mkdir()
    for n in range(20):
        data = {**seed, "id": f"kommun{n:02}-2019", "kommun": f"Kommun {n:02}"}
        path = promise_dir / f"kommun{n:02}-2019.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        write_demo_inbox(load_promise(path), inbox_root / data["id"], seed=n)
    env = {
        **os.environ,
        "LOFTE_HOME": str(REPO),
        "LOFTE_PROMISE": str(promise_file),
        "LOFTE_INBOX": str(tmp_path / "oanvand"),
        "LOFTE_OUT": str(tmp_path / "oanvand"),
        "LOFTE_PUBLISH": str(tmp_path / "oanvand"),
    }
    prefect = str(BIN / "prefect")
    subprocess.run(
        [prefect, "work-pool", "create", "lofte", "--type", "process"],
        env=env,
        capture_output=True,
        cwd=REPO,
    )  # may exist already from another test
    deployed = subprocess.run(
        [prefect, "--no-prompt", "deploy", "--all", "--prefect-file", "deployments/prefect.yaml"],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    workers = [
        subprocess.Popen(
            [
                prefect,
                "worker",
                "start",
                "--pool",
                "lofte",
                "--limit",
                "1",
                "--name",
                f"arbetare-{n}",
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for n in (1, 2)
    ]
    out = tmp_path / "rapporter"
    try:
        state = all_promises(
            promise_dir=str(promise_dir),
            inbox_root=str(inbox_root),
            out=str(out),
            period="T2",
            concurrency=4,
            return_state=True,
        )
    finally:
        for worker in workers:
            stop_process(worker)
    assert state.is_completed(), state.message
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(limit=200)
    names = sorted(run.name for run in runs if run.name.startswith("kommun"))
    assert names == sorted(f"kommun{n:02}-2019-2019-T2" for n in range(20))  # each once
    assert {run.state.type.value for run in runs if run.name.startswith("kommun")} == {"COMPLETED"}
    for n in (0, 7, 19):  # byte-identical to the single-process result
        path = promise_dir / f"kommun{n:02}-2019.yaml"
        single = build_report(
            path,
            inbox_root / f"kommun{n:02}-2019",
            tmp_path / "ett",
            "2019-T2",
            state_dir=tmp_path / "ett-state" / str(n),
        )
        for name in OUTPUT_FILES:
            fanned = (
                out
                / f"kommun{n:02}-2019"
                / "2019-T2"
                / single.path(name).relative_to(single.folder)
            )
            assert fanned.read_bytes() == single.path(name).read_bytes(), (n, name)
