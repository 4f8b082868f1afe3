"""Nothing staff named in the inbox reaches publicera/: files are named by source and number,
reasons lose the names they quote, and every public free text is redacted; intern/ keeps the
real names for whoever has to fix a file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from hostile import million_row_workbook
from pypdf import PdfReader
from workbooks import HEADER, row, write_csv, write_xlsx

from lofte_pipeline.bundle import PUBLIC_FILES
from lofte_pipeline.messages import message
from lofte_pipeline.models import Correction
from lofte_pipeline.public import public_reason
from lofte_pipeline.redact import REDACTED
from lofte_pipeline.report import build_report

MOPEDS = "Riktad insats trimmade mopeder"
SHEET = "Kalle 811218-9876"
DASHES = ["-", "\u2013", "\u2014", "\u2212", "\u2010", "\u2011", "\u2012"]
# Every name of the inbox below: files, folders and the sheet, each with personal data in it.
ACCEPTED_CSV = "polisen/Anmälan Anna 19811218-9876 tel 070-123 45 67.csv"
BROKEN_XLSX = "polisen/Kalle 811218-9876.xlsx"
SHEET_NAMED = "kommunen/Lisa 811218\u20139876.xlsx"  # en dash; its sheet is SHEET
TOO_LONG = "kommunen/Olle 811218\u20149876.xlsx"  # em dash; SHEET has too many rows
NO_SHEET = "kommunen/Greta 811218\u22129876.xlsx"  # minus sign; SHEET is listed, never written
ODD_SUFFIX = "kommunen/Anna.Kalle 811218\u20119876"  # non-breaking hyphen; no file type
DOCX = "kommunen/Berit 811218\u20129876.docx"  # figure dash
NOT_A_SOURCE = "Berit 19811218\u20109876/logg.csv"  # hyphen; a folder that is no source
AT_THE_TOP = "Olle 0701234567.csv"  # directly in the inbox
NAMES = [ACCEPTED_CSV, BROKEN_XLSX, SHEET_NAMED, TOO_LONG, NO_SHEET, ODD_SUFFIX, DOCX]
NAMES += [NOT_A_SOURCE, AT_THE_TOP]
REJECTED = [BROKEN_XLSX, TOO_LONG, NO_SHEET, ODD_SUFFIX, DOCX, NOT_A_SOURCE, AT_THE_TOP]
NOTE = "Rättad efter samtal med anmälaren 19811218\u20139876, tel 070\u2013123 45 67"


def build_inbox(inbox: Path) -> Path:
    write_csv(inbox / ACCEPTED_CSV, [HEADER, row("2019-02-01", MOPEDS, "Härad")])
    (inbox / BROKEN_XLSX).write_bytes(b"PK\x03\x04 avbruten")
    write_xlsx(
        inbox / SHEET_NAMED,
        {SHEET: [HEADER, row("2019-02-03", MOPEDS, "Härad"), row("2019-02-04", "Okänd", "Härad")]},
    )
    _renamed_sheet(million_row_workbook(inbox / "stor.tmp", rows=250_001), inbox / TOO_LONG)
    _without_sheet(write_xlsx(inbox / "blad.tmp", {SHEET: [HEADER]}), inbox / NO_SHEET)
    (inbox / ODD_SUFFIX).write_bytes(b"ingen filtyp")
    (inbox / DOCX).write_bytes(b"ett brev")
    write_csv(inbox / NOT_A_SOURCE, [HEADER, row("2019-02-01", MOPEDS, "Härad")])
    write_csv(inbox / AT_THE_TOP, [HEADER, row("2019-02-02", MOPEDS, "Härad")])
    return inbox


def _renamed_sheet(workbook: Path, target: Path) -> None:
    """The workbook with its one sheet ('Logg') named SHEET."""
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b'name="Logg"', f'name="{SHEET}"'.encode())
            out.writestr(item, data)
    workbook.unlink()


def _without_sheet(workbook: Path, target: Path) -> None:
    """The workbook without its sheet's part: the reader can name the sheet, not load it."""
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                out.writestr(item, source.read(item.filename))
    workbook.unlink()


def forbidden() -> list[str]:
    """What must not be in any public file: every name, each part of it, the numbers in them
    in every dash."""
    words = {SHEET, "Anmälan", "Kalle", "Lisa", "Olle", "Berit", "Greta", "19811218"}
    for name in NAMES:
        words |= {name, *name.split("/"), Path(name).stem}
    for dash in DASHES:
        words |= {f"811218{dash}9876", f"070{dash}123"}
    words |= {"8112189876", "0701234567", "123 45 67", "9876", "stor.tmp", "blad.tmp", ".xlsx'"}
    return sorted(words - {"polisen", "kommunen"}, key=len, reverse=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory, promise_file):
    root = tmp_path_factory.mktemp("publik")
    inbox = build_inbox(root / "INBOX")
    corrections = [Correction(dt.date(2019, 5, 2), NOTE)]
    return build_report(promise_file, inbox, root / "ut", "2019-T1", corrections=corrections)


@pytest.fixture(scope="module")
def public_texts(report) -> dict[str, str]:
    """Every file of publicera/ as text: the PDF as its text and its metadata."""
    folder = report.public
    assert sorted(p.name for p in folder.iterdir()) == sorted(PUBLIC_FILES)
    texts = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix != ".pdf"}
    reader = PdfReader(folder / "rapport.pdf")
    pages = "\n".join(page.extract_text() for page in reader.pages)
    texts["rapport.pdf"] = pages + "\n" + "\n".join(str(v) for v in reader.metadata.values())
    return texts


def test_no_inbox_name_reaches_any_public_file(public_texts):
    for file, text in public_texts.items():
        joined = " ".join(text.split())  # the PDF breaks lines anywhere
        found = [
            w
            for w in forbidden()
            if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", t) for t in (text, joined))
        ]
        assert not found, (file, found)


def test_rejected_files_are_named_by_source_and_number(report):
    figures = json.loads(report.path("figures.json").read_text(encoding="utf-8"))
    assert all(set(f) == {"file", "reason"} for f in figures["rejected_files"])
    # In the intake's order (by path): polisen has the CSV, then the broken workbook; kommunen
    # the file without a type, the letter, Greta, Lisa (read), Olle; then the two outside.
    assert [f["file"] for f in figures["rejected_files"]] == [
        "inkorgen, fil 1",
        "inkorgen, fil 2",
        "kommunen, fil 1",
        "kommunen, fil 2",
        "kommunen, fil 3",
        "kommunen, fil 5",
        "polisen, fil 2",
    ]
    reasons = {f["file"]: f["reason"] for f in figures["rejected_files"]}
    assert reasons["inkorgen, fil 1"].startswith("Mappen är ingen källa i löftet; källorna är ")
    assert reasons["inkorgen, fil 2"].startswith("Filen ligger direkt i inkorgen")
    assert reasons["kommunen, fil 1"].startswith("Filtypen stöds inte; spara som .xlsx")
    assert reasons["kommunen, fil 2"].startswith("Filtypen '.docx' stöds inte")
    assert reasons["kommunen, fil 5"].startswith("Bladet har 250 001 rader; gränsen är 250 000")
    assert all(reasons.values())


def test_the_report_lists_every_file_by_its_public_name(report):
    html = report.path("rapport.html").read_text(encoding="utf-8")
    figures = json.loads(report.path("figures.json").read_text(encoding="utf-8"))
    listed = html.split('<table class="files">', 1)[1].split("</table>", 1)[0]
    for f in figures["rejected_files"]:
        assert f'<th scope="row">{f["file"]}</th><td>Kunde inte läsas: ' in listed
    assert '<th scope="row">polisen, fil 1</th><td>Inläst: 1 rader godkända' in listed
    assert '<th scope="row">kommunen, fil 4</th><td>Inläst: 1 rader godkända, 1 avvisade' in listed
    assert listed.count('<th scope="row">') == len(NAMES)


def test_the_correction_note_is_published_redacted(report, public_texts):
    figures = json.loads(report.path("figures.json").read_text(encoding="utf-8"))
    note = f"Rättad efter samtal med anmälaren {REDACTED}, tel {REDACTED}"
    assert figures["corrections"] == [{"date": "2019-05-02", "note": note}]
    assert note in public_texts["rapport.html"]


def test_intern_keeps_the_real_names(report):
    text = report.path("avvisat.csv").read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert {r["fil"] for r in lines if not r["rad"]} == set(REJECTED)
    assert f"Bladet '{SHEET}' har 250 001 rader" in text
    assert [r["blad"] for r in lines if r["fil"] == SHEET_NAMED] == [SHEET]
    manifest = json.loads(report.path("manifest.json").read_text(encoding="utf-8"))
    assert {i["file"] for i in manifest["inputs"]} == set(NAMES)


# --- reasons: the catalogue's sentence without the names in it ----------------------------------

SOURCES = {"polisen", "kommunen"}


@pytest.mark.parametrize(
    ("reason", "public"),
    [
        (
            message("inlasning.for_manga_rader_blad", sheet=SHEET, rows="300 000", limit="250 000"),
            "Bladet har 300 000 rader; gränsen är 250 000 rader per blad. Dela upp loggen.",
        ),
        (  # a name that quotes itself is left out whole
            message("inlasning.for_manga_rader_blad", sheet="Anna's 8", rows="9", limit="1"),
            "Bladet har 9 rader; gränsen är 1 rader per blad. Dela upp loggen.",
        ),
        (
            message("inlasning.okand_kallmapp", folder="Berit", sources="polisen, kommunen"),
            "Mappen är ingen källa i löftet; källorna är polisen, kommunen.",
        ),
        (  # a folder named to look like the sentence does not get its words through
            message(
                "inlasning.okand_kallmapp",
                folder="x' är ingen källa i löftet; källorna är Anna",
                sources="polisen, kommunen",
            ),
            "Mappen är ingen källa i löftet; källorna är polisen, kommunen.",
        ),
        (
            message("inlasning.filtyp", suffix=".Kalle 811218-9876"),
            "Filtypen stöds inte; spara som .xlsx, .xls, .ods eller .csv.",
        ),
        (
            message("inlasning.filtyp", suffix=".pdf"),
            "Filtypen '.pdf' stöds inte; spara som .xlsx, .xls, .ods eller .csv.",
        ),
        (
            message("inlasning.kan_inte_lasas", detail=f"sheet '{SHEET}' not found"),
            "Filen kan inte läsas som kalkylark; öppna den i Excel och spara om som .xlsx.",
        ),
        (
            message("inlasning.kan_inte_oppnas", reason="/srv/INBOX/polisen/Kalle.xlsx"),
            "Filen kan inte öppnas.",
        ),
        (message("inlasning.for_stor", size_mb="300", limit_mb="100"), None),
        (message("inlasning.trasig_zip"), None),
        (  # no sentence of the catalogue: quoted and bracketed parts and the names go
            f"Något oväntat med '{SHEET}' (i {BROKEN_XLSX}) i Kalle 811218-9876.xlsx",
            "Något oväntat med i …",
        ),
    ],
)
def test_a_public_reason_is_the_catalogue_sentence_without_names(reason, public):
    hidden = [BROKEN_XLSX, "Kalle 811218-9876.xlsx", "Kalle 811218-9876"]
    assert public_reason(reason, hidden, SOURCES) == (reason if public is None else public)


@pytest.mark.parametrize("dash", DASHES)
def test_a_public_reason_is_redacted(dash):
    reason = f"Något oväntat: Anna 811218{dash}9876 ringde från 070{dash}123 45 67"
    assert (
        public_reason(reason, [], SOURCES)
        == f"Något oväntat: Anna {REDACTED} ringde från {REDACTED}"
    )


def test_the_check_would_see_a_name(report, public_texts):
    """The PDF's text is really read, and the words looked for are those intern/ holds."""
    pdf = " ".join(public_texts["rapport.pdf"].split())
    assert "polisen, fil 2 Kunde inte läsas: Filen är trasig" in pdf
    assert f"Rättad efter samtal med anmälaren {REDACTED}" in pdf
    intern = report.path("avvisat.csv").read_text(encoding="utf-8")
    assert all(name in intern for name in REJECTED) and SHEET in intern
