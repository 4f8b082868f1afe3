"""`lofte template`: the workbook staff keep, generated from the promise, is always accepted."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from lofte_pipeline.cli import main
from lofte_pipeline.intake import check_file
from lofte_pipeline.promise import load_promise


@pytest.fixture
def template(tmp_path, promise_file):
    path = tmp_path / "mall.xlsx"
    assert (
        main(["template", "--promise", str(promise_file), "--source", "kommunen", "-o", str(path)])
        == 0
    )
    return path


def test_the_template_has_the_columns_lists_and_checks_staff_need(template, promise):
    workbook = openpyxl.load_workbook(template)
    log = workbook["Logg"]
    assert [c.value for c in log[1]] == [
        "Datum",
        "Aktivitet",
        "Kommundel",
        "Plats",
        "Antal",
        "Kommentar",
    ]
    assert log.freeze_panes == "A2"
    assert log.column_dimensions["B"].width > 30
    validations = {str(v.sqref).split(":")[0]: v for v in log.data_validations.dataValidation}
    assert validations["B2"].type == "list" and validations["C2"].type == "list"
    assert validations["A2"].type == "date" and "DATE(2019,1,1)" in validations["A2"].formula1
    assert validations["E2"].type == "whole"
    lists = workbook["Listor"]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"] if c.value] == [a.label for a in promise.activities]
    assert [c.value for c in lists["B"] if c.value] == [d.name for d in promise.districts]
    text = " ".join(
        str(c.value) for row in workbook["Instruktioner"].iter_rows() for c in row if c.value
    )
    assert "minst åtta stycken nya grannsamverkansområden" in text  # quotes the promise
    assert "Trafikkontroll hastighet" in text and "Strängnäs kommun" in text


def test_a_log_filled_in_with_the_template_is_always_accepted(template, promise):
    workbook = openpyxl.load_workbook(template)
    log = workbook["Logg"]
    for n, activity in enumerate(promise.activities):
        district = promise.districts[n % len(promise.districts)].name
        log.append([dt.date(2019, 1 + n, 10), activity.label, district, f"Plats {n}", n, "ok"])
    workbook.save(template)
    result = check_file(template, promise, "kommunen")
    assert result.rejected.empty
    assert len(result.accepted) == len(promise.activities)
    # The example in the instructions is never counted; Redovisning is read as texts.
    assert result.sheets_read == ["Logg", "Redovisning"]


def test_the_template_has_a_redovisning_sheet_with_the_targets_and_tertials_as_lists(
    template, promise
):
    workbook = openpyxl.load_workbook(template)
    assert workbook.sheetnames[:2] == ["Logg", "Redovisning"]
    texts = workbook["Redovisning"]
    assert [c.value for c in texts[1]] == ["Mål", "Tertial", "Text", "Nästa steg"]
    assert texts.column_dimensions["C"].width >= 60 and texts["C2"].alignment.wrap_text
    validations = {str(v.sqref).split(":")[0]: v for v in texts.data_validations.dataValidation}
    assert validations["B2"].type == "list" and validations["B2"].formula1 == '"T1,T2,T3"'
    # The headings are far longer than Excel's 255 characters of an inline list: a range.
    assert len(", ".join(t.title for t in promise.targets)) > 255
    assert validations["A2"].formula1 == f"=Listor!$C$1:$C${len(promise.targets)}"
    headings = [c.value for c in workbook["Listor"]["C"] if c.value]
    assert headings == [t.title for t in promise.targets]
    instructions = " ".join(
        str(c.value) for row in workbook["Instruktioner"].iter_rows() for c in row if c.value
    )
    assert "På bladet Redovisning berättar ni med egna ord" in instructions


def test_texts_written_in_the_template_read_back_with_no_rejections(template, promise):
    workbook = openpyxl.load_workbook(template)
    texts = workbook["Redovisning"]
    for n, target in enumerate(promise.targets):
        values = [target.title, f"T{n % 3 + 1}", f"Gjort för {target.id}.", f"Sedan {n}"]
        for column, value in enumerate(values, start=1):
            texts.cell(row=n + 2, column=column, value=value)  # below the header, as staff do
    workbook.save(template)
    result = check_file(template, promise, "kommunen")
    assert result.rejected.empty and result.accepted.empty
    assert result.narratives[["row", "target", "period", "text", "next_step"]].values.tolist() == [
        [n + 2, t.id, f"2019-T{n % 3 + 1}", f"Gjort för {t.id}.", f"Sedan {n}"]
        for n, t in enumerate(promise.targets)
    ]


def test_an_empty_template_is_a_valid_empty_log(template, promise):
    result = check_file(template, promise, "kommunen")
    assert result.accepted.empty and result.rejected.empty


def test_a_template_for_another_promise_uses_its_districts(tmp_path):
    from pathlib import Path

    other = Path(__file__).resolve().parents[1] / "promises" / "exempelby-2020.yaml"
    path = tmp_path / "mall.xlsx"
    assert (
        main(["template", "--promise", str(other), "--source", "bostadsbolaget", "-o", str(path)])
        == 0
    )
    lists = openpyxl.load_workbook(path)["Listor"]
    assert [c.value for c in lists["B"] if c.value] == [
        "Centrum",
        "Norrby",
        "Södra strand",
        "Östervik",
    ]


def test_validate_promise_explains_every_mistake(tmp_path, promise_file, capsys):
    assert main(["validate-promise", str(promise_file)]) == 0
    assert "giltig" in capsys.readouterr().out
    broken = tmp_path / "fel.yaml"
    broken.write_text(
        promise_file.read_text(encoding="utf-8")
        .replace("kommun: Strängnäs kommun", "kommunnamn: Strängnäs")
        .replace("minst: 8", "minst: noll"),
        encoding="utf-8",
    )
    assert main(["validate-promise", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "kommun: fältet saknas" in out and "kommunnamn: okänt fält" in out
    assert "mal[1].minst" in out


def test_new_promise_starts_next_year_from_this_one(tmp_path, promise_file, capsys):
    target = tmp_path / "strangnas-2020.yaml"
    assert (
        main(
            [
                "new-promise",
                "--from",
                str(promise_file),
                "--id",
                "strangnas-2020",
                "--year",
                "2020",
                "-o",
                str(target),
            ]
        )
        == 0
    )
    new = load_promise(target)
    assert (new.id, new.year, new.title) == ("strangnas-2020", 2020, "Medborgarlöfte 2020")
    assert next(d.name for d in new.districts) == "Strängnäs"
    assert (
        main(
            [
                "new-promise",
                "--from",
                str(promise_file),
                "--id",
                "x-2020",
                "--year",
                "2020",
                "-o",
                str(target),
            ]
        )
        == 2
    )  # never overwrites


def test_check_groups_problems_for_staff(tmp_path, promise_file, capsys):
    from workbooks import HEADER, row, write_xlsx

    path = write_xlsx(
        tmp_path / "logg.xlsx",
        {
            "Logg": [
                HEADER,
                row("2019-03-01", "Trygghetsvandring", "Marifred"),
                row("2019-03-02", "Trygghetsvandring", "Marifred"),
                row("2019-03-03", "Trygghetsvandring", "Härad"),
            ]
        },
    )
    assert main(["check", str(path), "--promise", str(promise_file), "--source", "polisen"]) == 1
    out = capsys.readouterr().out
    assert "Kommundel 'Marifred' – blad 'Logg', rad 2, 3:" in out
    assert "Menade du 'Mariefred'?" in out


def test_libreoffice_opens_the_template_as_a_valid_workbook(template, tmp_path):
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (scripts/setup.sh --test-tools installs it)")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(tmp_path / "csv"),
            str(template),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    first_line = (tmp_path / "csv" / "mall.csv").read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "Datum,Aktivitet,Kommundel,Plats,Antal,Kommentar"
