"""This project's deployments for one promise, named apart in the UI (<id>-rapport, <id>-inkorg,
<id>-saknade-underlag, <id>-publicering), with the schedules computed from the promise
(lofte_pipeline.schedule.promise_runs) and a Swedish run form (lofte_pipeline.forms).

`lofte serve` runs them itself; `lofte deploy` applies them to a process work pool.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import RRule
from prefect.types.entrypoint import EntrypointType
from prefect.utilities.callables import ParameterSchema

from flows.inbox import inbox_flow
from flows.missing_data import missing_data_check
from flows.publication import final_publication
from flows.tertial_report import tertial_report
from lofte_pipeline.archive import default_state_dir
from lofte_pipeline.deployment_plan import (
    ScheduleGroup,
    deployment_name,
    groups_for,
    schedule_groups,
)
from lofte_pipeline.forms import swedish_form
from lofte_pipeline.links import OUT_URL, PUBLISH_URL
from lofte_pipeline.messages import message
from lofte_pipeline.promise import load_promise
from lofte_pipeline.schedule import TIMEZONE, promise_runs, rruleset_text


def _schedules(groups: list[ScheduleGroup]) -> list:
    return [
        RRule(
            rruleset_text(group.moments),
            timezone=TIMEZONE,
            parameters=group.parameters,
            slug=group.slug,
        )
        for group in groups
    ]


def build_deployments(
    promise: Path,
    inbox: Path,
    out: Path,
    state: Path | None = None,
    settle_seconds: float = 10.0,
    publish_dir: Path | None = None,
    after: datetime | None = None,
    work_pool: str | None = None,
) -> list[RunnerDeployment]:
    """The four deployments of a promise. With `work_pool` they are meant for a worker, and the
    links' addresses (LOFTE_OUT_URL, LOFTE_PUBLISH_URL) set here are passed on to its runs."""
    loaded = load_promise(promise)
    periods = [p.id for p in loaded.periods]
    groups = schedule_groups(promise_runs(loaded, after=after))
    common = {"promise": str(promise.resolve()), "inbox": str(inbox.resolve())}
    state_text = str((state or default_state_dir(inbox)).resolve())
    out_text = str(out.resolve())
    publish_text = str((publish_dir or out.parent / "publicering").resolve())
    names = {"title": loaded.title, "municipality": loaded.municipality, "inbox": inbox}
    # The flows are imported by module (the installed package), never from a path, so a runner
    # (`lofte serve`) and a worker in any working directory run the same deployment alike.
    pool: dict[str, Any] = {"entrypoint_type": EntrypointType.MODULE_PATH}
    if work_pool:
        links = {k: os.environ[k] for k in (OUT_URL, PUBLISH_URL) if os.environ.get(k)}
        pool["work_pool_name"] = work_pool
        pool["job_variables"] = {"env": links} if links else None
    plans = [
        (
            tertial_report,
            {**common, "out": out_text, "state": state_text},
            message("drift.beskrivning_rapport", **names),
        ),
        (
            inbox_flow,
            {**common, "out": out_text, "state": state_text, "settle_seconds": settle_seconds},
            message("drift.beskrivning_inkorg", **names),
        ),
        (
            missing_data_check,
            {**common, "state": state_text},
            message("drift.beskrivning_kontroll"),
        ),
        (
            final_publication,
            {**common, "out": out_text, "state": state_text, "publish_dir": publish_text},
            message("drift.beskrivning_publicering", **names),
        ),
    ]
    deployments = []
    for flow, parameters, description in plans:
        deployment = flow.to_deployment(
            name=deployment_name(loaded.id, flow.name),
            schedules=_schedules(groups_for(flow.name, groups)),
            parameters=parameters,
            tags=["medborgarlofte", loaded.id],
            description=description,
            **pool,
        )
        schema = deployment._parameter_openapi_schema.model_dump(exclude_unset=True)
        form = swedish_form(schema, periods)
        deployment._parameter_openapi_schema = ParameterSchema(**form)
        deployments.append(deployment)
    return deployments


def fan_out_deployment(work_pool: str) -> RunnerDeployment:
    """The round over every promise in a folder (`alla-loften/omgang`), started from the UI or the
    API on a process worker; the reports themselves are built by the task workers."""
    from flows.all_promises import all_promises

    return all_promises.to_deployment(
        name="omgang",
        tags=["medborgarlofte"],
        description=message("drift.beskrivning_alla"),
        work_pool_name=work_pool,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
