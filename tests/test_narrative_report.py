"""The partners' own words: a filled template's Redovisning sheet, through a real report, ends up
redacted under its target in HTML, PDF and figures.json; a draft lists the targets still without."""

from __future__ import annotations

import re
from html import unescape
from io import BytesIO

import openpyxl
import pytest
from inboxes import build_inbox
from pypdf import PdfReader

from lofte_pipeline.report import build_report
from lofte_pipeline.workbook_template import write_template

WALKS = "Vi gick två trygghetsvandringar med boende vid resecentrum; frågor till 070-123 45 67."
NEXT = "En vandring vid Läggesta station i september."
MOPEDS = "Insatserna mot trimmade mopeder hölls i Mariefred."
LINK = "Se [vår sida](https://example.org/lofte) ![](https://example.org/p.png)"


@pytest.fixture(scope="module")
def reports(tmp_path_factory, promise_file, promise):
    root = tmp_path_factory.mktemp("narrative")
    inbox = build_inbox(root / "in")
    path = write_template(promise, "polisen", inbox / "polisen" / "redovisning.xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Redovisning"]
    for values in (
        ("Trygghetsvandringar", "T2", WALKS, NEXT),  # by heading
        ("mopedinsatser", "T1", MOPEDS, None),  # by id, an earlier tertial
        ("Information om båtsamverkan", "T2", LINK, None),
    ):
        sheet.append(values)
    workbook.save(path)
    out = root / "OUT"
    return {
        "draft": build_report(promise_file, inbox, out, "2019-T2"),
        "final": build_report(promise_file, inbox, out / "slutlig", "2019-T2", final=True),
    }


def _text(report):
    html = unescape(re.sub(r"<[^>]+>", " ", report.path("rapport.html").read_text("utf-8")))
    pdf = PdfReader(BytesIO(report.path("rapport.pdf").read_bytes()))
    return " ".join(html.split()), " ".join(" ".join(p.extract_text() for p in pdf.pages).split())


def test_the_partners_text_is_under_its_target_redacted_with_who_wrote_it(reports):
    targets = {t["id"]: t for t in reports["draft"].figures["targets"]}
    redacted = WALKS.replace("070-123 45 67", "[borttaget]")
    assert targets["trygghetsvandringar"]["narrative"] == [
        {
            "source": "Polisen, lokalpolisområde Eskilstuna/Strängnäs",
            "period": "2019-T2",
            "text": redacted,
            "next_step": NEXT,
        }
    ]
    assert targets["mopedinsatser"]["narrative"][0]["period"] == "2019-T1"
    assert all(not t["narrative"] for i, t in targets.items() if i not in targets_told())
    html = reports["draft"].path("rapport.html").read_text("utf-8")
    article = re.search(
        r'<article class="target" id="mal-trygghetsvandringar".*?</article>', html, re.S
    )
    assert article and redacted in unescape(article.group(0)) and NEXT in article.group(0)
    assert "Polisen, lokalpolisområde Eskilstuna/Strängnäs, tertial 2:" in article.group(0)
    html_text, pdf_text = _text(reports["draft"])
    for text in (html_text, pdf_text):
        assert redacted in text and "070-123" not in text
        assert "Nästa steg: " + NEXT in text
        assert MOPEDS in text  # a tertial before the report's is shown too


def targets_told():
    return {"trygghetsvandringar", "mopedinsatser", "info-batsamverkan"}


def test_a_draft_lists_the_targets_still_without_text_and_the_final_does_not(reports, promise):
    html = reports["draft"].path("rapport.html").read_text("utf-8")
    listed = re.search(
        r'<h3 id="redovisning-saknas">(.*?)</h3>.*?<ul class="remaining">(.*?)</ul>', html, re.S
    )
    assert listed and "Mål utan parternas redovisning för tertial 2" in listed.group(1)
    named = re.findall(r'<a href="#mal-([a-z0-9-]+)"', listed.group(2))
    # The moped text is for tertial 1: for this report's tertial it is still missing.
    told_now = {"trygghetsvandringar", "info-batsamverkan"}
    assert named == [t.id for t in promise.targets if t.id not in told_now]
    _, pdf_text = _text(reports["draft"])
    assert "Ingen redovisning för tertial 2 (maj–augusti) ännu." in pdf_text
    final = reports["final"].path("rapport.html").read_text("utf-8")
    assert 'id="redovisning-saknas"' not in final and "Ingen redovisning för" not in final
    assert unescape(WALKS.replace("070-123 45 67", "[borttaget]")) in unescape(final)


def test_the_approver_reads_the_partners_words_that_go_out_in_their_name(reports):
    from datetime import UTC, datetime

    from lofte_pipeline.approval import ApprovalRequest, approval_markdown, literal

    final = reports["final"]
    now = datetime(2019, 9, 2, 8, tzinfo=UTC)
    request = ApprovalRequest(
        "strangnas-2019", "2019-T2", final.folder, final.version, now, "", now, final.figures
    )
    form = approval_markdown(request)
    redacted = WALKS.replace("070-123 45 67", "[borttaget]")
    assert (
        "- *Trygghetsvandringar* (Polisen, lokalpolisområde Eskilstuna/Strängnäs, 2019-T2): "
        f"{literal(redacted)} Nästa steg: {literal(NEXT)}"
    ) in form
    # A link or an image in staff's text is shown as typed, never rendered or fetched.
    assert literal(LINK) in form and "](https" not in form
    assert "070-123" not in form
    missing = form.split("- Ingen redovisning för: ")[1].splitlines()[0]
    assert "Riktade insatser mot trimmade mopeder" in missing  # its text is for tertial 1
    assert "Trygghetsvandringar" not in missing
