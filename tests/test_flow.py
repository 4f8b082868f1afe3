"""The Prefect flow runs for real and writes exactly what the command line writes."""

from __future__ import annotations

import pytest

from inboxes import build_inbox
from lofte_pipeline.cli import main
from lofte_pipeline.report import OUTPUT_FILES

pytestmark = pytest.mark.slow


def test_flow_and_command_line_write_identical_reports(prefect_harness, promise_file, tmp_path):
    from flows.tertial_report import tertial_report

    inbox = build_inbox(tmp_path)
    assert main(["report", "--promise", str(promise_file), "--inbox", str(inbox),
                 "--out", str(tmp_path / "cli"), "--period", "2019-T2"]) == 0
    state = tertial_report(promise=str(promise_file), inbox=str(inbox),
                           out=str(tmp_path / "flow"), period="2019-T2", return_state=True)
    assert state.is_completed()
    report = state.result()
    cli_folder = tmp_path / "cli" / "strangnas-2019" / "2019-T2"
    flow_folder = tmp_path / "flow" / "strangnas-2019" / "2019-T2"
    assert report["folder"] == str(flow_folder)
    for name in OUTPUT_FILES:
        assert (cli_folder / name).read_bytes() == (flow_folder / name).read_bytes(), name


def test_a_validation_error_fails_the_flow_without_retries(prefect_harness, promise_file,
                                                           tmp_path):
    from flows.tertial_report import tertial_report

    state = tertial_report(promise=str(promise_file), inbox=str(tmp_path / "saknas"),
                           out=str(tmp_path / "ut"), period="2019-T1", return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match="Inkorgen"):
        state.result()
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
    assert [(r.name.rsplit("-", 1)[0], r.run_count) for r in runs] == [("build_tertial_report", 1)]


def test_flow_parameters_are_described_for_the_ui_form():
    from prefect.utilities.callables import parameter_schema

    from flows.tertial_report import tertial_report

    schema = parameter_schema(tertial_report).model_dump()
    assert schema["required"] == ["promise", "inbox", "out", "period"]
    assert all(p.get("description") for p in schema["properties"].values())
