"""Rendering: figures -> a Swedish HTML report (Jinja2) -> tagged PDF/UA-1 (WeasyPrint, A4).

The context holds everything the template shows, already worded and formatted in Swedish (Babel):
the summary written from the figures, what remains of the year (or, in the annual report, what was
not achieved), the charts as inline SVG (charts.py) and the tables they were drawn from.
WeasyPrint is imported only when a PDF is made, so `lofte check` stays quick to start.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date, get_month_names
from babel.numbers import format_decimal

from . import charts
from .charts import join_sv
from .models import Intake
from .period import Period
from .promise import Promise
from .reconcile import Reconciliation, TargetFigures

LOCALE = "sv_SE"
MONTHS = [get_month_names("wide", locale=LOCALE)[m] for m in range(1, 13)]
STATUS_LABELS = {
    "achieved": ("Uppnått", "✔"),
    "on_track": ("Enligt plan", "→"),
    "behind": ("Efter plan", "!"),
    "missed": ("Ej uppnått", "✘"),
    "reported": ("Redovisas", "i"),
}
PDF_VARIANT = "pdf/ua-1"


def templates_dir() -> Path:
    repo_copy = Path(__file__).resolve().parents[2] / "templates"
    return repo_copy if repo_copy.is_dir() else Path(__file__).resolve().parent / "templates"


def date_sv(day: date) -> str:
    """'2 maj 2019'."""
    return format_date(day, "d MMMM y", locale=LOCALE)


def number_sv(value: int) -> str:
    """'1 234' with a no-break space, so a number never breaks over two lines."""
    return format_decimal(value, locale=LOCALE)


def tertial_name(period_id: str) -> str:
    return f"tertial {period_id.rsplit('T', 1)[-1]}"


def tertial_months(tertial: int) -> str:
    """'maj–augusti'."""
    first = (tertial - 1) * 4
    return f"{MONTHS[first]}–{MONTHS[first + 3]}"


def goal_text(promise: Promise, target_id: str) -> str:
    target = promise.target_by_id[target_id]
    parts = []
    if target.goal is not None:
        parts.append(f"minst {number_sv(target.goal)}")
    if target.every_district:
        parts.append("i alla kommundelar")
    if target.places:
        parts.append("bland annat " + " och ".join(p.name for p in target.places))
    if target.per_tertial_minimum is not None:
        parts.append(f"minst {number_sv(target.per_tertial_minimum)} varje tertial")
    return ", ".join(parts) if parts else "redovisas (inget antal utlovat)"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def remaining_text(promise: Promise, figures: TargetFigures, period: Period) -> str:
    """What is left of a target for the rest of the year, in words ('' when nothing is)."""
    target = promise.target_by_id[figures.id]
    if figures.status in ("achieved", "reported") or period.tertial == 3:
        return ""  # the year is over: the annual report says what was not achieved instead
    clauses = []
    if figures.goal is not None and figures.done_to_date < figures.goal:
        clauses.append(f"minst {number_sv(figures.goal - figures.done_to_date)} till")
    if figures.districts_missing:
        clauses.append(f"aktivitet i {join_sv(figures.districts_missing)}")
    if figures.places_missing:
        clauses.append(f"aktivitet vid {join_sv(figures.places_missing)}")
    if target.per_tertial_minimum is not None:
        ahead = [f"tertial {k}" for k in range(period.tertial + 1, 4)]
        if ahead:
            clauses.append(f"minst {number_sv(target.per_tertial_minimum)} i "
                           f"{'vart och ett av ' if len(ahead) > 1 else ''}{join_sv(ahead)}")
        if figures.periods_missing:
            missed = join_sv([tertial_name(p) for p in figures.periods_missing])
            clauses.append(f"målet kan inte längre nås helt eftersom {missed} saknade aktivitet")
    return _capital(join_sv(clauses)) + "." if clauses else ""


def shortfall_text(figures: TargetFigures) -> str:
    """Why a target was not achieved in the year, in words."""
    clauses = []
    if figures.goal is not None and figures.done_to_date < figures.goal:
        clauses.append(f"{number_sv(figures.done_to_date)} av utlovade "
                       f"{number_sv(figures.goal)} genomfördes")
    if figures.districts_missing:
        clauses.append(f"ingen aktivitet i {join_sv(figures.districts_missing)}")
    if figures.places_missing:
        clauses.append(f"ingen aktivitet vid {join_sv(figures.places_missing)}")
    if figures.periods_missing:
        clauses.append("ingen aktivitet under "
                       + join_sv([tertial_name(p) for p in figures.periods_missing]))
    return _capital(join_sv(clauses)) + "." if clauses else ""


def _count(n: int, one: str, many: str) -> str:
    return f"{number_sv(n)} {one if n == 1 else many}"


def summary_paragraphs(counts: dict[str, int], measurable: int, period: Period,
                       activities_total: int, activities_in_period: int) -> list[str]:
    """The summary at the top of the report, written from the figures."""
    if period.tertial == 3:
        first = (f"Av löftets {number_sv(measurable)} mätbara mål uppnåddes "
                 f"{number_sv(counts['achieved'])} under {period.year}")
        first += (f" och {number_sv(counts['missed'])} uppnåddes inte." if counts["missed"]
                  else "; alla mätbara mål uppnåddes.")
    else:
        rest = [part for n, part in ((counts["on_track"], f"{number_sv(counts['on_track'])} "
                                      "enligt plan"),
                                     (counts["behind"], f"{number_sv(counts['behind'])} efter plan"))
                if n]
        if counts["achieved"]:
            first = (f"Av löftets {number_sv(measurable)} mätbara mål är "
                     + join_sv([_count(counts["achieved"], "uppnått", "uppnådda"), *rest]) + ".")
        else:
            first = (f"Av löftets {number_sv(measurable)} mätbara mål är inget uppnått ännu"
                     + (f"; {join_sv(rest)}." if rest else "."))
    second = ""
    if counts["reported"]:
        second = (f"{_count(counts['reported'], 'mål redovisas', 'mål redovisas')} utan utlovat "
                  "antal. ")
    second += (f"Totalt har {number_sv(activities_total)} aktiviteter genomförts från 1 januari "
               f"till {date_sv(period.end)}")
    second += (f", varav {number_sv(activities_in_period)} under tertial {period.tertial}."
               if period.tertial > 1 else ".")
    return [first, second]


def _target_context(promise: Promise, figures: TargetFigures, period: Period) -> dict[str, Any]:
    target = promise.target_by_id[figures.id]
    label, icon = STATUS_LABELS[figures.status]
    per_period = [{"name": tertial_name(p), "count": n} for p, n in figures.done_per_period.items()]
    return {
        "id": figures.id, "title": figures.title, "quote": target.quote, "status": figures.status,
        "status_label": label, "status_icon": icon, "goal": figures.goal,
        "goal_text": goal_text(promise, figures.id),
        "activities": [a.label for a in promise.activities_for(figures.id)],
        "done_in_period": figures.done_in_period, "done_to_date": figures.done_to_date,
        "expected_to_date": figures.expected_to_date,
        "districts_missing": figures.districts_missing, "places_missing": figures.places_missing,
        "periods_missing": [tertial_name(p) for p in figures.periods_missing],
        "districts_covered": figures.districts_covered, "places_visited": figures.places_visited,
        "every_district": target.every_district, "has_places": bool(target.places),
        "per_period": per_period,
        # T1..T3; None for a tertial not reported yet.
        "per_tertial": [figures.done_per_period.get(f"{period.year}-T{k}") for k in (1, 2, 3)],
        "remaining": remaining_text(promise, figures, period),
        "shortfall": shortfall_text(figures) if figures.status == "missed" else "",
    }


def report_context(promise: Promise, result: Reconciliation, intake: Intake,
                   draft: bool = True) -> dict[str, Any]:
    period = result.period
    targets = {t.id: _target_context(promise, t, period) for t in result.targets}
    ordered = [targets[t.id] for t in promise.targets]
    counts = {code: sum(1 for t in result.targets if t.status == code) for code in STATUS_LABELS}
    measurable = len(result.targets) - counts["reported"]
    matrix = result.district_matrix
    rejected_rows = intake.rejected[["file", "sheet", "row"]].drop_duplicates()
    annual = period.tertial == 3
    through = date_sv(period.end)
    activities_in_period = sum(t.done_in_period for t in result.targets)
    per_tertial_totals = [sum(t["per_tertial"][k] or 0 for t in ordered)
                          if k < period.tertial else None for k in range(3)]
    tertials = [{"number": k, "name": f"Tertial {k}", "months": tertial_months(k),
                 "reported": k <= period.tertial} for k in (1, 2, 3)]
    progress = [t for t in ordered if t["goal"] is not None and t["status"] != "reported"]
    counts_matrix = [[int(v) for v in row] for _, row in matrix.iterrows()]
    label = f"{period.name_sv} {period.year}"
    return {
        "promise": promise,
        "period": {"id": period.id, "tertial": period.tertial, "name": period.name_sv,
                   "label": label, "start": date_sv(period.start), "end": through,
                   "end_iso": period.end.isoformat(), "is_annual": annual},
        "data_through": through,
        "signed": date_sv(promise.signed) if promise.signed else "",
        "summary": counts,
        "measurable": measurable,
        "summary_paragraphs": summary_paragraphs(counts, measurable, period,
                                                 len(result.activities), activities_in_period),
        "remaining": [t for t in ordered if t["remaining"]],
        "not_achieved": [t for t in ordered if t["status"] == "missed"],
        "targets": ordered,
        "progress": progress,
        "tertials": tertials,
        "tertial_totals": per_tertial_totals,
        "statements": [
            {"id": s.id, "text": s.text,
             "targets": [targets[t.id] for t in promise.targets if t.promise_statement == s.id]}
            for s in promise.statements
        ],
        "charts": {
            "progress": charts.progress_chart(
                [charts.ProgressRow(t["title"], t["goal"], t["done_to_date"],
                                    None if annual else t["expected_to_date"], t["status"],
                                    t["status_label"], t["status_icon"]) for t in progress],
                through=through),
            "tertials": charts.tertial_chart(
                [charts.TertialBar(t["name"], t["months"], per_tertial_totals[t["number"] - 1])
                 for t in tertials], year=period.year),
            "coverage": charts.coverage_grid(
                [str(a) for a in matrix.index], [str(d) for d in matrix.columns], counts_matrix,
                period_text=f"1 januari–{through}"),
        },
        "matrix": {
            "districts": list(matrix.columns),
            "rows": [{"activity": label, "counts": [int(v) for v in row],
                      "total": int(sum(row))} for label, row in matrix.iterrows()],
            "totals": [int(v) for v in matrix.sum(axis=0)],
            "total": int(matrix.values.sum()),
        },
        "activities_total": len(result.activities),
        "activities_in_period": activities_in_period,
        "sources": list(intake.sources.values()),
        "files": intake.files,
        "rejected_row_count": len(rejected_rows),
        "rejected_by_column": (intake.rejected.groupby("column").size().to_dict()
                               if not intake.rejected.empty else {}),
        "number": number_sv,
        "draft": draft,
    }


def render_html(context: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    return env.get_template("rapport.html.j2").render(**context)


def render_pdf(html: str, title: str) -> bytes:
    """Tagged A4 PDF/UA-1.

    Language, subject (<meta name="description">), author and dates come from the HTML, whose
    dates are the period's end, never the clock; the permanent identifier is a hash of the title
    (promise, period, draft or final). So the same report gives the same bytes on every run.
    """
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=str(templates_dir())).render(
        pdf_variant=PDF_VARIANT)
    document.metadata.title = title
    return document.write_pdf(pdf_variant=PDF_VARIANT,
                              pdf_identifier=hashlib.sha256(title.encode("utf-8")).hexdigest()[:32].encode())
