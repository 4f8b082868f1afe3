"""From raw sheets to accepted activity rows and rejected rows, each rejection with a Swedish reason.

Checks run on whole columns (polars expressions over the cells' text and kind, see cells.py).
What only Python can do exactly (free-text dates, folding names, suggestions) runs once per
distinct value: a log repeats a few activity names, five districts and a few hundred dates.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl

from . import cells
from .errors import UnreadableFileError
from .ingest import RawSheet
from .messages import message
from .promise import CANONICAL_COLUMNS, REQUIRED_COLUMNS, Promise
from .redact import KIND_NAMES, redact
from .text import fold, fold_compact

HEADER_SEARCH_ROWS = 10
BASE_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Datum": ("Date", "Dag", "Genomfört", "Datum för aktivitet"),
    "Aktivitet": ("Aktivitetstyp", "Typ", "Insats", "Typ av aktivitet"),
    "Kommundel": ("Område", "Ort", "Kommundel/ort"),
    "Plats": ("Adress", "Lokal", "Plats/adress", "Områdesnamn"),
    "Antal": ("Antal deltagare", "Antal kontrollerade"),
    "Kommentar": ("Anteckning", "Notering", "Beskrivning"),
}
ACCEPTED_COLUMNS = ["source", "file", "sheet", "row", "date", "activity", "target", "district",
                    "place", "count", "comment"]
REJECTED_COLUMNS = ["source", "file", "sheet", "row", "column", "value", "reason"]

MONTHS_SV = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_TIME = r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$")
_DAY_FIRST = re.compile(rf"^(\d{{1,2}})[/.](\d{{1,2}})[/. ]\s*(\d{{4}}){_TIME}$")
_DAY_MONTH_NAME = re.compile(rf"^(\d{{1,2}})\.?\s+([a-z]+)\.?\s+(\d{{4}}){_TIME}$")
_SERIAL = re.compile(r"^\d{5}(?:[.,]\d+)?$")
EXCEL_EPOCH = date(1899, 12, 30)


FINDING_COLUMNS = ["file", "sheet", "row", "column", "kind"]


@dataclass
class HeaderMatch:
    row_index: int
    columns: dict[str, int]  # canonical name -> column index


@dataclass
class FileValidation:
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    sheets_read: list[str] = field(default_factory=list)
    sheets_skipped: list[str] = field(default_factory=list)
    findings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FINDING_COLUMNS))
    """Where personal data was found (and removed): file, sheet, row, column, kind."""


def column_lookup(promise: Promise, source_id: str) -> dict[str, str]:
    """Compact-folded header text -> canonical column, for one source."""
    lookup: dict[str, str] = {}
    extra = promise.source(source_id).column_synonyms
    for canonical in CANONICAL_COLUMNS:
        for name in (canonical, *BASE_COLUMN_SYNONYMS[canonical], *extra.get(canonical, ())):
            lookup.setdefault(fold_compact(name), canonical)
    return lookup


def find_header(rows: list[list[object]], lookup: dict[str, str]) -> HeaderMatch | None:
    """The first of the top rows that names every required column."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            canonical = lookup.get(fold_compact(cell)) if isinstance(cell, str) else None
            if canonical and canonical not in columns:
                columns[canonical] = position
        if all(name in columns for name in REQUIRED_COLUMNS):
            return HeaderMatch(index, columns)
    return None


def missing_header_columns(rows: list[list[object]], lookup: dict[str, str]) -> list[str]:
    """Required columns absent from the best candidate header row (for the rejection reason)."""
    best: set[str] = set()
    for row in rows[:HEADER_SEARCH_ROWS]:
        found = {lookup[k] for k in (fold_compact(c) for c in row if isinstance(c, str)) if k in lookup}
        if len(found & set(REQUIRED_COLUMNS)) > len(best & set(REQUIRED_COLUMNS)):
            best = found
    return [c for c in REQUIRED_COLUMNS if c not in best]


def parse_date(value: object) -> date | None:
    """A date from any form staff type or Excel stores; None when it cannot be understood."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_serial(float(value))
    if not isinstance(value, str):
        return None
    text = fold(value)
    try:
        if match := _ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DAY_FIRST.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := _DAY_MONTH_NAME.match(text):
            month = MONTHS_SV.get(match[2])
            return date(int(match[3]), month, int(match[1])) if month else None
    except ValueError:
        return None
    if _SERIAL.match(text):
        return _from_serial(float(text.replace(",", ".")))
    return None


def _from_serial(serial: float) -> date | None:
    if not 1 <= serial < 2958466:
        return None
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value
    )


def _parse_count(value: object) -> int | None | str:
    """A whole number, None when blank, or 'invalid'."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return "invalid"
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() and value >= 0 else "invalid"
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    return int(text) if text.isdigit() else "invalid"


def _suggest(value: str, choices: dict[str, str]) -> str:
    close = _closest(fold(value), tuple(choices))
    return message("kontroll.menade_du", choice=choices[close]) if close else ""


@functools.lru_cache(maxsize=4096)
def _closest(word: str, possibilities: tuple[str, ...], cutoff: float = 0.6) -> str | None:
    """difflib.get_close_matches(word, possibilities, n=1, cutoff)[0], computed faster.

    The same SequenceMatcher scores, but candidates are tried best upper bound (quick_ratio)
    first, and the search stops once no remaining one can reach the best score found.
    """
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    bounds = []
    for candidate in possibilities:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            bounds.append((matcher.quick_ratio(), candidate))
    best: tuple[float, str] | None = None
    for bound, candidate in sorted(bounds, reverse=True):
        if best is not None and bound < best[0]:
            break
        matcher.set_seq1(candidate)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, candidate) > best):
            best = (score, candidate)
    return best[1] if best else None


@dataclass
class SheetBody:
    """The rows below one sheet's header: one part of a batch."""
    sheet: RawSheet
    header: HeaderMatch
    item: int  # which file of the batch
    source: str
    file: str

    @property
    def start(self) -> int:
        return self.header.row_index + 1

    @property
    def height(self) -> int:
        return max(self.sheet.height - self.start, 0)


def _grid_columns(bodies: list[SheetBody]) -> dict[str, pl.Series]:
    """The canonical columns of fastexcel sheets, one after another; kinds inferred once each."""
    def texts_of(name: str) -> pl.Series:
        texts = []
        for body in bodies:
            index, grid = body.header.columns.get(name), body.sheet.grid
            if index is not None and index < grid.width:
                texts.append(grid.to_series(index).slice(body.start).cast(pl.String))
            else:
                texts.append(pl.repeat(None, body.height, dtype=pl.String, eager=True))
        return pl.concat(texts)

    # Column by column on every core: polars lets go of the GIL while it scans the text.
    with ThreadPoolExecutor(min(len(CANONICAL_COLUMNS), os.cpu_count() or 1)) as pool:
        inferred = list(pool.map(lambda name: cells.infer_kinds(texts_of(name)),
                                 CANONICAL_COLUMNS))
    columns: dict[str, pl.Series] = {}
    for name, (text, kind) in zip(CANONICAL_COLUMNS, inferred, strict=True):
        columns[f"{name}:t"], columns[f"{name}:k"] = text, kind
    return columns


def _python_columns(bodies: list[SheetBody]) -> dict[str, pl.Series]:
    """The canonical columns of sheets read as Python values (fallback readers, csv)."""
    columns: dict[str, pl.Series] = {}
    for name in CANONICAL_COLUMNS:
        values: list[object] = []
        for body in bodies:
            index = body.header.columns.get(name)
            rows = body.sheet.rows[body.start:]
            values += ([None] * len(rows) if index is None
                       else [row[index] if index < len(row) else "" for row in rows])
        columns[f"{name}:t"], columns[f"{name}:k"] = cells.python_cells(values)
    return columns


def _body_frame(bodies: list[SheetBody]) -> pl.DataFrame:
    """Every body as one frame: part (its index in `bodies`), row (as Excel shows it), cells."""
    frames = []
    for from_grid, columns_of in ((True, _grid_columns), (False, _python_columns)):
        chosen = [(i, b) for i, b in enumerate(bodies) if (b.sheet.grid is not None) == from_grid]
        if not chosen:
            continue
        frames.append(pl.DataFrame({
            "part": pl.concat([pl.repeat(i, b.height, dtype=pl.UInt32, eager=True)
                               for i, b in chosen]),
            "row": pl.concat([pl.int_range(b.start + 1, b.start + 1 + b.height, eager=True,
                                           dtype=pl.Int64) for _, b in chosen]),
            **columns_of([b for _, b in chosen]),
        }))
    return frames[0] if len(frames) == 1 else pl.concat(frames).sort("part", maintain_order=True)


@dataclass
class BatchResult:
    """A batch's rows; `*_items` says which file of the batch each row belongs to."""
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    findings: pd.DataFrame
    accepted_items: np.ndarray
    rejected_items: np.ndarray
    findings_items: np.ndarray


def validate_bodies(bodies: list[SheetBody], promise: Promise) -> BatchResult:
    """Every check on whole columns of all the bodies at once; Python once per distinct value.

    One frame per batch, not per sheet: an inbox of many small sheets would otherwise pay the
    fixed cost of every column operation once per sheet.
    """
    frame = _body_frame(bodies)
    frame = frame.with_columns(
        cells.blank_expr(pl.col(f"{name}:t"), pl.col(f"{name}:k")).alias(f"{name}:blank")
        for name in CANONICAL_COLUMNS)
    frame = frame.filter(~(pl.col("Datum:blank") & pl.col("Aktivitet:blank")))  # blank, 'Summa'

    def col(name: str, part: str) -> pl.Series:
        return frame[f"{name}:{part}"]

    def shown(name: str, where: pl.Series | None = None) -> pl.Series:
        """The shown text of a column, of the rows `where` holds (all rows when None)."""
        parts = [col(name, "t"), col(name, "k"), col(name, "blank")]
        if where is not None:
            parts = [part.filter(where) for part in parts]
        return cells.shown_text(*parts)

    blank = {name: col(name, "blank") for name in CANONICAL_COLUMNS}

    dates = cells.serial_dates(col("Datum", "t"), col("Datum", "k"))
    typed_text = (col("Datum", "k") == cells.TEXT) & ~blank["Datum"]
    if typed_text.any():
        from_text = cells.text_dates(col("Datum", "t"), typed_text, parse_date)
        dates = pl.select(pl.when(typed_text).then(from_text).otherwise(dates)).to_series()
    unreadable = ~blank["Datum"] & dates.is_null()
    outside = dates.is_not_null() & (dates.dt.year() != promise.year)

    activity_keys = {k: a.label for a in promise.activities for k in a.keys}
    activity_of = cells.map_distinct(
        col("Aktivitet", "t"), ~blank["Aktivitet"],
        lambda v: _activity_index(promise, v), pl.Int32)
    unknown_activity = ~blank["Aktivitet"] & activity_of.is_null()

    district_of = cells.map_distinct(col("Kommundel", "t"), ~blank["Kommundel"],
                                     lambda v: promise.district_by_key.get(fold(v)), pl.String)
    unknown_district = ~blank["Kommundel"] & district_of.is_null()

    counts, bad_count = cells.whole_counts(col("Antal", "t"), col("Antal", "k"), blank["Antal"],
                                           _parse_count)

    valid_activities = ", ".join(a.label for a in promise.activities)
    valid_districts = ", ".join(d.name for d in promise.districts)
    checks: list[tuple[pl.Series, str, object]] = [
        (blank[column], column, message("kontroll.saknas", column=column))
        for column in REQUIRED_COLUMNS]
    checks += [
        (unreadable, "Datum", message("kontroll.datum_otolkbart", year=promise.year)),
        (outside, "Datum", message("kontroll.datum_utanfor_aret", year=promise.year)),
        (unknown_activity, "Aktivitet",
         lambda v: message("kontroll.okand_aktivitet", valid=valid_activities,
                           suggestion=_suggest(v, activity_keys))),
        (unknown_district, "Kommundel",
         lambda v: message("kontroll.okand_kommundel", valid=valid_districts,
                           suggestion=_suggest(v, promise.district_by_key))),
        (bad_count, "Antal", message("kontroll.antal")),
    ]
    problems = []
    for mask, column, reason in checks:
        if not mask.any():
            continue
        value = shown(column, mask)
        if callable(reason):  # per distinct raw value (str(value) as the old per-cell rule)
            raw = col(column, "t").filter(mask)
            reasons = cells.map_distinct(raw, pl.Series([True] * len(raw)), reason, pl.String)
        else:
            reasons = pl.Series([reason] * len(value), dtype=pl.String)
        problems.append(pl.DataFrame({"part": frame["part"].filter(mask),
                                      "row": frame["row"].filter(mask), "column": column,
                                      "value": value, "reason": reasons}))

    bad_rows = (blank["Datum"] | blank["Aktivitet"] | blank["Kommundel"] | unreadable | outside
                | unknown_activity | unknown_district | bad_count)
    good = ~bad_rows
    activity_index = activity_of.filter(good).to_numpy()
    labels = np.array([a.label for a in promise.activities], dtype=object)[activity_index]
    targets = np.array([a.target for a in promise.activities], dtype=object)[activity_index]
    place, place_kinds = _redact_series(shown("Plats", good))
    comment, comment_kinds = _redact_series(shown("Kommentar", good))
    source, file, sheet, item = (np.array(values, dtype=dtype) for values, dtype in (
        ([b.source for b in bodies], object), ([b.file for b in bodies], object),
        ([b.sheet.name for b in bodies], object), ([b.item for b in bodies], np.int64)))
    parts = frame["part"].filter(good).to_numpy()
    accepted = pd.DataFrame({
        "source": source[parts],
        "file": file[parts],
        "sheet": sheet[parts],
        "row": pd.Series(frame["row"].filter(good).to_numpy(), dtype="int64"),
        "date": pd.Series(_objects(dates.filter(good)), dtype=object),
        "activity": pd.Series(labels, dtype=object if not len(labels) else None),
        "target": pd.Series(targets, dtype=object if not len(targets) else None),
        "district": pd.Series(_objects(district_of.filter(good)), dtype=object),
        "place": place,
        "count": _nullable_ints(counts.filter(good)),
        "comment": comment,
    }, columns=ACCEPTED_COLUMNS)
    redacted = [(parts, accepted["row"], place_kinds, "Plats"),
                (parts, accepted["row"], comment_kinds, "Kommentar")]
    if problems:
        found = pl.concat(problems).sort(["part", "row"], maintain_order=True)
        value, value_kinds = _redact_series(found["value"])
        rejected_parts = found["part"].to_numpy()
        rejected = pd.DataFrame({
            "source": source[rejected_parts], "file": file[rejected_parts],
            "sheet": sheet[rejected_parts],
            "row": pd.Series(found["row"].to_numpy(), dtype="int64"),
            "column": pd.Series(found["column"].to_list()),
            "value": value,
            "reason": pd.Series(found["reason"].to_list()),
        }, columns=REJECTED_COLUMNS)
        redacted.append((rejected_parts, rejected["row"], value_kinds, rejected["column"]))
    else:
        rejected_parts = np.zeros(0, dtype=np.int64)
        rejected = pd.DataFrame(columns=REJECTED_COLUMNS)
    # Per sheet: the accepted rows' Plats, then their Kommentar, then the rejected values.
    found_parts, found_frames = [], []
    for parts_, rows, kinds, column in redacted:
        hit = (kinds != "").to_numpy()
        if hit.any():
            found_parts.append(parts_[hit])
            found_frames.append(pd.DataFrame({
                "file": file[parts_[hit]], "sheet": sheet[parts_[hit]],
                "row": rows[hit].astype(int).to_numpy(),
                "column": column if isinstance(column, str) else column[hit].to_numpy(),
                "kind": kinds[hit].reset_index(drop=True)}))
    if found_frames:
        found_part = np.concatenate(found_parts)
        order = np.argsort(found_part, kind="stable")
        findings = pd.concat(found_frames, ignore_index=True).iloc[order].reset_index(drop=True)
        findings_items = item[found_part[order]]
    else:
        findings = pd.DataFrame(columns=FINDING_COLUMNS)
        findings_items = np.zeros(0, dtype=np.int64)
    return BatchResult(accepted, rejected, findings, item[parts], item[rejected_parts],
                       findings_items)


def _objects(values: pl.Series) -> np.ndarray:
    """The column's Python values (dates, names), each distinct one made once: there are few."""
    distinct = values.unique(maintain_order=True)
    codes = (values.to_frame("value")
             .join(distinct.to_frame("value").with_row_index("code"), on="value", how="left",
                   nulls_equal=True, maintain_order="left")["code"].to_numpy())
    table = np.empty(len(distinct), dtype=object)
    table[:] = distinct.to_list()
    return table[codes]


def _nullable_ints(values: pl.Series) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values.fill_null(0).to_numpy().astype(np.int64),
                                  values.is_null().to_numpy())


def _split(frame: pd.DataFrame, items: np.ndarray, n: int) -> list[pd.DataFrame]:
    """Rows of each file of a batch (they are consecutive: bodies are in file order).

    A file without rows gets a plain empty frame, whatever the rest of its batch held.
    """
    bounds = np.searchsorted(items, np.arange(n + 1), side="left")
    return [frame.iloc[bounds[i]:bounds[i + 1]].reset_index(drop=True)
            if bounds[i + 1] > bounds[i] else pd.DataFrame(columns=frame.columns)
            for i in range(n)]

def _activity_index(promise: Promise, value: str) -> int | None:
    activity = promise.activity_by_key.get(fold(value))
    return None if activity is None else promise.activities.index(activity)


_MAYBE_PERSONAL = r"@|\d(?:[\s+-]?\d){6}"


def _redact_series(text: pl.Series) -> tuple[pd.Series, pd.Series]:
    """Personal data removed, and per value the kinds found ('' when none).

    A vectorised pre-filter (an '@' or seven digits) picks the few values worth a full look;
    redact() then runs once per distinct candidate.
    """
    plain = pd.Series(text.to_list(), dtype=object)
    kinds = pd.Series([""] * len(plain), dtype=object)
    candidates = text.str.contains(_MAYBE_PERSONAL).fill_null(False)
    if not candidates.any():
        return plain, kinds
    positions = candidates.arg_true().to_numpy()
    results = {value: redact(value) for value in text.filter(candidates).unique().to_list()}
    picked = text.gather(positions).to_list()
    plain.iloc[positions] = [results[value][0] for value in picked]
    kinds.iloc[positions] = [", ".join(sorted({KIND_NAMES[k] for k in results[value][1]}))
                             for value in picked]
    return plain, kinds


def validate_files(files: Sequence[tuple[list[RawSheet], str, str]], promise: Promise,
                   ) -> list[FileValidation | UnreadableFileError]:
    """Validate several files (sheets, source, name) in one batch; per file its validation, or
    why it is unusable as a whole. Every sheet whose header is found is read."""
    bodies: list[SheetBody] = []
    outcomes: list[FileValidation | UnreadableFileError] = []
    lookups: dict[str, dict[str, str]] = {}
    for item, (sheets, source, file) in enumerate(files):
        lookup = lookups.setdefault(source, column_lookup(promise, source))
        read, skipped, missing_by_sheet = [], [], {}
        for sheet in sheets:
            top = sheet.head(HEADER_SEARCH_ROWS)
            header = find_header(top, lookup)
            if header is None:
                skipped.append(sheet.name)
                missing_by_sheet[sheet.name] = missing_header_columns(top, lookup)
                continue
            bodies.append(SheetBody(sheet, header, item, source, file))
            read.append(sheet.name)
        if read:
            outcomes.append(FileValidation(empty_accepted(), empty_rejected(), read, skipped))
        else:
            outcomes.append(_unusable(sheets, missing_by_sheet))
    if not bodies:
        return outcomes
    batch = validate_bodies(bodies, promise)
    parts = zip(_split(batch.accepted, batch.accepted_items, len(files)),
                _split(batch.rejected, batch.rejected_items, len(files)),
                _split(batch.findings, batch.findings_items, len(files)))
    for outcome, (accepted, rejected, findings) in zip(outcomes, parts):
        if isinstance(outcome, FileValidation):
            outcome.accepted, outcome.rejected = accepted, rejected
            if not findings.empty:
                outcome.findings = findings
    return outcomes


def _unusable(sheets: list[RawSheet], missing_by_sheet: dict[str, list[str]],
              ) -> UnreadableFileError:
    if not sheets or not any(sheet.has_filled_cell() for sheet in sheets):
        return UnreadableFileError(message("inlasning.inga_ifyllda_celler"))
    missing = sorted({c for cols in missing_by_sheet.values() for c in cols},
                     key=REQUIRED_COLUMNS.index)
    return UnreadableFileError(message(
        "inlasning.ingen_rubrikrad", rows=HEADER_SEARCH_ROWS,
        where=message("inlasning.i_nagot_blad") if len(sheets) > 1 else "",
        missing=", ".join(missing), required=", ".join(REQUIRED_COLUMNS)))


def validate_sheets(sheets: list[RawSheet], promise: Promise, source: str,
                    file: str) -> FileValidation:
    """One file; raises UnreadableFileError when no sheet has a header."""
    (outcome,) = validate_files([(sheets, source, file)], promise)
    if isinstance(outcome, UnreadableFileError):
        raise outcome
    return outcome


def empty_accepted() -> pd.DataFrame:
    return pd.DataFrame(columns=ACCEPTED_COLUMNS)


def empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(columns=REJECTED_COLUMNS)
