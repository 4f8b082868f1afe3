"""Run summaries for people looking at a run in the Prefect UI: plain Markdown and table rows."""

from __future__ import annotations

from typing import Any

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
    kind = "Utkast" if figures.get("draft", True) else "Slutlig rapport"
    lines = [f"# {kind}: {figures['municipality']} {figures['period']}", "",
             f"Rapporten finns i `{folder}`: publicera/ (rapport.html, rapport.pdf, figures.json, "
             "figures.csv) och intern/ (aktiviteter.csv, avvisat.csv, personuppgifter.csv, "
             "manifest.json).", "", "## Status per mål", "",
             "| Mål | Status | Utlovat | Perioden | Hittills | Saknas |", "|---|---|---|---|---|---|"]
    for row in target_rows(figures):
        lines.append(f"| {row['mål']} | {row['status']} | {row['utlovat']} | {row['perioden']} "
                     f"| {row['hittills']} | {row['saknas']} |")
    lines += ["", "## Filer och rader", "", "| Källa | Filer | Ej lästa filer | Godkända rader "
              "| Avvisade rader |", "|---|---|---|---|---|"]
    for source, s in figures["sources"].items():
        lines.append(f"| {source} | {s['files']} | {s.get('files_rejected', 0)} "
                     f"| {s['rows_accepted']} | {s['rows_rejected']} |")
    if figures["rejected_files"]:
        lines += ["", "## Filer som inte kunde läsas", ""]
        lines += [f"- `{f['file']}`: {f['reason']}" for f in figures["rejected_files"]]
    if rejected_rows:
        lines += ["", f"## Avvisade rader ({len(rejected_rows)})", "",
                  "| Fil | Blad | Rad | Kolumn | Värde | Orsak |", "|---|---|---|---|---|---|"]
        for r in rejected_rows[:max_rejections]:
            lines.append(f"| {r['file']} | {r['sheet']} | {r['row']} | {r['column']} "
                         f"| {_cell(r['value'])} | {_cell(r['reason'])} |")
        if len(rejected_rows) > max_rejections:
            lines.append(f"\n… och {len(rejected_rows) - max_rejections} till: se avvisat.csv.")
    if personal_data:
        lines += ["", f"## Personuppgifter som tagits bort ({len(personal_data)})", "",
                  "Uppgifterna har inte publicerats. Ta bort dem ur källfilerna:", "",
                  "| Fil | Blad | Rad | Kolumn | Typ |", "|---|---|---|---|---|"]
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
        return (f"# Underlag för {period.id}\n\nAlla källor har skickat aktiviteter daterade i "
                f"{period.name_sv}. Rapporten ska publiceras {due}.\n")
    lines = [f"# Underlag saknas för {period.id}", "",
             f"Rapporten ska publiceras {due}. Följande källor har inte skickat någon aktivitet "
             f"daterad i {period.name_sv}:", ""]
    lines += [f"- **{names.get(s, s)}** (`INBOX/{s}/`)" for s in missing]
    lines += ["", "Kontakta dem och be att loggen läggs i inkorgen så snart som möjligt."]
    return "\n".join(lines) + "\n"


def inbox_markdown(results: list[dict[str, Any]], report_folder: str) -> str:
    lines = ["# Nya filer i inkorgen", "", "| Fil | Resultat |", "|---|---|"]
    for r in results:
        outcome = (f"Kunde inte läsas: {_cell(r['reason'])}" if r["reason"] else
                   f"{r['rows_accepted']} rader godkända, {r['rows_rejected']} avvisade")
        lines.append(f"| {r['file']} | {outcome} |")
    lines += ["", f"Utkastet är uppdaterat: `{report_folder}`."]
    return "\n".join(lines) + "\n"
