"""Reading a whole inbox: INBOX/<source>/... -> accepted rows, rejected rows, the fate of every file.

One way from a file to its rows (file_outcome): the cache, or else the isolated reader (read and
validate in a capped child), then frames named by the file's place in the inbox. Nothing is
silently skipped: a file outside a source folder, or in a folder that is not a source of the
promise, is reported as rejected with the reason.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from .archive import Archive, FileVersion, sha256_file
from .cache import ParseCache
from .errors import InboxError, UnreadableFileError
from .ingest import ReadLimits, is_ignored
from .isolation import IsolatedReader, check_file_here
from .layout import Rules, rules_for
from .messages import message
from .models import FileOutcome, Intake, SourceSummary
from .promise import Promise
from .rows import (
    ACCEPTED_SCHEMA,
    FINDING_SCHEMA,
    REJECTED_SCHEMA,
    FileValidation,
    Outcome,
    empty_frame,
)


def list_inbox(inbox: Path) -> list[Path]:
    """Every file under the inbox except lock and hidden files, in a stable order."""
    if not inbox.is_dir():
        raise InboxError(message("rapport.inkorg_saknas", inbox=inbox))
    files = []
    for path in inbox.rglob("*"):
        relative = path.relative_to(inbox)
        if any(part.startswith(".") for part in relative.parts) or is_ignored(path):
            continue
        if path.is_file():
            files.append(path)
    return sorted(files, key=lambda p: p.relative_to(inbox).as_posix())


def source_of(name: str) -> str:
    """The source folder of an inbox path ('polisen/logg.xlsx' -> 'polisen'; '' at the top)."""
    return name.split("/")[0] if "/" in name else ""


def check_file(
    path: Path,
    promise: Promise,
    source: str,
    name: str | None = None,
    limits: ReadLimits = ReadLimits(),
    reader: IsolatedReader | None = None,
) -> FileValidation:
    """Read and validate one file (in `reader`'s child when given); raises UnreadableFileError
    when it is unusable as a whole."""
    rules = rules_for(promise, source)
    shown = name or path.name
    checked = (
        reader.check(path, rules, limits, shown)
        if reader
        else check_file_here(path, rules, limits, shown)
    )
    return checked.frames(source, shown)


def file_outcome(
    data: Path,
    name: str,
    sha256: str,
    promise: Promise,
    limits: ReadLimits = ReadLimits(),
    cache: ParseCache | None = None,
    reader: IsolatedReader | None = None,
) -> tuple[FileOutcome, FileValidation | None]:
    """One dropped file's fate, read from `data` (its archived bytes) and reported as `name`."""
    source = source_of(name)
    outcome = FileOutcome(source=source, path=name, sha256=sha256)
    if "/" not in name:
        outcome.reason = message(
            "inlasning.utanfor_kallmapp", sources=", ".join(promise.source_ids)
        )
        return outcome, None
    if source not in promise.source_ids:
        outcome.reason = message(
            "inlasning.okand_kallmapp", folder=source, sources=", ".join(promise.source_ids)
        )
        return outcome, None
    checked = cache.get(sha256, source) if cache else None
    if checked is None:
        checked = _check(data, rules_for(promise, source), limits, name, reader)
        if cache:
            cache.put(sha256, source, checked)
    if isinstance(checked, str):
        outcome.reason = checked
        return outcome, None
    result = checked.frames(source, name)
    outcome.rows_accepted = len(result.accepted)
    outcome.rows_rejected = result.rows_rejected
    outcome.sheets_read = result.sheets_read
    return outcome, result


def _check(
    data: Path, rules: Rules, limits: ReadLimits, name: str, reader: IsolatedReader | None
) -> Outcome:
    try:
        if reader is not None:
            return reader.check(data, rules, limits, name)
        return check_file_here(data, rules, limits, name)
    except UnreadableFileError as exc:
        return exc.reason


def read_file(
    path: Path,
    inbox: Path,
    promise: Promise,
    limits: ReadLimits = ReadLimits(),
    cache: ParseCache | None = None,
) -> tuple[FileOutcome, FileValidation | None]:
    """A file read where it lies in the inbox (no archive), in the isolated reader."""
    with IsolatedReader() as reader:
        return file_outcome(
            path,
            path.relative_to(inbox).as_posix(),
            sha256_file(path),
            promise,
            limits,
            cache,
            reader,
        )


def read_inbox(
    inbox: Path,
    promise: Promise,
    limits: ReadLimits = ReadLimits(),
    cache: ParseCache | None = None,
    archive: Archive | None = None,
    isolate: bool = True,
) -> Intake:
    """Everything in the inbox; with an archive, every file is first kept there by content and
    the report is made from the archive's current versions (a file removed from the inbox is
    not lost: a corrected version dropped under the same name replaces it). `isolate=False`
    reads in this process: only for files the caller made itself."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InboxError(message("rapport.inkorg_saknas", inbox=inbox))
    entries: list[tuple[Path, str, str, FileVersion | None]]
    if archive is None:
        entries = [
            (path, path.relative_to(inbox).as_posix(), sha256_file(path), None)
            for path in list_inbox(inbox)
        ]
    else:
        for path in list_inbox(inbox):
            name = path.relative_to(inbox).as_posix()
            try:
                archive.register(path, name, source_of(name))
            except FileNotFoundError:
                continue  # removed between listing and copying; seen again if it returns
        entries = [
            (archive.blob_path(v.sha256), v.name, v.sha256, v) for v in archive.current_versions()
        ]
    outcomes: list[FileOutcome] = []
    results: list[FileValidation] = []
    with IsolatedReader() if isolate else nullcontext() as reader:
        for data, name, sha256, version in entries:
            outcome, result = file_outcome(data, name, sha256, promise, limits, cache, reader)
            if archive is not None and version is not None:
                _record(archive, version, outcome)
            outcomes.append(outcome)
            if result is not None:
                results.append(result)
    return assemble_intake(promise, outcomes, results)


def _record(archive: Archive, version: FileVersion, outcome: FileOutcome) -> None:
    if outcome.reason:
        archive.record_outcome(version.name, version.sha256, "rejected", outcome.reason)
        archive.quarantine(version, outcome.reason)
    else:
        archive.record_outcome(version.name, version.sha256, "accepted")


def assemble_intake(
    promise: Promise, outcomes: list[FileOutcome], results: list[FileValidation]
) -> Intake:
    """Combine per-file results (read here or by one task per file in a flow) into one intake."""
    sources = {s.id: SourceSummary(s.id, s.name) for s in promise.sources}
    for outcome in sorted(outcomes, key=lambda o: o.path):
        summary = sources.get(outcome.source)
        if summary is None:
            continue
        summary.files += 1
        summary.files_rejected += 0 if outcome.accepted else 1
        summary.rows_accepted += outcome.rows_accepted
        summary.rows_rejected += outcome.rows_rejected
    order = ["file", "sheet", "row"]
    parts = {}
    for part, schema, by in (
        ("accepted", ACCEPTED_SCHEMA, order),
        ("rejected", REJECTED_SCHEMA, [*order, "column"]),
        ("findings", FINDING_SCHEMA, [*order, "column"]),
    ):
        frames = [getattr(r, part) for r in results if not getattr(r, part).empty]
        combined = pd.concat(frames, ignore_index=True) if frames else empty_frame(schema)
        parts[part] = combined.sort_values(by, kind="stable").reset_index(drop=True)
    return Intake(
        accepted=parts["accepted"],
        rejected=parts["rejected"],
        files=sorted(outcomes, key=lambda o: o.path),
        sources=sources,
        findings=parts["findings"],
    )
