"""The partners' own text from a workbook's Redovisning sheet: per target and tertial, what was
done, why not, and what comes next.

Checked in the reader child beside the activity rows and in the same way: on whole columns, each
distinct Mål and Tertial looked at once, every problem a rejection with a Swedish reason, the
text and the next step through the same redaction as staff's other cells. A fully empty row is
passed over, like an empty activity row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from .ingest import RawSheet
from .layout import (
    HEADER_SEARCH_ROWS,
    NARRATIVE_COLUMNS,
    NARRATIVE_HEADERS,
    NARRATIVE_REQUIRED,
    HeaderMatch,
    Rules,
    find_header,
)
from .messages import message
from .redact import redacted
from .text import closest, fold
from .values import WHITESPACE, per_value

# T2, 2, 2.0, tertial 2, 2019-T2, 2019 T2, T2 2019, T2-2019 (folded: lower case).
_TERTIAL = re.compile(
    r"^(?:(?P<year>\d{4})\s*[-/–— ]?\s*)?(?:tertial|t)?\s*(?P<tertial>[123])(?:\.0)?"
    r"(?:(?:\s*[-/,–—]\s*|\s+)(?P<after>\d{4}))?$"
)
PROBLEM_SCHEMA = {
    "part": pl.UInt32,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


def tertial_of(value: str) -> tuple[int | None, int] | None:
    """(year or None when not written, tertial) of a Tertial cell; None when it is not one."""
    match = _TERTIAL.match(fold(value))
    if not match:
        return None
    year = match["year"] or match["after"]
    return (int(year) if year else None, int(match["tertial"]))


def narrative_header(sheet: RawSheet) -> HeaderMatch | None:
    return find_header(sheet.head(HEADER_SEARCH_ROWS), NARRATIVE_HEADERS, NARRATIVE_REQUIRED)


@dataclass(frozen=True)
class CheckedNarratives:
    """Valid rows (part, row, target, period, text, next_step; redacted), problems (part, row,
    column, value, reason; values as written) and findings (part, row, column, kind)."""

    rows: pl.DataFrame
    problems: pl.DataFrame
    findings: pl.DataFrame


def check_narratives(frame: pl.DataFrame, rules: Rules) -> CheckedNarratives:
    """Every check on whole columns; a row with any problem is rejected with all of them."""
    blank = {c: frame[c].str.strip_chars(WHITESPACE).fill_null("") == "" for c in NARRATIVE_COLUMNS}
    filled = ~pl.select(pl.all_horizontal(list(blank.values()))).to_series()
    frame = frame.filter(filled)
    blank = {c: mask.filter(filled) for c, mask in blank.items()}
    shown = {
        c: pl.select(
            pl.when(blank[c]).then(pl.lit("")).otherwise(frame[c].str.strip_chars(WHITESPACE))
        ).to_series()
        for c in NARRATIVE_COLUMNS
    }
    target = per_value(frame["Mål"], ~blank["Mål"], lambda v: rules.targets.get(fold(v)), pl.String)
    period = per_value(
        frame["Tertial"], ~blank["Tertial"], lambda v: _period_id(v, rules), pl.String
    )
    reasons = _Reasons(rules)
    checks = [(blank[c], c, reasons.missing[c]) for c in NARRATIVE_REQUIRED] + [
        (~blank["Mål"] & target.is_null(), "Mål", reasons.unknown_target),
        (~blank["Tertial"] & period.is_null(), "Tertial", reasons.bad_tertial),
    ]
    problems = [
        pl.DataFrame(
            {
                "part": frame["part"].filter(mask),
                "row": frame["row"].filter(mask),
                "column": column,
                "value": shown[column].filter(mask),
                "reason": (
                    per_value(frame[column], mask, reason, pl.String).filter(mask)
                    if callable(reason)
                    else pl.repeat(reason, int(mask.sum()), eager=True, dtype=pl.String)
                ),
            },
            schema=PROBLEM_SCHEMA,
        )
        for mask, column, reason in checks
        if mask.any()
    ]
    good = ~pl.select(pl.any_horizontal([mask for mask, _, _ in checks])).to_series()
    text, text_kinds = redacted(shown["Text"].filter(good))
    next_step, next_kinds = redacted(shown["Nästa steg"].filter(good))
    parts, rows = frame["part"].filter(good), frame["row"].filter(good)
    findings = pl.concat(
        [
            pl.DataFrame({"part": parts, "row": rows, "column": "Text", "kind": text_kinds}),
            pl.DataFrame({"part": parts, "row": rows, "column": "Nästa steg", "kind": next_kinds}),
        ]
    ).filter(pl.col("kind") != "")
    return CheckedNarratives(
        pl.DataFrame(
            {
                "part": parts,
                "row": rows,
                "target": target.filter(good),
                "period": period.filter(good),
                "text": text,
                "next_step": next_step,
            }
        ),
        pl.concat(problems) if problems else pl.DataFrame(schema=PROBLEM_SCHEMA),
        findings.sort(["part", "row"], maintain_order=True),
    )


def _period_id(value: str, rules: Rules) -> str | None:
    """'2019-T2' for a tertial the promise runs over ('T2' alone when only one year has a
    second tertial); None for anything else."""
    found = tertial_of(value)
    if found is None:
        return None
    year, tertial = found
    periods = rules.periods or tuple(f"{rules.year}-T{k}" for k in (1, 2, 3))
    matching = [p for p in periods if p.endswith(f"-T{tertial}") and year in (None, int(p[:4]))]
    return matching[0] if len(matching) == 1 else None


class _Reasons:
    """Why a Redovisning row is rejected, in staff's Swedish."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.missing = {
            "Mål": message("redovisning.mal_saknas"),
            "Tertial": message("redovisning.tertial_saknas"),
            "Text": message("redovisning.text_saknas"),
        }
        self.titles = {fold(t): t for t in rules.target_titles}

    def unknown_target(self, value: str) -> str:
        close = closest(fold(value), tuple(self.titles))
        return message(
            "redovisning.okant_mal",
            valid="; ".join(self.rules.target_titles),
            suggestion=(message("kontroll.menade_du", choice=self.titles[close]) if close else ""),
        )

    def bad_tertial(self, value: str) -> str:
        found = tertial_of(value)
        if found is not None and found[0] is not None:
            return message("redovisning.tertial_annat_ar", year=self.rules.year, given=found[0])
        return message("redovisning.tertial_otolkbar", year=self.rules.year)


def header_problem(part: int, sheet: RawSheet, missing: list[str]) -> pl.DataFrame:
    """A Redovisning sheet with text but no header row: one problem on its first row, so that
    staff see it in lofte check and in the report's rejections instead of losing the texts."""
    return pl.DataFrame(
        {
            "part": [part],
            "row": [1],
            "column": [", ".join(missing)],
            "value": [""],
            "reason": [
                message(
                    "redovisning.ingen_rubrikrad",
                    sheet=sheet.name,
                    rows=HEADER_SEARCH_ROWS,
                    missing=", ".join(missing),
                    columns=", ".join(NARRATIVE_COLUMNS),
                )
            ],
        },
        schema=PROBLEM_SCHEMA,
    )
