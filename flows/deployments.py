"""This project's deployments, built from the library's schedule specs (as deployments/prefect.yaml)."""

from __future__ import annotations

from pathlib import Path

from prefect.schedules import Cron

from flows.inbox import inbox_flow
from flows.missing_data import missing_data_check
from flows.publication import final_publication
from flows.tertial_report import tertial_report
from lofte_pipeline.promise import load_promise
from lofte_pipeline.schedule import (
    DRAFT_SCHEDULES,
    FINAL_SCHEDULES,
    MISSING_DATA_SCHEDULES,
    ScheduleSpec,
)


def _crons(specs: tuple[ScheduleSpec, ...]) -> list[Cron]:
    return [
        Cron(
            s.cron, timezone=s.timezone, day_or=s.day_or, parameters=dict(s.parameters), slug=s.slug
        )
        for s in specs
    ]


def build_deployments(
    promise: Path,
    inbox: Path,
    out: Path,
    state: Path | None = None,
    poll_seconds: float | None = None,
    settle_seconds: float = 10.0,
    publish_dir: Path | None = None,
) -> list:
    """One set of deployments per promise, named after the promise id."""
    loaded = load_promise(promise)
    common = {"promise": str(promise.resolve()), "inbox": str(inbox.resolve())}
    state_parameter = {"state": str(state.resolve())} if state else {}
    report = tertial_report.to_deployment(
        name=loaded.id,
        schedules=_crons(DRAFT_SCHEDULES),
        parameters={**common, "out": str(out.resolve()), **state_parameter},
        tags=["medborgarlofte", loaded.id],
        description=f"Tertialrapport för {loaded.title}, {loaded.municipality}",
    )
    inbox_parameters = {**common, "out": str(out.resolve()), "settle_seconds": settle_seconds}
    if state:
        inbox_parameters["state"] = str(state.resolve())
    watch = inbox_flow.to_deployment(
        name=loaded.id,
        interval=poll_seconds,
        parameters=inbox_parameters,
        tags=["medborgarlofte", loaded.id],
        description=f"Tar emot nya filer i {inbox} och uppdaterar utkastet",
    )
    check = missing_data_check.to_deployment(
        name=loaded.id,
        schedules=_crons(MISSING_DATA_SCHEDULES),
        parameters=common,
        tags=["medborgarlofte", loaded.id],
        description="Listar källor utan underlag tio dagar före publicering",
    )
    publish = final_publication.to_deployment(
        name=loaded.id,
        schedules=_crons(FINAL_SCHEDULES),
        parameters={
            **common,
            "out": str(out.resolve()),
            **state_parameter,
            "publish_dir": str((publish_dir or out.parent / "publicering").resolve()),
        },
        tags=["medborgarlofte", loaded.id],
        description="Slutlig rapport; väntar på godkännande och publicerar sedan",
    )
    return [report, watch, check, publish]
