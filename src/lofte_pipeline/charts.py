"""The report's three charts, drawn in Python as inline SVG: what each one shows and in which words.

The same markup goes into the HTML and the PDF. The SVG elements are written by svg.py, the colours
and their tested contrast come from palette.py; this module decides the marks, their numbers and the
text alternative. Every chart is an `<svg role="img">` with a `<title>` that is its full text
alternative (WeasyPrint writes it as the /Alt of the PDF's Figure, browsers use it as the accessible
name) and a `<desc>` that points to the data table printed beside it. Nothing is said by colour
alone: bars carry their numbers and status words, cells their counts.

Every word comes from the report's catalogue (i18n.py) in the report's language; Swedish by default.
The catalogue keys are written out here, where tests/test_i18n.py looks for the keys in use.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from . import svg
from .i18n import Texts, texts
from .palette import ACCENT, GRID_STEPS, MUTED, STATUS_COLOURS, TRACK, TRACK_EDGE, grid_step


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
    body.append(svg.rect(0, y + 3, 18, 12, ACCENT))
    legend = tx("chart.progress_legend_done")
    body.append(svg.text(24, y + 14, legend, size=12))
    x = 24 + svg.text_width(legend, 12) + 16
    if show_pace:
        body.append(svg.line(x + 6, y, x + 6, y + 18, dash="4 3"))
        body.append(svg.text(x + 16, y + 14, tx("chart.progress_legend_pace"), size=12))
    y += 30
    lines_out: list[str] = []
    for row in rows:
        title_lines = svg.wrap(row.title, width, 14)
        for i, line in enumerate(title_lines):
            body.append(svg.text(0, y + 14 + i * 17, line, weight=700))
        y += 17 * len(title_lines) + 4
        bar_y, bar_h = y, 20
        body.append(svg.rect(0.5, bar_y + 0.5, track_w - 1, bar_h - 1, TRACK, TRACK_EDGE))
        share = min(row.done / row.goal, 1.0) if row.goal else 0.0
        body.append(
            svg.rect(0.5, bar_y + 0.5, (track_w - 1) * share, bar_h - 1, STATUS_COLOURS[row.status])
        )
        if row.expected is not None and 0 < row.expected < row.goal:
            px = 0.5 + (track_w - 1) * row.expected / row.goal
            body.append(svg.line(px, bar_y - 4, px, bar_y + bar_h + 4, dash="4 3"))
        done_of_goal = tx("chart.done_of_goal", done=tx.number(row.done), goal=tx.number(row.goal))
        body.append(svg.text(track_w + 10, bar_y + 15, done_of_goal, weight=700))
        body.append(
            svg.text(
                track_w
                + 10
                + svg.text_width(tx("chart.done_of_goal", done=row.done, goal=row.goal), 14)
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
    return svg.chart(chart_id, width, y, title, desc, body)


@dataclass(frozen=True)
class TertialBar:
    name: str  # "Tertial 1"
    months: str  # "jan–apr"
    count: int | None  # None: the tertial has not been reported yet


def tertial_chart(
    bars: list[TertialBar],
    *,
    year: int,
    scale: int | None = None,
    chart_id: str = "diagram-tertial",
    width: int = 520,
    tx: Texts | None = None,
) -> Markup:
    """A count per tertial (the report's: targets with activity, out of `scale`); tertials still
    to come are shown as empty slots."""
    tx = tx or texts()
    height = 230
    top, bottom = 30, 190  # plot area: value labels above, names below
    counts = [b.count for b in bars if b.count is not None]
    peak = max([*counts, scale or 0, 1])
    slot = width / len(bars)
    bar_w = min(110, slot * 0.55)
    body = [svg.line(0, bottom + 0.5, width, bottom + 0.5, colour=TRACK_EDGE, width=1)]
    for i, bar in enumerate(bars):
        cx = slot * i + slot / 2
        if bar.count is None:
            body.append(
                svg.text(cx, bottom - 8, tx("chart.not_yet"), size=12, anchor="middle", fill=MUTED)
            )
        else:
            h = (bottom - top) * bar.count / peak
            body.append(svg.rect(cx - bar_w / 2, bottom - h, bar_w, h, ACCENT))
            body.append(
                svg.text(cx, bottom - h - 8, tx.number(bar.count), anchor="middle", weight=700)
            )
        body.append(svg.text(cx, bottom + 20, bar.name, anchor="middle", weight=700))
        body.append(svg.text(cx, bottom + 37, bar.months, size=12, anchor="middle", fill=MUTED))
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
    return svg.chart(chart_id, width, height, title, desc, body)


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
    longest = max((svg.text_width(d, 12) for d in districts), default=0)
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
        lines = svg.wrap(activity, label_w - 8, 12)
        row_h = max(32, 14 * len(lines) + 6)
        top = y + (row_h - 14 * len(lines)) / 2 + 11
        for k, line in enumerate(lines):
            body.append(svg.text(0, top + 14 * k, line, size=12))
        for j, count in enumerate(row):
            fill, ink = grid_step(count)
            x = label_w + cell_w * j
            body.append(svg.rect(x + 1.5, y + 1.5, cell_w - 3, row_h - 3, fill, TRACK_EDGE))
            body.append(
                svg.text(
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
    body.append(svg.text(0, y + 13, legend, size=12))
    x = max(48, svg.text_width(legend, 12) + 4)
    for (_, fill, _, _), label in zip(GRID_STEPS, grid_labels(tx)):
        body.append(svg.rect(x + 0.5, y + 1.5, 16, 14, fill, TRACK_EDGE))
        body.append(svg.text(x + 22, y + 13, label, size=12))
        x += 22 + svg.text_width(label, 12) + 16
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
    return svg.chart(chart_id, width, y, title, desc, body)
