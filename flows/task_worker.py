"""`lofte worker`: a long-lived Prefect task worker that builds the reports of a round
(flows/all_promises.py), one after another, in one warm process.

Start one per core on each machine that shares the folders; each takes the next report of a
round when it is free. With LOFTE_DATABASE_URL set, workers on different machines share the
manifest and the report locks in that database (lofte_pipeline.state).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
from collections.abc import Callable

from flows.watch import OFFLINE, require_api, say
from lofte_pipeline.messages import message
from lofte_pipeline.state import database_url


def subscribed_workers(api_url: str) -> int:
    """How many task workers the Prefect server at `api_url` has subscribed now (0 when it does
    not answer): a round's reports wait until one is there."""
    import httpx

    try:
        response = httpx.post(f"{api_url}/task_workers/filter", json={}, timeout=5)
        return len(response.json())
    except (httpx.HTTPError, ValueError):
        return 0


def command() -> Callable[[argparse.Namespace], int]:
    """The runner of `lofte worker`; ImportError when Prefect is not installed."""
    if importlib.util.find_spec("prefect") is None:
        raise ModuleNotFoundError("No module named 'prefect'", name="prefect")
    return run


def run(args: argparse.Namespace) -> int:
    os.environ.update(OFFLINE)
    if args.name:
        os.environ["LOFTE_WORKER_NAME"] = args.name
    api_url = require_api()
    from prefect.task_worker import serve

    from flows.all_promises import promise_report, worker_name
    from lofte_pipeline import news, opendata, render  # noqa: F401  loaded once, not per report

    shared = message("drift.arbetare_delat") if database_url() else message("drift.arbetare_lokalt")
    say(message("drift.arbetare_startar", name=worker_name(), limit=args.limit, url=api_url))
    say(shared)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C; SIGTERM ends the worker's loop
        serve(promise_report, limit=args.limit)
    say(message("flode.avslutat"))
    return 0
