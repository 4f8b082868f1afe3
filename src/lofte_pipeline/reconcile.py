"""Reconciliation: accepted rows -> distinct activities -> figures and status per target. No I/O."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pandas as pd

from .period import Period
from .promise import Kind, Measure, Promise, Target
from .text import fold_series

Status = Literal["achieved", "on_track", "behind", "missed", "reported", "toward_aim"]
ACTIVITY_COLUMNS = [
    "activity_no",
    "date",
    "activity",
    "target",
    "district",
    "place",
    "sources",
    "reports",
    "amount",
]
ORIGIN = ["source", "file", "sheet", "row"]  # where a row was reported, in reading order
IDENTITY = ["same_activity", "same_date", "same_district", "same_place"]


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
    kind: Kind = "commitment"
    measure: Measure = "occasions"
    amount_in_period: int | None = None
    amount_to_date: int | None = None
    amount_unit: str | None = None

    @property
    def measured_to_date(self) -> int:
        """What the target's number is compared with: its activities, or their amounts."""
        return (self.amount_to_date or 0) if self.measure == "amount" else self.done_to_date


@dataclass
class Reconciliation:
    period: Period
    activities: pd.DataFrame  # one row per distinct activity, dated up to the period's end
    rows: pd.DataFrame  # the accepted rows behind them, with activity_no
    targets: list[TargetFigures]
    district_matrix: pd.DataFrame  # activity label x district -> distinct activities to date


def identity(rows: pd.DataFrame, promise: Promise) -> pd.DataFrame:
    """The activity each row reports (IDENTITY columns): same type, date, district and place is
    one activity whoever reported it; a new area (one_per_place) is one area whenever and in
    whichever district it was reported, so its date and district are left out."""
    place = fold_series(rows["place"])
    new_area = rows["activity"].isin({a.label for a in promise.activities if a.one_per_place})
    new_area &= place != ""
    return pd.DataFrame(
        {
            "same_activity": rows["activity"],
            "same_date": rows["date"].where(~new_area, None),
            "same_district": rows["district"].where(~new_area, None),
            "same_place": place,
        },
        index=rows.index,
    )


def iso_dates(days: pd.Series) -> pd.Series:
    """'2019-05-02' for each date and '' for a missing one: how dates are written in the CSVs."""
    return pd.Series(
        ["" if pd.isna(d) else d.isoformat() for d in days], index=days.index, dtype=object
    )


def distinct_activities(
    rows: pd.DataFrame, promise: Promise, until: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Collapse rows into activities dated on or before `until`, each credited to every source.
    The result does not depend on the order the rows come in: the earliest report of an activity
    (by date, then by ORIGIN) defines its date, district, place and target."""
    if rows.empty:
        return (
            pd.DataFrame(columns=ACTIVITY_COLUMNS),
            rows.assign(activity_no=pd.Series(dtype="int64")),
        )
    rows = rows.sort_values(["date", *ORIGIN], kind="stable")  # earliest report first
    # One number per activity, in the order of first reports; its first report defines it.
    same = identity(rows, promise).groupby(IDENTITY, dropna=False, sort=False)
    rows = rows.assign(group=same.ngroup())
    first = rows.drop_duplicates("group").set_index("group")
    # Its sources: the distinct source ids of its rows, sorted, joined with ';'.
    reporters = rows.drop_duplicates(["group", "source"]).sort_values("source", kind="stable")
    sources = (reporters["source"] + ";").groupby(reporters["group"]).sum().str.removesuffix(";")
    # Its amount (Antal): the largest any report gives, as two reports of one control count the
    # same drivers; missing when no report gives one.
    activities = first[["date", "activity", "target", "district", "place"]].assign(
        sources=sources,
        reports=rows.groupby("group").size(),
        amount=rows.groupby("group")["count"].max().astype("Int64"),
    )
    activities = activities[activities["date"] <= until]  # as dated by its first report
    activities = activities.sort_values(
        ["date", "activity", "district", "place"], kind="stable", na_position="last"
    )
    number = pd.Series(range(1, len(activities) + 1), index=activities.index, dtype="int64")
    activities.insert(0, "activity_no", number)
    rows = rows[rows["group"].isin(number.index)]
    rows = rows.assign(activity_no=rows["group"].map(number).astype("int64")).drop(columns="group")
    rows = rows.sort_values(["activity_no", *ORIGIN], kind="stable")
    return activities.reset_index(drop=True), rows.reset_index(drop=True)


def at_place(mine: pd.DataFrame, keys: set[str]) -> pd.Series:
    """An activity is at a named place when its Plats or its Kommundel names it."""
    return mine["place_key"].isin(keys) | mine["district_key"].isin(keys)


def target_figures(
    target: Target, mine: pd.DataFrame, promise: Promise, period: Period
) -> TargetFigures:
    """Figures and status of one target from `mine`, the target's activities, with folded
    `place_key` and `district_key` (see reconcile, which adds them once for all targets).

    It is judged by what the promise names and by the follow-up's rule together. An aim is
    reported as progress toward it, never as broken; ongoing work and a rule for the whole year
    are achieved only in the year's final report."""
    days = mine["date"]
    in_period = days.between(period.start, period.end)

    def between(start: date, end: date) -> int:
        return int(days.between(start, end).sum())

    covered = set(mine["district"])
    districts_covered = [d.name for d in promise.districts if d.name in covered]
    districts_missing = (
        [d.name for d in promise.districts if d.name not in covered]
        if target.in_every_district
        else []
    )
    places = target.judged_places
    visited = [p.name for p in places if at_place(mine, p.keys).any()]
    places_missing = [p.name for p in places if p.name not in visited]
    per_period = {p.id: between(p.start, p.end) for p in period.elapsed_in_year()}
    tertial_minimum, month_minimum = target.tertial_minimum, target.month_minimum
    periods_missing = (
        [p for p, n in per_period.items() if n < tertial_minimum] if tertial_minimum else []
    )
    if month_minimum:
        months = Counter(f"{d:%Y-%m}" for d in days)
        elapsed_months = [f"{period.year}-{n:02}" for n in range(1, period.end.month + 1)]
        periods_missing += [m for m in elapsed_months if months[m] < month_minimum]
    # No amount at all (no activity gave an Antal) is unknown, not zero.
    amounts = mine["amount"] if target.amount_unit and mine["amount"].notna().any() else None
    figures = TargetFigures(
        id=target.id,
        title=target.title,
        status="reported",
        goal=target.goal,
        done_in_period=int(in_period.sum()),
        done_to_date=len(mine),
        districts_missing=districts_missing,
        places_missing=places_missing,
        periods_missing=periods_missing,
        districts_covered=districts_covered,
        places_visited=visited,
        done_per_period=per_period,
        kind=target.kind,
        measure=promise.measure(target),
        amount_in_period=None if amounts is None else int(amounts[in_period].sum()),
        amount_to_date=None if amounts is None else int(amounts.sum()),
        amount_unit=target.amount_unit,
    )
    k = period.tertial
    minimum = target.minimum
    figures.expected_to_date = minimum * k // 3 if minimum is not None else None
    figures.status = _status(target, figures, len(promise.districts), k)
    return figures


def _status(target: Target, figures: TargetFigures, districts: int, tertial: int) -> Status:
    if target.reported_only:
        return "reported"
    final = tertial == 3
    measured, minimum = figures.measured_to_date, target.minimum
    met = (
        (minimum is None or measured >= minimum)
        and not figures.districts_missing
        and not figures.places_missing
        and not figures.periods_missing
    )
    if met and (final or not (target.whole_year or target.recurring)):
        return "achieved"
    if target.kind == "aim":
        return "toward_aim"
    if final:
        return "missed"
    expected = figures.expected_to_date
    if (
        (expected is not None and measured < expected)
        or (target.in_every_district and len(figures.districts_covered) < districts * tertial // 3)
        or figures.periods_missing
    ):
        return "behind"
    return "on_track"


def district_matrix(activities: pd.DataFrame, promise: Promise) -> pd.DataFrame:
    """Distinct activities per activity label and district, every label and district shown (zero
    where nothing was done), in the promise's order."""
    labels = [a.label for a in promise.activities]
    districts = [d.name for d in promise.districts]
    if activities.empty:
        return pd.DataFrame(0, index=labels, columns=districts)
    table = activities.groupby(["activity", "district"]).size().unstack(fill_value=0)
    return table.reindex(index=labels, columns=districts, fill_value=0).astype(int)


def reconcile(accepted: pd.DataFrame, promise: Promise, period: Period) -> Reconciliation:
    """Figures for a report of `period`: everything dated from 1 January to the period's end."""
    # Text columns as plain objects, so activities and rows have one dtype whatever was read.
    accepted = accepted.astype(
        {c: object for c, t in accepted.dtypes.items() if isinstance(t, pd.StringDtype)}
    )
    activities, rows = distinct_activities(accepted, promise, period.end)
    looked_up = activities.assign(
        place_key=fold_series(activities["place"]), district_key=fold_series(activities["district"])
    )
    by_target = dict(tuple(looked_up.groupby("target", sort=False)))
    targets = [
        target_figures(t, by_target.get(t.id, looked_up.iloc[:0]), promise, period)
        for t in promise.targets
    ]
    return Reconciliation(period, activities, rows, targets, district_matrix(activities, promise))
