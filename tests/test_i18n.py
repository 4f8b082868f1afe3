"""One catalogue per language: the Swedish report's words are templates/texts/sv.yaml, the English
report is its translation (en.yaml) with the same keys, and an English report of the Strängnäs
promise has no Swedish word of its own — only the promise's data, marked lang="sv"."""

from __future__ import annotations

import json
import re
import shutil
import string
import subprocess
from datetime import date
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from inboxes import build_inbox
from pypdf import PdfReader
from test_accessibility import A11Y, CHROMIUM, struct_elements
from test_render import Outline

from lofte_pipeline import charts
from lofte_pipeline.i18n import LANGUAGES, Texts, catalogue_path, load_catalogue, texts
from lofte_pipeline.intake import read_inbox
from lofte_pipeline.period import Period
from lofte_pipeline.reconcile import reconcile
from lofte_pipeline.render import (
    accessibility_statement,
    document_title,
    render_html,
    render_pdf,
    report_context,
)

REPO = Path(__file__).resolve().parents[1]
CODE = [
    REPO / "src" / "lofte_pipeline" / name
    for name in ("render.py", "charts.py", "i18n.py", "news.py")
]
TEMPLATES = [REPO / "templates" / name for name in ("rapport.html.j2", "rapport.css")]
# Keys built in code from a status code; every one of them is used.
DYNAMIC_PREFIXES = ("status.", "summary.part_")
# Keys whose translation may use other placeholders than the Swedish text (the Swedish caption
# lowercases the title inside a sentence, the English one quotes it as written).
PLACEHOLDERS_MAY_DIFFER = {"target.figures_caption", "statement.heading"}


def placeholders(value: str | dict[str, str]) -> set[str]:
    forms = value.values() if isinstance(value, dict) else [value]
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


# --- the catalogues -----------------------------------------------------------------------------


def test_every_language_has_exactly_the_keys_of_the_swedish_catalogue():
    swedish = load_catalogue("sv")
    for lang in LANGUAGES:
        catalogue = load_catalogue(lang)
        missing = sorted(set(swedish) - set(catalogue))
        extra = sorted(set(catalogue) - set(swedish))
        assert not missing, f"{catalogue_path(lang).name} lacks {missing}"
        assert not extra, f"{catalogue_path(lang).name} has keys Swedish does not: {extra}"
        for key, value in catalogue.items():
            assert isinstance(value, dict) == isinstance(swedish[key], dict), key  # plural or not
            assert value if not isinstance(value, dict) else all(value.values()), f"{key} is empty"
            if key not in PLACEHOLDERS_MAY_DIFFER:
                assert placeholders(value) == placeholders(swedish[key]), key


def test_every_key_is_used_and_every_key_used_exists():
    catalogue = load_catalogue("sv")
    sources = "\n".join(path.read_text(encoding="utf-8") for path in CODE + TEMPLATES)
    used = set(re.findall(r"""["']((?:[a-z_]+\.)+[a-z_]+)["']""", sources))
    unused = [
        k
        for k in catalogue
        if k not in used and not k.startswith(DYNAMIC_PREFIXES) and k != "language.name"
    ]
    assert not unused, f"keys nothing uses: {unused}"
    prefixes = {k.split(".")[0] for k in catalogue}
    unknown = sorted(k for k in used if k.split(".")[0] in prefixes and k not in catalogue)
    assert not unknown, f"keys used but in no catalogue: {unknown}"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        Texts("de")


def test_dates_numbers_and_tertials_follow_the_language():
    en, sv = texts("en"), texts("sv")
    assert en.date(date(2019, 5, 2)) == "2 May 2019" and sv.date(date(2019, 5, 2)) == "2 maj 2019"
    assert en.number(1234) == "1,234" and sv.number(1234) == "1\u00a0234"
    assert en.tertial_name(2) == "tertial 2 (May–August)"
    assert sv.tertial_name(3) == "tertial 3 (september–december)"
    assert en.join(["a", "b", "c"]) == "a, b and c" and sv.join(["a", "b"]) == "a och b"
    assert en.plural("summary.part_achieved", 1) == "1 is achieved"
    assert en.plural("summary.part_achieved", 2) == "2 are achieved"
    assert [en.status(s) for s in ("achieved", "on_track", "behind", "missed", "reported")] == [
        "Achieved",
        "On track",
        "Behind",
        "Missed",
        "Reported",
    ]


def test_charts_speak_the_report_language():
    rows = [charts.ProgressRow("Trygghetsvandringar", 4, 2, 2, "on_track", "On track", "→")]
    svg = str(charts.progress_chart(rows, through="31 August 2019", tx=texts("en")))
    assert "Chart: progress towards the measurable targets up to 31 August 2019." in svg
    assert "Trygghetsvandringar: 2 of 4, expected 2, on track" in svg
    grid = str(
        charts.coverage_grid(
            ["Trygghetsvandring"],
            ["Härad"],
            [[0]],
            tx=texts("en"),
            period_text="1 January–31 August 2019",
        )
    )
    assert "4 or more" in grid and "none at all in Härad" in grid


# --- the English report -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def english(tmp_path_factory, promise):
    """The Strängnäs report in English: T2 as a draft, T3 as the final annual report."""
    intake = read_inbox(build_inbox(tmp_path_factory.mktemp("inbox")), promise)
    out = tmp_path_factory.mktemp("en")
    reports = {}
    for k in (2, 3):
        result = reconcile(intake.accepted, promise, Period(2019, k))
        html = render_html(report_context(promise, result, intake, draft=k < 3, lang="en"))
        (out / f"rapport-{k}.html").write_text(html, encoding="utf-8")
        reports[k] = (out / f"rapport-{k}.html", html)
    return reports


@pytest.fixture(scope="module")
def english_pdf(english, promise):
    return {
        k: render_pdf(html, document_title(promise, Period(2019, k), k < 3, "en"))
        for k, (_, html) in english.items()
    }


class OwnText(HTMLParser):
    """The report's own words: text and shown attributes outside elements marked lang="sv"."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})
    SHOWN = ("content", "aria-label", "data-label", "title", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[bool] = []
        self.tag = ""

    def handle_starttag(self, tag, attrs):
        self.tag = tag
        a = dict(attrs)
        swedish = a.get("lang") == "sv" or (bool(self.stack) and self.stack[-1])
        if not swedish:
            self.parts += [a[k] for k in self.SHOWN if a.get(k)]
        if tag not in self.VOID:
            self.stack.append(swedish)

    def handle_endtag(self, tag):
        self.tag = ""
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.tag == "style":  # of the stylesheet, only the words printed in page margins
            self.parts += re.findall(r'content: "([^"]*)"', data)
        elif not (self.stack and self.stack[-1]):
            self.parts.append(data)


def promise_data(promise) -> list[str]:
    """Every text of the promise file that the report may show as written, longest first."""
    texts_ = [promise.title, promise.municipality, promise.police_area, promise.follow_up or ""]
    texts_ += [d.name for d in promise.districts] + [s.name for s in promise.sources]
    texts_ += [a.label for a in promise.activities]
    for t in promise.targets:
        texts_ += [t.title, t.quote, *(p.name for p in t.places)]
    texts_ += [s.text for s in promise.statements]
    texts_ += [f"{s.name} ({s.role})" for s in promise.signatories]
    return sorted({t for t in texts_ if t}, key=len, reverse=True)


def swedish_words() -> set[str]:
    """Words of the Swedish catalogue that its English translation does not use."""

    def words(lang):
        values = []
        for value in load_catalogue(lang).values():
            values += value.values() if isinstance(value, dict) else [value]
        found = set()
        for value in values:
            plain = re.sub(r"\{[^}]*\}", " ", value)
            found |= set(re.findall(r"[^\W\d_]{3,}", plain))
        return found

    return words("sv") - words("en")


def without_data(text: str, promise) -> str:
    text = re.sub(r"\S+/\S+\.\w+", " ", " ".join(text.split()))  # file paths: staff's names
    for item in promise_data(promise):
        text = text.replace(" ".join(item.split()), " ")
    return text


def test_swedish_words_list_is_meaningful():
    words = swedish_words()
    assert {"Sammanfattning", "Underlag", "Sida", "Uppnått", "UTKAST", "Utlovat"} <= words
    assert "uppföljning" in words and len(words) > 150


@pytest.mark.parametrize("tertial", [2, 3])
def test_the_english_report_has_no_swedish_words_of_its_own(english, promise, tertial):
    _, html = english[tertial]
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    parser = OwnText()
    parser.feed(html)
    text = without_data(" ".join(parser.parts), promise)
    found = sorted({w for w in swedish_words() if re.search(rf"(?<!\w){w}(?!\w)", text)})
    assert not found, found
    for word in (
        "Summary",
        "Progress towards the targets",
        "Left to do" if tertial < 3 else "What was not achieved in 2019",
        "Data up to and including",
    ):
        assert word in html
    assert ("DRAFT" in html) == (tertial < 3)


@pytest.mark.parametrize("tertial", [2, 3])
def test_the_english_html_is_semantic_and_marks_swedish_data(english, tertial):
    _, html = english[tertial]
    outline = Outline()
    outline.feed(html)
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:]))
    assert outline.tables == outline.captions and not outline.urls
    assert len(outline.ids) == len(set(outline.ids)) and len(outline.svgs) == 3
    assert '<h3 id="rubrik-trygghetsvandringar" lang="sv">Trygghetsvandringar</h3>' in html
    assert '<blockquote class="quote" lang="sv">' in html


def test_the_english_pdf_is_tagged_in_english(english_pdf, no_weasyprint_warnings):
    for tertial, data in english_pdf.items():
        with pikepdf.open(BytesIO(data)) as pdf:
            assert str(pdf.Root.Lang) == "en"
            title = str(pdf.docinfo.Title)
            assert title == ("DRAFT: " if tertial < 3 else "") + (
                f"Medborgarlöfte 2019 – Strängnäs kommun: follow-up tertial {tertial} "
                + ("(May–August)" if tertial == 2 else "(September–December)")
            )  # the year once: the promise's title already says it
            assert str(pdf.docinfo.Subject).startswith(
                ("Draft. " if tertial < 3 else "") + "Follow-up of the citizens' promise"
            )
            assert pdf.open_metadata()["pdfuaid:part"] == "1"
            elements = list(struct_elements(pdf))
            kinds = {str(e.S) for e in elements}
            assert {
                "/H1",
                "/H2",
                "/H3",
                "/P",
                "/Table",
                "/TH",
                "/TD",
                "/Caption",
                "/Figure",
            } <= kinds
            alts = [str(e.get("/Alt", "")) for e in elements if e.S == "/Figure"]
            assert [a.split(":")[0] for a in alts] == ["Chart", "Chart", "Grid"], alts
            with pdf.open_outline() as outline:
                nested = {kid.title for item in outline.root for kid in item.children}
            assert {
                "Summary",
                "Progress towards the targets",
                "Activities per district",
                "Data",
            } <= nested


def test_the_english_pdf_text_reads_in_english(english_pdf, promise):
    reader = PdfReader(BytesIO(english_pdf[2]))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "Data up to 31 August 2019" in text and "Follow-up tertial 2 (May–August) " in text
    own = without_data(text, promise)
    for word in (
        "Sammanfattning",
        "Underlag",
        "Sida",
        "Uppnått",
        "Enligt plan",
        "Efter plan",
        "Utlovat",
        "Hittills",
        "UTKAST",
        "uppföljning",
        "t.o.m.",
    ):
        assert word not in own, word


def test_the_accessibility_statement_is_translated_too(promise):
    period = Period(2019, 2)
    swedish = accessibility_statement(promise, period).decode("utf-8")
    assert swedish.startswith(
        '<section lang="sv" class="tillganglighetsredogorelse">\n<h2>'
        "Tillgänglighet för uppföljningen av medborgarlöfte 2019, tertial 2 "
        "(maj–augusti)</h2>"
    )
    assert 'e-post <a href="mailto:kommun@strangnas.se">' in swedish
    english = accessibility_statement(promise, period, "en").decode("utf-8")
    assert english.startswith(
        '<section lang="en" class="tillganglighetsredogorelse">\n<h2>'
        "Accessibility of the follow-up of Medborgarlöfte 2019, tertial 2 "
        "(May–August)</h2>"
    )
    assert 'e-mail <a href="mailto:kommun@strangnas.se">' in english
    own = without_data(re.sub(r"<[^>]+>", " ", english), promise)
    assert not [w for w in swedish_words() if re.search(rf"(?<!\w){w}(?!\w)", own)]


@pytest.mark.slow
def test_the_english_html_has_no_axe_core_violations(english):
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists() or not (A11Y / "node_modules" / "axe-core").is_dir():
        pytest.skip(
            "axe-core check needs node, chromium and scripts/a11y/node_modules "
            "(tests/test_accessibility.py installs them)"
        )
    run = subprocess.run(
        [node, str(A11Y / "check.mjs"), str(english[2][0])],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    result = json.loads(run.stdout)
    found = [
        (r["viewport"], v["id"], [n["target"] for n in v["nodes"]][:5])
        for r in result["results"]
        for v in r["violations"]
    ]
    assert not found, found


def test_build_report_in_english_keeps_the_open_data_contract(promise_file, tmp_path):
    from lofte_pipeline.report import build_report

    inbox = build_inbox(tmp_path / "in")
    swedish = build_report(promise_file, inbox, tmp_path / "sv", "2019-T2")
    english = build_report(promise_file, inbox, tmp_path / "en", "2019-T2", lang="en")
    html = english.path("rapport.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Summary" in html
    with pikepdf.open(english.path("rapport.pdf")) as pdf:
        assert str(pdf.Root.Lang) == "en" and str(pdf.docinfo.Title).startswith("DRAFT: ")
    for name in ("figures.json", "figures.csv"):
        assert english.path(name).read_bytes() == swedish.path(name).read_bytes(), name
    assert (
        english.path("tillganglighetsredogorelse.html")
        .read_bytes()
        .startswith(b'<section lang="en"')
    )
