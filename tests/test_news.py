"""The short web text of publicera/ (nyhet.html, nyhet.txt): per löfte what was promised and what
was done, with figures.json's numbers, in the catalogue's words, and nothing from the inbox."""

from __future__ import annotations

import copy
import itertools
import json
import re
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from inboxes import build_inbox
from workbooks import HEADER, row, write_xlsx

from lofte_pipeline.bundle import PUBLIC_FILES
from lofte_pipeline.i18n import texts
from lofte_pipeline.news import news_html, news_text
from lofte_pipeline.report import build_report

# A file, a sheet and a comment of staff's, each with a person in it: none may reach the news.
PERSONAL_FILE = "polisen/Kalle Anka 811218-9876.xlsx"
PERSONAL_SHEET = "Kalle Ankas logg"
COMMENT = "Ring Kalle Anka om Ekbacken på 070-123 45 67"
FORBIDDEN = ["Kalle", "Anka", "811218", "9876", "070-123", "logg-2019", "Vår", "Höst", "Gemensam"]
FORBIDDEN += ["trygghet.xls", "samverkan.ods", "grannar.xlsm", "export.csv", "Summa", COMMENT]
# The partners' own text for a target in tertial 2, from the workbook's Redovisning sheet.
NARRATIVE = "Sommarens kontroller blev färre än vi önskat på grund av bränderna."
NEXT_STEP = "Fler kontroller i Mariefred i höst."
POLICE = "Polisen, lokalpolisområde Eskilstuna/Strängnäs"
SV = texts("sv")


@pytest.fixture(scope="module")
def reports(tmp_path_factory, promise_file):
    """T2 as a draft and T3 as the final, from the test inbox plus a file named after a person."""
    root = tmp_path_factory.mktemp("nyhet")
    inbox = build_inbox(root)
    write_xlsx(
        inbox / PERSONAL_FILE,
        {
            "Redovisning": [
                ["Mål", "Tertial", "Text", "Nästa steg"],
                ["Trafikkontroller i alla kommundelar", "T2", NARRATIVE, NEXT_STEP],
                ["Trafikkontroller i alla kommundelar", "T3", "Kontroller i Härad i oktober.", ""],
            ],
            PERSONAL_SHEET: [
                HEADER,
                row("2019-06-12", "Trafikkontroll nykterhet", "Mariefred", "", 87, COMMENT),
            ],
        },
    )
    out = root / "out"
    return {
        k: build_report(promise_file, inbox, out, f"2019-T{k}", final=k == 3, pdf=False)
        for k in (2, 3)
    }


def flat(text: str) -> str:
    """The text with its line breaks (and the indents after them) as single spaces; a no-break
    space stays."""
    return re.sub(r"[ \n]+", " ", text)


def anchor(name: str, title: str) -> str:
    """Where a target's part begins: its h4, or its line of its own."""
    return f"<h4>{title}</h4>" if name.endswith(".html") else f"\n{title}\n"


def news_of(result) -> dict[str, str]:
    return {
        name: result.path(name).read_text(encoding="utf-8") for name in ("nyhet.html", "nyhet.txt")
    }


def sections(text: str, titles: list[str]) -> dict[str, str]:
    """Each target's part of the text: from its title to the next target's (in the text's order,
    löfte by löfte) or to the closing lines."""
    assert all(text.count(t) == 1 for t in titles), titles
    starts = sorted((text.index(t), t) for t in titles)
    ends = [start for start, _ in starts[1:]] + [text.index("rapport.html")]
    return {t: text[a:b] for (a, t), b in zip(starts, ends, strict=True)}


def by_target(result, name: str) -> dict[str, str]:
    """Each target's part of nyhet.html or nyhet.txt by target id, its lines joined."""
    targets = result.figures["targets"]
    parts = sections(news_of(result)[name], [anchor(name, t["title"]) for t in targets])
    return {t["id"]: flat(parts[anchor(name, t["title"])]) for t in targets}


class Outline(HTMLParser):
    """The fragment's tags: its headings in order, open/close balance, its attributes."""

    VOID: ClassVar[set[str]] = {"br", "hr", "img", "meta", "link", "input", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.mismatched: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = []

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.mismatched.append(tag)
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((int(tag[1]), "".join(self._heading)))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)


def outline(fragment: str) -> Outline:
    parser = Outline()
    parser.feed(fragment)
    parser.close()
    return parser


# --- in the bundle ------------------------------------------------------------------------------


def test_the_news_is_written_to_the_public_folder(reports):
    assert {"nyhet.html", "nyhet.txt"} <= set(PUBLIC_FILES)
    for result in reports.values():
        names = {p.name for p in result.public.iterdir()}
        assert {"nyhet.html", "nyhet.txt"} <= names
        assert not (result.internal / "nyhet.html").exists()


@pytest.mark.parametrize("tertial", [2, 3])
@pytest.mark.parametrize("name", ["nyhet.html", "nyhet.txt"])
def test_every_target_shows_its_done_to_date_from_figures_json_under_its_target(
    reports, tertial, name
):
    result = reports[tertial]
    figures = json.loads(result.path("figures.json").read_text(encoding="utf-8"))
    text = news_of(result)[name]
    parts = sections(text, [anchor(name, t["title"]) for t in figures["targets"]])
    done_label = "Genomfört under 2019: " if tertial == 3 else "Genomfört hittills i år: "
    for target in figures["targets"]:
        part = flat(parts[anchor(name, target["title"])])
        assert done_label + SV.number(target["done_to_date"]) in part, (target["id"], part)
        assert f"Status: {SV.status(target['status'])}" in part, target["id"]
        for district in target["districts_missing"]:
            assert district in part.split("Kommundelar utan aktivitet: ", 1)[1], target["id"]
        if target.get("amount_unit") and target.get("amount_to_date") is not None:
            amount = f"Sammanlagt: {SV.number(target['amount_to_date'])} {target['amount_unit']}"
            assert amount in part, target["id"]


def test_numbers_are_promised_only_where_figures_json_says_the_promise_names_them(reports):
    figures = reports[2].figures
    titles = [anchor("nyhet.txt", t["title"]) for t in figures["targets"]]
    parts = sections(news_of(reports[2])["nyhet.txt"], titles)
    for target, title in zip(figures["targets"], titles, strict=True):
        minimum = target["promised"]["minimum"]
        assert minimum == target["goal"]
        part = flat(parts[title])
        done = re.search(r"Genomfört hittills i år: [^,\n]*", parts[title])
        assert done, target["id"]
        if minimum is None:  # a follow-up's number is never "of" anything promised
            assert "Utlovat: minst" not in part and "Målsättning: " not in part, target["id"]
            assert " av " not in done.group(0), target["id"]
        elif target["kind"] == "aim":
            assert f"- Målsättning: {SV.number(minimum)}" in part and "Utlovat" not in part
            assert done.group(0).endswith(f" av målsättningens {SV.number(minimum)}")
        else:
            assert f"- Utlovat: minst {SV.number(minimum)}" in part, target["id"]
            assert done.group(0).endswith(f" av {SV.number(minimum)}"), (target["id"], done)


def test_the_bundled_promise_reads_as_its_words_and_its_follow_up(reports):
    figures = reports[2].figures
    parts = by_target(reports[2], "nyhet.txt")
    # the promise names no number: the follow-up's "at least one" is the follow-up's
    assert (
        "- Följs upp som: minst 1 under året, arbete som pågår hela året"
        in parts["beteendekontroller"]
    )
    assert "Utlovat" not in parts["beteendekontroller"]
    # "kontinuerligt": ongoing, judged once a tertial
    assert "- Utlovat: löpande under året" in parts["trafiksakerhetsrad"]
    assert "- Följs upp som: minst 1 varje tertial" in parts["trafiksakerhetsrad"]
    # an aim, its places the follow-up's
    boats = parts["nya-batsamverkansomraden"]
    assert (
        "- Målsättning: 2, platser som löftet nämner: Mariefred och Stallarholmen - Genomfört"
        in boats
    )
    assert "Följs upp som" not in boats  # the places are the löfte's own words
    # amounts in the target's unit
    amount = next(t for t in figures["targets"] if t["id"] == "trafikkontroller")["amount_to_date"]
    assert f"- Sammanlagt: {SV.number(amount)} kontrollerade förare" in parts["trafikkontroller"]


def test_the_partners_text_of_the_period_is_under_its_target_with_the_partner(reports):
    for name, text in news_of(reports[2]).items():
        mine = by_target(reports[2], name)["trafikkontroller"]
        assert f"{POLICE}, om tertial 2: {NARRATIVE} Nästa steg: {NEXT_STEP}" in mine, name
        assert "Härad i oktober" not in text  # tertial 3's text is in the T3 report only
    assert "om tertial 3: Kontroller i Härad i oktober." in flat(news_of(reports[3])["nyhet.txt"])
    assert NARRATIVE not in news_of(reports[3])["nyhet.txt"]


def test_no_inbox_file_sheet_or_comment_reaches_the_news(reports):
    for result in reports.values():
        # the file was read: its traffic control is counted (the name is in intern/ only)
        assert PERSONAL_FILE in result.internal.joinpath("manifest.json").read_text("utf-8")
        for name, text in news_of(result).items():
            joined = " ".join(text.split())
            found = [
                w
                for w in FORBIDDEN
                if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", t) for t in (text, joined))
            ]
            assert not found, (name, found)


def test_a_draft_says_utkast_and_the_final_does_not(reports):
    draft, final = news_of(reports[2]), news_of(reports[3])
    assert "<h2>Utkast: Medborgarlöfte 2019" in draft["nyhet.html"]
    assert '<p class="utkast"><strong>Utkast</strong> – ' in draft["nyhet.html"]
    assert "får inte publiceras" in draft["nyhet.html"]
    assert draft["nyhet.txt"].startswith("UTKAST – texten bygger på en rapport som inte är")
    assert "Utkast: Medborgarlöfte 2019" in draft["nyhet.txt"]
    for text in final.values():
        assert "utkast" not in text.lower()


@pytest.mark.parametrize("tertial", [2, 3])
def test_the_html_is_one_article_in_swedish_with_headings_in_order(reports, promise, tertial):
    fragment = news_of(reports[tertial])["nyhet.html"]
    parsed = outline(fragment)
    assert not parsed.mismatched and not parsed.stack, (parsed.mismatched, parsed.stack)
    tag, attrs = parsed.tags[0]
    assert (tag, attrs) == ("article", {"lang": "sv", "class": "medborgarlofte-nyhet"})
    assert [t for t, _ in parsed.tags].count("article") == 1
    assert not {"html", "head", "body", "title", "main", "script", "style"} & {
        t for t, _ in parsed.tags
    }
    levels = [level for level, _ in parsed.headings]
    assert levels[0] == 2 and levels.count(2) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    h3 = [text for level, text in parsed.headings if level == 3]
    assert h3 == [s["heading"] for s in reports[tertial].figures["statements"]]
    assert h3 == ["Tryggare i trafiken", "Grannsamverkan och båtsamverkan"]  # the rubrik
    h4 = [text for level, text in parsed.headings if level == 4]
    # every target once, under its löfte, in the promise's order
    by_statement = [
        t.title for s in promise.statements for t in promise.targets if t.promise_statement == s.id
    ]
    assert h4 == by_statement
    assert sorted(h4) == sorted(t["title"] for t in reports[tertial].figures["targets"])


def test_the_end_links_the_report_and_the_open_data_relatively_and_dates_the_data(reports):
    news = news_of(reports[2])
    links = [a.get("href") for t, a in outline(news["nyhet.html"]).tags if t == "a"]
    assert links == ["rapport.html", "rapport.pdf", "figures.csv"]
    for text in news.values():
        assert "Uppgifterna gäller till och med 31 augusti 2019." in text
        assert "(rapport.html)" in text and "(rapport.pdf)" in text and "(figures.csv)" in text


def test_the_text_has_short_unix_lines_and_no_markup(reports):
    for result in reports.values():
        data = result.path("nyhet.txt").read_bytes()
        text = data.decode("utf-8")
        assert "\r" not in text and text.endswith("\n")
        assert max(len(line) for line in text.splitlines()) <= 100
        assert "<" not in text and "&amp;" not in text and "&nbsp;" not in text


# --- from a figures.json document ---------------------------------------------------------------


def document(promise, **target_fields) -> dict:
    """A T2 draft figures.json of the bundled promise, every target reported only, with the
    new fields; `target_fields` are set on the target 'nya-batsamverkansomraden'."""
    targets = []
    for t in promise.targets:
        targets.append(
            {
                "id": t.id,
                "status": "reported",
                "goal": None,
                "done_in_period": 0,
                "done_to_date": 0,
                "districts_missing": [],
                "places_missing": [],
                "periods_missing": [],
                "title": t.title,
                "expected_to_date": None,
                "districts_covered": [],
                "places_visited": [],
                "done_per_period": {"2019-T1": 0, "2019-T2": 0},
                "kind": "commitment",
                "statement": t.promise_statement,
                "quote": t.quote,
                "promised": {"minimum": None, "every_district": False, "places": []},
                "follow_up": {
                    "minimum": None,
                    "per_tertial_minimum": None,
                    "per_month_minimum": None,
                    "every_district": False,
                    "places": [],
                    "whole_year": False,
                },
                "measure": "occasions",
                "amount_in_period": None,
                "amount_to_date": None,
                "amount_unit": None,
                "narrative": [],
            }
        )
    boats = next(t for t in targets if t["id"] == "nya-batsamverkansomraden")
    boats.update(copy.deepcopy(target_fields))
    return {
        "promise": promise.id,
        "period": "2019-T2",
        "period_start": "2019-05-01",
        "period_end": "2019-08-31",
        "municipality": promise.municipality,
        "year": 2019,
        "targets": targets,
        "draft": False,
        "statements": [
            {
                "id": "trafik",
                "heading": "Trafiken",
                "text": "Polisen lovar att arbeta med trafiken.",
            },
            {"id": "samverkan", "heading": "Samverkan", "text": "Polisen lovar samverkan."},
        ],
    }


def boats(promise, lang="sv", **fields) -> tuple[str, str]:
    """The boat target's part of nyhet.html and nyhet.txt."""
    figures = document(promise, **fields)
    html = news_html(promise, figures, lang).decode("utf-8")
    text = news_text(promise, figures, lang).decode("utf-8")
    title = "Nya båtsamverkansområden"
    following = "Lokaler vid utbildningstillfällen"
    cut = [t[t.index(title) : t.index(following)] for t in (html, text)]
    return cut[0], flat(cut[1])


def test_an_aim_is_worded_as_progress_toward_it(promise):
    html, text = boats(
        promise,
        kind="aim",
        status="toward_aim",
        goal=2,
        promised={"minimum": 2, "every_district": False, "places": ["Mariefred", "Stallarholmen"]},
        done_to_date=1,
        done_in_period=1,
    )
    # the promise's number as it says it ("två"), no "minst", and progress toward it
    assert "- Målsättning: 2, platser som löftet nämner: Mariefred och Stallarholmen" in text
    assert "Genomfört hittills i år: 1 av målsättningens 2, varav 1 under tertial 2" in text
    assert "Utlovat" not in text and "minst" not in text
    assert "<li>Målsättning: 2, platser som löftet nämner: Mariefred och Stallarholmen</li>" in html
    assert "<li>Status: Mot målsättningen</li>" in html


def test_a_follow_up_rule_is_the_follow_ups_and_no_number_is_promised_without_the_promise(
    promise,
):
    follow_up = {
        "minimum": None,
        "per_tertial_minimum": 1,
        "per_month_minimum": None,
        "every_district": True,
        "places": [],
        "whole_year": True,
    }
    _, text = boats(promise, kind="ongoing", follow_up=follow_up, done_to_date=3, done_in_period=2)
    assert "Utlovat: löpande under året" in text
    assert (
        "Följs upp som: minst 1 varje tertial, aktivitet i alla kommundelar, arbete som pågår hela "
        "året och bedöms i årets sista rapport" in text
    )
    assert "Genomfört hittills i år: 3, varav 2 under tertial 2" in text
    assert " av " not in text.split("Genomfört", 1)[1]  # no number to be done "of"


def test_a_follow_up_minimum_repeating_the_promise_is_said_once(promise):
    same = {"minimum": 4, "per_tertial_minimum": None, "per_month_minimum": None}
    same |= {"every_district": False, "places": [], "whole_year": False}
    _, text = boats(
        promise, promised={"minimum": 4, "every_district": False, "places": []}, follow_up=same
    )
    assert "Utlovat: minst 4" in text and "Följs upp som" not in text


def test_amounts_and_the_partners_text_for_the_period_are_shown_with_the_partner(promise):
    narrative = [
        {"source": "Polisen", "period": "2019-T1", "text": "Gammal text.", "next_step": ""},
        {
            "source": "Strängnäs kommun",
            "period": "2019-T2",
            "text": "Två områden startade.",
            "next_step": "Fler möten i höst.",
        },
    ]
    _, text = boats(
        promise, amount_to_date=1234, amount_unit="deltagare", narrative=narrative, done_to_date=2
    )
    assert "Sammanlagt: 1\u00a0234 deltagare" in text
    assert (
        "Strängnäs kommun, om tertial 2: Två områden startade. Nästa steg: Fler möten i höst."
        in text
    )
    assert "Gammal text" not in text


def test_every_text_of_the_data_is_escaped(promise):
    hostile = '<script>alert("x")</script> & <b>'
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;"
    html, text = boats(
        promise,
        title="Nya båtsamverkansområden " + hostile,
        quote=hostile,
        amount_to_date=1,
        amount_unit=hostile,
        districts_missing=[hostile],
        narrative=[{"source": hostile, "period": "2019-T2", "text": hostile, "next_step": hostile}],
    )
    assert "<script" not in html and "<b>" not in html
    assert html.count(escaped) == 7  # title, quote, unit, district, source, text, next step
    assert text.count(hostile) == 7  # the text version is the words themselves


def test_an_english_text_marks_the_promises_swedish_words(promise):
    figures = document(
        promise,
        narrative=[{"source": "Polisen", "period": "2019-T2", "text": "Bra.", "next_step": ""}],
    )
    html = news_html(promise, figures, "en").decode("utf-8")
    assert html.startswith('<article lang="en" class="medborgarlofte-nyhet">')
    assert "<h2>Medborgarlöfte" not in html and '<span lang="sv">Medborgarlöfte 2019</span>' in html
    assert '<li>The promise’s words: “<span lang="sv">Vi kommer att etablera' in html
    assert '<span lang="sv">Bra.</span>' in html and "Polisen</span> on tertial 2:" in html
    assert "The figures are up to and including 31 August 2019." in html
