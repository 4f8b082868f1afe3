"""Schedules: drafts before each tertial ends, the final on the first weekday after, the
missing-data check ten days before each deadline; Swedish time across daylight saving."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from prefect.server.schemas.schedules import CronSchedule

from lofte_pipeline.period import Period
from lofte_pipeline.schedule import (
    MISSING_DATA_SCHEDULES,
    REPORT_SCHEDULES,
    TIMEZONE,
    deadline,
    local_date,
    period_for_run,
)

STOCKHOLM = ZoneInfo(TIMEZONE)


def run_times(specs, year: int) -> list[datetime]:
    """Every run Prefect's own scheduler would create for these specs in a calendar year."""
    start = datetime(year, 1, 1, tzinfo=STOCKHOLM)
    end = datetime(year + 1, 1, 1, tzinfo=STOCKHOLM)
    times = []
    for spec in specs:
        schedule = CronSchedule(cron=spec.cron, timezone=spec.timezone, day_or=spec.day_or)
        dates = asyncio.run(schedule.get_dates(n=1000, start=start, end=end))
        times += [d.astimezone(STOCKHOLM) for d in dates]
    return sorted(times)


def first_weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day = date.fromordinal(day.toordinal() + 1)
    return day


@pytest.mark.parametrize("year", [2019, date.today().year])
def test_final_runs_on_the_first_weekday_after_each_tertial(year, capsys):
    finals = list(run_times([s for s in REPORT_SCHEDULES if s.parameters["final"]], year))
    with capsys.disabled():
        print(
            f"\nSlutliga körningar {year}: "
            + ", ".join(t.strftime("%a %Y-%m-%d %H:%M %Z") for t in finals)
        )
    expected = [first_weekday_on_or_after(date(year, m, 1)) for m in (1, 5, 9)]
    assert [t.date() for t in finals] == expected
    assert {(t.hour, t.minute) for t in finals} == {(6, 0)}  # local time, summer and winter


@pytest.mark.parametrize("year", [2019, date.today().year])
def test_drafts_run_weekly_in_the_last_three_weeks_of_each_tertial(year, capsys):
    drafts = run_times([s for s in REPORT_SCHEDULES if not s.parameters["final"]], year)
    with capsys.disabled():
        print(f"\nUtkast {year}: " + ", ".join(t.strftime("%Y-%m-%d %H:%M %Z") for t in drafts))
    assert len(drafts) == 9  # three Mondays in each of the three windows
    for tertial in (1, 2, 3):
        end = Period(year, tertial).end
        mine = [t.date() for t in drafts if Period.containing(t.date()).tertial == tertial]
        assert len(mine) == 3
        assert all(0 <= (end - d).days < 21 and d.weekday() == 0 for d in mine)
    assert {(t.hour, t.minute) for t in drafts} == {(6, 0)}
    # April drafts are in summer time (UTC+2), December drafts in winter time (UTC+1).
    offsets = {t.month: t.utcoffset().total_seconds() / 3600 for t in drafts}
    assert (offsets[4], offsets[8], offsets[12]) == (2, 2, 1)


@pytest.mark.parametrize("year", [2019, date.today().year])
def test_missing_data_check_runs_ten_days_before_each_deadline(year, capsys):
    checks = run_times(MISSING_DATA_SCHEDULES, year)
    with capsys.disabled():
        print(f"\nKontroller {year}: " + ", ".join(t.strftime("%Y-%m-%d %H:%M %Z") for t in checks))
    assert [(deadline(Period(year, k)) - t.date()).days for k, t in zip((1, 2, 3), checks)] == [
        10,
        10,
        10,
    ]


@pytest.mark.parametrize(
    ("day", "final", "expected"),
    [
        (date(2019, 4, 15), False, "2019-T1"),  # a draft reports the tertial it runs in
        (date(2019, 5, 2), True, "2019-T1"),  # the final reports the tertial that just ended
        (date(2019, 9, 2), True, "2019-T2"),
        (date(2020, 1, 1), True, "2019-T3"),  # across the turn of the year
        (date(2019, 12, 16), False, "2019-T3"),
    ],
)
def test_the_period_a_run_belongs_to(day, final, expected):
    assert period_for_run(day, final).id == expected


def test_a_scheduled_time_is_read_in_swedish_time():
    late_utc = datetime(2019, 4, 30, 22, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 1 May in Sweden
    assert local_date(late_utc) == date(2019, 5, 1)
