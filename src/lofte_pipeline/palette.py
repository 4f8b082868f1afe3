"""The report's colours, and the contrast every pair of them is promised to have.

One palette for the charts and the page (templates/rapport.css uses the same values), kept apart
from the drawing so that the accessibility promise has one place: every colour pair the report
uses is listed in CONTRAST_PAIRS and tested for WCAG AA contrast (4.5:1 for text, 3:1 for
graphical objects; tests/test_charts.py). A colour added here without its pair is a gap in that
promise.
"""

from __future__ import annotations

INK = "#1b1b1b"
MUTED = "#4a4a4a"
WHITE = "#ffffff"
TRACK = "#eeeeee"
TRACK_EDGE = "#767676"
ACCENT = "#0b4f8a"
STATUS_COLOURS = {
    "achieved": "#1d6b2f",
    "on_track": "#0b4f8a",
    "behind": "#8a4b00",
    "missed": "#a4161a",
    "reported": "#4a4a4a",
    "toward_aim": "#5b2a86",
}
# Coverage grid: (lowest count, fill, text colour, Swedish legend label; see charts.grid_labels).
GRID_STEPS = [
    (0, WHITE, MUTED, "0"),
    (1, "#dbe8f5", INK, "1"),
    (2, "#9fc2e6", INK, "2–3"),
    (4, "#0b4f8a", WHITE, "4 eller fler"),
]

# (foreground, background, minimum ratio): text needs 4.5, bars and edges against the page 3.
CONTRAST_PAIRS = [
    (INK, WHITE, 4.5),
    (MUTED, WHITE, 4.5),
    (ACCENT, WHITE, 4.5),
    (TRACK_EDGE, WHITE, 3.0),
    (MUTED, TRACK, 4.5),
    *((colour, WHITE, 4.5) for colour in STATUS_COLOURS.values()),  # status words and bars
    *((text, fill, 4.5) for _, fill, text, _ in GRID_STEPS),
]


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def grid_step(count: int) -> tuple[str, str]:
    """The coverage grid's (fill, text colour) for a cell with `count` activities."""
    fill, ink = GRID_STEPS[0][1], GRID_STEPS[0][2]
    for lowest, step_fill, step_ink, _ in GRID_STEPS:
        if count >= lowest:
            fill, ink = step_fill, step_ink
    return fill, ink
