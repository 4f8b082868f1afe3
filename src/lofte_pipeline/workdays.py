"""Swedish working days: what the schedules count in.

A working day is a weekday that is neither a public holiday ("röd dag") nor one of the eves
that are non-working in practice: midsommarafton, julafton and nyårsafton. The public holidays
come from the maintained `holidays` calendar; the eves are added here as well, so they count
even if a version of the calendar files them under another category or leaves them out.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# The calendar's categories: public holidays, and the eves that are de facto days off.
_CATEGORIES = ("public", "de_facto")


def _midsummer_eve(year: int) -> date:
    """Midsommarafton: the Friday between 19 and 25 June."""
    day = date(year, 6, 19)
    return day + timedelta(days=(4 - day.weekday()) % 7)


@lru_cache(maxsize=64)
def non_working_holidays(year: int) -> frozenset[date]:
    """The public holidays and non-working eves of a year (weekends aside)."""
    calendar = holidays.country_holidays("SE", years=year, categories=_CATEGORIES)
    days = {day for day in calendar if day.year == year}
    days |= {_midsummer_eve(year), date(year, 12, 24), date(year, 12, 31)}
    return frozenset(days)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a public holiday, midsommarafton, julafton or nyårsafton."""
    return day.weekday() < 5 and day not in non_working_holidays(day.year)


def next_working_day(day: date) -> date:
    """The day itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date) -> date:
    """The day itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The count-th working day after `day` (before it when count is negative; 0: `day`)."""
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day
