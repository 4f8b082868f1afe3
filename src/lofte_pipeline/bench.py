"""`lofte bench`: generated workloads, measured in one run on this machine, against issue 6's targets.

Every workload is generated from a fixed seed (random.Random, openpyxl) and every figure that has a
target is a ratio against a baseline measured in the same run, so the table means the same on any
machine. Five workloads (`--only NAME` picks some):

- ingest    a 100,000-row workbook read and validated by the pipeline (intake.check_file) against
            pandas.read_excel(engine="openpyxl") without validation, plus the raw floors
            (pandas+calamine, fastexcel, polars, python-calamine) that are installed;
- check     `lofte check` on that workbook as a whole process against a process that only does
            pandas.read_excel(engine="openpyxl");
- tertial   2 sources x 6 files x 2,000 rows -> a full report (HTML + PDF) against the sum of its
            unavoidable parts (read_sheets of every file + render_pdf of the produced HTML);
- cache     the same tertial rebuilt unchanged with the content-hash cache (first run fills it);
- promises  100 synthetic promises x one tertial each, in one process and in two, with peak memory.

`scale` multiplies every size (rows, files' rows, number of promises); `--scale 0.01` runs it all in
seconds and is what the smoke test uses. Nothing here is imported by the pipeline itself.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import importlib.util
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED = 2019
GENERATOR_VERSION = 1  # bump when the generated workloads change (cached workbooks are re-made)
WORKLOADS = ("ingest", "check", "tertial", "cache", "promises")
PERIOD = "2019-T2"
EXTRA_COLUMNS = ("Handläggare", "Ärendenummer")
HEADER = ["Datum", "Aktivitet", "Kommundel", "Plats", "Antal", "Kommentar", *EXTRA_COLUMNS]

HANDLERS = ("Anna Lindqvist", "Erik Bergström", "Maria Holmén", "Johan Ekström", "Åsa Öberg",
            "Per Nyström", "Karin Sjöberg", "Lars Ängquist", "Sofia Åkesson", "Mikael Törnqvist")
VENUES = ("Biblioteket", "Medborgarhuset", "Torget", "Kommunens Facebooksida", "Polisen.se",
          "Skolans aula", "Idrottshallen", "Gästhamnen", "Mässa i sporthallen", "Infarten",
          "Rondellen", "Storgatan", "Skolvägen", "Industrivägen", "Busshållplatsen",
          "Parkeringen vid ICA", "Kommunhuset", "Vårdcentralen", "Fritidsgården", "Badplatsen")
AREAS = ("Södra Ekbacken", "Björkudden", "Norra Tallåsen", "Solberga", "Lindhagen",
         "Västra Granbacken", "Ängsgärdet", "Vitsippan", "Östra Hagtornet", "Sjöviksvägen")
PHRASES = ("Bra uppslutning", "Gemensam insats med kommunen", "Regn, färre än väntat",
           "Se minnesanteckningar", "Synpunkter om belysning vidarebefordrade",
           "Följs upp nästa tertial", "Flyers delades ut", "Ca-siffra", "Många frågor om inbrott",
           "Kontroll vid skolstart", "Två förare rapporterade", "Lugnt, inga anmärkningar",
           "Samtal med föreningen", "Önskemål om fler vandringar", "Möte med fastighetsägare")
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december")
TOWN_STEMS = ("Björk", "Ek", "Gran", "Lind", "Sjö", "Berg", "Hag", "Äng", "Strand", "Tall")
TOWN_ENDS = ("by", "holm", "vik", "köping", "hamn", "dal", "sund", "ås", "stad", "fors")


# ---------------------------------------------------------------- table rows

def _row(workload: str, metric: str, value: float | None, unit: str, *,
         target: tuple[str, float] | None = None, note: str = "") -> dict[str, Any]:
    """One line of the table; with a target ('>=' or '<=', number) it gets PASS or MISS."""
    status = ""
    if value is None:
        status = "SKIP"
    elif target is not None:
        op, bound = target
        ok = value >= bound if op == ">=" else value <= bound
        status = "PASS" if ok else "MISS"
    return {
        "workload": workload, "metric": metric,
        "value": None if value is None else float(value), "unit": unit,
        "target": "" if target is None else f"{'≥' if target[0] == '>=' else '≤'} {target[1]:g}",
        "status": status, "note": note,
    }


def _n(value: int) -> str:
    """A whole number the Swedish way: 100 000."""
    return f"{value:,}".replace(",", "\u00a0")


def _fmt_value(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return _n(round(value))
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}"


def format_table(rows: list[dict[str, Any]]) -> str:
    headers = ["workload", "metric", "value", "unit", "target", "status", "note"]
    cells = [[r["workload"], r["metric"], _fmt_value(r["value"]), r["unit"], r["target"],
              r["status"], r["note"]] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for c in cells:
        lines.append("  ".join((v.rjust(w) if i == 2 else v.ljust(w))
                               for i, (v, w) in enumerate(zip(c, widths))).rstrip())
    return "\n".join(lines)


def format_markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| workload | metric | value | unit | target | status | note |",
             "|---|---|--:|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['workload']} | {r['metric']} | {_fmt_value(r['value'])} | {r['unit']} "
                     f"| {r['target']} | {r['status']} | {r['note']} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- sizes

@dataclass(frozen=True)
class Sizes:
    ingest_rows: int
    tertial_files: int  # per source
    tertial_rows: int   # per file
    promises: int
    promise_files: int  # per source
    promise_rows: int   # per file

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        if not scale > 0:
            raise ValueError("scale must be > 0")
        return cls(
            ingest_rows=max(200, round(100_000 * scale)),
            tertial_files=6,
            tertial_rows=max(20, round(2_000 * scale)),
            promises=max(2, round(100 * scale)),
            promise_files=2,
            promise_rows=max(10, round(250 * scale)),
        )


# ---------------------------------------------------------------- workload generation

@dataclass
class Vocabulary:
    """What a staff member of one promise would type: names as written, in every variant."""

    activities: list[str]
    districts: list[str]
    places_by_activity: dict[str, list[str]]
    year: int


def vocabulary(promise: Any) -> Vocabulary:
    activities, places = [], {}
    for activity in promise.activities:
        names = [activity.label, *activity.synonyms]
        activities.extend(names)
        target = promise.target_by_id[activity.target]
        spots = [n for p in target.places for n in (p.name, *p.synonyms)]
        for name in names:
            places[name] = spots
    districts = [n for d in promise.districts for n in (d.name, *d.synonyms)]
    return Vocabulary(activities, districts, places, promise.year)


def _case_variant(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.08:
        return text.lower()
    if roll < 0.11:
        return text.upper()
    if roll < 0.14:
        return f" {text} "
    return text


def _date_cell(rng: random.Random, day: dt.date) -> object:
    """60 % real datetimes, 10 % real dates, 30 % text in the forms staff type."""
    roll = rng.random()
    if roll < 0.60:
        return dt.datetime(day.year, day.month, day.day, rng.choice((8, 9, 10, 13, 14, 18, 19)),
                           rng.choice((0, 0, 15, 30)))
    if roll < 0.70:
        return day
    form = rng.randrange(5)
    if form == 0:
        return day.isoformat()
    if form == 1:
        return f"{day.day}/{day.month}/{day.year}"
    if form == 2:
        return f"{day.day}.{day.month}.{day.year}"
    if form == 3:
        return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
    return f"{day.isoformat()} {rng.randint(8, 20)}:{rng.choice(('00', '30'))}"


def generate_rows(vocab: Vocabulary, rng: random.Random, n: int, start: dt.date, end: dt.date,
                  error_rate: float = 0.015) -> list[list[object]]:
    """n log rows in HEADER order; about error_rate of them carry one mistake staff make."""
    span = (end - start).days
    rows: list[list[object]] = []
    for i in range(n):
        day = start + dt.timedelta(days=rng.randint(0, span))
        activity = rng.choice(vocab.activities)
        spots = vocab.places_by_activity.get(activity) or ()
        place = rng.choice(spots) if spots and rng.random() < 0.8 else rng.choice(
            VENUES + AREAS)
        count: object = rng.choice((None, rng.randint(1, 60), rng.randint(1, 60),
                                    str(rng.randint(1, 40))))
        comment = "" if rng.random() < 0.4 else (
            f"{rng.choice(PHRASES)}. {rng.choice(PHRASES).lower()} ({rng.randint(1, 999)})")
        row: list[object] = [
            _date_cell(rng, day), _case_variant(rng, activity),
            _case_variant(rng, rng.choice(vocab.districts)), place, count, comment,
            rng.choice(HANDLERS), f"{rng.randint(4000, 5999)}-K{rng.randint(10000, 99999)}-19",
        ]
        if rng.random() < error_rate:
            kind = rng.randrange(6)
            if kind == 0:   # a typo in the activity
                text = str(row[1])
                cut = rng.randrange(1, max(2, len(text) - 1))
                row[1] = text[:cut] + text[cut + 1:]
            elif kind == 1:
                row[2] = rng.choice(("Eskilstuna", "Okänd ort", "Hela kommunen"))
            elif kind == 2:
                row[2] = None
            elif kind == 3:
                row[0] = dt.datetime(vocab.year - 1, day.month, day.day, 10, 0)
            elif kind == 4:
                row[0] = rng.choice(("vecka 12", "i våras", "??"))
            else:
                row[4] = rng.choice(("ca 20", "-3", "många"))
        rows.append(row)
        if i and rng.random() < 0.001:  # a blank line now and then
            rows.append([None] * len(HEADER))
    return rows


def write_workbook(path: Path, rows: list[list[object]], title: str | None = None,
                   sheet: str = "Logg") -> Path:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    if title:
        worksheet.append([title])
        worksheet.append([])
    worksheet.append(HEADER)
    for row in rows:
        worksheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    workbook.save(partial)
    os.replace(partial, path)
    return path


def ingest_workbook(folder: Path, promise: Any, rows: int) -> Path:
    """The 100,000-row workbook (header in row 1), made once per size and generator version."""
    path = folder / f"ingest-{rows}-s{SEED}-v{GENERATOR_VERSION}.xlsx"
    if not path.exists():
        rng = random.Random(f"{SEED}-ingest-{rows}")
        year = promise.year
        write_workbook(path, generate_rows(vocabulary(promise), rng, rows, dt.date(year, 1, 1),
                                           dt.date(year, 12, 31)))
    return path


def write_inbox(inbox: Path, promise: Any, files_per_source: int, rows_per_file: int,
                seed: str, end: dt.date) -> list[Path]:
    """INBOX/<source>/logg-k.xlsx for every source, year-to-date rows, some under a title row."""
    marker = inbox / ".complete"
    if marker.exists():
        return sorted(p for p in inbox.rglob("*.xlsx"))
    if inbox.exists():
        shutil.rmtree(inbox)
    rng = random.Random(seed)
    vocab = vocabulary(promise)
    written = []
    for source in promise.sources:
        for k in range(files_per_source):
            rows = generate_rows(vocab, rng, rows_per_file, dt.date(promise.year, 1, 1), end)
            title = f"Aktivitetslogg {source.name} {promise.year}" if k % 2 else None
            written.append(write_workbook(inbox / source.id / f"logg-{k + 1:02d}.xlsx", rows, title))
    marker.write_text("")
    return written


def synthetic_promise(base: dict[str, Any], index: int) -> dict[str, Any]:
    """The base promise's shape with another municipality, id and district/place names."""
    data = copy.deepcopy(base)
    town = TOWN_STEMS[index // 10 % 10] + TOWN_ENDS[index % 10]
    suffix = "" if index < 100 else f" {index // 100 + 1}"
    name = f"{town}{suffix}"
    data["id"] = f"bench-{index:03d}-{data['ar']}"
    data["kommun"] = f"{name} kommun"
    data["polisomrade"] = f"Lokalpolisområde {name}"
    districts = [name, f"Norra {name}", f"Södra {name}", f"{name} strand", f"Östra {name}"]
    data["kommundelar"] = [{"namn": d} for d in districts]
    for target in data.get("mal", []):
        if target.get("platser"):
            if any(a.get("en_per_plats") and a["mal"] == target["id"]
                   for a in data["aktiviteter"]):
                spots = [districts[1 + k % 4] for k in range(len(target["platser"]))]
            else:
                spots = [f"Resecentrum {name}", f"{districts[3]} station"][:len(target["platser"])]
                spots += [f"{name} plats {k}" for k in range(len(spots), len(target["platser"]))]
            target["platser"] = [{"namn": s} for s in spots]
    return data


def write_promises(folder: Path, base_file: Path, n: int, files_per_source: int,
                   rows_per_file: int) -> list[tuple[Path, Path]]:
    """n promise files and one small inbox each: [(promise file, inbox)]."""
    import yaml

    from .promise import parse_promise

    base = yaml.safe_load(base_file.read_text(encoding="utf-8"))
    pairs = []
    for i in range(n):
        data = synthetic_promise(base, i)
        promise_file = folder / "promises" / f"{data['id']}.yaml"
        if not promise_file.exists():
            promise_file.parent.mkdir(parents=True, exist_ok=True)
            promise_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                    encoding="utf-8")
        promise = parse_promise(data, promise_file.name)
        inbox = folder / "inboxes" / data["id"]
        write_inbox(inbox, promise, files_per_source, rows_per_file, f"{SEED}-promise-{i}",
                    dt.date(promise.year, 8, 31))
        pairs.append((promise_file, inbox))
    return pairs


# ---------------------------------------------------------------- timing helpers

def _timed(fn: Callable[[], Any], quick: float = 1.0, repeats: int = 3) -> tuple[float, Any]:
    """Best wall time: once for slow calls, best of `repeats` for calls under `quick` seconds.

    The previous call's result is freed before the clock starts: freeing a large frame would
    otherwise be charged to the next call.
    """
    best, result = _clock(fn)
    if best < quick:
        for _ in range(repeats - 1):
            result = None
            seconds, result = _clock(fn)
            best = min(best, seconds)
    return best, result


def _in_turns(calls: dict[str, Callable[[], Any]], rounds: int,
              may_fail: Collection[str] = (),
              before: Callable[[], None] | None = None) -> dict[str, tuple[float, Any]]:
    """Each call's best time and last result, the calls taken in turns `rounds` times.

    A call named in `may_fail` that raises is not timed again and its exception is its result;
    any other call's exception is raised. `before` runs ahead of every call, off the clock.
    """
    best: dict[str, tuple[float, Any]] = {name: (float("inf"), None) for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            if isinstance(best[name][1], Exception):
                continue
            best[name] = (best[name][0], None)
            if before is not None:
                before()
            try:
                seconds, result = _clock(call)
            except Exception as exc:
                if name not in may_fail:
                    raise
                best[name] = (float("inf"), exc)
                continue
            best[name] = (min(best[name][0], seconds), result)
    return best


def _clock(call: Callable[[], Any]) -> tuple[float, Any]:
    """One call's wall time; garbage (a previous result the caller let go) is freed first."""
    gc.collect()
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def _timed_process(command: list[str], quick: float = 1.0, repeats: int = 3) -> float:
    def run() -> None:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return _timed(run, quick, repeats)[0]


def _lofte_command() -> list[str]:
    script = Path(sys.executable).with_name("lofte")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lofte_pipeline"]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _data_rows(path: Path) -> int:
    """Data rows as the baseline sees them (everything under the header row)."""
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_index(0).to_python()
    workbook.close()
    return len(rows) - 1


# ---------------------------------------------------------------- the workloads

PARSE_ONLY = "fastexcel load_sheet, parse only"


def _raw_readers(path: Path) -> dict[str, Callable[[], Any] | None]:
    """The practical floor: fastest readers without validation; None when not installed.

    Each ends with the cells in a frame or in Python values, as its documentation reads them.
    """
    import pandas as pd

    def pandas_calamine() -> Any:
        return pd.read_excel(path, engine="calamine")

    def fastexcel_frame() -> Any:
        import fastexcel

        return fastexcel.read_excel(str(path)).load_sheet(0).to_polars()

    def polars_read() -> Any:
        import polars as pl

        return pl.read_excel(path)

    def python_calamine() -> Any:
        import python_calamine as pc

        workbook = pc.CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python()
        workbook.close()
        return rows

    fast = _installed("fastexcel") and _installed("polars")
    return {
        "pandas.read_excel(engine=calamine)": pandas_calamine,
        "fastexcel load_sheet to_polars": fastexcel_frame if fast else None,
        "polars.read_excel": polars_read if fast else None,
        "python-calamine to_python": python_calamine,
    }


def _parse_only(path: Path) -> Callable[[], Any] | None:
    """fastexcel's load_sheet alone: the sheet parsed, its cells not yet in any frame (fastexcel
    converts them when they are asked for). Reported beside the floors, not as one."""
    if not _installed("fastexcel"):
        return None

    def load_sheet() -> Any:
        import fastexcel

        return fastexcel.read_excel(str(path)).load_sheet(0)

    return load_sheet


def bench_ingest(path: Path, promise: Any, log: Callable[[str], None]) -> list[dict[str, Any]]:
    import pandas as pd

    from .ingest import read_sheets
    from .intake import check_file
    from .validate import validate_sheets

    n = _data_rows(path)
    rows: list[dict[str, Any]] = []
    check_file(path, promise, "polisen")  # warm: imports, first-call caches
    # The pipeline, its parts and the floors are each the best of the same number of runs, taken
    # in turns (pipeline, parts, floors; again; again) so that every side of a ratio sees the
    # same moments of a machine whose speed drifts.
    readers = _raw_readers(path)
    installed = {name: reader for name, reader in readers.items() if reader is not None}
    parse_only = _parse_only(path)
    if parse_only is not None:
        installed[PARSE_ONLY] = parse_only
    log("ingest: pipeline, its parts and the floors in turns, best of "
        f"{INGEST_REPEATS}: {', '.join(installed)}")
    sheets = read_sheets(path)
    timings = _in_turns({
        "pipeline": lambda: check_file(path, promise, "polisen"),
        "read": lambda: read_sheets(path),
        "validate": lambda: validate_sheets(sheets, promise, "polisen", path.name),
        **installed,
    }, INGEST_REPEATS, may_fail=installed)  # a floor that cannot read the file is reported
    (pipeline_s, result), (read_s, _), (validate_s, _) = (
        timings["pipeline"], timings["read"], timings["validate"])
    log("ingest: pandas.read_excel(engine=openpyxl)")
    openpyxl_s, frame = _timed(lambda: pd.read_excel(path, engine="openpyxl"))
    pipeline_rps, openpyxl_rps = n / pipeline_s, n / openpyxl_s
    rejected_rows = int(result.rejected[["sheet", "row"]].drop_duplicates().shape[0])
    rows += [
        _row("ingest", "pipeline check_file (read + validate)", pipeline_rps, "rows/s",
             note=f"{pipeline_s:.2f} s; {_n(len(result.accepted))} accepted, "
                  f"{_n(rejected_rows)} rejected"),
        _row("ingest", "  of which read_sheets (fastexcel)", n / read_s, "rows/s",
             note=f"{read_s:.2f} s"),
        _row("ingest", "  of which validate_sheets", n / validate_s, "rows/s",
             note=f"{validate_s:.2f} s"),
        _row("ingest", "baseline pandas.read_excel(engine=openpyxl)", openpyxl_rps, "rows/s",
             note=f"{openpyxl_s:.2f} s, {_n(len(frame))} rows"),
        _row("ingest", "pipeline / openpyxl baseline", pipeline_rps / openpyxl_rps, "×",
             target=(">=", 15)),
    ]
    fastest = ("", 0.0)
    for name, reader in readers.items():
        if reader is None:
            rows.append(_row("ingest", f"floor {name}", None, "rows/s",
                             note="not installed (pip install '.[bench]')"))
            continue
        seconds, outcome = timings[name]
        if isinstance(outcome, Exception):
            rows.append(_row("ingest", f"floor {name}", None, "rows/s",
                             note=f"failed: {type(outcome).__name__}: {str(outcome)[:80]}"))
            continue
        rows.append(_row("ingest", f"floor {name}", n / seconds, "rows/s", note=f"{seconds:.2f} s"))
        if n / seconds > fastest[1]:
            fastest = (name, n / seconds)
    rows.append(_row("ingest", "fastest floor / pipeline", fastest[1] / pipeline_rps, "×",
                     target=("<=", 2), note=f"fastest: {fastest[0]}"))
    if parse_only is not None and not isinstance(timings[PARSE_ONLY][1], Exception):
        seconds = timings[PARSE_ONLY][0]
        rows += [
            _row("ingest", f"{PARSE_ONLY} (not a floor: no frame yet)", n / seconds, "rows/s",
                 note=f"{seconds:.2f} s"),
            _row("ingest", "parse only / pipeline", (n / seconds) / pipeline_rps, "×",
                 note="for information: no target"),
        ]
    return rows


def bench_check(path: Path, promise_file: Path, tiny: Path,
                log: Callable[[str], None]) -> list[dict[str, Any]]:
    check = [*_lofte_command(), "check", "--promise", str(promise_file), "--source", "polisen",
             "--format", "json"]
    log("check: lofte check as a whole process")
    _timed_process([*check, str(tiny)], quick=0)  # warm the page cache
    startup_s = _timed_process([*check, str(tiny)], quick=0)
    lofte_s = _timed_process([*check, str(path)])
    log("check: a process doing only pandas.read_excel(engine=openpyxl)")
    baseline = [sys.executable, "-c",
                "import sys, pandas; pandas.read_excel(sys.argv[1], engine='openpyxl')", str(path)]
    baseline_s = _timed_process(baseline)
    return [
        _row("check", "lofte check process (100k-row workbook)", lofte_s, "s"),
        _row("check", "  of which fixed cost (lofte check on 10 rows)", startup_s, "s"),
        _row("check", "baseline process pandas.read_excel(openpyxl)", baseline_s, "s"),
        _row("check", "baseline process / lofte check process", baseline_s / lofte_s, "×",
             target=(">=", 8)),
    ]


def build(promise_file: Path | str, inbox: Path | str, out: Path | str, period: str,
          state: Path | str, **options: Any) -> Any:
    """build_report with its bookkeeping (archive, parse cache) in `state`: empty = a cold run.

    `out` must be empty too for a cold run: an unchanged bundle already there is kept as it is.
    """
    import inspect

    from .report import build_report

    params = inspect.signature(build_report).parameters
    if "state_dir" in params:
        return build_report(promise_file, inbox, out, period, state_dir=state, **options)
    if "cache_dir" in params:
        return build_report(promise_file, inbox, out, period, cache_dir=Path(state) / "cache")
    return build_report(promise_file, inbox, out, period)


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return folder


WARM_UP_HTML = '<html lang="sv"><head><title>Uppvärmning</title></head><p>Uppvärmning</p></html>'


def _warm_up() -> None:
    """Steady-state timings, as in a process that reports many promises: the report stack is
    imported, WeasyPrint has loaded its fonts (here and in the PDF worker) and the isolated
    readers have started."""
    from . import pdfworker, report  # noqa: F401
    from .isolation import warm_readers
    from .messages import templates_dir
    from .render import render_pdf

    with warm_readers():
        pass
    render_pdf(WARM_UP_HTML, "warm-up")
    pdfworker.start_pdf(WARM_UP_HTML, "warm-up", str(templates_dir()), render_pdf)()


INGEST_REPEATS = 5
TERTIAL_REPEATS = 5


def bench_tertial(inbox: Path, work: Path, promise_file: Path, promise: Any,
                  log: Callable[[str], None]) -> list[dict[str, Any]]:
    from . import pdfworker
    from .ingest import read_sheets
    from .messages import templates_dir
    from .period import Period
    from .render import render_pdf
    files = sorted(inbox.rglob("*.xlsx"))
    out, state = work / "tertial-out", work / "state-tertial"
    log(f"tertial: build_report on {len(files)} files, best of {TERTIAL_REPEATS}")

    result = build(promise_file, inbox, out, PERIOD, state)  # for the html the parts lay out
    html = result.path("rapport.html").read_text(encoding="utf-8")
    name = Period.parse(PERIOD).name_sv
    title = f"UTKAST: {promise.title} – {promise.municipality}: uppföljning {name}"

    def cold_build() -> None:
        build(promise_file, inbox, out, PERIOD, state)

    def settle() -> None:
        """Off the clock: no output from the previous build, and no child still collecting
        after its previous PDF (that belongs to the previous call, not to the next)."""
        _fresh(out)
        _fresh(state)
        pdfworker.settle_warm_workers()

    def read_every_file() -> None:
        for file in files:
            read_sheets(file)

    def pdf_here() -> None:
        render_pdf(html, title)

    def pdf_worker() -> None:
        pdfworker.start_pdf(html, title, str(templates_dir()), render_pdf)()

    # The build and its parts in turns, each the best of the same number of runs. The PDF part
    # is the PDF in the warm worker, where the report lays it out; the same PDF laid out here is
    # shown beside it (a best of twice as many runs would not be a fair side of the ratio).
    timings = _in_turns({"build": cold_build, "read": read_every_file, "pdf here": pdf_here,
                         "pdf worker": pdf_worker}, TERTIAL_REPEATS, before=settle)
    wall_s, read_s = timings["build"][0], timings["read"][0]
    pdf_here_s, pdf_s = timings["pdf here"][0], timings["pdf worker"][0]
    parts = read_s + pdf_s
    rows_total = sum(s["rows_accepted"] + s["rows_rejected"]
                     for s in result.figures["sources"].values())
    return [
        _row("tertial", "full report (HTML + PDF) wall time", wall_s, "s",
             note=f"{len(files)} files, {_n(rows_total)} rows"),
        _row("tertial", "  unavoidable: read_sheets of every file", read_s, "s"),
        _row("tertial", "  unavoidable: render_pdf of the report", pdf_s, "s",
             note=f"in the PDF worker; here {pdf_here_s:.2f} s"),
        _row("tertial", "  the rest (validate, reconcile, HTML, CSV, glue)", wall_s - parts, "s"),
        _row("tertial", "whole run / unavoidable parts", wall_s / parts, "×", target=("<=", 1.3)),
    ]


def bench_cache(inbox: Path, work: Path, promise_file: Path,
                log: Callable[[str], None]) -> list[dict[str, Any]]:
    state = _fresh(work / "state-cache")
    out = _fresh(work / "cache-out")
    log("cache: first run (fills the cache), the unchanged rerun, a rerun that must render")
    first_s, _ = _timed(lambda: build(promise_file, inbox, out, PERIOD, state), quick=0)
    second_s, _ = _timed(lambda: build(promise_file, inbox, out, PERIOD, state), quick=0)
    # Another choice (the English report) renders everything again; only parsing is cached.
    third_s, _ = _timed(lambda: build(promise_file, inbox, out, PERIOD, state, lang="en"),
                        quick=0)
    return [
        _row("cache", "first run (fills the cache)", first_s, "s"),
        _row("cache", "unchanged rerun (bundle kept, nothing parsed)", second_s, "s"),
        _row("cache", "first / rerun", first_s / second_s, "×", target=(">=", 3)),
        _row("cache", "rerun that renders again (--lang en, parse cache)", third_s, "s",
             note=f"first / this = {first_s / third_s:.2f}×"),
    ]


def _run_child(spec: dict[str, Any], work: Path) -> dict[str, Any]:
    # Every child starts cold: no archive, no parse cache (job[4]), no bundle to keep (job[2]).
    for folder in {job[4] for job in spec["jobs"]} | {job[2] for job in spec["jobs"]}:
        _fresh(Path(folder))
    spec_file = work / f"child-{spec['name']}.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    code = "import sys, lofte_pipeline.bench as b; sys.exit(b._child_main(sys.argv[1]))"
    completed = subprocess.run([sys.executable, "-c", code, str(spec_file)], capture_output=True,
                               text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"bench child {spec['name']} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _one_report(job: list[str]) -> float:
    start = time.perf_counter()
    build(*job)
    return time.perf_counter() - start


def _child_main(spec_path: str) -> int:
    """Runs in a fresh process: warm up, build every job's report, print timings and peak RSS."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    _warm_up()
    jobs = spec["jobs"]
    start = time.perf_counter()
    if spec["workers"] == 1:
        per_report = [_one_report(job) for job in jobs]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=spec["workers"], mp_context=context) as pool:
            per_report = list(pool.map(_one_report, jobs))
    wall = time.perf_counter() - start
    kib = 1 if sys.platform.startswith("linux") else 1 / 1024  # ru_maxrss: KiB on Linux
    print(json.dumps({
        "wall": wall, "per_report": per_report,
        "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 1024,
        "rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib / 1024,
    }))
    return 0


def bench_promises(pairs: list[tuple[Path, Path]], work: Path,
                   log: Callable[[str], None]) -> list[dict[str, Any]]:
    def jobs_for(child: str) -> list[list[str]]:
        return [[str(p), str(i), str(work / f"out-{child}"), PERIOD,
                 str(work / f"state-{child}" / p.stem)] for p, i in pairs]

    jobs = jobs_for("one")
    n = len(jobs)
    largest = max(range(n), key=lambda k: sum(f.stat().st_size for f in pairs[k][1].rglob("*.xlsx")))
    log("promises: largest single promise alone (memory reference)")
    single = _run_child({"name": "single", "workers": 1, "jobs": [jobs_for("single")[largest]]},
                        work)
    log(f"promises: {n} reports in one process")
    one = _run_child({"name": "one", "workers": 1, "jobs": jobs}, work)
    log(f"promises: {n} reports with 2 processes")
    two = _run_child({"name": "two", "workers": 2, "jobs": jobs_for("two")}, work)
    sum_single = sum(one["per_report"])
    budget = 1.5 * sum_single / 2
    single_mb = single["rss_self_mb"]
    one_mb = one["rss_self_mb"]
    two_mb = max(two["rss_self_mb"], two["rss_children_mb"])
    return [
        _row("promises", f"{n} reports, 1 process: wall time", one["wall"], "s"),
        _row("promises", f"{n} reports, 1 process: reports per minute", 60 * n / one["wall"],
             "/min"),
        _row("promises", f"{n} reports, 2 processes: wall time", two["wall"], "s",
             note=f"budget 1.5 × Σsingle/2 = {budget:.1f} s"),
        _row("promises", f"{n} reports, 2 processes: reports per minute", 60 * n / two["wall"],
             "/min"),
        _row("promises", "sum of single-report times (1 process)", sum_single, "s",
             note=f"median {sorted(one['per_report'])[n // 2]:.2f} s per report"),
        _row("promises", "2-process wall / (Σsingle ÷ 2)", two["wall"] / (sum_single / 2), "×",
             target=("<=", 1.5)),
        _row("promises", "peak RSS, largest promise alone", single_mb, "MB"),
        _row("promises", f"peak RSS, {n} reports in 1 process", one_mb, "MB"),
        _row("promises", f"peak RSS per process, {n} reports with 2", two_mb, "MB"),
        _row("promises", "peak RSS 1 process / largest alone", one_mb / single_mb, "×",
             target=("<=", 1.25)),
        _row("promises", "peak RSS per process with 2 / largest alone", two_mb / single_mb, "×",
             target=("<=", 1.25)),
    ]


# ---------------------------------------------------------------- the run

def machine_info() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for name in ("pandas", "openpyxl", "python-calamine", "fastexcel", "polars", "weasyprint"):
        try:  # the distribution's version: python_calamine has no __version__
            versions[name.replace("-", "_")] = version(name)
        except PackageNotFoundError:
            versions[name.replace("-", "_")] = None
    checkout = Path(__file__).resolve().parents[2]
    commit = None
    if (checkout / ".git").exists():
        try:
            head = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(checkout), "status", "--porcelain"],
                                   capture_output=True, text=True, check=True).stdout.strip()
            commit = head + ("+dirty" if dirty else "")
        except (OSError, subprocess.CalledProcessError):
            commit = None
    return {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "platform": platform.platform(), "commit": commit,
            "versions": versions}


def run_benchmark(out: Path | None, scale: float = 1.0, workloads: list[str] | None = None,
                  log: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Generate the workloads (in `out`, kept; or a temporary folder), measure, return the rows.

    With `out`, the results are also written to out/bench-results.json.
    """
    selected = list(WORKLOADS) if not workloads else list(workloads)
    unknown = [w for w in selected if w not in WORKLOADS]
    if unknown:
        raise ValueError(f"unknown workload(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(WORKLOADS)}")
    say = log or (lambda message: None)
    sizes = Sizes.at(scale)
    temporary = None
    if out is None:
        temporary = tempfile.TemporaryDirectory(prefix="lofte-bench-")
        work = Path(temporary.name)
    else:
        work = Path(out)
        work.mkdir(parents=True, exist_ok=True)
    try:
        from .promise import bundled_promise_path, load_promise

        promise_file = bundled_promise_path()
        promise = load_promise(promise_file)
        rows: list[dict[str, Any]] = []
        started = time.perf_counter()
        if "ingest" in selected or "check" in selected:
            say(f"writing the {sizes.ingest_rows:,}-row workbook")
            big = ingest_workbook(work / "workloads", promise, sizes.ingest_rows)
            if "ingest" in selected:
                rows += bench_ingest(big, promise, say)
            if "check" in selected:
                tiny = ingest_workbook(work / "workloads", promise, 10)
                rows += bench_check(big, promise_file, tiny, say)
        if any(w in selected for w in ("tertial", "cache")):
            inbox = work / "workloads" / f"tertial-{sizes.tertial_rows}-v{GENERATOR_VERSION}"
            say(f"writing the standard tertial: 2 sources × {sizes.tertial_files} files × "
                f"{sizes.tertial_rows:,} rows")
            write_inbox(inbox, promise, sizes.tertial_files, sizes.tertial_rows, f"{SEED}-tertial",
                        dt.date(promise.year, 8, 31))
            _warm_up()
            if "tertial" in selected:
                rows += bench_tertial(inbox, work, promise_file, promise, say)
            if "cache" in selected:
                rows += bench_cache(inbox, work, promise_file, say)
        if "promises" in selected:
            say(f"writing {sizes.promises} promises with small inboxes")
            folder = work / "workloads" / (f"promises-{sizes.promises}-{sizes.promise_rows}"
                                           f"-v{GENERATOR_VERSION}")
            pairs = write_promises(folder, promise_file, sizes.promises, sizes.promise_files,
                                   sizes.promise_rows)
            rows += bench_promises(pairs, work, say)
        say(f"done in {time.perf_counter() - started:.0f} s")
        if out is not None:
            (work / "bench-results.json").write_text(json.dumps({
                "date": dt.datetime.now().isoformat(timespec="seconds"), "scale": scale,
                "workloads": selected, "machine": machine_info(), "rows": rows,
            }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return rows
    finally:
        if temporary is not None:
            temporary.cleanup()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=1.0,
                        help="storleksfaktor för alla arbetslaster (0.01 = några sekunder)")
    parser.add_argument("--only", action="append", choices=WORKLOADS, metavar="NAME",
                        help=f"kör bara denna arbetslast (kan upprepas): {', '.join(WORKLOADS)}")
    parser.add_argument("--out", help="mapp för arbetslaster och bench-results.json (sparas)")
    parser.add_argument("--markdown", action="store_true", help="skriv tabellen som Markdown")


def run_from_args(args: argparse.Namespace) -> int:
    def log(message: str) -> None:
        print(f"· {message}", file=sys.stderr, flush=True)

    rows = run_benchmark(Path(args.out) if args.out else None, scale=args.scale,
                         workloads=args.only, log=log)
    info = machine_info()
    print(f"lofte bench, scale {args.scale:g}, {dt.date.today().isoformat()}, "
          f"{info['cpus']} CPU, Python {info['python']}, commit {info['commit'] or '?'}")
    print(format_markdown(rows) if args.markdown else format_table(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lofte bench", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
