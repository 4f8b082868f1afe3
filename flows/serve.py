"""`lofte serve`: everything on one machine — a local Prefect server (if none is running), this
promise's four deployments with their schedules, a runner for them, the inbox watcher, and a
read-only file server for the reports and publications that the run pages link to.

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
from collections.abc import Callable
from pathlib import Path

from flows.deploy import notification_settings, set_up_notifications
from flows.watch import OFFLINE, healthy, inbox_starter, say, watcher_for
from lofte_pipeline.archive import default_state_dir
from lofte_pipeline.deployment_plan import full_name
from lofte_pipeline.errors import LofteError
from lofte_pipeline.fileserver import FileServer
from lofte_pipeline.links import OUT_URL, PUBLISH_URL
from lofte_pipeline.messages import message
from lofte_pipeline.promise import load_promise
from lofte_pipeline.watch_loop import watch_inbox

__all__ = ["healthy", "serve_locally", "start_server", "stop_process"]

REPORTS, PUBLICATIONS = "rapporter", "publicering"


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
    files_port: int = 4201,
) -> int:
    os.environ.update(OFFLINE)
    loaded = load_promise(promise)
    if not inbox.is_dir():
        raise LofteError(message("rapport.inkorg_saknas", inbox=inbox))
    state = state or default_state_dir(inbox)
    settings = notification_settings()
    publish_dir = publish_dir or out.parent / PUBLICATIONS
    for folder in (out, publish_dir):
        folder.mkdir(parents=True, exist_ok=True)
    files = FileServer({REPORTS: out, PUBLICATIONS: publish_dir}, "127.0.0.1", files_port)
    # The runs' links; an address set already (a reverse proxy's, for other machines) is kept.
    out_url = os.environ.setdefault(OUT_URL, files.url(REPORTS))
    publish_url = os.environ.setdefault(PUBLISH_URL, files.url(PUBLICATIONS))
    server = None
    api_url = os.environ.get("PREFECT_API_URL", "")
    if not (api_url and healthy(api_url)):
        api_url = f"http://{host}:{port}/api"
        if not healthy(api_url):
            say(message("flode.startar_server", url=api_url.removesuffix("/api")))
            try:
                server, api_url = start_server(host, port)
            except LofteError:
                files.httpd.server_close()
                raise
    os.environ["PREFECT_API_URL"] = api_url

    from prefect import serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.deployments import build_deployments

    stop = threading.Event()
    signal.signal(signal.SIGTERM, _interrupt)
    files.start()
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            deployments = build_deployments(
                promise, inbox, out, state, settle_seconds=settle_seconds, publish_dir=publish_dir
            )
            thread = threading.Thread(
                target=watch_inbox,
                args=(
                    watcher_for(inbox, state, settle_seconds),
                    inbox_starter(full_name(loaded.id, "inkorg")),
                    poll_seconds,
                    stop,
                    say,
                    poll_seconds,  # the runner registers the deployments meanwhile
                ),
                daemon=True,
            )
            say(message("drift.rapporter", folder=out.resolve(), url=out_url))
            say(message("drift.publiceringar", folder=publish_dir.resolve(), url=publish_url))
            set_up_notifications(settings)
            thread.start()
            say(message("flode.prefect_ui", url=api_url.removesuffix("/api")))
            serve(*deployments, print_starting_message=False)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        files.stop()
        if server is not None:
            stop_process(server)
    say(message("flode.avslutat"))
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
        args.files_port,
    )
