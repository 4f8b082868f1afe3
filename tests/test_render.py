"""Rendering: Swedish formatting, the summary written from the figures, the HTML's structure,
and the open data (figures.csv) that carries the report's numbers."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from inboxes import build_inbox
from promise_variants import inline

from lofte_pipeline.figures import Figures
from lofte_pipeline.i18n import date_sv, number_sv, summary_paragraphs, texts
from lofte_pipeline.intake import read_inbox
from lofte_pipeline.opendata import COLUMNS, figures_csv
from lofte_pipeline.period import Period
from lofte_pipeline.reconcile import reconcile
from lofte_pipeline.render import render_html, report_context


@pytest.fixture(scope="module")
def intake(tmp_path_factory, promise):
    return read_inbox(build_inbox(tmp_path_factory.mktemp("inbox")), promise)


@pytest.fixture(scope="module")
def rendered(intake, promise):
    """Per tertial: (reconciliation, context, html, figures.json document)."""
    out = {}
    for k in (1, 2, 3):
        result = reconcile(intake.accepted, promise, Period(2019, k))
        context = report_context(promise, result, intake, draft=k < 3)
        out[k] = (
            result,
            context,
            render_html(context),
            Figures.of(promise, result, intake).document(),
        )
    return out


def test_swedish_dates_numbers_and_months():
    assert date_sv(date(2019, 5, 2)) == "2 maj 2019"
    assert date_sv(date(2019, 12, 31)) == "31 december 2019"
    assert number_sv(1234) == "1\u00a0234" and number_sv(7) == "7"
    assert [texts("sv").tertial_months(k) for k in (1, 2, 3)] == [
        "januari–april",
        "maj–augusti",
        "september–december",
    ]


def counted(**counts):
    return {
        "achieved": 0, "on_track": 0, "behind": 0, "missed": 0, "reported": 0, "toward_aim": 0,
        **counts,
    }  # fmt: skip


def test_summary_is_written_from_the_counts_of_targets_never_a_total_of_activities():
    counts = counted(achieved=4, on_track=2, behind=1, reported=3)
    first, second = summary_paragraphs(counts, 7, Period(2019, 2))
    assert first == "Av löftets 7 mätbara mål är 4 uppnådda, 2 enligt plan och 1 efter plan."
    assert second == "3 mål redovisas utan något antal att mäta mot."
    none_yet = counted(on_track=6, behind=1)
    (first,) = summary_paragraphs(none_yet, 7, Period(2019, 1))
    assert (
        first == "Av löftets 7 mätbara mål är inget uppnått ännu; 6 enligt plan och 1 efter plan."
    )
    one = counted(achieved=1)
    assert summary_paragraphs(one, 1, Period(2019, 2))[0] == (
        "Av löftets 1 mätbara mål är 1 uppnått."
    )
    aims = counted(achieved=1, toward_aim=2)
    assert summary_paragraphs(aims, 3, Period(2019, 2))[0] == (
        "Av löftets 3 mätbara mål är 1 uppnått och 2 målsättningar på väg."
    )
    assert "aktivitet" not in " ".join(summary_paragraphs(counts, 7, Period(2019, 2)))


def test_annual_summary_says_achieved_and_not_achieved_and_aims_are_not_broken_promises():
    counts = counted(achieved=5, missed=2, reported=1)
    first, _ = summary_paragraphs(counts, 7, Period(2019, 3))
    assert first == "Av löftets 7 mätbara mål uppnåddes 5 under 2019 och 2 uppnåddes inte."
    all_done = counted(achieved=7)
    assert summary_paragraphs(all_done, 7, Period(2019, 3))[0].endswith(
        "; alla mätbara mål uppnåddes."
    )
    aim_short = counted(achieved=6, toward_aim=1)
    first, second = summary_paragraphs(aim_short, 7, Period(2019, 3))
    assert first == "Av löftets 7 mätbara mål uppnåddes 6 under 2019."
    assert second.startswith("1 målsättning nåddes inte helt")


def test_the_summary_matches_the_figures(rendered):
    for k, (result, context, html, _) in rendered.items():
        counts = {
            s: sum(t.status == s for t in result.targets)
            for s in ("achieved", "on_track", "behind", "missed", "reported", "toward_aim")
        }
        assert context["summary"] == counts
        assert context["activities_total"] == len(result.activities)
        assert context["summary_paragraphs"][0] in html
        # Every measurable target not yet achieved has what remains (or why it was missed).
        done = ("achieved", "reported")
        open_targets = {t.id for t in result.targets if t.status not in done}
        if k < 3:
            assert {t["id"] for t in context["remaining"]} == open_targets
        else:  # an aim not reached is no broken promise: it says how far the work came instead
            missed = {t.id for t in result.targets if t.status not in (*done, "toward_aim")}
            assert {t["id"] for t in context["not_achieved"]} == missed


def test_what_remains_and_what_was_not_achieved_in_words(rendered):
    t2 = {t["id"]: t for t in rendered[2][1]["targets"]}
    assert t2["nya-grannsamverkansomraden"]["remaining"].startswith("Minst ")
    assert "i Mariefred och Åkers styckebruk" in t2["trafikkontroller"]["remaining"]
    assert t2["trafiksakerhetsrad"]["remaining"] == "Minst 1 i tertial 3."
    t3 = {t["id"]: t for t in rendered[3][1]["targets"]}
    assert t3["trafikkontroller"]["shortfall"] == "Ingen aktivitet i Mariefred."
    assert t3["trygghetsvandringar"]["shortfall"].startswith("3 av utlovade 4 genomfördes")
    html = rendered[3][2]
    assert "Det här uppnåddes inte under 2019" in html and "Kvar till årets slut" not in html
    assert "Kvar till årets slut" in rendered[2][2]


def test_the_annual_report_compares_the_tertials(rendered):
    html = rendered[3][2]
    assert "Årsredovisning 2019" in html and "Utfall per mål och tertial 2019" in html
    context = rendered[3][1]
    assert all(None not in t["per_tertial"] for t in context["targets"])
    # The tertial chart counts targets with activity (like with like), never a sum of activities.
    assert context["targets_active"] == [
        sum(1 for t in context["targets"] if t["per_tertial"][k]) for k in range(3)
    ]
    assert "Alla aktiviteter" not in html
    # Before the year is over, later tertials are 'not yet', not zero.
    assert rendered[1][1]["targets_active"][1:] == [None, None]
    assert "ännu inte" in rendered[1][2]


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tables = 0
        self.captions = 0
        self.stack: list[str] = []
        self.svgs: list[dict] = []
        self.urls: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self.tables += tag == "table"
        self.captions += tag == "caption"
        if tag == "svg":
            self.svgs.append(a)
        if "id" in a:
            self.ids.append(a["id"])
        for key in ("src", "href"):
            if a.get(key) and not a[key].startswith("#"):
                self.urls.append(a[key])


@pytest.mark.parametrize("tertial", [1, 2, 3])
def test_html_is_semantic_and_self_contained(rendered, tertial):
    html = rendered[tertial][2]
    outline = Outline()
    outline.feed(html)
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:])), "skipped level"
    assert outline.tables == outline.captions  # every table has a caption
    assert not outline.urls  # no external requests: links only within the page
    assert len(outline.ids) == len(set(outline.ids))  # unique ids
    assert len(outline.svgs) == 3
    for svg in outline.svgs:
        assert svg["role"] == "img"
        (title_id,) = svg["aria-labelledby"].split()
        assert f'<title id="{title_id}">' in html
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "Underlag till och med " + ("30 april", "31 augusti", "31 december")[tertial - 1] in html


def test_status_is_never_colour_alone(rendered):
    html = rendered[2][2]
    for cell in re.findall(r'<td class="status status-\w+">(.*?)</td>', html):
        assert re.search(r'<span class="icon" aria-hidden="true">.</span> \w', cell), cell


def test_figures_csv_carries_the_numbers_of_figures_json(rendered):
    for k, (_, context, _html, figures) in rendered.items():
        figures = {**figures, "draft": k < 3}
        data = figures_csv(figures)
        assert data == figures_csv(figures)  # byte-identical
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        assert list(rows[0]) == COLUMNS
        assert [r["target_id"] for r in rows] == [t["id"] for t in figures["targets"]]
        for row, target in zip(rows, figures["targets"]):
            assert row["status"] == target["status"]
            assert int(row["done_to_date"]) == target["done_to_date"]
            assert int(row["done_in_period"]) == target["done_in_period"]
            assert row["goal"] == ("" if target["goal"] is None else str(target["goal"]))
            assert row["districts_missing"] == ";".join(target["districts_missing"])
            per = [row[f"done_t{j}"] for j in (1, 2, 3)]
            assert per[:k] == [
                str(target["done_per_period"][f"2019-T{j}"]) for j in range(1, k + 1)
            ]
            assert per[k:] == [""] * (3 - k)
            assert row["draft"] == ("true" if k < 3 else "false")
        # ... and they are the numbers the report shows.
        by_id = {t["id"]: t for t in context["targets"]}
        assert all(by_id[r["target_id"]]["done_to_date"] == int(r["done_to_date"]) for r in rows)


# --- what the promise says, labelled apart from the follow-up --------------------------------


def _target(promise_file, tmp_path, target_id, tertial=2, **fields):
    promise = inline(promise_file, target_id, **fields)
    intake = read_inbox(build_inbox(tmp_path), promise)
    result = reconcile(intake.accepted, promise, Period(2019, tertial))
    context = report_context(promise, result, intake, draft=tertial < 3)
    figures = Figures.of(promise, result, intake).document()
    target = next(t for t in context["targets"] if t["id"] == target_id)
    document = next(t for t in figures["targets"] if t["id"] == target_id)
    article = re.search(
        rf'<article class="target" id="mal-{target_id}".*?</article>', render_html(context), re.S
    ).group(0)
    return target, document, article


def test_a_commitment_without_a_number_says_so_and_labels_the_follow_ups_number(
    promise_file, tmp_path
):
    target, document, article = _target(
        promise_file, tmp_path, "beteendekontroller", uppfoljning={"minst": 1}, enhet=None
    )
    assert (target["goal_text"], target["follow_up_text"]) == (
        "inget antal i löftet",
        "Minst 1 under året",
    )
    assert (document["goal"], document["promised"]["minimum"]) == (None, None)
    assert document["follow_up"]["minimum"] == 1 and document["kind"] == "commitment"
    assert '<th scope="row">Utlovat</th><td>inget antal i löftet</td>' in article
    assert 'Följs upp som</th><td>Minst 1 under året<span class="note"> (parternas uppföljning' in (
        article
    )
    assert 'Ur löftet <span class="kind">(åtagande)</span>' in article
    assert "minst 1" not in article.split("Följs upp som")[0]  # never shown as promised


def test_an_aim_is_labelled_as_the_promises_aim_and_reported_as_progress(promise_file, tmp_path):
    target, document, article = _target(promise_file, tmp_path, "nya-batsamverkansomraden", 3)
    assert (document["kind"], document["goal"], document["promised"]["minimum"]) == ("aim", 2, 2)
    assert target["promised_label"] == "Målsättning"
    assert target["goal_text"] == "2 (målsättning), vid Mariefred och Stallarholmen"
    assert document["status"] in ("achieved", "toward_aim")
    if document["status"] == "toward_aim":
        assert target["status_label"] == "Mot målsättningen" and not target["shortfall"]
        assert target["aim_progress"].startswith("Arbetet kom till ")
    assert "Ej uppnått" not in article and "Därför uppnåddes det inte" not in article
    assert "Löftet anger det som en målsättning" in article
    assert document["promised"]["places"] == ["Mariefred", "Stallarholmen"]
    assert document["follow_up"]["places"] == []


def test_ongoing_work_is_labelled_ongoing_with_the_follow_ups_rhythm(promise_file, tmp_path):
    target, document, article = _target(promise_file, tmp_path, "trafiksakerhetsrad")
    assert (document["kind"], document["goal"]) == ("ongoing", None)
    assert document["follow_up"]["per_tertial_minimum"] == 1
    # Ongoing by the promise's own word; the file's rule adds no "hela_aret" of its own.
    assert document["follow_up"]["whole_year"] is False
    assert target["kind_label"] == "Löpande arbete"
    assert target["follow_up_text"] == "Minst 1 varje tertial"
    assert document["status"] != "achieved"  # not before the year's final report
    assert "Utlovat</th><td>inget antal i löftet</td>" in article


def test_a_per_tertial_rule_the_promise_names_stays_the_promises(promise_file, tmp_path):
    target, document, _ = _target(
        promise_file, tmp_path, "trafiksakerhetsrad", uppfoljning=None, minst_per_tertial=1
    )
    assert target["goal_text"] == "minst 1 varje tertial" and target["follow_up_text"] == ""
    assert document["promised"]["per_tertial_minimum"] == 1  # the promise's own rhythm
    assert document["follow_up"]["per_tertial_minimum"] is None


def test_an_amount_based_target_shows_the_amount_beside_the_count(promise_file, tmp_path):
    target, document, _ = _target(
        promise_file,
        tmp_path,
        "trafikkontroller",
        alla_kommundelar=None,
        uppfoljning=None,
        minst=100,
        matt="antal",
        enhet="kontrollerade förare",
    )
    assert (document["measure"], document["amount_unit"]) == ("amount", "kontrollerade förare")
    assert document["amount_to_date"] is not None and document["amount_to_date"] > 0
    shown = f"{document['done_to_date']} tillfällen, {document['amount_to_date']} kontrollerade"
    assert target["done_to_date_text"].replace("\u00a0", " ").startswith(shown)
    assert document["status"] == ("achieved" if document["amount_to_date"] >= 100 else "behind")


def test_the_count_is_of_the_goal_and_the_amount_stands_beside_it(promise_file, tmp_path):
    target, document, article = _target(promise_file, tmp_path, "trygghetsvandringar")
    assert target["done_to_date_cell"] in article
    done, amount = document["done_to_date"], document["amount_to_date"]
    assert amount is not None and document["goal"] == 4
    assert target["done_to_date_cell"] == f"{done} av 4; {amount} deltagare"  # never "80 av 4"
    without = inline(promise_file, "mopedinsatser", enhet="deltagare")
    intake = read_inbox(build_inbox(tmp_path / "utan"), without)
    result = reconcile(intake.accepted, without, Period(2019, 2))
    mopeds = next(t for t in result.targets if t.id == "mopedinsatser")
    assert mopeds.amount_to_date is None  # no activity gave an Antal: unknown, not zero


def test_an_aim_short_at_the_end_of_the_year_says_how_far_it_came_in_the_summary(promise):
    from test_reconcile import rows

    from lofte_pipeline.models import Intake

    one = rows(promise, ("2019-05-01", "Nytt båtsamverkansområde", "Mariefred", "Gripsholm"))
    result = reconcile(one, promise, Period(2019, 3))
    empty = Intake(one.iloc[:0], one.iloc[:0].assign(column="", value="", reason=""), [], {})
    context = report_context(promise, result, empty, draft=False)
    html = render_html(context)
    listed = re.search(r'<h3 id="ej-uppnatt">.*?</ul>', html, re.S).group(0)
    assert (
        "Nya båtsamverkansområden</a>: Arbetet kom till 1 av målsättningens 2 och ingen aktivitet "
        "vid Stallarholmen."
    ) in listed
    assert "Alla mätbara mål uppnåddes" not in html
