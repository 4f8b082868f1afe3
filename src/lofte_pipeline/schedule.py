"""When the pipeline runs by itself: drafts before each tertial ends, the final just after, and a
missing-data check ten days before each publication deadline. Times are Swedish local time.

Plain cron cannot say "first weekday of the month", but two crons with day-of-month AND
day-of-week (`day_or=False`) can: the 1st when it is a weekday, else the Monday on the 2nd or 3rd.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .period import Period

TIMEZONE = "Europe/Stockholm"


@dataclass(frozen=True)
class ScheduleSpec:
    slug: str
    cron: str
    description: str
    day_or: bool = False
    parameters: dict[str, object] = field(default_factory=dict)
    timezone: str = TIMEZONE


REPORT_SCHEDULES = (
    # Drafts: Mondays in the last three weeks of each tertial (Apr 10-30, Aug 11-31, Dec 11-31).
    ScheduleSpec(
        "utkast-t1",
        "0 6 10-30 4 1",
        "Utkast varje måndag de tre sista veckorna av T1",
        parameters={"final": False},
    ),
    ScheduleSpec(
        "utkast-t2",
        "0 6 11-31 8 1",
        "Utkast varje måndag de tre sista veckorna av T2",
        parameters={"final": False},
    ),
    ScheduleSpec(
        "utkast-t3",
        "0 6 11-31 12 1",
        "Utkast varje måndag de tre sista veckorna av T3",
        parameters={"final": False},
    ),
    # Final: the first weekday after the tertial ends (January, May, September).
    ScheduleSpec(
        "slutlig-vardag-1",
        "0 6 1 1,5,9 1-5",
        "Slutlig rapport den 1:a när den är en vardag",
        parameters={"final": True},
    ),
    ScheduleSpec(
        "slutlig-mandag-2-3",
        "0 6 2-3 1,5,9 1",
        "Slutlig rapport på måndagen den 2:a eller 3:e när den 1:a är en helgdag",
        parameters={"final": True},
    ),
)

# Drafts run the report flow; finals run the publication flow, which waits for approval.
DRAFT_SCHEDULES = tuple(s for s in REPORT_SCHEDULES if not s.parameters["final"])
FINAL_SCHEDULES = tuple(
    ScheduleSpec(s.slug, s.cron, s.description, s.day_or)
    for s in REPORT_SCHEDULES
    if s.parameters["final"]
)

MISSING_DATA_SCHEDULES = (
    # Ten days before each deadline (1 May, 1 September, 1 January).
    ScheduleSpec("kontroll-t1", "0 7 21 4 *", "Saknade underlag T1, tio dagar före 1 maj"),
    ScheduleSpec("kontroll-t2", "0 7 22 8 *", "Saknade underlag T2, tio dagar före 1 september"),
    ScheduleSpec("kontroll-t3", "0 7 22 12 *", "Saknade underlag T3, tio dagar före 1 januari"),
)

INBOX_POLL_SECONDS = 120


def local_date(moment: datetime | None) -> date:
    """The Swedish calendar date of a moment (a run's scheduled time), today when None."""
    moment = moment or datetime.now(tz=ZoneInfo(TIMEZONE))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(TIMEZONE)).date()


def period_for_run(day: date, final: bool) -> Period:
    """A draft reports the tertial it runs in; a final run reports the tertial that just ended."""
    current = Period.containing(day)
    if not final:
        return current
    previous_end = current.start - timedelta(days=1)
    return Period.containing(previous_end)


def deadline(period: Period) -> date:
    """Publication is due when the tertial has ended: the day after its last day."""
    return period.end + timedelta(days=1)


def draft_period(year: int, day: date) -> Period:
    """The tertial a draft made today reports, for a promise of `year` (past years: the last)."""
    if day.year == year:
        return Period.containing(day)
    return Period(year, 3) if day.year > year else Period(year, 1)
