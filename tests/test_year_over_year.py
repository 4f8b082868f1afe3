"""Year over year: when last year's figures (figures.json of the same tertial) are given, the report
shows them beside this year's — in the summary, the status table, each target and the annual
comparison — and without them the report is exactly what it was."""

from __future__ import annotations

import json
import re
import shutil
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from inboxes import build_inbox
from pypdf import PdfReader

from lofte_pipeline.demo import write_demo_inbox
from lofte_pipeline.intake import read_inbox
from lofte_pipeline.period import Period
from lofte_pipeline.promise import load_promise
from lofte_pipeline.reconcile import reconcile
from lofte_pipeline.render import document_title, render_html, render_pdf, report_context
from lofte_pipeline.report import build_report

NEW_TARGET = "trafiksakerhetsrad"  # a target given no counterpart last year


@pytest.fixture(scope="module")
def last_year(tmp_path_factory, promise_file):
    """figures.json of 2018-T2 and 2018-T3, from a copy of the promise for 2018 and a demo inbox,
    built into the same OUT as this year's reports."""
    root = tmp_path_factory.mktemp("2018")
    data = yaml.safe_load(Path(promise_file).read_text(encoding="utf-8"))
    data.update(ar=2018, id="strangnas-2018", titel="Medborgarlöfte 2018")
    copy = root / "strangnas-2018.yaml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    write_demo_inbox(load_promise(copy), root / "INBOX")
    out = root / "OUT"
    figures = {}
    for k in (2, 3):
        build_report(copy, root / "INBOX", out, f"2018-T{k}", pdf=False, final=k == 3)
        path = out / "strangnas-2018" / f"2018-T{k}" / "publicera" / "figures.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        # One of this year's targets did not exist last year: its id has no counterpart.
        for target in document["targets"]:
            if target["id"] == NEW_TARGET:
                target["id"] = "trafiksakerhetsrad-2018"
        figures[k] = document
    return figures


@pytest.fixture(scope="module")
def this_year(tmp_path_factory, promise):
    intake = read_inbox(build_inbox(tmp_path_factory.mktemp("inbox")), promise)
    return intake, {k: reconcile(intake.accepted, promise, Period(2019, k)) for k in (2, 3)}


def render(promise, this_year, k, previous, lang="sv"):
    intake, results = this_year
    context = report_context(promise, results[k], intake, draft=k < 3, lang=lang, previous=previous)
    return context, render_html(context)


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())


def test_without_last_years_figures_the_report_is_unchanged(promise, this_year):
    intake, results = this_year
    plain = render_html(report_context(promise, results[2], intake, draft=True))
    assert render(promise, this_year, 2, None)[1] == plain
    assert "Förra året" not in plain and "förra året" not in plain


def test_last_years_figures_are_matched_by_target_id(promise, this_year, last_year):
    context, _ = render(promise, this_year, 2, last_year[2])
    before = {t["id"]: t for t in last_year[2]["targets"]}
    assert context["previous"]["year"] == 2018
    for target in context["targets"]:
        if target["id"] == NEW_TARGET:
            assert target["previous"] is None
            continue
        assert target["previous"]["done_to_date"] == before[target["id"]]["done_to_date"]
        assert target["previous"]["status"] == before[target["id"]]["status"]


def test_the_interim_report_shows_last_year_beside_this_year(promise, this_year, last_year):
    context, html = render(promise, this_year, 2, last_year[2])
    before = {t["id"]: t for t in last_year[2]["targets"]}
    # The status table: a column for last year, its value in the row of each target.
    assert '<th scope="col" class="num">Förra året (2018)</th>' in html
    table = re.search(r'<table class="summary stack">.*?</table>', html, re.S).group(0)
    for target in context["targets"]:
        row = re.search(rf'<a href="#mal-{target["id"]}">.*?</tr>', table, re.S).group(0)
        cells = re.findall(r'<td class="num[^"]*"[^>]*>(.*?)</td>', row)
        if target["id"] == NEW_TARGET:
            assert cells == [str(target["done_to_date"]), "–"]
        else:
            last = before[target["id"]]
            label = {
                "achieved": "uppnått",
                "on_track": "enligt plan",
                "behind": "efter plan",
                "missed": "ej uppnått",
                "reported": "redovisas",
                "toward_aim": "mot målsättningen",
            }[last["status"]]
            assert cells == [str(target["done_to_date"]), f"{last['done_to_date']} ({label})"]
    # Each target: the same time last year, against last year's goal.
    walks = before["trygghetsvandringar"]
    assert (
        f'<tr><th scope="row">Samma tid förra året (2018)</th><td class="num">'
        f"{walks['done_to_date']} av {walks['goal']}, "
    ) in html
    assert "Inget motsvarande mål" in html
    # The summary says where the work stood then.
    assert context["summary_paragraphs"][-1] == (
        f"Vid samma tid 2018 var "
        f"{sum(t['status'] == 'achieved' for t in last_year[2]['targets'])} av "
        f"{sum(t['status'] != 'reported' for t in last_year[2]['targets'])} mätbara mål "
        "uppnådda."
    )
    assert context["summary_paragraphs"][-1] in html


def test_the_annual_comparison_and_the_pdf_show_last_year(
    promise, this_year, last_year, no_weasyprint_warnings
):
    context, html = render(promise, this_year, 3, last_year[3])
    before = {t["id"]: t for t in last_year[3]["targets"]}
    table = re.search(r'<table class="data per-tertial">.*?</table>', html, re.S).group(0)
    assert (
        '<th scope="col" class="num">Året</th><th scope="col" class="num">'
        "Förra året (2018)</th>" in table
    )
    for target in context["targets"]:
        row = re.search(
            rf'<th scope="row">{re.escape(target["title"])}</th>.*?</tr>', table, re.S
        ).group(0)
        cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row)
        year, last = cells[3], cells[4]
        assert year == str(target["done_to_date"])
        assert last == (
            "–" if target["id"] == NEW_TARGET else str(before[target["id"]]["done_to_date"])
        )
    assert context["summary_paragraphs"][-1].startswith("Under 2018 uppnåddes ")
    assert '<th scope="row">Förra året (2018)</th>' in html  # in each target's table

    text = pdf_text(render_pdf(html, document_title(promise, Period(2019, 3), draft=False)))
    assert "Förra året (2018)" in text
    assert context["summary_paragraphs"][2] in text
    walks = before["trygghetsvandringar"]
    assert f"Förra året (2018) {walks['done_to_date']} av {walks['goal']}," in text
    mine = next(t for t in context["targets"] if t["id"] == "trygghetsvandringar")
    # This year's and last year's totals side by side in the annual comparison.
    assert re.search(
        rf"Trygghetsvandringar( \d+){{3}} {mine['done_to_date']} "
        rf"{walks['done_to_date']} {walks['goal']} ",
        text,
    ), text


def test_in_english_last_year_is_last_year(promise, this_year, last_year):
    context, html = render(promise, this_year, 2, last_year[2], lang="en")
    assert ">Last year (2018)</th>" in html and ">Same time last year (2018)</th>" in html
    assert context["summary_paragraphs"][2].startswith("At the same time in 2018, ")
    assert "No matching target" in html and "Förra" not in html


def test_figures_of_another_tertial_are_refused(promise, this_year, last_year):
    with pytest.raises(ValueError):
        render(promise, this_year, 2, last_year[3])
    this = json.loads(json.dumps(last_year[2]).replace("2018-T", "2019-T"))
    this["year"] = 2019
    with pytest.raises(ValueError):  # not last year at all
        render(promise, this_year, 2, this)


def _last_years_report(promise_file, root, out):
    data = yaml.safe_load(Path(promise_file).read_text(encoding="utf-8"))
    data.update(ar=2018, id="strangnas-2018", titel="Medborgarlöfte 2018")
    copy = root / "strangnas-2018.yaml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    write_demo_inbox(load_promise(copy), root / "INBOX-2018")
    return build_report(copy, root / "INBOX-2018", out, "2018-T2", pdf=False)


def test_last_years_report_in_the_same_out_is_found_by_itself(promise_file, tmp_path):
    out = tmp_path / "OUT"
    last = _last_years_report(promise_file, tmp_path, out)
    inbox = build_inbox(tmp_path / "in")
    report = build_report(promise_file, inbox, out, "2019-T2", pdf=False)
    html = report.path("rapport.html").read_text(encoding="utf-8")
    assert "Förra året (2018)" in html
    achieved = sum(t["status"] == "achieved" for t in last.figures["targets"])
    assert f"Vid samma tid 2018 var {achieved} av " in html
    # A second candidate (the same figures under another promise id): no guessing, no comparison.
    shutil.copytree(last.folder, out / "strangnas-2018-kopia" / "2018-T2")
    again = build_report(promise_file, inbox, out, "2019-T2", pdf=False)
    assert "Förra året" not in again.path("rapport.html").read_text(encoding="utf-8")


def test_the_command_line_takes_last_years_figures_and_the_language(promise_file, tmp_path, capsys):
    from lofte_pipeline.cli import main

    last = _last_years_report(promise_file, tmp_path, tmp_path / "OUT-2018")
    inbox = build_inbox(tmp_path / "in")
    args = [
        "report",
        "--promise",
        str(promise_file),
        "--inbox",
        str(inbox),
        "--out",
        str(tmp_path / "OUT"),
        "--period",
        "2019-T2",
        "--no-pdf",
    ]
    assert main([*args, "--previous", str(last.path("figures.json")), "--lang", "en"]) == 0
    html = (
        tmp_path / "OUT" / "strangnas-2019" / "2019-T2" / "publicera" / "rapport.html"
    ).read_text(encoding="utf-8")
    assert '<html lang="en">' in html and ">Last year (2018)</th>" in html
    assert main([*args, "--lang", "fi"]) == 2
    assert "Okänt språk 'fi'" in capsys.readouterr().err
    wrong = tmp_path / "fel.json"
    wrong.write_text(
        last.path("figures.json").read_text(encoding="utf-8").replace("2018-T2", "2018-T3"),
        encoding="utf-8",
    )
    assert main([*args, "--previous", str(wrong)]) == 2
    assert "Förra årets siffror" in capsys.readouterr().err
