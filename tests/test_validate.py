"""Rows: headers found under title rows and by synonym, dates in every form, each rejection named."""

from __future__ import annotations

import datetime as dt

import pytest
from workbooks import HEADER, row

from lofte_pipeline.errors import UnreadableFileError
from lofte_pipeline.ingest import RawSheet
from lofte_pipeline.validate import validate_sheets
from lofte_pipeline.values import parse_date


def validate(promise, rows, source="polisen"):
    return validate_sheets(
        [RawSheet.from_rows("Logg", rows)], promise, source, f"{source}/logg.xlsx"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2019, 3, 14), dt.date(2019, 3, 14)),  # Excel date cell
        (dt.datetime(2019, 3, 14, 18, 0), dt.date(2019, 3, 14)),  # Excel datetime cell
        (43538.0, dt.date(2019, 3, 14)),  # Excel serial number
        (43538.75, dt.date(2019, 3, 14)),  # serial with a time of day
        ("43538", dt.date(2019, 3, 14)),  # serial typed as text
        ("2019-03-14", dt.date(2019, 3, 14)),
        ("2019-03-14 18:00", dt.date(2019, 3, 14)),
        ("2019-3-4", dt.date(2019, 3, 4)),
        ("14/3/2019", dt.date(2019, 3, 14)),  # day first
        ("14/3 2019", dt.date(2019, 3, 14)),
        ("14 mars 2019", dt.date(2019, 3, 14)),  # Swedish month name
        (" 1 Maj 2019 ", dt.date(2019, 5, 1)),
        ("2 okt. 2019", dt.date(2019, 10, 2)),
        ("14.3.2019", dt.date(2019, 3, 14)),
    ],
)
def test_dates_in_every_form_staff_use(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["", "igår", "31/2/2019", "2019-13-01", "14 marsch 2019", True, dt.time(10, 0), "1234"]
)
def test_unreadable_dates(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "header",
    [
        ["Datum", "Aktivitet", "Kommundel"],
        ["DATUM ", "aktivitet", "kommundel"],  # case and spaces
        ["Date", "Aktivitetstyp", "Område"],
        ["Dag", "Typ", "Ort"],
        ["Genomfört", "Insats", "Kommundel/ort"],
        ["Datum för aktivitet", "Typ av aktivitet", "Omrade"],  # missing diacritics
        ["Genomfort", "Typ  av  aktivitet", "Kommun del"],
    ],
)
def test_header_synonyms(promise, header):
    result = validate(promise, [header, ["2019-01-10", "Mopedinsats", "Härad"]])
    assert len(result.accepted) == 1 and result.rejected.empty


def test_optional_column_synonyms(promise):
    result = validate(
        promise,
        [
            ["Datum", "Aktivitet", "Kommundel", "Plats/adress", "Antal deltagare", "Anteckning"],
            ["2019-01-10", "Trygghetsvandring", "Strängnäs", "Resecentrum", "14", "Kallt"],
        ],
    )
    assert result.accepted.iloc[0][["place", "count", "comment"]].tolist() == [
        "Resecentrum",
        14,
        "Kallt",
    ]


def test_a_source_can_add_its_own_header_synonyms(promise):
    rows = [["Kontrolldatum", "Aktivitet", "Kommundel"], ["2019-01-10", "Mopedinsats", "Härad"]]
    assert len(validate(promise, rows, "polisen").accepted) == 1
    with pytest.raises(UnreadableFileError, match="Datum"):
        validate(promise, rows, "kommunen")  # the synonym belongs to polisen only


def test_header_under_title_rows_and_row_numbers_as_excel_shows_them(promise):
    rows = [
        ["Aktivitetslogg medborgarlöfte 2019"],
        ["Polisen LPO Strängnäs"],
        [],
        HEADER,
        row("2019-01-10", "Mopedinsats", "Härad"),
        [],
        row("2019-01-11", "Mopedinsats", "Okänd ort"),
    ]
    result = validate(promise, rows)
    assert list(result.accepted["row"]) == [5]
    assert list(result.rejected["row"]) == [7]


def test_header_beyond_the_first_ten_rows_is_not_found(promise):
    rows = [["titel"]] * 10 + [HEADER, row("2019-01-10", "Mopedinsats", "Härad")]
    with pytest.raises(UnreadableFileError, match="Ingen rubrikrad"):
        validate(promise, rows)


def test_missing_required_header_column_is_named(promise):
    with pytest.raises(UnreadableFileError, match="kolumnerna Kommundel saknas"):
        validate(promise, [["Datum", "Aktivitet", "Plats"], ["2019-01-10", "Mopedinsats", "x"]])


def test_blank_rows_and_sum_lines_are_ignored(promise):
    rows = [
        HEADER,
        row("2019-01-10", "Mopedinsats", "Härad", count=3),
        ["", "", "", "", "", ""],
        [None, None, None, None, 3, "Summa"],
        [None, None, "Härad", None, None, None],
    ]
    result = validate(promise, rows)
    assert len(result.accepted) == 1 and result.rejected.empty


def rejection(promise, cells):
    result = validate(promise, [HEADER, cells])
    assert result.accepted.empty
    return result.rejected.to_dict("records")


def test_unknown_activity_lists_the_valid_ones_and_suggests_the_closest(promise):
    [problem] = rejection(promise, row("2019-02-01", "Trygghetsvandrig", "Mariefred"))
    assert problem["column"] == "Aktivitet" and problem["value"] == "Trygghetsvandrig"
    assert "Okänd aktivitet" in problem["reason"]
    assert "Riktad insats trimmade mopeder" in problem["reason"]
    assert "Menade du 'Trygghetsvandring'?" in problem["reason"]
    assert (problem["file"], problem["sheet"], problem["row"]) == ("polisen/logg.xlsx", "Logg", 2)


def test_unknown_district_lists_the_valid_ones_and_suggests_the_closest(promise):
    [problem] = rejection(promise, row("2019-02-01", "Trygghetsvandring", "Marifred"))
    assert problem["column"] == "Kommundel"
    assert "Okänd kommundel. Giltiga: Strängnäs, Mariefred, Åkers styckebruk" in problem["reason"]
    assert "Menade du 'Mariefred'?" in problem["reason"]


def test_unreadable_date(promise):
    [problem] = rejection(promise, ["i våras", "Trygghetsvandring", "Mariefred"])
    assert (problem["column"], problem["value"]) == ("Datum", "i våras")
    assert "kan inte tolkas" in problem["reason"] and "2019-03-14" in problem["reason"]


def test_date_outside_the_promise_year(promise):
    [problem] = rejection(promise, row("2018-12-31", "Trygghetsvandring", "Mariefred"))
    assert (problem["column"], problem["value"]) == ("Datum", "2018-12-31")
    assert "utanför löftesåret 2019" in problem["reason"]


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ([None, "Trygghetsvandring", "Mariefred"], "Datum"),
        (["2019-02-01", None, "Mariefred"], "Aktivitet"),
        (["2019-02-01", "Trygghetsvandring", "  "], "Kommundel"),
    ],
)
def test_missing_required_value(promise, cells, column):
    [problem] = rejection(promise, [*cells, "", "", ""])
    assert problem["column"] == column
    assert problem["reason"] == f"{column} saknas; kolumnen måste fyllas i."


def test_count_must_be_a_whole_number(promise):
    [problem] = rejection(
        promise, row("2019-02-01", "Trygghetsvandring", "Mariefred", count="tolv")
    )
    assert problem["column"] == "Antal" and "heltal" in problem["reason"]


def test_every_problem_of_a_row_is_reported(promise):
    problems = rejection(promise, ["igår", "Vandring", "Marifred", "", "", ""])
    assert [p["column"] for p in problems] == ["Datum", "Aktivitet", "Kommundel"]


def test_activity_and_district_match_without_case_spaces_or_diacritics(promise):
    result = validate(
        promise,
        [HEADER, row("2019-02-01", "  nytt BATSAMVERKANSOMRADE ", "akers styckebruk", "Bryggan")],
    )
    assert result.accepted.iloc[0][["activity", "district", "target"]].tolist() == [
        "Nytt båtsamverkansområde",
        "Åkers styckebruk",
        "nya-batsamverkansomraden",
    ]


def test_a_sheet_with_no_filled_cells_makes_the_file_empty(promise):
    with pytest.raises(UnreadableFileError, match="inga ifyllda celler"):
        validate(promise, [["", ""], []])


def _log_rows(district: str, comment: str) -> list[list[object]]:
    return [
        HEADER,
        row("2019-03-14", "Trygghetsvandring", district, comment=comment),
        ["2019-13-01", "Grannsamverkan", district, "", None, ""],  # unreadable date
        row(dt.date(2019, 4, 2), "Trafikontroll", district, count="tre"),  # typo, bad count
        row(dt.datetime(2019, 5, 5, 10), "Mopedinsats", district, comment="070-123 45 67"),
    ]


def test_text_dates_read_on_columns_are_what_parse_date_reads():
    import polars as pl

    from lofte_pipeline.values import dates_of

    texts = [
        "2019-03-14",
        "2019-3-4",
        "2019-03-14 10:00",
        "2019-03-14 10.00:05.123",
        "2019-02-31",
        "0000-01-01",
        "2019-13-01",
        "14/3/2019",
        "14.3.2019",
        "14/3 2019",
        "31/2/2019",
        "14/3/ 2019",
        " 2019-03-14",
        "2019-03-14T10:00",
        "2019-03-14  10:00",
        "14 mars 2019",
        "43538",
        "２０１９-03-14",
        "2019-03-14 25:99",
        "1/1/0000",
        "",
        "igår",
    ]
    column = pl.Series("t", [*texts, None], dtype=pl.String)
    read = dates_of(column, pl.Series([True] * len(column))).to_list()
    assert read == [*(parse_date(t) for t in texts), None]
    assert read[0] == dt.date(2019, 3, 14) and read[4] is None and read[15] == dt.date(2019, 3, 14)
    assert read[13] == dt.date(2019, 3, 14)  # a datetime cell reads as its date
