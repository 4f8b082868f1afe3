"""Last year's figures for the same tertial: a figures.json read back and reduced to what the
report compares against.

Its own module because two callers need it before any report is made: `lofte` checks a given
--previous file with it (and refuses an unusable one), and the report context (render.py) words
what it returns beside this year's figures. It decides nothing about wording.
"""

from __future__ import annotations

from typing import Any

from .i18n import STATUS_ICONS
from .messages import message
from .period import Period


def previous_summary(previous: dict[str, Any], period: Period) -> dict[str, Any]:
    """Last year's figures.json for the same tertial, reduced to what the report shows."""
    year = int(previous.get("year") or str(previous["period"])[:4])
    tertial = str(previous.get("period", "")).rsplit("T", 1)[-1]
    if year >= period.year or tertial != str(period.tertial):
        raise ValueError(
            message("perioden.fel_forra_aret", previous=previous.get("period"), period=period.id)
        )
    targets = {t["id"]: t for t in previous.get("targets", [])}
    counts = {
        code: sum(1 for t in targets.values() if t["status"] == code) for code in STATUS_ICONS
    }
    return {
        "year": year,
        "period": previous.get("period"),
        "targets": targets,
        "counts": counts,
        "measurable": len(targets) - counts["reported"],
        "activities_total": int(
            previous.get("activities_counted", sum(t["done_to_date"] for t in targets.values()))
        ),
    }
