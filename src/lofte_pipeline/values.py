"""What the text of a cell means, on whole columns: dates in every form staff write, counts.

polars does the plain forms; what only Python reads exactly (month names, odd spacing, other
scripts' digits) is done once per distinct value, since a log repeats the same few hundred.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from .text import fold

MONTHS_SV = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "mars": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "maj": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "augusti": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_TIME = r"(?:[ t]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$")
_DAY_FIRST = re.compile(rf"^(\d{{1,2}})[/.](\d{{1,2}})[/. ]\s*(\d{{4}}){_TIME}$")
_DAY_MONTH_NAME = re.compile(rf"^(\d{{1,2}})\.?\s+([a-z]+)\.?\s+(\d{{4}}){_TIME}$")
_SERIAL = re.compile(r"^\d{5}(?:[.,]\d+)?$")
EXCEL_EPOCH = date(1899, 12, 30)


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


def parse_count(text: str) -> int | None:
    """A whole number of at least 0 from text of digits other than ASCII ('١٢'); None if not."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    try:
        number = int(cleaned) if cleaned.isdigit() else None
    except ValueError:  # digits int() does not take, such as '²'
        return None
    return number if number is not None and number < 2**63 else None


# Exactly the characters Python's str.strip() removes (none lies above U+3000).
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_PLAIN_TIME = r"(?:[ T][0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:\.[0-9]+)?)?)?"
# Dates in plain ASCII, read on columns exactly as parse_date reads them; every other text goes
# to parse_date once per distinct value. (pattern, group of the year, of the month, of the day)
_PLAIN_DATES = (
    (rf"^([0-9]{{4}})-([0-9]{{1,2}})-([0-9]{{1,2}}){_PLAIN_TIME}$", 1, 2, 3),
    (rf"^([0-9]{{1,2}})[/.]([0-9]{{1,2}})[/. ]([0-9]{{4}}){_PLAIN_TIME}$", 3, 2, 1),
)


def per_value(
    text: pl.Series,
    where: pl.Series,
    convert: Callable[[str], Any],
    dtype: pl.DataType | type[pl.DataType],
) -> pl.Series:
    """convert() once per distinct text where `where` holds; null elsewhere. For what only
    Python does exactly (folding names, free-text dates): logs repeat the same few values."""
    distinct = text.filter(where).unique().drop_nulls().to_list()
    values = pl.Series("v", [convert(key) for key in distinct], dtype=dtype)
    mapped = text.replace_strict(
        pl.Series("k", distinct, dtype=pl.String), values, default=None, return_dtype=dtype
    )
    return pl.select(pl.when(where).then(mapped)).to_series().alias(text.name)


def dates_of(text: pl.Series, where: pl.Series) -> pl.Series:
    """parse_date of every text where `where` holds: the plain forms on columns."""
    t = pl.col("t")
    plain = []
    for pattern, year, month, day in _PLAIN_DATES:
        y, m, d = (t.str.extract(pattern, group) for group in (year, month, day))
        iso = pl.concat_str([y, pl.lit("-"), m.str.zfill(2), pl.lit("-"), d.str.zfill(2)])
        plain.append(
            (
                t.str.contains(pattern),
                pl.when(y != "0000").then(iso.str.to_date("%Y-%m-%d", strict=False)),
            )
        )
    frame = pl.DataFrame({"t": text, "where": where}).select(
        is_plain=pl.any_horizontal([matched for matched, _ in plain]).fill_null(False),
        date=pl.coalesce([found for _, found in plain]),
    )
    rest = where & ~frame["is_plain"]
    return pl.select(
        pl.when(where & frame["is_plain"])
        .then(frame["date"])
        .otherwise(per_value(text, rest, parse_date, pl.Date))
    ).to_series()


def counts_of(text: pl.Series, where: pl.Series) -> pl.Series:
    """Whole numbers of at least 0 where `where` holds; null where the text is not one."""
    cleaned = text.str.strip_chars(WHITESPACE).str.replace_all("[\u00a0 ]", "")
    ascii_digits = cleaned.str.contains(r"^[0-9]+$").fill_null(False)
    other = where & ~ascii_digits & cleaned.str.contains(r"[^\x00-\x7f]").fill_null(False)
    return pl.select(
        pl.when(where & ascii_digits)
        .then(cleaned.cast(pl.Int64, strict=False))
        .when(other)
        .then(per_value(text, other, parse_count, pl.Int64))
    ).to_series()
