"""Charts: SVG drawn in Python, with a text alternative, numbers on the marks and AA colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from lofte_pipeline import charts
from lofte_pipeline.charts import (
    ProgressRow,
    TertialBar,
    coverage_grid,
    progress_chart,
    tertial_chart,
)
from lofte_pipeline.palette import CONTRAST_PAIRS, contrast_ratio
from lofte_pipeline.svg import wrap


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == "svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("text")]


ROWS = [
    ProgressRow("Nya grannsamverkansområden", 8, 4, 5, "behind", "Efter plan", "!"),
    ProgressRow("Trygghetsvandringar", 4, 2, 2, "on_track", "Enligt plan", "→"),
    ProgressRow("Riktade insatser mot trimmade mopeder", 2, 3, 1, "achieved", "Uppnått", "✔"),
]


@pytest.mark.parametrize(("foreground", "background", "minimum"), CONTRAST_PAIRS)
def test_every_colour_pair_meets_wcag_aa(foreground, background, minimum):
    assert contrast_ratio(foreground, background) >= minimum


def test_contrast_ratio_matches_the_wcag_formula():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_progress_chart_has_a_text_alternative_that_states_every_figure():
    root = parse(progress_chart(ROWS, through="31 augusti 2019"))
    assert root.get("role") == "img"
    title = root.find("title")
    assert root.get("aria-labelledby").split()[0] == title.get("id")
    assert root.get("aria-describedby") == root.find("desc").get("id")
    assert title.text.startswith(
        "Diagram: framsteg mot de mätbara målen till och med 31 augusti 2019."
    )
    assert "Nya grannsamverkansområden: 4 av 8, förväntat 5, efter plan" in title.text
    assert "tabellen" in root.find("desc").text


def test_progress_chart_says_status_in_words_and_icon_not_by_colour_alone():
    words = texts(parse(progress_chart(ROWS, through="31 augusti 2019")))
    for row in ROWS:
        assert f"{row.done} av {row.goal}" in words
        assert f"{row.status_icon} {row.status_label}" in words
    # The pace marker is explained in the legend; the annual chart has none.
    assert "förväntat (jämn takt)" in words
    annual = [
        ProgressRow(r.title, r.goal, r.done, None, r.status, r.status_label, r.status_icon)
        for r in ROWS
    ]
    assert "förväntat (jämn takt)" not in texts(parse(progress_chart(annual, through="x")))


def test_an_overachieved_bar_is_capped_at_the_track_and_the_number_tells_the_rest():
    root = parse(progress_chart(ROWS[2:], through="x"))
    track, bar = list(root.iter("rect"))[1:3]
    assert float(bar.get("width")) == pytest.approx(float(track.get("width")))
    assert "3 av 2" in texts(root)


def test_tertial_chart_shows_counts_and_tertials_not_yet_reported():
    bars = [
        TertialBar("Tertial 1", "januari–april", 1234),
        TertialBar("Tertial 2", "maj–augusti", 5),
        TertialBar("Tertial 3", "september–december", None),
    ]
    root = parse(tertial_chart(bars, year=2019))
    words = texts(root)
    assert "1\u00a0234" in words and "5" in words and "ännu inte" in words
    assert root.find("title").text == (
        "Diagram: mål med minst en aktivitet per tertial 2019. tertial 1 (januari–april): 1\u00a0234; "
        "tertial 2 (maj–augusti): 5; tertial 3 (september–december): ännu inte rapporterad."
    )


def test_coverage_grid_writes_every_count_and_marks_empty_cells():
    activities = ["Information om grannsamverkan/DNA-märkning", "Trygghetsvandring"]
    districts = ["Strängnäs", "Åkers styckebruk", "Härad"]
    root = parse(
        coverage_grid(
            activities, districts, [[4, 0, 1], [2, 0, 0]], period_text="1 januari–31 augusti 2019"
        )
    )
    words = texts(root)
    assert words.count("–") == 3 and {"4", "1", "2"} <= set(words)
    assert all(d in words for d in districts)
    # A long label wraps (at the slash) without losing a word.
    assert " ".join(
        w for w in words if w in {"Information om", "grannsamverkan/", "DNA-märkning"}
    ) == ("Information om grannsamverkan/ DNA-märkning")
    title = root.find("title").text
    assert "Totalt 7: Strängnäs 6, Åkers styckebruk 0 och Härad 1." in title
    assert "3 av 6 kombinationer saknar aktiviteter; inga alls i Åkers styckebruk." in title


def test_grid_cells_use_text_colours_with_aa_contrast_on_their_fill():
    for count in range(8):
        fill, ink = charts.grid_step(count)
        assert contrast_ratio(ink, fill) >= 4.5, count


def test_text_in_charts_is_escaped():
    root = parse(
        progress_chart([ProgressRow("A & <B>", 1, 0, 0, "behind", "Efter plan", "!")], through="x")
    )
    assert "A & <B>" in texts(root)


def test_wrap_keeps_every_word_in_order():
    text = "Riktad insats mot trimmade mopeder i Åkers styckebruk"
    for width in (40, 80, 200, 1000):
        assert " ".join(wrap(text, width, 12)) == text


def test_charts_are_deterministic():
    assert progress_chart(ROWS, through="x") == progress_chart(ROWS, through="x")
