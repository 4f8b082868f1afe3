"""Rendering: figures -> a Swedish HTML report (Jinja2) -> PDF (WeasyPrint, A4).

WeasyPrint is imported only when a PDF is made, so `lofte check` stays quick to start.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .models import Intake
from .promise import Promise
from .reconcile import Reconciliation, TargetFigures

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december"]
STATUS_LABELS = {
    "achieved": ("Uppnått", "✔"),
    "on_track": ("Enligt plan", "→"),
    "behind": ("Efter plan", "!"),
    "missed": ("Ej uppnått", "✘"),
    "reported": ("Redovisas", "i"),
}


def templates_dir() -> Path:
    repo_copy = Path(__file__).resolve().parents[2] / "templates"
    return repo_copy if repo_copy.is_dir() else Path(__file__).resolve().parent / "templates"


def date_sv(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def number_sv(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


def tertial_name(period_id: str) -> str:
    return f"tertial {period_id.rsplit('T', 1)[-1]}"


def goal_text(promise: Promise, target_id: str) -> str:
    target = promise.target_by_id[target_id]
    parts = []
    if target.goal is not None:
        parts.append(f"minst {target.goal}")
    if target.every_district:
        parts.append("i alla kommundelar")
    if target.places:
        parts.append("bland annat " + " och ".join(p.name for p in target.places))
    if target.per_tertial_minimum is not None:
        parts.append(f"minst {target.per_tertial_minimum} varje tertial")
    return ", ".join(parts) if parts else "redovisas (inget antal utlovat)"


def _target_context(promise: Promise, figures: TargetFigures) -> dict[str, Any]:
    target = promise.target_by_id[figures.id]
    label, icon = STATUS_LABELS[figures.status]
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
        "per_period": [{"name": tertial_name(p), "count": n}
                       for p, n in figures.done_per_period.items()],
    }


def report_context(promise: Promise, result: Reconciliation, intake: Intake,
                   draft: bool = True) -> dict[str, Any]:
    period = result.period
    targets = {t.id: _target_context(promise, t) for t in result.targets}
    counts = {code: sum(1 for t in result.targets if t.status == code) for code in STATUS_LABELS}
    matrix = result.district_matrix
    rejected_rows = intake.rejected[["file", "sheet", "row"]].drop_duplicates()
    return {
        "promise": promise,
        "period": {"id": period.id, "tertial": period.tertial, "name": period.name_sv,
                   "start": date_sv(period.start), "end": date_sv(period.end),
                   "end_iso": period.end.isoformat(),
                   "is_annual": period.tertial == 3},
        "data_through": date_sv(period.end),
        "signed": date_sv(promise.signed) if promise.signed else "",
        "summary": counts,
        "measurable": len(result.targets) - counts["reported"],
        "statements": [
            {"id": s.id, "text": s.text,
             "targets": [targets[t.id] for t in promise.targets if t.promise_statement == s.id]}
            for s in promise.statements
        ],
        "matrix": {
            "districts": list(matrix.columns),
            "rows": [{"activity": label, "counts": [int(v) for v in row],
                      "total": int(sum(row))} for label, row in matrix.iterrows()],
            "totals": [int(v) for v in matrix.sum(axis=0)],
            "total": int(matrix.values.sum()),
        },
        "activities_total": len(result.activities),
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
    """A4 PDF; metadata comes from the document, never from the clock, so reruns are identical."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=str(templates_dir())).render()
    document.metadata.title = title
    return document.write_pdf(pdf_identifier=title.encode("utf-8")[:32].ljust(32, b"-"))
