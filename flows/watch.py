"""`lofte watch`: one long-running watcher beside a Prefect worker. It starts the promise's
inbox deployment (inkorg/<id>-inkorg) through the API when settled new or changed files appear,
and never when nothing changed (lofte_pipeline.watch_loop, which `lofte serve` runs too).

SIGTERM (systemd) and Ctrl-C stop it after the look in progress: "Avslutat.", exit 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

from lofte_pipeline.archive import default_state_dir
from lofte_pipeline.deployment_plan import full_name
from lofte_pipeline.errors import LofteError
from lofte_pipeline.messages import message
from lofte_pipeline.promise import load_promise
from lofte_pipeline.watch import InboxWatcher
from lofte_pipeline.watch_loop import watch_inbox

OFFLINE = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def say(text: str) -> None:
    print(text, flush=True)


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=2) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def require_api() -> str:
    """The Prefect server's API address (PREFECT_API_URL, or the profile's), answering."""
    from prefect.settings import PREFECT_API_URL

    api_url = str(PREFECT_API_URL.value() or "")
    if not api_url:
        raise LofteError(message("drift.api_url_saknas"))
    if not healthy(api_url):
        raise LofteError(message("drift.server_svarar_inte", url=api_url))
    return api_url


def inbox_starter(deployment: str) -> Callable[[], object]:
    """Start one run of the inbox deployment through the API, without waiting for it."""

    def start() -> object:
        from prefect.deployments import run_deployment

        return run_deployment(deployment, timeout=0)

    return start


def watcher_for(inbox: Path, state: Path | None, settle_seconds: float) -> InboxWatcher:
    state = state or default_state_dir(inbox)
    return InboxWatcher(inbox, state / "inkorg.json", settle_seconds)


def watch(
    promise: Path, inbox: Path, state: Path | None, poll_seconds: float, settle_seconds: float
) -> int:
    os.environ.update(OFFLINE)
    loaded = load_promise(promise)
    if not inbox.is_dir():
        raise LofteError(message("rapport.inkorg_saknas", inbox=inbox))
    require_api()
    deployment = full_name(loaded.id, "inkorg")
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(deployment)
        except ObjectNotFound:
            raise LofteError(message("drift.inkorg_ej_driftsatt", deployment=deployment)) from None
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda signum, frame: stop.set())
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    say(
        message(
            "drift.bevakar",
            inbox=inbox,
            seconds=f"{poll_seconds:g}",
            settle=f"{settle_seconds:g}",
            deployment=deployment,
        )
    )
    try:
        watch_inbox(
            watcher_for(inbox, state, settle_seconds),
            inbox_starter(deployment),
            poll_seconds,
            stop,
            say,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    say(message("flode.avslutat"))
    return 0


def command() -> Callable[[argparse.Namespace], int]:
    """The runner of `lofte watch`; ImportError when Prefect is not installed."""
    if importlib.util.find_spec("prefect") is None:
        raise ModuleNotFoundError("No module named 'prefect'", name="prefect")
    return run


def run(args: argparse.Namespace) -> int:
    return watch(
        Path(args.promise),
        Path(args.inbox),
        Path(args.state) if args.state else None,
        args.poll_seconds,
        args.settle_seconds,
    )
