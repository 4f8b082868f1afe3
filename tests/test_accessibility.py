"""Accessibility of what the public reads: the PDF is tagged PDF/UA-1 and readable by a screen
reader; the HTML passes axe-core in a real headless browser (Debian's chromium).

veraPDF is in none of the package registries this project can use, so the PDF checks below are
the gate (see docs/accessibility.md).
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from inboxes import build_inbox
from pypdf import PdfReader

from lofte_pipeline.report import build_report

REPO = Path(__file__).resolve().parents[1]
A11Y = REPO / "scripts" / "a11y"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def reports(tmp_path_factory, promise_file):
    inbox = build_inbox(tmp_path_factory.mktemp("inbox"))
    out = tmp_path_factory.mktemp("out")
    return {
        k: build_report(promise_file, inbox, out, f"2019-T{k}", final=k == 3).public
        for k in (1, 2, 3)
    }


def struct_elements(pdf: pikepdf.Pdf):
    """Every structure element, depth first in document order."""

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for kid in node:
                yield from walk(kid)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            yield node
            if "/K" in node:
                yield from walk(node.K)

    yield from walk(pdf.Root.StructTreeRoot.K)


@pytest.mark.parametrize("tertial", [1, 2, 3])
def test_pdf_is_tagged_pdf_ua_in_swedish_with_title_and_subject(reports, tertial):
    with pikepdf.open(reports[tertial] / "rapport.pdf") as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "sv"
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
        title = str(pdf.docinfo.Title)
        assert title.startswith(("UTKAST: " if tertial < 3 else "") + "Medborgarlöfte 2019")
        assert f"tertial {tertial}" in title
        assert "Uppföljning av medborgarlöftet" in str(pdf.docinfo.Subject)
        meta = pdf.open_metadata()
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == title
        kinds = {str(e.S) for e in struct_elements(pdf)}
        assert {"/H1", "/H2", "/H3", "/P", "/Table", "/TH", "/TD", "/Caption", "/Figure"} <= kinds


@pytest.mark.parametrize("tertial", [1, 3])
def test_every_chart_is_a_figure_with_alternative_text(reports, tertial):
    with pikepdf.open(reports[tertial] / "rapport.pdf") as pdf:
        figures = [e for e in struct_elements(pdf) if e.S == "/Figure"]
        alts = [str(e.get("/Alt", "")) for e in figures]
    assert len(figures) == 3
    assert all(alt.strip() for alt in alts), alts
    assert alts[0].startswith("Diagram: framsteg mot de mätbara målen")
    assert alts[1].startswith("Diagram: mål med minst en aktivitet per tertial 2019")
    assert alts[2].startswith("Rutnät: genomförda aktiviteter per aktivitetstyp och kommundel")
    assert "Trygghetsvandringar" in alts[0] and "Åkers styckebruk" in alts[2]


def test_headings_are_tagged_in_order_and_become_bookmarks(reports):
    with pikepdf.open(reports[3] / "rapport.pdf") as pdf:
        levels = [
            int(str(e.S)[2]) for e in struct_elements(pdf) if str(e.S) in ("/H1", "/H2", "/H3")
        ]
        with pdf.open_outline() as outline:
            top = [item.title for item in outline.root]
            nested = [kid.title for item in outline.root for kid in item.children]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert top[0].startswith("Medborgarlöfte 2019: uppföljning tertial 3")
    assert {
        "Sammanfattning",
        "Framsteg mot målen",
        "Året tertial för tertial",
        "Aktiviteter per kommundel",
        "Underlag",
    } <= set(nested)


def test_text_extracts_in_reading_order_with_swedish_letters_intact(reports):
    reader = PdfReader(reports[2] / "rapport.pdf")
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    order = [
        "Medborgarlöfte 2019: uppföljning tertial 2 (maj–",
        "Underlag till och med 31 augusti 2019",
        "Sammanfattning",
        "Av löftets",
        "Kvar till årets slut",
        "Status per mål",
        "Framsteg mot målen",
        "Aktiviteter per tertial",
        "Löfte: Tryggare i trafiken",
        "Trafikkontroller i alla kommundelar",
        "Aktiviteter per kommundel",
        "Underlag",
        "undertecknades",
    ]
    position = 0
    for part in order:  # each after the one before it
        found = text.find(part, position)
        assert found >= 0, (part, text[position : position + 300])
        position = found + len(part)
    for word in (
        "Strängnäs",
        "Åkers styckebruk",
        "Läggesta",
        "Trafiksäkerhetsrådet",
        "båtsamverkan",
        "Härad",
        "Förväntat hittills",
    ):
        assert word in text, word
    assert unicodedata.normalize("NFC", text) == text  # å/ä/ö as letters, not a + ring
    assert "\ufffd" not in text
    assert f"Sida 1 av {len(reader.pages)}" in text
    for page in reader.pages:  # the header names promise and tertial on every page
        assert "Uppföljning tertial 2 (maj–augusti)" in page.extract_text()


def test_pdf_ua_output_is_byte_identical_across_runs(reports, promise_file, tmp_path):
    inbox = build_inbox(tmp_path / "in")
    again = build_report(promise_file, inbox, tmp_path / "out", "2019-T3", final=True).public
    assert (again / "rapport.pdf").read_bytes() == (reports[3] / "rapport.pdf").read_bytes()
    with pikepdf.open(reports[3] / "rapport.pdf") as pdf:
        ids = [bytes(i) for i in pdf.trailer.ID]
    with pikepdf.open(reports[2] / "rapport.pdf") as other:
        assert bytes(other.trailer.ID[0]) != ids[0]  # each report has its own identifier


def axe(page: Path) -> list[dict]:
    """axe-core's results for a page in Debian's headless chromium, per viewport (skips the test
    when node or chromium is missing)."""
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists():
        pytest.skip(
            "axe-core check needs node and Debian's chromium "
            "(apt-get install -y nodejs npm chromium)"
        )
    if not (A11Y / "node_modules" / "axe-core").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is missing: apt-get install -y npm"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=A11Y, check=True, timeout=300
        )
    run = subprocess.run(
        [node, str(A11Y / "check.mjs"), str(page)], capture_output=True, text=True, timeout=180
    )
    assert run.returncode in (0, 1), run.stderr
    results = json.loads(run.stdout)["results"]
    found = [
        (r["viewport"], v["id"], v["help"], [n["target"] for n in v["nodes"]][:5])
        for r in results
        for v in r["violations"]
    ]
    assert not found, found
    assert not [u for r in results for u in r["external_requests"]]
    assert {r["viewport"] for r in results} == {"phone", "desktop"}
    return results


@pytest.mark.slow
@pytest.mark.parametrize("tertial", [1, 3])
def test_html_has_no_axe_core_violations_in_headless_chromium(reports, tertial):
    results = axe(reports[tertial] / "rapport.html")
    assert all(r["passes"] > 20 for r in results)


# A page around nyhet.html as a municipality's CMS would make it: its own title and h1, the
# fragment in its main content.
CMS_PAGE = (
    '<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    "<title>Medborgarlöftet – Strängnäs kommun</title>\n</head>\n<body>\n<main>\n"
    "<h1>Nyheter</h1>\n{fragment}</main>\n</body>\n</html>\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("tertial", [1, 3])
def test_news_fragment_in_a_cms_page_has_no_axe_core_violations(reports, tertial, tmp_path):
    """nyhet.html passes the same check as rapport.html, pasted into a page of a site."""
    fragment = (reports[tertial] / "nyhet.html").read_text(encoding="utf-8")
    page = tmp_path / "nyhet-sida.html"
    page.write_text(CMS_PAGE.format(fragment=fragment), encoding="utf-8")
    results = axe(page)
    assert all(r["passes"] > 10 for r in results)


def test_rendering_a_draft_with_charts_logs_no_weasyprint_warnings(
    no_weasyprint_warnings, promise_file, tmp_path
):
    inbox = build_inbox(tmp_path / "in")
    build_report(promise_file, inbox, tmp_path / "out", "2019-T1")
