"""The report's words: one catalogue per language (templates/texts/<lang>.yaml), Babel for the rest.

Every heading, label, status word and sentence of the report is a key in the catalogue; Swedish
(`sv.yaml`) is the original and the default, English (`en.yaml`) a translation with the same keys
and placeholders. Dates, numbers and month names come from Babel in the language's locale
(sv_SE, en). The promise's own texts (titles, quotes, names of districts and places) are data and
are never translated.

A catalogue value is a `str.format` template with named placeholders ("minst {n}"); a value with
the keys `one` and `other` is chosen by a count with the locale's plural rule.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date, get_month_names
from babel.numbers import format_decimal

from .messages import message, templates_dir  # noqa: F401  (templates_dir: for callers)

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


@lru_cache(maxsize=None)
def load_catalogue(lang: str) -> dict[str, str | dict[str, str]]:
    if lang not in LANGUAGES:
        raise ValueError(message("kommando.okant_sprak", lang=lang,
                                 choices=" eller ".join(sorted(LANGUAGES))))
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

    def date(self, day: date) -> str:
        """'2 maj 2019' or '2 May 2019'."""
        return format_date(day, "d MMMM y", locale=self.locale)

    def day_month(self, day: date) -> str:
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


@lru_cache(maxsize=None)
def texts(lang: str = DEFAULT_LANGUAGE) -> Texts:
    return Texts(lang)
