"""Reading a whole inbox: INBOX/<source>/... -> accepted rows, rejected rows, the fate of every file.

Nothing is silently skipped: a file outside a source folder, or in a folder that is not a source of
the promise, is reported as rejected with the reason.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from .archive import Archive, FileVersion, sha256_file
from .cache import ParseCache
from .errors import InboxError, UnreadableFileError
from .ingest import RawSheet, ReadLimits, is_ignored, read_sheets
from .isolation import IsolatedReader, ReaderPool, warm_readers
from .messages import message
from .models import FileOutcome, Intake, SourceSummary
from .promise import Promise
from .validate import (FINDING_COLUMNS, FileValidation, empty_accepted, empty_rejected,
                       validate_files, validate_sheets)


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


def check_file(path: Path, promise: Promise, source: str, name: str | None = None,
               limits: ReadLimits = ReadLimits(),
               reader: IsolatedReader | None = None) -> FileValidation:
    """Read and validate one file; raises UnreadableFileError when it is unusable as a whole."""
    sheets = reader.read(path, limits) if reader else read_sheets(path, limits)
    return validate_sheets(sheets, promise, source, name or path.name)


def source_of(name: str) -> str:
    """The source folder of an inbox path ('polisen/logg.xlsx' -> 'polisen'; '' at the top)."""
    return name.split("/")[0] if "/" in name else ""


def read_version(data: Path, name: str, sha256: str, promise: Promise,
                 limits: ReadLimits = ReadLimits(), cache: ParseCache | None = None,
                 parsed: FileValidation | str | None = None,
                 ) -> tuple[FileOutcome, FileValidation | None]:
    """One dropped file's fate, read from `data` (its archived bytes) and reported as `name`.

    With a cache, bytes already read under this promise are not parsed again. `parsed` is this
    file's validation (or why it is unusable) when a batch has already made it (parse_files).
    """
    source = source_of(name)
    outcome = FileOutcome(source=source, path=name, sha256=sha256)
    if "/" not in name:
        outcome.reason = message("inlasning.utanfor_kallmapp",
                                 sources=", ".join(promise.source_ids))
        return outcome, None
    if source not in promise.source_ids:
        outcome.reason = message("inlasning.okand_kallmapp", folder=source,
                                 sources=", ".join(promise.source_ids))
        return outcome, None
    cached = parsed if parsed is not None else cache.get(sha256, source, name) if cache else None
    if cached is None:
        cached = parse_files([(data, name)], promise, limits)[name]
        if cache:
            cache.put(sha256, source, cached)
    if isinstance(cached, str):
        outcome.reason = cached
        return outcome, None
    result = cached
    outcome.rows_accepted = len(result.accepted)
    outcome.rows_rejected = int(result.rejected[["sheet", "row"]].drop_duplicates().shape[0])
    outcome.sheets_read = result.sheets_read
    return outcome, result


def read_file(path: Path, inbox: Path, promise: Promise, limits: ReadLimits = ReadLimits(),
              cache: ParseCache | None = None) -> tuple[FileOutcome, FileValidation | None]:
    """A file read where it lies in the inbox (no archive)."""
    return read_version(path, path.relative_to(inbox).as_posix(), sha256_file(path), promise,
                        limits, cache)


def read_inbox(inbox: Path, promise: Promise, limits: ReadLimits = ReadLimits(),
               cache: ParseCache | None = None, archive: Archive | None = None,
               isolate: bool = True) -> Intake:
    """Everything in the inbox; with an archive, every file is first kept there by content and
    the report is made from the archive's current versions (a file removed from the inbox is
    not lost: a corrected version dropped under the same name replaces it)."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InboxError(message("rapport.inkorg_saknas", inbox=inbox))
    outcomes: list[FileOutcome] = []
    accepted: list[pd.DataFrame] = []
    rejected: list[pd.DataFrame] = []
    findings: list[pd.DataFrame] = []
    # The isolated readers start first: they boot while the files are hashed and archived.
    with warm_readers() if isolate else nullcontext() as readers:
        if archive is None:
            entries = [(path, path.relative_to(inbox).as_posix(), sha256_file(path), None)
                       for path in list_inbox(inbox)]
        else:
            for path in list_inbox(inbox):
                name = path.relative_to(inbox).as_posix()
                try:
                    archive.register(path, name, source_of(name))
                except FileNotFoundError:
                    continue  # removed between listing and copying; seen again if it returns
            entries = [(archive.blob_path(v.sha256), v.name, v.sha256, v)
                       for v in archive.current_versions()]
        parsed = parse_files([(data, name) for data, name, sha256, _ in entries
                              if _needs_parsing(name, sha256, promise, cache)],
                             promise, limits, readers)
    for data, name, sha256, version in entries:
        if name in parsed and cache:
            cache.put(sha256, source_of(name), parsed[name])
        outcome, result = read_version(data, name, sha256, promise, limits, cache,
                                       parsed=parsed.get(name))
        if version is not None:
            _record(archive, version, outcome)
        _collect(outcome, result, outcomes, accepted, rejected, findings)
    return assemble_intake(promise, outcomes, accepted, rejected, findings)


BATCH_ROWS = 200_000
"""Rows read before they are validated as one batch: few fixed costs, bounded memory."""


def parse_files(files: list[tuple[Path, str]], promise: Promise, limits: ReadLimits,
                readers: ReaderPool | None = None) -> dict[str, FileValidation | str]:
    """Read and validate (data, name) pairs: per name its validation or why it is unusable.

    Files are read by the isolated readers (or in this process without them) and validated in
    batches of about BATCH_ROWS rows (validate_files).
    """
    results: dict[str, FileValidation | str] = {}
    batch: list[tuple[list[RawSheet], str, str]] = []
    rows = 0
    read = (readers.read_all(files, limits) if readers else
            ((name, _read_here(data, limits, name)) for data, name in files))
    for name, sheets in read:
        if isinstance(sheets, UnreadableFileError):
            results[name] = sheets.reason
            continue
        batch.append((sheets, source_of(name), name))
        rows += sum(sheet.height for sheet in sheets)
        if rows >= BATCH_ROWS:
            _validate_batch(batch, promise, results)
            batch, rows = [], 0
    _validate_batch(batch, promise, results)
    return results


def _read_here(data: Path, limits: ReadLimits, name: str) -> list[RawSheet] | UnreadableFileError:
    try:
        return read_sheets(data, limits, display_name=name)
    except UnreadableFileError as exc:
        return exc


def _validate_batch(batch: list[tuple[list[RawSheet], str, str]], promise: Promise,
                    results: dict[str, FileValidation | str]) -> None:
    for (_, _, name), outcome in zip(batch, validate_files(batch, promise)):
        results[name] = outcome.reason if isinstance(outcome, UnreadableFileError) else outcome


def _needs_parsing(name: str, sha256: str, promise: Promise, cache: ParseCache | None) -> bool:
    source = source_of(name)
    return source in promise.source_ids and not (cache and cache.has(sha256, source))


def _record(archive: Archive, version: FileVersion, outcome: FileOutcome) -> None:
    if outcome.reason:
        archive.record_outcome(version.name, version.sha256, "rejected", outcome.reason)
        archive.quarantine(version, outcome.reason)
    else:
        archive.record_outcome(version.name, version.sha256, "accepted")


def _collect(outcome: FileOutcome, result: FileValidation | None, outcomes: list[FileOutcome],
             accepted: list[pd.DataFrame], rejected: list[pd.DataFrame],
             findings: list[pd.DataFrame]) -> None:
    outcomes.append(outcome)
    if result is not None:
        accepted.append(result.accepted)
        rejected.append(result.rejected)
        findings.append(result.findings)


def assemble_intake(promise: Promise, outcomes: list[FileOutcome], accepted: list[pd.DataFrame],
                    rejected: list[pd.DataFrame],
                    findings: list[pd.DataFrame] | None = None) -> Intake:
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
    accepted_rows = [f for f in accepted if not f.empty]
    rejected_rows = [f for f in rejected if not f.empty]
    all_accepted = (pd.concat(accepted_rows, ignore_index=True) if accepted_rows
                    else empty_accepted())
    all_rejected = (pd.concat(rejected_rows, ignore_index=True) if rejected_rows
                    else empty_rejected())
    order = ["file", "sheet", "row"]
    found = [f for f in (findings or []) if not f.empty]
    all_findings = (pd.concat(found, ignore_index=True).sort_values(order + ["column"],
                                                                     kind="stable")
                    if found else pd.DataFrame(columns=FINDING_COLUMNS))
    return Intake(
        accepted=all_accepted.sort_values(order, kind="stable").reset_index(drop=True),
        rejected=all_rejected.sort_values(order + ["column"], kind="stable").reset_index(drop=True),
        files=sorted(outcomes, key=lambda o: o.path),
        sources=sources,
        findings=all_findings.reset_index(drop=True),
    )
