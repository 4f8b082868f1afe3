"""The `lofte` command: exit codes, Swedish messages, and no Prefect on the way in."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from workbooks import HEADER, row, write_xlsx

from lofte_pipeline.cli import main


@pytest.fixture
def good_workbook(tmp_path) -> Path:
    return write_xlsx(
        tmp_path / "bra.xlsx", {"Logg": [HEADER, row("2019-03-01", "Trygghetsvandring", "Härad")]}
    )


@pytest.fixture
def bad_workbook(tmp_path) -> Path:
    return write_xlsx(
        tmp_path / "fel.xlsx",
        {
            "Logg": [
                ["Aktivitetslogg"],
                HEADER,
                row("2019-03-01", "Trygghetsvandrig", "Härad"),
                row("2019-03-02", "Trygghetsvandring", "Marifred"),
            ]
        },
    )


def test_check_passes_a_good_workbook(good_workbook, promise_file, capsys):
    assert (
        main(["check", str(good_workbook), "--promise", str(promise_file), "--source", "kommunen"])
        == 0
    )
    assert "1 rader godkända, 0 rader skulle avvisas" in capsys.readouterr().out


def test_check_lists_what_would_be_rejected_with_excel_row_numbers(
    bad_workbook, promise_file, capsys
):
    assert (
        main(["check", str(bad_workbook), "--promise", str(promise_file), "--source", "polisen"])
        == 1
    )
    out = capsys.readouterr().out
    assert "Aktivitet 'Trygghetsvandrig' – blad 'Logg', rad 3:" in out
    assert "Menade du 'Trygghetsvandring'?" in out
    assert "Kommundel 'Marifred' – blad 'Logg', rad 4:" in out


def test_check_json_for_tools(bad_workbook, promise_file, capsys):
    assert (
        main(
            [
                "check",
                str(bad_workbook),
                "--promise",
                str(promise_file),
                "--source",
                "polisen",
                "--format",
                "json",
            ]
        )
        == 1
    )
    report = json.loads(capsys.readouterr().out)
    assert (report["rows_accepted"], report["rows_rejected"]) == (0, 2)
    assert [(p["row"], p["column"]) for p in report["problems"]] == [
        (3, "Aktivitet"),
        (4, "Kommundel"),
    ]


@pytest.fixture
def workbook_with_texts(tmp_path) -> Path:
    return write_xlsx(
        tmp_path / "redovisning.xlsx",
        {
            "Logg": [HEADER, row("2019-05-14", "Trygghetsvandring", "Mariefred")],
            "Redovisning": [
                ["Mål", "Tertial", "Text", "Nästa steg"],
                ["Trygghetsvandringar", "T2", "Vandring i Mariefred.", "Härad i höst"],
                ["Trygghetsvandringarna", "T2", "Samma vandring.", None],
                ["Trafiksäkerhetsrådet", "T5", "Möte.", None],
            ],
        },
    )


def test_check_reports_redovisning_problems_and_how_many_texts_were_read(
    workbook_with_texts, promise_file, capsys
):
    arguments = ["check", str(workbook_with_texts), "--promise", str(promise_file)]
    assert main([*arguments, "--source", "polisen"]) == 1
    out = capsys.readouterr().out
    assert "redovisning.xlsx: 1 rader godkända, 2 rader skulle avvisas." in out
    assert "Bladet Redovisning: 1 text läst." in out
    assert "Mål 'Trygghetsvandringarna' – blad 'Redovisning', rad 3:" in out
    assert "Menade du 'Trygghetsvandringar'?" in out
    assert "Tertial 'T5' – blad 'Redovisning', rad 4:" in out
    assert main([*arguments, "--source", "polisen", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["rows_accepted"], report["rows_rejected"], report["narratives_read"]) == (
        1,
        2,
        1,
    )
    assert [(p["sheet"], p["row"], p["column"]) for p in report["problems"]] == [
        ("Redovisning", 3, "Mål"),
        ("Redovisning", 4, "Tertial"),
    ]


def test_check_an_unreadable_file(tmp_path, promise_file, capsys):
    path = tmp_path / "tom.xlsx"
    path.write_bytes(b"")
    assert main(["check", str(path), "--promise", str(promise_file), "--source", "polisen"]) == 1
    assert "kan inte läsas. Filen är tom" in capsys.readouterr().out


def test_check_an_unknown_source(good_workbook, promise_file, capsys):
    assert (
        main(
            ["check", str(good_workbook), "--promise", str(promise_file), "--source", "brandkaren"]
        )
        == 2
    )
    assert "Källan 'brandkaren' finns inte" in capsys.readouterr().err


def test_report_exits_zero_when_rows_were_rejected(bad_workbook, promise_file, tmp_path, capsys):
    inbox = tmp_path / "INBOX" / "polisen"
    inbox.mkdir(parents=True)
    bad_workbook.rename(inbox / bad_workbook.name)
    code = main(
        [
            "report",
            "--promise",
            str(promise_file),
            "--inbox",
            str(tmp_path / "INBOX"),
            "--out",
            str(tmp_path / "ut"),
            "--period",
            "2019-T1",
            "--no-pdf",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Avvisat: 2 rader och 0 filer" in out
    assert (tmp_path / "ut" / "strangnas-2019" / "2019-T1" / "publicera" / "figures.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--inbox", "{tmp}/saknas", "--period", "2019-T1"], "Inkorgen"),
        (["--inbox", "{tmp}", "--period", "2019-T7"], "Okänd period"),
        (["--inbox", "{tmp}", "--period", "2021-T1"], "utanför löftesåret"),
    ],
)
def test_report_fails_clearly_when_it_cannot_be_written(
    args, message, promise_file, tmp_path, capsys
):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert (
        main(["report", "--promise", str(promise_file), "--out", str(tmp_path / "ut"), *args]) == 2
    )
    assert message in capsys.readouterr().err
    assert not (tmp_path / "ut").exists()


def test_report_with_a_bad_promise_file(tmp_path, capsys):
    promise = tmp_path / "lofte.yaml"
    promise.write_text("id: x\n", encoding="utf-8")
    assert (
        main(
            [
                "report",
                "--promise",
                str(promise),
                "--inbox",
                str(tmp_path),
                "--out",
                str(tmp_path),
                "--period",
                "2019-T1",
            ]
        )
        == 2
    )
    assert "titel: fältet saknas" in capsys.readouterr().err


def test_the_command_line_does_not_import_prefect_or_weasyprint_for_check(
    good_workbook, promise_file
):
    code = (
        "import sys; from lofte_pipeline.cli import main; "
        f"main(['check', {str(good_workbook)!r}, '--promise', {str(promise_file)!r}, "
        "'--source', 'polisen']); "
        "print(sorted(m for m in ('prefect', 'weasyprint', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_serve_is_the_flows_command_found_by_its_entry_point():
    from importlib.metadata import entry_points

    [point] = entry_points(group="lofte_pipeline.commands", name="serve")
    assert point.value == "flows.serve:command"
    assert callable(point.load()())


def test_serve_without_prefect_says_how_to_install_it(tmp_path):
    code = (
        "import sys; sys.modules['prefect'] = None; from lofte_pipeline.cli import main; "
        f"sys.exit(main(['serve', '--promise', 'x.yaml', '--inbox', {str(tmp_path)!r}, "
        f"'--out', {str(tmp_path)!r}]))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert "lofte serve behöver Prefect: installera med '.[flows]'" in run.stderr


def test_the_library_never_imports_the_flows():
    library = Path(__file__).resolve().parents[1] / "src" / "lofte_pipeline"
    for path in library.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from flows" not in text and "import flows" not in text, path.name


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (errno.ENOSPC, "Disken är full: det gick inte att skriva"),
        (errno.EACCES, "Behörighet saknas: användaren"),
        (errno.EROFS, "Filsystemet är skrivskyddat"),
        (errno.ENOENT, "finns inte. Kontrollera sökvägen"),
        (errno.ENOTDIR, "är en fil där en mapp behövs"),
        (errno.EIO, "(felkod EIO)"),
    ],
)
def test_a_file_system_error_is_one_swedish_line_naming_the_path(
    code, said, tmp_path, promise_file, monkeypatch, capsys
):
    import lofte_pipeline.workbook_template

    path = tmp_path / "mall\nfel: förfalskad rad.xlsx"

    def fails(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(lofte_pipeline.workbook_template, "write_template", fails)
    args = ["template", "--promise", str(promise_file), "--source", "polisen", "-o", str(path)]
    assert main(args) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("fel: ") and said in line
    assert str(tmp_path / "mall\\nfel: förfalskad rad.xlsx") in line  # named, on one line
