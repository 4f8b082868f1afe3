"""From raw sheets to accepted activity rows and rejected rows, each rejection with a Swedish reason.

Values in a log repeat (a few activity names, five districts, a few hundred dates), so every
normalisation runs once per distinct value and is mapped back over the column.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from .ingest import RawSheet
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


def _as_text(value: object) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


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
    close = difflib.get_close_matches(fold(value), list(choices), n=1, cutoff=0.6)
    return f" Menade du '{choices[close[0]]}'?" if close else ""


def validate_sheet(sheet: RawSheet, header: HeaderMatch, promise: Promise, source: str,
                   file: str) -> SheetResult:
    body = sheet.rows[header.row_index + 1:]
    first_row_number = header.row_index + 2
    width = max((len(r) for r in body), default=0)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], dtype=object)
    columns = {name: (frame[i] if i < width else pd.Series([""] * len(frame), dtype=object))
               for name, i in header.columns.items()}
    for name in CANONICAL_COLUMNS:
        columns.setdefault(name, pd.Series([""] * len(frame), dtype=object))
    raw = pd.DataFrame(columns)
    raw["row"] = range(first_row_number, first_row_number + len(raw))

    blank = raw[list(CANONICAL_COLUMNS)].map(_is_blank)
    raw = raw[~(blank["Datum"] & blank["Aktivitet"])]  # blank lines, 'Summa' lines
    blank = blank.loc[raw.index]

    problems: list[dict[str, object]] = []

    def reject(mask: pd.Series, column: str, reason_for: object) -> None:
        for idx in raw.index[mask]:
            value = raw.at[idx, column]
            reason = reason_for(value) if callable(reason_for) else reason_for
            problems.append({"source": source, "file": file, "sheet": sheet.name,
                             "row": int(raw.at[idx, "row"]), "column": column,
                             "value": _as_text(value), "reason": reason})

    for column in REQUIRED_COLUMNS:
        reject(blank[column], column, f"{column} saknas; kolumnen måste fyllas i.")

    dates = _map_unique(raw["Datum"], parse_date)
    unreadable = ~blank["Datum"] & dates.isna()
    reject(unreadable, "Datum", "Datumet kan inte tolkas; skriv det som 2019-03-14.")
    years = dates.map(lambda d: d.year if d is not None else None)
    outside = dates.notna() & (years != promise.year)
    reject(outside, "Datum", f"Datumet ligger utanför löftesåret {promise.year}.")

    activity_keys = {k: a.label for a in promise.activities for k in a.keys}
    activities = _map_unique(raw["Aktivitet"], lambda v: promise.activity_by_key.get(fold(v)))
    valid_activities = ", ".join(a.label for a in promise.activities)
    unknown_activity = ~blank["Aktivitet"] & activities.isna()
    reject(unknown_activity, "Aktivitet",
           lambda v: f"Okänd aktivitet. Giltiga: {valid_activities}.{_suggest(str(v), activity_keys)}")

    districts = _map_unique(raw["Kommundel"], lambda v: promise.district_by_key.get(fold(v)))
    valid_districts = ", ".join(d.name for d in promise.districts)
    unknown_district = ~blank["Kommundel"] & districts.isna()
    reject(unknown_district, "Kommundel",
           lambda v: f"Okänd kommundel. Giltiga: {valid_districts}."
                     f"{_suggest(str(v), promise.district_by_key)}")

    counts = _map_unique(raw["Antal"], _parse_count)
    bad_count = counts.map(lambda c: c == "invalid")
    reject(bad_count, "Antal", "Antal ska vara ett heltal (0 eller mer).")

    bad_rows = (blank["Datum"] | blank["Aktivitet"] | blank["Kommundel"] | unreadable | outside
                | unknown_activity | unknown_district | bad_count)
    good = raw[~bad_rows]
    accepted = pd.DataFrame({
        "source": source,
        "file": file,
        "sheet": sheet.name,
        "row": good["row"].astype(int),
        "date": dates[~bad_rows],
        "activity": activities[~bad_rows].map(lambda a: a.label),
        "target": activities[~bad_rows].map(lambda a: a.target),
        "district": districts[~bad_rows],
        "place": good["Plats"].map(_as_text),
        "count": counts[~bad_rows].map(lambda c: pd.NA if c is None else c).astype("Int64"),
        "comment": good["Kommentar"].map(_as_text),
    }, columns=ACCEPTED_COLUMNS)
    rejected = pd.DataFrame(problems, columns=REJECTED_COLUMNS)
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
    findings: list[pd.DataFrame] = []
    for frame_, column, label in ((accepted, "place", "Plats"), (accepted, "comment", "Kommentar"),
                                  (rejected, "value", None)):
        cleaned, kinds = _redact_series(frame_[column])
        frame_[column] = cleaned
        hit = kinds.map(bool)
        if hit.any():
            findings.append(pd.DataFrame({
                "file": file, "sheet": sheet.name, "row": frame_.loc[hit, "row"].astype(int),
                "column": label or frame_.loc[hit, "column"], "kind": kinds[hit]}))
    found = (pd.concat(findings, ignore_index=True) if findings
             else pd.DataFrame(columns=FINDING_COLUMNS))
    return SheetResult(accepted.reset_index(drop=True), rejected, found)


_MAYBE_PERSONAL = r"@|\d(?:[\s+-]?\d){6}"


def _redact_series(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Personal data removed, and per value the kinds found ('' when none).

    A vectorised pre-filter (an '@' or seven digits) picks the few values worth a full look.
    """
    values = values.astype(object)
    kinds = pd.Series("", index=values.index, dtype=object)
    text = values.where(values.map(type) == str)
    candidates = text.astype("string").str.contains(_MAYBE_PERSONAL, regex=True, na=False)
    if not candidates.any():
        return values, kinds
    results = _map_unique(values[candidates], redact)
    values = values.copy()
    values[candidates] = results.map(lambda r: r[0])
    kinds[candidates] = results.map(lambda r: ", ".join(sorted({KIND_NAMES[k] for k in r[1]})))
    return values, kinds


def _map_unique(values: pd.Series, convert: object) -> pd.Series:
    """Apply convert once per distinct value (keyed on type too: 1 and '1' differ)."""
    cache: dict[tuple[type, object], object] = {}
    out = []
    for value in values:
        key = (type(value), value)
        try:
            result = cache[key]
        except KeyError:
            result = cache[key] = convert(value)  # type: ignore[operator]
        except TypeError:  # unhashable cell value
            result = convert(value)  # type: ignore[operator]
        out.append(result)
    return pd.Series(out, index=values.index, dtype=object)


def validate_sheets(sheets: list[RawSheet], promise: Promise, source: str,
                    file: str) -> FileValidation:
    """Every sheet whose header is found is read; a file with none is unusable."""
    from .errors import UnreadableFileError

    lookup = column_lookup(promise, source)
    accepted, rejected, found, read, skipped = [], [], [], [], []
    missing_by_sheet = {}
    for sheet in sheets:
        header = find_header(sheet.rows, lookup)
        if header is None:
            skipped.append(sheet.name)
            missing_by_sheet[sheet.name] = missing_header_columns(sheet.rows, lookup)
            continue
        result = validate_sheet(sheet, header, promise, source, file)
        accepted.append(result.accepted)
        rejected.append(result.rejected)
        found.append(result.findings)
        read.append(sheet.name)
    if not read:
        if not sheets or all(not any(not _is_blank(c) for r in s.rows for c in r) for s in sheets):
            raise UnreadableFileError("Filen innehåller inga ifyllda celler.")
        missing = sorted({c for cols in missing_by_sheet.values() for c in cols},
                         key=REQUIRED_COLUMNS.index)
        raise UnreadableFileError(
            f"Ingen rubrikrad hittades bland de {HEADER_SEARCH_ROWS} första raderna"
            f"{' i något blad' if len(sheets) > 1 else ''}: kolumnerna {', '.join(missing)} saknas. "
            f"Rubrikerna ska vara {', '.join(REQUIRED_COLUMNS)} (och gärna Plats, Antal, Kommentar)."
        )
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
