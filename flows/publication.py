"""The final report and its publication: built, held and shown for a person's approval in the
Prefect UI; on approval exactly that version is published, nothing on rejection or when no
answer comes.

A deployed run suspends while it waits (no process is kept, so a restart of `lofte serve` or
of a worker loses nothing) and starts again from the top once answered: it then finds its own
hold (approval.prepare_final) and builds nothing. A run started without a deployment (a test,
a script) pauses in its process instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput
from prefect.runtime import deployment, flow_run
from prefect.states import Completed, Failed
from pydantic import Field

from flows.common import only_io_errors, run_date
from flows.events import APPROVAL_WAITING, announce
from lofte_pipeline.approval import ApprovalRequest, approval_markdown, prepare_final, release
from lofte_pipeline.bundle import bundle_path
from lofte_pipeline.errors import LofteError
from lofte_pipeline.links import publication_url, report_url
from lofte_pipeline.messages import message
from lofte_pipeline.promise import load_promise
from lofte_pipeline.publish import corrections_for, publication_folder_for, publish_version
from lofte_pipeline.schedule import TIMEZONE, approval_deadline, period_for_run

SWEDEN = ZoneInfo(TIMEZONE)


class Granskning(RunInput):
    """The approval form shown in the Prefect UI."""

    godkann: bool = Field(
        title=message("granskning.form_godkann"),
        description=message("granskning.form_godkann_text"),
    )
    namn: str = Field(
        title=message("granskning.form_namn"), description=message("granskning.form_namn_text")
    )
    kommentar: str = Field(
        "",
        title=message("granskning.form_kommentar"),
        description=message("granskning.form_kommentar_text"),
    )


@task(retries=2, retry_delay_seconds=10, retry_condition_fn=only_io_errors)
def prepare_for_approval(
    promise: str,
    inbox: str,
    out: str,
    period: str,
    state: str | None,
    holder: str,
    until: str,
    change_note: str,
    destination: str,
) -> dict[str, Any]:
    """Build the final and hold it for this run (or find the version this run already holds)."""
    corrections = corrections_for(Path(destination), change_note, run_date())
    request = prepare_final(
        promise,
        inbox,
        out,
        period,
        holder=holder,
        until=datetime.fromisoformat(until),
        state_dir=state,
        corrections=corrections,
    )
    return request.record()


@task(retries=2, retry_delay_seconds=10, retry_condition_fn=only_io_errors)
def publish_approved_version(
    record: dict[str, Any], destination: str, approved_by: str, change_note: str
) -> dict[str, Any]:
    """Copy exactly the approved version's public files into the publication folder."""
    request = ApprovalRequest.from_record(record)
    entry = publish_version(
        request.report, request.version, Path(destination), approved_by, change_note
    )
    return {
        "version": entry.version,
        "bundle_version": entry.bundle_version,
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
    approval_timeout_hours: float | None = None,
    state: str | None = None,
):
    """Final report, held for approval, then that version published into the publication folder.

    Args:
        promise: Löftesfilen (YAML)
        inbox: Inkorgen med en mapp per källa: INBOX/<källa>/
        out: Mapp där rapporterna byggs
        publish_dir: Mappen som webbredaktionen publicerar från
        period: Tertial, t.ex. 2019-T2. Tomt: den tertial som just tagit slut.
        change_note: Vid rättelse av en redan publicerad rapport: vad som rättats
        approval_timeout_hours: Så länge körningen väntar på granskning (tomt: till kl. 16 den
            femte arbetsdagen)
        state: Mapp för arkiv och bokföring (standard: lofte-state bredvid inkorgen)
    """
    if not (publish_dir or "").strip():
        return Failed(message=message("flode.publiceringsmapp_saknas"))
    period = period or period_for_run(run_date(), final=True).id
    destination = publication_folder_for(Path(publish_dir), promise, period)
    holder = str(flow_run.id)
    start = flow_run.scheduled_start_time or datetime.now().astimezone()
    until = (
        start + timedelta(hours=approval_timeout_hours)
        if approval_timeout_hours is not None
        else approval_deadline(start)
    )
    try:
        record = prepare_for_approval(
            promise,
            inbox,
            out,
            period,
            state,
            holder,
            until.isoformat(),
            change_note,
            str(destination),
        )
    except LofteError as exc:  # another run's final waits for approval
        return Failed(message=str(exc))
    request = ApprovalRequest.from_record(record)
    link = report_url(request.version_path / bundle_path("rapport.pdf"), Path(out))
    description = approval_markdown(request, link)
    create_markdown_artifact(description, key="granskning", description="Väntar på granskning")
    print(message("flode.vantar_pa_granskning", period=period, folder=request.version_path))
    seconds = max(1, int((request.until - datetime.now(request.until.tzinfo)).total_seconds()))
    form = Granskning.with_initial_data(description=description, godkann=False, namn="")
    if request.fresh:
        _announce_waiting(promise, request, link)
    try:
        if deployment.id:
            answer = suspend_flow_run(wait_for_input=form, key="granskning", timeout=seconds)
        else:
            answer = pause_flow_run(
                wait_for_input=form, key="granskning", poll_interval=2, timeout=seconds
            )
    except FlowPauseTimeout:
        release(request, holder)
        text = message(
            "flode.ingen_granskning",
            until=request.until.astimezone(SWEDEN).strftime("%Y-%m-%d %H:%M"),
        )
        create_markdown_artifact(message("flode.ej_publicerad", reason=text), key="publicering")
        return Failed(message=text)
    if not answer.godkann:
        release(request, holder)
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
    entry = publish_approved_version(record, str(destination), answer.namn, change_note)
    release(request, holder)
    current = destination / "aktuell"
    where = publication_url(current / "rapport.pdf", Path(publish_dir))
    lines = [
        message("flode.publicerad_rubrik", version=entry["version"]),
        "",
        message("flode.publicerad_av", name=entry["approved_by"], moment=entry["approved_at"]),
        message("flode.publicerad_granskad", version=entry["bundle_version"]),
        message("flode.publicerad_mapp", folder=current),
    ]
    if where:
        lines.append(message("flode.publicerad_lank", url=where))
    lines += ["", message("flode.publicerad_kolumner"), "|---|---|"]
    lines += [f"| {name} | `{sha}` |" for name, sha in entry["files"].items()]
    create_markdown_artifact("\n".join(lines) + "\n", key="publicering")
    return Completed(
        message=message("flode.publicerad", version=entry["version"], name=answer.namn)
    )


def _announce_waiting(promise: str, request: ApprovalRequest, link: str | None) -> None:
    """Tell the coordinator, once per run: a run that comes back has its answer."""
    loaded = load_promise(promise)
    until = request.until.astimezone(SWEDEN).strftime("%Y-%m-%d %H:%M")
    announce(
        APPROVAL_WAITING,
        loaded.id,
        loaded.title,
        message(
            "flode.notis_granskning_amne", period=request.period, municipality=loaded.municipality
        ),
        message(
            "flode.notis_granskning_text",
            period=request.period,
            municipality=loaded.municipality,
            version=request.version,
            until=until,
            link=link or request.version_path,
        ),
        period=request.period,
        version=request.version,
    )
