"""From raw sheets to accepted activity rows and rejected rows, each rejection with a Swedish reason.

Checks run on whole columns (polars expressions over the cells' text and kind, see cells.py).
What only Python can do exactly (free-text dates, folding names, suggestions) runs once per
distinct value: a log repeats a few activity names, five districts and a few hundred dates.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
import polars as pl

from . import cells
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
class SheetResult:
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    findings: pd.DataFrame


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


def _body_cells(sheet: RawSheet, index: int, start: int, height: int) -> tuple[pl.Series, pl.Series]:
    """Text and kind of one column below the header (blank where the sheet has no such column)."""
    if sheet.grid is not None:
        if index < sheet.grid.width:
            return cells.infer_kinds(sheet.grid.to_series(index).slice(start))
        return (pl.Series("text", [None] * height, dtype=pl.String),
                pl.Series("kind", [cells.TEXT] * height, dtype=pl.UInt8))
    return cells.python_cells([row[index] if index < len(row) else ""
                               for row in sheet.rows[start:]])


def validate_sheet(sheet: RawSheet, header: HeaderMatch, promise: Promise, source: str,
                   file: str) -> SheetResult:
    """Every check runs on whole columns; Python runs once per distinct value at most."""
    start = header.row_index + 1
    height = max(sheet.height - start, 0)
    frame = pl.DataFrame({"row": pl.int_range(start + 1, start + 1 + height, eager=True,
                                              dtype=pl.Int64)})
    for name in CANONICAL_COLUMNS:
        index = header.columns.get(name)
        if index is None:
            text = pl.Series([None] * height, dtype=pl.String)
            kind = pl.Series([cells.TEXT] * height, dtype=pl.UInt8)
        else:
            text, kind = _body_cells(sheet, index, start, height)
        frame = frame.with_columns(text.alias(f"{name}:t"), kind.alias(f"{name}:k"))
    frame = frame.with_columns(
        cells.is_blank(frame[f"{name}:t"], frame[f"{name}:k"]).alias(f"{name}:blank")
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
        from_text = cells.map_distinct(col("Datum", "t"), typed_text, parse_date, pl.Date)
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
        problems.append(pl.DataFrame({"row": frame["row"].filter(mask), "column": column,
                                      "value": value, "reason": reasons}))

    bad_rows = (blank["Datum"] | blank["Aktivitet"] | blank["Kommundel"] | unreadable | outside
                | unknown_activity | unknown_district | bad_count)
    good = ~bad_rows
    activity_index = activity_of.filter(good).to_list()
    labels = [promise.activities[i].label for i in activity_index]
    targets = [promise.activities[i].target for i in activity_index]
    place, place_kinds = _redact_series(shown("Plats", good))
    comment, comment_kinds = _redact_series(shown("Kommentar", good))
    accepted = pd.DataFrame({
        "source": source,
        "file": file,
        "sheet": sheet.name,
        "row": pd.Series(frame["row"].filter(good).to_numpy(), dtype="int64"),
        "date": pd.Series(dates.filter(good).to_list(), dtype=object),
        "activity": pd.Series(labels, dtype=object if not labels else None),
        "target": pd.Series(targets, dtype=object if not targets else None),
        "district": pd.Series(district_of.filter(good).to_list(), dtype=object),
        "place": place,
        "count": pd.array(counts.filter(good).to_list(), dtype="Int64"),
        "comment": comment,
    }, columns=ACCEPTED_COLUMNS)
    redacted = [(accepted, place_kinds, "Plats"), (accepted, comment_kinds, "Kommentar")]
    if problems:
        found = pl.concat(problems).sort("row", maintain_order=True)
        value, value_kinds = _redact_series(found["value"])
        rejected = pd.DataFrame({
            "source": source, "file": file, "sheet": sheet.name,
            "row": pd.Series(found["row"].to_numpy(), dtype="int64"),
            "column": pd.Series(found["column"].to_list()),
            "value": value,
            "reason": pd.Series(found["reason"].to_list()),
        }, columns=REJECTED_COLUMNS)
        redacted.append((rejected, value_kinds, None))
    else:
        rejected = pd.DataFrame(columns=REJECTED_COLUMNS)
    findings: list[pd.DataFrame] = []
    for frame_, kinds, label in redacted:
        hit = kinds != ""
        if hit.any():
            findings.append(pd.DataFrame({
                "file": file, "sheet": sheet.name, "row": frame_.loc[hit, "row"].astype(int),
                "column": label or frame_.loc[hit, "column"], "kind": kinds[hit]}))
    result = (pd.concat(findings, ignore_index=True) if findings
              else pd.DataFrame(columns=FINDING_COLUMNS))
    return SheetResult(accepted, rejected, result)


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


def validate_sheets(sheets: list[RawSheet], promise: Promise, source: str,
                    file: str) -> FileValidation:
    """Every sheet whose header is found is read; a file with none is unusable."""
    from .errors import UnreadableFileError

    lookup = column_lookup(promise, source)
    accepted, rejected, found, read, skipped = [], [], [], [], []
    missing_by_sheet = {}
    for sheet in sheets:
        top = sheet.head(HEADER_SEARCH_ROWS)
        header = find_header(top, lookup)
        if header is None:
            skipped.append(sheet.name)
            missing_by_sheet[sheet.name] = missing_header_columns(top, lookup)
            continue
        result = validate_sheet(sheet, header, promise, source, file)
        accepted.append(result.accepted)
        rejected.append(result.rejected)
        found.append(result.findings)
        read.append(sheet.name)
    if not read:
        if not sheets or not any(sheet.has_filled_cell() for sheet in sheets):
            raise UnreadableFileError(message("inlasning.inga_ifyllda_celler"))
        missing = sorted({c for cols in missing_by_sheet.values() for c in cols},
                         key=REQUIRED_COLUMNS.index)
        raise UnreadableFileError(message(
            "inlasning.ingen_rubrikrad", rows=HEADER_SEARCH_ROWS,
            where=message("inlasning.i_nagot_blad") if len(sheets) > 1 else "",
            missing=", ".join(missing), required=", ".join(REQUIRED_COLUMNS)))
    return FileValidation(
        accepted=pd.concat(accepted, ignore_index=True) if accepted else empty_accepted(),
        rejected=pd.concat(rejected, ignore_index=True) if rejected else empty_rejected(),
        sheets_read=read, sheets_skipped=skipped,
        findings=(pd.concat(found, ignore_index=True) if any(not f.empty for f in found)
                  else pd.DataFrame(columns=FINDING_COLUMNS)),
    )


def empty_accepted() -> pd.DataFrame:
    return pd.DataFrame(columns=ACCEPTED_COLUMNS)


def empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(columns=REJECTED_COLUMNS)
