"""The short web text beside the report: publicera/nyhet.html and nyhet.txt.

What a municipality puts on its site: per löfte, what was promised and what has been done, in
plain words, with the figures of figures.json and nothing else (no file, sheet or comment of the
inbox). `nyhet.html` is an accessible fragment (one <article>, headings from h2) to paste into the
municipality's site or polisen.se; `nyhet.txt` is the same text for an e-mail or a CMS without
HTML. Both are built once, as escaped HTML lines; the text is those lines without their tags.

Every word comes from the report's catalogue (`news.*` in templates/texts/<lang>.yaml). The
promise's words are labelled as the promise's, the follow-up's rule as the follow-up's, and a
number is stated as promised only when the promise names it (figures' `promised.minimum`).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from .i18n import DATA_LANGUAGE, Texts, rhythm_text, texts
from .promise import Promise, Rhythm

# The report's other public files, linked from the end of the text (relative: they lie beside it).
REPORT_HTML, REPORT_PDF, FIGURES_CSV = "rapport.html", "rapport.pdf", "figures.csv"
WIDTH = 100  # nyhet.txt's longest line


@dataclass
class _Target:
    title: Markup
    items: list[Markup]


@dataclass
class _Statement:
    heading: Markup
    text: Markup
    targets: list[_Target] = field(default_factory=list)


@dataclass
class _News:
    """The text once, as HTML lines; news_html and news_text lay it out."""

    heading: Markup
    draft: Markup | None
    intro: Markup
    statements: list[_Statement]
    closing: list[Markup]


def news_html(promise: Promise, figures: dict[str, Any], lang: str = "sv") -> bytes:
    """nyhet.html: one <article> with an h2 for the report, an h3 per löfte and an h4 per target."""
    news = _news(promise, figures, texts(lang))
    lines = [f'<article lang="{lang}" class="medborgarlofte-nyhet">', f"<h2>{news.heading}</h2>"]
    if news.draft is not None:
        lines.append(f'<p class="utkast">{news.draft}</p>')
    lines.append(f"<p>{news.intro}</p>")
    for statement in news.statements:
        lines += [f"<h3>{statement.heading}</h3>", f"<p>{statement.text}</p>"]
        for target in statement.targets:
            lines.append(f"<h4>{target.title}</h4>")
            lines += ["<ul>", *(f"<li>{item}</li>" for item in target.items), "</ul>"]
    lines += [f"<p>{line}</p>" for line in news.closing]
    lines.append("</article>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def news_text(promise: Promise, figures: dict[str, Any], lang: str = "sv") -> bytes:
    """nyhet.txt: the same text as plain UTF-8, lines of at most WIDTH characters."""
    tx = texts(lang)
    news = _news(promise, figures, tx)
    heading = _plain(news.heading)
    blocks: list[str] = []
    if news.draft is not None:  # in capitals, as the PDF's UTKAST
        blocks.append(_wrap(tx("news.draft_word").upper() + tx("news.draft_text")))
    blocks += [_wrap(heading) + "\n" + "=" * min(len(heading), WIDTH), _wrap(_plain(news.intro))]
    for statement in news.statements:
        title = _plain(statement.heading)
        blocks.append(_wrap(title) + "\n" + "-" * min(len(title), WIDTH))
        blocks.append(_wrap(_plain(statement.text)))
        for target in statement.targets:
            items = [_wrap(_plain(i), "- ", "  ") for i in target.items]
            blocks.append("\n".join([_wrap(_plain(target.title)), *items]))
    blocks += [_wrap(_plain(line)) for line in news.closing]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _plain(line: Markup) -> str:
    """An HTML line of this module as text: tags dropped, entities read (data is escaped, so no
    '<' of the data is taken for a tag)."""
    return html.unescape(re.sub(r"<[^>]*>", "", str(line)))


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    return textwrap.fill(
        re.sub(r"[ \t\n]+", " ", text).strip(),  # a no-break space (in "1 234") stays
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=True,
        break_on_hyphens=False,
    )


class _Words:
    """Catalogue entries as escaped HTML; values are escaped, or kept when already Markup."""

    def __init__(self, tx: Texts) -> None:
        self.tx = tx
        self.foreign = tx.lang != DATA_LANGUAGE

    def __call__(self, key: str, **values: Any) -> Markup:
        marks = {name: f"\x00{i}\x00" for i, name in enumerate(values)}
        line = str(escape(self.tx(key, **marks)))
        for name, mark in marks.items():
            line = line.replace(mark, str(escape(values[name])))
        return Markup(line)

    def data(self, text: str) -> Markup:
        """The promise's or the partners' own (Swedish) words, marked as such in another
        language so that a screen reader pronounces them right (WCAG 3.1.2)."""
        if self.foreign:
            return Markup('<span lang="{}">{}</span>').format(DATA_LANGUAGE, text)
        return escape(text)

    def names(self, names: list[str]) -> Markup:
        return self.data(self.tx.join(list(names)))


def _news(promise: Promise, figures: dict[str, Any], tx: Texts) -> _News:
    """Everything but the promise's title is figures.json's: its löften (their headings already
    fall back to the first sentence), its targets and their words, rules and numbers."""
    w = _Words(tx)
    period, year = str(figures["period"]), int(figures["year"])
    tertial = int(period.rsplit("T", 1)[-1])
    annual = bool(figures.get("annual", tertial == 3))
    through = tx.date(dt.date.fromisoformat(str(figures["period_end"])))
    municipality = w.data(figures["municipality"])
    if annual:
        heading = w("news.heading_annual", title=w.data(promise.title), municipality=municipality)
    else:
        heading = w(
            "news.heading",
            title=w.data(promise.title),
            municipality=municipality,
            period=tx.tertial_name(tertial),
        )
    draft = None
    if figures["draft"]:
        heading = w("news.draft_heading", heading=heading)
        draft = Markup("<strong>{}</strong>{}").format(w("news.draft_word"), w("news.draft_text"))
    intro_key = "news.intro_annual" if annual else "news.intro"
    intro = w(intro_key, municipality=municipality, year=year, date=through)
    partners = {p["id"]: p["name"] for p in figures.get("partners", [])}
    start, end = figures.get("promise_start"), figures.get("promise_end")
    if (
        partners
        or (start and not str(start).endswith("-01-01"))
        or (end and not str(end).endswith("-12-31"))
    ):  # the partners it names and its own dates, not the police, the municipality and a year
        names = (
            w.names(list(partners.values()))
            if partners
            else w("news.police_and", name=municipality)
        )
        intro = w(
            "news.intro_dates",
            partners=names,
            start=tx.date(dt.date.fromisoformat(str(start))),
            end=tx.date(dt.date.fromisoformat(str(end))),
            date=through,
        )
    statements = [
        _Statement(
            heading=w.data(s["heading"]),
            text=w("news.statement", text=w.data(s["text"])),
            targets=[
                _target(t, w, period, year, annual, partners)
                for t in figures["targets"]
                if t["statement"] == s["id"]
            ],
        )
        for s in figures["statements"]
    ]
    return _News(heading, draft, intro, statements, _closing(w, through))


def _target(
    figure: dict[str, Any],
    w: _Words,
    period: str,
    year: int,
    annual: bool,
    partners: dict[str, str] | None = None,
) -> _Target:
    """A target's lines: the promise's words, what it names (as an aim's, if it is one), the
    follow-up's rule, what was done, the status, what is missing and the partners' texts."""
    tx, kind = w.tx, figure["kind"]
    promised, follow_up = figure["promised"], figure["follow_up"]
    items = [w("news.quote", quote=w.data(figure["quote"]))]

    minimum = promised["minimum"]
    what = []
    if minimum is not None:  # an aim names its number as is ("två"), a commitment "minst åtta"
        what.append(
            escape(tx.number(minimum))
            if kind == "aim"
            else w("news.at_least", n=tx.number(minimum))
        )
    if promised["every_district"]:
        what.append(w("news.every_district"))
    if promised["places"]:
        what.append(w("news.places", places=w.names(promised["places"])))
    for key, rhythm in (
        ("news.follow_up_per_tertial", promised.get("per_tertial_minimum")),
        ("news.follow_up_per_month", promised.get("per_month_minimum")),
    ):
        if rhythm is not None:  # a rhythm the promise itself names ("i månaden")
            what.append(w(key, n=tx.number(rhythm)))
    what += _rhythms(w, promised.get("rhythms", []))
    if promised.get("per_place_minimum"):
        what.append(escape(tx("goal.per_place", n=tx.number(promised["per_place_minimum"]))))
    if promised.get("deadline"):
        day = dt.date.fromisoformat(str(promised["deadline"]))
        what.append(escape(tx("goal.deadline", date=tx.date(day))))
    if kind == "ongoing" and minimum is None:
        what.append(w("news.ongoing"))
    if what:
        items.append(w("news.aim" if kind == "aim" else "news.promised", what=_comma(what)))

    rule = _rule(w, follow_up, promised)
    if rule:
        items.append(w("news.follow_up", rule=_comma(rule)))
    responsible = [(partners or {}).get(p, p) for p in figure.get("responsible", [])]
    if responsible:
        items.append(w("news.responsible", partners=w.names(responsible)))
    if figure.get("triggers_to_date") is not None:
        triggers = figure["triggers_to_date"]
        text = (
            tx.plural("target.triggers_value", triggers, done=tx.number(figure["done_to_date"]))
            if triggers
            else tx("target.triggers_none")
        )
        items.append(w("news.triggers", text=text))
    if kind == "task":
        done_on = figure.get("done_on")
        text = (
            tx("target.task_done_on", date=tx.date(dt.date.fromisoformat(str(done_on))))
            if done_on
            else tx("target.task_not_done")
        )
        items.append(w("news.task", text=text))

    done = escape(tx.number(figure["done_to_date"]))
    # "4 av 8" while short of the number; once it is met the line above says what was promised.
    # A number of an amount (measure "amount") is compared on the amount line instead.
    if minimum is not None and figure["measure"] != "amount" and figure["done_to_date"] < minimum:
        key = "news.done_of_aim" if kind == "aim" else "news.done_of_goal"
        done = w(key, done=done, goal=tx.number(minimum))
    if not period.endswith("T1") and figure["done_to_date"]:  # how much in this tertial
        done += w(
            "news.done_in_period",
            n=tx.number(figure["done_in_period"]),
            period=tx.tertial_short(period),
        )
    if annual:
        items.append(w("news.done_annual", year=year, done=done))
    else:
        items.append(w("news.done", done=done))
    if figure["amount_unit"] and figure["amount_to_date"] is not None:
        items.append(
            w(
                "news.amount",
                n=tx.number(figure["amount_to_date"]),
                unit=w.data(figure["amount_unit"]),
            )
        )
    rate = figure.get("rate")
    if rate:
        items.append(
            w(
                "news.rate",
                rate=tx(
                    "target.rate_value", value=tx.number(rate["value"]), per=tx.per(rate["per"])
                ),
            )
        )
    items.append(w("news.status", status=tx.status(figure["status"])))
    if figure["districts_missing"]:
        items.append(w("news.districts_missing", districts=w.names(figure["districts_missing"])))
    if figure["places_missing"]:
        items.append(w("news.places_missing", places=w.names(figure["places_missing"])))
    for entry in figure["narrative"]:
        if entry["period"] != period:
            continue
        line = w(
            "news.narrative",
            source=w.data(entry["source"]),
            period=tx.tertial_short(period),
            text=w.data(entry["text"]),
        )
        if entry["next_step"]:
            line += w("news.next_step", text=w.data(entry["next_step"]))
        items.append(line)
    return _Target(w.data(figure["title"]), items)


def _rule(w: _Words, follow_up: dict[str, Any], promised: dict[str, Any]) -> list[Markup]:
    """The follow-up's rule in words, leaving out what the promise already names."""
    tx, rule = w.tx, []
    minimum = follow_up["minimum"]
    if minimum is not None and minimum != promised["minimum"]:
        rule.append(w("news.follow_up_at_least", n=tx.number(minimum)))
    if follow_up["per_tertial_minimum"] is not None:
        rule.append(w("news.follow_up_per_tertial", n=tx.number(follow_up["per_tertial_minimum"])))
    if follow_up["per_month_minimum"] is not None:
        rule.append(w("news.follow_up_per_month", n=tx.number(follow_up["per_month_minimum"])))
    rule += _rhythms(w, follow_up.get("rhythms", []))
    if follow_up.get("per_place_minimum"):
        rule.append(escape(tx("follow_up.per_place", n=tx.number(follow_up["per_place_minimum"]))))
    if follow_up["every_district"] and not promised["every_district"]:
        rule.append(w("news.follow_up_every_district"))
    places = [p for p in follow_up["places"] if p not in promised["places"]]
    if places:
        rule.append(w("news.follow_up_places", places=w.names(places)))
    if follow_up["whole_year"]:
        rule.append(w("news.follow_up_whole_year"))
    return rule


def _rhythms(w: _Words, rhythms: list[dict[str, Any]]) -> list[Markup]:
    """Rules per day, week, quarter, year and averages; a minimum per tertial or month has its
    own words above."""
    return [
        escape(rhythm_text(Rhythm(**r), "goal.average", "goal.rhythm", w.tx))
        for r in rhythms
        if r["average"] or r["unit"] not in ("tertial", "month")
    ]


def _comma(parts: list[Markup]) -> Markup:
    return Markup(", ").join(parts)


def _closing(w: _Words, through: str) -> list[Markup]:
    """Where the full report and the open data are, and the date of the data."""

    def link(key: str, file: str) -> Markup:
        label = w("news.link", label=w(key), file=file)
        return Markup('<a href="{}">{}</a>').format(file, label)

    report = w(
        "news.report",
        html=link("news.link_html", REPORT_HTML),
        pdf=link("news.link_pdf", REPORT_PDF),
        csv=link("news.link_csv", FIGURES_CSV),
    )
    return [report, w("news.data_date", date=through)]
