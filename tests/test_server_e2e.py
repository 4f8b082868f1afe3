"""A real local Prefect server: the worker setup of docs/operations.md (`lofte deploy`, a process
worker, `lofte watch`), then `lofte serve` picking up a dropped file and serving its reports."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from inboxes import build_inbox
from servers import free_port, prefect_server, wait_for
from workbooks import HEADER, row, write_xlsx

from flows.serve import stop_process

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with prefect_server(tmp_path_factory.mktemp("prefect-home")) as api_url:
        yield api_url


def lofte(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "lofte"), *args], env=env, capture_output=True, text=True, cwd=REPO
    )


def inbox_runs(client) -> list:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=["strangnas-2019-inkorg"])
        )
    )


def test_worker_setup_of_the_operations_page(server, promise_file, tmp_path):
    """docs/operations.md's worker setup: `lofte deploy` (pool created through the API), a
    process worker from .venv/bin/prefect, a report run through the API; then `lofte watch`
    starts the inbox deployment for dropped files and never when nothing changed."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    inbox = build_inbox(tmp_path)
    out = tmp_path / "rapporter"
    publish = tmp_path / "webb"
    env = {**os.environ, "LOFTE_PUBLISH": str(publish)}
    deployed = lofte(
        "deploy",
        "--promise",
        str(promise_file),
        "--inbox",
        str(inbox),
        "--out",
        str(out),
        "--publish-dir",
        env["LOFTE_PUBLISH"],
        env=env,
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "Arbetspoolen lofte (process) skapades." in deployed.stdout
    assert "publicering/strangnas-2019-publicering" in deployed.stdout
    assert "Traceback" not in deployed.stdout + deployed.stderr
    again = lofte(
        "deploy",
        "--promise",
        str(promise_file),
        "--inbox",
        str(inbox),
        "--out",
        str(out),
        "--publish-dir",
        env["LOFTE_PUBLISH"],
        env=env,
    )
    assert again.returncode == 0 and "Arbetspoolen lofte finns redan." in again.stdout
    worker = subprocess.Popen(
        [str(BIN / "prefect"), "worker", "start", "--pool", "lofte"],
        env=env,
        cwd=tmp_path,  # the worker needs no checkout as its working directory
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    watch = None
    try:
        run = run_deployment(
            "tertialrapport/strangnas-2019-rapport",
            parameters={"period": "2019-T2", "final": False},
            timeout=240,
        )
        assert run.state.is_completed(), run.state
        figures = json.loads(
            (out / "strangnas-2019" / "2019-T2" / "publicera" / "figures.json").read_text("utf-8")
        )
        assert figures["period"] == "2019-T2" and figures["draft"] is True
        with get_client(sync_client=True) as client:
            deployments = {
                f"{flow}/{name}": client.read_deployment_by_name(f"{flow}/{name}")
                for flow, name in [
                    ("tertialrapport", "strangnas-2019-rapport"),
                    ("inkorg", "strangnas-2019-inkorg"),
                    ("saknade-underlag", "strangnas-2019-saknade-underlag"),
                    ("publicering", "strangnas-2019-publicering"),
                ]
            }
            artifacts = client.read_artifacts()
            assert inbox_runs(client) == []
        # 2019 is over: nothing is scheduled any more, and no interval polls the inbox.
        assert all(not d.schedules for d in deployments.values())
        states = {d.parameters["state"] for d in deployments.values()}
        assert len(states) == 1
        assert deployments["publicering/strangnas-2019-publicering"].parameters[
            "publish_dir"
        ] == str(publish.resolve())
        period = deployments["tertialrapport/strangnas-2019-rapport"].parameter_openapi_schema[
            "properties"
        ]["period"]
        assert period["title"] == "Period"
        assert [o["enum"] for o in period["anyOf"] if "enum" in o] == [
            ["2019-T1", "2019-T2", "2019-T3"]
        ]
        summaries = [
            a
            for a in artifacts
            if a.flow_run_id == run.id and a.key == "sammanfattning-strangnas-2019-2019-t2"
        ]
        assert summaries and "Status per mål" in summaries[0].data

        watch = subprocess.Popen(
            [
                str(BIN / "lofte"),
                "watch",
                "--promise",
                str(promise_file),
                "--inbox",
                str(inbox),
                "--poll-seconds",
                "1",
                "--settle-seconds",
                "1",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

        def finished_inbox_runs() -> list | None:
            with get_client(sync_client=True) as client:
                runs = inbox_runs(client)
            return runs if runs and all(r.state.is_final() for r in runs) else None

        first = wait_for(finished_inbox_runs, 240, "the inbox run for the files already there")
        assert len(first) == 1
        time.sleep(8)  # several looks with nothing changed
        with get_client(sync_client=True) as client:
            assert len(inbox_runs(client)) == 1
        dropped = tmp_path / "ny.xlsx"
        write_xlsx(dropped, {"Logg": [HEADER, row("2019-10-01", "Mopedinsats", "Mariefred")]})
        shutil.move(dropped, inbox / "kommunen" / "ny.xlsx")
        wait_for(
            lambda: (runs := finished_inbox_runs()) and len(runs) == 2,
            240,
            "an inbox run for the dropped file",
        )
        # A promise with its year ahead: one schedule per kind and period, carrying the period.
        year = datetime.date.today().year + 1
        ahead = tmp_path / f"strangnas-{year}.yaml"
        made = lofte(
            "new-promise",
            "--from",
            str(promise_file),
            "--id",
            f"strangnas-{year}",
            "--year",
            str(year),
            "-o",
            str(ahead),
            env=env,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        (tmp_path / "INBOX2").mkdir()
        deployed = lofte(
            "deploy",
            "--promise",
            str(ahead),
            "--inbox",
            str(tmp_path / "INBOX2"),
            "--out",
            str(out),
            "--publish-dir",
            env["LOFTE_PUBLISH"],
            env=env,
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        expected = {
            "tertialrapport": ("rapport", "utkast", {"final": False}),
            "publicering": ("publicering", "slutlig", {}),
            "saknade-underlag": ("saknade-underlag", "kontroll", {}),
        }
        with get_client(sync_client=True) as client:
            for flow, (suffix, kind, extra) in expected.items():
                schedules = client.read_deployment_by_name(
                    f"{flow}/strangnas-{year}-{suffix}"
                ).schedules
                assert sorted(s.slug for s in schedules) == [
                    f"{kind}-{year}-t{n}" for n in (1, 2, 3)
                ]
                for schedule in schedules:
                    tertial = schedule.slug.rsplit("-", 1)[1].upper()
                    assert schedule.parameters == {"period": f"{year}-{tertial}", **extra}
            assert not client.read_deployment_by_name(f"inkorg/strangnas-{year}-inkorg").schedules
    finally:
        if watch is not None:
            os.killpg(watch.pid, signal.SIGTERM)
            output, _ = watch.communicate(timeout=60)
        stop_process(worker)
    assert watch.returncode == 0, output
    assert "Avslutat." in output and "Traceback" not in output


def test_lofte_serve_takes_up_a_dropped_file_by_itself(server, promise_file, tmp_path):
    from prefect.client.orchestration import get_client

    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "polisen" / "logg.xlsx",
        {"Logg": [HEADER, row("2019-02-01", "Riktad insats trimmade mopeder", "Härad")]},
    )
    (inbox / "kommunen").mkdir()
    out = tmp_path / "rapporter"
    files_port = free_port()
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
            "--files-port",
            str(files_port),
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
        # The run pages' links open: the report folder is served over http, read only.
        base = f"http://127.0.0.1:{files_port}/rapporter/"
        with urllib.request.urlopen(
            base + "strangnas-2019/2019-T3/publicera/figures.json", timeout=10
        ) as response:
            assert json.loads(response.read())["period"] == "2019-T3"
        with get_client(sync_client=True) as client:
            report = client.read_deployment_by_name("tertialrapport/strangnas-2019-rapport")
            assert client.read_deployment_by_name("inkorg/strangnas-2019-inkorg").id
        assert report.parameters["state"]
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        output, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0, output
    assert "Avslutat." in output and "Traceback" not in output
    assert f"Publiceringar: {(tmp_path / 'publicering').resolve()}" in output
    assert f"visas på http://127.0.0.1:{files_port}/publicering/" in output
    assert f"Rapporter: {out.resolve()}, visas på {base}" in output
