"""The three charts of one report, drawn from the rows its context already holds.

A chart must show exactly the numbers of the table printed beside it (its `<desc>` points there),
so the charts are drawn from the same rows the template prints: the targets with a numeric goal,
the targets with activity per tertial and the activity x district matrix, as report_context (render.py) made them,
never from the reconciliation a second time. charts.py draws each chart; this module only decides
what each one is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from . import charts
from .i18n import Texts

if TYPE_CHECKING:
    import pandas as pd


def report_charts(
    progress: list[dict[str, Any]],
    tertials: list[dict[str, Any]],
    targets_active: list[int | None],
    matrix: pd.DataFrame,
    *,
    annual: bool,
    through: str,
    year_to_date: str,
    year: int,
    targets: int,
    tx: Texts,
) -> dict[str, Markup]:
    """The context's "charts": progress per numeric target, targets with activity per tertial
    (out of `targets`), coverage.

    In the annual report (`annual`) the progress bars carry no expected pace: the pace is the goal.
    """
    counts_matrix = [[int(v) for v in row] for _, row in matrix.iterrows()]
    return {
        "progress": charts.progress_chart(
            [
                charts.ProgressRow(
                    t["title"],
                    t["goal"],
                    t["measured_to_date"],
                    None if annual else t["expected_to_date"],
                    t["status"],
                    t["status_label"],
                    t["status_icon"],
                )
                for t in progress
            ],
            through=through,
            tx=tx,
        ),
        "tertials": charts.tertial_chart(
            [
                charts.TertialBar(t["name"], t["months"], active)
                for t, active in zip(tertials, targets_active, strict=True)
            ],
            year=year,
            scale=targets,
            tx=tx,
        ),
        "coverage": charts.coverage_grid(
            [str(a) for a in matrix.index],
            [str(d) for d in matrix.columns],
            counts_matrix,
            period_text=year_to_date,
            tx=tx,
        ),
    }
