"""How a person types an event into a log: the cells of a row, with the mess of real input.

Separate from planning (what happened) and from the files (where it is saved): the same event
may be typed in another case, with stray spaces, without å/ä/ö, with a synonym, in any of several
date styles. This is the input the pipeline's reader has to cope with.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from datetime import date, datetime

from .demo_events import Event
from .demo_words import MONTHS_SV
from .promise import Promise, Source

SERIAL_EPOCH = date(1899, 12, 30)


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


VARIANTS: tuple[Callable[[str], str], ...] = (
    lambda t: t,
    str.lower,
    lambda t: t + " ",
    lambda t: t.lower() + " ",
    _ascii,
    lambda t: " " + t,
    lambda t: t.replace(" ", "  "),
    str.upper,
)


def _typed(text: str, rng: random.Random) -> str:
    """How a person might type it: mostly as is, else other case, stray spaces or no å/ä/ö."""
    return rng.choices(VARIANTS, weights=(20, 3, 3, 2, 2, 1, 1, 1))[0](text)


def _date_cell(when: datetime, style: str) -> object:
    day = when.date()
    return {
        "date": day,
        "datetime": when,
        "iso": day.isoformat(),
        "iso_time": when.strftime("%Y-%m-%d %H:%M"),
        "dmy": f"{day.day}/{day.month}/{day.year}",
        "dm_y": f"{day.day}/{day.month} {day.year}",
        "serial": (day - SERIAL_EPOCH).days,
        "sv": f"{day.day} {MONTHS_SV[day.month - 1]} {day.year}",
    }[style]


def typed_rows(
    events: list[Event], styles: tuple[str, ...], promise: Promise, rng: random.Random
) -> list[list[object]]:
    """Cells in canonical order (Datum, Aktivitet, Kommundel, Plats, Antal, Kommentar)."""
    by_name = {d.name: d for d in promise.districts}
    rows = []
    for e in events:
        d = by_name.get(e.district)
        district = (
            e.district if e.main or d is None else _typed(rng.choice((d.name, *d.synonyms)), rng)
        )
        a = e.activity
        activity = _typed(rng.choice((a.label, a.label, *a.synonyms)), rng)
        rows.append(
            [
                _date_cell(e.when, rng.choice(styles)),
                activity,
                district,
                e.place,
                e.count,
                e.comment or None,
            ]
        )
    return rows


def header_for(source: Source, column: str, fallback: str) -> str:
    """The source's own column name when the promise lists one (e.g. Kontrolldatum)."""
    return source.column_synonyms.get(column, (fallback,))[0]
