"""The report's words: the figures worded for the template, and the accessibility statement.

The context holds everything the template shows, already worded and formatted in the report's
language: every word comes from the catalogue (i18n.py, templates/texts/<lang>.yaml), dates and
numbers from Babel. Swedish is the default; `lang="en"` gives the same report in English. It holds
the summary written from the figures, what remains of the year (or, in the annual report, what was
not achieved), last year's figures for the same tertial when they are given (read by previous.py),
the charts as inline SVG (report_charts.py) and the tables they were drawn from, and the files read
by their public names, never staff's (public.py). The statement for the web page that links the
report is worded here too.

Turning the context into HTML and PDF is document.py's; render_html and render_pdf are importable
from here as well. The catalogue keys are written out here, where tests/test_i18n.py looks for the
keys in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from markupsafe import Markup

from .document import render_html, render_pdf
from .figures import Narrative, narratives
from .i18n import (
    DATA_LANGUAGE,
    DEFAULT_LANGUAGE,
    STATUS_ICONS,
    Texts,
    done_of_goal_text,
    done_text,
    follow_up_text,
    goal_text,
    remaining_text,
    responsible_text,
    shortfall_text,
    summary_paragraphs,
    templates_dir,
    texts,
)
from .indicator_values import indicator_figures, no_values
from .models import Correction, Intake
from .period import Period
from .previous import previous_summary
from .promise import Promise
from .public import public_files, public_text
from .reconcile import Reconciliation, TargetFigures
from .report_charts import report_charts

__all__ = [
    "accessibility_statement",
    "document_title",
    "previous_summary",
    "render_html",
    "render_pdf",
    "report_context",
    "templates_dir",
]

_SV = texts("sv")
# A target's kind as the report words it: its name and what it means for the reader.
KIND_KEYS = {
    "commitment": ("kind.commitment", "kind_note.commitment"),
    "aim": ("kind.aim", "kind_note.aim"),
    "ongoing": ("kind.ongoing", "kind_note.ongoing"),
    "conditional": ("kind.conditional", "kind_note.conditional"),
    "task": ("kind.task", "kind_note.task"),
}


def period_label(period: Period, tx: Texts = _SV, promise: Promise | None = None) -> str:
    """'tertial 2 (maj–augusti) 2019'; without the year when the promise's title already says
    it ('Medborgarlöfte 2019: uppföljning tertial 2 (maj–augusti)')."""
    if promise is not None and str(period.year) in promise.title:
        return tx.tertial_name(period.tertial)
    return f"{tx.tertial_name(period.tertial)} {period.year}"


def document_title(
    promise: Promise, period: Period, draft: bool = True, lang: str = DEFAULT_LANGUAGE
) -> str:
    """The HTML <title> and the PDF's title: 'UTKAST: Medborgarlöfte 2019 – Strängnäs kommun:
    uppföljning tertial 2 (maj–augusti) 2019'."""
    tx = texts(lang)
    title = tx(
        "document.title",
        title=promise.title,
        municipality=promise.municipality,
        period=period_label(period, tx, promise),
    )
    return tx("document.draft_title", title=title) if draft else title


def _previous_target(last: dict[str, Any] | None, tx: Texts) -> dict[str, Any] | None:
    if last is None:
        return None
    status = tx.status(last["status"])
    done, goal = tx.number(last["done_to_date"]), last.get("goal")
    return {
        "done_to_date": last["done_to_date"],
        "goal": goal,
        "status": last["status"],
        "status_label": status,
        "status_icon": STATUS_ICONS[last["status"]],
        "cell": tx("table.previous_value", n=done, status=status.lower()),
        "text": (
            tx("target.previous_value", done=done, goal=tx.number(goal), status=status.lower())
            if goal is not None
            else tx("target.previous_value_no_goal", done=done, status=status.lower())
        ),
    }


def _narrative_context(told: list[Narrative], period: Period, tx: Texts) -> list[dict[str, str]]:
    """The partners' texts up to this report's tertial, the latest tertial first."""
    shown = [n for n in told if n.period <= period.id]
    shown.sort(key=lambda n: n.period, reverse=True)
    return [
        {
            "by": tx("target.narrative_by", source=n.source, period=tx.tertial_short(n.period)),
            "text": public_text(n.text),
            "next_step": public_text(n.next_step),
        }
        for n in shown
    ]


DIRECTION_KEYS = {
    "decrease": "outcome.decrease",
    "increase": "outcome.increase",
    "keep": "outcome.keep",
}


def _indicator_context(indicator: dict[str, Any], tx: Texts) -> dict[str, Any]:
    """An outcome indicator's row: what the promise aims at, the latest value with its period
    (and whether it is preliminary), last year's, and where the values come from."""
    unit = indicator["unit"]

    def value(found: dict[str, Any] | None) -> str:
        if found is None:
            return tx("outcome.none")
        text = tx(
            "outcome.value",
            value=tx.number(found["value"]),
            unit=f" {unit}" if unit else "",
            period=tx.periods([found["period"]]) if "T" in found["period"] else found["period"],
        )
        return text + (tx("outcome.preliminary") if found["status"] == "preliminary" else "")

    direction = indicator["direction"]
    promised = tx(DIRECTION_KEYS[direction]) if direction else ""
    if indicator["level"] is not None:
        level = tx.number(indicator["level"]) + (f" {unit}" if unit else "")
        promised = tx("outcome.level", direction=promised, level=level).strip()
    latest = indicator["latest"]
    source = (latest or {}).get("source") or indicator["source"]
    read_on = (latest or {}).get("read_on")
    return {
        "statement": indicator["statement"],
        "name": indicator["name"],
        "promised": _capital_first(promised) or tx("outcome.no_level"),
        "latest": value(latest),
        "previous": value(indicator["previous_year"]),
        "source": (
            tx("outcome.source_read", source=source, date=tx.date(date.fromisoformat(read_on)))
            if read_on
            else source
        ),
    }


def _capital_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def year_periods(promise: Promise, period: Period) -> list[Period]:
    """The tertials of the report's calendar year that the promise runs over."""
    return [p for p in promise.periods if p.year == period.year]


def _rate_text(figures: TargetFigures, tx: Texts) -> str:
    """'0,78 per dag' or with an amount '0,78 per dag; 12,5 kontrollerade förare per dag'."""
    rate = figures.rate
    if rate is None:
        return ""
    per = tx.per(rate.per)
    if rate.amount_value is not None and figures.amount_unit:
        return tx(
            "target.rate_amount",
            value=tx.number(rate.value),
            per=per,
            amount=tx.number(rate.amount_value),
            unit=figures.amount_unit,
        )
    return tx("target.rate_value", value=tx.number(rate.value), per=per)


def _target_context(
    promise: Promise,
    figures: TargetFigures,
    period: Period,
    tx: Texts,
    previous: dict[str, Any] | None,
    told: list[Narrative],
) -> dict[str, Any]:
    target = promise.target_by_id[figures.id]
    label, icon = tx.status(figures.status), STATUS_ICONS[figures.status]
    aim_at_end = figures.status == "toward_aim" and promise.is_final(period)
    several_years = len({p[:4] for p in figures.done_per_period}) > 1  # a promise over years
    per_period = [
        {"name": tx.tertial_short(p) + (f" {p[:4]}" if several_years else ""), "count": n}
        for p, n in figures.done_per_period.items()
    ]
    return {
        "id": figures.id,
        "title": figures.title,
        "quote": target.quote,
        "status": figures.status,
        "status_label": label,
        "status_icon": icon,
        "goal": figures.goal,
        "goal_text": goal_text(promise, figures.id, tx),
        "promised_label": tx("target.aim" if target.kind == "aim" else "target.promised"),
        "kind": target.kind,
        "kind_label": tx(KIND_KEYS[target.kind][0]),
        "kind_note": tx(KIND_KEYS[target.kind][1]),
        "follow_up_text": (follow := follow_up_text(promise, figures.id, tx)),
        # The status table's cell: the promise's words, then the follow-up's rule, labelled.
        "promised_cell": goal_text(promise, figures.id, tx)
        + (tx("table.follow_up", rule=follow[:1].lower() + follow[1:]) if follow else ""),
        "goal_cell": (
            tx("goal.aim", n=tx.number(figures.goal))
            if target.kind == "aim" and figures.goal is not None
            else tx.number(figures.goal)
            if figures.goal is not None
            else ""
        ),
        "activities": [a.label for a in promise.activities_for(figures.id)],
        "done_in_period": figures.done_in_period,
        "done_to_date": figures.done_to_date,
        "done_in_period_text": done_text(figures, tx, in_period=True),
        "done_to_date_text": done_text(figures, tx),
        "done_to_date_cell": done_of_goal_text(figures, tx),
        "measured_to_date": figures.measured_to_date,
        "amount_unit": figures.amount_unit,
        "measure": figures.measure,
        "expected_to_date": figures.expected_to_date,
        "districts_missing": figures.districts_missing,
        "places_missing": figures.places_missing,
        "periods_missing": tx.periods(figures.periods_missing),
        "periods_missing_label": tx(
            "target.rule_periods_below"
            if any(s.unit not in ("tertial", "month") or s.average for s in figures.shortfalls)
            else "target.months_missing"
            if any("T" not in p for p in figures.periods_missing)
            else "target.tertials_below"
            if (target.tertial_minimum or 1) > 1
            else "target.periods_missing"
        ),
        "responsible": responsible_text(promise, figures.id, tx),
        "not_counted": (
            tx.plural(
                "target.not_counted_joint" if target.joint else "target.not_counted",
                figures.not_counted,
            )
            if figures.not_counted
            else ""
        ),
        "rate": _rate_text(figures, tx),
        "triggers": (
            None
            if figures.triggers_to_date is None
            else tx.plural(
                "target.triggers_value",
                figures.triggers_to_date,
                done=tx.number(figures.done_to_date),
            )
            if figures.triggers_to_date
            else tx("target.triggers_none")
        ),
        "task_done": (
            None
            if target.kind != "task"
            else tx("target.task_done_on", date=tx.date(figures.done_on))
            if figures.done_on is not None
            else tx("target.task_not_done")
        ),
        "place_counts": [
            tx(
                "target.place_count",
                place=c.place,
                done=tx.number(c.done),
                n=tx.number(c.required),
            )
            for c in figures.place_counts
        ],
        "districts_covered": figures.districts_covered,
        "places_visited": figures.places_visited,
        "every_district": target.in_every_district,
        "has_places": bool(target.judged_places),
        "per_period": per_period,
        # The promise's tertials in the report's year; None for one not reported yet.
        "per_tertial": [figures.done_per_period.get(p.id) for p in year_periods(promise, period)],
        "remaining": remaining_text(promise, figures, period, tx),
        "shortfall": (shortfall_text(promise, figures, tx) if figures.status == "missed" else ""),
        "aim_progress": shortfall_text(promise, figures, tx) if aim_at_end else "",
        "narrative": _narrative_context(told, period, tx),
        "narrative_missing": not any(n.period == period.id for n in told),
        # Last year's figures for the same tertial (None: no previous figures, or no such target).
        "previous": _previous_target(previous["targets"].get(figures.id), tx) if previous else None,
    }


def report_context(
    promise: Promise,
    result: Reconciliation,
    intake: Intake,
    draft: bool = True,
    lang: str = DEFAULT_LANGUAGE,
    previous: dict[str, Any] | None = None,
    corrections: Sequence[Correction] = (),
) -> dict[str, Any]:
    """Everything the template shows, in `lang`.

    `previous` is last year's figures.json for the same tertial (or None): its targets are matched
    by id and shown beside this year's; a target without a counterpart gets no previous value.
    """
    tx = texts(lang)
    period = result.period
    last = previous_summary(previous, period) if previous is not None else None
    told = narratives(promise, intake, period.id)
    targets = {
        t.id: _target_context(promise, t, period, tx, last, told.get(t.id, []))
        for t in result.targets
    }
    ordered = [targets[t.id] for t in promise.targets]
    counts = {code: sum(1 for t in result.targets if t.status == code) for code in STATUS_ICONS}
    measurable = len(result.targets) - counts["reported"]
    matrix = result.district_matrix
    rejected_rows = intake.rejected[["file", "sheet", "row"]].drop_duplicates()
    annual = promise.is_annual(period)
    values = getattr(intake, "indicators", None)
    outcomes = [
        _indicator_context(i, tx)
        for i in indicator_figures(
            promise, no_values() if values is None or values.empty else values, period
        )
    ]
    first_day, last_day = promise.span(period)
    through = tx.date(last_day)
    shown = year_periods(promise, period)
    # Per tertial, the targets with at least one activity: a count of like with like, where a
    # total of activities would add posts on social media to traffic controls.
    targets_active = [
        sum(1 for t in ordered if t["per_tertial"][i]) if p <= period else None
        for i, p in enumerate(shown)
    ]
    tertials: list[dict[str, Any]] = [
        {
            "number": p.tertial,
            "name": tx("period.heading", k=p.tertial),
            "months": tx.tertial_months(p.tertial),
            "reported": p <= period,
        }
        for p in shown
    ]
    progress = [t for t in ordered if t["goal"] is not None and t["status"] != "reported"]
    label = period_label(period, tx, promise)
    year_to_date = tx(
        "period.year_to_date",
        start=tx.day_month(max(date(period.year, 1, 1), promise.start)),
        end=through,
    )
    return {
        "lang": lang,
        # Attribute for elements whose text is the promise's own (Swedish) data in a report in
        # another language, so screen readers pronounce it right (WCAG 3.1.2).
        "data_lang": Markup(f' lang="{DATA_LANGUAGE}"') if lang != DATA_LANGUAGE else "",
        "_": tx,
        "title": document_title(promise, period, draft, lang),
        "promise": promise,
        "period": {
            "id": period.id,
            "tertial": period.tertial,
            "year": period.year,
            "name": tx.tertial_name(period.tertial),
            "label": label,
            "start": tx.date(first_day),
            "end": through,
            "end_iso": last_day.isoformat(),
            "is_annual": annual,
            "is_final": promise.is_final(period),
            "year_to_date": year_to_date,
        },
        "data_through": through,
        "signed": tx.date(promise.signed) if promise.signed else "",
        "summary": counts,
        "measurable": measurable,
        # A promise over other dates than one calendar year speaks of the promise, not the year.
        # What an annual outcome covers: the year, or for other dates the promise's time.
        "outcome_span": (str(period.year) if promise.calendar_year else tx("summary.promise_time")),
        "not_achieved_heading": (
            tx("summary.not_achieved_heading", year=promise.year)
            if promise.calendar_year
            else tx("summary.not_achieved_heading_promise")
        ),
        "done_to_date_label": (
            tx("target.done_to_date")
            if promise.calendar_year
            else tx("target.done_to_date_since", start=tx.date(promise.start))
        ),
        "remaining_heading": (
            tx("summary.remaining_heading")
            if promise.calendar_year
            else tx("target.remaining_promise")
        ),
        "remaining_label": (
            tx("target.remaining") if promise.calendar_year else tx("target.remaining_promise")
        ),
        "summary_paragraphs": summary_paragraphs(
            counts,
            measurable,
            period,
            tx,
            last,
            final=promise.is_final(period),
            span=None if promise.calendar_year else tx("summary.promise_time"),
        ),
        "narrative_missing": [t for t in ordered if t["narrative_missing"]] if draft else [],
        "previous": (
            {
                "year": last["year"],
                "period": last["period"],
                "activities_total": last["activities_total"],
                "counts": last["counts"],
                "measurable": last["measurable"],
            }
            if last
            else None
        ),
        "remaining": [t for t in ordered if t["remaining"]],
        # What fell short in the year: broken commitments, and aims with how far they came.
        "not_achieved": [t for t in ordered if t["status"] in ("missed", "toward_aim")],
        "targets": ordered,
        "progress": progress,
        "tertials": tertials,
        "targets_active": targets_active,
        "statements": [
            {
                "id": s.id,
                "text": s.text,
                "title": s.title,
                "targets": [targets[t.id] for t in promise.targets if t.promise_statement == s.id],
                "indicators": [i for i in outcomes if i["statement"] == s.id],
            }
            for s in promise.statements
        ],
        "indicators_general": [i for i in outcomes if i["statement"] is None],
        "charts": report_charts(
            progress,
            tertials,
            targets_active,
            matrix,
            annual=annual,
            through=through,
            year_to_date=year_to_date,
            year=period.year,
            targets=len(ordered),
            tx=tx,
        ),
        "matrix": {
            "districts": list(matrix.columns),
            "rows": [
                {"activity": label, "counts": [int(v) for v in row], "total": int(sum(row))}
                for label, row in matrix.iterrows()
            ],
            "totals": [int(v) for v in matrix.sum(axis=0)],
            "total": int(matrix.values.sum()),
        },
        "activities_total": len(result.activities),
        "sources": list(intake.sources.values()),
        "files": public_files(intake),
        "rejected_row_count": len(rejected_rows),
        "rejected_by_column": (
            intake.rejected.groupby("column").size().to_dict() if not intake.rejected.empty else {}
        ),
        "number": tx.number,
        "draft": draft,
        "corrections": [{"date": tx.date(c.day), "note": public_text(c.note)} for c in corrections],
    }


def accessibility_statement(
    promise: Promise, period: Period, lang: str = DEFAULT_LANGUAGE
) -> bytes:
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
    heading = tx(
        "statement.heading",
        title=escape(promise.title),
        title_lower=escape(promise.title.lower()),
        period=period_label(period, tx, promise),
    )
    text = (
        f'<section lang="{lang}" class="tillganglighetsredogorelse">\n'
        f"<h2>{heading}</h2>\n<p>{tx('statement.text')}</p>\n"
        f"<p>{tx('statement.contact', who=who, reach=reach)}</p>\n</section>\n"
    )
    return text.encode("utf-8")
