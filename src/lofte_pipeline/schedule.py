"""When the pipeline runs by itself, computed from the promise and the Swedish calendar.

Static crons could not say "the first working day after the tertial" (they put finals on
1 January and 1 May and checks on weekends), and they kept running after the promise's year had
ended, where every run fails. So each promise gets its own list of runs: drafts on the Mondays
of each tertial's last three weeks, the final on the first working day after the tertial, the
missing-data check ten days before the final on a working day. Times are Swedish local time.
The list is handed to Prefect as fixed dates (`rruleset_text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from .period import Period, tertials
from .workdays import add_working_days, next_working_day, previous_working_day

if TYPE_CHECKING:
    from .promise import Promise

TIMEZONE = "Europe/Stockholm"
_STOCKHOLM = ZoneInfo(TIMEZONE)

RunKind = Literal["utkast", "slutlig", "kontroll"]

DRAFT_TIME = time(6, 0)
FINAL_TIME = time(6, 0)
CHECK_TIME = time(7, 0)
DRAFT_WINDOW_DAYS = 21  # the last three weeks of a tertial
CHECK_DAYS_BEFORE_FINAL = 10
APPROVAL_WORKING_DAYS = 5
APPROVAL_TIME = time(16, 0)

# Prefect refuses longer rrule texts (prefect._internal.schemas.validators.MAX_RRULE_LENGTH).
MAX_RRULE_LENGTH = 6500


@dataclass(frozen=True)
class ScheduledRun:
    """One run the pipeline makes by itself."""

    kind: (
        RunKind  # utkast: draft report; slutlig: final report (+ approval); kontroll: missing data
    )
    period: str  # the tertial it is for, e.g. "2027-T1" (passed to the flow as `period`)
    at: datetime  # aware, Europe/Stockholm


def local_date(moment: datetime | None) -> date:
    """The Swedish calendar date of a moment (a run's scheduled time), today when None."""
    moment = moment or datetime.now(tz=_STOCKHOLM)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(_STOCKHOLM).date()


def period_for_run(day: date, final: bool) -> Period:
    """A draft reports the tertial it runs in; a final run reports the tertial that just ended."""
    current = Period.containing(day)
    if not final:
        return current
    previous_end = current.start - timedelta(days=1)
    return Period.containing(previous_end)


def deadline(period: Period) -> date:
    """The day the final report runs: the first working day after the tertial's last day."""
    return next_working_day(period.end + timedelta(days=1))


def draft_period(periods: int | Sequence[Period], day: date) -> Period:
    """The tertial a draft made today reports, for a promise running over `periods` (or a
    calendar year): today's, or the nearest the promise has when it has ended or not begun."""
    known = tertials(periods) if isinstance(periods, int) else list(periods)
    current = Period.containing(day)
    if current in known:
        return current
    return known[-1] if current > known[-1] else known[0]


def promise_periods(promise: Promise) -> list[Period]:
    """The tertials a promise reports on: those its dates overlap."""
    return list(promise.periods)


def round_period(promise: Promise, period: str) -> str | None:
    """The period a national round of `period` ('2019-T2' or 'T2') reports for one promise:
    that tertial when the promise runs over it, otherwise the tertial of that number in the
    promise's first year it runs over (None when it has none)."""
    text = period.strip().upper()
    known = [p.id for p in promise.periods]
    if text in known:
        return text
    tertial = text.rsplit("-", 1)[-1]
    return next((p for p in known if p.endswith(f"-{tertial}")), None)


@dataclass(frozen=True)
class RoundReport:
    """One report of a round over every promise in a folder: what `build_report` is given."""

    promise_id: str
    promise: str
    inbox: str
    out: str
    period: str
    final: bool

    def parameters(self) -> dict[str, str | bool]:
        return {
            "promise": self.promise,
            "inbox": self.inbox,
            "out": self.out,
            "period": self.period,
            "final": self.final,
        }


def round_reports(
    promise_dir: Path, inbox_root: Path, out: Path, period: str, final: bool
) -> tuple[list[RoundReport], list[str]]:
    """The reports a round of `period` builds, one per promise file in `promise_dir` whose
    promise runs over it (its inbox `<inbox_root>/<id>`), and the ids of the promises left out."""
    from .promise import load_promise

    reports, left_out = [], []
    for path in sorted(promise_dir.glob("*.yaml")):
        promise = load_promise(path)
        reported = round_period(promise, period)
        if reported is None:
            left_out.append(promise.id)
            continue
        inbox = (inbox_root / promise.id).resolve()
        reports.append(
            RoundReport(
                promise.id, str(path.resolve()), str(inbox), str(out.resolve()), reported, final
            )
        )
    return reports, left_out


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=_STOCKHOLM)


def draft_days(period: Period) -> list[date]:
    """The Mondays of the tertial's last three weeks, each moved to the next working day when
    it is not one (Easter Monday), but never past the tertial's end."""
    first = period.end - timedelta(days=DRAFT_WINDOW_DAYS - 1)
    mondays = [
        first + timedelta(days=offset)
        for offset in range(DRAFT_WINDOW_DAYS)
        if (first + timedelta(days=offset)).weekday() == 0
    ]
    moved = sorted({next_working_day(monday) for monday in mondays})
    return [day for day in moved if day <= period.end]


def check_day(period: Period) -> date:
    """The missing-data check: ten days before the final, on the working day at or before."""
    return previous_working_day(deadline(period) - timedelta(days=CHECK_DAYS_BEFORE_FINAL))


def period_runs(period: Period) -> list[ScheduledRun]:
    """Every run for one tertial, in time order."""
    runs = [ScheduledRun("utkast", period.id, _at(day, DRAFT_TIME)) for day in draft_days(period)]
    runs.append(ScheduledRun("kontroll", period.id, _at(check_day(period), CHECK_TIME)))
    runs.append(ScheduledRun("slutlig", period.id, _at(deadline(period), FINAL_TIME)))
    return sorted(runs, key=lambda run: run.at)


def promise_runs(promise: Promise, after: datetime | None = None) -> list[ScheduledRun]:
    """The runs of a promise still ahead: at or after `after` (default now; a naive moment is
    read as UTC, as Prefect's times are), sorted by time. A promise whose year has ended keeps
    only its T3 final (in January) and what precedes it that is still ahead."""
    start = after or datetime.now(tz=_STOCKHOLM)
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo("UTC"))
    runs = [run for period in promise_periods(promise) for run in period_runs(period)]
    return sorted((run for run in runs if run.at >= start), key=lambda run: (run.at, run.kind))


def approval_deadline(start: datetime) -> datetime:
    """When a final waiting for approval gives up: 16:00 Swedish time on the fifth working day
    after the day it started, so the whole publication week is covered."""
    return _at(add_working_days(local_date(start), APPROVAL_WORKING_DAYS), APPROVAL_TIME)


def _local_stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"En schemalagd tidpunkt saknar tidszon: {moment.isoformat()}")
    local = moment.astimezone(_STOCKHOLM)
    if local.microsecond:
        raise ValueError(f"En schemalagd tidpunkt har bråkdelar av sekunder: {moment.isoformat()}")
    naive = local.replace(tzinfo=None)
    # A floating local time must name one moment: not the hour repeated when summer time ends.
    earlier, later = (naive.replace(tzinfo=_STOCKHOLM, fold=f) for f in (0, 1))
    if earlier.utcoffset() != later.utcoffset():
        raise ValueError(f"Tidpunkten är tvetydig i svensk tid: {moment.isoformat()}")
    return naive.strftime("%Y%m%dT%H%M%S")


def rruleset_text(moments: Sequence[datetime]) -> str:
    """An RFC 5545 recurrence set that yields exactly these moments, for Prefect's RRule schedule
    with timezone=TIMEZONE.

    The times are written as floating Swedish local times (no TZID, no Z): Prefect gives every
    date in the set the schedule's timezone by replacing its tzinfo, so a UTC time would shift by
    the UTC offset, and dateutil refuses TZID on RDATE. One RDATE line per moment keeps each
    line short without folding, which Prefect would not unfold. DTSTART is the first moment;
    without an RRULE it adds no occurrence of its own.
    """
    stamps = sorted({_local_stamp(moment) for moment in moments})
    if not stamps:
        raise ValueError("Ett schema behöver minst en tidpunkt.")
    text = "\n".join([f"DTSTART:{stamps[0]}", *(f"RDATE:{stamp}" for stamp in stamps)])
    if len(text) > MAX_RRULE_LENGTH:
        raise ValueError(
            f"Schemat har för många tidpunkter ({len(stamps)}) för Prefect "
            f"({len(text)} tecken, högst {MAX_RRULE_LENGTH})."
        )
    return text
