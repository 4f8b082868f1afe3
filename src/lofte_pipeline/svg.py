"""SVG markup for the charts: the few elements they are drawn with, and text measured by estimate.

charts.py decides what each chart shows; the elements it draws with are written here, one way for
every chart: text escaped, numbers written with `:g` (the same figures give the same bytes) and
each chart an `<svg role="img">` labelled by its `<title>` and described by its `<desc>`, so that
assistive technology finds every chart wired alike. SVG has no line breaking and no text metrics of
its own, so widths are estimated from the font size and long labels are wrapped here.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from .palette import INK

FONT = "DejaVu Sans, Verdana, sans-serif"
CHAR_WIDTH = 0.6  # DejaVu Sans averages a little under 0.6 em per character; wrap on the safe side


def wrap(text: str, width_px: float, font_size: float) -> list[str]:
    """Greedy word wrap by an estimated text width (SVG has no line breaking of its own).

    A long word may also break after a slash ('grannsamverkan/' 'DNA-märkning').
    """
    limit = max(1, int(width_px / (font_size * CHAR_WIDTH)))
    lines: list[str] = []
    for word in text.split():
        parts = re.split(r"(?<=/)(?=.)", word) if len(word) > limit else [word]
        for k, part in enumerate(parts):
            sep = "" if k else " "
            if lines and len(lines[-1]) + len(sep) + len(part) <= limit:
                lines[-1] += sep + part
            else:
                lines.append(part)
    return lines or [""]


def text_width(text: str, font_size: float) -> float:
    return len(text) * font_size * CHAR_WIDTH


def chart(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-titel" '
        f'aria-describedby="{chart_id}-beskrivning" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="14" fill="{INK}">'
        f'<title id="{chart_id}-titel">{escape(title)}</title>'
        f'<desc id="{chart_id}-beskrivning">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = 14,
    anchor: str = "start",
    weight: int = 400,
    fill: str = INK,
) -> str:
    attrs = f'x="{x:g}" y="{y:g}"'
    if size != 14:
        attrs += f' font-size="{size:g}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight != 400:
        attrs += f' font-weight="{weight}"'
    if fill != INK:
        attrs += f' fill="{fill}"'
    return f"<text {attrs}>{escape(content)}</text>"


def rect(x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None) -> str:
    edge = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    return f'<rect x="{x:g}" y="{y:g}" width="{max(w, 0):g}" height="{h:g}" fill="{fill}"{edge}/>'


def line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    colour: str = INK,
    width: float = 2,
    dash: str | None = None,
) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{colour}" '
        f'stroke-width="{width:g}"{dashed}/>'
    )
