"""Rendering: figures -> an HTML report (Jinja2) -> tagged PDF/UA-1 (WeasyPrint, A4).

The context holds everything the template shows, already worded and formatted in the report's
language: every word comes from the catalogue (i18n.py, templates/texts/<lang>.yaml), dates and
numbers from Babel. Swedish is the default; `lang="en"` gives the same report in English. It holds
the summary written from the figures, what remains of the year (or, in the annual report, what was
not achieved), last year's figures for the same tertial when they are given, the charts as inline
SVG (charts.py) and the tables they were drawn from.
WeasyPrint is imported only when a PDF is made, so `lofte check` stays quick to start.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from . import charts
from .charts import join_sv  # noqa: F401  (the Swedish list, kept for callers)
from .i18n import DATA_LANGUAGE, DEFAULT_LANGUAGE, Texts, templates_dir, texts
from .messages import message
from .models import Correction, Intake
from .period import Period
from .promise import Promise
from .reconcile import Reconciliation, TargetFigures

__all__ = ["templates_dir", "report_context", "render_html", "render_pdf", "document_title",
           "accessibility_statement"]

_SV = texts("sv")
LOCALE = _SV.locale
MONTHS = _SV.months
STATUS_ICONS = {"achieved": "✔", "on_track": "→", "behind": "!", "missed": "✘", "reported": "i"}
# The Swedish status words with their icons (summary.py and the tests use them).
STATUS_LABELS = {code: (_SV.status(code), icon) for code, icon in STATUS_ICONS.items()}
PDF_VARIANT = "pdf/ua-1"


def date_sv(day: date) -> str:
    """'2 maj 2019'."""
    return _SV.date(day)


def number_sv(value: int) -> str:
    """'1 234' with a no-break space, so a number never breaks over two lines."""
    return _SV.number(value)


def tertial_name(period_id: str, tx: Texts = _SV) -> str:
    """'2019-T2' -> 'tertial 2'."""
    return tx.tertial_short(period_id)


def tertial_months(tertial: int, tx: Texts = _SV) -> str:
    """'maj–augusti'."""
    return tx.tertial_months(tertial)


def period_label(period: Period, tx: Texts = _SV) -> str:
    """'tertial 2 (maj–augusti) 2019'."""
    return f"{tx.tertial_name(period.tertial)} {period.year}"


def document_title(promise: Promise, period: Period, draft: bool = True,
                   lang: str = DEFAULT_LANGUAGE) -> str:
    """The HTML <title> and the PDF's title: 'UTKAST: Medborgarlöfte 2019 – Strängnäs kommun:
    uppföljning tertial 2 (maj–augusti) 2019'."""
    tx = texts(lang)
    title = tx("document.title", title=promise.title, municipality=promise.municipality,
               period=period_label(period, tx))
    return tx("document.draft_title", title=title) if draft else title


def goal_text(promise: Promise, target_id: str, tx: Texts = _SV) -> str:
    target = promise.target_by_id[target_id]
    parts = []
    if target.goal is not None:
        parts.append(tx("goal.at_least", n=tx.number(target.goal)))
    if target.every_district:
        parts.append(tx("goal.every_district"))
    if target.places:
        places = f" {tx('language.and')} ".join(p.name for p in target.places)
        parts.append(tx("goal.places", places=places))
    if target.per_tertial_minimum is not None:
        parts.append(tx("goal.per_tertial", n=tx.number(target.per_tertial_minimum)))
    return ", ".join(parts) if parts else tx("goal.reported_only")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def remaining_text(promise: Promise, figures: TargetFigures, period: Period,
                   tx: Texts = _SV) -> str:
    """What is left of a target for the rest of the year, in words ('' when nothing is)."""
    target = promise.target_by_id[figures.id]
    if figures.status in ("achieved", "reported") or period.tertial == 3:
        return ""  # the year is over: the annual report says what was not achieved instead
    clauses = []
    if figures.goal is not None and figures.done_to_date < figures.goal:
        clauses.append(tx("remaining.more", n=tx.number(figures.goal - figures.done_to_date)))
    if figures.districts_missing:
        clauses.append(tx("remaining.districts", districts=tx.join(figures.districts_missing)))
    if figures.places_missing:
        clauses.append(tx("remaining.places", places=tx.join(figures.places_missing)))
    if target.per_tertial_minimum is not None:
        ahead = [tx("period.short", k=k) for k in range(period.tertial + 1, 4)]
        if ahead:
            key = "remaining.per_tertial_each" if len(ahead) > 1 else "remaining.per_tertial"
            clauses.append(tx(key, n=tx.number(target.per_tertial_minimum),
                              tertials=tx.join(ahead)))
        if figures.periods_missing:
            missed = tx.join([tx.tertial_short(p) for p in figures.periods_missing])
            clauses.append(tx("remaining.cannot_reach", tertials=missed))
    return _capital(tx.join(clauses)) + "." if clauses else ""


def shortfall_text(figures: TargetFigures, tx: Texts = _SV) -> str:
    """Why a target was not achieved in the year, in words."""
    clauses = []
    if figures.goal is not None and figures.done_to_date < figures.goal:
        clauses.append(tx("shortfall.done_of_goal", done=tx.number(figures.done_to_date),
                          goal=tx.number(figures.goal)))
    if figures.districts_missing:
        clauses.append(tx("shortfall.districts", districts=tx.join(figures.districts_missing)))
    if figures.places_missing:
        clauses.append(tx("shortfall.places", places=tx.join(figures.places_missing)))
    if figures.periods_missing:
        clauses.append(tx("shortfall.periods",
                          tertials=tx.join([tx.tertial_short(p) for p in figures.periods_missing])))
    return _capital(tx.join(clauses)) + "." if clauses else ""


def summary_paragraphs(counts: dict[str, int], measurable: int, period: Period,
                       activities_total: int, activities_in_period: int, tx: Texts = _SV,
                       previous: dict[str, Any] | None = None) -> list[str]:
    """The summary at the top of the report, written from the figures.

    With `previous` (see previous_summary) a third paragraph says where the work stood at the
    same time last year.
    """
    m = tx.number(measurable)
    if period.tertial == 3:
        achieved = tx.plural("summary.annual_achieved", counts["achieved"], year=period.year)
        first = tx("summary.annual_frame", measurable=m, achieved=achieved)
        first += (tx.plural("summary.annual_missed", counts["missed"]) if counts["missed"]
                  else tx("summary.annual_all"))
    else:
        rest = [tx.plural(f"summary.part_{code}", counts[code])
                for code in ("on_track", "behind") if counts[code]]
        if counts["achieved"]:
            first = tx("summary.interim_some", measurable=m, parts=tx.join(
                [tx.plural("summary.part_achieved", counts["achieved"]), *rest]))
        else:
            first = tx("summary.interim_none", measurable=m,
                       rest=tx("summary.interim_none_rest", parts=tx.join(rest)) if rest else "")
    sentences = []
    if counts["reported"]:
        sentences.append(tx.plural("summary.reported", counts["reported"]))
    sentences.append(tx.plural(
        "summary.total", activities_total, start=tx.day_month(date(period.year, 1, 1)),
        end=tx.date(period.end),
        rest=(tx("summary.total_in_period", n=tx.number(activities_in_period), k=period.tertial)
              if period.tertial > 1 else tx("summary.total_end"))))
    paragraphs = [first, " ".join(sentences)]
    if previous is not None:
        key = "summary.previous_annual" if period.tertial == 3 else "summary.previous_interim"
        paragraphs.append(tx.plural(key, previous["activities_total"], year=previous["year"],
                                    achieved=tx.number(previous["counts"]["achieved"]),
                                    measurable=tx.number(previous["measurable"])))
    return paragraphs


def previous_summary(previous: dict[str, Any], period: Period) -> dict[str, Any]:
    """Last year's figures.json for the same tertial, reduced to what the report shows."""
    year = int(previous.get("year") or str(previous["period"])[:4])
    tertial = str(previous.get("period", "")).rsplit("T", 1)[-1]
    if year >= period.year or tertial != str(period.tertial):
        raise ValueError(message("perioden.fel_forra_aret", previous=previous.get("period"),
                                 period=period.id))
    targets = {t["id"]: t for t in previous.get("targets", [])}
    counts = {code: sum(1 for t in targets.values() if t["status"] == code)
              for code in STATUS_ICONS}
    return {"year": year, "period": previous.get("period"), "targets": targets,
            "counts": counts, "measurable": len(targets) - counts["reported"],
            "activities_total": int(previous.get("activities_counted",
                                                 sum(t["done_to_date"] for t in targets.values())))}


def _previous_target(last: dict[str, Any] | None, tx: Texts) -> dict[str, Any] | None:
    if last is None:
        return None
    status = tx.status(last["status"])
    done, goal = tx.number(last["done_to_date"]), last.get("goal")
    return {
        "done_to_date": last["done_to_date"], "goal": goal, "status": last["status"],
        "status_label": status, "status_icon": STATUS_ICONS[last["status"]],
        "cell": tx("table.previous_value", n=done, status=status.lower()),
        "text": (tx("target.previous_value", done=done, goal=tx.number(goal),
                    status=status.lower()) if goal is not None
                 else tx("target.previous_value_no_goal", done=done, status=status.lower())),
    }


def _target_context(promise: Promise, figures: TargetFigures, period: Period, tx: Texts,
                    previous: dict[str, Any] | None) -> dict[str, Any]:
    target = promise.target_by_id[figures.id]
    label, icon = tx.status(figures.status), STATUS_ICONS[figures.status]
    per_period = [{"name": tx.tertial_short(p), "count": n}
                  for p, n in figures.done_per_period.items()]
    return {
        "id": figures.id, "title": figures.title, "quote": target.quote, "status": figures.status,
        "status_label": label, "status_icon": icon, "goal": figures.goal,
        "goal_text": goal_text(promise, figures.id, tx),
        "activities": [a.label for a in promise.activities_for(figures.id)],
        "done_in_period": figures.done_in_period, "done_to_date": figures.done_to_date,
        "expected_to_date": figures.expected_to_date,
        "districts_missing": figures.districts_missing, "places_missing": figures.places_missing,
        "periods_missing": [tx.tertial_short(p) for p in figures.periods_missing],
        "districts_covered": figures.districts_covered, "places_visited": figures.places_visited,
        "every_district": target.every_district, "has_places": bool(target.places),
        "per_period": per_period,
        # T1..T3; None for a tertial not reported yet.
        "per_tertial": [figures.done_per_period.get(f"{period.year}-T{k}") for k in (1, 2, 3)],
        "remaining": remaining_text(promise, figures, period, tx),
        "shortfall": shortfall_text(figures, tx) if figures.status == "missed" else "",
        # Last year's figures for the same tertial (None: no previous figures, or no such target).
        "previous": _previous_target(previous["targets"].get(figures.id), tx) if previous else None,
    }


def _css_string(value: Any) -> Markup:
    """Text for a CSS string in the inline stylesheet ("…"), where HTML escaping does not apply."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return Markup(text.replace("<", "\\3c "))


def report_context(promise: Promise, result: Reconciliation, intake: Intake,
                   draft: bool = True, lang: str = DEFAULT_LANGUAGE,
                   previous: dict[str, Any] | None = None,
                   corrections: Sequence[Correction] = ()) -> dict[str, Any]:
    """Everything the template shows, in `lang`.

    `previous` is last year's figures.json for the same tertial (or None): its targets are matched
    by id and shown beside this year's; a target without a counterpart gets no previous value.
    """
    tx = texts(lang)
    period = result.period
    last = previous_summary(previous, period) if previous is not None else None
    targets = {t.id: _target_context(promise, t, period, tx, last) for t in result.targets}
    ordered = [targets[t.id] for t in promise.targets]
    counts = {code: sum(1 for t in result.targets if t.status == code) for code in STATUS_ICONS}
    measurable = len(result.targets) - counts["reported"]
    matrix = result.district_matrix
    rejected_rows = intake.rejected[["file", "sheet", "row"]].drop_duplicates()
    annual = period.tertial == 3
    through = tx.date(period.end)
    activities_in_period = sum(t.done_in_period for t in result.targets)
    per_tertial_totals = [sum(t["per_tertial"][k] or 0 for t in ordered)
                          if k < period.tertial else None for k in range(3)]
    tertials = [{"number": k, "name": tx("period.heading", k=k),
                 "months": tx.tertial_months(k), "reported": k <= period.tertial}
                for k in (1, 2, 3)]
    progress = [t for t in ordered if t["goal"] is not None and t["status"] != "reported"]
    counts_matrix = [[int(v) for v in row] for _, row in matrix.iterrows()]
    label = period_label(period, tx)
    year_to_date = tx("period.year_to_date", start=tx.day_month(date(period.year, 1, 1)),
                      end=through)
    return {
        "lang": lang,
        # Attribute for elements whose text is the promise's own (Swedish) data in a report in
        # another language, so screen readers pronounce it right (WCAG 3.1.2).
        "data_lang": Markup(f' lang="{DATA_LANGUAGE}"') if lang != DATA_LANGUAGE else "",
        "_": tx,
        "title": document_title(promise, period, draft, lang),
        "promise": promise,
        "period": {"id": period.id, "tertial": period.tertial,
                   "name": tx.tertial_name(period.tertial), "label": label,
                   "start": tx.date(period.start), "end": through,
                   "end_iso": period.end.isoformat(), "is_annual": annual,
                   "year_to_date": year_to_date},
        "data_through": through,
        "signed": tx.date(promise.signed) if promise.signed else "",
        "summary": counts,
        "measurable": measurable,
        "summary_paragraphs": summary_paragraphs(counts, measurable, period,
                                                 len(result.activities), activities_in_period,
                                                 tx, last),
        "previous": ({"year": last["year"], "period": last["period"],
                      "activities_total": last["activities_total"], "counts": last["counts"],
                      "measurable": last["measurable"]} if last else None),
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
                through=through, tx=tx),
            "tertials": charts.tertial_chart(
                [charts.TertialBar(t["name"], t["months"], per_tertial_totals[t["number"] - 1])
                 for t in tertials], year=period.year, tx=tx),
            "coverage": charts.coverage_grid(
                [str(a) for a in matrix.index], [str(d) for d in matrix.columns], counts_matrix,
                period_text=year_to_date, tx=tx),
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
        "number": tx.number,
        "draft": draft,
        "corrections": [{"date": tx.date(c.day), "note": c.note} for c in corrections],
    }


def accessibility_statement(promise: Promise, period: Period,
                            lang: str = DEFAULT_LANGUAGE) -> bytes:
    """A snippet for the web page that links the report (tillgänglighetsredogörelse)."""
    from html import escape

    tx = texts(lang)
    contact = promise.contact
    ways = []
    if contact and contact.email:
        link = f'<a href="mailto:{escape(contact.email)}">{escape(contact.email)}</a>'
        ways.append(tx("statement.email", link=link))
    if contact and contact.phone:
        ways.append(tx("statement.phone", phone=escape(contact.phone)))
    who = escape(contact.name) if contact else escape(promise.municipality)
    reach = tx("statement.via", ways=tx("statement.or").join(ways)) if ways else ""
    heading = tx("statement.heading", title=escape(promise.title),
                 title_lower=escape(promise.title.lower()), period=period_label(period, tx))
    text = (f'<section lang="{lang}" class="tillganglighetsredogorelse">\n'
            f"<h2>{heading}</h2>\n<p>{tx('statement.text')}</p>\n"
            f"<p>{tx('statement.contact', who=who, reach=reach)}</p>\n</section>\n")
    return text.encode("utf-8")


@lru_cache(maxsize=1)
def template_environment() -> Any:
    """One Jinja2 environment per process: a worker compiles the template once, and still sees
    an edited template (the loader checks its modification time)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["css"] = _css_string
    return env


def render_html(context: dict[str, Any]) -> str:
    return template_environment().get_template("rapport.html.j2").render(**context)


def render_pdf(html: str, title: str, base_url: str | None = None) -> bytes:
    """Tagged A4 PDF/UA-1.

    Language, subject (<meta name="description">), author and dates come from the HTML, whose
    dates are the period's end, never the clock; the permanent identifier is a hash of the title
    (promise, period, draft or final). So the same report gives the same bytes on every run.
    """
    import weasyprint

    with _collector_paused():
        document = weasyprint.HTML(string=html, base_url=base_url or str(templates_dir())).render(
            pdf_variant=PDF_VARIANT)
        document.metadata.title = title
        return document.write_pdf(
            pdf_variant=PDF_VARIANT,
            pdf_identifier=hashlib.sha256(title.encode("utf-8")).hexdigest()[:32].encode())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while WeasyPrint lays out a document.

    A layout makes millions of objects that live until it ends; the collector's repeated full
    passes over them took about a third of the PDF's time (measured: 2.35 s → 1.55 s for the
    standard tertial). Nothing is kept: what the layout left is collected once the collector
    is back on (the PDF worker collects right after answering, while nobody waits).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
