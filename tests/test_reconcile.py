"""Reconciliation: one activity counted once, and the status rules at each tertial. No I/O."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from promise_variants import inline

from lofte_pipeline.period import Period
from lofte_pipeline.reconcile import reconcile
from lofte_pipeline.rows import ACCEPTED_COLUMNS

T1, T2, T3 = Period(2019, 1), Period(2019, 2), Period(2019, 3)


def rows(promise, *entries, source="polisen"):
    """Accepted rows from (date, activity label, district[, place[, source]]) tuples."""
    records = []
    for n, entry in enumerate(entries, start=2):
        day, label, district, *rest = entry
        place = rest[0] if rest else ""
        src = rest[1] if len(rest) > 1 else source
        activity = (
            promise.activity_by_key[label.casefold()]
            if label.islower()
            else next(a for a in promise.activities if a.label == label)
        )
        records.append(
            {
                "source": src,
                "file": f"{src}/logg.xlsx",
                "sheet": "Logg",
                "row": n,
                "date": dt.date.fromisoformat(day),
                "activity": activity.label,
                "target": activity.target,
                "district": district,
                "place": place,
                "count": pd.NA,
                "comment": "",
            }
        )
    return pd.DataFrame(records, columns=ACCEPTED_COLUMNS)


def figures(promise, frame, period):
    return {t.id: t for t in reconcile(frame, promise, period).targets}


# --- one activity, counted once -------------------------------------------------------------


def test_joint_walk_reported_by_both_sources_counts_once_and_is_credited_to_both(promise):
    frame = rows(
        promise,
        ("2019-03-05", "Trygghetsvandring", "Strängnäs", "Resecentrum Strängnäs", "polisen"),
        ("2019-03-05", "Trygghetsvandring", "Strängnäs", "resecentrum strangnas ", "kommunen"),
    )
    result = reconcile(frame, promise, T1)
    assert len(result.activities) == 1
    assert result.activities.iloc[0]["sources"] == "kommunen;polisen"
    assert len(result.rows) == 2 and set(result.rows["activity_no"]) == {1}
    assert figures(promise, frame, T1)["trygghetsvandringar"].done_to_date == 1


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (("2019-03-05", "Trygghetsvandring", "Strängnäs", ""), 1),  # empty place = empty place
        (("2019-03-06", "Trygghetsvandring", "Strängnäs", ""), 2),  # another day
        (("2019-03-05", "Trygghetsvandring", "Mariefred", ""), 2),  # another district
        (("2019-03-05", "Trygghetsvandring", "Strängnäs", "Torget"), 2),  # another place
        (("2019-03-05", "Riktad insats trimmade mopeder", "Strängnäs", ""), 2),  # another activity
    ],
)
def test_the_identity_of_an_activity(promise, second, expected):
    frame = rows(promise, ("2019-03-05", "Trygghetsvandring", "Strängnäs", ""), second)
    assert len(reconcile(frame, promise, T3).activities) == expected


def test_a_new_area_counts_once_whatever_its_dates_and_in_the_tertial_it_was_first_reported(
    promise,
):
    frame = rows(
        promise,
        ("2019-04-20", "Nytt grannsamverkansområde", "Härad", "Grannsamverkan Ekbacken"),
        (
            "2019-06-02",
            "Nytt grannsamverkansområde",
            "Härad",
            "grannsamverkan ekbacken",
            "kommunen",
        ),
        ("2019-06-02", "Nytt grannsamverkansområde", "Härad", "Grannsamverkan Tallåsen"),
    )
    at_t2 = figures(promise, frame, T2)["nya-grannsamverkansomraden"]
    assert (at_t2.done_to_date, at_t2.done_in_period) == (2, 1)
    assert figures(promise, frame, T1)["nya-grannsamverkansomraden"].done_to_date == 1


def test_rows_dated_after_the_period_are_left_for_later_reports(promise):
    frame = rows(
        promise,
        ("2019-04-30", "Riktad insats trimmade mopeder", "Härad"),
        ("2019-05-01", "Riktad insats trimmade mopeder", "Härad"),
    )
    assert figures(promise, frame, T1)["mopedinsatser"].done_to_date == 1
    at_t2 = figures(promise, frame, T2)["mopedinsatser"]
    assert (at_t2.done_to_date, at_t2.done_in_period) == (2, 1)


def test_the_order_rows_arrive_in_changes_nothing(promise):
    frame = rows(
        promise,
        ("2019-03-05", "Trygghetsvandring", "Strängnäs", "Torget", "kommunen"),
        ("2019-03-05", "Trygghetsvandring", "Strängnäs", "torget", "polisen"),
        ("2019-02-01", "Nytt båtsamverkansområde", "Mariefred", "Hamnen"),
        ("2019-05-01", "Nytt båtsamverkansområde", "Mariefred", "HAMNEN", "kommunen"),
        ("2019-07-01", "Trafikkontroll hastighet", "Härad"),
    )
    first = reconcile(frame, promise, T3)
    second = reconcile(frame.iloc[::-1].reset_index(drop=True), promise, T3)
    pd.testing.assert_frame_equal(first.activities, second.activities)
    assert first.targets == second.targets


AREA = "Nytt grannsamverkansområde"


def test_the_earliest_report_of_an_activity_defines_it(promise):
    frame = rows(
        promise,
        ("2019-04-20", AREA, "Härad", "Grannsamverkan Ekbacken", "kommunen"),
        ("2019-04-10", AREA, "Strängnäs", "grannsamverkan ekbacken ", "polisen"),
        ("2019-04-10", AREA, "Mariefred", "GRANNSAMVERKAN EKBACKEN", "kommunen"),
    )
    activity = reconcile(frame, promise, T2).activities.iloc[0].to_dict()
    assert pd.isna(activity.pop("amount"))  # no report gives an Antal
    assert activity == {
        "activity_no": 1,
        "date": dt.date(2019, 4, 10),
        "activity": AREA,
        "target": "nya-grannsamverkansomraden",
        "district": "Mariefred",
        "place": "GRANNSAMVERKAN EKBACKEN",
        "sources": "kommunen;polisen",
        "reports": 3,
    }  # same day: kommunen before polisen


def test_a_new_area_first_reported_after_the_period_is_left_for_later_reports(promise):
    frame = rows(
        promise,
        ("2019-05-02", AREA, "Härad", "Ekbacken"),
        ("2019-04-10", AREA, "Härad", "Tallåsen"),
    )
    assert list(reconcile(frame, promise, T1).activities["place"]) == ["Tallåsen"]


def test_a_new_area_without_a_place_is_one_per_day_and_district(promise):
    frame = rows(
        promise,
        ("2019-03-01", AREA, "Härad"),
        ("2019-03-01", AREA, "Härad", " "),
        ("2019-03-02", AREA, "Härad"),
        ("2019-03-01", AREA, "Mariefred"),
    )
    assert list(reconcile(frame, promise, T1).activities["reports"]) == [2, 1, 1]


def test_activities_are_numbered_by_date_activity_district_and_place(promise):
    frame = rows(
        promise,
        ("2019-03-02", WALK, "Härad", "Torget"),
        ("2019-03-01", WALK, "Mariefred", "Torget"),
        ("2019-03-01", WALK, "Härad", "Torget"),
        ("2019-03-01", WALK, "Härad", "Kyrkan"),
        ("2019-03-01", MOPEDS, "Härad", "Torget"),
    )
    activities = reconcile(frame, promise, T1).activities
    assert activities[["activity_no", "activity", "district", "place"]].values.tolist() == [
        [1, MOPEDS, "Härad", "Torget"],
        [2, WALK, "Härad", "Kyrkan"],
        [3, WALK, "Härad", "Torget"],
        [4, WALK, "Mariefred", "Torget"],
        [5, WALK, "Härad", "Torget"],
    ]


def test_rows_come_back_activity_by_activity_in_the_order_they_were_reported(promise):
    frame = rows(
        promise,
        ("2019-03-05", WALK, "Härad", "Torget", "polisen"),
        ("2019-03-01", MOPEDS, "Härad", "", "polisen"),
        ("2019-03-05", WALK, "Härad", "torget", "kommunen"),
        ("2019-06-01", MOPEDS, "Härad", "", "kommunen"),
    )  # after T1: not counted
    result = reconcile(frame, promise, T1)
    assert result.rows[["activity_no", "source", "row", "place"]].values.tolist() == [
        [1, "polisen", 3, ""],
        [2, "kommunen", 4, "torget"],
        [2, "polisen", 2, "Torget"],
    ]
    assert list(result.activities["sources"]) == ["polisen", "kommunen;polisen"]


# --- status rules ---------------------------------------------------------------------------

MOPEDS = "Riktad insats trimmade mopeder"


@pytest.mark.parametrize(
    ("dates", "period", "status"),
    [
        ([], T1, "on_track"),  # floor(2*1/3) = 0 expected by T1
        ([], T2, "behind"),  # floor(2*2/3) = 1 expected by T2
        (["2019-02-01"], T2, "on_track"),
        (["2019-02-01", "2019-03-01"], T1, "achieved"),  # goal met early
        (["2019-02-01"], T3, "missed"),
        (["2019-02-01", "2019-10-01"], T3, "achieved"),
    ],
)
def test_status_of_a_numeric_target(promise, dates, period, status):
    frame = rows(promise, *[(d, MOPEDS, "Härad") for d in dates])
    target = figures(promise, frame, period)["mopedinsatser"]
    assert target.status == status
    assert target.goal == 2


@pytest.mark.parametrize(
    ("districts", "period", "status", "missing"),
    [
        ([], T1, "behind", 5),  # floor(5*1/3) = 1 district by T1
        (["Härad"], T1, "on_track", 4),
        (["Härad", "Mariefred"], T2, "behind", 3),  # floor(5*2/3) = 3 districts by T2
        (["Härad", "Mariefred", "Strängnäs"], T2, "on_track", 2),
        (["Härad", "Mariefred", "Strängnäs", "Stallarholmen"], T3, "missed", 1),
        # "Under 2019": a year-long commitment is on track, not achieved, before the year's end.
        (
            ["Härad", "Mariefred", "Strängnäs", "Stallarholmen", "Åkers styckebruk"],
            T2,
            "on_track",
            0,
        ),
        (
            ["Härad", "Mariefred", "Strängnäs", "Stallarholmen", "Åkers styckebruk"],
            T3,
            "achieved",
            0,
        ),
    ],
)
def test_status_of_an_every_district_target(promise, districts, period, status, missing):
    frame = rows(promise, *[("2019-03-01", "Trafikkontroll nykterhet", d) for d in districts])
    target = figures(promise, frame, period)["trafikkontroller"]
    assert (target.status, len(target.districts_missing)) == (status, missing)


def test_an_every_district_target_names_the_missing_districts(promise):
    frame = rows(
        promise,
        ("2019-03-01", "Trafikkontroll hastighet", "Härad"),
        ("2019-03-01", "Trafikkontroll nykterhet", "Mariefred"),
    )
    assert figures(promise, frame, T3)["trafikkontroller"].districts_missing == [
        "Strängnäs",
        "Åkers styckebruk",
        "Stallarholmen",
    ]


WALK = "Trygghetsvandring"


def test_named_places_not_yet_visited_do_not_make_a_target_behind_before_t3(promise):
    frame = rows(promise, *[(f"2019-0{m}-10", WALK, "Härad", "Skolan") for m in (2, 3, 5, 6)])
    at_t2 = figures(promise, frame, T2)["trygghetsvandringar"]
    assert at_t2.status == "on_track"
    assert at_t2.places_missing == ["Resecentrum Strängnäs", "Läggesta station"]
    at_t3 = figures(promise, frame, T3)["trygghetsvandringar"]
    assert at_t3.status == "missed"


def test_a_place_is_visited_when_plats_or_kommundel_names_it(promise):
    frame = rows(
        promise,
        ("2019-02-10", WALK, "Strängnäs", "Resecentrum"),  # a synonym
        ("2019-02-11", WALK, "Mariefred", "LAGGESTA STATION"),  # no diacritics
        ("2019-02-12", WALK, "Härad"),
        ("2019-02-13", WALK, "Härad", "Kyrkan"),
    )
    target = figures(promise, frame, T1)["trygghetsvandringar"]
    assert (target.status, target.places_missing) == ("achieved", [])
    boats = rows(
        promise,
        ("2019-05-01", "Nytt båtsamverkansområde", "Mariefred", "Gripsholm"),
        ("2019-05-02", "Nytt båtsamverkansområde", "Åkers styckebruk", "Stallarholmen"),
    )
    assert figures(promise, boats, T2)["nya-batsamverkansomraden"].status == "achieved"


def test_goal_and_every_district_must_both_hold(promise_file):
    promise = inline(promise_file, "nya-grannsamverkansomraden", alla_kommundelar=True)
    areas = [("2019-03-01", "Nytt grannsamverkansområde", "Härad", f"Område {n}") for n in range(8)]
    target = figures(promise, rows(promise, *areas), T3)["nya-grannsamverkansomraden"]
    assert (target.status, target.done_to_date) == ("missed", 8)
    assert target.districts_missing == [
        "Strängnäs",
        "Mariefred",
        "Åkers styckebruk",
        "Stallarholmen",
    ]


COUNCIL = "Trafiksäkerhetsråd"


@pytest.mark.parametrize(
    ("dates", "period", "status", "missing"),
    [
        (["2019-02-01"], T1, "on_track", []),  # cannot be achieved before the year is over
        ([], T1, "behind", ["2019-T1"]),
        (["2019-02-01"], T2, "behind", ["2019-T2"]),
        (["2019-02-01", "2019-06-01"], T2, "on_track", []),
        (["2019-02-01", "2019-06-01", "2019-10-01"], T3, "achieved", []),
        (["2019-02-01", "2019-03-01", "2019-10-01"], T3, "missed", ["2019-T2"]),
    ],
)
def test_status_of_a_per_tertial_target(promise, dates, period, status, missing):
    frame = rows(promise, *[(d, COUNCIL, "Strängnäs") for d in dates])
    target = figures(promise, frame, period)["trafiksakerhetsrad"]
    assert (target.status, target.periods_missing) == (status, missing)


@pytest.mark.parametrize("period", [T1, T2, T3])
def test_reported_only_targets_are_reported_whatever_was_done(promise, period):
    frame = rows(promise, ("2019-01-15", "Information om båtsamverkan", "Mariefred"))
    target = figures(promise, frame, period)["info-batsamverkan"]
    assert (target.status, target.goal, target.done_to_date) == ("reported", None, 1)


def test_no_rows_at_all_gives_figures_for_every_target(promise):
    result = reconcile(rows(promise), promise, T1)
    assert len(result.targets) == len(promise.targets)
    assert result.district_matrix.values.sum() == 0


def test_district_matrix_counts_distinct_activities(promise):
    frame = rows(
        promise,
        ("2019-03-05", WALK, "Härad", "", "polisen"),
        ("2019-03-05", WALK, "Härad", "", "kommunen"),
        ("2019-03-06", "Trafikkontroll hastighet", "Mariefred"),
    )
    matrix = reconcile(frame, promise, T1).district_matrix
    assert matrix.loc[WALK, "Härad"] == 1
    assert matrix.loc["Trafikkontroll hastighet", "Mariefred"] == 1
    assert matrix.values.sum() == 2


# --- what the promise says, and how it is followed up ---------------------------------------

BEHAVIOUR = "Beteendekontroll trafik"


def test_a_commitment_without_a_number_has_no_goal_and_is_judged_by_the_follow_up(
    promise_file,
):
    promise = inline(
        promise_file, "beteendekontroller", minst=None, uppfoljning={"minst": 1}, slag="åtagande"
    )
    once = rows(promise, ("2019-06-01", BEHAVIOUR, "Härad"))
    at_t2 = figures(promise, once, T2)["beteendekontroller"]
    assert (at_t2.goal, at_t2.kind, at_t2.status) == (None, "commitment", "achieved")
    assert at_t2.expected_to_date == 0  # the follow-up's 1 at an even pace: none yet by August
    none = figures(promise, rows(promise), T3)["beteendekontroller"]
    assert (none.goal, none.status) == (None, "missed")
    without_rule = inline(promise_file, "beteendekontroller", minst=None, uppfoljning=None)
    assert figures(without_rule, once, T3)["beteendekontroller"].status == "reported"


BOAT_AREA = "Nytt båtsamverkansområde"


def test_an_aim_is_progress_toward_it_never_a_broken_promise(promise_file):
    promise = inline(promise_file, "nya-batsamverkansomraden", slag="målsättning", minst=2)
    one = rows(promise, ("2019-05-01", BOAT_AREA, "Mariefred", "Gripsholm"))
    for period in (T1, T2, T3):
        target = figures(promise, one, period)["nya-batsamverkansomraden"]
        assert (target.kind, target.goal, target.status) == ("aim", 2, "toward_aim")
    nothing = figures(promise, rows(promise), T3)["nya-batsamverkansomraden"]
    assert nothing.status == "toward_aim"
    two = rows(
        promise,
        ("2019-05-01", BOAT_AREA, "Mariefred", "Gripsholm"),
        ("2019-06-01", BOAT_AREA, "Stallarholmen", "Hamnen"),
    )
    assert figures(promise, two, T2)["nya-batsamverkansomraden"].status == "achieved"


def test_ongoing_work_is_not_achieved_before_the_years_final_report(promise_file):
    promise = inline(
        promise_file, "trafiksakerhetsrad", slag="löpande", uppfoljning={"minst_per_tertial": 1}
    )
    meetings = rows(promise, *[(f"2019-{m:02}-10", COUNCIL, "Strängnäs") for m in (2, 6, 10)])
    by_period = {p.tertial: figures(promise, meetings, p)["trafiksakerhetsrad"] for p in (T1, T2)}
    assert [t.status for t in by_period.values()] == ["on_track", "on_track"]
    final = figures(promise, meetings, T3)["trafiksakerhetsrad"]
    assert (final.kind, final.goal, final.status) == ("ongoing", None, "achieved")
    # Ongoing without any rule to judge it by is only reported.
    bare = inline(promise_file, "trafiksakerhetsrad", slag="löpande", uppfoljning=None)
    assert figures(bare, meetings, T3)["trafiksakerhetsrad"].status == "reported"


def test_a_per_tertial_rule_of_the_follow_up_names_the_tertial_that_fell_short(promise_file):
    promise = inline(promise_file, "trafiksakerhetsrad", uppfoljning={"minst_per_tertial": 2})
    meetings = rows(
        promise, *[(d, COUNCIL, "Strängnäs") for d in ("2019-02-01", "2019-03-01", "2019-06-01")]
    )
    at_t2 = figures(promise, meetings, T2)["trafiksakerhetsrad"]
    assert (at_t2.status, at_t2.periods_missing, at_t2.goal) == ("behind", ["2019-T2"], None)
    assert at_t2.done_per_period == {"2019-T1": 2, "2019-T2": 1}


CONTROL = "Trafikkontroll nykterhet"


def amounts(promise, *entries):
    """Rows with an Antal: (date, district, amount[, source])."""
    frame = rows(promise, *[(d, CONTROL, district, "", *rest) for d, district, _, *rest in entries])
    return frame.assign(count=pd.array([e[2] for e in entries], dtype="Int64"))


def test_an_amount_based_target_sums_antal_in_its_unit_once_per_activity(promise_file):
    promise = inline(
        promise_file,
        "trafikkontroller",
        alla_kommundelar=None,
        uppfoljning=None,
        minst=300,
        matt="antal",
        enhet="kontrollerade förare",
    )
    frame = amounts(
        promise,
        ("2019-03-01", "Härad", 120),
        ("2019-03-01", "Härad", 100, "kommunen"),  # the same control, reported twice
        ("2019-06-01", "Mariefred", 90),
        ("2019-07-01", "Mariefred", None),  # no Antal given
    )
    at_t2 = figures(promise, frame, T2)["trafikkontroller"]
    assert (at_t2.done_to_date, at_t2.done_in_period) == (3, 2)
    assert (at_t2.amount_to_date, at_t2.amount_in_period) == (210, 90)
    assert (at_t2.amount_unit, at_t2.measure) == ("kontrollerade förare", "amount")
    assert (at_t2.expected_to_date, at_t2.status) == (200, "on_track")  # 300 × 2 ÷ 3
    assert figures(promise, frame, T3)["trafikkontroller"].status == "missed"  # 210 < 300
    more = pd.concat([frame, amounts(promise, ("2019-10-01", "Härad", 95))], ignore_index=True)
    assert figures(promise, more, T3)["trafikkontroller"].status == "achieved"


def test_a_target_without_a_unit_carries_no_amounts(promise):
    frame = rows(promise, ("2019-03-01", MOPEDS, "Härad")).assign(
        count=pd.array([12], dtype="Int64")
    )
    target = figures(promise, frame, T1)["mopedinsatser"]
    assert target.done_to_date == 1
    assert (target.amount_to_date, target.amount_in_period, target.amount_unit) == (
        None,
        None,
        None,
    )
