"""Reporting periods: tertials T1 = Jan–Apr, T2 = May–Aug, T3 = Sep–Dec."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
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


def resolve_period(promise: Promise, period: str | Period) -> Period:
    """The period of a report of `promise`: 'ÅÅÅÅ-Tn' parsed, and within the promise's year."""
    resolved = period if isinstance(period, Period) else Period.parse(period)
    if resolved.year != promise.year:
        raise PeriodError(
            message("rapport.period_utanfor_aret", period=resolved.id, year=promise.year)
        )
    return resolved
