"""Run summaries for people looking at a run in the Prefect UI: plain Markdown and table rows."""

from __future__ import annotations

from typing import Any

from .messages import message
from .models import Intake
from .period import Period
from .render import STATUS_LABELS


def target_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"mål": t["title"], "status": STATUS_LABELS[t["status"]][0], "kod": t["status"],
         "utlovat": t["goal"] if t["goal"] is not None else "", "perioden": t["done_in_period"],
         "hittills": t["done_to_date"],
         "saknas": ", ".join(t["districts_missing"] + t["places_missing"] + t["periods_missing"])}
        for t in figures["targets"]
    ]


def report_markdown(figures: dict[str, Any], folder: str, rejected_rows: list[dict[str, Any]],
                    personal_data: list[dict[str, Any]] | None = None,
                    max_rejections: int = 50) -> str:
    """Status per target, files read, rows rejected with reasons, and where the report is."""
    draft = figures.get("draft", True)
    kind = message("korning.utkast") if draft else message("korning.slutlig")
    lines = [message("korning.rubrik", kind=kind, municipality=figures["municipality"],
                     period=figures["period"]), "",
             message("korning.rapporten_finns", folder=folder), "",
             message("korning.status_rubrik"), "",
             message("korning.status_kolumner"), "|---|---|---|---|---|---|"]
    for row in target_rows(figures):
        lines.append(f"| {row['mål']} | {row['status']} | {row['utlovat']} | {row['perioden']} "
                     f"| {row['hittills']} | {row['saknas']} |")
    lines += ["", message("korning.filer_rubrik"), "", message("korning.filer_kolumner"),
              "|---|---|---|---|---|"]
    for source, s in figures["sources"].items():
        lines.append(f"| {source} | {s['files']} | {s.get('files_rejected', 0)} "
                     f"| {s['rows_accepted']} | {s['rows_rejected']} |")
    if figures["rejected_files"]:
        lines += ["", message("korning.olasta_rubrik"), ""]
        lines += [f"- `{f['file']}`: {f['reason']}" for f in figures["rejected_files"]]
    if rejected_rows:
        lines += ["", message("korning.avvisade_rubrik", count=len(rejected_rows)), "",
                  message("korning.avvisade_kolumner"), "|---|---|---|---|---|---|"]
        for r in rejected_rows[:max_rejections]:
            lines.append(f"| {r['file']} | {r['sheet']} | {r['row']} | {r['column']} "
                         f"| {_cell(r['value'])} | {_cell(r['reason'])} |")
        if len(rejected_rows) > max_rejections:
            lines.append("\n" + message("korning.fler_avvisade",
                                         count=len(rejected_rows) - max_rejections))
    if personal_data:
        lines += ["", message("korning.personuppgifter_rubrik", count=len(personal_data)), "",
                  message("korning.personuppgifter_text"), "",
                  message("korning.personuppgifter_kolumner"), "|---|---|---|---|---|"]
        lines += [f"| {p['file']} | {p['sheet']} | {p['row']} | {p['column']} | {p['kind']} |"
                  for p in personal_data[:max_rejections]]
    return "\n".join(lines) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def missing_sources(intake: Intake, period: Period) -> list[str]:
    """Sources that have sent nothing dated in the period."""
    rows = intake.accepted
    dated = rows[rows["date"].between(period.start, period.end)] if not rows.empty else rows
    have = set(dated["source"]) if not dated.empty else set()
    return [source for source in intake.sources if source not in have]


def missing_data_markdown(intake: Intake, period: Period, missing: list[str],
                          due: str) -> str:
    names = {s.id: s.name for s in intake.sources.values()}
    if not missing:
        return message("korning.underlag_finns", period=period.id, period_name=period.name_sv,
                       due=due) + "\n"
    lines = [message("korning.underlag_saknas_rubrik", period=period.id), "",
             message("korning.underlag_saknas_text", due=due, period_name=period.name_sv), ""]
    lines += [message("korning.underlag_saknas_kalla", name=names.get(s, s), source=s)
              for s in missing]
    lines += ["", message("korning.underlag_saknas_uppmaning")]
    return "\n".join(lines) + "\n"


def inbox_markdown(results: list[dict[str, Any]], report_folder: str) -> str:
    lines = [message("korning.inkorg_rubrik"), "", message("korning.inkorg_kolumner"), "|---|---|"]
    for r in results:
        outcome = (message("korning.inkorg_olasbar", reason=_cell(r["reason"])) if r["reason"] else
                   message("korning.inkorg_last", accepted=r["rows_accepted"],
                           rejected=r["rows_rejected"]))
        lines.append(f"| {r['file']} | {outcome} |")
    lines += ["", message("korning.inkorg_utkast", folder=report_folder)]
    return "\n".join(lines) + "\n"
