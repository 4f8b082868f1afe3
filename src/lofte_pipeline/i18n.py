"""The report's words: one catalogue per language (templates/texts/<lang>.yaml), Babel for the rest.

Every heading, label, status word and sentence of the report is a key in the catalogue; Swedish
(`sv.yaml`) is the original and the default, English (`en.yaml`) a translation with the same keys
and placeholders. Dates, numbers and month names come from Babel in the language's locale
(sv_SE, en). The promise's own texts (titles, quotes, names of districts and places) are data and
are never translated.

A catalogue value is a `str.format` template with named placeholders ("minst {n}"); a value with
the keys `one` and `other` is chosen by a count with the locale's plural rule. The sentences the
report writes from its figures (the summary, what remains, why a target was missed) are put
together here from those entries.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from babel import Locale
from babel.dates import format_date, get_month_names
from babel.numbers import format_decimal

from .messages import message, templates_dir

if TYPE_CHECKING:
    from .period import Period
    from .promise import Promise, Rhythm, Target
    from .reconcile import Shortfall, TargetFigures

# Report language -> Babel locale. Swedish is the default and the language of the promise data.
LANGUAGES = {"sv": "sv_SE", "en": "en"}
DEFAULT_LANGUAGE = "sv"
DATA_LANGUAGE = "sv"
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})


def catalogue_path(lang: str) -> Path:
    return templates_dir() / "texts" / f"{lang}.yaml"


def _is_plural(value: Any) -> bool:
    return isinstance(value, dict) and "other" in value and set(value) <= PLURAL_FORMS


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str | dict[str, str]]:
    """{'a': {'b': 'x'}} -> {'a.b': 'x'}; a plural entry ({one, other}) stays one value."""
    flat: dict[str, str | dict[str, str]] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if _is_plural(value):
            flat[name] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = "" if value is None else str(value)
    return flat


@cache
def load_catalogue(lang: str) -> dict[str, str | dict[str, str]]:
    if lang not in LANGUAGES:
        raise ValueError(
            message("kommando.okant_sprak", lang=lang, choices=" eller ".join(sorted(LANGUAGES)))
        )
    with catalogue_path(lang).open(encoding="utf-8") as handle:
        return flatten(yaml.safe_load(handle) or {})


class Texts:
    """The words and formats of one language: `tx("goal.at_least", n="4")`, `tx.date(day)`."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.catalogue = load_catalogue(lang)
        self.lang = lang
        self.locale = LANGUAGES[lang]
        self._plural = Locale.parse(self.locale).plural_form
        self.months = [get_month_names("wide", locale=self.locale)[m] for m in range(1, 13)]

    def __call__(self, key: str, **values: Any) -> str:
        template = self.catalogue[key]
        if isinstance(template, dict):
            raise KeyError(f"{key} is a plural entry: use Texts.plural")
        return template.format(**values) if values else template.format()

    def plural(self, key: str, count: int, **values: Any) -> str:
        """The entry's form for `count`; `{n}` is the count formatted for the locale."""
        forms = self.catalogue[key]
        if not isinstance(forms, dict):
            raise KeyError(f"{key} is not a plural entry")
        form = forms.get(self._plural(abs(count)), forms["other"])
        return form.format(**{"n": self.number(count), **values})

    def status(self, code: str) -> str:
        return self(f"status.{code}")

    def number(self, value: float) -> str:
        """'1 234' (sv, with a no-break space) or '1,234' (en); '0,78'."""
        return format_decimal(value, locale=self.locale)

    def date(self, day: dt.date) -> str:
        """'2 maj 2019' or '2 May 2019'."""
        return format_date(day, "d MMMM y", locale=self.locale)

    def day_month(self, day: dt.date) -> str:
        """'1 januari' or '1 January'."""
        return format_date(day, "d MMMM", locale=self.locale)

    def join(self, items: list[str]) -> str:
        """'a', 'a och b', 'a, b och c' (no serial comma, in either language)."""
        items = [i for i in items if i]
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self('language.and')} " + items[-1]

    def tertial_months(self, tertial: int) -> str:
        """'maj–augusti' / 'May–August'."""
        first = (tertial - 1) * 4
        return f"{self.months[first]}–{self.months[first + 3]}"

    def tertial_name(self, tertial: int) -> str:
        """'tertial 2 (maj–augusti)'."""
        return self("period.name", k=tertial, months=self.tertial_months(tertial))

    def tertial_short(self, period_id: str) -> str:
        """'2019-T2' -> 'tertial 2'."""
        return self("period.short", k=period_id.rsplit("T", 1)[-1])

    def periods(self, period_ids: list[str], limit: int = 8) -> str:
        """Periods by their kind, each kind in runs with its year once: '2020-T2' -> 'tertial
        2'; ['2020-01', …, '2020-04', '2020-06'] -> 'januari–april och juni 2020'; weeks
        'vecka 12–14 2020', quarters 'kvartal 1 2020', days '14 mars 2020'. A tertial names its
        year only when the periods span several. More than `limit` end in 'n till'."""
        several_years = len({p[:4] for p in period_ids}) > 1
        named: list[tuple[str, str]] = []  # (name, the year it is to end with, or '')
        for kind, pattern in _PERIOD_KINDS:
            ids = sorted(p for p in period_ids if pattern.match(p))
            for year in sorted({p[:4] for p in ids}):
                with_year = kind in ("month", "week", "day", "quarter") or several_years
                mine = self._named(kind, [p for p in ids if p[:4] == year])
                named += [(name, year if with_year else "") for name in mine]
        shown = named if len(named) <= limit else named[: limit - 1]
        names = [
            f"{name} {year}" if year and (i + 1 == len(shown) or shown[i + 1][1] != year) else name
            for i, (name, year) in enumerate(shown)
        ]
        if len(shown) < len(named):
            names.append(self("period.and_more", n=len(named) - len(shown)))
        return self.join(names)

    def _named(self, kind: str, ids: list[str]) -> list[str]:
        if kind == "year":
            return list(ids)
        if kind == "tertial":
            return [self.tertial_short(p) for p in ids]
        if kind == "quarter":
            return [self("period.quarter", n=p[-1]) for p in ids]
        if kind == "day":
            return [self.day_month(dt.date.fromisoformat(p)) for p in ids]
        numbers = [int(p[-2:]) for p in ids]
        runs: list[list[int]] = []
        for number in numbers:
            if runs and runs[-1][-1] == number - 1:
                runs[-1].append(number)
            else:
                runs.append([number])
        if kind == "week":
            return [self("period.week", n=r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}") for r in runs]
        return [
            self.months[r[0] - 1]
            if len(r) == 1
            else f"{self.months[r[0] - 1]}–{self.months[r[-1] - 1]}"
            for r in runs
        ]

    def every(self, unit: str) -> str:
        """'varje vecka'."""
        return self(RHYTHM_KEYS[unit][0])

    def per(self, unit: str) -> str:
        """'per vecka'."""
        return self(RHYTHM_KEYS[unit][1])


_PERIOD_KINDS = (
    ("tertial", re.compile(r"^\d{4}-T\d$")),
    ("quarter", re.compile(r"^\d{4}-Q\d$")),
    ("month", re.compile(r"^\d{4}-\d\d$")),
    ("week", re.compile(r"^\d{4}-W\d\d$")),
    ("day", re.compile(r"^\d{4}-\d\d-\d\d$")),
    ("year", re.compile(r"^\d{4}$")),
)
RHYTHM_KEYS = {
    "day": ("rhythm.every_day", "rhythm.per_day"),
    "week": ("rhythm.every_week", "rhythm.per_week"),
    "month": ("rhythm.every_month", "rhythm.per_month"),
    "quarter": ("rhythm.every_quarter", "rhythm.per_quarter"),
    "tertial": ("rhythm.every_tertial", "rhythm.per_tertial"),
    "year": ("rhythm.every_year", "rhythm.per_year"),
}


@cache
def texts(lang: str = DEFAULT_LANGUAGE) -> Texts:
    return Texts(lang)


_SV = texts("sv")
STATUS_ICONS = {
    "achieved": "✔",
    "on_track": "→",
    "behind": "!",
    "missed": "✘",
    "reported": "i",
    "toward_aim": "↗",
}
# The Swedish status words with their icons (summary.py, figures.csv and the tests use them).
STATUS_LABELS = {code: (_SV.status(code), icon) for code, icon in STATUS_ICONS.items()}


def date_sv(day: dt.date) -> str:
    """'2 maj 2019'."""
    return _SV.date(day)


def number_sv(value: int) -> str:
    """'1 234' with a no-break space, so a number never breaks over two lines."""
    return _SV.number(value)


def goal_text(promise: Promise, target_id: str, tx: Texts = _SV) -> str:
    """What the promise itself names, in a few words: never a number or place it does not."""
    target = promise.target_by_id[target_id]
    parts = []
    if target.goal is not None:
        key = "goal.aim" if target.kind == "aim" else "goal.at_least"
        parts.append(tx(key, n=tx.number(target.goal) + _unit(promise, target_id, tx)))
    if target.every_district:
        parts.append(tx("goal.every_district"))
    if target.places:
        places = f" {tx('language.and')} ".join(p.name for p in target.places)
        parts.append(tx("goal.places", places=places))
    for rhythm in target.own_rhythms:
        parts.append(rhythm_text(rhythm, "goal.average", "goal.rhythm", tx))
    if target.per_place_minimum is not None:
        parts.append(tx("goal.per_place", n=tx.number(target.per_place_minimum)))
    if not parts and target.kind == "conditional":
        parts.append(tx("goal.condition"))
    if not parts and target.kind == "task":
        parts.append(tx("goal.task"))
    if target.deadline is not None:
        parts.append(tx("goal.deadline", date=tx.date(target.deadline)))
    return ", ".join(parts) if parts else tx("goal.no_number")


def rhythm_text(rhythm: Rhythm, average_key: str, minimum_key: str, tx: Texts) -> str:
    if rhythm.average:
        return tx(average_key, n=tx.number(rhythm.amount), per=tx.per(rhythm.unit))
    return tx(minimum_key, n=tx.number(rhythm.amount), every=tx.every(rhythm.unit))


def responsible_text(promise: Promise, target_id: str, tx: Texts = _SV) -> str:
    """Who carries the target: 'Polisen och Norrviks kommun' ('' when the file names none)."""
    target = promise.target_by_id[target_id]
    names = tx.join([promise.partner(p).name for p in target.responsible])
    return names + (tx("target.joint") if target.joint and names else "")


def follow_up_text(promise: Promise, target_id: str, tx: Texts = _SV) -> str:
    """The partners' own rule for judging the target, in words ('' when it has none)."""
    target = promise.target_by_id[target_id]
    rule = target.follow_up
    unit = _unit(promise, target_id, tx)
    parts = []
    if rule.minimum is not None:
        parts.append(tx("follow_up.at_least", n=tx.number(rule.minimum), unit=unit))
    for rhythm in rule.own_rhythms:
        parts.append(rhythm_text(rhythm, "follow_up.average", "follow_up.rhythm", tx))
    if rule.per_place_minimum is not None:
        parts.append(tx("follow_up.per_place", n=tx.number(rule.per_place_minimum)))
    if rule.every_district:
        parts.append(tx("follow_up.every_district"))
    if rule.places:
        parts.append(tx("follow_up.places", places=tx.join([p.name for p in rule.places])))
    if rule.whole_year:  # the file's own rule; ongoing work and conditions are so by their kind
        parts.append(tx("follow_up.whole_year"))
    return _capital(", ".join(parts)) if parts else ""


def _unit(promise: Promise, target_id: str, tx: Texts) -> str:
    target = promise.target_by_id[target_id]
    if promise.measure(target) == "amount" and target.amount_unit:
        return " " + target.amount_unit
    return ""


def done_of_goal_text(figures: TargetFigures, tx: Texts = _SV) -> str:
    """Done so far against the number the promise names: '5 av 4; 80 deltagare', or for a
    target that counts an amount '2 764 av 2 000 kontrollerade förare (30 tillfällen)'."""
    goal, unit = figures.goal, figures.amount_unit
    if goal is None:
        return done_text(figures, tx)
    if figures.measure == "amount" and unit is not None:
        return tx.plural(
            "target.amount_of_goal",
            figures.done_to_date,
            amount=tx.number(figures.amount_to_date or 0),
            goal=tx.number(goal),
            unit=unit,
        )
    text = tx("target.done_of_goal", done=tx.number(figures.done_to_date), goal=tx.number(goal))
    if figures.amount_to_date is not None and unit is not None:
        text = tx(
            "target.with_amount", text=text, amount=tx.number(figures.amount_to_date), unit=unit
        )
    return text


def done_text(figures: TargetFigures, tx: Texts = _SV, *, in_period: bool = False) -> str:
    """'12' or, where the target counts an amount, '12 tillfällen, 165 kontrollerade förare'."""
    done = figures.done_in_period if in_period else figures.done_to_date
    amount = figures.amount_in_period if in_period else figures.amount_to_date
    if amount is None or figures.amount_unit is None:
        return tx.number(done)
    return tx.plural(
        "target.done_with_amount", done, amount=tx.number(amount), unit=figures.amount_unit
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def remaining_text(
    promise: Promise, figures: TargetFigures, period: Period, tx: Texts = _SV
) -> str:
    """What is left of a target for the rest of the promise, in words ('' when nothing is)."""
    target = promise.target_by_id[figures.id]
    if figures.status in ("achieved", "reported") or promise.is_final(period):
        return ""  # the promise is over: the final report says what was not achieved instead
    clauses = []
    minimum, measured = target.minimum, figures.measured_to_date
    if minimum is not None and measured < minimum:
        clauses.append(
            tx(
                "remaining.more",
                n=tx.number(minimum - measured),
                unit=_unit(promise, target.id, tx),
            )
        )
    if figures.districts_missing:
        clauses.append(tx("remaining.districts", districts=tx.join(figures.districts_missing)))
    short = [c.place for c in figures.place_counts if c.done < c.required]
    unvisited = [p for p in figures.places_missing if p not in short]
    if unvisited:
        clauses.append(tx("remaining.places", places=tx.join(unvisited)))
    if short and target.place_minimum:
        clauses.append(
            tx("remaining.place", n=tx.number(target.place_minimum), places=tx.join(short))
        )
    ahead = [p for p in promise.periods if p > period]
    for rhythm in target.rhythms:
        clauses.extend(_remaining_rhythm(rhythm, ahead, period, promise, tx))
    if target.kind == "task" and not figures.done_to_date:
        clauses.append(
            tx("remaining.task_deadline", date=tx.date(target.deadline))
            if target.deadline is not None
            else tx("remaining.task")
        )
    unanswered = (figures.triggers_to_date or 0) - figures.done_to_date
    if unanswered > 0:
        clauses.append(tx.plural("remaining.condition", unanswered))
    if figures.periods_missing:
        clauses.append(tx("remaining.cannot_reach", tertials=tx.periods(figures.periods_missing)))
    if not clauses and target.whole_year:  # met so far, but judged for the whole promise
        return tx("remaining.whole_year" if promise.calendar_year else "remaining.whole_promise")
    return _capital(tx.join(clauses)) + "." if clauses else ""


def _remaining_rhythm(
    rhythm: Rhythm, ahead: list[Period], period: Period, promise: Promise, tx: Texts
) -> list[str]:
    n = tx.number(rhythm.amount)
    if rhythm.average:
        return [tx("remaining.average", n=n, per=tx.per(rhythm.unit))]
    if rhythm.unit == "tertial":
        if not ahead:
            return []
        key = "remaining.per_tertial_each" if len(ahead) > 1 else "remaining.per_tertial"
        return [tx(key, n=n, tertials=tx.periods([p.id for p in ahead]))]
    if rhythm.unit == "month":
        following = promise.span(period)[1].month % 12
        return [tx("remaining.per_month", n=n, start=tx.months[following])]
    return [tx("remaining.rhythm", n=n, every=tx.every(rhythm.unit), end=tx.date(promise.end))]


def shortfall_text(promise: Promise, figures: TargetFigures, tx: Texts = _SV) -> str:
    """Why a target was not achieved (or how far an aim came), in words: which periods fell
    short and by how much."""
    target = promise.target_by_id[figures.id]
    clauses = []
    minimum, measured = target.minimum, figures.measured_to_date
    if minimum is not None and measured < minimum:
        key = (
            "shortfall.done_of_follow_up"
            if target.goal is None  # the number is the follow-up's, whatever the kind
            else "shortfall.aim_done_of_goal"
            if target.kind == "aim"
            else "shortfall.done_of_goal"
        )
        clauses.append(
            tx(
                key,
                done=tx.number(measured),
                goal=tx.number(minimum),
                unit=_unit(promise, target.id, tx),
            )
        )
    if figures.districts_missing:
        clauses.append(tx("shortfall.districts", districts=tx.join(figures.districts_missing)))
    counted = {c.place: c for c in figures.place_counts}
    unvisited = [p for p in figures.places_missing if p not in counted or not counted[p].done]
    if unvisited:
        clauses.append(tx("shortfall.places", places=tx.join(unvisited)))
    by_done: dict[int, list[str]] = {}
    for c in figures.place_counts:
        if 0 < c.done < c.required:
            by_done.setdefault(c.done, []).append(c.place)
    for done, places in sorted(by_done.items()):
        clauses.append(
            tx(
                "shortfall.place",
                done=tx.number(done),
                n=tx.number(target.place_minimum or 0),
                places=tx.join(places),
            )
        )
    clauses += _shortfall_periods(figures.shortfalls, tx)
    if target.kind == "task" and not figures.done_to_date:
        clauses.append(
            tx("shortfall.task_deadline", date=tx.date(target.deadline))
            if target.deadline is not None
            else tx("shortfall.task")
        )
    elif (late := _done_late(target, figures)) is not None and target.deadline is not None:
        deadline = tx.date(target.deadline)
        clauses.append(tx("shortfall.task_late", date=tx.date(late), deadline=deadline))
    unanswered = (figures.triggers_to_date or 0) - figures.done_to_date
    if unanswered > 0:
        clauses.append(tx.plural("shortfall.condition", unanswered))
    return _capital(tx.join(clauses)) + "." if clauses else ""


def _done_late(target: Target, figures: TargetFigures) -> dt.date | None:
    """The day a one-off task was done, when that was after the promise's date for it."""
    deadline, done_on = target.deadline, figures.done_on
    if target.kind == "task" and deadline and done_on and done_on > deadline:
        return done_on
    return None


def _shortfall_periods(shortfalls: list[Shortfall], tx: Texts) -> list[str]:
    """'ingen aktivitet under vecka 12 2020', '1 av 3 under mars 2020', or an average."""
    clauses = []
    for s in shortfalls:
        if s.average:
            clauses.append(
                tx(
                    "shortfall.average",
                    done=tx.number(s.done),
                    per=tx.per(s.unit),
                    n=tx.number(s.required),
                )
            )
    rules = dict.fromkeys((s.unit, s.required) for s in shortfalls if not s.average)
    for unit, required in rules:
        mine = [s for s in shortfalls if not s.average and (s.unit, s.required) == (unit, required)]
        empty = [s.period for s in mine if s.done == 0]
        if empty:
            clauses.append(tx("shortfall.periods", tertials=tx.periods(empty)))
        by_done: dict[float, list[str]] = {}
        for s in mine:
            if s.done:
                by_done.setdefault(s.done, []).append(s.period)
        for done, ids in sorted(by_done.items()):
            clauses.append(
                tx(
                    "shortfall.some_of",
                    done=tx.number(done),
                    n=tx.number(required),
                    periods=tx.periods(ids),
                )
            )
    return clauses


def summary_paragraphs(
    counts: dict[str, int],
    measurable: int,
    period: Period,
    tx: Texts = _SV,
    previous: dict[str, Any] | None = None,
    final: bool | None = None,
    span: str | None = None,
) -> list[str]:
    """The summary at the top of the report, written from the figures; `final` (the promise's
    last report; by default a third tertial) sums up its outcome over `span` (by default the
    period's year).

    It counts targets, never activities across targets: a total of traffic controls and posts on
    social media is no figure. With `previous` (see render.previous_summary) a further paragraph
    says where the work stood at the same time last year.
    """
    m = tx.number(measurable)
    final = period.tertial == 3 if final is None else final
    if final:
        achieved = tx.plural(
            "summary.annual_achieved", counts["achieved"], year=span or period.year
        )
        first = tx("summary.annual_frame", measurable=m, achieved=achieved)
        first += (
            tx.plural("summary.annual_missed", counts["missed"])
            if counts["missed"]
            else tx("summary.annual_all")
            if not counts["toward_aim"]
            else tx("summary.annual_end")
        )
    else:
        rest = [
            tx.plural(f"summary.part_{code}", counts[code])
            for code in ("on_track", "behind", "toward_aim")
            if counts[code]
        ]
        if counts["achieved"]:
            first = tx(
                "summary.interim_some",
                measurable=m,
                parts=tx.join([tx.plural("summary.part_achieved", counts["achieved"]), *rest]),
            )
        else:
            first = tx(
                "summary.interim_none",
                measurable=m,
                rest=tx("summary.interim_none_rest", parts=tx.join(rest)) if rest else "",
            )
    sentences = []
    if final and counts["toward_aim"]:
        sentences.append(tx.plural("summary.annual_aims", counts["toward_aim"]))
    if counts["reported"]:
        sentences.append(tx.plural("summary.reported", counts["reported"]))
    paragraphs = [first]
    if sentences:
        paragraphs.append(" ".join(sentences))
    if previous is not None:
        key = "summary.previous_annual" if final else "summary.previous_interim"
        paragraphs.append(
            tx(
                key,
                year=previous["year"],
                achieved=tx.number(previous["counts"]["achieved"]),
                measurable=tx.number(previous["measurable"]),
            )
        )
    return paragraphs
