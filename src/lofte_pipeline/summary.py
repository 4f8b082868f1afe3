"""What the pipeline tells people about a run (in the Prefect UI: plain Markdown and table rows;
in the bundle: korning.log) and about a workbook checked with `lofte check` (text or JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .layout import is_narrative_sheet
from .messages import message
from .models import Intake
from .period import Period

if TYPE_CHECKING:
    import pandas as pd

    from .rows import FileValidation


def target_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    from .i18n import STATUS_LABELS  # here: `lofte check` uses this module and starts quickly

    return [
        {
            "mål": t["title"],
            "status": STATUS_LABELS[t["status"]][0],
            "kod": t["status"],
            "utlovat": t["goal"] if t["goal"] is not None else "",
            "perioden": t["done_in_period"],
            "hittills": t["done_to_date"],
            "saknas": ", ".join(
                t["districts_missing"] + t["places_missing"] + t["periods_missing"]
            ),
        }
        for t in figures["targets"]
    ]


def round_rows(
    reports: list[dict[str, Any]], failed: list[str], period: str
) -> list[dict[str, Any]]:
    """A round's table for the UI: each report, whether it was built, kept or held, and by whom."""

    def built(report: dict[str, Any]) -> str:
        if report["built"]:
            return "ja"
        return "hålls för granskning" if report["held"] else "oförändrad"

    rows = [
        {
            "löfte": r["promise"],
            "period": r["period"],
            "byggd": built(r),
            "arbetare": r["worker"],
            "version": r["version"],
        }
        for r in reports
    ]
    return rows + [{"löfte": p, "period": period, "byggd": "misslyckades"} for p in failed]


def report_markdown(
    figures: dict[str, Any],
    folder: str,
    rejected_rows: list[dict[str, Any]],
    personal_data: list[dict[str, Any]] | None = None,
    max_rejections: int = 50,
    rejected_files: list[dict[str, str]] | None = None,
) -> str:
    """Status per target, files read, rows rejected with reasons, and where the report is.

    For the coordinator, so files are named as they lie in the inbox (`rejected_files`, from the
    report's result); figures.json, which is public, names them by number."""
    draft = figures.get("draft", True)
    kind = message("korning.utkast") if draft else message("korning.slutlig")
    lines = [
        message(
            "korning.rubrik",
            kind=kind,
            municipality=figures["municipality"],
            period=figures["period"],
        ),
        "",
        message("korning.rapporten_finns", folder=folder),
        "",
        message("korning.status_rubrik"),
        "",
        message("korning.status_kolumner"),
        "|---|---|---|---|---|---|",
    ]
    for row in target_rows(figures):
        lines.append(
            f"| {row['mål']} | {row['status']} | {row['utlovat']} | {row['perioden']} "
            f"| {row['hittills']} | {row['saknas']} |"
        )
    lines += [
        "",
        message("korning.filer_rubrik"),
        "",
        message("korning.filer_kolumner"),
        "|---|---|---|---|---|",
    ]
    for source, s in figures["sources"].items():
        lines.append(
            f"| {source} | {s['files']} | {s.get('files_rejected', 0)} "
            f"| {s['rows_accepted']} | {s['rows_rejected']} |"
        )
    files = figures["rejected_files"] if rejected_files is None else rejected_files
    if files:
        lines += ["", message("korning.olasta_rubrik"), ""]
        lines += [f"- `{printable(f['file'])}`: {printable(f['reason'])}" for f in files]
    if rejected_rows:
        lines += [
            "",
            message("korning.avvisade_rubrik", count=len(rejected_rows)),
            "",
            message("korning.avvisade_kolumner"),
            "|---|---|---|---|---|---|",
        ]
        for r in rejected_rows[:max_rejections]:
            lines.append(
                f"| {_cell(printable(r['file']))} | {_cell(printable(r['sheet']))} | {r['row']} "
                f"| {r['column']} | {_cell(r['value'])} | {_cell(r['reason'])} |"
            )
        if len(rejected_rows) > max_rejections:
            lines.append(
                "\n" + message("korning.fler_avvisade", count=len(rejected_rows) - max_rejections)
            )
    if personal_data:
        lines += [
            "",
            message("korning.personuppgifter_rubrik", count=len(personal_data)),
            "",
            message("korning.personuppgifter_text"),
            "",
            message("korning.personuppgifter_kolumner"),
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(printable(p['file']))} | {_cell(printable(p['sheet']))} | {p['row']} "
            f"| {p['column']} | {p['kind']} |"
            for p in personal_data[:max_rejections]
        ]
    return "\n".join(lines) + "\n"


def printable(text: object) -> str:
    """`text` on one line that nothing in it can break or fake: every character that is not
    printable (a newline, a carriage return, an escape or direction mark, a name's undecodable
    byte) written the way Python writes it in a string, e.g. `\\n`."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def run_log(figures: dict[str, Any], intake: Intake) -> bytes:
    """korning.log: what this run read and decided, in plain text, for the audit package. Names
    and reasons are written with `printable`, so a file's name cannot add a line of its own."""
    lines = [
        f"Löfte: {figures['promise']} ({figures['municipality']} {figures['year']})",
        f"Period: {figures['period']} ({'utkast' if figures['draft'] else 'slutlig'})",
        f"Programversion: {figures['program_version']}",
        "",
        "Filer:",
    ]
    for f in intake.files:
        outcome = (
            f"godkänd, {f.rows_accepted} rader, {f.rows_rejected} avvisade"
            if f.accepted
            else f"avvisad: {printable(f.reason)}"
        )
        lines.append(f"  {printable(f.path)} sha256={f.sha256[:16]}… {outcome}")
    lines += [
        "",
        f"Räknade aktiviteter: {figures['activities_counted']}",
        f"Personuppgifter borttagna: {figures['personal_data_removed']}",
        "",
        "Mål:",
    ]
    lines += [
        f"  {t['id']}: {t['status']} ({t['done_to_date']} hittills)" for t in figures["targets"]
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def missing_sources(intake: Intake, period: Period) -> list[str]:
    """Sources that have sent nothing dated in the period."""
    rows = intake.accepted
    dated = rows[rows["date"].between(period.start, period.end)] if not rows.empty else rows
    have = set(dated["source"]) if not dated.empty else set()
    return [source for source in intake.sources if source not in have]


def missing_data_markdown(intake: Intake, period: Period, missing: list[str], due: str) -> str:
    names = {s.id: s.name for s in intake.sources.values()}
    if not missing:
        return (
            message("korning.underlag_finns", period=period.id, period_name=period.name_sv, due=due)
            + "\n"
        )
    lines = [
        message("korning.underlag_saknas_rubrik", period=period.id),
        "",
        message("korning.underlag_saknas_text", due=due, period_name=period.name_sv),
        "",
    ]
    lines += [
        message("korning.underlag_saknas_kalla", name=names.get(s, s), source=s) for s in missing
    ]
    lines += ["", message("korning.underlag_saknas_uppmaning")]
    return "\n".join(lines) + "\n"


def inbox_markdown(results: list[dict[str, Any]], report_folder: str) -> str:
    """The inbox run's files and what became of each; names printable (an undecodable one from
    an old share, or one with a newline, is written with its escapes)."""
    lines = [message("korning.inkorg_rubrik"), "", message("korning.inkorg_kolumner"), "|---|---|"]
    for r in results:
        outcome = (
            message("korning.inkorg_olasbar", reason=_cell(r["reason"]))
            if r["reason"]
            else message(
                "korning.inkorg_last", accepted=r["rows_accepted"], rejected=r["rows_rejected"]
            )
        )
        lines.append(f"| {_cell(printable(r['file']))} | {outcome} |")
    lines += ["", message("korning.inkorg_utkast", folder=report_folder)]
    return "\n".join(lines) + "\n"


def problem_groups(problems: pd.DataFrame) -> list[dict[str, object]]:
    """One entry per kind of problem (column, value, reason), with the Excel rows it is on."""
    groups: dict[tuple[str, str, str, str], list[int]] = {}
    for r in problems.itertuples():
        groups.setdefault((r.column, r.value, r.reason, r.sheet), []).append(int(r.row))
    ordered = sorted(groups.items(), key=lambda item: (item[1][0], item[0][0]))
    return [
        {"column": c, "value": v, "reason": why, "sheet": sheet, "rows": rows}
        for (c, v, why, sheet), rows in ordered
    ]


def _rows_rejected(problems: pd.DataFrame) -> int:
    return int(problems[["sheet", "row"]].drop_duplicates().shape[0])


def check_document(name: str, result: FileValidation) -> dict[str, Any]:
    """`lofte check --format json`: what would be accepted and rejected, for tools."""
    problems = result.rejected
    return {
        "file": name,
        "readable": True,
        "sheets": result.sheets_read,
        "rows_accepted": len(result.accepted) + len(result.indicators),
        "rows_rejected": _rows_rejected(problems),
        "narratives_read": len(result.narratives),
        "problems": [
            {
                "sheet": r.sheet,
                "row": int(r.row),
                "column": r.column,
                "value": r.value,
                "reason": r.reason,
            }
            for r in problems.itertuples()
        ],
        "groups": problem_groups(problems),
    }


def check_text(name: str, result: FileValidation) -> str:
    """`lofte check`: the same in Swedish, one line per kind of problem with its Excel rows, and
    how many texts a Redovisning sheet gave."""
    problems = result.rejected
    lines = [
        message(
            "utskrift.kontroll_resultat",
            file=name,
            accepted=len(result.accepted) + len(result.indicators),
            rejected=_rows_rejected(problems),
        )
    ]
    if any(is_narrative_sheet(s) for s in [*result.sheets_read, *result.sheets_skipped]):
        count = len(result.narratives)
        lines.append(
            message("redovisning.kontroll_en_text")
            if count == 1
            else message("redovisning.kontroll_texter", count=count)
        )
    for group in problem_groups(problems):
        rows = ", ".join(f"{r}" for r in group["rows"])  # type: ignore[attr-defined]
        where = message("utskrift.kontroll_blad", sheet=group["sheet"]) if group["sheet"] else ""
        value = f"'{group['value']}'" if group["value"] else message("utskrift.kontroll_tomt")
        lines.append(
            message(
                "utskrift.kontroll_grupp",
                column=group["column"],
                value=value,
                where=where,
                rows=rows,
                reason=group["reason"],
            )
        )
    if not problems.empty:
        lines.append(message("utskrift.kontroll_uppmaning"))
    return "\n".join(lines)
