"""Reporting periods: tertials T1 = Jan–Apr, T2 = May–Aug, T3 = Sep–Dec, and the calendar
periods (days, weeks, months, quarters, years) that a rule of a promise can count in."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .errors import PeriodError
from .messages import message

if TYPE_CHECKING:
    from .promise import Promise

_PERIOD = re.compile(r"^\s*(\d{4})-T([123])\s*$", re.IGNORECASE)
TERTIAL_MONTHS = {1: (1, 4), 2: (5, 8), 3: (9, 12)}
TERTIAL_NAMES_SV = {
    1: "tertial 1 (januari–april)",
    2: "tertial 2 (maj–augusti)",
    3: "tertial 3 (september–december)",
}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    tertial: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text or "")
        if not match:
            raise PeriodError(message("perioden.okand", text=text))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Period:
        return cls(day.year, (day.month - 1) // 4 + 1)

    @property
    def id(self) -> str:
        return f"{self.year}-T{self.tertial}"

    @property
    def start(self) -> date:
        return date(self.year, TERTIAL_MONTHS[self.tertial][0], 1)

    @property
    def end(self) -> date:
        month = TERTIAL_MONTHS[self.tertial][1]
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def name_sv(self) -> str:
        return TERTIAL_NAMES_SV[self.tertial]

    def elapsed_in_year(self) -> list[Period]:
        """This tertial and the ones before it in the same year."""
        return [Period(self.year, k) for k in range(1, self.tertial + 1)]

    def __str__(self) -> str:
        return self.id


def tertials(year: int) -> list[Period]:
    return [Period(year, k) for k in (1, 2, 3)]


def promise_tertials(start: date, end: date) -> tuple[Period, ...]:
    """The tertials that overlap the days from `start` to `end`."""
    first, last = Period.containing(start), Period.containing(end)
    found = []
    current = first
    while current <= last:
        found.append(current)
        current = (
            Period(current.year, current.tertial + 1)
            if current.tertial < 3
            else Period(current.year + 1, 1)
        )
    return tuple(found)


@dataclass(frozen=True)
class CalendarPeriod:
    """One day, ISO week, month, quarter, tertial or year, as a rule counts in it."""

    unit: str
    id: str  # 2020-03-14, 2020-W12, 2020-03, 2020-Q1, 2020-T1, 2020
    start: date
    end: date


def period_of(unit: str, day: date) -> CalendarPeriod:
    if unit == "day":
        return CalendarPeriod(unit, day.isoformat(), day, day)
    if unit == "week":
        iso = day.isocalendar()
        monday = day - timedelta(days=iso.weekday - 1)
        return CalendarPeriod(unit, f"{iso.year}-W{iso.week:02}", monday, monday + timedelta(6))
    if unit == "year":
        return CalendarPeriod(unit, str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))
    months = {"month": 1, "quarter": 3, "tertial": 4}[unit]
    index = (day.month - 1) // months
    first = index * months + 1
    last = first + months - 1
    end = date(day.year, last, calendar.monthrange(day.year, last)[1])
    label = {
        "month": f"{day.year}-{first:02}",
        "quarter": f"{day.year}-Q{index + 1}",
        "tertial": f"{day.year}-T{index + 1}",
    }[unit]
    return CalendarPeriod(unit, label, date(day.year, first, 1), end)


def calendar_periods(unit: str, start: date, end: date) -> list[CalendarPeriod]:
    """The whole periods of `unit` from `start` to `end`: one cut by either date is not judged
    (a rule for every week cannot ask a full week's work of the two days a promise had)."""
    found = []
    current = period_of(unit, start)
    while current.start <= end:
        if current.start >= start and current.end <= end:
            found.append(current)
        current = period_of(unit, current.end + timedelta(days=1))
    return found


def resolve_period(promise: Promise, period: str | Period) -> Period:
    """The period of a report of `promise`: 'ÅÅÅÅ-Tn' parsed, and one the promise runs over."""
    resolved = period if isinstance(period, Period) else Period.parse(period)
    if resolved not in promise.periods:
        if promise.start == date(promise.year, 1, 1) and promise.end == date(promise.year, 12, 31):
            raise PeriodError(
                message("rapport.period_utanfor_aret", period=resolved.id, year=promise.year)
            )
        raise PeriodError(
            message(
                "rapport.period_utanfor_loftet",
                period=resolved.id,
                start=promise.start,
                end=promise.end,
                periods=", ".join(p.id for p in promise.periods),
            )
        )
    return resolved
