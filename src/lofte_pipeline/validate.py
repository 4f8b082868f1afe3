"""From raw sheets to accepted activity rows and rejected rows, each rejection with a Swedish reason.

The checks run on whole text columns (polars), in the reader child, without pandas. What only
Python does exactly (folding names, suggestions, free-text dates) runs once per distinct value: a
log repeats a few activity names, five districts and a few hundred dates. A sheet named
Redovisning holds the partners' texts instead of activities (narrative.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from .errors import UnreadableFileError
from .ingest import RawSheet
from .layout import (
    CANONICAL_COLUMNS,
    HEADER_SEARCH_ROWS,
    NARRATIVE_COLUMNS,
    NARRATIVE_HEADERS,
    NARRATIVE_REQUIRED,
    REQUIRED_COLUMNS,
    Rules,
    find_header,
    is_narrative_sheet,
    missing_header_columns,
    rules_for,
)
from .messages import message
from .narrative import check_narratives, header_problem, narrative_header
from .redact import redacted
from .rows import CheckedFile, FileValidation
from .text import closest, fold
from .values import WHITESPACE, counts_of, dates_of, per_value

if TYPE_CHECKING:
    from .promise import Promise


def _suggest(value: str, choices: dict[str, str]) -> str:
    """' Menade du …?' with the known name closest to `value` (choices: folded -> shown)."""
    close = closest(fold(value), tuple(choices))
    return message("kontroll.menade_du", choice=choices[close]) if close else ""


def check_sheets(sheets: list[RawSheet], rules: Rules) -> CheckedFile:
    """Every sheet whose header is found is read, a Redovisning sheet as the partners' texts;
    raises UnreadableFileError when nothing is read, or when no activity sheet is although one
    has cells (a Redovisning sheet does not make a log whose header is lost usable)."""
    logs = [s for s in sheets if not is_narrative_sheet(s.name)]
    texts = [s for s in sheets if is_narrative_sheet(s.name)]
    bodies: list[pl.DataFrame] = []
    names: list[str] = []  # the sheet of each part, activity sheets first
    read: list[str] = []
    skipped: list[str] = []
    missing: dict[str, list[str]] = {}
    for sheet in logs:
        top = sheet.head(HEADER_SEARCH_ROWS)
        header = find_header(top, rules.columns, rules.required_columns)
        if header is None:
            skipped.append(sheet.name)
            missing[sheet.name] = missing_header_columns(top, rules.columns, rules.required_columns)
        else:
            read.append(sheet.name)
            bodies.append(
                sheet.below(len(names), header.row_index, header.columns, CANONICAL_COLUMNS)
            )
            names.append(sheet.name)
    narratives: list[pl.DataFrame] = []
    header_problems: list[pl.DataFrame] = []
    for sheet in texts:
        header = narrative_header(sheet)
        if header is not None:
            read.append(sheet.name)
            narratives.append(
                sheet.below(len(names), header.row_index, header.columns, NARRATIVE_COLUMNS)
            )
        else:
            skipped.append(sheet.name)
            if _has_text([sheet]):
                top = sheet.head(HEADER_SEARCH_ROWS)
                lacking = missing_header_columns(top, NARRATIVE_HEADERS, NARRATIVE_REQUIRED)
                header_problems.append(header_problem(len(names), sheet, lacking))
        names.append(sheet.name)
    if not bodies and (_has_text(logs) or not narratives):
        if header_problems and not _has_text(logs):
            raise UnreadableFileError(header_problems[0]["reason"][0])
        raise _unusable(logs or sheets, missing, rules.required_columns)
    nothing = RawSheet.from_rows("", [])
    activity = pl.concat(bodies) if bodies else nothing.below(0, 0, {}, CANONICAL_COLUMNS)
    narrative = pl.concat(narratives) if narratives else nothing.below(0, 0, {}, NARRATIVE_COLUMNS)
    return _check(activity, narrative, header_problems, names, read, skipped, rules)


def _check(
    frame: pl.DataFrame,
    narrative: pl.DataFrame,
    header_problems: list[pl.DataFrame],
    sheets: list[str],
    read: list[str],
    skipped: list[str],
    rules: Rules,
) -> CheckedFile:
    """Every check on whole columns; a row with any problem is rejected with all of them.
    `sheets` names each part of `frame` (activity rows) and `narrative` (Redovisning rows)."""
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
        (blank[c], c, reasons.missing[c]) for c in rules.required_columns
    ] + [
        (~blank["Datum"] & dates.is_null(), "Datum", reasons.unreadable_date),
        (dates.is_not_null() & outside(dates, rules), "Datum", reasons.outside_year),
        (~blank["Aktivitet"] & activity.is_null(), "Aktivitet", reasons.unknown_activity),
        (
            ~blank["Kommundel"] & district.is_null() & bool(rules.district_names),
            "Kommundel",
            reasons.unknown_district,
        ),
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
    names = pl.Series("sheet", sheets, dtype=pl.String)
    texts = check_narratives(narrative, rules)
    problems += [texts.problems, *header_problems]
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
            "district": district.filter(good).fill_null(""),
            "place": place,
            "count": counts.filter(good),
            "comment": comment,
        }
    )
    rejected = pl.concat(problems, how="vertical_relaxed").sort(
        ["part", "row"], maintain_order=True
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
                texts.findings,
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
        texts.rows.select(
            sheet=names.gather(texts.rows["part"]),
            row="row",
            target="target",
            period="period",
            text="text",
            next_step="next_step",
        ),
    )


class _Reasons:
    """Why a value is rejected, in staff's Swedish; an unknown name's reason suggests the
    closest known one."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.missing = {c: message("kontroll.saknas", column=c) for c in REQUIRED_COLUMNS}
        self.unreadable_date = message("kontroll.datum_otolkbart", year=rules.year)
        self.outside_year = (
            message("kontroll.datum_utanfor_aret", year=rules.year)
            if rules.calendar_year
            else message("kontroll.datum_utanfor_loftet", start=rules.start, end=rules.end)
        )
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


def outside(dates: pl.Series, rules: Rules) -> pl.Series:
    """Dated before the promise starts or after it ends."""
    if not rules.start:  # rules from before promises had dates: the calendar year
        return dates.dt.year() != rules.year
    start, end = date.fromisoformat(rules.start), date.fromisoformat(rules.end)
    return (dates < start) | (dates > end)


def _has_text(sheets: list[RawSheet]) -> bool:
    """Whether any cell of the sheets holds more than white space."""
    return any(
        sheet.cells.select(
            pl.any_horizontal(pl.all().str.strip_chars(WHITESPACE).str.len_chars() > 0).any()
        ).item()
        for sheet in sheets
        if sheet.cells.width
    )


def _unusable(
    sheets: list[RawSheet],
    missing_by_sheet: dict[str, list[str]],
    required: tuple[str, ...] = REQUIRED_COLUMNS,
) -> UnreadableFileError:
    if not _has_text(sheets):
        return UnreadableFileError(message("inlasning.inga_ifyllda_celler"))
    missing = sorted({c for cols in missing_by_sheet.values() for c in cols}, key=required.index)
    return UnreadableFileError(
        message(
            "inlasning.ingen_rubrikrad",
            rows=HEADER_SEARCH_ROWS,
            where=message("inlasning.i_nagot_blad") if len(sheets) > 1 else "",
            missing=", ".join(missing),
            required=", ".join(required),
        )
    )


def validate_sheets(
    sheets: list[RawSheet], promise: Promise, source: str, file: str
) -> FileValidation:
    """One file's sheets as validated frames; raises UnreadableFileError when no sheet has a
    header."""
    return check_sheets(sheets, rules_for(promise, source)).frames(source, file)
