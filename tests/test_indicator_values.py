"""Outcome indicators: values the coordinator drops in indikatorer/, shown beside the activities
of their löfte with source and date, never computed from the logs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
import yaml
from workbooks import row, write_csv, write_xlsx

from lofte_pipeline.cli import main
from lofte_pipeline.errors import UnreadableFileError
from lofte_pipeline.indicator_values import indicator_figures, read_indicator_file
from lofte_pipeline.period import Period
from lofte_pipeline.promise import parse_promise
from lofte_pipeline.report import build_report

INDICATORS = [
    {
        "id": "andel-otrygga",
        "namn": "Andel som känner sig otrygga",
        "enhet": "%",
        "kalla": "Polisens trygghetsmätning",
        "lofte": "trafik",
        "riktning": "minska",
        "niva": 26,
        "citat": "Att minska andelen otrygga till 26 %",
    },
    {
        "id": "batinbrott",
        "namn": "Anmälda båtinbrott",
        "enhet": "anmälda brott",
        "kalla": "Polisens statistik över anmälda brott",
        "riktning": "minska",
    },
]
HEADER = ["Indikator", "Period", "Värde", "Källa", "Datum", "Status"]


@pytest.fixture
def promise_data(promise_file: Path) -> dict:
    data = yaml.safe_load(promise_file.read_text(encoding="utf-8"))
    data["indikatorer"] = INDICATORS
    return data


@pytest.fixture
def with_indicators(promise_data):
    return parse_promise(promise_data)


def test_values_are_read_from_a_sheet_and_from_a_csv(tmp_path, with_indicators):
    sheet = write_xlsx(
        tmp_path / "varden.xlsx",
        {
            "Indikatorer": [
                HEADER,
                ["andel-otrygga", "2019", "27,5", "", dt.date(2019, 11, 30), "preliminär"],
                ["Anmälda båtinbrott", 2018, 41, "BRÅ", dt.date(2019, 1, 20), "slutlig"],
            ]
        },
    )
    read = read_indicator_file(sheet, "indikatorer/varden.xlsx", with_indicators)
    assert read.rejected.empty
    assert read.values[["indicator", "period", "value", "status", "read_on"]].values.tolist() == [
        ["andel-otrygga", "2019", 27.5, "preliminary", "2019-11-30"],
        ["batinbrott", "2018", 41.0, "final", "2019-01-20"],
    ]
    assert read.values["source"].tolist() == ["Polisens trygghetsmätning", "BRÅ"]
    table = write_csv(
        tmp_path / "varden.csv", [HEADER, ["batinbrott", "2019-T2", "12", "", "", ""]]
    )
    read = read_indicator_file(table, "indikatorer/varden.csv", with_indicators)
    assert read.values[["period", "value", "status"]].values.tolist() == [
        ["2019-T2", 12.0, "final"]
    ]


def test_each_bad_cell_is_rejected_with_its_place_and_reason(tmp_path, with_indicators):
    sheet = write_xlsx(
        tmp_path / "fel.xlsx",
        {
            "Indikatorer": [
                HEADER,
                ["Andel som känner sig otryga", "2019", "27", "", "", ""],
                ["batinbrott", "förra året", "många", "", "30/11", "kanske"],
                ["batinbrott", "2019", "12", "", "", ""],
            ]
        },
    )
    read = read_indicator_file(sheet, "indikatorer/fel.xlsx", with_indicators)
    assert read.values["row"].tolist() == [4]
    problems = {(r.row, r.column): r.reason for r in read.rejected.itertuples()}
    assert "Menade du 'Andel som känner sig otrygga'?" in problems[(2, "Indikator")]
    assert set(problems) == {
        (2, "Indikator"),
        (3, "Period"),
        (3, "Värde"),
        (3, "Datum"),
        (3, "Status"),
    }
    assert problems[(3, "Period")] == "Perioden ska vara ett år (2019) eller en tertial (2019-T2)."
    assert set(read.rejected["sheet"]) == {"Indikatorer"}


def test_a_file_without_the_columns_or_not_a_spreadsheet_is_unreadable(tmp_path, with_indicators):
    other = write_xlsx(tmp_path / "annat.xlsx", {"Blad1": [["Namn", "Tal"], ["x", 1]]})
    with pytest.raises(UnreadableFileError, match="Indikator, Period, Värde"):
        read_indicator_file(other, "indikatorer/annat.xlsx", with_indicators)
    broken = tmp_path / "trasig.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UnreadableFileError):
        read_indicator_file(broken, "indikatorer/trasig.xlsx", with_indicators)


def test_a_final_value_replaces_the_preliminary_one_and_last_year_is_shown(
    tmp_path, with_indicators
):
    sheet = write_xlsx(
        tmp_path / "v.xlsx",
        {
            "Indikatorer": [
                HEADER,
                ["andel-otrygga", "2018", "29", "", dt.date(2018, 12, 1), "slutlig"],
                ["andel-otrygga", "2019", "26", "", dt.date(2019, 12, 20), "slutlig"],
                ["andel-otrygga", "2019", "27", "", dt.date(2019, 12, 28), "preliminär"],
                ["andel-otrygga", "2020", "25", "", dt.date(2020, 12, 1), "slutlig"],
            ]
        },
    )
    values = read_indicator_file(sheet, "indikatorer/v.xlsx", with_indicators).values
    found = {i["id"]: i for i in indicator_figures(with_indicators, values, Period(2019, 3))}
    unsafe = found["andel-otrygga"]
    assert [v["period"] for v in unsafe["values"]] == ["2018", "2019"]  # 2020 is later
    assert unsafe["latest"]["value"] == 26.0 and unsafe["latest"]["status"] == "final"
    assert unsafe["previous_year"]["value"] == 29.0
    assert (unsafe["direction"], unsafe["level"], unsafe["statement"]) == ("decrease", 26, "trafik")
    assert found["batinbrott"]["values"] == [] and found["batinbrott"]["latest"] is None


def test_the_template_makes_the_sheet_the_reader_reads(tmp_path, promise_data):
    promise_file = tmp_path / "lofte.yaml"
    promise_file.write_text(yaml.safe_dump(promise_data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "indikatorer.xlsx"
    assert (
        main(
            ["template", "--promise", str(promise_file), "--source", "indikatorer", "-o", str(out)]
        )
        == 0
    )
    book = openpyxl.load_workbook(out)
    sheet = book["Indikatorer"]
    assert [c.value for c in sheet[1]] == HEADER
    sheet.append(
        ["Andel som känner sig otrygga", "2019", 27, None, dt.date(2019, 11, 1), "preliminär"]
    )
    book.save(out)
    read = read_indicator_file(out, "indikatorer/indikatorer.xlsx", parse_promise(promise_data))
    assert read.rejected.empty and read.values["indicator"].tolist() == ["andel-otrygga"]


def test_the_report_shows_each_value_under_its_löfte_and_a_bad_file_blocks_nothing(
    tmp_path, promise_data
):
    promise_file = tmp_path / "lofte.yaml"
    promise_file.write_text(yaml.safe_dump(promise_data, allow_unicode=True), encoding="utf-8")
    inbox = tmp_path / "inkorg"
    write_xlsx(
        inbox / "polisen" / "logg.xlsx",
        {
            "Logg": [
                ["Datum", "Aktivitet", "Kommundel", "Plats", "Antal", "Kommentar"],
                row("2019-03-05", "Trafikkontroll", "Mariefred"),
            ]
        },
    )
    write_csv(
        inbox / "indikatorer" / "trygghetsmatning.csv",
        [
            HEADER,
            ["andel-otrygga", "2018", "29", "", "2018-12-01", "slutlig"],
            ["andel-otrygga", "2019", "27,5", "", "2019-11-30", "preliminär"],
        ],
    )
    (inbox / "indikatorer" / "trasig.xlsx").write_bytes(b"PK\x03\x04 broken")
    result = build_report(promise_file, inbox, tmp_path / "ut", "2019-T3", pdf=True)
    found = json.loads(result.path("figures.json").read_text(encoding="utf-8"))
    unsafe = next(i for i in found["indicators"] if i["id"] == "andel-otrygga")
    assert unsafe["latest"] == {
        "period": "2019",
        "value": 27.5,
        "status": "preliminary",
        "source": "Polisens trygghetsmätning",
        "read_on": "2019-11-30",
    }
    assert unsafe["previous_year"]["value"] == 29.0
    assert len(found["rejected_files"]) == 1  # the broken file, and only it
    assert found["targets"][0]["done_to_date"] >= 0
    html = result.path("rapport.html").read_text(encoding="utf-8")
    section = html[html.index('id="lofte-trafik"') : html.index('id="lofte-samverkan"')]
    assert "Andel som känner sig otrygga" in section
    assert "27,5 % (2019), preliminärt" in section and "29 % (2018)" in section
    assert "Minska till 26 %" in section
    assert "Polisens trygghetsmätning, läst 30 november 2019" in section
    assert "räknas inte fram ur aktivitetsloggarna" in section
    general = html[html.index('id="utfallsmatt"') :]
    assert "Anmälda båtinbrott" in general  # an indicator of no löfte has its own section
    assert "trasig.xlsx" not in html


def test_lofte_check_checks_a_file_of_indicator_values(tmp_path, promise_data, capsys):
    promise_file = tmp_path / "lofte.yaml"
    promise_file.write_text(yaml.safe_dump(promise_data, allow_unicode=True), encoding="utf-8")
    table = write_csv(
        tmp_path / "varden.csv",
        [HEADER, ["andel-otrygga", "2019", "27,5", "", "", ""], ["okänd", "2019", "x", "", "", ""]],
    )
    code = main(["check", "--promise", str(promise_file), "--source", "indikatorer", str(table)])
    out = capsys.readouterr().out
    assert code == 1
    assert "1 rader godkända, 1 rader skulle avvisas" in out
    assert "Okänd indikator. Giltiga: andel-otrygga, batinbrott." in out
