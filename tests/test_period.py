"""Tertials: T1 = Jan–Apr, T2 = May–Aug, T3 = Sep–Dec."""

from datetime import date

import pytest

from lofte_pipeline.errors import PeriodError
from lofte_pipeline.period import Period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2019-T1", date(2019, 1, 1), date(2019, 4, 30)),
        ("2019-T2", date(2019, 5, 1), date(2019, 8, 31)),
        ("2019-T3", date(2019, 9, 1), date(2019, 12, 31)),
        ("2020-t1", date(2020, 1, 1), date(2020, 4, 30)),
    ],
)
def test_tertial_bounds(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2019-T4", "2019-T0", "2019T2", "T2", "", "2019-Q2"])
def test_unknown_period_is_rejected_with_the_expected_form(text):
    with pytest.raises(PeriodError, match="ÅÅÅÅ-T1"):
        Period.parse(text)


def test_period_containing_a_date():
    assert Period.containing(date(2019, 4, 30)).id == "2019-T1"
    assert Period.containing(date(2019, 5, 1)).id == "2019-T2"
    assert Period.containing(date(2019, 12, 31)).id == "2019-T3"


def test_elapsed_tertials():
    assert [p.id for p in Period(2019, 2).elapsed_in_year()] == ["2019-T1", "2019-T2"]
