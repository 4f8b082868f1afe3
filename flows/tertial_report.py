"""The tertial report as a Prefect flow, over the same library function as `lofte report`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from flows.common import only_io_errors, run_date
from lofte_pipeline.bundle import bundle_path
from lofte_pipeline.links import report_url
from lofte_pipeline.messages import message
from lofte_pipeline.models import Correction
from lofte_pipeline.report import build_report
from lofte_pipeline.schedule import period_for_run
from lofte_pipeline.summary import report_markdown, target_rows


@task(retries=2, retry_delay_seconds=10, retry_condition_fn=only_io_errors)
def build_tertial_report(
    promise: str,
    inbox: str,
    out: str,
    period: str,
    final: bool,
    state: str | None,
    lang: str = "sv",
    corrections: list[Correction] | None = None,
) -> dict[str, Any]:
    """Archive the inbox, reconcile against the promise, publish HTML, PDF, figures and CSVs."""
    result = build_report(
        promise,
        inbox,
        out,
        period,
        final=final,
        state_dir=state,
        lang=lang,
        corrections=corrections or (),
    )
    return {
        "folder": str(result.folder),
        "figures": result.figures,
        "rejected_rows": result.rejected_rows,
        "personal_data": result.personal_data,
        "rejected_files": result.rejected_files,
        "version": result.version,
        "held": result.held is not None,
    }


@task
def publish_run_summary(report: dict[str, Any]) -> None:
    """Status per target, files, rejected rows and links to the report, for the Prefect UI."""
    figures, folder = report["figures"], report["folder"]
    key = f"{figures['promise']}-{figures['period']}".lower()
    create_markdown_artifact(
        report_markdown(
            figures,
            folder,
            report["rejected_rows"],
            report["personal_data"],
            rejected_files=report.get("rejected_files"),
        ),
        key=f"sammanfattning-{key}",
        description="Sammanfattning av körningen",
    )
    create_table_artifact(target_rows(figures), key=f"mal-{key}", description="Status per mål")
    for name in ("rapport.html", "rapport.pdf"):
        path = Path(folder) / bundle_path(name)
        url = report_url(path, Path(folder).parent.parent)
        if url is None:  # no web address for the report folder: the path is in the summary
            continue
        create_link_artifact(
            url,
            link_text=name,
            key=f"{name.replace('.', '-')}-{key}",
            description=f"{name} för {figures['period']}",
        )


@flow(name="tertialrapport", log_prints=True)
def tertial_report(
    promise: str,
    inbox: str,
    out: str,
    period: str | None = None,
    final: bool = False,
    state: str | None = None,
    lang: Literal["sv", "en"] = "sv",
) -> dict[str, Any]:
    """Tertial report for one promise: the same output as `lofte report`.

    Args:
        promise: Löftesfilen (YAML), t.ex. promises/strangnas-2019.yaml
        inbox: Inkorgen med en mapp per källa: INBOX/<källa>/
        out: Mapp där rapporten skrivs som OUT/<löfte>/<period>/
        period: Tertial att rapportera, t.ex. 2019-T2. Tomt: tertialen körningen hör till
            (utkast: pågående tertial, slutlig: den som just tagit slut).
        final: Slutlig rapport. Av: ett utkast märkt UTKAST.
        state: Mapp för arkiv och bokföring (standard: lofte-state bredvid inkorgen)
        lang: Rapportens språk: sv (svenska) eller en (engelska)
    """
    period = period or period_for_run(run_date(), final).id
    report = build_tertial_report(promise, inbox, out, period, final, state, lang)
    publish_run_summary(report)
    print(message("flode.rapport_skriven", folder=report["folder"]))
    return report
