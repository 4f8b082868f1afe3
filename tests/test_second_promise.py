"""Another municipality is a new file, not new code: three sources and a monthly target."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from workbooks import HEADER, row, write_csv, write_xlsx

from lofte_pipeline.demo import write_demo_inbox
from lofte_pipeline.i18n import shortfall_text, texts
from lofte_pipeline.models import Intake
from lofte_pipeline.period import Period
from lofte_pipeline.promise import load_promise
from lofte_pipeline.reconcile import reconcile
from lofte_pipeline.render import report_context
from lofte_pipeline.report import build_report
from lofte_pipeline.rows import ACCEPTED_COLUMNS

EXEMPELBY = Path(__file__).resolve().parents[1] / "promises" / "exempelby-2020.yaml"


@pytest.fixture(scope="module")
def exempelby():
    return load_promise(EXEMPELBY)


def walks(promise, months):
    activity = promise.activities[0]
    return pd.DataFrame(
        [
            {
                "source": "kommunen",
                "file": "kommunen/a.xlsx",
                "sheet": "Logg",
                "row": n + 2,
                "date": dt.date(2020, m, 15),
                "activity": activity.label,
                "target": activity.target,
                "district": "Centrum",
                "place": "",
                "count": pd.NA,
                "comment": "",
            }
            for n, m in enumerate(months)
        ],
        columns=ACCEPTED_COLUMNS,
    )


@pytest.mark.parametrize(
    ("months", "tertial", "status", "missing"),
    [
        ([1, 2, 3, 4], 1, "on_track", []),  # every month so far, but the year goes on
        ([1, 2, 4], 1, "behind", ["2020-03"]),
        (list(range(1, 13)), 3, "achieved", []),
        ([m for m in range(1, 13) if m != 7], 3, "missed", ["2020-07"]),
    ],
)
def test_a_monthly_target(exempelby, months, tertial, status, missing):
    result = reconcile(walks(exempelby, months), exempelby, Period(2020, tertial))
    target = next(t for t in result.targets if t.id == "trygghetsvandringar")
    assert (target.status, target.periods_missing) == (status, missing)


def test_months_that_fell_short_are_named_as_months_in_runs(exempelby):
    done = [5, 10, 12]  # nothing January–April, June–September, November
    result = reconcile(walks(exempelby, done), exempelby, Period(2020, 3))
    target = next(t for t in result.targets if t.id == "trygghetsvandringar")
    assert shortfall_text(exempelby, target) == (
        "Ingen aktivitet under januari–april, juni–september och november 2020."
    )
    assert "tertial" not in shortfall_text(exempelby, target, texts("en")).lower()
    interim = reconcile(walks(exempelby, [2, 4]), exempelby, Period(2020, 1))
    empty = Intake(
        interim.rows.iloc[:0], pd.DataFrame(columns=["file", "sheet", "row", "column"]), [], {}
    )
    context = report_context(exempelby, interim, empty)
    walk = next(t for t in context["targets"] if t["id"] == "trygghetsvandringar")
    assert walk["periods_missing"] == "januari och mars 2020"
    assert walk["periods_missing_label"] == "Månader som inte nådde upp till målet"
    assert walk["remaining"] == (
        "Minst 1 i var och en av månaderna från och med maj och målet kan inte längre nås helt "
        "eftersom januari och mars 2020 inte nådde upp till det."
    )


def test_the_whole_pipeline_on_a_promise_with_three_sources(exempelby, tmp_path):
    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "polisen" / "logg.xlsx",
        {
            "Logg": [
                HEADER,
                *[row(f"2020-{m:02}-10", "Trygghetsvandring", "Centrum") for m in (1, 2, 3, 4)],
                row("2020-02-01", "Nattvandring", "Norrby"),
            ]
        },
    )
    write_csv(
        inbox / "kommunen" / "logg.csv",
        [
            ["Datum", "Aktivitet", "Kommundel", "Plats"],
            ["2020-03-01", "Föräldravandring", "Sörstrand", ""],
            ["2020-03-02", "Trygghetsvandring", "Marifred", ""],
        ],
    )  # not a district here
    write_xlsx(
        inbox / "bostadsbolaget" / "sanering.xlsx",
        {
            "Blad1": [
                ["Datum", "Aktivitet", "Bostadsområde", "Fastighet"],
                row("2020-01-20", "Klottersanering", "Östervik", "Torget")[:4],
                row("2020-04-20", "Sanering av klotter", "Centrum", "Resecentrum")[:4],
            ]
        },
    )
    result = build_report(EXEMPELBY, inbox, tmp_path / "ut", "2020-T1")
    assert result.folder.parts[-2:] == ("exempelby-2020", "2020-T1")
    figures = json.loads((result.path("figures.json")).read_text(encoding="utf-8"))
    targets = {t["id"]: t for t in figures["targets"]}
    assert set(figures["sources"]) == {"polisen", "kommunen", "bostadsbolaget"}
    assert figures["sources"]["bostadsbolaget"]["rows_accepted"] == 2
    assert targets["trygghetsvandringar"]["status"] == "on_track"
    assert targets["klottersanering"]["places_missing"] == []
    assert targets["foraldravandringar"]["districts_missing"] == ["Centrum", "Östervik"]
    assert targets["information"]["status"] == "reported"
    assert figures["sources"]["kommunen"]["rows_rejected"] == 1
    assert (result.path("rapport.pdf")).stat().st_size > 1000


def test_the_demo_works_for_any_promise_of_the_same_shape(exempelby, tmp_path):
    written = write_demo_inbox(exempelby, tmp_path / "INBOX")
    assert {p.parent.name for p in written} == {"polisen", "kommunen", "bostadsbolaget"}
    result = build_report(EXEMPELBY, tmp_path / "INBOX", tmp_path / "ut", "2020-T3", pdf=False)
    assert result.figures["activities_counted"] > 20
