"""Properties: how rows are spread over files and sheets never changes the figures."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbooks import HEADER, write_csv, write_xlsx

from lofte_pipeline.intake import read_inbox
from lofte_pipeline.period import Period
from lofte_pipeline.promise import bundled_promise_path, load_promise
from lofte_pipeline.reconcile import reconcile

PROMISE = load_promise(bundled_promise_path())
LABELS = [a.label for a in PROMISE.activities]
DISTRICTS = [d.name for d in PROMISE.districts]
PLACES = ["", "Torget", "Resecentrum", "Läggesta station", "Hamnen", "Skolan"]

log_rows = st.lists(
    st.tuples(
        st.dates(dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
        st.sampled_from(LABELS),
        st.sampled_from(DISTRICTS),
        st.sampled_from(PLACES),
    ),
    min_size=1,
    max_size=25,
)
SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def figures(files: dict[str, dict[str, list]]) -> list:
    """Targets' figures for every tertial from an inbox laid out as {file: {sheet: rows}}."""
    root = Path(tempfile.mkdtemp(prefix="lofte-prop-"))
    try:
        for name, sheets in files.items():
            path = root / "INBOX" / name
            if path.suffix == ".csv":
                [rows] = sheets.values()
                write_csv(path, [HEADER[:4]] + [[d.isoformat(), a, k, p] for d, a, k, p in rows])
            else:
                write_xlsx(
                    path,
                    {
                        sheet: [HEADER[:4]] + [list(r) for r in rows]
                        for sheet, rows in sheets.items()
                    },
                )
        intake = read_inbox(root / "INBOX", PROMISE, isolate=False)
        return [reconcile(intake.accepted, PROMISE, Period(2019, k)).targets for k in (1, 2, 3)]
    finally:
        shutil.rmtree(root)


@SETTINGS
@given(rows=log_rows, cut=st.integers(min_value=0, max_value=25))
def test_splitting_a_file_in_two_changes_nothing(rows, cut):
    whole = figures({"polisen/logg.xlsx": {"Logg": rows}})
    split = figures(
        {"polisen/del1.xlsx": {"Logg": rows[:cut]}, "kommunen/del2.csv": {"": rows[cut:]}}
    )
    assert whole == split


@SETTINGS
@given(rows=log_rows)
def test_duplicating_a_file_changes_nothing(rows):
    once = figures({"polisen/logg.xlsx": {"Logg": rows}})
    twice = figures({"polisen/logg.xlsx": {"Logg": rows}, "kommunen/kopia.xlsx": {"Logg": rows}})
    assert once == twice


@SETTINGS
@given(rows=log_rows, data=st.data())
def test_reordering_rows_or_files_changes_nothing(rows, data):
    shuffled = data.draw(st.permutations(rows))
    first = figures({"polisen/a.xlsx": {"Logg": rows[::2]}, "polisen/b.xlsx": {"Logg": rows[1::2]}})
    second = figures(
        {"polisen/b.xlsx": {"Logg": shuffled[::2]}, "polisen/a.xlsx": {"Logg": shuffled[1::2]}}
    )
    assert first == second


@SETTINGS
@given(
    rows=log_rows,
    name=st.text(alphabet="abcåäöÅÄÖ 123-_", min_size=1, max_size=25).filter(lambda s: s.strip()),
)
def test_renaming_a_sheet_changes_nothing(rows, name):
    assert figures({"polisen/logg.xlsx": {"Logg": rows}}) == figures(
        {"polisen/logg.xlsx": {name.strip(): rows}}
    )


def test_the_properties_are_not_vacuous():
    # Different rows do give different figures, so the equalities above can fail.
    rows = [(dt.date(2019, 2, 1), LABELS[-1], DISTRICTS[0], "")]
    assert figures({"polisen/a.xlsx": {"Logg": rows}}) != figures({"polisen/a.xlsx": {"Logg": []}})
