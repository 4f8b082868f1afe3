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


def activity_keys(rows: pd.DataFrame, promise: Promise,
                  day_codes: np.ndarray | None = None) -> np.ndarray:
    """The identity of the activity each row reports, as one integer per row.

    Same type, date, district and place is the same activity whoever reported it; a new area
    (one_per_place) is the same area whenever it was reported. Built from integer codes rather
    than joined strings, so grouping and sorting many rows stays cheap.
    """
    one_per_place = {a.label for a in promise.activities if a.one_per_place}
    place_key = fold_series(rows["place"])
    per_place = (rows["activity"].isin(one_per_place) & (place_key != "")).to_numpy()
    parts = [sorted_codes(rows["activity"]),
             np.where(per_place, -1, sorted_codes(rows["date"]) if day_codes is None
                      else day_codes),
             np.where(per_place, -1, sorted_codes(rows["district"])),
             sorted_codes(place_key)]
    key = np.zeros(len(rows), dtype=np.int64)
    for part in parts:  # mixed radix: each part's codes lie in -1 .. its size - 1
        key = key * (int(part.max(initial=0)) + 2) + (part + 1)
    return key


def sorted_codes(values: pd.Series) -> np.ndarray:
    """An integer per value that sorts as the values do (equal values, equal codes)."""
    return pd.factorize(values, sort=True)[0].astype(np.int64)


def stable_order(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The positions of sort_values(columns, kind="stable"): missing values last, ties as they
    come; from one factorisation per column, not pandas' comparisons of object columns."""
    keys = []
    for column in reversed(columns):
        codes, uniques = pd.factorize(frame[column], sort=True)
        keys.append(np.where(codes < 0, len(uniques), codes))
    return np.lexsort(keys)


def day_numbers(days: pd.Series) -> np.ndarray:
    """The dates as numpy days, converting each distinct date once."""
    codes, uniques = pd.factorize(days, sort=False)
    return np.array(list(uniques), dtype="datetime64[D]")[codes]


def iso_dates(days: pd.Series) -> pd.Series:
    """'2019-05-02' for each date, formatting each distinct day once (a year has 365)."""
    codes, uniques = pd.factorize(days, sort=False)
    texts = np.array([d.isoformat() for d in uniques] + [""], dtype=object)
    return pd.Series(texts[codes], index=days.index, dtype=object)


def distinct_activities(rows: pd.DataFrame, promise: Promise, until: date) -> tuple[pd.DataFrame,
                                                                                    pd.DataFrame]:
    """Collapse rows into activities dated on or before `until`, each credited to every source."""
    if rows.empty:
        return (pd.DataFrame(columns=ACTIVITY_COLUMNS),
                rows.assign(activity_no=pd.Series(dtype="int64")))
    day = sorted_codes(rows["date"])
    key = activity_keys(rows, promise, day)
    source, source_names = pd.factorize(rows["source"], sort=True)
    origin = [source, sorted_codes(rows["file"]), sorted_codes(rows["sheet"]),
              rows["row"].to_numpy()]
    # Order-independent: the earliest report of an activity defines its date, district and place.
    # Positions only (two takes of the frame at the end): activities are runs of equal keys.
    order = np.lexsort([*reversed(origin), day, key])
    first = _group_starts(key[order])
    in_time = rows["date"].to_numpy()[order[first]] <= until
    sizes = np.diff(np.r_[first, len(order)])
    kept = order[np.repeat(in_time, sizes)]  # original positions, activity by activity
    first, sizes = order[first[in_time]], sizes[in_time]
    # An activity's sources: one bit per source (there are few), joined once per combination.
    bits = (np.bitwise_or.reduceat(np.left_shift(1, source[kept]), np.r_[0, np.cumsum(sizes)[:-1]])
            if len(kept) else np.zeros(0, dtype=np.int64))
    joined = {b: ";".join(n for i, n in enumerate(source_names) if b >> i & 1)
              for b in np.unique(bits).tolist()}
    activities = rows[["date", "activity", "target", "district", "place"]].iloc[first]
    activities = activities.assign(
        sources=pd.Series([joined[b] for b in bits.tolist()], index=activities.index,
                          dtype=object),
        reports=sizes.astype(np.int64), group=np.arange(len(first)))
    activities = activities.iloc[stable_order(activities, ["date", "activity", "district", "place"])]
    number_of_group = np.empty(len(first), dtype=np.int64)
    number_of_group[activities["group"].to_numpy()] = np.arange(1, len(first) + 1)
    activities = activities.drop(columns="group")
    activities.insert(0, "activity_no", range(1, len(activities) + 1))
    numbers = np.repeat(number_of_group, sizes)
    final = np.lexsort([*(codes[kept] for codes in reversed(origin)), numbers])
    rows = rows.iloc[kept[final]].assign(activity_no=numbers[final])
    return activities.reset_index(drop=True), rows.reset_index(drop=True)


def _group_starts(key: np.ndarray) -> np.ndarray:
    """Where each run of equal keys begins in a sorted key array."""
    return np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key[:0]


def at_place(mine: pd.DataFrame, keys: set[str]) -> pd.Series:
    """An activity is at a named place when its Plats or its Kommundel names it."""
    return mine["place_key"].isin(keys) | mine["district_key"].isin(keys)


def target_figures(target: Target, mine: pd.DataFrame, promise: Promise,
                   period: Period) -> TargetFigures:
    """`mine`: the target's activities, with `day` and folded `place_key` and `district_key`
    (see reconcile, which adds them once for all targets)."""
    days = mine["day"].to_numpy()

    def between(start: date, end: date) -> np.ndarray:
        return (days >= np.datetime64(start, "D")) & (days <= np.datetime64(end, "D"))

    in_period = between(period.start, period.end)
    covered = set(mine["district"])
    districts_covered = [d.name for d in promise.districts if d.name in covered]
    districts_missing = ([d.name for d in promise.districts if d.name not in covered]
                         if target.every_district else [])
    visited = [p.name for p in target.places if at_place(mine, p.keys).any()]
    places_missing = [p.name for p in target.places if p.name not in visited]
    elapsed = period.elapsed_in_year()
    per_period = {p.id: int(between(p.start, p.end).sum()) for p in elapsed}
    periods_missing = ([p for p, n in per_period.items() if n < (target.per_tertial_minimum or 0)]
                       if target.per_tertial_minimum else [])
    if target.per_month_minimum:
        months = pd.Series(days.astype("datetime64[M]").astype(str)).value_counts()
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
    looked_up = activities.assign(
        day=day_numbers(activities["date"]),
        place_key=fold_series(activities["place"]),
        district_key=fold_series(activities["district"]))
    by_target = dict(tuple(looked_up.groupby("target", sort=False)))
    targets = [target_figures(t, by_target.get(t.id, looked_up.iloc[:0]), promise, period)
               for t in promise.targets]
    return Reconciliation(period, activities, rows, targets, district_matrix(activities, promise))
