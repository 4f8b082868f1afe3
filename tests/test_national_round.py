"""A round over many promises through a real Prefect server and two `lofte worker` task workers,
once with the embedded state (SQLite, file locks) and once with the state in a real PostgreSQL
server: every report built once, by whichever worker was free, byte-identical to one built alone,
also when two rounds are started at once."""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from servers import prefect_server, wait_for

from flows.serve import stop_process
from flows.task_worker import subscribed_workers

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
PROMISES = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with prefect_server(tmp_path_factory.mktemp("prefect-home")) as api_url:
        yield api_url


@pytest.fixture(scope="module")
def promises(tmp_path_factory, promise_file):
    """Twenty promises (the bundled one under other names) with a demo inbox each."""
    import yaml

    from lofte_pipeline.demo import write_demo_inbox
    from lofte_pipeline.promise import load_promise

    root = tmp_path_factory.mktemp("omgang")
    seed = yaml.safe_load(promise_file.read_text(encoding="utf-8"))
    for n in range(PROMISES):
        data = {**seed, "id": f"kommun{n:02}-2019", "kommun": f"Kommun {n:02}"}
        path = root / "loften" / f"kommun{n:02}-2019.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        write_demo_inbox(load_promise(path), root / "inkorgar" / data["id"], seed=n)
    return root


def start_workers(env: dict[str, str], api_url: str) -> list[subprocess.Popen]:
    before = subscribed_workers(api_url)
    workers = [
        subprocess.Popen(
            [str(BIN / "lofte"), "worker", "--name", f"arbetare-{n}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for n in (1, 2)
    ]
    wait_for(lambda: subscribed_workers(api_url) >= before + 2, 120, "two task workers")
    return workers


def run_round(promises: Path, out: Path) -> list[dict]:
    from flows.all_promises import all_promises

    state = all_promises(
        promise_dir=str(promises / "loften"),
        inbox_root=str(promises / "inkorgar"),
        out=str(out),
        period="T2",
        return_state=True,
    )
    assert state.is_completed(), state.message
    return state.result()["reports"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_round_of_twenty_promises_on_two_task_workers(
    backend, server, promises, tmp_path, request, monkeypatch
):
    from lofte_pipeline.bundle import OUTPUT_FILES
    from lofte_pipeline.report import build_report

    env = {**os.environ, "PREFECT_API_URL": server}
    if backend == "postgres":
        env["LOFTE_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    else:
        env.pop("LOFTE_DATABASE_URL", None)
    workers = start_workers(env, server)
    try:
        out = tmp_path / "rapporter"
        reports = run_round(promises, out)
        # Two rounds at once over a new report folder: each report built by one of them only.
        both = tmp_path / "samtidigt"
        results: list[list[dict]] = []
        # Each thread in a copy of this context, so both reach this server, not an ephemeral one.
        rounds = [
            threading.Thread(
                target=contextvars.copy_context().run,
                args=(lambda: results.append(run_round(promises, both)),),
            )
            for _ in range(2)
        ]
        for thread in rounds:
            thread.start()
        for thread in rounds:
            thread.join()
    finally:
        for worker in workers:
            stop_process(worker)

    assert sorted(r["promise"] for r in reports) == [f"kommun{n:02}-2019" for n in range(20)]
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:  # each report its own task run in the UI
        names = [run.name for run in client.read_task_runs(limit=200)]
    assert all(names.count(f"kommun{n:02}-2019-2019-T2") >= 3 for n in range(20)), names
    assert all(r["built"] and r["period"] == "2019-T2" for r in reports)
    by_worker = {w: sum(r["worker"] == w for r in reports) for w in ("arbetare-1", "arbetare-2")}
    assert min(by_worker.values()) >= 3, by_worker  # the work spread over both workers

    assert len(results) == 2 and all(len(r) == PROMISES for r in results)
    for n in range(PROMISES):
        promise = f"kommun{n:02}-2019"
        builds = [r["built"] for found in results for r in found if r["promise"] == promise]
        assert sorted(builds) == [False, True], (promise, builds)
        versions = list((both / promise).glob(".2019-T2.v-*"))
        assert len(versions) == 1, versions  # one version written, the other run kept it

    monkeypatch.delenv("LOFTE_DATABASE_URL", raising=False)
    for n in (0, 7, 19):  # byte-identical to the report built alone, in this process
        promise = f"kommun{n:02}-2019"
        alone = build_report(
            promises / "loften" / f"{promise}.yaml",
            promises / "inkorgar" / promise,
            tmp_path / "ensam",
            "2019-T2",
            state_dir=tmp_path / "ensam-state" / promise,
        )
        for name in OUTPUT_FILES:
            for folder in (out, both):
                built = folder / promise / "2019-T2" / alone.path(name).relative_to(alone.folder)
                assert built.read_bytes() == alone.path(name).read_bytes(), (n, name)


def test_a_round_no_worker_takes_ends_failed_naming_each_report_at_its_timeout(
    server, promises, tmp_path
):
    from flows.all_promises import all_promises

    state = all_promises(
        promise_dir=str(promises / "loften"),
        inbox_root=str(promises / "inkorgar"),
        out=str(tmp_path / "rapporter"),
        period="T2",
        timeout_minutes=0.05,
        return_state=True,
    )
    assert state.is_failed()
    assert state.message.startswith("Rapporter som misslyckades: kommun00-2019, kommun01-2019")
    assert not (tmp_path / "rapporter").exists()


@pytest.mark.parametrize(
    ("args", "api_url", "expected"),
    [
        (["--limit", "0"], None, "--limit ska vara minst 1."),
        ([], "http://127.0.0.1:{port}/api", "svarar inte"),
    ],
)
def test_a_worker_that_cannot_start_says_why_in_swedish(args, api_url, expected, tmp_path):
    from servers import free_port

    env = {**os.environ, "PREFECT_HOME": str(tmp_path)}
    if api_url:
        env["PREFECT_API_URL"] = api_url.format(port=free_port())
    done = subprocess.run(
        [str(BIN / "lofte"), "worker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
