"""The pipeline under bad input and faults: every bad file or row rejected with a reason, the rest
of the report produced, nothing leaked, nothing lost, nothing counted twice."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest
from hostile import far_cell_workbook, million_row_workbook
from workbooks import HEADER, row, write_csv, write_xlsm, write_xlsx

from lofte_pipeline.archive import Archive
from lofte_pipeline.bundle import INTERNAL_FILES, OUTPUT_FILES, PUBLIC_FILES
from lofte_pipeline.report import build_report

MOPEDS = "Riktad insats trimmade mopeder"


def figures_by_target(result) -> dict:
    return {t["id"]: t for t in result.figures["targets"]}


# --- bad input: a clear answer, never a crash ------------------------------------------------


def bad_inbox(root: Path) -> Path:
    inbox = root / "INBOX"
    good = write_xlsx(
        inbox / "polisen" / "bra.xlsx", {"Logg": [HEADER, row("2019-02-01", MOPEDS, "Härad")]}
    )
    bad = inbox / "kommunen"
    bad.mkdir(parents=True)
    (bad / "tom.xlsx").write_bytes(b"")
    (bad / "text.xlsx").write_text("Datum;Aktivitet\n", encoding="utf-8")
    (bad / "avbruten.xlsx").write_bytes(good.read_bytes()[:700])
    far_cell_workbook(bad / "jatteblad.xlsx")
    million_row_workbook(bad / "miljon.xlsx")
    from msoffcrypto.format.ooxml import OOXMLFile

    with good.open("rb") as source, (bad / "skyddad.xlsx").open("wb") as target:
        OOXMLFile(source).encrypt("hemligt", target)
    return inbox


@pytest.fixture(scope="module")
def bad_report(tmp_path_factory, promise_file):
    root = tmp_path_factory.mktemp("bad")
    inbox = bad_inbox(root)
    return build_report(promise_file, inbox, root / "ut", "2019-T1", pdf=False)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("tom.xlsx", "Filen är tom"),
        ("text.xlsx", "inget kalkylark"),
        ("avbruten.xlsx", "trasig"),
        ("skyddad.xlsx", "lösenordsskyddad"),
        (
            "jatteblad.xlsx",
            "mer minne än ett kalkylark",
        ),  # would need ~100 GB: the reader is capped
        ("miljon.xlsx", "1 000 000 rader; gränsen är 250 000"),
    ],
)
def test_each_bad_file_is_rejected_with_its_reason_and_the_report_is_made(bad_report, name, reason):
    text = bad_report.path("avvisat.csv").read_text(encoding="utf-8")
    rejected = {r["fil"]: r["orsak"] for r in csv.DictReader(io.StringIO(text)) if not r["rad"]}
    assert reason in rejected[f"kommunen/{name}"]
    assert figures_by_target(bad_report)["mopedinsatser"]["done_to_date"] == 1


def test_a_macro_workbook_is_read_and_nothing_in_it_runs(tmp_path, promise_file):
    inbox = tmp_path / "INBOX"
    write_xlsm(
        inbox / "polisen" / "makro.xlsm", {"Logg": [HEADER, row("2019-02-01", MOPEDS, "Härad")]}
    )
    result = build_report(promise_file, inbox, tmp_path / "ut", "2019-T1", pdf=False)
    assert figures_by_target(result)["mopedinsatser"]["done_to_date"] == 1


def test_odd_and_long_unicode_file_and_sheet_names(tmp_path, promise_file):
    inbox = tmp_path / "INBOX"
    name = "Ärende – ÅÄÖ ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 " + "å" * 80 + ".xlsx"
    write_xlsx(
        inbox / "polisen" / name, {"Blad ✓ ÅÄÖ 😀": [HEADER, row("2019-02-01", MOPEDS, "Härad")]}
    )
    (inbox / "polisen" / "trasig ✗ 😀.xlsx").write_bytes(b"\x00\x01")
    result = build_report(promise_file, inbox, tmp_path / "ut", "2019-T1")
    assert figures_by_target(result)["mopedinsatser"]["done_to_date"] == 1
    activities = (result.path("aktiviteter.csv")).read_text(encoding="utf-8")
    assert name in activities and "Blad ✓ ÅÄÖ 😀" in activities
    assert (
        tmp_path / "lofte-state" / "INBOX" / "karantan" / "polisen" / "trasig ✗ 😀.xlsx"
    ).exists()


def test_dates_in_1900_2099_and_the_1904_date_system(tmp_path, promise_file):
    inbox = tmp_path / "INBOX"
    workbook = openpyxl.Workbook()
    workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.title = "Logg"
    sheet.append(HEADER)
    sheet.append([dt.date(2019, 3, 14), MOPEDS, "Härad"])
    sheet.append([dt.date(2099, 12, 31), MOPEDS, "Härad"])
    for cell in sheet["A"][1:]:
        cell.number_format = "yyyy-mm-dd"
    (inbox / "polisen").mkdir(parents=True)
    workbook.save(inbox / "polisen" / "mac.xlsx")  # the 1904 date system
    write_xlsx(
        inbox / "polisen" / "pc.xlsx", {"Logg": [HEADER, [dt.date(1900, 1, 1), MOPEDS, "Härad"]]}
    )
    result = build_report(promise_file, inbox, tmp_path / "ut", "2019-T1", pdf=False)
    mopeds = figures_by_target(result)["mopedinsatser"]
    assert mopeds["done_to_date"] == 1
    rejected = list(
        csv.DictReader(io.StringIO((result.path("avvisat.csv")).read_text(encoding="utf-8")))
    )
    assert sorted(r["varde"] for r in rejected) == ["1900-01-01", "2099-12-31"]
    assert all("utanför löftesåret" in r["orsak"] for r in rejected)
    counted = (result.path("aktiviteter.csv")).read_text(encoding="utf-8")
    assert "2019-03-14" in counted


def test_numbers_where_text_belongs_and_the_reverse(tmp_path, promise_file):
    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "polisen" / "blandat.xlsx",
        {
            "Logg": [
                HEADER,
                [dt.date(2019, 2, 1), 42, "Härad", 7, "tolv", 3.5],  # activity a number
                [dt.date(2019, 2, 2), MOPEDS, 12345, "", 3, ""],  # district a number
                ["en dag", MOPEDS, "Härad", "", "", ""],  # date as text
                [dt.date(2019, 2, 3), MOPEDS, "Härad", 99, "", 1234],  # place and comment numbers
            ]
        },
    )
    result = build_report(promise_file, inbox, tmp_path / "ut", "2019-T1", pdf=False)
    rejected = list(
        csv.DictReader(io.StringIO((result.path("avvisat.csv")).read_text(encoding="utf-8")))
    )
    assert {(r["rad"], r["kolumn"]) for r in rejected} == {
        ("2", "Aktivitet"),
        ("2", "Antal"),
        ("3", "Kommundel"),
        ("4", "Datum"),
    }
    counted = list(
        csv.DictReader(io.StringIO((result.path("aktiviteter.csv")).read_text(encoding="utf-8")))
    )
    assert [(r["rad"], r["plats"]) for r in counted] == [("5", "99")]


def test_every_corpus_spreadsheet_dropped_in_the_inbox_is_read_or_rejected(tmp_path, promise_file):
    corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "xlsx-wild"
    if not corpus.is_dir():
        pytest.skip(f"corpus not found at {corpus}")
    inbox = tmp_path / "INBOX" / "polisen"
    inbox.mkdir(parents=True)
    files = [p for p in corpus.rglob("*") if p.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}]
    for path in files:
        (inbox / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
    result = build_report(promise_file, tmp_path / "INBOX", tmp_path / "ut", "2019-T1", pdf=False)
    assert result.figures["sources"]["polisen"]["files"] == len(files)
    assert all(f["reason"] for f in result.figures["rejected_files"])


# --- nothing leaked ---------------------------------------------------------------------------

LEAKS = [
    "811218-9876",
    "19811218-9876",
    "8112189876",
    "070-123 45 67",
    "0701234567",
    "anna.svensson@strangnas.se",
    "Anna Svensson",
]


def test_published_outputs_hold_no_personal_data_comments_or_live_markup(tmp_path, promise_file):
    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "kommunen" / "logg.xlsx",
        {
            "Logg": [
                HEADER,
                row(
                    "2019-02-01",
                    "Trygghetsvandring",
                    "Härad",
                    "Hos 811218-9876",
                    comment="Anna Svensson ringde 070-123 45 67",
                ),
                row(
                    "2019-02-02",
                    "Trygghetsvandring",
                    "Härad",
                    "<script>alert(1)</script>",
                    comment="anna.svensson@strangnas.se",
                ),
                ["19811218-9876", "Trygghetsvandring", "Härad"],
                [dt.date(2019, 2, 5), "0701234567", "Härad"],
                [dt.date(2019, 2, 6), "Vandring", "8112189876"],
            ]
        },
    )
    write_csv(
        inbox / "kommunen" / "export.csv",
        [
            ["Datum", "Aktivitet", "Kommundel", "Plats"],
            ["2019-02-03", "Trygghetsvandring", "Härad", '=HYPERLINK("http://x")'],
            ["2019-02-04", "Trygghetsvandring", "Härad", "@SUM(A1)"],
            ["2019-02-05", "Trygghetsvandring", "Härad", "+1-1"],
        ],
    )
    (inbox / "kommunen" / "<img src=x onerror=alert(1)>.xlsx").write_text("x", encoding="utf-8")
    result = build_report(promise_file, inbox, tmp_path / "ut", "2019-T1")
    from pypdf import PdfReader

    published = {name: (result.path(name)).read_bytes() for name in OUTPUT_FILES}
    published["rapport.pdf"] = "\n".join(
        p.extract_text() for p in PdfReader(result.path("rapport.pdf")).pages
    ).encode()
    for name, data in published.items():
        text = data.decode("utf-8")
        for leak in LEAKS:
            assert leak not in text, (name, leak)
    html = published["rapport.html"].decode("utf-8")
    assert "<img src=x onerror" not in html
    assert "onerror" not in html  # nor shown as text: in public a file is named by its number
    activities = (result.path("aktiviteter.csv")).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" in activities  # kept as plain text for audit
    assert "'=HYPERLINK" in activities and "'@SUM" in activities and "'+1-1" in activities
    assert "kommentar" not in activities.splitlines()[0]  # comments are not published
    where = (result.path("personuppgifter.csv")).read_text(encoding="utf-8")
    assert "kommunen/logg.xlsx,Logg,2,Plats,personnummer" in where
    assert "kommunen/logg.xlsx,Logg,2,Kommentar,telefonnummer" in where
    assert result.figures["personal_data_removed"] >= 6
    # The internal record still traces every row to its file, sheet and row.
    assert "Logg,3" in activities.replace('"', "")


def test_comments_are_published_when_the_promise_asks(tmp_path, promise_file):
    import yaml

    data = yaml.safe_load(promise_file.read_text(encoding="utf-8"))
    data["publicera_kommentarer"] = True
    promise = tmp_path / "lofte.yaml"
    promise.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "polisen" / "logg.xlsx",
        {"Logg": [HEADER, row("2019-02-01", MOPEDS, "Härad", comment="Lugnt, ring 070-123 45 67")]},
    )
    result = build_report(promise, inbox, tmp_path / "ut", "2019-T1", pdf=False)
    activities = (result.path("aktiviteter.csv")).read_text(encoding="utf-8")
    assert "Lugnt, ring [borttaget]" in activities


# --- nothing lost, nothing counted twice -------------------------------------------------------


def test_200_files_dropped_at_once_are_each_ingested_exactly_once(tmp_path, promise_file):
    inbox = tmp_path / "INBOX"
    for n in range(200):
        day = dt.date(2019, 1, 1) + dt.timedelta(days=n % 120)
        write_csv(
            inbox / "polisen" / f"logg-{n:03}.csv",
            [
                ["Datum", "Aktivitet", "Kommundel", "Plats"],
                [day.isoformat(), "Trafikkontroll hastighet", "Härad", f"Väg {n}"],
            ],
        )
    out = tmp_path / "ut"
    first = build_report(promise_file, inbox, out, "2019-T1", pdf=False)
    assert figures_by_target(first)["trafikkontroller"]["done_to_date"] == 200
    assert first.figures["sources"]["polisen"]["files"] == 200
    again = build_report(promise_file, inbox, out, "2019-T1", pdf=False)
    assert figures_by_target(again)["trafikkontroller"]["done_to_date"] == 200
    with Archive(tmp_path / "lofte-state" / "INBOX") as archive:
        assert len(archive.current_versions()) == 200
        assert archive.manifest.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 200


def test_a_file_dropped_while_a_run_is_in_progress_is_ingested_once(tmp_path, promise_file):
    inbox = tmp_path / "INBOX"
    for n in range(40):
        write_csv(
            inbox / "polisen" / f"logg-{n:02}.csv",
            [
                ["Datum", "Aktivitet", "Kommundel", "Plats"],
                ["2019-02-01", "Trafikkontroll hastighet", "Härad", f"Väg {n}"],
            ],
        )
    out = tmp_path / "ut"
    running = threading.Thread(target=build_report, args=(promise_file, inbox, out, "2019-T1"))
    running.start()
    time.sleep(0.3)
    write_csv(
        inbox / "kommunen" / "sen.csv",
        [["Datum", "Aktivitet", "Kommundel", "Plats"], ["2019-02-01", MOPEDS, "Härad", ""]],
    )
    running.join()
    for _ in range(2):
        result = build_report(promise_file, inbox, out, "2019-T1", pdf=False)
        assert figures_by_target(result)["mopedinsatser"]["done_to_date"] == 1
        assert figures_by_target(result)["trafikkontroller"]["done_to_date"] == 40
    with Archive(tmp_path / "lofte-state" / "INBOX") as archive:
        assert len(archive.history("kommunen/sen.csv")) == 1


# --- faults leave nothing half-done -----------------------------------------------------------

RUN = """
import sys
from lofte_pipeline.report import build_report
build_report(sys.argv[1], sys.argv[2], sys.argv[3], "2019-T2")
"""


def assert_consistent(state: Path, out: Path) -> None:
    """Every manifest row names a whole blob (or says it kept none); a published folder is
    complete or absent."""
    with Archive(state) as archive:
        for (sha256,) in archive.manifest.db.execute("SELECT sha256 FROM versions WHERE kept=1"):
            blob = archive.blob_path(sha256)
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == sha256
    for blob in (state / "arkiv").glob("??/*"):
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    folder = out / "strangnas-2019" / "2019-T2"
    if folder.exists():
        assert sorted(p.name for p in folder.iterdir()) == ["intern", "publicera"]
        assert sorted(p.name for p in (folder / "publicera").iterdir()) == sorted(PUBLIC_FILES)
        assert sorted(p.name for p in (folder / "intern").iterdir()) == sorted(INTERNAL_FILES)
        json.loads((folder / "publicera" / "figures.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_sigkill_at_any_point_leaves_archive_manifest_and_reports_consistent(
    tmp_path, promise_file
):
    from inboxes import build_inbox

    inbox = build_inbox(tmp_path)
    for n in range(30):
        write_csv(
            inbox / "polisen" / f"extra-{n:02}.csv",
            [["Datum", "Aktivitet", "Kommundel"], ["2019-05-02", MOPEDS, "Härad"]],
        )
    out, state = tmp_path / "ut", tmp_path / "lofte-state" / "INBOX"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for delay in (0.2, 0.6, 1.0, 1.5, 2.2, 3.0, 4.0):
        process = subprocess.Popen(
            [sys.executable, "-c", RUN, str(promise_file), str(inbox), str(out)], env=env
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert_consistent(state, out)
    finished = build_report(promise_file, inbox, out, "2019-T2")
    assert_consistent(state, out)
    clean = build_report(
        promise_file, inbox, tmp_path / "ren", "2019-T2", state_dir=tmp_path / "ren-state"
    )
    for name in ("figures.json", "rapport.html", "aktiviteter.csv", "avvisat.csv"):
        assert (finished.path(name)).read_bytes() == (clean.path(name)).read_bytes(), name
