"""The Prefect flow runs for real and writes exactly what the command line writes."""

from __future__ import annotations

import pytest
from inboxes import build_inbox

from lofte_pipeline.bundle import OUTPUT_FILES, bundle_path
from lofte_pipeline.cli import main

pytestmark = pytest.mark.slow


def test_flow_and_command_line_write_identical_reports(prefect_harness, promise_file, tmp_path):
    from flows.tertial_report import tertial_report

    inbox = build_inbox(tmp_path)
    assert (
        main(
            [
                "report",
                "--promise",
                str(promise_file),
                "--inbox",
                str(inbox),
                "--out",
                str(tmp_path / "cli"),
                "--period",
                "2019-T2",
            ]
        )
        == 0
    )
    state = tertial_report(
        promise=str(promise_file),
        inbox=str(inbox),
        out=str(tmp_path / "flow"),
        period="2019-T2",
        return_state=True,
    )
    assert state.is_completed()
    report = state.result()
    cli_folder = tmp_path / "cli" / "strangnas-2019" / "2019-T2"
    flow_folder = tmp_path / "flow" / "strangnas-2019" / "2019-T2"
    assert report["folder"] == str(flow_folder)
    for name in OUTPUT_FILES:
        where = bundle_path(name)
        assert (cli_folder / where).read_bytes() == (flow_folder / where).read_bytes(), name


def test_a_validation_error_fails_the_flow_without_retries(prefect_harness, promise_file, tmp_path):
    from flows.tertial_report import tertial_report

    state = tertial_report(
        promise=str(promise_file),
        inbox=str(tmp_path / "saknas"),
        out=str(tmp_path / "ut"),
        period="2019-T1",
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(Exception, match="Inkorgen"):
        state.result()
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])
            )
        )
    assert [(r.name.rsplit("-", 1)[0], r.run_count) for r in runs] == [("build_tertial_report", 1)]


def test_flow_parameters_are_described_for_the_ui_form():
    from prefect.utilities.callables import parameter_schema

    from flows.tertial_report import tertial_report

    schema = parameter_schema(tertial_report).model_dump()
    assert schema["required"] == ["promise", "inbox", "out"]
    assert list(schema["properties"]) == [
        "promise",
        "inbox",
        "out",
        "period",
        "final",
        "state",
        "lang",
    ]
    assert all(p.get("description") for p in schema["properties"].values())
    assert schema["properties"]["final"]["type"] == "boolean"
    # The language is a list to choose from, the languages the report has catalogues for.
    from lofte_pipeline.i18n import LANGUAGES

    assert sorted(schema["properties"]["lang"]["enum"]) == sorted(LANGUAGES)


def _artifacts(flow_run_id):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def test_report_run_leaves_a_readable_summary_and_links(
    prefect_harness, promise_file, tmp_path, monkeypatch
):
    from flows.tertial_report import tertial_report

    monkeypatch.setenv("LOFTE_OUT_URL", "http://127.0.0.1:4201/rapporter/")
    inbox = build_inbox(tmp_path)
    state = tertial_report(
        promise=str(promise_file),
        inbox=str(inbox),
        out=str(tmp_path / "ut"),
        period="2019-T3",
        final=True,
        return_state=True,
    )
    assert state.is_completed()
    artifacts = {a.key: a for a in _artifacts(state.state_details.flow_run_id)}
    key = "strangnas-2019-2019-t3"
    summary = artifacts[f"sammanfattning-{key}"].data
    assert "# Slutlig rapport: Strängnäs kommun 2019-T3" in summary
    assert "| Riktade insatser mot trimmade mopeder | Uppnått |" in summary
    assert "kommunen/trasig.xlsx" in summary and "Menade du 'Mariefred'?" in summary
    assert artifacts[f"mal-{key}"].type == "table"
    base = "http://127.0.0.1:4201/rapporter/strangnas-2019/2019-T3/publicera"
    for name in ("rapport.html", "rapport.pdf"):  # links that open from the UI's http page
        assert f"({base}/{name})" in artifacts[f"{name.replace('.', '-')}-{key}"].data


def test_without_a_web_address_the_report_gets_no_file_link(
    prefect_harness, promise_file, tmp_path, monkeypatch
):
    from flows.tertial_report import tertial_report

    monkeypatch.delenv("LOFTE_OUT_URL", raising=False)
    state = tertial_report(
        promise=str(promise_file),
        inbox=str(build_inbox(tmp_path)),
        out=str(tmp_path / "ut"),
        period="2019-T3",
        return_state=True,
    )
    artifacts = _artifacts(state.state_details.flow_run_id)
    assert not [a for a in artifacts if a.type == "link"]
    assert not [a for a in artifacts if "file://" in (a.data or "")]


def test_inbox_flow_takes_up_new_files_one_task_each_and_refreshes_the_draft(
    prefect_harness, promise_file, tmp_path
):
    from flows.inbox import inbox_flow

    inbox = build_inbox(tmp_path)
    out, state_dir = tmp_path / "ut", tmp_path / "tillstand"
    run = inbox_flow(
        promise=str(promise_file),
        inbox=str(inbox),
        out=str(out),
        state=str(state_dir),
        settle_seconds=0,
        return_state=True,
    )
    # A bad file fails its own task; the run ends as "Fil avvisad", not as a clean success.
    assert run.is_failed() and run.name == "Fil avvisad"
    assert "kommunen/trasig.xlsx" in run.message
    result = run.result(raise_on_failure=False)
    by_file = {f["file"]: f for f in result["files"]}
    assert "inget kalkylark" in by_file["kommunen/trasig.xlsx"]["reason"]
    assert by_file["polisen/logg-2019.xlsx"]["rows_accepted"] == 6
    assert (
        out / "strangnas-2019" / "2019-T3" / "publicera" / "rapport.pdf"
    ).exists()  # the 2019 draft
    again = inbox_flow(
        promise=str(promise_file),
        inbox=str(inbox),
        out=str(out),
        state=str(state_dir),
        settle_seconds=0,
    )
    assert again == {"files": [], "report": None}  # nothing new: nothing parsed again


def test_missing_data_check_fails_naming_the_silent_source(prefect_harness, promise_file, tmp_path):
    from workbooks import HEADER, row, write_xlsx

    from flows.missing_data import missing_data_check

    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "polisen" / "logg.xlsx",
        {"Logg": [HEADER, row("2019-02-01", "Mopedinsats", "Härad")]},
    )
    (inbox / "kommunen").mkdir()
    state = missing_data_check(
        promise=str(promise_file), inbox=str(inbox), period="2019-T1", return_state=True
    )
    assert state.is_failed() and state.name == "Underlag saknas"
    assert state.message == "Underlag saknas för 2019-T1 från: kommunen"
    [artifact] = _artifacts(state.state_details.flow_run_id)
    assert "**Strängnäs kommun** (`INBOX/kommunen/`)" in artifact.data
    assert "2 maj 2019" in artifact.data  # 1 May is a public holiday: due the next working day
    complete = missing_data_check(
        promise=str(promise_file), inbox=str(inbox), period="2019-T2", return_state=True
    )
    assert complete.is_failed()  # nobody has sent anything dated in T2
    assert "polisen, kommunen" in complete.message
