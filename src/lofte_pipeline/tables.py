"""The bundle's CSV tables for staff (intern/): the counted rows, the rejected ones, and where
personal data was removed; and how any table becomes bytes.

They are the audit trail behind the published figures, read in a spreadsheet program by people
tracing a number back to a file, sheet and row. Kept apart from the bundle's layout and key because
what they hold, and that no cell in them may run as a formula, is their own concern.
"""

from __future__ import annotations

import pandas as pd

from .models import Intake
from .reconcile import Reconciliation, iso_dates

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def activities_csv(result: Reconciliation, publish_comments: bool = False) -> pd.DataFrame:
    """One line per accepted row behind a counted activity, numbered by activity."""
    rows = result.rows
    activities = result.activities.set_index("activity_no")
    return pd.DataFrame(
        {
            "aktivitet_nr": rows["activity_no"],
            "datum": iso_dates(rows["activity_no"].map(activities["date"])),
            "aktivitet": rows["activity"],
            "mal": rows["target"],
            "kommundel": rows["activity_no"].map(activities["district"]),
            "plats": rows["activity_no"].map(activities["place"]),
            "krediteras": rows["activity_no"].map(activities["sources"]),
            "kalla": rows["source"],
            "fil": rows["file"],
            "blad": rows["sheet"],
            "rad": rows["row"],
            "rapporterat_datum": iso_dates(rows["date"]),
            "antal": rows["count"],
            **({"kommentar": rows["comment"]} if publish_comments else {}),
        }
    )


def findings_csv(intake: Intake) -> pd.DataFrame:
    """Where personal data was found and removed (never the data itself), for staff to clean."""
    found = intake.findings
    return pd.DataFrame(
        {
            "fil": found.get("file", []),
            "blad": found.get("sheet", []),
            "rad": found.get("row", []),
            "kolumn": found.get("column", []),
            "typ": found.get("kind", []),
        }
    )


def rejected_csv(intake: Intake) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "kalla": intake.rejected["source"],
            "fil": intake.rejected["file"],
            "blad": intake.rejected["sheet"],
            "rad": intake.rejected["row"],
            "kolumn": intake.rejected["column"],
            "varde": intake.rejected["value"],
            "orsak": intake.rejected["reason"],
        }
    )
    files = pd.DataFrame(
        [
            {
                "kalla": f.source,
                "fil": f.path,
                "blad": "",
                "rad": "",
                "kolumn": "",
                "varde": "",
                "orsak": f.reason,
            }
            for f in intake.rejected_files
        ],
        columns=rows.columns,
    )
    return pd.concat([files, rows], ignore_index=True) if not files.empty else rows


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as pandas writes it, in UTF-8, where no cell can run as a formula when opened in
    a spreadsheet program: a text that starts like one is written with a ' before it."""
    safe = frame.copy()
    for name in safe.columns:
        if pd.api.types.is_string_dtype(safe[name].dtype):
            safe[name] = safe[name].map(_defused)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _defused(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value
