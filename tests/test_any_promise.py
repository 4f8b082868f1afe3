"""Any real promise fits: its own dates, rhythms, partners, conditions, one-off tasks, nested
targets and places without names. Each test writes the promise inline, as a coordinator would."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from workbooks import write_xlsx

from lofte_pipeline.cli import main
from lofte_pipeline.errors import PromiseFileError
from lofte_pipeline.i18n import remaining_text, shortfall_text, texts
from lofte_pipeline.period import Period
from lofte_pipeline.promise import parse_promise
from lofte_pipeline.reconcile import reconcile
from lofte_pipeline.report import build_report
from lofte_pipeline.rows import ACCEPTED_COLUMNS

# A two-year promise from 1 July to 30 June, three partners, no districts: the shape of
# promises that follow a school year or a council's term rather than the calendar.
SJOSTAD: dict[str, Any] = {
    "id": "sjostad-2022-2024",
    "titel": "Medborgarlöfte 2022–2024",
    "kommun": "Sjöstads kommun",
    "polisomrade": "lokalpolisområde Sjöstad",
    "borjar": dt.date(2022, 7, 1),
    "slutar": dt.date(2024, 6, 30),
    "parter": [
        {"id": "polisen", "namn": "Polisen", "slag": "polis", "kallor": ["polisen"]},
        {"id": "kommunen", "namn": "Sjöstads kommun", "slag": "kommun", "kallor": ["kommunen"]},
        {"id": "bostader", "namn": "Sjöstadshem", "slag": "annan", "kallor": ["bostader"]},
    ],
    "loften": [{"id": "trafik", "text": "Vi arbetar för trygg trafik."}],
    "kallor": [
        {"id": "polisen", "namn": "Polisen"},
        {"id": "kommunen", "namn": "Kommunen"},
        {"id": "bostader", "namn": "Sjöstadshem"},
    ],
    "aktiviteter": [
        {"namn": "Trafikkontroll", "mal": "trafikkontroller", "en_per_rad": True},
        {"namn": "Trafikinsats", "mal": "trafikinsatser"},
        {"namn": "Mopedinsats", "mal": "mopedinsatser"},
        {"namn": "Trygghetsvandring", "mal": "vandringar"},
        {"namn": "Önskemål om trygghetsvandring", "mal": "vandringar", "utloser": True},
        {"namn": "Belysningsinventering", "mal": "belysning"},
        {"namn": "Kvartalsbrev", "mal": "kvartalsbrev"},
        {"namn": "Tunnelbesök", "mal": "gangtunnlar"},
    ],
    "mal": [
        {
            "id": "trafikkontroller",
            "lofte": "trafik",
            "rubrik": "Trafikkontroller",
            "citat": "i snitt tre trafikkontroller i veckan",
            "i_snitt_per_vecka": 3,
            "takt": "dag",
            "ansvar": ["polisen"],
        },
        {
            "id": "trafikinsatser",
            "lofte": "trafik",
            "rubrik": "Trafikinsatser",
            "citat": "minst tio trafikinsatser",
            "minst": 10,
            "ansvar": ["polisen"],
        },
        {
            "id": "mopedinsatser",
            "lofte": "trafik",
            "rubrik": "Mopedinsatser",
            "citat": "minst två av dessa mot mopedkörning",
            "minst": 2,
            "del_av": "trafikinsatser",
        },
        {
            "id": "vandringar",
            "lofte": "trafik",
            "rubrik": "Trygghetsvandringar på begäran",
            "citat": "Om det uppkommer önskemål om trygghetsvandringar lovar vi att bistå",
            "slag": "villkor",
        },
        {
            "id": "belysning",
            "lofte": "trafik",
            "rubrik": "Belysningen",
            "citat": "se över belysningen",
            "slag": "uppgift",
            "senast": dt.date(2023, 3, 31),
            "ansvar": ["kommunen"],
        },
        {
            "id": "kvartalsbrev",
            "lofte": "trafik",
            "rubrik": "Kvartalsbrev",
            "citat": "gemensamma kvartalsbrev",
            "minst_per_kvartal": 1,
            "ansvar": ["polisen", "kommunen"],
            "gemensamt": True,
        },
        {
            "id": "gangtunnlar",
            "lofte": "trafik",
            "rubrik": "Gångtunnlar",
            "citat": "alla gångtunnlar fyra gånger per år",
            "minst_per_plats": 4,
            "ansvar": ["bostader"],
        },
    ],
}
FIRST, SECOND = Period(2022, 2), Period(2022, 3)
LAST = Period(2024, 2)


def sjostad(**changes: Any) -> Any:
    data = copy.deepcopy(SJOSTAD)
    data.update(changes)
    return parse_promise(data)


def rows(promise: Any, *entries: tuple[str, ...]) -> pd.DataFrame:
    """Accepted rows from (date, activity, source[, place]) tuples, one file per source."""
    records = []
    for n, (day, label, source, *rest) in enumerate(entries, start=2):
        activity = next(a for a in promise.activities if a.label == label)
        records.append(
            {
                "source": source,
                "file": f"{source}/logg.xlsx",
                "sheet": "Logg",
                "row": n,
                "date": dt.date.fromisoformat(day),
                "activity": label,
                "target": activity.target,
                "district": "",
                "place": rest[0] if rest else "",
                "count": pd.NA,
                "comment": "",
            }
        )
    return pd.DataFrame(records, columns=ACCEPTED_COLUMNS)


def figures(promise: Any, frame: pd.DataFrame, period: Period) -> dict[str, Any]:
    return {t.id: t for t in reconcile(frame, promise, period).targets}


def days(start: str, count: int, step: int = 1) -> list[str]:
    first = dt.date.fromisoformat(start)
    return [(first + dt.timedelta(days=i * step)).isoformat() for i in range(count)]


# --- dates -----------------------------------------------------------------------------------


def test_a_july_to_june_promise_reports_the_tertials_it_overlaps_clipped_to_its_dates():
    promise = sjostad()
    assert [p.id for p in promise.periods] == [
        "2022-T2",
        "2022-T3",
        "2023-T1",
        "2023-T2",
        "2023-T3",
        "2024-T1",
        "2024-T2",
    ]
    assert promise.span(FIRST) == (dt.date(2022, 7, 1), dt.date(2022, 8, 31))
    assert promise.span(LAST) == (dt.date(2024, 5, 1), dt.date(2024, 6, 30))
    assert promise.is_final(LAST) and not promise.is_final(SECOND)
    assert promise.is_annual(SECOND)  # the calendar year 2022 gets its summary


def test_the_expected_pace_runs_from_the_promise_s_start_not_from_january():
    # Signed 13 April: by 30 April 18 of 263 days have passed, not a third of the year.
    data = copy.deepcopy(SJOSTAD)
    data.update(borjar=dt.date(2021, 4, 13), slutar=dt.date(2021, 12, 31))
    data["mal"][1]["minst"] = 12
    promise = parse_promise(data)
    assert promise.year == 2021
    assert [p.id for p in promise.periods] == ["2021-T1", "2021-T2", "2021-T3"]
    t1, t2 = Period(2021, 1), Period(2021, 2)
    assert figures(promise, rows(promise), t1)["trafikinsatser"].expected_to_date == 0
    # 0.6 of April and May–August: 4.6 of 8.6 months, of 12.
    assert figures(promise, rows(promise), t2)["trafikinsatser"].expected_to_date == 6


def test_a_calendar_year_promise_keeps_its_thirds(promise):
    assert promise.start == dt.date(2019, 1, 1) and promise.end == dt.date(2019, 12, 31)
    result = reconcile(rows(promise), promise, Period(2019, 1))
    expected = {t.id: t.expected_to_date for t in result.targets}
    assert expected["nya-grannsamverkansomraden"] == 8 // 3


def test_a_promise_s_dates_must_be_in_order_and_few_years_long():
    with pytest.raises(PromiseFileError, match="slutar: 2022-06-30 ligger före borjar"):
        sjostad(slutar=dt.date(2022, 6, 30))
    with pytest.raises(PromiseFileError, match="mer än fem år"):
        sjostad(slutar=dt.date(2029, 6, 30))
    with pytest.raises(PromiseFileError, match="ar: 2021 stämmer inte med borjar"):
        sjostad(ar=2021)
    # Dates in quotes are dates all the same, not a missing `ar`.
    quoted = sjostad(borjar="2022-07-01", slutar="2024-06-30")
    assert (quoted.start, quoted.end, quoted.year) == (
        dt.date(2022, 7, 1),
        dt.date(2024, 6, 30),
        2022,
    )


# --- rhythms and rates -----------------------------------------------------------------------


def test_an_average_per_week_is_judged_over_the_whole_weeks_so_far():
    promise = sjostad()
    # 1 July 2022 is a Friday: the whole weeks up to 31 August are 4 July – 28 August, eight.
    twenty = [(d, "Trafikkontroll", "polisen") for d in days("2022-07-04", 20, 2)]
    target = figures(promise, rows(promise, *twenty), FIRST)["trafikkontroller"]
    assert target.done_to_date == 20
    assert [(s.unit, s.done, s.required, s.average) for s in target.shortfalls] == [
        ("week", 2.5, 3, True)
    ]
    assert target.status == "behind"
    text = shortfall_text(promise, target)
    assert text == "I snitt 2,5 per vecka, där löftet eller uppföljningen räknar med 3."
    enough = twenty + [(d, "Trafikkontroll", "polisen") for d in days("2022-08-01", 4)]
    assert figures(promise, rows(promise, *enough), FIRST)["trafikkontroller"].status == "on_track"


def test_the_rate_is_given_per_day_from_the_promise_s_start():
    promise = sjostad()
    controls = [(d, "Trafikkontroll", "polisen") for d in days("2022-07-01", 31, 2)]
    rate = figures(promise, rows(promise, *controls), FIRST)["trafikkontroller"].rate
    assert rate is not None and rate.per == "day"
    assert rate.value == round(31 / 62, 2)  # 1 July – 31 August


def test_each_row_of_a_one_per_row_activity_is_an_activity_of_its_own():
    promise = sjostad()
    same = [("2022-07-05", "Trafikkontroll", "polisen", "Storgatan")] * 2
    assert figures(promise, rows(promise, *same), FIRST)["trafikkontroller"].done_to_date == 2


@pytest.mark.parametrize(
    ("rule", "dates", "missing", "words"),
    [
        (
            {"minst_per_dag": 1},
            ["2022-07-01", "2022-07-02", "2022-07-04"],
            "2022-07-03",
            "ingen aktivitet under 3 juli, 5 juli",
        ),
        (
            {"minst_per_vecka": 1},
            days("2022-07-04", 4, 7) + days("2022-08-08", 3, 7),
            "2022-W31",
            "ingen aktivitet under vecka 31 2022",
        ),
        (
            {"minst_per_manad": 2},
            ["2022-07-01", "2022-07-02", "2022-08-05"],
            "2022-08",
            "1 av 2 under augusti 2022",
        ),
        (
            {"minst_per_ar": 3},
            days("2023-01-10", 2, 30),
            "2023",
            "2 av 3 under 2023",
        ),
    ],
    ids=["day", "week", "month", "year"],
)
def test_a_rule_per_period_names_the_periods_that_fell_short_and_by_how_much(
    rule, dates, missing, words
):
    data = copy.deepcopy(SJOSTAD)
    data["mal"][1] = {**data["mal"][1], **rule}
    data["mal"][1].pop("minst")
    promise = parse_promise(data)
    period = Period(2023, 3) if "minst_per_ar" in rule else FIRST
    frame = rows(promise, *[(d, "Trafikinsats", "polisen") for d in dates])
    target = figures(promise, frame, period)["trafikinsatser"]
    assert missing in target.periods_missing
    assert target.status == "behind"
    assert words in shortfall_text(promise, target).lower()
    assert dates[0][:4] in shortfall_text(promise, target)  # the year is named


def test_months_that_fell_short_across_two_years_are_named_with_each_year():
    tx = texts("sv")
    assert (
        tx.periods(["2022-11", "2022-12", "2023-01"]) == "november–december 2022 och januari 2023"
    )
    assert tx.periods(["2022-T3", "2023-T1"]) == "tertial 3 2022 och tertial 1 2023"
    many = [f"2022-07-{d:02}" for d in range(1, 20)]
    assert tx.periods(many).endswith("och 12 till")


# --- partners --------------------------------------------------------------------------------


def test_only_the_responsible_partner_s_reports_count_and_the_others_are_said_apart():
    promise = sjostad()
    frame = rows(
        promise,
        ("2022-07-05", "Trafikinsats", "polisen"),
        ("2022-07-06", "Trafikinsats", "kommunen"),
    )
    target = figures(promise, frame, FIRST)["trafikinsatser"]
    assert (target.done_to_date, target.not_counted) == (1, 1)
    assert target.responsible == ["polisen"]


def test_a_joint_target_counts_an_activity_only_when_each_partner_reported_it():
    promise = sjostad()
    frame = rows(
        promise,
        ("2022-07-05", "Kvartalsbrev", "polisen"),
        ("2022-10-05", "Kvartalsbrev", "polisen"),
        ("2022-10-05", "Kvartalsbrev", "kommunen"),
    )
    target = figures(promise, frame, SECOND)["kvartalsbrev"]
    assert (target.done_to_date, target.not_counted) == (1, 1)
    assert target.periods_missing == ["2022-Q3"]  # July's letter came from the police alone
    assert shortfall_text(promise, target) == "Ingen aktivitet under kvartal 3 2022."


def test_a_partner_that_is_not_named_is_refused():
    data = copy.deepcopy(SJOSTAD)
    data["mal"][1]["ansvar"] = ["trafikverket"]
    with pytest.raises(PromiseFileError, match="'trafikverket' finns inte bland parterna"):
        parse_promise(data)


# --- nesting, conditions, tasks, places ------------------------------------------------------


def test_a_nested_target_s_activities_count_toward_the_target_it_is_part_of():
    promise = sjostad()
    frame = rows(
        promise,
        *[(d, "Trafikinsats", "polisen") for d in days("2022-07-04", 9, 3)],
        ("2022-08-20", "Mopedinsats", "polisen"),
    )
    found = figures(promise, frame, LAST)
    assert found["trafikinsatser"].done_to_date == 10
    assert found["trafikinsatser"].status == "achieved"
    assert (found["mopedinsatser"].done_to_date, found["mopedinsatser"].status) == (1, "missed")


def test_a_condition_that_never_arose_is_kept_and_one_left_unanswered_is_not():
    promise = sjostad()
    quiet = figures(promise, rows(promise), LAST)["vandringar"]
    assert (quiet.triggers_to_date, quiet.status) == (0, "achieved")
    assert figures(promise, rows(promise), FIRST)["vandringar"].status == "on_track"
    asked = rows(
        promise,
        ("2022-07-05", "Önskemål om trygghetsvandring", "kommunen"),
        ("2022-09-01", "Önskemål om trygghetsvandring", "kommunen"),
        ("2022-07-20", "Trygghetsvandring", "kommunen"),
    )
    target = figures(promise, asked, SECOND)["vandringar"]
    assert (target.triggers_to_date, target.done_to_date, target.status) == (2, 1, "behind")
    final = figures(promise, asked, LAST)["vandringar"]
    assert final.status == "missed"
    assert "Ett tillfälle då villkoret uppkom fick inte svar" in shortfall_text(promise, final)


def test_a_one_off_task_is_done_on_a_date_or_missed_after_its_deadline():
    promise = sjostad()
    waiting = figures(promise, rows(promise), SECOND)["belysning"]
    assert waiting.status == "on_track"
    assert "senast 31 mars 2023" in remaining_text(promise, waiting, SECOND)
    assert figures(promise, rows(promise), Period(2023, 1))["belysning"].status == "missed"
    done = rows(promise, ("2022-09-15", "Belysningsinventering", "kommunen"))
    target = figures(promise, done, SECOND)["belysning"]
    assert (target.status, target.done_on) == ("achieved", dt.date(2022, 9, 15))
    late = rows(promise, ("2023-04-20", "Belysningsinventering", "kommunen"))
    target = figures(promise, late, Period(2023, 2))["belysning"]
    assert (target.status, target.done_on) == ("missed", dt.date(2023, 4, 20))
    assert shortfall_text(promise, target) == (
        "Uppgiften gjordes 20 april 2023, efter 31 mars 2023 som löftet angav."
    )


def test_places_without_names_in_the_file_are_taken_from_the_logs_each_with_its_minimum():
    promise = sjostad()
    frame = rows(
        promise,
        *[(d, "Tunnelbesök", "bostader", "Tunneln vid skolan") for d in days("2022-07-04", 4)],
        *[(d, "Tunnelbesök", "bostader", "Stationstunneln") for d in days("2022-07-04", 2)],
    )
    target = figures(promise, frame, LAST)["gangtunnlar"]
    # In the order first reported (on one day, by name).
    assert [(c.place, c.done) for c in target.place_counts] == [
        ("Stationstunneln", 2),
        ("Tunneln vid skolan", 4),
    ]
    assert target.places_missing == ["Stationstunneln"]
    assert target.status == "missed"
    assert shortfall_text(promise, target) == "2 av 4 vid Stationstunneln."


# --- the promise file ------------------------------------------------------------------------


def test_validate_promise_names_each_mistake_once(tmp_path: Path, capsys):
    import yaml

    data = copy.deepcopy(SJOSTAD)
    data["aktiviteter"][1]["mal"] = "trafikinsats"  # a typo
    data["mal"][2]["del_av"] = "trafik-insatser"
    data["parter"][1]["kallor"] = ["polisen"]  # already the police's
    path = tmp_path / "fel.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["validate-promise", str(path)]) == 1
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if line.startswith("  - ")]
    assert len(problems) == len(set(problems)) == 4, out
    assert "fel.yaml: 4 fel" in out
    assert "aktiviteter[1].mal: 'trafikinsats' finns inte bland målen" in out
    assert "mal[1] ('trafikinsatser'): ingen aktivitet räknas mot målet" in out
    assert "mal[2].del_av: 'trafik-insatser' finns inte bland målen" in out
    assert "källan 'polisen' hör redan till parten 'polisen'" in out


# --- end to end ------------------------------------------------------------------------------


def test_a_two_year_promise_without_districts_builds_its_final_report(tmp_path: Path):
    import yaml

    promise_file = tmp_path / "sjostad.yaml"
    promise_file.write_text(yaml.safe_dump(SJOSTAD, allow_unicode=True), encoding="utf-8")
    header = ["Datum", "Aktivitet", "Plats", "Kommentar"]
    police = [
        header,
        [dt.date(2022, 6, 30), "Trafikinsats", "", ""],  # before the promise
        [dt.date(2022, 7, 5), "Trafikinsats", "", ""],
        [dt.date(2024, 6, 12), "Mopedinsats", "", ""],
        [dt.date(2024, 7, 1), "Trafikinsats", "", ""],  # after it
        [dt.date(2023, 2, 1), "Kvartalsbrev", "", ""],
    ]
    municipality = [header, [dt.date(2023, 2, 1), "Kvartalsbrev", "", ""]]
    inbox = tmp_path / "inkorg"
    write_xlsx(inbox / "polisen" / "logg.xlsx", {"Logg": police})
    write_xlsx(inbox / "kommunen" / "logg.xlsx", {"Logg": municipality})
    result = build_report(promise_file, inbox, tmp_path / "ut", "2024-T2", final=True)
    found = json.loads(result.path("figures.json").read_text(encoding="utf-8"))
    assert found["periods"][0] == "2022-T2" and found["final"] is True
    assert (found["period_start"], found["period_end"]) == ("2024-05-01", "2024-06-30")
    targets = {t["id"]: t for t in found["targets"]}
    assert targets["trafikinsatser"]["done_to_date"] == 2  # the moped operation counts too
    assert targets["kvartalsbrev"]["done_to_date"] == 1
    assert targets["kvartalsbrev"]["responsible"] == ["polisen", "kommunen"]
    assert found["sources"]["polisen"]["rows_rejected"] == 2
    rejected = (result.folder / "intern" / "avvisat.csv").read_text(encoding="utf-8")
    assert rejected.count("utanför löftet, som gäller från 2022-07-01 till 2024-06-30") == 2
    html = result.path("rapport.html").read_text(encoding="utf-8")
    assert "Polisen och Sjöstads kommun" in html and "gemensamt" in html
    assert "tertial 2 2022: 1; tertial 3 2022: 0" in html  # each tertial with its year
    assert "Det här uppnåddes inte under löftets tid" in html
    assert "Genomfört sedan 1 juli 2022" in html and "hittills i år" not in html
    assert 'id="kommundelar"' not in html  # no districts, no district table
    assert result.path("rapport.pdf").stat().st_size > 0
    import csv

    table = {
        r["target_id"]: r
        for r in csv.DictReader(result.path("figures.csv").read_text(encoding="utf-8").splitlines())
    }
    assert table["kvartalsbrev"]["responsible"] == "polisen;kommunen"
    assert (table["belysning"]["deadline"], table["belysning"]["done_on"]) == ("2023-03-31", "")
    assert table["trafikkontroller"]["rate_per"] == "day"
    assert (table["mopedinsatser"]["part_of"], table["mopedinsatser"]["done_t2"]) == (
        "trafikinsatser",
        "1",
    )
    news = " ".join(result.path("nyhet.txt").read_text(encoding="utf-8").split())
    assert "Polisen, Sjöstads kommun och Sjöstadshem har lovat" in news
    assert "från 1 juli 2022 till 30 juni 2024" in news
    assert "Ansvarar: Polisen och Sjöstads kommun" in news
    assert "Villkoret uppkom: Inte hittills" in news
    assert "Gjort: Inte ännu" in news and "Takt: 0 per dag" in news
    assert "i snitt 3 per vecka" in news


def test_the_schedule_follows_the_promise_s_dates():
    from lofte_pipeline.schedule import draft_period, promise_runs, round_period

    promise = sjostad()
    runs = promise_runs(promise, after=dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    finals = [r for r in runs if r.kind == "slutlig"]
    assert [r.period for r in finals] == [p.id for p in promise.periods]
    assert finals[0].at.date() == dt.date(2022, 9, 1)  # the first working day after 31 August
    assert draft_period(promise.periods, dt.date(2025, 3, 1)).id == "2024-T2"
    assert draft_period(promise.periods, dt.date(2022, 3, 1)).id == "2022-T2"
    assert round_period(promise, "2023-T1") == "2023-T1"
    assert round_period(promise, "T1") == "2023-T1"
    assert round_period(promise, "2030-T1") == "2023-T1"


def test_the_demo_writes_a_believable_inbox_for_a_two_year_promise_without_districts(tmp_path):
    import yaml

    from lofte_pipeline.demo import write_demo_inbox

    promise_file = tmp_path / "sjostad.yaml"
    promise_file.write_text(yaml.safe_dump(SJOSTAD, allow_unicode=True), encoding="utf-8")
    promise = parse_promise(SJOSTAD)
    written = write_demo_inbox(promise, tmp_path / "inkorg", seed=7)
    assert {p.relative_to(tmp_path / "inkorg").parts[0] for p in written} == {
        "polisen",
        "kommunen",
        "bostader",
    }
    result = build_report(promise_file, tmp_path / "inkorg", tmp_path / "ut", LAST, pdf=False)
    targets = {t["id"]: t for t in result.figures["targets"]}
    # Each target's events are written by the partners that carry it, a joint one by both but
    # for one that only the police logged, which is not counted.
    assert all(t["not_counted"] == (1 if t["joint"] else 0) for t in targets.values())
    assert targets["kvartalsbrev"]["done_to_date"] >= 6
    assert targets["trafikkontroller"]["done_to_date"] > 250  # about three a week for two years
    assert targets["trafikinsatser"]["done_to_date"] >= targets["mopedinsatser"]["done_to_date"]
    rejected = (result.folder / "intern" / "avvisat.csv").read_text(encoding="utf-8")
    assert "utanför löftet, som gäller från 2022-07-01 till 2024-06-30" in rejected


BUNDLED = sorted((Path(__file__).resolve().parents[1] / "promises").glob("*.yaml"))


@pytest.mark.parametrize("promise_file", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_promise_validates_and_its_demo_builds_its_final_report(
    promise_file: Path, tmp_path: Path
):
    from lofte_pipeline.demo import write_demo_inbox
    from lofte_pipeline.promise import load_promise

    promise = load_promise(promise_file)
    assert main(["validate-promise", str(promise_file)]) == 0
    write_demo_inbox(promise, tmp_path / "inkorg")
    final = promise.periods[-1]
    result = build_report(promise_file, tmp_path / "inkorg", tmp_path / "ut", final, pdf=False)
    assert result.figures["final"] is True and result.figures["period"] == final.id
    assert result.figures["activities_counted"] > 0
    # Each target's activities come from the partners that carry it (a joint target's from all
    # of them, but for one activity logged by one partner alone, not counted).
    assert all(t["not_counted"] == (1 if t["joint"] else 0) for t in result.figures["targets"])


def counted_by_hand(promise, inbox: Path, until: dt.date) -> dict[str, list[tuple]]:
    """Each target's distinct activities from the demo inbox, read with openpyxl and csv
    (test_demo_inbox's reader, not the pipeline's) and counted by the promise file's rules as
    docs/promise-file.md states them: a known activity on a date within the promise (and a named
    district, when the promise names any); one activity per type, date, district and place
    whoever reported it (per place for a new area, per row when each row counts); counted toward
    its target and the targets that target is part of, when reported by a partner that carries
    it (each of them for a joint target). Trigger activities are listed under "<id>:triggers"."""
    from test_demo_inbox import all_rows

    from lofte_pipeline.text import fold

    groups: dict[tuple, tuple[Any, set[str], dt.date, str]] = {}
    for n, row in enumerate(all_rows(inbox, promise)):
        activity = promise.activity_by_key.get(fold(row.get("Aktivitet") or ""))
        day = row["day"]
        if activity is None or day is None or not promise.start <= day <= until:
            continue
        district = None
        if promise.districts:
            district = promise.district_by_key.get(fold(row.get("Kommundel") or ""))
            if district is None:
                continue
        place = fold(row.get("Plats") or "")
        if activity.one_per_row:
            key: tuple = (activity.label, n)
        elif activity.one_per_place and place:
            key = (activity.label, place)
        else:
            key = (activity.label, day, district, place)
        partner = promise.partner_by_source.get(row["source"])
        first = groups.setdefault(key, (activity, set(), day, place))
        first[1].add(partner.id if partner else row["source"])
        if day < first[2]:  # the earliest report dates the activity
            groups[key] = (activity, first[1], day, place)
    counted: dict[str, list[tuple]] = {t.id: [] for t in promise.targets}
    counted |= {f"{t.id}:triggers": [] for t in promise.targets}
    for activity, partners, day, place in groups.values():
        target = promise.target_by_id[activity.target]
        if activity.triggers:
            counted[f"{target.id}:triggers"].append((day, place))
            continue
        while target is not None:
            named = set(target.responsible)
            if not named or (named <= partners if target.joint else named & partners):
                counted[target.id].append((day, place))
            target = promise.target_by_id.get(target.part_of) if target.part_of else None
    return counted


@pytest.mark.parametrize("promise_file", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_each_bundled_promise_s_demo_figures_are_what_a_count_by_hand_gives(
    promise_file: Path, tmp_path: Path
):
    from lofte_pipeline.demo import write_demo_inbox
    from lofte_pipeline.period import calendar_periods
    from lofte_pipeline.promise import load_promise

    promise = load_promise(promise_file)
    write_demo_inbox(promise, tmp_path / "inkorg")
    final = promise.periods[-1]
    result = build_report(promise_file, tmp_path / "inkorg", tmp_path / "ut", final, pdf=False)
    counted = counted_by_hand(promise, tmp_path / "inkorg", min(final.end, promise.end))
    days = (promise.end - promise.start).days + 1
    for figures in result.figures["targets"]:
        mine = counted[figures["id"]]
        assert figures["done_to_date"] == len(mine), figures["id"]
        if figures["triggers_to_date"] is not None:
            assert figures["triggers_to_date"] == len(counted[f"{figures['id']}:triggers"])
        if figures["rate"]:
            per = {"day": 1, "week": 7}[figures["rate"]["per"]]
            assert figures["rate"]["value"] == round(len(mine) / (days / per), 2), figures["id"]
        for place in figures["place_counts"]:
            done = sum(p == fold_text(place["place"]) for _, p in mine)
            assert place["done"] == done, (figures["id"], place)
        for short in figures["shortfalls"]:
            if short["average"]:
                continue
            [bounds] = [
                c
                for c in calendar_periods(short["unit"], promise.start, promise.end)
                if c.id == short["period"]
            ]
            done = sum(bounds.start <= day <= bounds.end for day, _ in mine)
            assert short["done"] == done < short["required"], (figures["id"], short)
    assert sum(len(v) for k, v in counted.items() if ":" not in k) > 0


def fold_text(text: str) -> str:
    from lofte_pipeline.text import fold

    return fold(text)
