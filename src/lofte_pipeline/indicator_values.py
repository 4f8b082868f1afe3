"""Outcome indicators: values the coordinator drops in the inbox folder `indikatorer/` (a sheet
`Indikatorer` of a workbook, or a CSV), shown beside the activities of their löfte.

They come from a survey or the reported-crime statistics, never from the activity logs, so
nothing here counts an activity: a value is read as given, with its source and date. A bad row is
rejected with its place and a Swedish reason like any log row, and a file that cannot be read is
rejected as a whole; the other files are read all the same.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import UnreadableFileError
from .ingest import RawSheet, ReadLimits, read_sheets
from .layout import find_header
from .messages import message
from .period import Period
from .promise import Indicator, Promise
from .rows import REJECTED_SCHEMA, empty_frame
from .text import closest, fold, fold_compact

INDICATOR_FOLDER = "indikatorer"
INDICATOR_SHEET = "Indikatorer"
INDICATOR_COLUMNS = ("Indikator", "Period", "Värde", "Källa", "Datum", "Status")
INDICATOR_REQUIRED = ("Indikator", "Period", "Värde")
INDICATOR_HEADERS = {
    fold_compact(name): canonical
    for canonical, names in {
        "Indikator": ("Indikator", "Mått", "Utfallsmått"),
        "Period": ("Period", "År", "Tertial"),
        "Värde": ("Värde", "Utfall", "Andel", "Antal"),
        "Källa": ("Källa", "Underlag"),
        "Datum": ("Datum", "Läst", "Hämtad", "Publicerad"),
        "Status": ("Status", "Preliminär/slutlig"),
    }.items()
    for name in names
}
STATUSES = {"preliminar": "preliminary", "prel": "preliminary", "slutlig": "final", "": "final"}
VALUE_COLUMNS = ["indicator", "period", "value", "status", "source", "read_on", "file", "row"]
_PERIOD = re.compile(r"^\s*(\d{4})(?:\s*[-/ ]?\s*(?:t|tertial)\s*([123]))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class IndicatorFile:
    """One file's values (VALUE_COLUMNS) and its rejected rows (REJECTED_SCHEMA)."""

    values: pd.DataFrame
    rejected: pd.DataFrame


def is_indicator_file(name: str, promise: Promise) -> bool:
    """A file of the inbox's indikatorer/ folder, for a promise that names indicators."""
    return bool(promise.indicators) and name.split("/", 1)[0] == INDICATOR_FOLDER


def read_indicator_file(
    path: Path, name: str, promise: Promise, limits: ReadLimits = ReadLimits()
) -> IndicatorFile:
    """The file's values, or UnreadableFileError with the reason a person can act on."""
    try:
        sheets = read_sheets(path, limits, display_name=name)
    except UnreadableFileError:
        raise
    except Exception as exc:  # a corrupt file: openpyxl raises what it raises
        reason = message("indikatorvarde.kan_inte_lasas", kind=type(exc).__name__)
        raise UnreadableFileError(reason) from None
    chosen = [s for s in sheets if s.name == "" or fold(s.name) == fold(INDICATOR_SHEET)]
    for sheet in chosen or sheets:
        header = find_header(sheet.head(10), INDICATOR_HEADERS, INDICATOR_REQUIRED)
        if header is not None:
            return _rows(sheet, header.row_index, header.columns, name, promise)
    raise UnreadableFileError(
        message("indikatorvarde.ingen_rubrikrad", columns=", ".join(INDICATOR_REQUIRED))
    )


def _rows(
    sheet: RawSheet, header_row: int, columns: dict[str, int], name: str, promise: Promise
) -> IndicatorFile:
    frame = sheet.below(0, header_row, columns, INDICATOR_COLUMNS)
    known = {fold(i.id): i for i in promise.indicators} | {
        fold(i.name): i for i in promise.indicators
    }
    values, problems = [], []
    for record in frame.iter_rows(named=True):
        cells = {c: (record[c] or "").strip() for c in INDICATOR_COLUMNS}
        if not any(cells.values()):
            continue
        row, found = int(record["row"]), dict[str, Any]()
        reasons = {
            "Indikator": _indicator(cells["Indikator"], known, found),
            "Period": _period(cells["Period"], found),
            "Värde": _value(cells["Värde"], found),
            "Datum": _date(cells["Datum"], found),
            "Status": _status(cells["Status"], found),
        }
        bad = {column: reason for column, reason in reasons.items() if reason}
        for column, reason in bad.items():
            problems.append(
                {
                    "source": INDICATOR_FOLDER,
                    "file": name,
                    "sheet": sheet.name,
                    "row": row,
                    "column": column,
                    "value": cells[column],
                    "reason": reason,
                }
            )
        if not bad:
            indicator: Indicator = found["indicator"]
            values.append(
                {
                    "indicator": indicator.id,
                    "period": found["period"],
                    "value": found["value"],
                    "status": found["status"],
                    "source": cells["Källa"] or indicator.source,
                    "read_on": found["date"],
                    "file": name,
                    "row": row,
                }
            )
    rejected = pd.DataFrame(problems) if problems else empty_frame(REJECTED_SCHEMA)
    return IndicatorFile(pd.DataFrame(values, columns=VALUE_COLUMNS), rejected)


def _indicator(text: str, known: dict[str, Indicator], found: dict[str, Any]) -> str:
    if fold(text) in known:
        found["indicator"] = known[fold(text)]
        return ""
    names = {fold(i.name): i.name for i in known.values()}
    close = closest(fold(text), tuple(names))
    return message(
        "indikatorvarde.okand",
        valid=", ".join(dict.fromkeys(i.id for i in known.values())),
        suggestion=message("kontroll.menade_du", choice=names[close]) if close else "",
    )


def _period(text: str, found: dict[str, Any]) -> str:
    match = _PERIOD.match(text.removesuffix(".0"))
    if not match:
        return message("indikatorvarde.period")
    found["period"] = f"{match[1]}-T{match[2]}" if match[2] else match[1]
    return ""


def _value(text: str, found: dict[str, Any]) -> str:
    cleaned = text.replace("\u00a0", "").replace(" ", "").removesuffix("%").replace(",", ".")
    try:
        found["value"] = float(cleaned)
    except ValueError:
        return message("indikatorvarde.varde")
    return ""


def _date(text: str, found: dict[str, Any]) -> str:
    found["date"] = ""
    if not text:
        return ""
    try:
        found["date"] = dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return message("indikatorvarde.datum")
    return ""


def _status(text: str, found: dict[str, Any]) -> str:
    key = fold(text).removesuffix(".")
    if key not in STATUSES:
        return message("indikatorvarde.status")
    found["status"] = STATUSES[key]
    return ""


def _reported_by(period_id: str, period: Period) -> bool:
    """A value of a year or a tertial up to the report's period (a later one is not shown)."""
    year = int(period_id[:4])
    if len(period_id) == 4:
        return year <= period.year
    return Period(year, int(period_id[-1])) <= period


def _earlier(period_id: str) -> str:
    """The same kind of period one year earlier: '2019' -> '2018', '2019-T2' -> '2018-T2'."""
    return f"{int(period_id[:4]) - 1}{period_id[4:]}"


def indicator_figures(
    promise: Promise, values: pd.DataFrame, period: Period
) -> list[dict[str, Any]]:
    """Each indicator of the promise with its values up to `period`, one per indicator period:
    a final value over a preliminary one, then the latest read. figures.json's `indicators`."""
    found = []
    for indicator in promise.indicators:
        mine = values[values["indicator"] == indicator.id] if not values.empty else values
        per_period: dict[str, dict[str, Any]] = {}
        rank = mine.assign(final=mine["status"] == "final").sort_values(
            ["period", "final", "read_on", "file", "row"], kind="stable"
        )
        for row in rank.itertuples():
            if _reported_by(str(row.period), period):
                per_period[str(row.period)] = {
                    "period": str(row.period),
                    "value": float(row.value),
                    "status": str(row.status),
                    "source": str(row.source),
                    "read_on": str(row.read_on) or None,
                }
        shown = [per_period[p] for p in sorted(per_period)]
        latest = shown[-1] if shown else None
        found.append(
            {
                "id": indicator.id,
                "name": indicator.name,
                "unit": indicator.unit,
                "source": indicator.source,
                "statement": indicator.promise_statement,
                "direction": indicator.direction,
                "level": indicator.level,
                "quote": indicator.quote,
                "values": shown,
                "latest": latest,
                "previous_year": (
                    per_period.get(_earlier(latest["period"])) if latest is not None else None
                ),
            }
        )
    return found


def no_values() -> pd.DataFrame:
    return pd.DataFrame(columns=VALUE_COLUMNS)
