"""Reading dropped files: every accepted format and form, and every unreadable file as a reason."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import polars as pl
import pytest
from workbooks import HEADER, row, write_any, write_csv, write_xlsx

from lofte_pipeline.errors import UnreadableFileError
from lofte_pipeline.ingest import ReadLimits, is_ignored, read_sheets
from lofte_pipeline.intake import check_file

ROWS = [
    HEADER,
    row("2019-03-14", "Trygghetsvandring", "Mariefred", "Läggesta station", 12),
    row("2019-05-02", "Trafiksäkerhetsråd", "Strängnäs"),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".xls", ".ods", ".csv"])
def test_every_format_is_read_with_dates_and_text_intact(tmp_path, promise, suffix):
    path = write_any(tmp_path / f"logg{suffix}", ROWS)
    result = check_file(path, promise, "polisen")
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.accepted["date"]) == [dt.date(2019, 3, 14), dt.date(2019, 5, 2)]
    assert list(result.accepted["place"]) == ["Läggesta station", ""]
    assert list(result.accepted["row"]) == [2, 3]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        (";", "utf-8-sig"),
        (",", "utf-8-sig"),
        (";", "utf-8"),
        (",", "utf-8"),
        (";", "cp1252"),
        (",", "cp1252"),
    ],
)
def test_csv_delimiters_and_encodings(tmp_path, promise, delimiter, encoding):
    rows = [
        ["Datum", "Aktivitet", "Kommundel", "Plats"],
        ["2019-02-01", "Nytt båtsamverkansområde", "Åkers styckebruk", "Båtklubben, norra"],
    ]
    path = write_csv(tmp_path / "logg.csv", rows, delimiter=delimiter, encoding=encoding)
    result = check_file(path, promise, "kommunen")
    assert result.rejected.empty
    assert result.accepted.iloc[0][["activity", "district", "place"]].tolist() == [
        "Nytt båtsamverkansområde",
        "Åkers styckebruk",
        "Båtklubben, norra",
    ]


def test_several_sheets_are_all_read_and_a_sheet_without_header_is_passed_over(tmp_path, promise):
    path = write_xlsx(
        tmp_path / "logg.xlsx",
        {
            "Instruktioner": [["Fyll i en rad per aktivitet."]],
            "Vår": [HEADER, row("2019-03-01", "Mopedinsats", "Härad")],
            "Höst": [["Logg hösten"], HEADER, row("2019-10-01", "Beteendekontroll", "Härad")],
        },
    )
    result = check_file(path, promise, "polisen")
    assert result.sheets_read == ["Vår", "Höst"]
    assert result.sheets_skipped == ["Instruktioner"]
    assert list(zip(result.accepted["sheet"], result.accepted["row"])) == [("Vår", 2), ("Höst", 3)]


@pytest.mark.parametrize("name", ["~$logg.xlsx", ".DS_Store", ".~lock.logg.ods#"])
def test_lock_and_hidden_files_are_not_data(name):
    assert is_ignored(Path(name))


def _unreadable(path: Path, limits: ReadLimits = ReadLimits()) -> str:
    with pytest.raises(UnreadableFileError) as error:
        read_sheets(path, limits)
    return error.value.reason


def test_empty_file_is_rejected(tmp_path):
    path = tmp_path / "tom.xlsx"
    path.write_bytes(b"")
    assert "tom" in _unreadable(path)


def test_text_file_named_xlsx_is_rejected(tmp_path):
    path = tmp_path / "anteckningar.xlsx"
    path.write_text("Datum;Aktivitet\n2019-01-01;Trygghetsvandring\n", encoding="utf-8")
    assert "inget kalkylark" in _unreadable(path)


def test_truncated_zip_is_rejected(tmp_path):
    whole = write_xlsx(tmp_path / "hel.xlsx", {"Logg": ROWS}).read_bytes()
    path = tmp_path / "avbruten.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert "trasig" in _unreadable(path)


def test_zip_that_is_not_a_workbook_is_rejected(tmp_path):
    path = tmp_path / "arkiv.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bild.txt", "inte ett kalkylark")
    assert "zip-arkiv men inget kalkylark" in _unreadable(path)


def test_password_protected_workbook_is_rejected(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(tmp_path / "oppen.xlsx", {"Logg": ROWS})
    path = tmp_path / "skyddad.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("hemligt", target)
    assert "lösenordsskyddad" in _unreadable(path)


def test_unsupported_file_type_is_rejected(tmp_path):
    path = tmp_path / "rapport.pdf"
    path.write_bytes(b"%PDF-1.7 ...")
    assert "stöds inte" in _unreadable(path)


def test_decompressed_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    assert "packas upp" in _unreadable(path, ReadLimits(max_uncompressed_bytes=1_000_000))


def test_row_limit_per_sheet(tmp_path):
    rows = [HEADER] + [row("2019-01-02", "Mopedinsats", "Härad")] * 50
    path = write_xlsx(tmp_path / "lang.xlsx", {"Logg": rows})
    assert "gränsen är 20 rader" in _unreadable(path, ReadLimits(max_rows_per_sheet=20))


def test_formulas_are_read_as_their_cached_values_never_evaluated(tmp_path, promise):
    path = write_xlsx(
        tmp_path / "formler.xlsx",
        {"Logg": [HEADER, [dt.date(2019, 1, 5), "Mopedinsats", "Härad", "", "=1+1", ""]]},
    )
    result = check_file(path, promise, "polisen")
    # openpyxl writes no cached value, so the count is blank rather than computed.
    assert result.accepted["count"].isna().all()


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".csv"])
def test_every_format_is_read_into_text_columns(tmp_path, suffix):
    [sheet] = read_sheets(write_any(tmp_path / f"logg{suffix}", ROWS))
    assert sheet.head(1) == [tuple(HEADER)]
    assert set(sheet.cells.dtypes) == {pl.String}


def test_chart_sheets_are_not_read(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Logg"
    for cells in ROWS:
        workbook.active.append(cells)
    workbook.create_chartsheet("Diagram")
    path = tmp_path / "diagram.xlsx"
    workbook.save(path)
    assert [sheet.name for sheet in read_sheets(path)] == ["Logg"]


def test_typed_cells_are_read_as_the_text_their_values_print_as(tmp_path, promise):
    from lofte_pipeline.validate import validate_sheets

    rows = [
        ["Titel"],
        HEADER,
        [dt.datetime(2019, 3, 14, 10, 0), "Mopedinsats", "Härad", 12.5, 12.0, True],
        [dt.datetime(2018, 3, 14, 10, 30), "Mopedinsats", "Härad", "", "", ""],
        [dt.date(2018, 12, 31), "Mopedinsats", "Härad", "", 3.5, dt.datetime(2019, 1, 1, 9)],
        [dt.time(10, 30), "Mopedinsats", "0701234567", "", -3, ""],
        [43538, "Trygghetsvandrig", "Marifred", "070-123 45 67", "", 0.1],
        [1234, "Mopedinsats", "Härad", "", True, "anna@exempel.se"],
    ]
    path = write_xlsx(tmp_path / "typer.xlsx", {"Logg": rows})
    [sheet] = read_sheets(path)
    assert sheet.head(3)[2] == ("2019-03-14T10:00:00", "Mopedinsats", "Härad", "12.5", "12", "True")
    result = validate_sheets([sheet], promise, "polisen", "typer.xlsx")
    assert list(result.accepted["comment"]) == ["True"]
    rejected = result.rejected[["row", "column", "value"]].values.tolist()
    assert rejected[:4] == [
        [4, "Datum", "2018-03-14T10:30:00"],
        [5, "Datum", "2018-12-31"],
        [5, "Antal", "3.5"],
        [6, "Datum", "10:30:00"],
    ]
    assert [7, "Datum", "43538"] not in rejected  # a serial number is a date
    assert result.findings[["row", "column", "kind"]].values.tolist() == [
        [6, "Kommundel", "telefonnummer"]
    ]  # a rejected value; rejected rows keep no comment
