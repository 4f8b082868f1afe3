"""The tertial report as a Prefect flow, over the same library function as `lofte report`."""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from lofte_pipeline.report import build_report


def _only_io_errors(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect's hook signature
    """Retry a shared-folder hiccup; never retry a validation or promise-file error."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # noqa: BLE001
        return False
    return False


@task(retries=2, retry_delay_seconds=10, retry_condition_fn=_only_io_errors)
def build_tertial_report(promise: str, inbox: str, out: str, period: str) -> dict[str, Any]:
    """Read the inbox, reconcile against the promise and publish HTML, PDF, figures and CSVs."""
    result = build_report(promise, inbox, out, period)
    return {"folder": str(result.folder), "figures": result.figures}


@flow(name="tertialrapport", log_prints=True)
def tertial_report(
    promise: str,
    inbox: str,
    out: str,
    period: str,
) -> dict[str, Any]:
    """Tertial report for one promise: the same output as `lofte report`.

    Args:
        promise: Löftesfilen (YAML), t.ex. promises/strangnas-2019.yaml
        inbox: Inkorgen med en mapp per källa: INBOX/<källa>/
        out: Mapp där rapporten skrivs som OUT/<löfte>/<period>/
        period: Tertial att rapportera, t.ex. 2019-T2
    """
    report = build_tertial_report(promise, inbox, out, period)
    print(f"Rapport skriven: {report['folder']}")
    return report
