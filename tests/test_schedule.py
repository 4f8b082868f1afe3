"""Schedules computed from the promise: drafts on the Mondays of each tertial's last three weeks,
the final on the first working day after it, the missing-data check ten days before the final on
a working day, the approval deadline five working days on; Swedish time across daylight saving.
No run falls on a weekend or a Swedish public holiday, and none is for a period outside the
promise."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from prefect._internal.schemas.validators import MAX_RRULE_LENGTH as PREFECT_MAX_RRULE_LENGTH
from prefect.client.schemas.schedules import RRuleSchedule as ClientRRuleSchedule
from prefect.schedules import RRule
from prefect.server.schemas.schedules import RRuleSchedule as ServerRRuleSchedule

from lofte_pipeline.period import Period
from lofte_pipeline.schedule import (
    MAX_RRULE_LENGTH,
    TIMEZONE,
    ScheduledRun,
    approval_deadline,
    deadline,
    draft_period,
    local_date,
    period_for_run,
    promise_periods,
    promise_runs,
    rruleset_text,
)

STOCKHOLM = ZoneInfo(TIMEZONE)
YEARS = range(2026, 2031)


def at(year: int, month: int, day: int, hour: int = 6) -> datetime:
    return datetime(year, month, day, hour, tzinfo=STOCKHOLM)


def promise_of(promise, year: int):
    """The promise moved to the calendar year `year`."""
    return promise.model_copy(
        update={"year": year, "start": date(year, 1, 1), "end": date(year, 12, 31)}
    )


def all_runs(promise) -> list[ScheduledRun]:
    """Every run of a promise, from before its year began."""
    return promise_runs(promise, after=at(promise.year - 1, 1, 1))


def of_kind(runs: list[ScheduledRun], kind: str) -> list[ScheduledRun]:
    return [run for run in runs if run.kind == kind]


def red_or_free(day: date) -> bool:
    """A weekend, a Swedish public holiday or a de facto day off, by the holiday calendar."""
    calendar = holidays.country_holidays("SE", years=day.year, categories=("public", "de_facto"))
    return day.weekday() >= 5 or day in calendar


# The promise's own calendar.


def test_every_final_check_and_approval_deadline_2026_to_2030_is_on_a_working_day(promise, capsys):
    lines, bad = [], []
    for year in YEARS:
        runs = all_runs(promise_of(promise, year))
        finals, checks = of_kind(runs, "slutlig"), of_kind(runs, "kontroll")
        assert len(finals) == len(checks) == 3
        for final, check in zip(finals, checks):
            until = approval_deadline(final.at)
            lines.append(
                f"{final.period}: kontroll {check.at:%a %Y-%m-%d %H:%M}, "
                f"slutlig {final.at:%a %Y-%m-%d %H:%M}, granskning till {until:%a %Y-%m-%d %H:%M}"
            )
            bad += [m for m in (check.at, final.at, until) if red_or_free(m.date())]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert bad == []


@pytest.mark.parametrize(
    ("period", "final"),
    [
        ("2026-T1", date(2026, 5, 4)),  # 1 May 2026 is a Friday holiday → Monday 4 May
        ("2026-T2", date(2026, 9, 1)),  # a Tuesday
        ("2026-T3", date(2027, 1, 4)),  # 1 January 2027 is a Friday holiday → Monday 4 January
        ("2027-T1", date(2027, 5, 3)),  # 1 May 2027 is a Saturday → Monday 3 May
        ("2019-T3", date(2020, 1, 2)),  # 1 January 2020 is a Wednesday holiday → Thursday
    ],
)
def test_the_final_runs_on_the_first_working_day_after_the_tertial(promise, period, final):
    parsed = Period.parse(period)
    assert deadline(parsed) == final
    finals = of_kind(all_runs(promise_of(promise, parsed.year)), "slutlig")
    assert at(final.year, final.month, final.day) in [
        run.at for run in finals if run.period == period
    ]


@pytest.mark.parametrize(
    ("period", "check"),
    [
        ("2026-T2", date(2026, 8, 21)),  # not Saturday 22 August 2026, but Friday 21 August
        ("2027-T2", date(2027, 8, 20)),  # not Sunday 22 August 2027, but Friday 20 August
        ("2026-T1", date(2026, 4, 24)),  # ten days before Monday 4 May 2026: a Friday
        ("2026-T3", date(2026, 12, 23)),  # 4 January - 10 days is juldagen, back over julafton
        ("2019-T1", date(2019, 4, 18)),  # 22 April 2019 is annandag påsk: back over Easter
    ],
)
def test_the_missing_data_check_runs_ten_days_before_the_final_on_a_working_day(
    promise, period, check
):
    parsed = Period.parse(period)
    checks = [r for r in all_runs(promise_of(promise, parsed.year)) if r.kind == "kontroll"]
    expected = datetime(check.year, check.month, check.day, 7, tzinfo=STOCKHOLM)
    assert [r.at for r in checks if r.period == period] == [expected]


@pytest.mark.parametrize("year", [2019, *YEARS])
def test_drafts_run_on_the_mondays_of_each_tertials_last_three_weeks(promise, year):
    this = promise_of(promise, year)
    drafts = of_kind(all_runs(this), "utkast")
    for period in promise_periods(this):
        window = [period.end - timedelta(days=k) for k in range(20, -1, -1)]
        expected = []
        for monday in (d for d in window if d.weekday() == 0):
            while red_or_free(monday):  # moved to the next working day ...
                monday += timedelta(days=1)
            if monday <= period.end:  # ... but never out of the tertial
                expected.append(monday)
        assert [r.at.date() for r in drafts if r.period == period.id] == expected
    assert {(r.at.hour, r.at.minute) for r in drafts} == {(6, 0)}


def test_a_draft_on_easter_monday_moves_to_the_tuesday(promise):
    drafts = [r.at.date() for r in of_kind(all_runs(promise), "utkast") if r.period == "2019-T1"]
    assert drafts == [date(2019, 4, 15), date(2019, 4, 23), date(2019, 4, 29)]


def test_a_draft_never_moves_past_the_tertials_end(promise):
    # 2029: Monday 24 December is julafton (→ Thursday 27), Monday 31 December is nyårsafton,
    # and the next working day, 2 January 2030, is in another tertial: no draft then.
    drafts = [r.at.date() for r in of_kind(all_runs(promise_of(promise, 2029)), "utkast")]
    assert [d for d in drafts if d.month == 12] == [date(2029, 12, 17), date(2029, 12, 27)]


def test_times_are_swedish_local_time_in_summer_and_winter(promise):
    runs = all_runs(promise_of(promise, 2026))
    assert {(r.kind, r.at.hour) for r in runs} == {("utkast", 6), ("slutlig", 6), ("kontroll", 7)}
    assert all(r.at.tzinfo == STOCKHOLM for r in runs)
    offsets = {r.at.utcoffset() for r in runs if r.at.month in (4, 8)}
    assert offsets == {timedelta(hours=2)}  # summer time
    offsets = {r.at.utcoffset() for r in runs if r.at.month in (12, 1)}
    assert offsets == {timedelta(hours=1)}  # winter time


# Which runs a promise still has.


def test_runs_are_sorted_and_only_those_still_ahead(promise):
    promise_2026 = promise_of(promise, 2026)
    after = at(2026, 8, 21, 7)
    runs = promise_runs(promise_2026, after=after)
    assert runs == sorted(runs, key=lambda r: r.at)
    assert runs[0] == ScheduledRun("kontroll", "2026-T2", after)  # at `after` counts
    assert runs == [r for r in all_runs(promise_2026) if r.at >= after]


def test_a_promise_whose_year_has_ended_gets_no_more_runs(promise):
    assert promise.year == 2019
    assert promise_runs(promise, after=at(2026, 12, 2, 12)) == []


def test_a_promise_in_its_last_weeks_keeps_only_what_is_still_ahead(promise):
    runs = promise_runs(promise, after=datetime(2019, 12, 15, tzinfo=STOCKHOLM))
    assert runs == [
        ScheduledRun("utkast", "2019-T3", at(2019, 12, 16)),
        ScheduledRun("utkast", "2019-T3", at(2019, 12, 23)),
        ScheduledRun("kontroll", "2019-T3", at(2019, 12, 23, 7)),
        ScheduledRun("utkast", "2019-T3", at(2019, 12, 30)),
        ScheduledRun("slutlig", "2019-T3", at(2020, 1, 2)),
    ]


def test_the_t3_final_and_its_check_outlive_the_year(promise):
    runs = promise_runs(promise, after=at(2019, 12, 31, 12))
    assert runs == [ScheduledRun("slutlig", "2019-T3", at(2020, 1, 2))]


@pytest.mark.parametrize("year", [2019, *YEARS])
def test_every_run_is_for_one_of_the_promises_periods(promise, year):
    this = promise_of(promise, year)
    periods = {p.id for p in promise_periods(this)}
    assert periods == {f"{year}-T1", f"{year}-T2", f"{year}-T3"}
    runs = all_runs(this)
    assert {r.period for r in runs} == periods
    # Each run's period is also the one the flow would derive from the run's own day.
    for run in runs:
        assert run.period == period_for_run(run.at.date(), final=run.kind == "slutlig").id
    assert len(of_kind(runs, "slutlig")) == len(of_kind(runs, "kontroll")) == 3


# Waiting for approval.


def test_a_final_waits_for_approval_until_16_on_the_fifth_working_day():
    # Monday 4 January 2027: Wednesday 6 January is a holiday, so Tuesday 12 January.
    assert approval_deadline(at(2027, 1, 4)) == datetime(2027, 1, 12, 16, tzinfo=STOCKHOLM)
    assert approval_deadline(at(2026, 5, 4)) == datetime(2026, 5, 11, 16, tzinfo=STOCKHOLM)
    # Ascension Day (Thursday 14 May 2026) is not counted.
    assert approval_deadline(at(2026, 5, 11)) == datetime(2026, 5, 19, 16, tzinfo=STOCKHOLM)


def test_the_approval_deadline_counts_from_the_swedish_day_of_the_start():
    late_utc = datetime(2026, 8, 31, 22, 30, tzinfo=ZoneInfo("UTC"))  # Tuesday 1 Sep in Sweden
    assert approval_deadline(late_utc) == datetime(2026, 9, 8, 16, tzinfo=STOCKHOLM)


# Fixed dates for Prefect.


def prefect_dates(text: str, start: datetime, end: datetime) -> list[datetime]:
    """The moments Prefect makes of a schedule text, client-side and on the server."""
    client = ClientRRuleSchedule(rrule=text, timezone=TIMEZONE).to_rrule()
    client_dates = [d for d in client if start <= d <= end]
    server = ServerRRuleSchedule(rrule=text, timezone=TIMEZONE)
    server_dates = asyncio.run(server.get_dates(n=1000, start=start, end=end))
    assert client_dates == server_dates
    return [d.astimezone(STOCKHOLM) for d in server_dates]


def test_prefect_yields_exactly_the_scheduled_moments_across_daylight_saving(promise):
    moments = [r.at for r in all_runs(promise_of(promise, 2026))]
    # Around the spring change (29 March 2026) and the autumn change (25 October 2026).
    moments += [at(2026, 3, 27), at(2026, 3, 30), at(2026, 10, 23), at(2026, 10, 26)]
    moments += [datetime(2026, 3, 29, 3, 30, tzinfo=STOCKHOLM)]  # just after the gap
    text = rruleset_text(moments)
    dates = prefect_dates(text, at(2025, 1, 1), at(2028, 1, 1))
    assert dates == sorted(moments)
    assert [d.utcoffset() for d in dates] == [m.utcoffset() for m in sorted(moments)]
    assert [(d.hour, d.minute) for d in dates] == [(m.hour, m.minute) for m in sorted(moments)]


def test_prefects_rrule_schedule_accepts_the_text(promise):
    text = rruleset_text([r.at for r in all_runs(promise_of(promise, 2027)) if r.kind == "utkast"])
    schedule = RRule(text, timezone=TIMEZONE, parameters={"final": False}, slug="utkast")
    assert schedule.rrule == text and schedule.timezone == TIMEZONE


def test_the_same_moment_given_in_utc_is_the_same_moment(promise):
    utc = at(2026, 5, 4).astimezone(ZoneInfo("UTC"))
    assert rruleset_text([utc]) == rruleset_text([at(2026, 5, 4)])
    assert rruleset_text([at(2026, 5, 4), utc, at(2026, 4, 27)]).splitlines() == [
        "DTSTART:20260427T060000",
        "RDATE:20260427T060000",
        "RDATE:20260504T060000",
    ]


def test_a_moment_prefect_could_not_tell_apart_is_refused():
    with pytest.raises(ValueError, match="tvetydig"):  # 02:30 twice on 25 October 2026
        rruleset_text([datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC"))])
    with pytest.raises(ValueError, match="tidszon"):
        rruleset_text([datetime(2026, 5, 4, 6)])
    with pytest.raises(ValueError, match="minst en"):
        rruleset_text([])


def test_prefects_length_limit_is_kept():
    assert MAX_RRULE_LENGTH == PREFECT_MAX_RRULE_LENGTH
    many = [at(2026, 1, 1) + timedelta(days=k) for k in range(400)]
    with pytest.raises(ValueError, match="för många"):
        rruleset_text(many)
    ten_years_of_drafts = [at(2026, 1, 1) + timedelta(days=7 * k) for k in range(90)]
    assert len(rruleset_text(ten_years_of_drafts)) <= MAX_RRULE_LENGTH


# Unchanged helpers.


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


@pytest.mark.parametrize(
    ("year", "day", "expected"),
    [
        (2019, date(2019, 6, 1), "2019-T2"),
        (2019, date(2026, 6, 1), "2019-T3"),  # a past promise: its last tertial
        (2030, date(2026, 6, 1), "2030-T1"),  # a future promise: its first
    ],
)
def test_the_period_of_a_draft_made_now(year, day, expected):
    assert draft_period(year, day).id == expected


def test_a_scheduled_time_is_read_in_swedish_time():
    late_utc = datetime(2019, 4, 30, 22, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 1 May in Sweden
    assert local_date(late_utc) == date(2019, 5, 1)


def test_a_round_reports_each_promise_that_runs_over_its_period_with_its_own_inbox(
    tmp_path, promise_file
):
    import shutil

    import yaml

    from lofte_pipeline.schedule import round_reports

    promises = tmp_path / "loften"
    promises.mkdir()
    shutil.copy(promise_file, promises / "strangnas-2019.yaml")
    autumn = yaml.safe_load(promise_file.read_text(encoding="utf-8"))
    del autumn["ar"]
    autumn |= {"id": "host-2020", "borjar": date(2020, 9, 1), "slutar": date(2020, 12, 31)}
    (promises / "host-2020.yaml").write_text(yaml.safe_dump(autumn, allow_unicode=True))
    (promises / "anteckningar.txt").write_text("inte ett löfte")

    reports, left_out = round_reports(promises, tmp_path / "inkorgar", tmp_path / "ut", "T2", True)
    assert [(r.promise_id, r.period) for r in reports] == [("strangnas-2019", "2019-T2")]
    assert left_out == ["host-2020"]  # it runs over the third tertial only
    assert reports[0].parameters() == {
        "promise": str((promises / "strangnas-2019.yaml").resolve()),
        "inbox": str((tmp_path / "inkorgar" / "strangnas-2019").resolve()),
        "out": str((tmp_path / "ut").resolve()),
        "period": "2019-T2",
        "final": True,
    }
    autumn_round, left_out = round_reports(promises, tmp_path, tmp_path, "T3", False)
    assert [(r.promise_id, r.period) for r in autumn_round] == [
        ("host-2020", "2020-T3"),
        ("strangnas-2019", "2019-T3"),
    ]
    assert left_out == [] and not autumn_round[0].final
