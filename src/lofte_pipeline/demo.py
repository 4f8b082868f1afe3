"""Demo inbox: the files staff really send for a promise's follow-up, mess included.

Derived from the promise (districts, activities, places, targets), so demo, docs and tests see
realistic input for any promise of this shape. Same seed, byte-identical files (no clock).

This module is the inbox's layout: which files each source sends, their sheets, headers and date
styles, and which rows go where. The events come from demo_events, their cells from demo_cells,
the bytes of each format from demo_files; the partners' texts on a Redovisning sheet from
demo_words (no draws from the rng, so they leave the rest of a seed's files as they were).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .demo_cells import header_for, typed_rows
from .demo_events import Event, plan_events
from .demo_files import Sheet, lock_bytes, save_csv, save_xlsx
from .demo_words import NARRATIVES, USERS
from .layout import NARRATIVE_COLUMNS, NARRATIVE_SHEET
from .promise import Promise, Target


def _split(events: list[Event], rng: random.Random) -> tuple[list[Event], list[Event]]:
    """About a third of a source's rows end up in its CSV; joint and odd rows stay in the book."""
    to_csv = [not e.main and rng.random() < 0.3 for e in events]
    return ([e for e, c in zip(events, to_csv) if not c], [e for e, c in zip(events, to_csv) if c])


def _field_log(
    promise: Promise, s: int, events: list[Event], folder: Path, rng: random.Random
) -> list[Path]:
    """Police style: a workbook with a sheet per half-year (+ lock file) and a system export."""
    source, year = promise.sources[s], promise.year
    book, export = _split(events, rng)
    july = datetime(year, 7, 1)
    first = typed_rows(
        [e for e in book if e.when < july], ("date", "date", "datetime", "iso"), promise, rng
    )
    first.insert(len(first) // 2, [None] * 6)  # a row whose contents somebody deleted
    late = [e for e in book if e.when >= july]
    second = typed_rows(late, ("serial", "serial", "date"), promise, rng)  # pasted as values
    second.append([None, None, None, "Summa", sum(e.count or 0 for e in late), None])
    name = f"Medborgarlofte {year} {source.id}.xlsx"
    xlsx = save_xlsx(
        folder / name,
        year,
        [
            (
                f"Jan-jun {year}",
                [],
                (
                    "Datum",
                    "Typ av aktivitet",
                    "Kommundel/ort",
                    "Plats/adress",
                    "Antal kontrollerade",
                    "Kommentar",
                ),
                first,
            ),
            (
                f"Jul-dec {year}",
                [],
                ("DAG", "Aktivitetstyp", "ort", "Adress", "antal", "Notering"),
                second,
            ),
            _texts(promise, s, lambda t: f"T{t}"),
        ],
    )
    lock = folder / f"~${name}"
    lock.write_bytes(lock_bytes(rng.choice(USERS)))
    header = (
        header_for(source, "Datum", "Genomfört"),
        "Insats",
        "Område",
        "Lokal",
        header_for(source, "Antal", "Antal kontrollerade"),
        "Anteckning",
    )
    rows = typed_rows(export, ("iso_time", "dm_y", "iso"), promise, rng)
    return [
        xlsx,
        lock,
        save_csv(folder / f"export_{source.id}_{year}.csv", header, rows, ";", "cp1252"),
    ]


def _office_log(
    promise: Promise, s: int, events: list[Event], folder: Path, rng: random.Random
) -> list[Path]:
    """Municipal style: a log workbook under title rows and a web-form export (UTF-8 BOM)."""
    source, year = promise.sources[s], promise.year
    book, form = _split(events, rng)
    titles: list[list[object]] = [
        [f"Aktivitetslogg medborgarlöfte {year}"],
        [f"{source.name}, säkerhetssamordnare"],
        [],
    ]
    header = (
        "Datum för aktivitet",
        "Aktivitet",
        header_for(source, "Kommundel", "Kommundel"),
        "Plats",
        "Antal deltagare",
        "Beskrivning",
    )
    rows = typed_rows(book, ("date", "sv", "dmy", "datetime"), promise, rng)
    xlsx = save_xlsx(
        folder / f"Aktivitetslogg medborgarlofte {year}.xlsx",
        year,
        [("Logg", titles, header, rows), _texts(promise, s, lambda t: f"Tertial {t}")],
    )
    rows = [[r[1], r[0], *r[2:]] for r in typed_rows(form, ("iso", "dmy"), promise, rng)]
    return [
        xlsx,
        save_csv(
            folder / f"formularsvar_{year}.csv",
            ("Typ", "Date", "Kommundel", "Områdesnamn", "Antal", "kommentar"),
            rows,
            ",",
            "utf-8-sig",
        ),
    ]


def _kind(promise: Promise, target: Target) -> str:
    """Which of demo_words.NARRATIVES a target gets, by its shape (as demo_events plans it)."""
    per_place = any(a.one_per_place for a in promise.activities_for(target.id))
    if target.judged_places:
        return "" if per_place else "walks"
    if target.tertial_minimum:
        return "per_tertial"
    if per_place:
        return "new_areas"
    return "every_district" if target.in_every_district else ""


def _texts(promise: Promise, s: int, tertial: Callable[[int], str]) -> Sheet:
    """The source's Redovisning sheet: a text for some targets and tertials, the target named
    by its heading, the tertial as this source writes it."""
    last = len(promise.sources) - 1
    rows: list[list[object]] = []
    for target in promise.targets:
        for who, number, text, next_step in NARRATIVES.get(_kind(promise, target), ()):
            if (0 if who == "first" else last) != s:
                continue
            names = {
                "title": target.title,
                "place": target.judged_places[-1].name if target.judged_places else "",
                "district": promise.districts[-1].name,
            }
            rows.append(
                [
                    target.title,
                    tertial(number),
                    text.format(**names),
                    next_step.format(**names) or None,
                ]
            )
    return (NARRATIVE_SHEET, [], NARRATIVE_COLUMNS, rows)


def write_demo_inbox(promise: Promise, inbox: Path, seed: int = 2019) -> list[Path]:
    """Write INBOX/<source-id>/ for every source of the promise; same seed, same bytes."""
    rng = random.Random(seed)
    events = plan_events(promise, rng)
    written: list[Path] = []
    for s, source in enumerate(promise.sources):
        folder = Path(inbox) / source.id
        folder.mkdir(parents=True, exist_ok=True)
        mine = sorted((e for e in events if e.source == s), key=lambda e: e.when)
        written += (_field_log if s == 0 else _office_log)(promise, s, mine, folder, rng)
    return sorted(written)
