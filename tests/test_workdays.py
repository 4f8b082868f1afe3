"""Swedish working days: Monday to Friday, except public holidays and the eves that are days off
in practice (midsommarafton, julafton, nyårsafton)."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from lofte_pipeline.workdays import (
    add_working_days,
    is_working_day,
    next_working_day,
    non_working_holidays,
    previous_working_day,
)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # nyårsdagen
        date(2026, 1, 6),  # trettondedag jul
        date(2026, 4, 3),  # långfredagen
        date(2026, 4, 6),  # annandag påsk
        date(2026, 5, 1),  # första maj
        date(2026, 5, 14),  # Kristi himmelsfärdsdag
        date(2025, 6, 6),  # nationaldagen, a Friday in 2025
        date(2026, 6, 19),  # midsommarafton
        date(2026, 12, 24),  # julafton
        date(2026, 12, 25),  # juldagen
        date(2026, 12, 31),  # nyårsafton
        date(2026, 8, 22),  # a Saturday
        date(2026, 8, 23),  # a Sunday
    ],
)
def test_days_that_are_not_working_days(day):
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 2),  # the Friday after New Year's Day
        date(2026, 1, 5),  # trettondagsafton: a working day
        date(2026, 4, 30),  # valborgsmässoafton: a working day
        date(2026, 11, 2),  # the Monday after alla helgons dag
        date(2026, 12, 23),
        date(2026, 12, 28),  # between Christmas and New Year
    ],
)
def test_ordinary_weekdays_are_working_days(day):
    assert is_working_day(day)


@pytest.mark.parametrize(
    "eve",
    [date(2024, 6, 21), date(2025, 6, 20), date(2026, 6, 19), date(2027, 6, 25)],
)
def test_midsummer_eve_is_the_friday_between_19_and_25_june(eve):
    assert eve.weekday() == 4 and 19 <= eve.day <= 25
    assert not is_working_day(eve)
    assert is_working_day(eve - timedelta(days=1))


def test_agrees_with_the_holiday_calendar_for_every_day_of_2019_to_2031():
    years = range(2019, 2032)
    red = holidays.country_holidays("SE", years=years)  # public holidays (and Sundays)
    eves = {"Midsummer Eve", "Christmas Eve", "New Year's Eve"}
    de_facto = {
        d
        for d, name in holidays.country_holidays("SE", years=years, categories="de_facto").items()
        if name in eves
    }
    assert len(de_facto) == 3 * len(years)  # the calendar has all three eves every year
    day = date(2019, 1, 1)
    while day.year < 2032:
        expected = day.weekday() < 5 and day not in red and day not in de_facto
        assert is_working_day(day) is expected, day
        day += timedelta(days=1)


def test_next_and_previous_working_day_keep_a_working_day():
    assert next_working_day(date(2026, 9, 1)) == date(2026, 9, 1)
    assert previous_working_day(date(2026, 9, 1)) == date(2026, 9, 1)


def test_next_working_day_skips_weekends_and_holidays():
    assert next_working_day(date(2027, 1, 1)) == date(2027, 1, 4)  # Friday holiday → Monday
    assert next_working_day(date(2026, 5, 1)) == date(2026, 5, 4)
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)  # julafton → Monday
    assert next_working_day(date(2026, 4, 3)) == date(2026, 4, 7)  # långfredagen → Tuesday


def test_previous_working_day_skips_weekends_and_holidays():
    assert previous_working_day(date(2026, 8, 22)) == date(2026, 8, 21)  # Saturday → Friday
    assert previous_working_day(date(2027, 8, 22)) == date(2027, 8, 20)  # Sunday → Friday
    assert previous_working_day(date(2019, 4, 22)) == date(2019, 4, 18)  # across Easter
    assert previous_working_day(date(2026, 12, 31)) == date(2026, 12, 30)


def test_adding_working_days_counts_only_working_days():
    # Monday 4 January 2027: Tue 5, (Wed 6 is trettondedag jul), Thu 7, Fri 8, Mon 11, Tue 12.
    assert add_working_days(date(2027, 1, 4), 1) == date(2027, 1, 5)
    assert add_working_days(date(2027, 1, 4), 2) == date(2027, 1, 7)
    assert add_working_days(date(2027, 1, 4), 5) == date(2027, 1, 12)
    assert add_working_days(date(2026, 8, 22), 1) == date(2026, 8, 24)  # from a Saturday


def test_adding_zero_or_negative_working_days():
    assert add_working_days(date(2026, 8, 22), 0) == date(2026, 8, 22)
    assert add_working_days(date(2027, 1, 12), -5) == date(2027, 1, 4)


def test_the_holiday_lookup_is_made_once_per_year():
    non_working_holidays.cache_clear()
    for offset in range(365):
        is_working_day(date(2026, 1, 1) + timedelta(days=offset))
    info = non_working_holidays.cache_info()
    assert info.misses == 1
    assert info.hits > 200  # every weekday of the year asks; only the first builds
