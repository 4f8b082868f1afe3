"""A whole inbox: files are validated in batches, in the isolated reader or not, to one intake."""

from __future__ import annotations

import pandas as pd

from inboxes import build_inbox
from lofte_pipeline import intake
from lofte_pipeline.intake import read_inbox


def _same_intake(left, right) -> None:
    for part in ("accepted", "rejected", "findings"):
        pd.testing.assert_frame_equal(getattr(left, part), getattr(right, part))
    assert [(f.path, f.reason, f.rows_accepted, f.rows_rejected, f.sheets_read)
            for f in left.files] == [(f.path, f.reason, f.rows_accepted, f.rows_rejected,
                                      f.sheets_read) for f in right.files]


def test_batches_of_any_size_give_the_same_intake(tmp_path, promise, monkeypatch):
    inbox = build_inbox(tmp_path)
    batched = read_inbox(inbox, promise, isolate=False)
    assert batched.accepted["file"].nunique() >= 5 and len(batched.rejected) > 0
    monkeypatch.setattr(intake, "BATCH_ROWS", 1)  # every file its own batch
    _same_intake(batched, read_inbox(inbox, promise, isolate=False))


def test_the_isolated_reader_gives_what_reading_in_process_gives(tmp_path, promise):
    inbox = build_inbox(tmp_path)
    _same_intake(read_inbox(inbox, promise, isolate=True), read_inbox(inbox, promise,
                                                                       isolate=False))
