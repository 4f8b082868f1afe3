"""Every promise in a folder in one round: each report a Prefect task run, built by long-lived task
workers (`lofte worker`) that take the next one when they are free.

A task worker imports Prefect, the library and its templates once and then builds report after
report, so a round costs about what the reports cost; the engine still schedules, retries and
shows each report as its own task run. Two runs of one report never overlap (state.report_lock),
and a report whose inputs have not changed since it was built is kept, not built again.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.futures import wait
from prefect.states import Completed, Failed

from flows.common import only_io_errors
from lofte_pipeline.messages import message
from lofte_pipeline.report import build_report
from lofte_pipeline.schedule import round_reports
from lofte_pipeline.summary import round_rows

WORKER_NAME = "LOFTE_WORKER_NAME"


def worker_name() -> str:
    """The task worker's name as `lofte worker --name` set it, else host and process."""
    return os.environ.get(WORKER_NAME) or f"{socket.gethostname()}-{os.getpid()}"


def report_run_name() -> str:
    """The task run's name in the UI: the promise file's name and the period."""
    from prefect.runtime import task_run

    parameters = task_run.parameters
    return f"{Path(parameters['promise']).stem}-{parameters['period']}"


@task(
    name="loftesrapport",
    task_run_name=report_run_name,
    retries=2,
    retry_delay_seconds=10,
    retry_condition_fn=only_io_errors,
)
def promise_report(
    promise: str, inbox: str, out: str, period: str, final: bool = False
) -> dict[str, Any]:
    """One promise's report in a round; its state folder is the default beside its inbox."""
    result = build_report(promise, inbox, out, period, final=final)
    return {
        "promise": result.figures["promise"],
        "period": result.figures["period"],
        "folder": str(result.folder),
        "version": result.version,
        "built": result.built,
        "held": result.held is not None,
        "worker": worker_name(),
    }


@flow(name="alla-loften", log_prints=True)
def all_promises(
    promise_dir: str,
    inbox_root: str,
    out: str,
    period: str,
    concurrency: int | None = None,
    final: bool = False,
    timeout_minutes: float = 120.0,
):
    """Report every promise in a folder; the task workers (`lofte worker`) build the reports.

    Args:
        promise_dir: Mapp med löftesfiler (*.yaml), en per kommun och år
        inbox_root: Mapp med en inkorg per löfte: <inbox_root>/<löftes-id>/<källa>/
        out: Mapp där rapporterna skrivs
        period: Tertialens nummer, t.ex. T2 (året tas ur varje löftesfil) eller ÅÅÅÅ-Tn
        concurrency: Högst så många rapporter lämnas till arbetarna åt gången (tomt: alla på en
            gång; hur många som byggs samtidigt styrs av arbetarnas --limit)
        final: Slutliga rapporter i stället för utkast
        timeout_minutes: Så länge omgången väntar på sina rapporter (en arbetare som stoppats mitt
            i en rapport lämnar den ofärdig; omgången räknar den då som misslyckad)
    """
    logger = get_run_logger()
    jobs, left_out = round_reports(Path(promise_dir), Path(inbox_root), Path(out), period, final)
    for promise_id in left_out:
        logger.info(message("flode.period_utanfor", promise=promise_id, period=period))
    size = concurrency if concurrency and concurrency > 0 else max(1, len(jobs))
    deadline = time.monotonic() + timeout_minutes * 60
    reports: list[dict[str, Any]] = []
    failed: list[str] = []
    for start in range(0, len(jobs), size):
        batch = jobs[start : start + size]
        futures = [promise_report.delay(**job.parameters()) for job in batch]
        wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        for job, future in zip(batch, futures, strict=True):
            if future.state.is_completed():
                reports.append(future.result())
            else:
                failed.append(job.promise_id)
    create_table_artifact(
        round_rows(reports, failed, period),
        key="alla-loften",
        description=message("flode.rapporter_logg", done=len(reports), failed=len(failed)),
    )
    logger.info(message("flode.rapporter_logg", done=len(reports), failed=len(failed)))
    if failed:
        return Failed(message=message("flode.rapporter_misslyckades", promises=", ".join(failed)))
    return Completed(
        message=message("flode.rapporter_klara", count=len(reports)), data={"reports": reports}
    )
