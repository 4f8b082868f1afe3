"""Publishing: only the public package, only after approval, versioned and never overwritten."""

from __future__ import annotations

import hashlib
import json
import threading
import time

import pytest
from inboxes import build_inbox

from lofte_pipeline.bundle import PUBLIC_FILES
from lofte_pipeline.cli import main
from lofte_pipeline.errors import LofteError, PublicationRefused
from lofte_pipeline.placement import Hold, current_hold, release_hold, version_folder
from lofte_pipeline.publish import publications, publish_package, publish_version
from lofte_pipeline.report import build_report


def test_approval_on_the_command_line_publishes_the_public_package(tmp_path, promise_file, capsys):
    inbox = build_inbox(tmp_path)
    args = [
        "report",
        "--promise",
        str(promise_file),
        "--inbox",
        str(inbox),
        "--out",
        str(tmp_path / "ut"),
        "--period",
        "2019-T2",
        "--final",
    ]
    assert main(args) == 0
    assert "inte publicerad" in capsys.readouterr().out
    assert (
        main([*args, "--approve", "Anna Andersson", "--publish-dir", str(tmp_path / "webb")]) == 0
    )
    destination = tmp_path / "webb" / "strangnas-2019" / "2019-T2"
    assert sorted(p.name for p in (destination / "aktuell").iterdir()) == sorted(PUBLIC_FILES)
    [entry] = publications(destination)
    assert (entry.version, entry.approved_by) == (1, "Anna Andersson")
    for name, sha in entry.files.items():
        assert hashlib.sha256((destination / "v1" / name).read_bytes()).hexdigest() == sha
    assert "aktiviteter.csv" not in entry.files  # row-level data is never published


def test_a_correction_gets_a_new_version_and_the_old_one_stays(tmp_path, promise_file):
    inbox = build_inbox(tmp_path)
    first = build_report(promise_file, inbox, tmp_path / "ut", "2019-T2", final=True)
    destination = tmp_path / "webb"
    publish_package(first.public, destination, "Anna")
    assert publish_package(first.public, destination, "Anna").version == 1  # same bytes again
    (inbox / "kommunen" / "trasig.xlsx").unlink()
    from workbooks import HEADER, row, write_xlsx

    write_xlsx(
        inbox / "kommunen" / "rattelse.xlsx",
        {"Logg": [HEADER, row("2019-06-10", "Riktad insats trimmade mopeder", "Härad")]},
    )
    corrected = build_report(promise_file, inbox, tmp_path / "ut", "2019-T2", final=True)
    with pytest.raises(LofteError, match="ändringsnotering"):
        publish_package(corrected.public, destination, "Anna")  # never silently overwritten
    entry = publish_package(
        corrected.public, destination, "Anna", change_note="En mopedinsats i juni saknades."
    )
    assert entry.version == 2
    assert [p.version for p in publications(destination)] == [1, 2]
    assert (destination / "v1" / "figures.json").read_bytes() != (
        destination / "v2" / "figures.json"
    ).read_bytes()
    assert (destination / "aktuell").resolve().name == "v2"


def test_a_corrected_publication_shows_its_change_note_in_the_report(tmp_path, promise_file):
    from io import BytesIO

    from pypdf import PdfReader
    from workbooks import HEADER, row, write_xlsx

    from lofte_pipeline.i18n import texts
    from lofte_pipeline.schedule import local_date

    inbox = build_inbox(tmp_path)
    web = tmp_path / "webb"
    args = [
        "report",
        "--promise",
        str(promise_file),
        "--inbox",
        str(inbox),
        "--out",
        str(tmp_path / "ut"),
        "--period",
        "2019-T2",
        "--final",
        "--approve",
        "Anna",
        "--publish-dir",
        str(web),
    ]
    assert main(args) == 0
    destination = web / "strangnas-2019" / "2019-T2"
    assert "Rättad" not in (destination / "v1" / "rapport.html").read_text(encoding="utf-8")
    write_xlsx(
        inbox / "kommunen" / "rattelse.xlsx",
        {"Logg": [HEADER, row("2019-06-10", "Riktad insats trimmade mopeder", "Härad")]},
    )
    assert main(args) == 2  # changed figures without a note: refused, v1 stays
    note = "En mopedinsats i juni saknades."
    assert main([*args, "--change-note", note]) == 0
    shown = f"Rättad {texts('sv').date(local_date(None))}:"
    html = (destination / "v2" / "rapport.html").read_text(encoding="utf-8")
    assert f"<strong>{shown}</strong> <span>{note}</span>" in html
    pdf = PdfReader(BytesIO((destination / "v2" / "rapport.pdf").read_bytes()))
    assert f"{shown} {note}" in " ".join(pdf.pages[0].extract_text().split())
    figures = json.loads((destination / "v2" / "figures.json").read_text(encoding="utf-8"))
    assert figures["corrections"] == [{"date": local_date(None).isoformat(), "note": note}]
    assert main([*args, "--change-note", note]) == 0  # the same correction again: no v3
    assert [p.version for p in publications(destination)] == [1, 2]
    assert "Rättad" not in (destination / "v1" / "rapport.html").read_text(encoding="utf-8")


def test_corrections_list_the_earlier_ones_and_never_a_first_publication(tmp_path):
    from datetime import date

    from lofte_pipeline.models import Correction
    from lofte_pipeline.publish import corrections_for

    assert corrections_for(tmp_path / "webb", "Rättat", date(2019, 9, 12)) == []
    current = tmp_path / "webb" / "aktuell"
    current.mkdir(parents=True)
    (current / "figures.json").write_text(
        json.dumps({"corrections": [{"date": "2019-09-12", "note": "En mopedinsats saknades."}]}),
        encoding="utf-8",
    )
    earlier = Correction(date(2019, 9, 12), "En mopedinsats saknades.")
    assert corrections_for(tmp_path / "webb", "", date(2019, 10, 1)) == [earlier]
    assert corrections_for(tmp_path / "webb", " En  mopedinsats saknades. ", date(2019, 10, 1)) == [
        earlier
    ]  # the same note is not repeated
    assert corrections_for(tmp_path / "webb", "Fel kommundel.", date(2019, 10, 1)) == [
        earlier,
        Correction(date(2019, 10, 1), "Fel kommundel."),
    ]


def test_a_change_note_needs_a_final_publication(tmp_path, promise_file, capsys):
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
                str(tmp_path / "ut"),
                "--period",
                "2019-T2",
                "--no-pdf",
                "--change-note",
                "Rättat",
            ]
        )
        == 2
    )
    assert "--final" in capsys.readouterr().err


def _wait_until_paused(flow_run_id, timeout=120):
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(flow_run_id)
            if run.state and run.state.is_paused():
                return run
            time.sleep(0.5)
    raise AssertionError("the final flow never paused for approval")


def _start_final_flow(tmp_path, promise_file, **kwargs):
    from flows.publication import final_publication

    inbox = build_inbox(tmp_path)
    states = {}
    flow_run_ids = []

    def run():
        states["final"] = final_publication(
            promise=str(promise_file),
            inbox=str(inbox),
            out=str(tmp_path / "ut"),
            publish_dir=str(tmp_path / "webb"),
            period="2019-T2",
            return_state=True,
            **kwargs,
        )

    thread = threading.Thread(target=run)
    thread.start()
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter

    deadline = time.monotonic() + 120
    with get_client(sync_client=True) as client:
        while not flow_run_ids and time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter())
            flow_run_ids = [r.id for r in runs if r.parameters.get("out") == str(tmp_path / "ut")]
            time.sleep(0.3)
    return thread, states, flow_run_ids[0]


@pytest.mark.slow
def test_the_final_flow_publishes_after_approval_given_through_the_api(
    prefect_harness, promise_file, tmp_path
):
    from prefect.flow_runs import resume_flow_run

    thread, states, flow_run_id = _start_final_flow(tmp_path, promise_file)
    _wait_until_paused(flow_run_id)
    assert not (tmp_path / "webb").exists()  # nothing public before approval
    resume_flow_run(
        flow_run_id, run_input={"godkann": True, "namn": "Anna Andersson", "kommentar": "Granskad"}
    )
    thread.join(timeout=120)
    assert states["final"].is_completed(), states["final"]
    destination = tmp_path / "webb" / "strangnas-2019" / "2019-T2"
    [entry] = publications(destination)
    assert entry.approved_by == "Anna Andersson"
    figures = json.loads((destination / "aktuell" / "figures.json").read_text(encoding="utf-8"))
    assert figures["draft"] is False


@pytest.mark.slow
def test_a_draft_refresh_during_the_wait_does_not_change_what_is_published(
    prefect_harness, promise_file, tmp_path
):
    """The January case: the final waits, a colleague drops a late file, the inbox flow refreshes
    the same period; approval publishes the version the approver was shown, not the draft."""
    from prefect.client.orchestration import get_client
    from prefect.flow_runs import resume_flow_run
    from pypdf import PdfReader

    from flows.inbox import inbox_flow

    thread, states, flow_run_id = _start_final_flow(tmp_path, promise_file)
    _wait_until_paused(flow_run_id)
    report = tmp_path / "ut" / "strangnas-2019" / "2019-T2"
    held = current_hold(report)
    assert held is not None and held.holder == str(flow_run_id)
    shown = {
        p.name: p.read_bytes()
        for p in (version_folder(report, held.version) / "publicera").iterdir()
    }
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    [form] = [a.data for a in artifacts if a.key == "granskning"]
    pdf_sha256 = hashlib.sha256(shown["rapport.pdf"]).hexdigest()
    assert held.version in form and pdf_sha256 in form  # the form says which version it is
    _add_file(tmp_path / "INBOX")
    refreshed = inbox_flow(
        promise=str(promise_file),
        inbox=str(tmp_path / "INBOX"),
        out=str(tmp_path / "ut"),
        settle_seconds=0,
        return_state=True,
    )
    assert refreshed.name == "Fil avvisad"  # build_inbox holds bad files too
    assert current_hold(report).version == held.version  # the link still shows the final
    resume_flow_run(flow_run_id, run_input={"godkann": True, "namn": "Anna Andersson"})
    thread.join(timeout=120)
    assert states["final"].is_completed(), states["final"]
    destination = tmp_path / "webb" / "strangnas-2019" / "2019-T2"
    published = {p.name: p.read_bytes() for p in (destination / "aktuell").iterdir()}
    assert published == shown
    assert json.loads(published["figures.json"])["draft"] is False
    text = "".join(
        page.extract_text() for page in PdfReader(destination / "aktuell" / "rapport.pdf").pages
    )
    assert "UTKAST" not in text
    [entry] = publications(destination)
    assert entry.bundle_version == held.version
    assert current_hold(report) is None  # released: the next refresh may build the draft


@pytest.mark.slow
def test_a_rejected_final_publishes_nothing_and_keeps_the_comment(
    prefect_harness, promise_file, tmp_path
):
    from prefect.flow_runs import resume_flow_run

    thread, states, flow_run_id = _start_final_flow(tmp_path, promise_file)
    _wait_until_paused(flow_run_id)
    resume_flow_run(
        flow_run_id,
        run_input={
            "godkann": False,
            "namn": "Bo Berg",
            "kommentar": "Trafikkontrollerna i Härad saknas",
        },
    )
    thread.join(timeout=120)
    assert not (tmp_path / "webb").exists()
    assert "Trafikkontrollerna i Härad saknas" in states["final"].message


@pytest.mark.slow
def test_an_approval_that_never_comes_times_out_into_a_clear_state(
    prefect_harness, promise_file, tmp_path
):
    thread, states, flow_run_id = _start_final_flow(
        tmp_path, promise_file, approval_timeout_hours=3 / 3600
    )
    thread.join(timeout=120)
    assert not thread.is_alive()  # no hung worker
    assert states["final"].is_failed()
    assert not (tmp_path / "webb").exists()
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    notes = [a.data for a in artifacts if a.key == "publicering"]
    assert notes and "Ingen granskning före" in notes[0]


def public_package(folder, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    figures = json.dumps({"draft": False, "text": text})
    (folder / "figures.json").write_text(figures, encoding="utf-8")
    (folder / "rapport.html").write_text(f"<p>{text}</p>", encoding="utf-8")
    return folder


def test_the_publication_and_its_record_are_readable_by_colleagues_on_the_share(tmp_path):
    import os

    destination = tmp_path / "webb" / "strangnas-2019" / "2019-T2"
    previous = os.umask(0o077)  # a strict umask must not make them private
    try:
        publish_package(public_package(tmp_path / "publicera", "{}"), destination, "Anna")
    finally:
        os.umask(previous)
    assert (destination / "publiceringar.json").stat().st_mode & 0o777 == 0o644
    assert (destination / "v1").stat().st_mode & 0o777 == 0o755
    for path in (destination / "v1").iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path.name


def test_a_publication_that_cannot_be_recorded_is_not_published(tmp_path, monkeypatch):
    import errno

    from lofte_pipeline import fsio

    destination = tmp_path / "webb"
    publish_package(public_package(tmp_path / "a", "1"), destination, "Anna")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(destination / "x.tmp"))

    with monkeypatch.context() as patched:
        patched.setattr(fsio, "write_atomic", disk_full)
        with pytest.raises(OSError):
            publish_package(public_package(tmp_path / "b", "2"), destination, "Anna", "Rättad.")
    assert (destination / "aktuell").resolve().name == "v1"
    assert sorted(p.name for p in destination.iterdir()) == ["aktuell", "publiceringar.json", "v1"]
    assert [p.version for p in publications(destination)] == [1]
    entry = publish_package(public_package(tmp_path / "b", "2"), destination, "Anna", "Rättad.")
    assert entry.version == 2  # as soon as there is room
    assert (destination / "aktuell").resolve().name == "v2"


# What is published is byte for byte the version that was built and read.


def _add_file(inbox, name="sen-rattelse.xlsx"):
    from workbooks import HEADER, row, write_xlsx

    write_xlsx(
        inbox / "polisen" / name, {"Logg": [HEADER, row("2019-06-10", "Mopedinsats", "Härad")]}
    )


def _publish_args(promise_file, tmp_path, *extra):
    return [
        "publish",
        "--promise",
        str(promise_file),
        "--out",
        str(tmp_path / "ut"),
        "--period",
        "2019-T2",
        "--approve",
        "Anna Andersson",
        "--publish-dir",
        str(tmp_path / "webb"),
        *extra,
    ]


def test_lofte_publish_publishes_the_final_that_was_built_and_refuses_a_draft(
    tmp_path, promise_file, capsys
):
    inbox = build_inbox(tmp_path)
    out = tmp_path / "ut"
    draft = build_report(promise_file, inbox, out, "2019-T2", pdf=False)
    assert main(_publish_args(promise_file, tmp_path)) == 2
    err = capsys.readouterr().err
    assert "utkast" in err.lower() and "Traceback" not in err
    assert main(_publish_args(promise_file, tmp_path, "--version", draft.version)) == 2
    assert not (tmp_path / "webb").exists()

    final = build_report(promise_file, inbox, out, "2019-T2", pdf=False, final=True)
    assert final.version and final.version != draft.version
    shown = {
        p.name: p.read_bytes()
        for p in (version_folder(final.folder, final.version) / "publicera").iterdir()
    }
    _add_file(inbox)  # a late file, then a draft built over the final: the link moves on
    later = build_report(promise_file, inbox, out, "2019-T2", pdf=False)
    assert later.version != final.version
    assert main(_publish_args(promise_file, tmp_path, "--version", final.version)) == 0
    assert final.version in capsys.readouterr().out
    destination = tmp_path / "webb" / "strangnas-2019" / "2019-T2"
    published = {p.name: p.read_bytes() for p in (destination / "aktuell").iterdir()}
    assert published == shown
    [entry] = publications(destination)
    assert entry.bundle_version == final.version
    record = json.loads((destination / "publiceringar.json").read_text(encoding="utf-8"))
    assert record["publiceringar"][0]["bundle_version"] == final.version


def test_an_unknown_or_changed_version_is_refused_with_exit_2(tmp_path, promise_file, capsys):
    inbox = build_inbox(tmp_path)
    final = build_report(promise_file, inbox, tmp_path / "ut", "2019-T2", pdf=False, final=True)
    assert main(_publish_args(promise_file, tmp_path, "--version", "v-00000000")) == 2
    assert "finns inte" in capsys.readouterr().err
    assert main(_publish_args(promise_file, tmp_path, "--version", "../../etc")) == 2
    page = version_folder(final.folder, final.version) / "publicera" / "rapport.html"
    page.chmod(0o644)
    page.write_text(page.read_text(encoding="utf-8") + "<!-- ändrad -->", encoding="utf-8")
    assert main(_publish_args(promise_file, tmp_path, "--version", final.version)) == 2
    assert "ändrats sedan den byggdes" in capsys.readouterr().err
    assert not (tmp_path / "webb").exists()


def test_every_publishing_path_refuses_a_draft(tmp_path, promise_file):
    inbox = build_inbox(tmp_path)
    draft = build_report(promise_file, inbox, tmp_path / "ut", "2019-T2", pdf=False)
    with pytest.raises(PublicationRefused):
        publish_package(draft.public, tmp_path / "webb", "Anna")
    with pytest.raises(PublicationRefused):
        publish_version(draft.folder, None, tmp_path / "webb", "Anna")
    no_figures = tmp_path / "paket"
    no_figures.mkdir()
    (no_figures / "rapport.html").write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(PublicationRefused):  # no figures.json saying it is final: a draft
        publish_package(no_figures, tmp_path / "webb", "Anna")
    assert not (tmp_path / "webb").exists()


def test_a_held_final_is_not_replaced_by_refreshes_until_released(tmp_path, promise_file):
    from datetime import UTC, datetime, timedelta

    inbox = build_inbox(tmp_path)
    out = tmp_path / "ut"
    until = datetime.now(UTC) + timedelta(hours=1)
    final = build_report(
        promise_file, inbox, out, "2019-T2", pdf=False, final=True, hold=Hold("körning-1", until)
    )
    assert final.held == Hold("körning-1", until, final.version)
    for attempt in range(3):  # more refreshes than old versions are kept
        _add_file(inbox, f"sen-{attempt}.xlsx")
        refresh = build_report(promise_file, inbox, out, "2019-T2", pdf=False)
        assert refresh.held is not None and refresh.held.holder == "körning-1"
        assert refresh.version == final.version and refresh.figures["draft"] is False
    assert version_folder(final.folder, final.version) is not None
    other = build_report(
        promise_file, inbox, out, "2019-T2", pdf=False, final=True, hold=Hold("körning-2", until)
    )
    assert other.held.holder == "körning-1"  # a second final waits its turn too
    release_hold(final.folder, "körning-2")  # only the holder releases
    assert current_hold(final.folder) is not None
    release_hold(final.folder, "körning-1")
    after = build_report(promise_file, inbox, out, "2019-T2", pdf=False)
    assert after.held is None and after.version != final.version
    assert after.figures["draft"] is True


def test_an_expired_hold_keeps_nothing(tmp_path, promise_file):
    from datetime import UTC, datetime, timedelta

    inbox = build_inbox(tmp_path)
    out = tmp_path / "ut"
    past = datetime.now(UTC) - timedelta(seconds=1)
    final = build_report(
        promise_file, inbox, out, "2019-T2", pdf=False, final=True, hold=Hold("körning-1", past)
    )
    assert current_hold(final.folder) is None
    refresh = build_report(promise_file, inbox, out, "2019-T2", pdf=False)
    assert refresh.held is None and refresh.figures["draft"] is True


def test_report_final_approve_publishes_the_version_it_built(tmp_path, promise_file, capsys):
    inbox = build_inbox(tmp_path)
    args = [
        "report",
        "--promise",
        str(promise_file),
        "--inbox",
        str(inbox),
        "--out",
        str(tmp_path / "ut"),
        "--period",
        "2019-T2",
        "--no-pdf",
        "--final",
        "--approve",
        "Anna Andersson",
        "--publish-dir",
        str(tmp_path / "webb"),
    ]
    assert main(args) == 0
    [entry] = publications(tmp_path / "webb" / "strangnas-2019" / "2019-T2")
    report = tmp_path / "ut" / "strangnas-2019" / "2019-T2"
    assert entry.bundle_version and version_folder(report, entry.bundle_version) is not None
