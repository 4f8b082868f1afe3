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
    from .promise import Promise, Target
    from .reconcile import TargetFigures

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

    def number(self, value: int) -> str:
        """'1 234' (sv, with a no-break space) or '1,234' (en)."""
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

    def periods(self, period_ids: list[str]) -> str:
        """Tertials and months by their kind: '2020-T2' -> 'tertial 2'; months in runs, with
        their year once: ['2020-01', …, '2020-04', '2020-06'] -> 'januari–april och juni 2020'."""
        tertials = [self.tertial_short(p) for p in period_ids if "T" in p]
        months = sorted(p for p in period_ids if "T" not in p)
        runs: list[list[int]] = []
        for number in (int(m[5:7]) for m in months):
            if runs and runs[-1][-1] == number - 1:
                runs[-1].append(number)
            else:
                runs.append([number])
        named = [
            self.months[r[0] - 1]
            if len(r) == 1
            else f"{self.months[r[0] - 1]}–{self.months[r[-1] - 1]}"
            for r in runs
        ]
        if named:
            named[-1] += f" {months[-1][:4]}"
        return self.join(tertials + named)


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
    if target.per_tertial_minimum is not None:
        parts.append(tx("goal.per_tertial", n=tx.number(target.per_tertial_minimum)))
    if target.per_month_minimum is not None:
        parts.append(tx("goal.per_month", n=tx.number(target.per_month_minimum)))
    return ", ".join(parts) if parts else tx("goal.no_number")


def follow_up_text(promise: Promise, target_id: str, tx: Texts = _SV) -> str:
    """The partners' own rule for judging the target, in words ('' when it has none)."""
    target = promise.target_by_id[target_id]
    rule = target.follow_up
    unit = _unit(promise, target_id, tx)
    parts = []
    if rule.minimum is not None:
        parts.append(tx("follow_up.at_least", n=tx.number(rule.minimum), unit=unit))
    if rule.per_tertial_minimum is not None:
        parts.append(tx("follow_up.per_tertial", n=tx.number(rule.per_tertial_minimum)))
    if rule.per_month_minimum is not None:
        parts.append(tx("follow_up.per_month", n=tx.number(rule.per_month_minimum)))
    if rule.every_district:
        parts.append(tx("follow_up.every_district"))
    if rule.places:
        parts.append(tx("follow_up.places", places=tx.join([p.name for p in rule.places])))
    if target.whole_year and target.kind != "ongoing":
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
    """What is left of a target for the rest of the year, in words ('' when nothing is)."""
    target = promise.target_by_id[figures.id]
    if figures.status in ("achieved", "reported") or period.tertial == 3:
        return ""  # the year is over: the annual report says what was not achieved instead
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
    if figures.places_missing:
        clauses.append(tx("remaining.places", places=tx.join(figures.places_missing)))
    if target.tertial_minimum is not None:
        ahead = [tx("period.short", k=k) for k in range(period.tertial + 1, 4)]
        if ahead:
            key = "remaining.per_tertial_each" if len(ahead) > 1 else "remaining.per_tertial"
            clauses.append(tx(key, n=tx.number(target.tertial_minimum), tertials=tx.join(ahead)))
    if target.month_minimum is not None and period.tertial < 3:
        clauses.append(
            tx(
                "remaining.per_month",
                n=tx.number(target.month_minimum),
                start=tx.months[period.end.month],
            )
        )
    if figures.periods_missing:
        clauses.append(tx("remaining.cannot_reach", tertials=tx.periods(figures.periods_missing)))
    if not clauses and target.whole_year:  # met so far, but judged for the whole year
        return tx("remaining.whole_year")
    return _capital(tx.join(clauses)) + "." if clauses else ""


def shortfall_text(promise: Promise, figures: TargetFigures, tx: Texts = _SV) -> str:
    """Why a target was not achieved in the year (or how far an aim came), in words."""
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
    if figures.places_missing:
        clauses.append(tx("shortfall.places", places=tx.join(figures.places_missing)))
    if figures.periods_missing:
        least = _least_per_period(target, figures.periods_missing)
        clauses.append(
            tx("shortfall.periods", tertials=tx.periods(figures.periods_missing))
            if least == 1
            else tx(
                "shortfall.periods_below",
                n=tx.number(least),
                periods=tx.periods(figures.periods_missing),
            )
        )
    return _capital(tx.join(clauses)) + "." if clauses else ""


def _least_per_period(target: Target, missing: list[str]) -> int:
    """The minimum the missing periods fell short of: 1 means they had no activity at all."""
    months = any("T" not in p for p in missing)
    return (target.month_minimum if months else target.tertial_minimum) or 1


def summary_paragraphs(
    counts: dict[str, int],
    measurable: int,
    period: Period,
    tx: Texts = _SV,
    previous: dict[str, Any] | None = None,
) -> list[str]:
    """The summary at the top of the report, written from the figures.

    It counts targets, never activities across targets: a total of traffic controls and posts on
    social media is no figure. With `previous` (see render.previous_summary) a further paragraph
    says where the work stood at the same time last year.
    """
    m = tx.number(measurable)
    if period.tertial == 3:
        achieved = tx.plural("summary.annual_achieved", counts["achieved"], year=period.year)
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
    if period.tertial == 3 and counts["toward_aim"]:
        sentences.append(tx.plural("summary.annual_aims", counts["toward_aim"]))
    if counts["reported"]:
        sentences.append(tx.plural("summary.reported", counts["reported"]))
    paragraphs = [first]
    if sentences:
        paragraphs.append(" ".join(sentences))
    if previous is not None:
        key = "summary.previous_annual" if period.tertial == 3 else "summary.previous_interim"
        paragraphs.append(
            tx(
                key,
                year=previous["year"],
                achieved=tx.number(previous["counts"]["achieved"]),
                measurable=tx.number(previous["measurable"]),
            )
        )
    return paragraphs
