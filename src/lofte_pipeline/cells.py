"""Cells as columns: every cell is its text plus a kind, so validation runs on whole columns.

Two readers feed validation. fastexcel gives every cell of an xlsx sheet as text (a date cell as
'2019-03-14 10:00:00', a number as '12', a boolean as 'true'); the fallback readers (calamine for
.xls and .ods, openpyxl, csv) give Python values. Both become the same pair of columns: `text`
is what `str(value)` of the Python value is (None for an empty cell) and `kind` says which type the
cell had, so a date cell and a typed date string stay as different as they were.

For fastexcel text the kind is read from its form: a cell in exactly the form fastexcel writes a
date cell is a date cell, a number in exactly its number form is a number, 'true'/'false' a
boolean. Excel turns such typed entries into typed cells itself, so text cells of exactly those
forms are rare; where one occurs it is read as the typed cell it looks like (a text '2018-12-31
10:00:00' is shown as 2018-12-31T10:00:00, a text '1234' in Datum is read as a serial number).
fastexcel also rounds numbers to nine decimals, so 10.0000000001 counts as 10.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence

import polars as pl

TEXT, FLOAT, INT, DATETIME, DATE, TIME, DURATION, BOOL = range(8)

# Exactly the characters Python's str.strip() removes, so blanks and trimming match it.
PY_WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())

_FASTEXCEL_DATETIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?$"
# fastexcel writes a number with at most nine decimals, without leading or trailing zeros, so
# text such as '0701234567' (a phone number) or '1.50' is never taken for a number.
_FASTEXCEL_NUMBER = r"^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$"
_EXCEL_EPOCH_DAYS = -25569  # 1899-12-30 as days since 1970-01-01
_LAST_SERIAL = 2958466


def strip(text: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    return text.str.strip_chars(PY_WHITESPACE)


def infer_kinds(text: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Canonical text and kind for a column of fastexcel text cells (see the module docstring).

    Date cells follow python-calamine: before 1900 a time, at midnight a date, else a datetime.
    Only the cells that look typed are rewritten; plain text passes through untouched.
    """
    text = text.cast(pl.String).alias("t")
    is_datetime = text.str.contains(_FASTEXCEL_DATETIME).fill_null(False)
    is_number = text.str.contains(_FASTEXCEL_NUMBER).fill_null(False)
    is_bool = text.is_in(["true", "false"]).fill_null(False)
    kind = pl.repeat(TEXT, len(text), dtype=pl.UInt8, eager=True).alias("kind")
    if not (is_datetime.any() or is_number.any() or is_bool.any()):
        return text, kind
    kind = pl.select(pl.when(is_number).then(pl.lit(FLOAT, dtype=pl.UInt8))
                     .when(is_bool).then(pl.lit(BOOL, dtype=pl.UInt8))
                     .otherwise(kind)).to_series()
    if is_bool.any():
        text = pl.select(pl.when(is_bool).then(
            pl.when(text == "true").then(pl.lit("True")).otherwise(pl.lit("False")))
            .otherwise(text)).to_series()
    if is_datetime.any():
        positions = is_datetime.arg_true()
        typed = pl.DataFrame({"t": text.gather(positions)})
        t = pl.col("t")
        day, clock, fraction = t.str.slice(0, 10), t.str.slice(11, 8), t.str.slice(19)
        micro = pl.when(fraction == "").then(pl.lit("")).otherwise(pl.concat_str(
            [pl.lit("."), fraction.str.slice(1).str.pad_end(6, "0").str.slice(0, 6)]))
        is_time = day < "1900-01-01"
        is_date = ~is_time & (clock == "00:00:00") & (fraction == "")
        typed = typed.select(
            t=pl.when(is_time).then(pl.concat_str([clock, micro]))
            .when(is_date).then(day)
            .otherwise(pl.concat_str([day, pl.lit(" "), clock, micro])),
            k=pl.when(is_time).then(pl.lit(TIME)).when(is_date).then(pl.lit(DATE))
            .otherwise(pl.lit(DATETIME)).cast(pl.UInt8))
        text = text.scatter(positions, typed["t"])
        kind = kind.scatter(positions, typed["k"])
    return text, kind


_PYTHON_KINDS: dict[type, int] = {
    str: TEXT, float: FLOAT, int: INT, bool: BOOL, dt.datetime: DATETIME, dt.date: DATE,
    dt.time: TIME, dt.timedelta: DURATION,
}


def python_cells(values: Sequence[object]) -> tuple[pl.Series, pl.Series]:
    """Text and kind of Python cell values, exactly: the fallback readers' path."""
    texts: list[str | None] = []
    kinds: list[int] = []
    for value in values:
        if value is None:
            texts.append(None)
            kinds.append(TEXT)
            continue
        kind = _PYTHON_KINDS.get(type(value))
        if kind is None:  # a subclass or a type no reader gives: keep what str() says
            kind = next((k for t, k in _PYTHON_KINDS.items() if isinstance(value, t)), TEXT)
            if kind == INT and isinstance(value, bool):
                kind = BOOL
        texts.append(value if kind == TEXT and type(value) is str else
                     repr(float(value)) if kind == FLOAT else str(value))
        kinds.append(kind)
    return (pl.Series("text", texts, dtype=pl.String),
            pl.Series("kind", kinds, dtype=pl.UInt8))


def map_distinct(text: pl.Series, where: pl.Series, convert: Callable[[str], object],
                 dtype: pl.DataType) -> pl.Series:
    """convert() once per distinct text where `where` holds; null elsewhere.

    For what only Python can do exactly (reading free-text dates, folding names); logs repeat
    the same values, so this is a few hundred calls, not one per row.
    """
    where = where.fill_null(False)
    distinct = text.filter(where).unique().drop_nulls()
    if distinct.is_empty():
        return pl.Series(text.name, [None] * len(text), dtype=dtype)
    keys = distinct.to_list()
    values = pl.Series("v", [convert(key) for key in keys], dtype=dtype)
    mapped = text.replace_strict(pl.Series("k", keys, dtype=pl.String), values, default=None,
                                 return_dtype=dtype)
    return pl.select(pl.when(where).then(mapped).otherwise(None)).to_series().alias(text.name)


_PLAIN_TIME = r"(?: [0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:\.[0-9]+)?)?)?"
# Text dates in plain ASCII (no space but single ones inside): exactly what validate.parse_date
# reads them as, computed on columns. (pattern, group of the year, of the month, of the day)
_PLAIN_DATES = (
    (rf"^([0-9]{{4}})-([0-9]{{1,2}})-([0-9]{{1,2}}){_PLAIN_TIME}$", 1, 2, 3),
    (rf"^([0-9]{{1,2}})[/.]([0-9]{{1,2}})[/. ]([0-9]{{4}}){_PLAIN_TIME}$", 3, 2, 1),
)


def text_dates(text: pl.Series, where: pl.Series,
               parse: Callable[[str], dt.date | None]) -> pl.Series:
    """Dates of cells typed as text, where `where` holds; null where there is none.

    The plain numeric forms ('2019-03-14 10:00', '14/3/2019') are read on columns; every other
    distinct text goes to `parse` (month names, odd spacing, other scripts' digits).
    """
    where = where.fill_null(False)
    distinct = text.filter(where).unique().drop_nulls()
    if distinct.is_empty():
        return pl.Series(text.name, [None] * len(text), dtype=pl.Date)
    t = pl.col("t")
    matched, found = [], []
    for pattern, year, month, day in _PLAIN_DATES:
        y, m, d = (t.str.extract(pattern, group) for group in (year, month, day))
        iso = pl.concat_str([y, pl.lit("-"), m.str.zfill(2), pl.lit("-"), d.str.zfill(2)])
        matched.append(t.str.contains(pattern))
        found.append(pl.when(y != "0000").then(iso.str.to_date("%Y-%m-%d", strict=False)))
    frame = pl.DataFrame({"t": distinct}).select(
        "t", plain=pl.any_horizontal(matched), date=pl.coalesce(found))
    rest = frame.filter(~pl.col("plain"))["t"].to_list()
    dates = pl.concat([frame.filter(pl.col("plain"))["date"],
                       pl.Series("date", [parse(value) for value in rest], dtype=pl.Date)])
    keys = pl.concat([frame.filter(pl.col("plain"))["t"], pl.Series("t", rest, dtype=pl.String)])
    mapped = text.replace_strict(keys, dates, default=None, return_dtype=pl.Date)
    return pl.select(pl.when(where).then(mapped).otherwise(None)).to_series().alias(text.name)


def blank_expr(t: pl.Expr, k: pl.Expr) -> pl.Expr:
    """Empty, only spaces, or NaN: what the log treats as not filled in.

    An expression, so that a frame's columns are tested side by side on all cores.
    """
    return (t.is_null() | ((k == TEXT) & (strip(t) == "")) | ((k == FLOAT) & (t == "nan"))
            ).fill_null(False)


def shown_text(text: pl.Series, kind: pl.Series, blank: pl.Series) -> pl.Series:
    """The value as staff see it in a report ('' when blank; 12.0 as '12'; dates in ISO form)."""
    shown = pl.select(pl.when(blank).then(pl.lit("")).otherwise(strip(text))).to_series()
    typed = (kind != TEXT) & ~blank
    if not typed.any():
        return shown.alias("shown")
    positions = typed.arg_true()
    frame = pl.DataFrame({"t": text.gather(positions), "k": kind.gather(positions)})
    t, k = pl.col("t"), pl.col("k")
    number = t.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.floor()) & (number.abs() < 2.0**63)
    frame = frame.with_columns(s=pl.when(k == FLOAT).then(
        pl.when(whole).then(number.cast(pl.Int64, strict=False).cast(pl.String)))
        .when(k == DATETIME).then(t.str.replace(" ", "T", literal=True))
        .otherwise(t))
    odd = frame["s"].is_null()
    if odd.any():  # fractions and huge numbers: Python's own str(float)
        frame = frame.with_columns(s=pl.when(odd).then(map_distinct(
            frame["t"], odd, lambda s: _python_text(float(s)), pl.String)).otherwise(pl.col("s")))
    return shown.scatter(positions, frame["s"]).alias("shown")


def _python_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def serial_dates(text: pl.Series, kind: pl.Series) -> pl.Series:
    """Dates of number cells as Excel serials and of date cells; null for everything else."""
    frame = pl.DataFrame({"t": text, "k": kind})
    t, k = pl.col("t"), pl.col("k")
    number = t.cast(pl.Float64, strict=False)
    serial_ok = k.is_in([FLOAT, INT]) & (number >= 1) & (number < _LAST_SERIAL)
    return frame.select(
        pl.when(k.is_in([DATETIME, DATE]))
        .then(t.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        .when(serial_ok)
        .then((number.floor().cast(pl.Int32) + _EXCEL_EPOCH_DAYS).cast(pl.Date))
        .otherwise(pl.lit(None, dtype=pl.Date))
    ).to_series()


def whole_counts(text: pl.Series, kind: pl.Series, blank: pl.Series,
                 python_count: Callable[[str], int | None | str]) -> tuple[pl.Series, pl.Series]:
    """A count per cell (null when blank) and where the cell is not a whole number >= 0."""
    frame = pl.DataFrame({"t": text, "k": kind})
    t, k = pl.col("t"), pl.col("k")
    number = t.cast(pl.Float64, strict=False)
    cleaned = strip(t).str.replace_all("[\u00a0 ]", "")
    ascii_digits = cleaned.str.contains(r"^[0-9]+$")
    counted = frame.select(
        pl.when(k == FLOAT).then(
            pl.when(number.is_finite() & (number == number.floor()) & (number >= 0)
                    & (number < 2.0**63)).then(number.cast(pl.Int64, strict=False)))
        .when(k == INT).then(
            pl.when(~t.str.starts_with("-")).then(t.cast(pl.Int64, strict=False)))
        .when((k == TEXT) & ascii_digits).then(cleaned.cast(pl.Int64, strict=False))
        .otherwise(pl.lit(None, dtype=pl.Int64)),
        unicode=(k == TEXT) & ~ascii_digits & cleaned.str.contains(r"[^\x00-\x7f]"),
    )
    count = counted.to_series(0)
    unicode = counted["unicode"].fill_null(False) & ~blank
    if unicode.any():  # digits of other scripts: Python's own rule decides
        def convert(value: str) -> int | None:
            try:
                result = python_count(value)
            except ValueError:
                return None
            return result if isinstance(result, int) and result < 2**63 else None
        count = pl.select(pl.when(unicode).then(
            map_distinct(text, unicode, convert, pl.Int64)).otherwise(count)).to_series()
    invalid = ~blank & count.is_null()
    count = pl.select(pl.when(blank).then(None).otherwise(count)).to_series()
    return count, invalid.fill_null(True)
