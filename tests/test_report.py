"""End to end: a real inbox in every format -> figures.json, CSVs, HTML and a real PDF read back."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from inboxes import build_inbox
from pypdf import PdfReader

from lofte_pipeline.bundle import INTERNAL_FILES, OUTPUT_FILES, PUBLIC_FILES
from lofte_pipeline.errors import InboxError, PeriodError, PromiseFileError
from lofte_pipeline.report import build_report


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    return build_inbox(tmp_path_factory.mktemp("inbox"))


@pytest.fixture(scope="module")
def reports(inbox, promise_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    # T1 and T2 as drafts, T3 as the final (annual) report.
    return {
        k: build_report(promise_file, inbox, out, f"2019-T{k}", final=k == 3) for k in (1, 2, 3)
    }


def targets(result) -> dict:
    return {t["id"]: t for t in result.figures["targets"]}


def pdf_text(path: Path) -> str:
    """All pages' text with whitespace runs (line breaks included) collapsed to one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_the_bundle_holds_every_output(reports):
    folder = reports[2].folder
    assert folder.parts[-2:] == ("strangnas-2019", "2019-T2")
    assert sorted(p.name for p in folder.iterdir()) == ["intern", "publicera"]
    assert sorted(p.name for p in (folder / "publicera").iterdir()) == sorted(PUBLIC_FILES)
    assert sorted(p.name for p in (folder / "intern").iterdir()) == sorted(INTERNAL_FILES)
    # Each published folder is a link to one complete version; no half-written leftovers.
    versions = {p.name for p in folder.parent.iterdir() if p.name.startswith(".")}
    linked = {p.resolve().name for p in folder.parent.iterdir() if p.is_symlink()}
    assert folder.is_symlink() and versions == linked


def test_figures_json_contract(reports):
    figures = json.loads((reports[2].path("figures.json")).read_text(encoding="utf-8"))
    assert (figures["promise"], figures["period"]) == ("strangnas-2019", "2019-T2")
    assert (figures["period_start"], figures["period_end"]) == ("2019-05-01", "2019-08-31")
    for target in figures["targets"]:
        assert {
            "id",
            "status",
            "goal",
            "done_in_period",
            "done_to_date",
            "districts_missing",
            "places_missing",
            "periods_missing",
        } <= target.keys()
        assert target["status"] in {
            "achieved",
            "on_track",
            "behind",
            "missed",
            "reported",
            "toward_aim",
        }
    assert set(figures["sources"]) == {"polisen", "kommunen"}
    assert {"files", "rows_accepted", "rows_rejected"} <= figures["sources"]["polisen"].keys()


def test_files_rows_and_rejections_per_source(reports):
    sources = reports[3].figures["sources"]
    # polisen: logg-2019.xlsx (two sheets) and export.csv; the lock file is not a file of data.
    assert sources["polisen"] == {
        "files": 2,
        "files_rejected": 0,
        "rows_accepted": 8,
        "rows_rejected": 3,
    }
    # kommunen: trasig.xlsx is rejected whole, the hidden file is ignored.
    assert sources["kommunen"] == {
        "files": 4,
        "files_rejected": 1,
        "rows_accepted": 11,
        "rows_rejected": 1,
    }
    # In public a file is named by its source and number (trasig.xlsx is kommunen's third by
    # path, felaktig/ is no source); the real names are in intern/avvisat.csv.
    rejected = {f["file"]: f["reason"] for f in reports[3].figures["rejected_files"]}
    assert set(rejected) == {"kommunen, fil 3", "inkorgen, fil 1"}
    assert "inget kalkylark" in rejected["kommunen, fil 3"]
    assert (
        "ingen källa" in rejected["inkorgen, fil 1"]
        and "felaktig" not in rejected["inkorgen, fil 1"]
    )


def test_figures_at_each_tertial(reports):
    t1, t2, t3 = (targets(reports[k]) for k in (1, 2, 3))
    # The joint walk (polisen xlsx + kommunen xls) counts once.
    assert [t["trygghetsvandringar"]["done_to_date"] for t in (t1, t2, t3)] == [1, 2, 3]
    assert t1["trygghetsvandringar"]["places_missing"] == ["Läggesta station"]
    assert t2["trygghetsvandringar"]["places_missing"] == []
    assert (t2["trygghetsvandringar"]["status"], t3["trygghetsvandringar"]["status"]) == (
        "on_track",
        "missed",
    )
    # Ekbacken reported in May (ods) and August (xlsm) is one area.
    assert t2["nya-grannsamverkansomraden"]["done_to_date"] == 2
    assert t2["nya-grannsamverkansomraden"]["status"] == "behind"
    assert t3["nya-batsamverkansomraden"]["status"] == "achieved"
    assert (
        t1["nya-batsamverkansomraden"]["status"],
        t1["nya-batsamverkansomraden"]["places_missing"],
    ) == ("toward_aim", ["Stallarholmen"])  # an aim of the promise: progress toward it
    assert t1["trafiksakerhetsrad"]["status"] == "on_track"
    assert t3["trafiksakerhetsrad"]["status"] == "achieved"
    assert t3["mopedinsatser"] == {
        **t3["mopedinsatser"],
        "status": "achieved",
        "done_to_date": 2,
        "done_in_period": 1,
    }
    assert t2["trafikkontroller"]["districts_missing"] == ["Mariefred", "Åkers styckebruk"]
    assert t3["trafikkontroller"]["districts_missing"] == ["Mariefred"]
    assert t3["trafikkontroller"]["status"] == "missed"
    assert t3["beteendekontroller"]["status"] == "missed"  # its only row had a typo'd district
    assert t3["info-batsamverkan"]["status"] == "reported"


def test_aktiviteter_csv_traces_every_counted_activity_to_file_sheet_and_row(reports):
    text = (reports[3].path("aktiviteter.csv")).read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(text)))
    joint = [
        r for r in lines if r["aktivitet"] == "Trygghetsvandring" and r["datum"] == "2019-03-05"
    ]
    assert {(r["kalla"], r["fil"], r["blad"], r["rad"]) for r in joint} == {
        ("polisen", "polisen/logg-2019.xlsx", "Vår", "6"),
        ("kommunen", "kommunen/trygghet.xls", "Blad1", "3"),
    }
    assert {r["krediteras"] for r in joint} == {"kommunen;polisen"}
    assert len({r["aktivitet_nr"] for r in lines}) == reports[3].figures["activities_counted"]


def test_avvisat_csv_names_file_sheet_row_column_value_and_reason(reports):
    text = (reports[3].path("avvisat.csv")).read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(text)))
    by_value = {r["varde"]: r for r in lines if r["varde"]}
    assert by_value["Marifred"] | {} == {
        **by_value["Marifred"],
        "fil": "polisen/logg-2019.xlsx",
        "blad": "Höst",
        "rad": "5",
        "kolumn": "Kommundel",
    }
    assert "Menade du 'Mariefred'?" in by_value["Marifred"]["orsak"]
    assert by_value["2018-12-30"]["kolumn"] == "Datum"
    assert "utanför löftesåret" in by_value["2018-12-30"]["orsak"]
    assert by_value["Vandring"]["rad"] == "4" and by_value["Vandring"]["blad"] == ""
    missing_date = [r for r in lines if r["fil"] == "kommunen/samverkan.ods"]
    assert [(r["rad"], r["kolumn"]) for r in missing_date] == [("6", "Datum")]
    whole_files = [r for r in lines if not r["rad"]]
    assert {r["fil"] for r in whole_files} == {"kommunen/trasig.xlsx", "felaktig/logg.csv"}


def test_pdf_states_every_target_its_status_in_words_and_its_figures(reports):
    pdf = reports[3].path("rapport.pdf")
    reader = PdfReader(pdf)
    assert reader.metadata.title.startswith("Medborgarlöfte 2019 – Strängnäs kommun")
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)  # A4
    text = pdf_text(pdf)
    assert "uppföljning tertial 3 (september–december)" in text
    assert "(september–december) 2019" not in text  # the title says the year once
    assert "Underlag till och med 31 december 2019" in text
    for word in ("Uppnått", "Ej uppnått", "Redovisas"):
        assert word in text
    assert "Läggesta station Mariefred." in text  # the promise is quoted
    assert "Kommundelar som saknas Mariefred" in text
    assert f"Sida 1 av {len(reader.pages)}" in text
    assert "Åkers styckebruk" in text and "Trafiksäkerhetsrådet" in text


def test_pdf_at_t2_reads_back_the_figures_of_figures_json(reports):
    text = pdf_text(reports[2].path("rapport.pdf"))
    mopeds = targets(reports[2])["mopedinsatser"]
    assert "Efter plan" in text and "Enligt plan" in text
    assert f"Genomfört hittills i år {mopeds['done_to_date']} av 2" in text
    assert "Tertial utan aktivitet" not in text  # the council met in T1 and T2


def test_html_is_one_self_contained_swedish_page(reports):
    html = (reports[1].path("rapport.html")).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="sv">' in html
    assert html.count("<h1>") == 1
    assert "<link" not in html and 'src="http' not in html
    assert "Efter plan" in html and "<caption>" in html


def test_same_inputs_same_bytes_whatever_order_files_arrive_in(inbox, promise_file, tmp_path):
    first = build_report(promise_file, inbox, tmp_path / "a", "2019-T2")
    for path in sorted(inbox.rglob("*"), reverse=True):  # touch files in another order
        os.utime(path)
    second = build_report(promise_file, inbox, tmp_path / "b", "2019-T2")
    for name in OUTPUT_FILES:
        assert first.path(name).read_bytes() == second.path(name).read_bytes(), name


def test_a_rerun_replaces_the_bundle_whole(inbox, promise_file, tmp_path):
    folder = build_report(promise_file, inbox, tmp_path, "2019-T1", pdf=False).folder
    (folder / "gammal.txt").write_text("från förra körningen", encoding="utf-8")
    again = build_report(promise_file, inbox, tmp_path, "2019-T1").folder
    assert again == folder and not (folder / "gammal.txt").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["intern", "publicera"]
    assert [p.name for p in folder.parent.iterdir() if not p.name.startswith(".")] == ["2019-T1"]


def test_an_unchanged_rerun_keeps_the_bundle_and_any_change_rebuilds_it(promise_file, tmp_path):
    inbox = build_inbox(tmp_path / "in")
    first = build_report(promise_file, inbox, tmp_path, "2019-T2", pdf=False)
    version = os.readlink(first.folder)
    again = build_report(promise_file, inbox, tmp_path, "2019-T2", pdf=False)
    assert os.readlink(again.folder) == version  # nothing rendered or published again
    assert again.figures == first.figures and again.rejected_rows == first.rejected_rows
    # A bundle edited by hand is not trusted: it is built again, whole.
    figures = first.path("figures.json")
    original = figures.read_bytes()
    figures.write_bytes(original.replace(b'"draft": true', b'"draft": false'))
    repaired = build_report(promise_file, inbox, tmp_path, "2019-T2", pdf=False)
    assert os.readlink(repaired.folder) != version
    assert repaired.path("figures.json").read_bytes() == original
    # Another choice (the language) or another input is another bundle.
    version = os.readlink(repaired.folder)
    english = build_report(promise_file, inbox, tmp_path, "2019-T2", pdf=False, lang="en")
    assert os.readlink(english.folder) != version
    from workbooks import HEADER, row, write_xlsx

    write_xlsx(
        inbox / "kommunen" / "sen.xlsx",
        {"Logg": [HEADER, row("2019-06-10", "Riktad insats trimmade mopeder", "Härad")]},
    )
    later = build_report(promise_file, inbox, tmp_path, "2019-T2", pdf=False, lang="en")
    assert later.figures["activities_counted"] == english.figures["activities_counted"] + 1


def test_an_empty_inbox_still_gives_a_report(promise_file, tmp_path):
    (tmp_path / "INBOX" / "polisen").mkdir(parents=True)
    result = build_report(promise_file, tmp_path / "INBOX", tmp_path / "out", "2019-T1")
    assert result.figures["sources"]["polisen"]["files"] == 0
    assert (result.path("rapport.pdf")).stat().st_size > 1000


def test_unusable_inputs_raise_named_errors(promise_file, inbox, tmp_path):
    with pytest.raises(InboxError, match="finns inte"):
        build_report(promise_file, tmp_path / "saknas", tmp_path, "2019-T1")
    with pytest.raises(PeriodError, match="utanför löftesåret 2019"):
        build_report(promise_file, inbox, tmp_path, "2020-T1")
    with pytest.raises(PromiseFileError):
        build_report(tmp_path / "nej.yaml", inbox, tmp_path, "2019-T1")


def test_rendering_logs_no_weasyprint_warnings(
    no_weasyprint_warnings, promise_file, inbox, tmp_path
):
    build_report(promise_file, inbox, tmp_path, "2019-T3")


@pytest.mark.parametrize("tertial", [1, 2, 3])
def test_pdf_gives_every_target_the_status_of_figures_json_in_words(reports, tertial):
    from lofte_pipeline.i18n import STATUS_LABELS

    text = pdf_text(reports[tertial].path("rapport.pdf"))
    for target in reports[tertial].figures["targets"]:
        label, icon = STATUS_LABELS[target["status"]]
        # Under the target's own heading.
        assert f"{target['title']} {icon} Status: {label}" in text, target["id"]


def test_a_draft_says_utkast_on_every_page_and_in_its_metadata(reports):
    reader = PdfReader(reports[2].path("rapport.pdf"))
    assert reader.metadata.title.startswith("UTKAST: ")
    assert all("UTKAST" in page.extract_text() for page in reader.pages)
    html = (reports[2].path("rapport.html")).read_text(encoding="utf-8")
    assert "<title>UTKAST: " in html and "draft-banner" in html
    assert reports[2].figures["draft"] is True


def test_a_final_report_carries_no_draft_marking(reports):
    reader = PdfReader(reports[3].path("rapport.pdf"))
    assert not any("UTKAST" in page.extract_text() for page in reader.pages)
    assert "UTKAST" not in (reports[3].path("rapport.html")).read_text(encoding="utf-8")
    assert reports[3].figures["draft"] is False


def test_a_second_run_of_the_same_report_waits_or_is_refused_clearly(inbox, promise_file, tmp_path):
    import threading

    from lofte_pipeline.errors import ReportBusyError
    from lofte_pipeline.state import report_lock

    out = tmp_path / "ut"
    with report_lock(out, "strangnas-2019", "2019-T2", timeout=1):
        with pytest.raises(ReportBusyError, match="En annan körning skriver redan rapporten"):
            build_report(promise_file, inbox, out, "2019-T2", pdf=False, lock_timeout=0.5)
        # Another report (another period) is not held up.
        build_report(promise_file, inbox, out, "2019-T1", pdf=False, lock_timeout=0.5)
        waiting = threading.Thread(
            target=build_report,
            args=(promise_file, inbox, out, "2019-T2"),
            kwargs={"pdf": False, "lock_timeout": 30},
        )
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive()  # it waits while the first run holds the report
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert (out / "strangnas-2019" / "2019-T2" / "publicera" / "figures.json").exists()


def test_csv_files_are_what_pandas_writes_with_formulas_defused():
    from lofte_pipeline.tables import csv_bytes

    mixed = pd.DataFrame(
        {
            "nr": [1, 2, 3],
            "antal": pd.array([4, None, 6], dtype="Int64"),
            "text": ['citat "så"', "komma, här", "rad\nbrytning"],
            "tom": ["", None, " "],
            "blandat": [7, "", 2.5],
            "sant": [True, False, True],
            "tal": [1.5, float("nan"), 2.0],
        }
    )
    assert csv_bytes(mixed) == mixed.to_csv(index=False).encode("utf-8")
    risky = pd.DataFrame({"varde": ["=HYPERLINK(1)", "-2", "+46", "@x", "ok"], "n": [-1] * 5})
    assert csv_bytes(risky).decode("utf-8").splitlines() == [
        "varde,n",
        "'=HYPERLINK(1),-1",
        "'-2,-1",
        "'+46,-1",
        "'@x,-1",
        "ok,-1",
    ]


def test_the_coordinators_run_summary_names_rejected_files_as_they_lie_in_the_inbox(reports):
    from lofte_pipeline.summary import report_markdown

    result = reports[3]
    assert {f["file"] for f in result.rejected_files} == {
        "kommunen/trasig.xlsx",
        "felaktig/logg.csv",
    }
    text = report_markdown(
        result.figures,
        str(result.folder),
        result.rejected_rows,
        result.personal_data,
        rejected_files=result.rejected_files,
    )
    assert "`kommunen/trasig.xlsx`" in text and "kommunen, fil 3" not in text


def test_a_rounds_table_says_of_each_report_whether_it_was_built_kept_held_or_failed():
    from lofte_pipeline.summary import round_rows

    def report(promise: str, built: bool, held: bool = False) -> dict:
        return {
            "promise": promise,
            "period": "2019-T2",
            "built": built,
            "held": held,
            "worker": "arbetare-1",
            "version": "v-0000abcd",
        }

    rows = round_rows(
        [report("a-2019", True), report("b-2019", False), report("c-2019", False, held=True)],
        ["d-2019"],
        "T2",
    )
    assert [(r["löfte"], r["byggd"]) for r in rows] == [
        ("a-2019", "ja"),
        ("b-2019", "oförändrad"),
        ("c-2019", "hålls för granskning"),
        ("d-2019", "misslyckades"),
    ]
    assert rows[0]["arbetare"] == "arbetare-1" and rows[3]["period"] == "T2"
