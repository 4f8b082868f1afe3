"""Every promise in a folder, one report run each, so a Prefect work pool can spread them over
workers. The fan-out only starts and waits for deployment runs; each report is the usual flow."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.deployments import run_deployment
from prefect.states import Completed, Failed

from lofte_pipeline.messages import message
from lofte_pipeline.promise import load_promise
from lofte_pipeline.schedule import round_period


@flow(name="alla-loften", log_prints=True)
def all_promises(
    promise_dir: str,
    inbox_root: str,
    out: str,
    period: str,
    deployment: str = "tertialrapport/medborgarlofte",
    concurrency: int = 4,
    final: bool = False,
):
    """Report every promise in a folder, fanning out one deployment run per promise.

    Args:
        promise_dir: Mapp med löftesfiler (*.yaml), en per kommun och år
        inbox_root: Mapp med en inkorg per löfte: <inbox_root>/<löftes-id>/<källa>/
        out: Mapp där rapporterna skrivs
        period: Tertialens nummer, t.ex. T2 (året tas ur varje löftesfil) eller ÅÅÅÅ-Tn
        deployment: Driftsättningen av tertialrapporten som körningarna startas på
        concurrency: Hur många rapporter som körs samtidigt
        final: Slutliga rapporter i stället för utkast
    """
    logger = get_run_logger()
    jobs = []
    for path in sorted(Path(promise_dir).glob("*.yaml")):
        promise = load_promise(path)
        reported = round_period(promise, period)
        if reported is None:
            logger.info(message("flode.period_utanfor", promise=promise.id, period=period))
            continue
        jobs.append(
            (
                promise.id,
                {
                    "promise": str(path.resolve()),
                    "inbox": str((Path(inbox_root) / promise.id).resolve()),
                    "out": str(Path(out).resolve()),
                    "period": reported,
                    "final": final,
                },
            )
        )

    def start(job: tuple[str, dict[str, Any]]) -> tuple[str, str]:
        promise_id, parameters = job
        run = run_deployment(
            deployment,
            parameters=parameters,
            timeout=None,
            flow_run_name=f"{promise_id}-{parameters['period']}",
        )
        return promise_id, run.state.type.value if run.state else "UNKNOWN"

    # Each thread runs in a copy of this flow's context, so the runs reach the same API and show
    # up as this run's children; a bare thread would fall back to the process-wide settings.
    contexts = [contextvars.copy_context() for _ in jobs]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = dict(pool.map(lambda context, job: context.run(start, job), contexts, jobs))
    failed = sorted(p for p, state in results.items() if state != "COMPLETED")
    logger.info(
        message("flode.rapporter_logg", done=len(results) - len(failed), failed=len(failed))
    )
    if failed:
        return Failed(message=message("flode.rapporter_misslyckades", promises=", ".join(failed)))
    return Completed(message=message("flode.rapporter_klara", count=len(results)))
