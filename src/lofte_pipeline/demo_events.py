"""What happens in the demo's year: events planned from the promise, before anyone writes them down.

Kept apart from the files so the course of each target (how far it gets by each tertial, which
rows are duplicates, typos or carried over) can be read and changed in one place, and so the plan
does not depend on how a source happens to store it. Draws from the rng shared with the writers:
the order of the draws is part of the seed's output.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from .demo_words import AREAS, COMMENTS, ROADS, VENUES
from .period import calendar_periods
from .promise import Activity, NamedPlace, Promise, Target
from .text import fold

# Rules the course below does not already follow (a minimum per tertial or month has its own).
_OWN_RHYTHM = ("day", "week", "quarter", "year")


@dataclass(frozen=True)
class Event:
    """One thing that happened, before somebody typed it into a file."""

    when: datetime
    activity: Activity
    district: str
    place: str
    count: int | None
    source: int  # index into promise.sources
    comment: str = ""
    main: bool = False  # goes to the source's main workbook, district written verbatim


def plan_events(promise: Promise, rng: random.Random) -> list[Event]:
    """Events giving each target a plausible course, so the three tertial reports differ."""
    year, last = promise.year, len(promise.sources) - 1
    names = [d.name for d in promise.districts] or [""]  # a promise may name no districts
    events: list[Event] = []
    span = (promise.end - promise.start).days

    def at(month: int, hours: tuple[int, ...] = (9, 10, 13, 14, 18)) -> datetime:
        """A moment in the promise's 'month' (a twelfth of its time; a calendar month for a
        promise of one calendar year)."""
        day, hour, minute = rng.randint(1, 28), rng.choice(hours), rng.choice((0, 0, 30))
        if promise.calendar_year:
            return datetime(year, month, day, hour, minute)
        shown = promise.start + timedelta(days=int((month - 1 + day / 29) / 12 * span))
        return datetime.combine(shown, time(hour, minute))

    def add(
        when: datetime,
        act: Activity,
        district: str,
        place: str,
        count: int | None,
        source: int,
        main: bool = False,
    ) -> None:
        events.append(Event(when, act, district, place, count, source, rng.choice(COMMENTS), main))

    def later(when: datetime) -> datetime:  # a second report of the same thing, same year
        shift = timedelta(days=rng.randint(9, 20))
        if promise.calendar_year:
            return when + shift if when.month < 12 else when - shift
        return when + shift if (when + shift).date() <= promise.end else when - shift

    for target in promise.targets:
        acts = promise.activities_for(target.id)
        home = 0 if target.promise_statement == promise.statements[0].id else last
        other = last - home
        per_place = next((a for a in acts if a.one_per_place), None)
        if target.reported_only:  # no goal: just a steady trickle over the year
            for _ in range(rng.randint(10, 13)):
                add(
                    at(rng.randint(1, 12)),
                    rng.choice(acts),
                    rng.choice(names),
                    rng.choice(VENUES),
                    rng.randint(5, 60),
                    rng.randint(0, last),
                )
        elif target.tertial_minimum:  # a standing meeting: enough in every tertial
            for tertial in range(3):
                for _ in range(target.tertial_minimum + (tertial == 2)):
                    add(
                        at(4 * tertial + rng.randint(2, 4)),
                        rng.choice(acts),
                        names[0],
                        "Kommunhuset",
                        rng.randint(6, 12),
                        last,
                    )
        elif target.judged_places and per_place:  # a new area at each named place, reported twice
            for i, place in enumerate(target.judged_places):
                when = at(min(12, 5 + 3 * i))
                district = _district_of(place, promise)
                add(when, per_place, district, place.name, rng.randint(8, 30), home)
                if i == 0:
                    add(later(when), per_place, district, place.name, rng.randint(8, 30), other)
        elif target.judged_places:  # walks: goal + 1, every named place, the first one done jointly
            spots = list(target.judged_places)
            n = min(9, max(target.minimum or 0, len(spots)) + 1)
            order = [spots[0], None] + [spots[(k + 1) % len(spots)] for k in range(n - 2)]
            for i, month in enumerate(sorted(rng.sample(range(3, 12), n))):
                act, people, spot = rng.choice(acts), rng.randint(8, 25), order[i]
                if spot is None:
                    district = rng.choice(names[1:] or names)
                    add(at(month, (17, 18, 19)), act, district, f"{district} centrum", people, home)
                elif i == 0:
                    when, district = at(month, (18,)), _district_of(spot, promise)
                    for s in range(last + 1):
                        add(when, act, district, spot.name, people, s, main=True)
                else:
                    add(
                        at(month, (17, 18, 19)),
                        act,
                        _district_of(spot, promise),
                        rng.choice((spot.name, *spot.synonyms)),
                        people,
                        home,
                    )
        elif per_place:  # new areas: short of the goal, the last district never reached
            covered = names[:-1] or names
            n = max(1, (target.minimum or len(names)) - 2)
            word = per_place.label.split()[-1]  # 'Nytt grannsamverkansområde' -> 'Grannsamverkan'
            prefix = (word[:-7] if word.casefold().endswith("sområde") else word).capitalize()
            for i, (month, stem) in enumerate(
                zip(
                    sorted(rng.randint(2, 12) for _ in range(n)),
                    rng.sample(AREAS, min(n, len(AREAS))),
                )
            ):
                when, district = at(month), covered[i % len(covered)]
                add(when, per_place, district, f"{prefix} {stem}", rng.randint(10, 40), home)
                if i == 1:
                    add(later(when), per_place, district, f"{prefix} {stem}", None, other)
        elif target.in_every_district:  # controls everywhere by December, half the districts in T1
            early = max(1, len(names) // 2)
            for i, name in enumerate(names):
                first = rng.randint(1, 4) if i < early else rng.randint(5, 10)
                for k in range(rng.randint(5, 7)):
                    add(
                        at(first if k == 0 else rng.randint(first, 12), (7, 15, 21, 22)),
                        acts[k % len(acts)],
                        name,
                        rng.choice(ROADS),
                        rng.randint(15, 180),
                        home,
                    )
        elif any(r.unit in _OWN_RHYTHM or r.average for r in target.rhythms):
            # a rule per day, week …: enough in most periods, now and then one short
            for when in _rhythm_days(target, promise, rng):
                add(when, rng.choice(acts), rng.choice(names), rng.choice(ROADS), None, home)
        else:  # a plain count: goal + 1 between spring and autumn
            for month in sorted(rng.sample(range(4, 11), min(7, (target.minimum or 1) + 1))):
                add(
                    at(month, (15, 19, 21)),
                    rng.choice(acts),
                    rng.choice(names),
                    rng.choice(ROADS),
                    rng.randint(5, 40),
                    home,
                )

    filler = [
        a for a in promise.activities if promise.target_by_id[a.target].reported_only
    ] or list(promise.activities)
    old = datetime(year - 1, 12, rng.randint(2, 20), 10)  # carried over from last year's log
    if not promise.calendar_year:  # from before the promise began
        old = datetime.combine(promise.start - timedelta(days=old.day), time(10))
    add(old, rng.choice(filler), names[0], rng.choice(VENUES), rng.randint(5, 30), last, True)
    typo = next((n for n in names[1:] if len(n) >= 6), names[0])  # 'Mariefred' -> 'Marifred'
    typo = typo[: len(typo) // 2] + typo[len(typo) // 2 + 1 :]
    add(
        at(rng.randint(2, 11)),
        rng.choice(filler),
        typo,
        rng.choice(VENUES),
        rng.randint(5, 30),
        last,
        True,
    )
    return _by_responsible(events, promise)


def _rhythm_days(target: Target, promise: Promise, rng: random.Random) -> list[datetime]:
    """Moments for a rule per period: its number in each whole period, about one in ten short."""
    rule = next(r for r in target.rhythms if r.unit in _OWN_RHYTHM or r.average)
    found = []
    for period in calendar_periods(rule.unit, promise.start, promise.end):
        wanted = round(rule.amount) - (rng.random() < 0.1)
        for _ in range(max(wanted, 0)):
            day = period.start + timedelta(days=rng.randint(0, (period.end - period.start).days))
            found.append(datetime.combine(day, time(rng.choice((7, 15, 21)), 0)))
    return found


def _by_responsible(events: list[Event], promise: Promise) -> list[Event]:
    """Each event written down by a partner that carries its target; a joint target's events by
    each of them, the same row in each one's log, but for one more, the day after its first,
    that only the first of them logged: not done together, so not counted."""
    planned = []
    alone: set[str] = set()
    for event in events:
        target = promise.target_by_id[event.activity.target]
        mine = [
            promise.source_ids.index(s)
            for p in target.responsible
            for s in promise.partner(p).sources[:1]
        ]
        if not mine or (event.source in mine and not target.joint):
            planned.append(event)
        elif target.joint:
            planned += [_moved(event, source, main=True) for source in mine]
            if target.id not in alone:
                alone.add(target.id)
                later = _moved(event, mine[0], main=True)
                planned.append(replace(later, when=later.when + timedelta(days=1)))
        else:
            planned.append(_moved(event, mine[0], main=event.main))
    return planned


def _moved(event: Event, source: int, main: bool) -> Event:
    return Event(
        event.when,
        event.activity,
        event.district,
        event.place,
        event.count,
        source,
        event.comment,
        main,
    )


def _district_of(place: NamedPlace, promise: Promise) -> str:
    """The district a named place lies in, read from its name or synonyms (else the first)."""
    texts = [fold(t) for t in (place.name, *place.synonyms)]
    for district in promise.districts:
        if any(re.search(rf"\b{re.escape(k)}\b", t) for k in district.keys for t in texts):
            return district.name
    return promise.districts[0].name if promise.districts else ""
