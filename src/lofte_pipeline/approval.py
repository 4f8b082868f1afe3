"""A final report waiting for a person's approval: which version it is, kept in place while it
waits, and what the approver is shown.

The approver reads one version and approves that one. So the final is built with a hold
(placement.py) that keeps its version in place, the request names the version, when it was
built, its figures in short and the sha256 of its PDF, and publication takes that version by id
(publish.publish_version). A run that comes back after its approval (a suspended flow run
starts again from the top) finds its own hold and builds nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .archive import sha256_file
from .bundle import bundle_path
from .errors import PublicationRefused
from .messages import message
from .models import Correction
from .period import resolve_period
from .placement import Hold, current_hold, release_hold, version_folder
from .promise import load_promise
from .report import build_report
from .summary import target_rows

TIMEZONE = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class ApprovalRequest:
    promise_id: str
    period: str
    report: Path  # OUT/<promise>/<period>: the link
    version: str
    built_at: datetime
    pdf_sha256: str
    until: datetime
    figures: dict[str, Any]
    fresh: bool = False  # built by this call (a run that comes back finds its own hold)

    @property
    def version_path(self) -> Path:
        return self.report.parent / f".{self.report.name}.{self.version}"

    def record(self) -> dict[str, Any]:
        """As plain JSON values, for a flow's task result."""
        return {
            "promise_id": self.promise_id,
            "period": self.period,
            "report": str(self.report),
            "version": self.version,
            "built_at": self.built_at.isoformat(),
            "pdf_sha256": self.pdf_sha256,
            "until": self.until.isoformat(),
            "figures": self.figures,
            "fresh": self.fresh,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ApprovalRequest:
        return cls(
            data["promise_id"],
            data["period"],
            Path(data["report"]),
            data["version"],
            datetime.fromisoformat(data["built_at"]),
            data["pdf_sha256"],
            datetime.fromisoformat(data["until"]),
            data["figures"],
            bool(data.get("fresh", False)),
        )


def prepare_final(
    promise_file: str | Path,
    inbox: str | Path,
    out: str | Path,
    period: str,
    *,
    holder: str,
    until: datetime,
    state_dir: str | Path | None = None,
    corrections: Sequence[Correction] = (),
) -> ApprovalRequest:
    """The final report for `period`, held for `holder` until `until`: built now, or, when
    `holder` already holds it, the version it holds. Refused while another run's final waits."""
    promise = load_promise(promise_file)
    report = Path(out) / promise.id / resolve_period(promise, period).id
    held = current_hold(report)
    fresh = held is None or held.holder != holder
    if held is None or held.holder != holder:
        result = build_report(
            promise_file,
            inbox,
            out,
            period,
            final=True,
            state_dir=state_dir,
            corrections=corrections,
            hold=Hold(holder, until),
        )
        held = result.held
        if held is None or held.holder != holder:
            raise PublicationRefused(waiting_text(report, held))
    return replace(request_for(promise.id, report, held), fresh=fresh)


def request_for(promise_id: str, report: Path, hold: Hold) -> ApprovalRequest:
    where = version_folder(report, hold.version)
    if where is None:
        raise PublicationRefused(
            message("publicering.okand_version", version=hold.version, report=report.name)
        )
    manifest = where / bundle_path("manifest.json")
    built_at = datetime.fromtimestamp(manifest.stat().st_mtime, UTC)
    figures = json.loads((where / bundle_path("figures.json")).read_text(encoding="utf-8"))
    pdf = where / bundle_path("rapport.pdf")
    return ApprovalRequest(
        promise_id,
        report.name,
        report,
        hold.version,
        built_at,
        sha256_file(pdf) if pdf.exists() else "",
        hold.until,
        figures,
    )


def release(request: ApprovalRequest, holder: str) -> None:
    release_hold(request.report, holder)


def waiting_text(report: Path, hold: Hold | None) -> str:
    until = _local(hold.until) if hold else "-"
    return message(
        "publicering.vantar_pa_granskning",
        period=report.name,
        version=hold.version if hold else "-",
        until=until,
    )


def _local(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


def approval_markdown(request: ApprovalRequest, link: str | None = None) -> str:
    """What the approval form shows above its fields: the version, and the figures in short."""
    figures = request.figures
    lines = [
        message("granskning.rubrik", municipality=figures["municipality"], period=request.period),
        "",
        message("granskning.version", version=request.version),
        message("granskning.byggd", moment=_local(request.built_at)),
        message("granskning.pdf", sha256=request.pdf_sha256 or "-"),
        message("granskning.senast", moment=_local(request.until)),
    ]
    if link:
        lines.append(message("granskning.lank", url=link))
    lines += ["", message("granskning.kolumner"), "|---|---|---|"]
    for row in target_rows(figures):
        lines.append(f"| {row['mål']} | {row['status']} | {row['hittills']} |")
    lines += _narrative_lines(figures, request.period)
    lines += ["", message("granskning.instruktion")]
    return "\n".join(lines) + "\n"


def _narrative_lines(figures: dict[str, Any], period: str) -> list[str]:
    """Every partner text the report publishes (figures.json's, up to this tertial), so the
    approver reads the words that go out in their name, as written: markdown in them is shown,
    not rendered; and the targets without a text for this tertial."""
    lines = ["", message("granskning.redovisning_rubrik")]
    without = []
    for target in figures["targets"]:
        told = target.get("narrative", [])
        if not any(n["period"] == period for n in told):
            without.append(target["title"])
        for n in told:
            text = literal(n["text"])
            if n["next_step"]:
                text = message(
                    "granskning.nasta_steg", text=text, next_step=literal(n["next_step"])
                )
            lines.append(
                message(
                    "granskning.redovisning",
                    title=literal(target["title"]),
                    source=literal(n["source"]),
                    period=n["period"],
                    text=text,
                )
            )
    if without:
        lines.append(message("granskning.redovisning_saknas", titles=literal(", ".join(without))))
    return lines


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def literal(text: str) -> str:
    """Staff's text on one line with every markdown and HTML character escaped: a link, an image
    or a tag in it is shown as typed, never fetched or rendered in the approver's browser."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))
