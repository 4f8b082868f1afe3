"""`lofte deploy`: a promise's four deployments applied to a process work pool on a Prefect
server (PREFECT_API_URL), so that `.venv/bin/prefect worker start --pool lofte` runs them.

No `prefect` binary is needed: the work pool is created through the API when it is missing.
The deployments import the flows by module (`flows.tertial_report.tertial_report`, …) from the
installed package, so the worker needs this project's .venv and no working directory. Deploying
again updates the deployments and their schedules (each schedule has a slug).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.watch import OFFLINE, require_api, say
from lofte_pipeline.errors import LofteError
from lofte_pipeline.messages import message


def ensure_pool(pool: str) -> bool:
    """The process work pool `pool`, created when missing. True when it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            existing = client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(
                WorkPoolCreate(
                    name=pool,
                    type="process",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                )
            )
            return True
    if existing.type != "process":
        raise LofteError(message("drift.pool_fel_typ", pool=pool, kind=existing.type))
    return False


def notification_settings() -> Any:
    """Where the coordinator's notifications go (LOFTE_NOTISER, LOFTE_SMTP_* …), read before
    anything starts: a wrong setting is one Swedish line, and nothing has started yet."""
    from lofte_pipeline.notify_settings import load_settings

    return load_settings()


def set_up_notifications(settings: Any) -> None:
    """The notifications' automations on the server (created, updated or, with nothing set,
    removed), and one line on where the messages go."""
    from flows.notifications import describe, ensure_notifications

    ensure_notifications(settings)
    say(describe(settings))


def deploy(
    promise: Path,
    inbox: Path,
    out: Path,
    state: Path | None,
    publish_dir: Path,
    pool: str,
) -> int:
    os.environ.update(OFFLINE)
    if not inbox.is_dir():
        raise LofteError(message("rapport.inkorg_saknas", inbox=inbox))
    settings = notification_settings()
    api_url = require_api()
    from flows.deployments import build_deployments

    say(message("drift.server", url=api_url))
    created = ensure_pool(pool)
    say(
        message("drift.pool_skapad", pool=pool)
        if created
        else message("drift.pool_finns", pool=pool)
    )
    deployments = build_deployments(
        promise, inbox, out, state, publish_dir=publish_dir, work_pool=pool
    )
    for deployment in deployments:
        deployment.apply()
        say(describe_deployment(deployment))
    say(message("drift.publiceringsmapp", folder=publish_dir.resolve()))
    set_up_notifications(settings)
    prefect = Path(sys.executable).parent / "prefect"
    say(message("drift.starta_arbetare", command=f"{prefect} worker start --pool {pool}"))
    lofte = Path(sys.executable).parent / "lofte"
    say(
        message(
            "drift.starta_bevakning",
            command=f"{lofte} watch --promise {promise.resolve()} --inbox {inbox.resolve()}",
        )
    )
    return 0


def describe_deployment(deployment: object) -> str:
    """One Swedish line: the deployment's full name and its schedules."""
    name = f"{deployment.flow_name}/{deployment.name}"  # type: ignore[attr-defined]
    slugs = [s.slug for s in deployment.schedules or []]  # type: ignore[attr-defined]
    if not slugs:
        return message("drift.driftsatt_utan_schema", name=name)
    return message("drift.driftsatt", name=name, count=len(slugs), slugs=", ".join(slugs))


def command() -> Callable[[argparse.Namespace], int]:
    """The runner of `lofte deploy`; ImportError when Prefect is not installed."""
    if importlib.util.find_spec("prefect") is None:
        raise ModuleNotFoundError("No module named 'prefect'", name="prefect")
    return run


def run(args: argparse.Namespace) -> int:
    if not (args.publish_dir or "").strip():
        raise LofteError(message("drift.publiceringsmapp_saknas"))
    return deploy(
        Path(args.promise),
        Path(args.inbox),
        Path(args.out),
        Path(args.state) if args.state else None,
        Path(args.publish_dir),
        args.pool,
    )
