"""Reconciliation: accepted rows -> distinct activities -> figures and status per target. No I/O."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Literal

import pandas as pd

from .period import Period, calendar_periods, period_of
from .promise import Kind, Measure, Promise, Rhythm, Target, Unit
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


@dataclass(frozen=True)
class Shortfall:
    """A rule per period that was not met: in one period (`period` its id), or on average."""

    unit: Unit
    period: str  # '2020-W12', '2020-03' …; '' for an average over the elapsed periods
    done: float
    required: float
    average: bool = False


@dataclass(frozen=True)
class PlaceCount:
    place: str
    done: int
    required: int


@dataclass(frozen=True)
class Rate:
    """The pace so far: activities (and amounts) per day, week …, from the promise's start."""

    per: Unit
    value: float
    amount_value: float | None = None


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
    shortfalls: list[Shortfall] = field(default_factory=list)
    place_counts: list[PlaceCount] = field(default_factory=list)
    rate: Rate | None = None
    responsible: list[str] = field(default_factory=list)  # partner ids
    joint: bool = False
    not_counted: int = 0
    """Activities of the target reported only by partners it does not name (or, when joint,
    not by each of them): shown, never counted."""
    triggers_to_date: int | None = None  # a conditional commitment's requests or events
    done_on: date | None = None  # a one-off task's first activity
    deadline: date | None = None

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
    each_row = rows["activity"].isin({a.label for a in promise.activities if a.one_per_row})
    if each_row.any():  # each row its own activity: its origin makes it distinct
        origin = rows["source"] + "\x1f" + rows["file"] + "\x1f" + rows["sheet"].astype(str)
        place = place.where(~each_row, place + "\x1f" + origin + "\x1f" + rows["row"].astype(str))
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
    target: Target,
    mine: pd.DataFrame,
    promise: Promise,
    period: Period,
    not_counted: int = 0,
) -> TargetFigures:
    """Figures and status of one target from `mine`, the activities that count toward it, with
    folded `place_key` and `district_key` (see reconcile, which adds them once for all targets).

    It is judged by what the promise names and by the follow-up's rule together, over the days
    from the promise's start to the end of `period`. An aim is reported as progress toward it,
    never as broken; ongoing work, a condition and a rule for the whole promise are achieved
    only in the promise's final report."""
    first, last = promise.span(period)
    trigger_labels = {a.label for a in promise.activities if a.triggers}
    triggered = mine["activity"].isin(trigger_labels)
    triggers, mine = mine[triggered], mine[~triggered]
    days = mine["date"]
    in_period = days.between(first, last)

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
    place_counts = _place_counts(target, mine)
    places_missing += [
        c.place for c in place_counts if c.done < c.required and c.place not in places_missing
    ]
    elapsed = [p for p in promise.periods if p <= period]
    per_period = {p.id: between(*promise.span(p)) for p in elapsed}
    shortfalls = [s for r in target.rhythms for s in _shortfalls(r, days, promise.start, last)]
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
        periods_missing=[s.period for s in shortfalls if not s.average],
        districts_covered=districts_covered,
        places_visited=visited,
        done_per_period=per_period,
        kind=target.kind,
        measure=promise.measure(target),
        amount_in_period=None if amounts is None else int(amounts[in_period].sum()),
        amount_to_date=None if amounts is None else int(amounts.sum()),
        amount_unit=target.amount_unit,
        shortfalls=shortfalls,
        place_counts=place_counts,
        responsible=list(target.responsible),
        joint=target.joint,
        not_counted=not_counted,
        triggers_to_date=len(triggers) if target.kind == "conditional" else None,
        done_on=min(days) if target.kind == "task" and len(days) else None,
        deadline=target.deadline,
    )
    if target.rate is not None:
        figures.rate = _rate(target.rate, len(mine), figures.amount_to_date, promise.start, last)
    share = elapsed_share(promise.start, promise.end, last)
    minimum = target.minimum
    figures.expected_to_date = int(minimum * share) if minimum is not None else None
    figures.status = _status(
        target, figures, int(len(promise.districts) * share), promise.is_final(period), last
    )
    return figures


def months_between(first: date, last: date) -> Fraction:
    """Months from `first` to `last`, both included; a month begun counts by its days."""
    total = Fraction(0)
    day = first
    while day <= last:
        month = period_of("month", day)
        stop = min(month.end, last)
        total += Fraction((stop - day).days + 1, (month.end - month.start).days + 1)
        day = stop + timedelta(days=1)
    return total


def elapsed_share(start: date, end: date, until: date) -> Fraction:
    """How much of the promise has passed by `until`, in months, so that a calendar year's
    first tertial is exactly a third of it."""
    return min(Fraction(1), months_between(start, min(until, end)) / months_between(start, end))


def _shortfalls(rule: Rhythm, days: pd.Series, start: date, until: date) -> list[Shortfall]:
    """The whole periods of the rule's unit from `start` to `until` that fell short of it, or
    the average over them when the rule is an average."""
    periods = calendar_periods(rule.unit, start, until)
    if not periods:
        return []
    counts = Counter(period_of(rule.unit, d).id for d in days)
    if rule.average:
        done = sum(counts[p.id] for p in periods) / len(periods)
        if done + 1e-9 < rule.amount:
            return [Shortfall(rule.unit, "", round(done, 2), rule.amount, average=True)]
        return []
    return [
        Shortfall(rule.unit, p.id, counts[p.id], rule.amount)
        for p in periods
        if counts[p.id] < rule.amount
    ]


def _place_counts(target: Target, mine: pd.DataFrame) -> list[PlaceCount]:
    """Activities per place for a per-place rule: the places the file lists, or when it lists
    none every place the logs give (as first written)."""
    required = target.place_minimum
    if required is None:
        return []
    if target.judged_places:
        return [
            PlaceCount(p.name, int(at_place(mine, p.keys).sum()), required)
            for p in target.judged_places
        ]
    named = mine[mine["place_key"] != ""].sort_values("date", kind="stable")
    shown = named.drop_duplicates("place_key").set_index("place_key")["place"]
    counts = named.groupby("place_key").size()
    return [PlaceCount(str(shown[k]), int(counts[k]), required) for k in shown.index]


UNIT_DAYS = {"day": 1, "week": 7}
UNIT_MONTHS = {"month": 1, "quarter": 3, "tertial": 4, "year": 12}


def _rate(unit: Unit, done: int, amount: int | None, start: date, until: date) -> Rate:
    """Per day or week by days; per month and longer by months."""
    if unit in UNIT_DAYS:
        units = Fraction((until - start).days + 1, UNIT_DAYS[unit])
    else:
        units = months_between(start, until) / UNIT_MONTHS[unit]
    value = round(float(done / units), 2) if units else 0.0
    amount_value = round(float(amount / units), 2) if amount is not None and units else None
    return Rate(unit, value, amount_value)


def _status(
    target: Target, figures: TargetFigures, districts_due: int, final: bool, until: date
) -> Status:
    if target.reported_only:
        return "reported"
    if target.kind == "task":
        late = target.deadline is not None and (figures.done_on or until) > target.deadline
        if figures.done_to_date and not late:
            return "achieved"
        if figures.done_to_date:  # done, but after the date the promise gave
            return "missed"
        if final or (target.deadline is not None and until >= target.deadline):
            return "missed"
        return "on_track"
    measured, minimum = figures.measured_to_date, target.minimum
    met = (
        (minimum is None or measured >= minimum)
        and not figures.districts_missing
        and not figures.places_missing
        and not figures.shortfalls
        and (figures.triggers_to_date is None or figures.done_to_date >= figures.triggers_to_date)
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
        or (target.in_every_district and len(figures.districts_covered) < districts_due)
        or figures.shortfalls
        or (figures.triggers_to_date or 0) > figures.done_to_date
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


def counted_by(target: Target, sources: pd.Series, promise: Promise) -> pd.Series:
    """Whether each activity (its ';'-joined sources) counts toward `target`: any source of a
    partner it names, or when joint a source of each of them; every activity when it names
    none."""
    if not target.responsible:
        return pd.Series(True, index=sources.index)
    reporters = sources.str.split(";").map(
        lambda ids: {p.id for s in ids if (p := promise.partner_by_source.get(s)) is not None}
    )
    named = set(target.responsible)
    if target.joint:
        return reporters.map(lambda found: named <= found).astype(bool)
    return reporters.map(lambda found: bool(named & found)).astype(bool)


def reconcile(accepted: pd.DataFrame, promise: Promise, period: Period) -> Reconciliation:
    """Figures for a report of `period`: everything dated from the promise's start to the
    period's end (or the promise's, when it ends within the period)."""
    # Text columns as plain objects, so activities and rows have one dtype whatever was read.
    accepted = accepted.astype(
        {c: object for c, t in accepted.dtypes.items() if isinstance(t, pd.StringDtype)}
    )
    activities, rows = distinct_activities(accepted, promise, promise.span(period)[1])
    looked_up = activities.assign(
        place_key=fold_series(activities["place"]), district_key=fold_series(activities["district"])
    )
    targets = []
    for target in promise.targets:
        nested = looked_up[looked_up["target"].isin(promise.counted_targets(target.id))]
        counts = counted_by(target, nested["sources"], promise)
        targets.append(
            target_figures(target, nested[counts], promise, period, int((~counts).sum()))
        )
    return Reconciliation(period, activities, rows, targets, district_matrix(activities, promise))
