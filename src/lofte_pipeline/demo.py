"""Demo inbox: the files staff really send for a promise's follow-up, mess included.

Derived from the promise (districts, activities, places, targets), so demo, docs and tests see
realistic input for any promise of this shape. Same seed, byte-identical files (no clock).
"""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from .promise import Activity, NamedPlace, Promise, Source
from .text import fold

MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
VENUES = (
    "Biblioteket",
    "Medborgarhuset",
    "Torget",
    "Kommunens Facebooksida",
    "Polisen.se",
    "Skolans aula",
    "Idrottshallen",
    "Gästhamnen",
    "Mässa i sporthallen",
)
ROADS = (
    "Infarten",
    "Rondellen",
    "Storgatan",
    "Skolvägen",
    "Industrivägen",
    "Busshållplatsen",
    "Parkeringen vid ICA",
)
AREAS = (
    "Södra Ekbacken",
    "Björkudden",
    "Norra Tallåsen",
    "Solberga",
    "Lindhagen",
    "Västra Granbacken",
    "Ängsgärdet",
    "Vitsippan",
    "Östra Hagtornet",
    "Sjöviksvägen",
)
COMMENTS = (
    "",
    "",
    "",
    "",
    "",
    "Bra uppslutning",
    "Gemensam insats",
    "Regn, färre än väntat",
    "Se minnesanteckningar",
    "Synpunkter om belysning vidarebefordrade",
    "Följs upp nästa tertial",
    "Flyers delades ut",
    "Ca-siffra",
)
USERS = ("anna.lind", "erik.berg", "maria.holm", "johan.ek")
SERIAL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class _Event:
    """One thing that happened, before somebody typed it into a file."""

    when: datetime
    activity: Activity
    district: str
    place: str
    count: int | None
    source: int  # index into promise.sources
    comment: str = ""
    main: bool = False  # goes to the source's main workbook, district written verbatim


def _plan(promise: Promise, rng: random.Random) -> list[_Event]:
    """Events giving each target a plausible course, so the three tertial reports differ."""
    year, last = promise.year, len(promise.sources) - 1
    names = [d.name for d in promise.districts]
    events: list[_Event] = []

    def at(month: int, hours: tuple[int, ...] = (9, 10, 13, 14, 18)) -> datetime:
        return datetime(year, month, rng.randint(1, 28), rng.choice(hours), rng.choice((0, 0, 30)))

    def add(
        when: datetime,
        act: Activity,
        district: str,
        place: str,
        count: int | None,
        source: int,
        main: bool = False,
    ) -> None:
        events.append(_Event(when, act, district, place, count, source, rng.choice(COMMENTS), main))

    def later(when: datetime) -> datetime:  # a second report of the same thing, same year
        shift = timedelta(days=rng.randint(9, 20))
        return when + shift if when.month < 12 else when - shift

    for target in promise.targets:
        acts = promise.activities_for(target.id)
        home = 0 if target.promise_statement == promise.statements[0].id else last
        other = last - home
        per_place = next((a for a in acts if a.one_per_place), None)
        if target.reported_only:  # no goal: just a steady trickle over the year
            for _ in range(rng.randint(10, 13)):
                add(
                    at(rng.randint(1, 12)),
                    rng.choice(acts),
                    rng.choice(names),
                    rng.choice(VENUES),
                    rng.randint(5, 60),
                    rng.randint(0, last),
                )
        elif target.per_tertial_minimum:  # a standing meeting: enough in every tertial
            for tertial in range(3):
                for _ in range(target.per_tertial_minimum + (tertial == 2)):
                    add(
                        at(4 * tertial + rng.randint(2, 4)),
                        rng.choice(acts),
                        names[0],
                        "Kommunhuset",
                        rng.randint(6, 12),
                        last,
                    )
        elif target.places and per_place:  # a new area at each named place, one reported twice
            for i, place in enumerate(target.places):
                when = at(min(12, 5 + 3 * i))
                district = _district_of(place, promise)
                add(when, per_place, district, place.name, rng.randint(8, 30), home)
                if i == 0:
                    add(later(when), per_place, district, place.name, rng.randint(8, 30), other)
        elif target.places:  # walks: goal + 1, every named place, the first one done jointly
            spots = list(target.places)
            n = min(9, max(target.goal or 0, len(spots)) + 1)
            order = [spots[0], None] + [spots[(k + 1) % len(spots)] for k in range(n - 2)]
            for i, month in enumerate(sorted(rng.sample(range(3, 12), n))):
                act, people, spot = rng.choice(acts), rng.randint(8, 25), order[i]
                if spot is None:
                    district = rng.choice(names[1:] or names)
                    add(at(month, (17, 18, 19)), act, district, f"{district} centrum", people, home)
                elif i == 0:
                    when, district = at(month, (18,)), _district_of(spot, promise)
                    for s in range(last + 1):
                        add(when, act, district, spot.name, people, s, main=True)
                else:
                    add(
                        at(month, (17, 18, 19)),
                        act,
                        _district_of(spot, promise),
                        rng.choice((spot.name, *spot.synonyms)),
                        people,
                        home,
                    )
        elif per_place:  # new areas: short of the goal, the last district never reached
            covered = names[:-1] or names
            n = max(1, (target.goal or len(names)) - 2)
            word = per_place.label.split()[-1]  # 'Nytt grannsamverkansområde' -> 'Grannsamverkan'
            prefix = (word[:-7] if word.casefold().endswith("sområde") else word).capitalize()
            for i, (month, stem) in enumerate(
                zip(
                    sorted(rng.randint(2, 12) for _ in range(n)),
                    rng.sample(AREAS, min(n, len(AREAS))),
                )
            ):
                when, district = at(month), covered[i % len(covered)]
                add(when, per_place, district, f"{prefix} {stem}", rng.randint(10, 40), home)
                if i == 1:
                    add(later(when), per_place, district, f"{prefix} {stem}", None, other)
        elif target.every_district:  # controls everywhere by December, half the districts in T1
            early = max(1, len(names) // 2)
            for i, name in enumerate(names):
                first = rng.randint(1, 4) if i < early else rng.randint(5, 10)
                for k in range(rng.randint(5, 7)):
                    add(
                        at(first if k == 0 else rng.randint(first, 12), (7, 15, 21, 22)),
                        acts[k % len(acts)],
                        name,
                        rng.choice(ROADS),
                        rng.randint(15, 180),
                        home,
                    )
        else:  # a plain count: goal + 1 between spring and autumn
            for month in sorted(rng.sample(range(4, 11), min(7, (target.goal or 1) + 1))):
                add(
                    at(month, (15, 19, 21)),
                    rng.choice(acts),
                    rng.choice(names),
                    rng.choice(ROADS),
                    rng.randint(5, 40),
                    home,
                )

    filler = [
        a for a in promise.activities if promise.target_by_id[a.target].reported_only
    ] or list(promise.activities)
    old = datetime(year - 1, 12, rng.randint(2, 20), 10)  # carried over from last year's log
    add(old, rng.choice(filler), names[0], rng.choice(VENUES), rng.randint(5, 30), last, True)
    typo = next((n for n in names[1:] if len(n) >= 6), names[0])  # 'Mariefred' -> 'Marifred'
    typo = typo[: len(typo) // 2] + typo[len(typo) // 2 + 1 :]
    add(
        at(rng.randint(2, 11)),
        rng.choice(filler),
        typo,
        rng.choice(VENUES),
        rng.randint(5, 30),
        last,
        True,
    )
    return events


def _district_of(place: NamedPlace, promise: Promise) -> str:
    """The district a named place lies in, read from its name or synonyms (else the first)."""
    texts = [fold(t) for t in (place.name, *place.synonyms)]
    for district in promise.districts:
        if any(re.search(rf"\b{re.escape(k)}\b", t) for k in district.keys for t in texts):
            return district.name
    return promise.districts[0].name


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


def _rows(
    events: list[_Event], styles: tuple[str, ...], promise: Promise, rng: random.Random
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


def _header(source: Source, column: str, fallback: str) -> str:
    """The source's own column name when the promise lists one (e.g. Kontrolldatum)."""
    return source.column_synonyms.get(column, (fallback,))[0]


# title, rows above the header, header, rows
Sheet = tuple[str, list[list[object]], tuple[str, ...], list[list[object]]]


def _save_xlsx(path: Path, year: int, sheets: list[Sheet]) -> Path:
    """Save with fixed document dates and zip timestamps so the bytes depend on the seed only."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, above, header, rows in sheets:
        ws = wb.create_sheet(title)
        for line in [*above, list(header), *rows]:
            ws.append(line)
        for cell in ws[len(above) + 1]:
            cell.font = Font(bold=True)
    wb.properties.created = datetime(year, 1, 2, 8)
    wb.properties.modified = datetime(year, 12, 31, 16)
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(zipfile.ZipInfo(info.filename, (year, 12, 31, 16, 0, 0)), src.read(info))
    return path


def _save_csv(
    path: Path, header: tuple[str, ...], rows: list[list[object]], delimiter: str, encoding: str
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def _lock_bytes(user: str) -> bytes:
    """What Excel leaves while a workbook is open: the user name, ANSI then UTF-16, 165 bytes."""
    data = bytes([len(user)]) + user.encode("cp1252").ljust(53, b" ")
    data += len(user).to_bytes(2, "little") + user.encode("utf-16-le")
    return (data + b" \x00" * 80)[:165]


def _split(events: list[_Event], rng: random.Random) -> tuple[list[_Event], list[_Event]]:
    """About a third of a source's rows end up in its CSV; joint and odd rows stay in the book."""
    to_csv = [not e.main and rng.random() < 0.3 for e in events]
    return ([e for e, c in zip(events, to_csv) if not c], [e for e, c in zip(events, to_csv) if c])


def _field_log(
    promise: Promise, s: int, events: list[_Event], folder: Path, rng: random.Random
) -> list[Path]:
    """Police style: a workbook with a sheet per half-year (+ lock file) and a system export."""
    source, year = promise.sources[s], promise.year
    book, export = _split(events, rng)
    july = datetime(year, 7, 1)
    first = _rows(
        [e for e in book if e.when < july], ("date", "date", "datetime", "iso"), promise, rng
    )
    first.insert(len(first) // 2, [None] * 6)  # a row whose contents somebody deleted
    late = [e for e in book if e.when >= july]
    second = _rows(late, ("serial", "serial", "date"), promise, rng)  # pasted as values
    second.append([None, None, None, "Summa", sum(e.count or 0 for e in late), None])
    name = f"Medborgarlofte {year} {source.id}.xlsx"
    xlsx = _save_xlsx(
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
        ],
    )
    lock = folder / f"~${name}"
    lock.write_bytes(_lock_bytes(rng.choice(USERS)))
    header = (
        _header(source, "Datum", "Genomfört"),
        "Insats",
        "Område",
        "Lokal",
        _header(source, "Antal", "Antal kontrollerade"),
        "Anteckning",
    )
    rows = _rows(export, ("iso_time", "dm_y", "iso"), promise, rng)
    return [
        xlsx,
        lock,
        _save_csv(folder / f"export_{source.id}_{year}.csv", header, rows, ";", "cp1252"),
    ]


def _office_log(
    promise: Promise, s: int, events: list[_Event], folder: Path, rng: random.Random
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
        _header(source, "Kommundel", "Kommundel"),
        "Plats",
        "Antal deltagare",
        "Beskrivning",
    )
    rows = _rows(book, ("date", "sv", "dmy", "datetime"), promise, rng)
    xlsx = _save_xlsx(
        folder / f"Aktivitetslogg medborgarlofte {year}.xlsx",
        year,
        [("Logg", titles, header, rows)],
    )
    rows = [[r[1], r[0], *r[2:]] for r in _rows(form, ("iso", "dmy"), promise, rng)]
    return [
        xlsx,
        _save_csv(
            folder / f"formularsvar_{year}.csv",
            ("Typ", "Date", "Kommundel", "Områdesnamn", "Antal", "kommentar"),
            rows,
            ",",
            "utf-8-sig",
        ),
    ]


def write_demo_inbox(promise: Promise, inbox: Path, seed: int = 2019) -> list[Path]:
    """Write INBOX/<source-id>/ for every source of the promise; same seed, same bytes."""
    rng = random.Random(seed)
    events = _plan(promise, rng)
    written: list[Path] = []
    for s, source in enumerate(promise.sources):
        folder = Path(inbox) / source.id
        folder.mkdir(parents=True, exist_ok=True)
        mine = sorted((e for e in events if e.source == s), key=lambda e: e.when)
        written += (_field_log if s == 0 else _office_log)(promise, s, mine, folder, rng)
    return sorted(written)
