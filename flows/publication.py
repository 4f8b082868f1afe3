"""The final report and its publication: prepared, then paused for a person's approval in the
Prefect UI; published on approval, nothing published on rejection or when no answer comes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.states import Completed, Failed
from pydantic import Field

from flows.common import only_io_errors, run_date
from flows.tertial_report import build_tertial_report, publish_run_summary
from lofte_pipeline.messages import message
from lofte_pipeline.publish import corrections_for, publication_folder_for, publish_package
from lofte_pipeline.schedule import period_for_run


class Granskning(RunInput):
    """The approval form shown in the Prefect UI."""

    godkann: bool = Field(description="Godkänn publicering av den slutliga rapporten")
    namn: str = Field(description="Ditt namn (sparas i publiceringsposten)")
    kommentar: str = Field("", description="Kommentar; vid avslag: vad som måste rättas")


@task(retries=2, retry_delay_seconds=10, retry_condition_fn=only_io_errors)
def publish_public_package(
    public: str, destination: str, approved_by: str, change_note: str
) -> dict[str, Any]:
    """Copy the public package into the publication folder with a record (sha256 per file)."""
    entry = publish_package(Path(public), Path(destination), approved_by, change_note)
    return {
        "version": entry.version,
        "approved_by": entry.approved_by,
        "approved_at": entry.approved_at,
        "files": entry.files,
    }


@flow(name="publicering", log_prints=True)
def final_publication(
    promise: str,
    inbox: str,
    out: str,
    publish_dir: str,
    period: str | None = None,
    change_note: str = "",
    approval_timeout_hours: float = 72.0,
    state: str | None = None,
):
    """Final report, paused for approval, then published into the publication folder.

    Args:
        promise: Löftesfilen (YAML)
        inbox: Inkorgen med en mapp per källa: INBOX/<källa>/
        out: Mapp där rapporterna byggs
        publish_dir: Mappen som webbredaktionen publicerar från
        period: Tertial, t.ex. 2019-T2. Tomt: den tertial som just tagit slut.
        change_note: Vid rättelse av en redan publicerad rapport: vad som rättats
        approval_timeout_hours: Så länge körningen väntar på granskning
        state: Mapp för arkiv och bokföring (standard: lofte-state bredvid inkorgen)
    """
    period = period or period_for_run(run_date(), final=True).id
    destination = publication_folder_for(Path(publish_dir), promise, period)
    corrections = corrections_for(destination, change_note, run_date())
    report = build_tertial_report(promise, inbox, out, period, True, state, corrections=corrections)
    publish_run_summary(report)
    print(message("flode.vantar_pa_granskning", period=period, folder=report["folder"]))
    try:
        answer = pause_flow_run(
            wait_for_input=Granskning,
            key="granskning",
            poll_interval=2,
            timeout=max(1, int(approval_timeout_hours * 3600)),
        )
    except FlowPauseTimeout:
        text = message("flode.ingen_granskning", hours=f"{approval_timeout_hours:g}")
        create_markdown_artifact(message("flode.ej_publicerad", reason=text), key="publicering")
        return Failed(message=text)
    if not answer.godkann:
        text = message(
            "flode.avslagen",
            name=answer.namn,
            comment=answer.kommentar or message("flode.ingen_kommentar"),
        )
        create_markdown_artifact(
            message("flode.ej_publicerad", reason=text)
            + "\n"
            + message("flode.inget_publicerades")
            + "\n",
            key="publicering",
        )
        return Completed(message=text, name=message("flode.avslagen_namn"))
    entry = publish_public_package(
        str(Path(report["folder"]) / "publicera"), str(destination), answer.namn, change_note
    )
    lines = [
        message("flode.publicerad_rubrik", version=entry["version"]),
        "",
        message("flode.publicerad_av", name=entry["approved_by"], moment=entry["approved_at"]),
        message("flode.publicerad_mapp", folder=destination / "aktuell"),
        "",
        message("flode.publicerad_kolumner"),
        "|---|---|",
    ]
    lines += [f"| {name} | `{sha}` |" for name, sha in entry["files"].items()]
    create_markdown_artifact("\n".join(lines) + "\n", key="publicering")
    return Completed(
        message=message("flode.publicerad", version=entry["version"], name=answer.namn)
    )
