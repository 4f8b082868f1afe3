"""`lofte serve`: everything on one machine — a local Prefect server (if none is running), this
project's deployments with their schedules, a runner for them, and the inbox watcher.

The command line finds the command through the entry point `serve` in the group
`lofte_pipeline.commands` (pyproject.toml), so the library never imports the flows.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from lofte_pipeline.archive import default_state_dir
from lofte_pipeline.errors import LofteError
from lofte_pipeline.messages import message
from lofte_pipeline.promise import load_promise
from lofte_pipeline.watch import InboxWatcher

OFFLINE = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(host: str, port: int, timeout: float = 120.0) -> tuple[subprocess.Popen, str]:
    """A Prefect server on its default embedded SQLite database."""
    api_url = f"http://{host}:{port}/api"
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
        env={**os.environ, **OFFLINE},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(api_url):
            return process, api_url
        if process.poll() is not None:
            raise LofteError(f"Prefect-servern kunde inte starta (port {port} upptagen?).")
        time.sleep(0.5)
    stop_process(process)
    raise LofteError(f"Prefect-servern svarade inte inom {timeout:.0f} s.")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def watch_inbox(
    deployment_name: str, watcher: InboxWatcher, poll_seconds: float, stop: threading.Event
) -> None:
    """Poll the inbox; when settled new files appear, start the inbox deployment once for them."""
    from prefect.deployments import run_deployment

    triggered: set[tuple[str, int, int]] = set()
    while not stop.wait(poll_seconds):
        try:
            ready, _ = watcher.observe()
            fresh = set()
            for path in ready:
                stat = path.stat()
                fresh.add((str(path), stat.st_size, stat.st_mtime_ns))
            if fresh - triggered:
                run_deployment(deployment_name, timeout=0)
                print(message("flode.bevakning_startad", count=len(fresh - triggered)), flush=True)
                triggered |= fresh
        except Exception as exc:
            print(message("flode.bevakning_misslyckades", error=exc), flush=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve_locally(
    promise: Path,
    inbox: Path,
    out: Path,
    state: Path | None,
    host: str,
    port: int,
    poll_seconds: float,
    settle_seconds: float,
    publish_dir: Path | None = None,
) -> int:
    os.environ.update(OFFLINE)
    loaded = load_promise(promise)
    if not inbox.is_dir():
        raise LofteError(message("rapport.inkorg_saknas", inbox=inbox))
    state = state or default_state_dir(inbox)
    server = None
    api_url = os.environ.get("PREFECT_API_URL", "")
    if not (api_url and healthy(api_url)):
        api_url = f"http://{host}:{port}/api"
        if not healthy(api_url):
            print(message("flode.startar_server", url=api_url.removesuffix("/api")), flush=True)
            server, api_url = start_server(host, port)
    os.environ["PREFECT_API_URL"] = api_url

    from prefect import serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.deployments import build_deployments

    stop = threading.Event()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            deployments = build_deployments(
                promise,
                inbox,
                out,
                state,
                poll_seconds=None,
                settle_seconds=settle_seconds,
                publish_dir=publish_dir,
            )
            watcher = InboxWatcher(inbox, state / "inkorg.json", settle_seconds)
            thread = threading.Thread(
                target=watch_inbox,
                args=(f"inkorg/{loaded.id}", watcher, poll_seconds, stop),
                daemon=True,
            )
            thread.start()
            print(message("flode.prefect_ui", url=api_url.removesuffix("/api")), flush=True)
            serve(*deployments, print_starting_message=False)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if server is not None:
            stop_process(server)
    print(message("flode.avslutat"), flush=True)
    return 0


def command() -> Callable[[argparse.Namespace], int]:
    """The runner of `lofte serve` (its arguments are the command line's); ImportError when
    Prefect is not installed. Prefect itself is imported only once the environment is set."""
    if importlib.util.find_spec("prefect") is None:
        raise ModuleNotFoundError("No module named 'prefect'", name="prefect")
    return run


def run(args: argparse.Namespace) -> int:
    return serve_locally(
        Path(args.promise),
        Path(args.inbox),
        Path(args.out),
        Path(args.state) if args.state else None,
        args.host,
        args.port,
        args.poll_seconds,
        args.settle_seconds,
        Path(args.publish_dir) if args.publish_dir else None,
    )
