"""The benchmark's workloads: staff log workbooks generated from a fixed seed with openpyxl.

Rows use the promise's own vocabulary as staff write it (names and synonyms in varied case and
spacing, real and typed dates, counts as numbers or text, free-text comments, two extra columns)
and 1.5 % of them carry one mistake the validator must catch, so the pipeline does its real work.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from lofte_pipeline.demo_words import MONTHS_SV
from lofte_pipeline.promise import Promise

SEED = 2019
HEADER = [
    "Datum",
    "Aktivitet",
    "Kommundel",
    "Plats",
    "Antal",
    "Kommentar",
    "Handläggare",
    "Ärendenummer",
]
HANDLERS = [
    "Anna Lindqvist",
    "Erik Bergström",
    "Maria Holmén",
    "Johan Ekström",
    "Åsa Öberg",
    "Per Nyström",
    "Karin Sjöberg",
    "Lars Ängquist",
    "Sofia Åkesson",
    "Mikael Törnqvist",
]
VENUES = [
    "Biblioteket",
    "Medborgarhuset",
    "Torget",
    "Kommunens Facebooksida",
    "Polisen.se",
    "Skolans aula",
    "Idrottshallen",
    "Gästhamnen",
    "Mässa i sporthallen",
    "Infarten",
    "Rondellen",
    "Storgatan",
    "Skolvägen",
    "Industrivägen",
    "Busshållplatsen",
    "Parkeringen vid ICA",
    "Kommunhuset",
    "Vårdcentralen",
    "Fritidsgården",
    "Badplatsen",
    "Södra Ekbacken",
    "Björkudden",
    "Norra Tallåsen",
    "Solberga",
    "Lindhagen",
]
PHRASES = [
    "Bra uppslutning",
    "Gemensam insats med kommunen",
    "Regn, färre än väntat",
    "Se minnesanteckningar",
    "Synpunkter om belysning vidarebefordrade",
    "Följs upp nästa tertial",
    "Flyers delades ut",
    "Ca-siffra",
    "Många frågor om inbrott",
    "Kontroll vid skolstart",
    "Två förare rapporterade",
    "Lugnt, inga anmärkningar",
    "Samtal med föreningen",
    "Önskemål om fler vandringar",
    "Möte med fastighetsägare",
]


@dataclass(frozen=True)
class Sizes:
    """Workload sizes at a scale; the minimums keep a tiny run meaningful."""

    ingest_rows: int
    tertial_files: int  # per source
    tertial_rows: int  # per file
    national_promises: int = 100

    @classmethod
    def at(cls, scale: float) -> Sizes:
        if not scale > 0:
            raise ValueError("scale must be > 0")
        return cls(
            max(200, round(100_000 * scale)),
            6,
            max(20, round(2_000 * scale)),
            max(4, round(100 * scale)),
        )


def vocabulary(promise: Promise) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """Activity names, district names (each with its synonyms) and each activity's places."""
    activities: list[str] = []
    places: dict[str, list[str]] = {}
    for activity in promise.activities:
        names = [activity.label, *activity.synonyms]
        activities += names
        target = promise.target_by_id[activity.target]
        places.update(
            {name: [n for p in target.places for n in (p.name, *p.synonyms)] for name in names}
        )
    districts = [n for d in promise.districts for n in (d.name, *d.synonyms)]
    return activities, districts, places


def _variant(rng: random.Random, text: str) -> str:
    """A name as typed: now and then in lower or upper case, or with spaces around it."""
    roll = rng.random()
    return (
        text.lower()
        if roll < 0.08
        else text.upper()
        if roll < 0.11
        else f" {text} "
        if roll < 0.14
        else text
    )


def _date_cell(rng: random.Random, day: dt.date) -> object:
    """60 % real datetimes, 10 % real dates, 30 % text in the forms staff type."""
    roll = rng.random()
    if roll < 0.60:
        return dt.datetime(
            day.year,
            day.month,
            day.day,
            rng.choice((8, 9, 10, 13, 14, 18, 19)),
            rng.choice((0, 0, 15, 30)),
        )
    if roll < 0.70:
        return day
    return rng.choice(
        (
            day.isoformat(),
            f"{day.day}/{day.month}/{day.year}",
            f"{day.day}.{day.month}.{day.year}",
            f"{day.day} {MONTHS_SV[day.month - 1]} {day.year}",
            f"{day.isoformat()} {rng.randint(8, 20)}:{rng.choice(('00', '30'))}",
        )
    )


def generate_rows(
    promise: Promise, rng: random.Random, n: int, end: dt.date, error_rate: float = 0.015
) -> list[list[object]]:
    """n log rows from 1 January to `end` in HEADER order, about error_rate of them wrong."""
    activities, districts, places = vocabulary(promise)
    start = dt.date(promise.year, 1, 1)
    rows: list[list[object]] = []
    for i in range(n):
        day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
        activity = rng.choice(activities)
        spots = places.get(activity)
        place = rng.choice(spots) if spots and rng.random() < 0.8 else rng.choice(VENUES)
        count = rng.choice((None, rng.randint(1, 60), rng.randint(1, 60), str(rng.randint(1, 40))))
        comment = (
            ""
            if rng.random() < 0.4
            else (f"{rng.choice(PHRASES)}. {rng.choice(PHRASES).lower()} ({rng.randint(1, 999)})")
        )
        row: list[object] = [
            _date_cell(rng, day),
            _variant(rng, activity),
            _variant(rng, rng.choice(districts)),
            place,
            count,
            comment,
            rng.choice(HANDLERS),
            f"{rng.randint(4000, 5999)}-K{rng.randint(10000, 99999)}-19",
        ]
        if rng.random() < error_rate:
            kind = rng.randrange(6)
            if kind == 0:  # a typo in the activity
                cut = rng.randrange(1, max(2, len(activity) - 1))
                row[1] = activity[:cut] + activity[cut + 1 :]
            elif kind == 1:
                row[2] = rng.choice(("Eskilstuna", "Okänd ort", "Hela kommunen"))
            elif kind == 2:
                row[2] = None
            elif kind == 3:
                row[0] = dt.datetime(promise.year - 1, day.month, day.day, 10, 0)
            elif kind == 4:
                row[0] = rng.choice(("vecka 12", "i våras", "??"))
            else:
                row[4] = rng.choice(("ca 20", "-3", "många"))
        rows.append(row)
        if i and rng.random() < 0.001:  # a blank line now and then
            rows.append([None] * len(HEADER))
    return rows


def write_workbook(path: Path, rows: list[list[object]], title: str | None = None) -> Path:
    """One sheet, the header in row 1 or under a title row; written whole or not at all."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Logg")
    for line in ([[title], []] if title else []) + [HEADER, *rows]:
        sheet.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    workbook.save(partial)
    os.replace(partial, path)
    return path


def ingest_workbook(folder: Path, promise: Promise, rows: int) -> Path:
    """A workbook of `rows` log rows over the whole year; kept, so a rerun reuses it."""
    path = folder / f"ingest-{rows}-s{SEED}.xlsx"
    if not path.exists():
        rng = random.Random(f"{SEED}-ingest-{rows}")
        write_workbook(path, generate_rows(promise, rng, rows, dt.date(promise.year, 12, 31)))
    return path


def write_inbox(inbox: Path, promise: Promise, files: int, rows: int) -> list[Path]:
    """INBOX/<source>/logg-NN.xlsx with rows to 31 August, every second file under a title."""
    if not (inbox / ".complete").exists():
        shutil.rmtree(inbox, ignore_errors=True)
        rng = random.Random(f"{SEED}-tertial")
        for source in promise.sources:
            for k in range(files):
                log = generate_rows(promise, rng, rows, dt.date(promise.year, 8, 31))
                title = f"Aktivitetslogg {source.name} {promise.year}" if k % 2 else None
                write_workbook(inbox / source.id / f"logg-{k + 1:02d}.xlsx", log, title)
        (inbox / ".complete").write_text("")
    return sorted(inbox.rglob("*.xlsx"))


def write_promises(folder: Path, promise_file: Path, n: int) -> Path:
    """`n` promises (the bundled one under other municipalities' names), each with the demo inbox
    of its own seed: loften/<id>.yaml and inkorgar/<id>/, as a national round reads them."""
    import yaml

    from lofte_pipeline.demo import write_demo_inbox
    from lofte_pipeline.promise import load_promise

    root = folder / f"national-{n}-s{SEED}"
    if (root / "klar").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    seed = yaml.safe_load(promise_file.read_text(encoding="utf-8"))
    (root / "loften").mkdir(parents=True)
    for k in range(n):
        data = {**seed, "id": f"kommun{k:03}-2019", "kommun": f"Kommun {k:03}"}
        path = root / "loften" / f"{data['id']}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        write_demo_inbox(load_promise(path), root / "inkorgar" / data["id"], seed=SEED + k)
    (root / "klar").touch()
    return root
