"""Reading a whole inbox: INBOX/<source>/... -> accepted rows, rejected rows, the fate of every file.

One way from a file to its rows (file_outcome): the cache, or else the isolated reader (read and
validate in a capped child), then frames named by the file's place in the inbox. Nothing is
silently skipped: every entry of the inbox ends accepted or rejected with a Swedish reason, be it
a file outside a source folder, in a folder that is not a source of the promise, a link, a FIFO,
a folder that cannot be listed (inbox.py) or a file still being written (snapshot.py).
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path, PurePosixPath

import pandas as pd

from .archive import Archive, FileVersion
from .cache import ParseCache
from .errors import InboxError, ReaderUnavailable, UnreadableFileError
from .inbox import NOTES, entry_at, in_notes, leave_notes, list_entries, note_name, source_of
from .indicator_values import (
    INDICATOR_SHEET,
    is_indicator_file,
    no_values,
    read_indicator_file,
)
from .ingest import ReadLimits, too_large
from .isolation import IsolatedReader, check_file_here
from .layout import Rules, rules_for
from .messages import message
from .models import FileOutcome, Intake, SourceSummary
from .promise import Promise
from .rows import (
    ACCEPTED_SCHEMA,
    FINDING_SCHEMA,
    NARRATIVE_SCHEMA,
    REJECTED_SCHEMA,
    CheckedFile,
    FileValidation,
    Outcome,
    empty_frame,
)
from .snapshot import Item, not_read, settle, snapshots, still_writing, take_in

DEFAULT_SETTLE_SECONDS = 2.0
"""How long a changed file must have stayed unchanged before a run uses it (looked up at each
call, so a caller or a test can set it)."""


def list_inbox(inbox: Path) -> list[Path]:
    """Every regular file under the inbox that may be input (not lock, hidden or note files),
    in a stable order."""
    if not inbox.is_dir():
        raise InboxError(message("rapport.inkorg_saknas", inbox=inbox))
    return [
        inbox.joinpath(*e.parts) for e in list_entries(inbox) if e.is_file and not in_notes(e.name)
    ]


def check_file(
    path: Path,
    promise: Promise,
    source: str,
    name: str | None = None,
    limits: ReadLimits = ReadLimits(),
    reader: IsolatedReader | None = None,
) -> FileValidation:
    """Read and validate one file (in `reader`'s child when given); raises UnreadableFileError
    when it is unusable as a whole. Source `indikatorer` checks a file of indicator values."""
    shown = name or path.name
    if is_indicator_file(f"{source}/{shown}", promise):
        outcome = FileOutcome(source=source, path=f"{source}/{shown}", sha256="")
        checked = indicator_outcome(path, outcome, promise, limits)[1]
        if checked is None:
            raise UnreadableFileError(outcome.reason or "")
        return checked
    return _checked(path, rules_for(promise, source), limits, shown, reader).frames(source, shown)


def file_outcome(
    data: Path,
    name: str,
    sha256: str,
    promise: Promise,
    limits: ReadLimits = ReadLimits(),
    cache: ParseCache | None = None,
    reader: IsolatedReader | None = None,
) -> tuple[FileOutcome, FileValidation | None]:
    """One dropped file's fate, read from `data` (its archived bytes) and reported as `name`.
    A reader that failed (ReaderUnavailable) is no verdict: reported this run, never cached."""
    source = source_of(name)
    outcome = FileOutcome(source=source, path=name, sha256=sha256)
    if "/" not in name:
        outcome.reason = message(
            "inlasning.utanfor_kallmapp", sources=", ".join(promise.source_ids)
        )
        return outcome, None
    if is_indicator_file(name, promise):
        return indicator_outcome(data, outcome, promise, limits)
    if source not in promise.source_ids:
        outcome.reason = message(
            "inlasning.okand_kallmapp", folder=source, sources=", ".join(promise.source_ids)
        )
        return outcome, None
    suffix = PurePosixPath(name).suffix
    checked = cache.get(sha256, source, suffix) if cache else None
    if checked is None:
        try:
            checked = _check(data, rules_for(promise, source), limits, name, reader)
        except ReaderUnavailable as exc:
            outcome.reason, outcome.retry = exc.reason, True
            return outcome, None
        if cache:
            cache.put(sha256, source, checked, suffix)
    if isinstance(checked, str):
        outcome.reason = checked
        return outcome, None
    result = checked.frames(source, name)
    outcome.rows_accepted = len(result.accepted)
    outcome.rows_rejected = result.rows_rejected
    outcome.sheets_read = result.sheets_read
    return outcome, result


def indicator_outcome(
    data: Path, outcome: FileOutcome, promise: Promise, limits: ReadLimits
) -> tuple[FileOutcome, FileValidation | None]:
    """A file of indicator values: read as such, its bad rows rejected like a log's."""
    try:
        read = read_indicator_file(data, outcome.path, promise, limits)
    except UnreadableFileError as exc:
        outcome.reason = exc.reason
        return outcome, None
    outcome.rows_accepted = len(read.values)
    outcome.rows_rejected = int(read.rejected[["sheet", "row"]].drop_duplicates().shape[0])
    outcome.sheets_read = [INDICATOR_SHEET]
    result = FileValidation(
        accepted=empty_frame(ACCEPTED_SCHEMA),
        rejected=read.rejected,
        sheets_read=[INDICATOR_SHEET],
        sheets_skipped=[],
        findings=empty_frame(FINDING_SCHEMA),
        indicators=read.values,
    )
    return outcome, result


def _checked(
    data: Path, rules: Rules, limits: ReadLimits, name: str, reader: IsolatedReader | None
) -> CheckedFile:
    """The file read and validated in `reader`'s child, or here without one."""
    if reader is not None:
        return reader.check(data, rules, limits, name)
    return check_file_here(data, rules, limits, name)


def _check(
    data: Path, rules: Rules, limits: ReadLimits, name: str, reader: IsolatedReader | None
) -> Outcome:
    """The checked file or why it is unusable; a reader that failed is no answer (raised)."""
    try:
        return _checked(data, rules, limits, name, reader)
    except ReaderUnavailable:
        raise
    except UnreadableFileError as exc:
        return exc.reason


def read_file(
    path: Path,
    inbox: Path,
    promise: Promise,
    limits: ReadLimits = ReadLimits(),
    cache: ParseCache | None = None,
) -> tuple[FileOutcome, FileValidation | None]:
    """A file taken from the inbox as a report run takes it (no link followed, no archive),
    read in the isolated reader; a watcher has already seen it settle."""
    inbox = Path(inbox)
    entry = entry_at(inbox, Path(path))
    with tempfile.TemporaryDirectory(prefix="lofte-fil-") as staging:
        items, problems = snapshots(inbox, [entry] if entry.is_file else [], Path(staging), limits)
        if not entry.is_file or problems:
            return (problems or [not_read(entry.name, entry.reason or "")])[0], None
        with IsolatedReader() as reader:
            return _outcome(items[0], promise, limits, cache, reader)


def read_inbox(
    inbox: Path,
    promise: Promise,
    limits: ReadLimits = ReadLimits(),
    cache: ParseCache | None = None,
    archive: Archive | None = None,
    isolate: bool = True,
    *,
    settle_seconds: float | None = None,
) -> Intake:
    """Everything in the inbox; with an archive, every file is first kept there by content and
    the report is made from the archive's current versions (a file removed from the inbox is
    not lost: a corrected version dropped under the same name replaces it), and a note on each
    rejected entry is left in the shared folder (inbox.py). A file changed within the last
    `settle_seconds` (default DEFAULT_SETTLE_SECONDS) is looked at again after a wait, and one
    still being written is reported while its last settled version stays in use. Every entry
    ends accepted or rejected. `isolate=False` reads in this process: only for files the
    caller made itself."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InboxError(message("rapport.inkorg_saknas", inbox=inbox))
    seconds = DEFAULT_SETTLE_SECONDS if settle_seconds is None else settle_seconds
    listed = list_entries(inbox)
    files = [e for e in listed if e.is_file and not in_notes(e.name)]
    outcomes = [not_read(e.name, e.reason, folder=e.folder) for e in listed if e.reason]
    results: list[FileValidation] = []
    with ExitStack() as stack:
        if archive is None:
            staging = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lofte-")))
            ready, moving = settle(inbox, files, seconds)
            items, problems = snapshots(inbox, ready, staging, limits)
            problems += [still_writing(e) for e in moving]
        else:
            problems = take_in(archive, inbox, files, limits, seconds)
            items = [Item.of(archive, v) for v in archive.current_versions()]
        outcomes += problems
        reader = stack.enter_context(IsolatedReader()) if isolate else None
        for item in items:
            outcome, result = _outcome(item, promise, limits, cache, reader)
            if archive is not None and not outcome.retry:
                _record(archive, item.version, outcome)
            outcomes.append(outcome)
            if result is not None:
                results.append(result)
    if archive is not None:
        leave_notes(inbox, outcomes)
    noted = {note_name(o.path) for o in outcomes}
    outcomes += [
        not_read(e.name, message("inlasning.anteckningsmapp", folder=NOTES))
        for e in listed
        if e.is_file and in_notes(e.name) and e.name not in noted
    ]
    return assemble_intake(promise, outcomes, results)


def _outcome(
    item: Item,
    promise: Promise,
    limits: ReadLimits,
    cache: ParseCache | None,
    reader: IsolatedReader | None,
) -> tuple[FileOutcome, FileValidation | None]:
    if item.kept:
        return file_outcome(item.data, item.name, item.sha256, promise, limits, cache, reader)
    reason = too_large(item.size, limits)
    return FileOutcome(source_of(item.name), item.name, item.sha256, reason=reason), None


def _record(archive: Archive, version: FileVersion | None, outcome: FileOutcome) -> None:
    """The version's outcome in the manifest and, when rejected, the quarantine (once)."""
    if version is None:
        return
    state = "rejected" if outcome.reason else "accepted"
    if (version.outcome, version.reasons or "") == (state, outcome.reason or ""):
        return
    if outcome.reason:
        archive.quarantine(version, outcome.reason)
    archive.record_outcome(version.name, version.sha256, state, outcome.reason or "")


def assemble_intake(
    promise: Promise, outcomes: list[FileOutcome], results: list[FileValidation]
) -> Intake:
    """Combine per-file results (read here or by one task per file in a flow) into one intake."""
    sources = {s.id: SourceSummary(s.id, s.name) for s in promise.sources}
    accepted = {o.path for o in outcomes if o.accepted}
    counted: set[str] = set()
    for outcome in sorted(outcomes, key=lambda o: o.path):
        summary = sources.get(outcome.source)
        if summary is None:
            continue
        if outcome.path not in counted:  # a name reported twice: still being written, say,
            counted.add(outcome.path)  # while its last settled version is counted
            summary.files += 1
            summary.files_rejected += 0 if outcome.path in accepted else 1
        summary.rows_accepted += outcome.rows_accepted
        summary.rows_rejected += outcome.rows_rejected
    order = ["file", "sheet", "row"]
    parts = {}
    for part, schema, by in (
        ("accepted", ACCEPTED_SCHEMA, order),
        ("rejected", REJECTED_SCHEMA, [*order, "column"]),
        ("findings", FINDING_SCHEMA, [*order, "column"]),
        ("narratives", NARRATIVE_SCHEMA, ["target", "period", "source", *order]),
    ):
        frames = [getattr(r, part) for r in results if not getattr(r, part).empty]
        combined = pd.concat(frames, ignore_index=True) if frames else empty_frame(schema)
        parts[part] = combined.sort_values(by, kind="stable").reset_index(drop=True)
    values = [r.indicators for r in results if not r.indicators.empty]
    indicators = pd.concat(values, ignore_index=True) if values else no_values()
    return Intake(
        accepted=parts["accepted"],
        rejected=parts["rejected"],
        files=sorted(outcomes, key=lambda o: o.path),
        sources=sources,
        findings=parts["findings"],
        narratives=parts["narratives"],
        indicators=indicators,
    )
