"""Reconciliation: accepted rows -> distinct activities -> figures and status per target. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from .period import Period
from .promise import Promise, Target
from .text import fold_series

Status = Literal["achieved", "on_track", "behind", "missed", "reported"]
ACTIVITY_COLUMNS = ["activity_no", "date", "activity", "target", "district", "place", "sources",
                    "reports"]


@dataclass
class TargetFigures:
    id: str
    title: str
    status: Status
    goal: int | None
    done_in_period: int
    done_to_date: int
    districts_missing: list[str]
    places_missing: list[str]
    periods_missing: list[str]
    districts_covered: list[str] = field(default_factory=list)
    places_visited: list[str] = field(default_factory=list)
    done_per_period: dict[str, int] = field(default_factory=dict)
    expected_to_date: int | None = None


@dataclass
class Reconciliation:
    period: Period
    activities: pd.DataFrame  # one row per distinct activity, dated up to the period's end
    rows: pd.DataFrame  # the accepted rows behind them, with activity_no
    targets: list[TargetFigures]
    district_matrix: pd.DataFrame  # activity label x district -> distinct activities to date


def activity_keys(rows: pd.DataFrame, promise: Promise) -> pd.Series:
    """The identity of the activity each row reports.

    Same type, date, district and place is the same activity whoever reported it; a new area
    (one_per_place) is the same area whenever it was reported.
    """
    one_per_place = {a.label for a in promise.activities if a.one_per_place}
    place_key = fold_series(rows["place"]).astype(object)
    per_place = rows["activity"].isin(one_per_place) & (place_key != "")
    dated = (rows["activity"] + "|" + iso_dates(rows["date"]) + "|"
             + rows["district"] + "|" + place_key)
    area = rows["activity"] + "|area|" + place_key
    return area.where(per_place, dated)


def iso_dates(days: pd.Series) -> pd.Series:
    """'2019-05-02' for each date, formatting each distinct day once (a year has 365)."""
    codes, uniques = pd.factorize(days, sort=False)
    texts = np.array([d.isoformat() for d in uniques] + [""], dtype=object)
    return pd.Series(texts[codes], index=days.index, dtype=object)


def joined_sources(keys: pd.Series, sources: pd.Series) -> pd.Series:
    """Per key, its distinct sources sorted and joined with ';' ('kommunen;polisen').

    Column-wise over the few sources instead of a Python call per activity.
    """
    pairs = pd.DataFrame({"key": keys.to_numpy(), "source": sources.to_numpy()}).drop_duplicates()
    index = pd.Index(pairs["key"].unique())
    joined = np.full(len(index), "", dtype=object)
    for source in sorted(pairs["source"].unique()):
        has = index.isin(pairs.loc[pairs["source"] == source, "key"])
        joined = np.where(has & (joined == ""), source,
                          np.where(has, joined + ";" + source, joined))
    return pd.Series(joined, index=index, dtype=object)


def distinct_activities(rows: pd.DataFrame, promise: Promise, until: date) -> tuple[pd.DataFrame,
                                                                                    pd.DataFrame]:
    """Collapse rows into activities dated on or before `until`, each credited to every source."""
    if rows.empty:
        return (pd.DataFrame(columns=ACTIVITY_COLUMNS),
                rows.assign(activity_no=pd.Series(dtype="int64")))
    rows = rows.assign(key=activity_keys(rows, promise))
    # Order-independent: the earliest report of an activity defines its date, district and place.
    rows = rows.sort_values(["key", "date", "source", "file", "sheet", "row"], kind="stable")
    first = rows.groupby("key", sort=False).head(1).set_index("key")
    first = first[first["date"] <= until]
    kept = rows[rows["key"].isin(first.index)]
    sources = joined_sources(kept["key"], kept["source"])
    reports = kept.groupby("key").size()
    activities = first[["date", "activity", "target", "district", "place"]].assign(
        sources=sources, reports=reports)
    activities = activities.sort_values(["date", "activity", "district", "place"], kind="stable")
    activities.insert(0, "activity_no", range(1, len(activities) + 1))
    numbers = activities["activity_no"]
    kept = kept.assign(activity_no=kept["key"].map(numbers)).drop(columns="key")
    kept = kept.sort_values(["activity_no", "source", "file", "sheet", "row"], kind="stable")
    return activities.reset_index(drop=True), kept.reset_index(drop=True)


def at_place(activities: pd.DataFrame, keys: set[str]) -> pd.Series:
    """An activity is at a named place when its Plats or its Kommundel names it."""
    return (fold_series(activities["place"]).isin(keys)
            | fold_series(activities["district"]).isin(keys))


def target_figures(target: Target, activities: pd.DataFrame, promise: Promise,
                   period: Period) -> TargetFigures:
    mine = activities[activities["target"] == target.id]
    in_period = mine["date"].between(period.start, period.end)
    covered = set(mine["district"])
    districts_covered = [d.name for d in promise.districts if d.name in covered]
    districts_missing = ([d.name for d in promise.districts if d.name not in covered]
                         if target.every_district else [])
    visited = [p.name for p in target.places if at_place(mine, p.keys).any()]
    places_missing = [p.name for p in target.places if p.name not in visited]
    elapsed = period.elapsed_in_year()
    per_period = {p.id: int(mine["date"].between(p.start, p.end).sum()) for p in elapsed}
    periods_missing = ([p for p, n in per_period.items() if n < (target.per_tertial_minimum or 0)]
                       if target.per_tertial_minimum else [])
    if target.per_month_minimum:
        months = iso_dates(mine["date"]).str[:7].value_counts()
        elapsed_months = [f"{period.year}-{n:02}" for n in range(1, period.end.month + 1)]
        periods_missing += [m for m in elapsed_months
                            if months.get(m, 0) < target.per_month_minimum]
    done = len(mine)
    k = period.tertial
    expected = target.goal * k // 3 if target.goal is not None else None

    status: Status
    if target.reported_only:
        status = "reported"
    elif _all_met(target, done, districts_missing, places_missing, periods_missing, k):
        status = "achieved"
    elif k == 3:
        status = "missed"
    elif ((expected is not None and done < expected)
          or (target.every_district and len(districts_covered) < len(promise.districts) * k // 3)
          or periods_missing):
        status = "behind"
    else:
        status = "on_track"
    return TargetFigures(
        id=target.id, title=target.title, status=status, goal=target.goal,
        done_in_period=int(in_period.sum()), done_to_date=done,
        districts_missing=districts_missing, places_missing=places_missing,
        periods_missing=periods_missing, districts_covered=districts_covered,
        places_visited=visited, done_per_period=per_period, expected_to_date=expected,
    )


def _all_met(target: Target, done: int, districts_missing: list[str], places_missing: list[str],
             periods_missing: list[str], tertial: int) -> bool:
    recurring = target.per_tertial_minimum is not None or target.per_month_minimum is not None
    if recurring and (tertial < 3 or periods_missing):
        return False  # 'every tertial/month' can only be fulfilled once the year is over
    return ((target.goal is None or done >= target.goal) and not districts_missing
            and not places_missing)


def district_matrix(activities: pd.DataFrame, promise: Promise) -> pd.DataFrame:
    labels = [a.label for a in promise.activities]
    districts = [d.name for d in promise.districts]
    if activities.empty:
        return pd.DataFrame(0, index=labels, columns=districts)
    table = activities.groupby(["activity", "district"]).size().unstack(fill_value=0)
    return table.reindex(index=labels, columns=districts, fill_value=0).astype(int)


def reconcile(accepted: pd.DataFrame, promise: Promise, period: Period) -> Reconciliation:
    """Figures for a report of `period`: everything dated from 1 January to the period's end."""
    # Plain object columns: without pyarrow, pandas' own string dtype compares and joins in a
    # Python loop per element, numpy's object arrays in C.
    accepted = accepted.astype({c: object for c, t in accepted.dtypes.items()
                                if isinstance(t, pd.StringDtype)})
    activities, rows = distinct_activities(accepted, promise, period.end)
    targets = [target_figures(t, activities, promise, period) for t in promise.targets]
    return Reconciliation(period, activities, rows, targets, district_matrix(activities, promise))
