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
from .ingest import ReadLimits, is_ignored, read_sheets
from .isolation import IsolatedReader
from .messages import message
from .models import FileOutcome, Intake, SourceSummary
from .promise import Promise
from .validate import (FINDING_COLUMNS, FileValidation, empty_accepted, empty_rejected,
                       validate_sheets)


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
                 reader: IsolatedReader | None = None, then: tuple[Path, str] | None = None,
                 ) -> tuple[FileOutcome, FileValidation | None]:
    """One dropped file's fate, read from `data` (its archived bytes) and reported as `name`.

    With a cache, bytes already read under this promise are not parsed again. `then` (path,
    name) is the next file to parse: the isolated reader reads it while this one is validated.
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
    cached = cache.get(sha256, source, name) if cache else None
    if cached is None:
        try:
            sheets = (reader.read(data, limits, display_name=name, then=then) if reader
                      else read_sheets(data, limits, display_name=name))
            cached = validate_sheets(sheets, promise, source, name)
        except UnreadableFileError as exc:
            cached = exc.reason
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
    if archive is None:
        for path in list_inbox(inbox):
            outcome, result = read_file(path, inbox, promise, limits, cache)
            _collect(outcome, result, outcomes, accepted, rejected, findings)
        return assemble_intake(promise, outcomes, accepted, rejected, findings)
    for path in list_inbox(inbox):
        name = path.relative_to(inbox).as_posix()
        try:
            archive.register(path, name, source_of(name))
        except FileNotFoundError:
            continue  # removed between listing and copying; it will be seen if it returns
    with IsolatedReader() if isolate else nullcontext() as reader:
        versions = archive.current_versions()
        to_parse = [v for v in versions if _needs_parsing(v, promise, cache)]
        following = {a.name: (archive.blob_path(b.sha256), b.name)
                     for a, b in zip(to_parse, to_parse[1:])}
        for version in versions:
            _read_current(archive, version, promise, limits, cache, reader,
                          (outcomes, accepted, rejected, findings), following.get(version.name))
    return assemble_intake(promise, outcomes, accepted, rejected, findings)


def _needs_parsing(version: FileVersion, promise: Promise, cache: ParseCache | None) -> bool:
    source = source_of(version.name)
    return source in promise.source_ids and not (cache and cache.has(version.sha256, source))


def _read_current(archive: Archive, version: FileVersion, promise: Promise, limits: ReadLimits,
                  cache: ParseCache | None, reader: IsolatedReader | None,
                  into: tuple[list, list, list, list],
                  then: tuple[Path, str] | None = None) -> None:
    outcome, result = read_version(archive.blob_path(version.sha256), version.name,
                                   version.sha256, promise, limits, cache, reader, then)
    if outcome.reason:
        archive.record_outcome(version.name, version.sha256, "rejected", outcome.reason)
        archive.quarantine(version, outcome.reason)
    else:
        archive.record_outcome(version.name, version.sha256, "accepted")
    _collect(outcome, result, *into)


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
