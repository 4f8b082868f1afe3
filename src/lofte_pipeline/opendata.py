"""Open data beside the report: figures.csv, one line per target, from the figures.json document.

The numbers are those of figures.json and of the report (both are built from the same
reconciliation); the schema is documented in docs/figures-schema.md. UTF-8 without BOM, comma
separated, '\\n' line endings, lists joined with ';', so the file is byte-identical across runs.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .i18n import STATUS_LABELS

COLUMNS = [
    "promise",
    "period",
    "period_start",
    "period_end",
    "draft",
    "target_id",
    "title",
    "status",
    "status_sv",
    "goal",
    "expected_to_date",
    "done_in_period",
    "done_to_date",
    "done_t1",
    "done_t2",
    "done_t3",
    "districts_covered",
    "districts_missing",
    "places_visited",
    "places_missing",
    "periods_missing",
    "kind",
    "measure",
    "amount_in_period",
    "amount_to_date",
    "amount_unit",
    "follow_up_minimum",
    "follow_up_per_tertial_minimum",
    "whole_year",
    "responsible",
    "joint",
    "not_counted",
    "triggers_to_date",
    "done_on",
    "deadline",
    "part_of",
    "rate_per",
    "rate_value",
]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def figures_rows(figures: dict[str, Any]) -> list[dict[str, str]]:
    year = str(figures["period"])[:4]  # the report's calendar year: its tertials' columns
    rows = []
    for t in figures["targets"]:
        per_period = t.get("done_per_period", {})
        row = {
            "promise": figures["promise"],
            "period": figures["period"],
            "period_start": figures["period_start"],
            "period_end": figures["period_end"],
            "draft": figures.get("draft"),
            "target_id": t["id"],
            "title": t.get("title"),
            "status": t["status"],
            "status_sv": STATUS_LABELS[t["status"]][0],
            "goal": t["goal"],
            "expected_to_date": t.get("expected_to_date"),
            "done_in_period": t["done_in_period"],
            "done_to_date": t["done_to_date"],
            **{f"done_t{k}": per_period.get(f"{year}-T{k}") for k in (1, 2, 3)},
            "districts_covered": t.get("districts_covered", []),
            "districts_missing": t["districts_missing"],
            "places_visited": t.get("places_visited", []),
            "places_missing": t["places_missing"],
            "periods_missing": t["periods_missing"],
            "kind": t.get("kind"),
            "measure": t.get("measure"),
            "amount_in_period": t.get("amount_in_period"),
            "amount_to_date": t.get("amount_to_date"),
            "amount_unit": t.get("amount_unit"),
            "follow_up_minimum": t.get("follow_up", {}).get("minimum"),
            "follow_up_per_tertial_minimum": t.get("follow_up", {}).get("per_tertial_minimum"),
            "whole_year": t.get("follow_up", {}).get("whole_year"),
            "responsible": t.get("responsible", []),
            "joint": t.get("joint"),
            "not_counted": t.get("not_counted"),
            "triggers_to_date": t.get("triggers_to_date"),
            "done_on": t.get("done_on"),
            "deadline": t.get("deadline"),
            "part_of": t.get("part_of"),
            "rate_per": (t.get("rate") or {}).get("per"),
            "rate_value": (t.get("rate") or {}).get("value"),
        }
        rows.append({k: _cell(v) for k, v in row.items()})
    return rows


def figures_csv(figures: dict[str, Any]) -> bytes:
    """figures.csv: the header row, then one row per target in the promise's order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(figures_rows(figures))
    return out.getvalue().encode("utf-8")
