"""Charts as inline SVG, drawn in Python: the same markup goes into the HTML and the PDF.

Every chart is an `<svg role="img">` with a `<title>` that is its full text alternative (WeasyPrint
writes it as the /Alt of the PDF's Figure, browsers use it as the accessible name) and a `<desc>`
that points to the data table printed beside it. Nothing is said by colour alone: bars carry their
numbers and status words, cells their counts. Every colour pair used is listed in CONTRAST_PAIRS and
tested for WCAG AA contrast (4.5:1 for text, 3:1 for graphical objects).

Every word comes from the report's catalogue (i18n.py) in the report's language; Swedish by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from .i18n import Texts, texts

FONT = "DejaVu Sans, Verdana, sans-serif"
CHAR_WIDTH = 0.6  # DejaVu Sans averages a little under 0.6 em per character; wrap on the safe side

# One palette for the report; the CSS uses the same values (templates/rapport.css).
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
}
# Coverage grid: (lowest count, fill, text colour, Swedish legend label; see grid_labels).
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


def n_sv(value: int) -> str:
    return format_decimal(value, locale="sv")


def join_sv(items: list[str]) -> str:
    """'a', 'a och b', 'a, b och c' – the Swedish list without a serial comma."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]


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


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-titel" '
        f'aria-describedby="{chart_id}-beskrivning" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="14" fill="{INK}">'
        f'<title id="{chart_id}-titel">{escape(title)}</title>'
        f'<desc id="{chart_id}-beskrivning">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(
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


def _rect(x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None) -> str:
    edge = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    return f'<rect x="{x:g}" y="{y:g}" width="{max(w, 0):g}" height="{h:g}" fill="{fill}"{edge}/>'


def _line(
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


@dataclass(frozen=True)
class ProgressRow:
    title: str
    goal: int
    done: int
    expected: int | None  # None in the annual report: the pace is the goal itself
    status: str
    status_label: str
    status_icon: str


def progress_chart(
    rows: list[ProgressRow],
    *,
    through: str,
    chart_id: str = "diagram-framsteg",
    width: int = 520,
    tx: Texts | None = None,
) -> Markup:
    """One bar per numeric target: done so far as a share of the goal, the expected pace marked."""
    tx = tx or texts()
    show_pace = any(r.expected is not None for r in rows)
    value_w = 170
    track_w = width - value_w
    body: list[str] = []
    y = 4
    # Legend: what the marks mean, in words.
    body.append(_rect(0, y + 3, 18, 12, ACCENT))
    legend = tx("chart.progress_legend_done")
    body.append(_text(24, y + 14, legend, size=12))
    x = 24 + text_width(legend, 12) + 16
    if show_pace:
        body.append(_line(x + 6, y, x + 6, y + 18, dash="4 3"))
        body.append(_text(x + 16, y + 14, tx("chart.progress_legend_pace"), size=12))
    y += 30
    lines_out: list[str] = []
    for row in rows:
        title_lines = wrap(row.title, width, 14)
        for i, line in enumerate(title_lines):
            body.append(_text(0, y + 14 + i * 17, line, weight=700))
        y += 17 * len(title_lines) + 4
        bar_y, bar_h = y, 20
        body.append(_rect(0.5, bar_y + 0.5, track_w - 1, bar_h - 1, TRACK, TRACK_EDGE))
        share = min(row.done / row.goal, 1.0) if row.goal else 0.0
        body.append(
            _rect(0.5, bar_y + 0.5, (track_w - 1) * share, bar_h - 1, STATUS_COLOURS[row.status])
        )
        if row.expected is not None and 0 < row.expected < row.goal:
            px = 0.5 + (track_w - 1) * row.expected / row.goal
            body.append(_line(px, bar_y - 4, px, bar_y + bar_h + 4, dash="4 3"))
        done_of_goal = tx("chart.done_of_goal", done=tx.number(row.done), goal=tx.number(row.goal))
        body.append(_text(track_w + 10, bar_y + 15, done_of_goal, weight=700))
        body.append(
            _text(
                track_w
                + 10
                + text_width(tx("chart.done_of_goal", done=row.done, goal=row.goal), 14)
                + 12,
                bar_y + 15,
                f"{row.status_icon} {row.status_label}",
                size=13,
                fill=STATUS_COLOURS[row.status],
            )
        )
        y += bar_h + 16
        pace = (
            tx("chart.progress_pace", n=tx.number(row.expected)) if row.expected is not None else ""
        )
        lines_out.append(
            tx(
                "chart.progress_row",
                title=row.title,
                done_of_goal=done_of_goal,
                pace=pace,
                status=row.status_label.lower(),
            )
        )
    title = (
        tx("chart.progress_title", date=through, rows="; ".join(lines_out))
        if rows
        else tx("chart.progress_title_empty")
    )
    desc = tx("chart.progress_desc", pace=tx("chart.progress_desc_pace") if show_pace else "")
    return _svg(chart_id, width, y, title, desc, body)


@dataclass(frozen=True)
class TertialBar:
    name: str  # "Tertial 1"
    months: str  # "jan–apr"
    count: int | None  # None: the tertial has not been reported yet


def tertial_chart(
    bars: list[TertialBar],
    *,
    year: int,
    chart_id: str = "diagram-tertial",
    width: int = 520,
    tx: Texts | None = None,
) -> Markup:
    """Distinct activities per tertial; tertials still to come are shown as empty slots."""
    tx = tx or texts()
    height = 230
    top, bottom = 30, 190  # plot area: value labels above, names below
    counts = [b.count for b in bars if b.count is not None]
    peak = max([*counts, 1])
    slot = width / len(bars)
    bar_w = min(110, slot * 0.55)
    body = [_line(0, bottom + 0.5, width, bottom + 0.5, colour=TRACK_EDGE, width=1)]
    for i, bar in enumerate(bars):
        cx = slot * i + slot / 2
        if bar.count is None:
            body.append(
                _text(cx, bottom - 8, tx("chart.not_yet"), size=12, anchor="middle", fill=MUTED)
            )
        else:
            h = (bottom - top) * bar.count / peak
            body.append(_rect(cx - bar_w / 2, bottom - h, bar_w, h, ACCENT))
            body.append(
                _text(cx, bottom - h - 8, tx.number(bar.count), anchor="middle", weight=700)
            )
        body.append(_text(cx, bottom + 20, bar.name, anchor="middle", weight=700))
        body.append(_text(cx, bottom + 37, bar.months, size=12, anchor="middle", fill=MUTED))
    parts = [
        tx(
            "chart.tertial_part",
            name=b.name.lower(),
            months=b.months,
            value=tx.number(b.count) if b.count is not None else tx("chart.not_yet_reported"),
        )
        for b in bars
    ]
    title = tx("chart.tertial_title", year=year, parts="; ".join(parts))
    desc = tx("chart.tertial_desc")
    return _svg(chart_id, width, height, title, desc, body)


def grid_step(count: int) -> tuple[str, str]:
    fill, ink = GRID_STEPS[0][1], GRID_STEPS[0][2]
    for lowest, step_fill, step_ink, _ in GRID_STEPS:
        if count >= lowest:
            fill, ink = step_fill, step_ink
    return fill, ink


def grid_labels(tx: Texts | None = None) -> list[str]:
    """The legend's words for GRID_STEPS: '0', '1', '2–3', '4 eller fler'."""
    tx = tx or texts()
    lows = [lowest for lowest, *_ in GRID_STEPS]
    labels = []
    for low, high in zip(lows, [*lows[1:], None]):
        if high is None:
            labels.append(tx("chart.grid_or_more", n=tx.number(low)))
        elif high - low == 1:
            labels.append(tx.number(low))
        else:
            labels.append(f"{tx.number(low)}–{tx.number(high - 1)}")
    return labels


def coverage_grid(
    activities: list[str],
    districts: list[str],
    counts: list[list[int]],
    *,
    period_text: str,
    chart_id: str = "diagram-kommundelar",
    width: int = 560,
    tx: Texts | None = None,
) -> Markup:
    """Activity type x district: every cell shows its count; empty cells are marked with a dash."""
    tx = tx or texts()
    label_w = 200
    cell_w = min(72.0, (width - label_w) / max(len(districts), 1))
    # Column heads are set at an angle so that long district names never collide.
    angle = 40
    sin, cos = 0.643, 0.766
    longest = max((text_width(d, 12) for d in districts), default=0)
    head_h = int(longest * sin) + 22
    width = int(max(width, label_w + cell_w * len(districts) + longest * cos - cell_w / 2 + 8))
    body: list[str] = []
    for j, district in enumerate(districts):
        cx, cy = label_w + cell_w * j + cell_w / 2 - 4, head_h - 8
        body.append(
            f'<text x="{cx:g}" y="{cy:g}" font-size="12" font-weight="700" '
            f'transform="rotate(-{angle} {cx:g} {cy:g})">{escape(district)}</text>'
        )
    y = head_h
    for activity, row in zip(activities, counts):
        lines = wrap(activity, label_w - 8, 12)
        row_h = max(32, 14 * len(lines) + 6)
        top = y + (row_h - 14 * len(lines)) / 2 + 11
        for k, line in enumerate(lines):
            body.append(_text(0, top + 14 * k, line, size=12))
        for j, count in enumerate(row):
            fill, ink = grid_step(count)
            x = label_w + cell_w * j
            body.append(_rect(x + 1.5, y + 1.5, cell_w - 3, row_h - 3, fill, TRACK_EDGE))
            body.append(
                _text(
                    x + cell_w / 2,
                    y + row_h / 2 + 5,
                    tx.number(count) if count else "–",
                    anchor="middle",
                    weight=700 if count else 400,
                    fill=ink,
                )
            )
        y += row_h
    # Legend.
    y += 14
    x = 0.0
    legend = tx("chart.grid_legend")
    body.append(_text(0, y + 13, legend, size=12))
    x = max(48, text_width(legend, 12) + 4)
    for (_, fill, _, _), label in zip(GRID_STEPS, grid_labels(tx)):
        body.append(_rect(x + 0.5, y + 1.5, 16, 14, fill, TRACK_EDGE))
        body.append(_text(x + 22, y + 13, label, size=12))
        x += 22 + text_width(label, 12) + 16
    y += 24
    per_district = [sum(row[j] for row in counts) for j in range(len(districts))]
    empty = sum(1 for row in counts for c in row if c == 0)
    cells = len(activities) * len(districts)
    nothing = [d for d, total in zip(districts, per_district) if total == 0]
    title = tx(
        "chart.grid_title",
        period=period_text,
        total=tx.number(sum(per_district)),
        districts=tx.join(
            [
                tx("chart.grid_district_total", district=d, n=tx.number(t))
                for d, t in zip(districts, per_district)
            ]
        ),
        empty=tx.number(empty),
        cells=tx.number(cells),
        nothing=tx("chart.grid_nothing", districts=tx.join(nothing)) if nothing else "",
    )
    desc = tx("chart.grid_desc")
    return _svg(chart_id, width, y, title, desc, body)
