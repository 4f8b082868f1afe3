"""A whole inbox: every file read and validated on its own, in the isolated reader or not."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import polars as pl
from inboxes import build_inbox
from workbooks import HEADER, row, write_xlsx

from lofte_pipeline.cache import ParseCache
from lofte_pipeline.intake import read_inbox
from lofte_pipeline.promise import promise_hash
from lofte_pipeline.rows import CheckedFile


def test_the_isolated_reader_gives_what_reading_in_process_gives(tmp_path, promise):
    inbox = build_inbox(tmp_path)
    isolated, here = (
        read_inbox(inbox, promise, isolate=True),
        read_inbox(inbox, promise, isolate=False),
    )
    assert isolated.accepted["file"].nunique() >= 5 and len(isolated.rejected) > 0
    for part in ("accepted", "rejected", "findings", "narratives"):
        pd.testing.assert_frame_equal(getattr(isolated, part), getattr(here, part))
    assert [
        (f.path, f.reason, f.rows_accepted, f.rows_rejected, f.sheets_read) for f in isolated.files
    ] == [(f.path, f.reason, f.rows_accepted, f.rows_rejected, f.sheets_read) for f in here.files]


def test_rows_between_stages_have_the_declared_schema(tmp_path, promise):
    from lofte_pipeline.rows import (
        ACCEPTED_SCHEMA,
        FINDING_SCHEMA,
        NARRATIVE_SCHEMA,
        REJECTED_SCHEMA,
    )

    intake = read_inbox(build_inbox(tmp_path), promise, isolate=False)
    dtypes = {"text": "object", "int": "int64", "count": "Int64", "date": "object"}
    for frame, schema in (
        (intake.accepted, ACCEPTED_SCHEMA),
        (intake.rejected, REJECTED_SCHEMA),
        (intake.findings, FINDING_SCHEMA),
        (intake.narratives, NARRATIVE_SCHEMA),
    ):
        assert list(frame.columns) == list(schema)
        assert [str(t) for t in frame.dtypes] == [dtypes[k] for k in schema.values()]


# The Redovisning sheet: the partners' own text per target and tertial.
TEXT_HEADER = ["Mål", "Tertial", "Text", "Nästa steg"]
LOG = [HEADER, row("2019-05-14", "Trygghetsvandring", "Mariefred")]


def _texts(tmp_path, rows, sheet="Redovisning", log=True):
    sheets = {"Logg": LOG} if log else {}
    write_xlsx(tmp_path / "INBOX" / "polisen" / "logg.xlsx", {**sheets, sheet: rows})
    return tmp_path / "INBOX"


def test_redovisning_texts_are_read_by_heading_or_id_under_their_target_and_tertial(
    tmp_path, promise
):
    inbox = _texts(
        tmp_path,
        [
            TEXT_HEADER,
            ["Trygghetsvandringar", "T2", "Vandring i Mariefred med 12 deltagare.", "Härad i höst"],
            ["  TRAFIKKONTROLLER i alla kommundelar ", 2, "Kontroller i fem kommundelar.", None],
            ["trafiksakerhetsrad", "2019-T1", "Rådet möttes i mars.", ""],  # the target's id
            [None, None, None, None],  # an empty row: passed over
            ["Trafiksäkerhetsrådet", "tertial 3", "Rådet möttes i oktober.", None],
        ],
        sheet="redovisning",  # the sheet's name matched like other names
    )
    isolated = read_inbox(inbox, promise)
    here = read_inbox(inbox, promise, isolate=False)
    pd.testing.assert_frame_equal(isolated.narratives, here.narratives)
    assert isolated.rejected.empty
    assert isolated.narratives.to_dict("records") == [
        {
            "source": "polisen",
            "file": "polisen/logg.xlsx",
            "sheet": "redovisning",
            "row": 3,
            "target": "trafikkontroller",
            "period": "2019-T2",
            "text": "Kontroller i fem kommundelar.",
            "next_step": "",
        },
        {
            "source": "polisen",
            "file": "polisen/logg.xlsx",
            "sheet": "redovisning",
            "row": 4,
            "target": "trafiksakerhetsrad",
            "period": "2019-T1",
            "text": "Rådet möttes i mars.",
            "next_step": "",
        },
        {
            "source": "polisen",
            "file": "polisen/logg.xlsx",
            "sheet": "redovisning",
            "row": 6,
            "target": "trafiksakerhetsrad",
            "period": "2019-T3",
            "text": "Rådet möttes i oktober.",
            "next_step": "",
        },
        {
            "source": "polisen",
            "file": "polisen/logg.xlsx",
            "sheet": "redovisning",
            "row": 2,
            "target": "trygghetsvandringar",
            "period": "2019-T2",
            "text": "Vandring i Mariefred med 12 deltagare.",
            "next_step": "Härad i höst",
        },
    ]
    assert len(isolated.accepted) == 1  # the log's own row, counted as before
    assert isolated.files[0].sheets_read == ["Logg", "redovisning"]


def test_bad_redovisning_rows_are_rejected_with_a_swedish_reason_on_their_excel_row(
    tmp_path, promise
):
    intake = read_inbox(
        _texts(
            tmp_path,
            [
                ["Redovisning per mål"],  # a title above the header
                TEXT_HEADER,
                ["Trygghetsvandring", "T2", "Gjort.", None],  # close to a heading
                ["Trafiksäkerhetsrådet", "T4", "Gjort.", None],
                ["Trafiksäkerhetsrådet", "2018-T2", "Gjort.", None],
                ["Trafiksäkerhetsrådet", "T1", "  ", "Nästa möte i maj"],
                [None, "T1", "Gjort.", None],
            ],
        ),
        promise,
    )
    assert intake.narratives.empty
    problems = intake.rejected[["sheet", "row", "column", "value"]].values.tolist()
    assert problems == [
        ["Redovisning", 3, "Mål", "Trygghetsvandring"],
        ["Redovisning", 4, "Tertial", "T4"],
        ["Redovisning", 5, "Tertial", "2018-T2"],
        ["Redovisning", 6, "Text", ""],
        ["Redovisning", 7, "Mål", ""],
    ]
    reasons = intake.rejected["reason"].tolist()
    assert reasons[0].startswith("Okänt mål. Giltiga: Information om grannsamverkan")
    assert "Trafiksäkerhetsrådet" in reasons[0]
    assert reasons[0].endswith("Menade du 'Trygghetsvandringar'?")
    assert reasons[1] == "Tertialen kan inte tolkas; skriv T1, T2 eller T3 (eller 2019-T2)."
    assert reasons[2] == "Tertialen gäller 2018, men löftet gäller 2019; skriv T1, T2 eller T3."
    assert reasons[3].startswith("Text saknas")
    assert reasons[4].startswith("Mål saknas")
    assert intake.files[0].rows_rejected == 5 and intake.files[0].accepted


def test_a_personnummer_in_a_redovisning_text_is_removed_and_recorded(tmp_path, promise):
    intake = read_inbox(
        _texts(
            tmp_path,
            [
                TEXT_HEADER,
                [
                    "Trygghetsvandringar",
                    "T2",
                    "Anmälaren (19811218-0008) deltog i vandringen.",
                    "Ring samordnaren på 070-123 45 67.",
                ],
            ],
        ),
        promise,
    )
    [told] = intake.narratives.to_dict("records")
    assert told["text"] == "Anmälaren ([borttaget]) deltog i vandringen."
    assert told["next_step"] == "Ring samordnaren på [borttaget]."
    assert intake.findings[["sheet", "row", "column", "kind"]].values.tolist() == [
        ["Redovisning", 2, "Nästa steg", "telefonnummer"],
        ["Redovisning", 2, "Text", "personnummer"],
    ]


def test_a_workbook_with_only_a_redovisning_sheet_is_accepted_with_no_activity_rows(
    tmp_path, promise
):
    intake = read_inbox(
        _texts(tmp_path, [TEXT_HEADER, ["Trafiksäkerhetsrådet", "T1", "Möte.", None]], log=False),
        promise,
    )
    [outcome] = intake.files
    assert outcome.accepted and outcome.rows_accepted == 0
    assert intake.accepted.empty and len(intake.narratives) == 1


def test_a_redovisning_sheet_without_its_header_is_reported_not_lost(tmp_path, promise):
    rows = [["Vad", "När", "Text"], ["Trafiksäkerhetsrådet", "T1", "Möte."]]
    with_log = read_inbox(_texts(tmp_path / "a", rows), promise)
    assert with_log.files[0].accepted and with_log.narratives.empty
    [problem] = with_log.rejected.to_dict("records")
    assert (problem["sheet"], problem["row"], problem["column"]) == (
        "Redovisning",
        1,
        "Mål, Tertial",
    )
    assert problem["reason"].startswith(
        "Bladet 'Redovisning' har ingen rubrikrad bland de 10 översta raderna; Mål, Tertial saknas."
    )
    alone = read_inbox(_texts(tmp_path / "b", rows, log=False), promise)
    assert alone.files[0].reason == problem["reason"]  # nothing else to read: the file is refused


def test_a_log_whose_header_is_lost_is_refused_even_with_a_redovisning_sheet(tmp_path, promise):
    write_xlsx(
        tmp_path / "INBOX" / "polisen" / "logg.xlsx",
        {
            "Logg": [["Dag?", "Vad?"], ["2019-05-14", "Trygghetsvandring"]],
            "Redovisning": [TEXT_HEADER, ["Trafiksäkerhetsrådet", "T1", "Möte.", None]],
        },
    )
    [outcome] = read_inbox(tmp_path / "INBOX", promise).files
    assert outcome.reason is not None and "rubrikrad" in outcome.reason


def test_the_parse_cache_keeps_and_serves_the_redovisning_texts(tmp_path, promise, promise_file):
    inbox = _texts(tmp_path, [TEXT_HEADER, ["Trafiksäkerhetsrådet", "T1", "Möte i mars.", None]])
    cache = ParseCache(tmp_path / "cache", promise_hash(promise_file))
    first = read_inbox(inbox, promise, cache=cache)
    [outcome] = first.files
    cached = cache.get(outcome.sha256, "polisen", ".xlsx")
    assert isinstance(cached, CheckedFile)
    assert cached.narratives["text"].to_list() == ["Möte i mars."]
    # What the cache holds is what a second run uses: an entry changed in place shows through.
    changed = cached.narratives.with_columns(text=pl.lit("Ur cachen."))
    cache.put(outcome.sha256, "polisen", replace(cached, narratives=changed), ".xlsx")
    second = read_inbox(inbox, promise, cache=cache)
    assert second.narratives["text"].tolist() == ["Ur cachen."]
    assert second.narratives.drop(columns="text").equals(first.narratives.drop(columns="text"))
