"""From raw sheets to accepted activity rows and rejected rows, each rejection with a Swedish reason.

The checks run on whole text columns (polars), in the reader child, without pandas. What only
Python does exactly (folding names, suggestions, free-text dates) runs once per distinct value: a
log repeats a few activity names, five districts and a few hundred dates.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from .errors import UnreadableFileError
from .ingest import RawSheet
from .layout import (
    CANONICAL_COLUMNS,
    HEADER_SEARCH_ROWS,
    REQUIRED_COLUMNS,
    HeaderMatch,
    Rules,
    find_header,
    missing_header_columns,
    rules_for,
)
from .messages import message
from .redact import redacted
from .rows import CheckedFile, FileValidation
from .text import fold
from .values import WHITESPACE, counts_of, dates_of, per_value

if TYPE_CHECKING:
    from .promise import Promise


def _suggest(value: str, choices: dict[str, str]) -> str:
    close = _closest(fold(value), tuple(choices))
    return message("kontroll.menade_du", choice=choices[close]) if close else ""


@functools.lru_cache(maxsize=4096)
def _closest(word: str, choices: tuple[str, ...]) -> str | None:
    """The closest known name: typos repeat, and so does the question."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def check_sheets(sheets: list[RawSheet], rules: Rules) -> CheckedFile:
    """Every sheet whose header is found is read; raises UnreadableFileError when none is."""
    bodies: list[pl.DataFrame] = []
    read: list[str] = []
    skipped: list[str] = []
    missing: dict[str, list[str]] = {}
    for sheet in sheets:
        top = sheet.head(HEADER_SEARCH_ROWS)
        header = find_header(top, rules.columns)
        if header is None:
            skipped.append(sheet.name)
            missing[sheet.name] = missing_header_columns(top, rules.columns)
        else:
            read.append(sheet.name)
            bodies.append(_body(len(bodies), sheet, header))
    if not bodies:
        raise _unusable(sheets, missing)
    return _check(pl.concat(bodies), read, skipped, rules)


def _body(part: int, sheet: RawSheet, header: HeaderMatch) -> pl.DataFrame:
    """The rows below a sheet's header, as part (the sheet's place), row (as Excel shows it)
    and one text column per canonical column (null where the header has none)."""
    start = header.row_index + 1
    height = max(sheet.height - start, 0)
    cells = sheet.cells.slice(start)
    return pl.DataFrame(
        {
            "part": pl.repeat(part, height, dtype=pl.UInt32, eager=True),
            "row": pl.int_range(start + 1, start + 1 + height, eager=True, dtype=pl.Int64),
            **{
                name: (
                    cells.to_series(header.columns[name])
                    if name in header.columns
                    else pl.repeat(None, height, dtype=pl.String, eager=True)
                )
                for name in CANONICAL_COLUMNS
            },
        }
    )


def _check(frame: pl.DataFrame, read: list[str], skipped: list[str], rules: Rules) -> CheckedFile:
    """Every check on whole columns; a row with any problem is rejected with all of them."""
    blank = {c: frame[c].str.strip_chars(WHITESPACE).fill_null("") == "" for c in CANONICAL_COLUMNS}
    filled = ~(blank["Datum"] & blank["Aktivitet"])  # blank lines, 'Summa' lines
    frame = frame.filter(filled)
    blank = {c: mask.filter(filled) for c, mask in blank.items()}
    text = {c: frame[c] for c in CANONICAL_COLUMNS}
    shown = {
        c: pl.select(
            pl.when(blank[c]).then(pl.lit("")).otherwise(text[c].str.strip_chars(WHITESPACE))
        ).to_series()
        for c in CANONICAL_COLUMNS
    }
    dates = dates_of(text["Datum"], ~blank["Datum"])
    activity = per_value(
        text["Aktivitet"], ~blank["Aktivitet"], lambda v: rules.activities.get(fold(v)), pl.Int32
    )
    district = per_value(
        text["Kommundel"], ~blank["Kommundel"], lambda v: rules.districts.get(fold(v)), pl.String
    )
    counts = counts_of(text["Antal"], ~blank["Antal"])
    reasons = _Reasons(rules)
    checks: list[tuple[pl.Series, str, str | Callable[[str], str]]] = [
        (blank[c], c, reasons.missing[c]) for c in REQUIRED_COLUMNS
    ] + [
        (~blank["Datum"] & dates.is_null(), "Datum", reasons.unreadable_date),
        (dates.is_not_null() & (dates.dt.year() != rules.year), "Datum", reasons.outside_year),
        (~blank["Aktivitet"] & activity.is_null(), "Aktivitet", reasons.unknown_activity),
        (~blank["Kommundel"] & district.is_null(), "Kommundel", reasons.unknown_district),
        (~blank["Antal"] & counts.is_null(), "Antal", reasons.bad_count),
    ]
    problems = [
        pl.DataFrame(
            {
                "part": frame["part"].filter(mask),
                "row": frame["row"].filter(mask),
                "column": column,
                "value": shown[column].filter(mask),
                "reason": (
                    per_value(text[column], mask, reason, pl.String).filter(mask)
                    if callable(reason)
                    else pl.repeat(reason, int(mask.sum()), eager=True)
                ),
            }
        )
        for mask, column, reason in checks
        if mask.any()
    ]
    good = ~pl.select(pl.any_horizontal([mask for mask, _, _ in checks])).to_series()
    names = pl.Series("sheet", read, dtype=pl.String)
    place, place_kinds = redacted(shown["Plats"].filter(good))
    comment, comment_kinds = redacted(shown["Kommentar"].filter(good))
    index = activity.filter(good)
    accepted = pl.DataFrame(
        {
            "sheet": names.gather(frame["part"].filter(good)),
            "row": frame["row"].filter(good),
            "date": dates.filter(good),
            "activity": pl.Series(rules.activity_labels, dtype=pl.String).gather(index),
            "target": pl.Series(rules.activity_targets, dtype=pl.String).gather(index),
            "district": district.filter(good),
            "place": place,
            "count": counts.filter(good),
            "comment": comment,
        }
    )
    rejected = (
        pl.concat(problems).sort(["part", "row"], maintain_order=True)
        if problems
        else pl.DataFrame(
            schema={
                "part": pl.UInt32,
                "row": pl.Int64,
                "column": pl.String,
                "value": pl.String,
                "reason": pl.String,
            }
        )
    )
    value, value_kinds = redacted(rejected["value"])
    parts = frame["part"].filter(good)
    findings = (
        pl.concat(
            [
                pl.DataFrame(
                    {"part": parts, "row": accepted["row"], "column": "Plats", "kind": place_kinds}
                ),
                pl.DataFrame(
                    {
                        "part": parts,
                        "row": accepted["row"],
                        "column": "Kommentar",
                        "kind": comment_kinds,
                    }
                ),
                pl.DataFrame(
                    {
                        "part": rejected["part"],
                        "row": rejected["row"],
                        "column": rejected["column"],
                        "kind": value_kinds,
                    }
                ),
            ],
            how="vertical_relaxed",
        )
        .filter(pl.col("kind") != "")
        .sort("part", maintain_order=True)
    )
    return CheckedFile(
        read,
        skipped,
        accepted,
        rejected.with_columns(value=value).select(
            sheet=names.gather(rejected["part"]),
            row="row",
            column="column",
            value="value",
            reason="reason",
        ),
        findings.select(
            sheet=names.gather(findings["part"]), row="row", column="column", kind="kind"
        ),
    )


class _Reasons:
    """Why a value is rejected, in staff's Swedish; an unknown name's reason suggests the
    closest known one."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.missing = {c: message("kontroll.saknas", column=c) for c in REQUIRED_COLUMNS}
        self.unreadable_date = message("kontroll.datum_otolkbart", year=rules.year)
        self.outside_year = message("kontroll.datum_utanfor_aret", year=rules.year)
        self.bad_count = message("kontroll.antal")
        self.labels = {key: rules.activity_labels[i] for key, i in rules.activities.items()}

    def unknown_activity(self, value: str) -> str:
        return message(
            "kontroll.okand_aktivitet",
            valid=", ".join(self.rules.activity_labels),
            suggestion=_suggest(value, self.labels),
        )

    def unknown_district(self, value: str) -> str:
        return message(
            "kontroll.okand_kommundel",
            valid=", ".join(self.rules.district_names),
            suggestion=_suggest(value, self.rules.districts),
        )


def _unusable(
    sheets: list[RawSheet],
    missing_by_sheet: dict[str, list[str]],
) -> UnreadableFileError:
    if not any(
        sheet.cells.select(
            pl.any_horizontal(pl.all().str.strip_chars(WHITESPACE).str.len_chars() > 0).any()
        ).item()
        for sheet in sheets
        if sheet.cells.width
    ):
        return UnreadableFileError(message("inlasning.inga_ifyllda_celler"))
    missing = sorted(
        {c for cols in missing_by_sheet.values() for c in cols}, key=REQUIRED_COLUMNS.index
    )
    return UnreadableFileError(
        message(
            "inlasning.ingen_rubrikrad",
            rows=HEADER_SEARCH_ROWS,
            where=message("inlasning.i_nagot_blad") if len(sheets) > 1 else "",
            missing=", ".join(missing),
            required=", ".join(REQUIRED_COLUMNS),
        )
    )


def validate_sheets(
    sheets: list[RawSheet], promise: Promise, source: str, file: str
) -> FileValidation:
    """One file's sheets as validated frames; raises UnreadableFileError when no sheet has a
    header."""
    return check_sheets(sheets, rules_for(promise, source)).frames(source, file)
