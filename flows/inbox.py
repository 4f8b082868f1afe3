"""The inbox flow: validate newly dropped files one task each, then refresh the draft report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Failed

from flows.common import only_io_errors, run_date
from flows.events import FILE_REJECTED, announce
from lofte_pipeline.archive import default_state_dir
from lofte_pipeline.cache import ParseCache
from lofte_pipeline.errors import UnreadableFileError
from lofte_pipeline.intake import read_file
from lofte_pipeline.messages import message
from lofte_pipeline.promise import load_promise, promise_hash
from lofte_pipeline.report import build_report
from lofte_pipeline.schedule import draft_period
from lofte_pipeline.summary import inbox_markdown
from lofte_pipeline.watch import InboxWatcher


@task(retries=2, retry_delay_seconds=5, retry_condition_fn=only_io_errors)
def find_ready_files(inbox: str, state: str, settle_seconds: float) -> list[str]:
    """New or changed files that have stopped changing (none still being copied)."""
    watcher = InboxWatcher(Path(inbox), Path(state) / "inkorg.json", settle_seconds)
    return [str(p) for p in watcher.poll()]


@task(retries=2, retry_delay_seconds=5, retry_condition_fn=only_io_errors)
def check_dropped_file(path: str, inbox: str, promise: str, state: str) -> dict[str, Any]:
    """Validate one dropped file; an unreadable file fails this task alone, with its reason."""
    loaded = load_promise(promise)
    cache = ParseCache(Path(state) / "cache", promise_hash(promise))
    outcome, _ = read_file(Path(path), Path(inbox), loaded, cache=cache)
    if outcome.reason:
        raise UnreadableFileError(f"{outcome.path}: {outcome.reason}")
    return {
        "file": outcome.path,
        "rows_accepted": outcome.rows_accepted,
        "rows_rejected": outcome.rows_rejected,
    }


@task
def mark_processed(paths: list[str], inbox: str, state: str) -> None:
    """Remember what was handled, so an unchanged file is not taken up again."""
    watcher = InboxWatcher(Path(inbox), Path(state) / "inkorg.json")
    watcher.mark_done([Path(p) for p in paths])


@task(retries=2, retry_delay_seconds=10, retry_condition_fn=only_io_errors)
def refresh_draft(promise: str, inbox: str, out: str, period: str, state: str) -> str:
    """Rebuild the current draft so it reflects the new files at once (not while the period's
    final waits for approval: that version stays as it was shown)."""
    result = build_report(promise, inbox, out, period, final=False, state_dir=state)
    if result.held is not None:
        print(message("flode.utkast_vantar", period=period, version=result.held.version))
    return str(result.folder)


@flow(name="inkorg", log_prints=True)
def inbox_flow(
    promise: str, inbox: str, out: str, state: str | None = None, settle_seconds: float = 10.0
) -> dict[str, Any]:
    """Take up newly dropped workbooks: validate each, then refresh the current draft report.

    Args:
        promise: Löftesfilen (YAML)
        inbox: Inkorgen med en mapp per källa: INBOX/<källa>/
        out: Mapp där rapporterna skrivs
        state: Mapp för pipelinens bokföring (standard: lofte-state bredvid inkorgen)
        settle_seconds: Så länge en fil ska ha varit oförändrad innan den läses
    """
    state = state or str(default_state_dir(Path(inbox)))
    ready = find_ready_files(inbox, state, settle_seconds)
    if not ready:
        print(message("flode.inga_nya_filer"))
        return {"files": [], "report": None}
    futures = [check_dropped_file.submit(path, inbox, promise, state) for path in ready]
    results = []
    for path, future in zip(ready, futures):
        future.wait()
        if future.state.is_completed():
            results.append({**future.result(), "reason": ""})
        else:
            reason = str(future.state.result(raise_on_failure=False))
            results.append(
                {
                    "file": Path(path).relative_to(inbox).as_posix(),
                    "rows_accepted": 0,
                    "rows_rejected": 0,
                    "reason": reason,
                }
            )
    mark_processed(ready, inbox, state)
    period = draft_period(load_promise(promise).periods, run_date()).id
    folder = refresh_draft(promise, inbox, out, period, state)
    create_markdown_artifact(
        inbox_markdown(results, folder), key="inkorg", description="Nya filer i inkorgen"
    )
    print(message("flode.nya_filer", count=len(results), folder=folder))
    rejected = [r for r in results if r["reason"]]
    if rejected:
        loaded = load_promise(promise)
        files = "\n".join(f"- {r['file']}: {r['reason']}" for r in rejected)
        announce(
            FILE_REJECTED,
            loaded.id,
            loaded.title,
            message(
                "flode.notis_avvisad_amne", municipality=loaded.municipality, count=len(rejected)
            ),
            message("flode.notis_avvisad_text", files=files),
            files=[r["file"] for r in rejected],
        )
        return Failed(
            message=message("flode.notis_avvisad_text", files=files),
            name=message("flode.fil_avvisad_namn"),
            data={"files": results, "report": folder},
        )
    return {"files": results, "report": folder}
