"""A whole inbox: every file read and validated on its own, in the isolated reader or not."""

from __future__ import annotations

import pandas as pd
from inboxes import build_inbox

from lofte_pipeline.intake import read_inbox


def test_the_isolated_reader_gives_what_reading_in_process_gives(tmp_path, promise):
    inbox = build_inbox(tmp_path)
    isolated, here = (
        read_inbox(inbox, promise, isolate=True),
        read_inbox(inbox, promise, isolate=False),
    )
    assert isolated.accepted["file"].nunique() >= 5 and len(isolated.rejected) > 0
    for part in ("accepted", "rejected", "findings"):
        pd.testing.assert_frame_equal(getattr(isolated, part), getattr(here, part))
    assert [
        (f.path, f.reason, f.rows_accepted, f.rows_rejected, f.sheets_read) for f in isolated.files
    ] == [(f.path, f.reason, f.rows_accepted, f.rows_rejected, f.sheets_read) for f in here.files]


def test_rows_between_stages_have_the_declared_schema(tmp_path, promise):
    from lofte_pipeline.rows import ACCEPTED_SCHEMA, FINDING_SCHEMA, REJECTED_SCHEMA

    intake = read_inbox(build_inbox(tmp_path), promise, isolate=False)
    dtypes = {"text": "object", "int": "int64", "count": "Int64", "date": "object"}
    for frame, schema in (
        (intake.accepted, ACCEPTED_SCHEMA),
        (intake.rejected, REJECTED_SCHEMA),
        (intake.findings, FINDING_SCHEMA),
    ):
        assert list(frame.columns) == list(schema)
        assert [str(t) for t in frame.dtypes] == [dtypes[k] for k in schema.values()]
