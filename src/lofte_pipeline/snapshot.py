"""A listed inbox file taken as it is once it has stopped changing, and only it.

The file is reached folder by folder from the inbox with O_NOFOLLOW and opened with
O_NOFOLLOW | O_NONBLOCK (a FIFO put in its place cannot block a run); it is read only when fstat
says it is a regular file of the size and modification time that were listed, and the bytes
hashed and copied are exactly those read from that descriptor. A file changed within the settle
interval is looked at again after one short wait; one that changed meanwhile, or while it was
being copied, is "still being written": not used this run, while its last settled version stays
in use. With an archive, a file whose size and modification time match its current version is
neither copied nor hashed again; a file over the size limit is hashed but not kept.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from .archive import Archive, FileVersion, copy_hashing
from .inbox import Entry, kind_reason, os_reason, source_of
from .ingest import ReadLimits
from .messages import message
from .models import FileOutcome

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class EntryProblem(Exception):
    """A listed file that is not taken this run. `retry`: the reason is about this moment
    (still being written, gone), not about the file, so no note is left for it."""

    def __init__(self, reason: str, retry: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def problem(exc: OSError) -> EntryProblem:
    return EntryProblem(os_reason(exc), retry=exc.errno == errno.ENOENT)


class OpenedFile:
    """A listed regular file, opened without following any link; reading it fails only as
    EntryProblem, and `check` after copying refuses a file that changed meanwhile."""

    def __init__(self, inbox: Path, entry: Entry) -> None:
        self.entry = entry
        self.handle = open_file(inbox, entry)
        self.file = os.fdopen(self.handle, "rb")

    def __enter__(self) -> OpenedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def read(self, size: int = -1) -> bytes:
        try:
            return self.file.read(size)
        except OSError as exc:
            raise problem(exc) from None

    def check(self, copied: int) -> None:
        """The file is still what was listed, and every byte of it was copied."""
        info = os.fstat(self.handle)
        entry = self.entry
        if (info.st_size, info.st_mtime_ns, copied) != (entry.size, entry.mtime_ns, entry.size):
            raise EntryProblem(message("inlasning.skrivs_fortfarande"), retry=True)


def open_file(inbox: Path, entry: Entry) -> int:
    """A descriptor of the entry's file, reached folder by folder without following any link;
    EntryProblem when it is no longer the regular file that was listed."""
    try:
        folder = os.open(inbox, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for part in entry.parts[:-1]:
                inner = os.open(part, _FOLDER, dir_fd=folder)
                os.close(folder)
                folder = inner
            handle = os.open(entry.parts[-1], _FILE, dir_fd=folder)
        finally:
            os.close(folder)
    except OSError as exc:
        raise problem(exc) from None
    info = os.fstat(handle)
    if not stat.S_ISREG(info.st_mode):
        os.close(handle)
        raise EntryProblem(kind_reason(info.st_mode))
    if (info.st_size, info.st_mtime_ns) != (entry.size, entry.mtime_ns):
        os.close(handle)
        raise EntryProblem(message("inlasning.skrivs_fortfarande"), retry=True)
    return handle


def settle(
    inbox: Path, entries: list[Entry], seconds: float, now: float | None = None
) -> tuple[list[Entry], list[Entry]]:
    """(settled, still being written). A file whose modification time is older than `seconds`
    is settled; the others are looked at again once they would be (one wait for all, at most
    `seconds`), and are settled if neither size nor modification time changed meanwhile."""
    now = time.time() if now is None else now
    young = [e for e in entries if now - e.mtime_ns / 1e9 < seconds]
    if not young:
        return entries, []
    time.sleep(min(seconds, max(seconds - (now - e.mtime_ns / 1e9) for e in young)))
    moving = set()
    for entry in young:
        try:
            info = os.lstat(inbox.joinpath(*entry.parts))
        except OSError:
            continue  # opening it tells what became of it
        if (info.st_size, info.st_mtime_ns) != (entry.size, entry.mtime_ns):
            moving.add(entry.parts)
    return [e for e in entries if e.parts not in moving], [e for e in entries if e.parts in moving]


@dataclass(frozen=True)
class Item:
    """A file's bytes to read (an archived blob or a snapshot), and the name it is reported by."""

    data: Path
    name: str
    sha256: str
    size: int
    kept: bool = True  # False: over the size limit, hashed only
    version: FileVersion | None = None

    @classmethod
    def of(cls, archive: Archive, version: FileVersion) -> Item:
        data = archive.blob_path(version.sha256)
        return cls(data, version.name, version.sha256, version.size, version.kept, version)


def take_in(
    archive: Archive, inbox: Path, files: list[Entry], limits: ReadLimits, seconds: float
) -> list[FileOutcome]:
    """Each changed file copied into the archive once it has settled; what could not be taken,
    as outcomes of this run."""
    current = {v.name: v for v in archive.current_versions()}
    changed = [e for e in files if not _unchanged(current.get(e.name), e, limits)]
    ready, moving = settle(inbox, changed, seconds)
    problems = [still_writing(e) for e in moving]
    for entry in ready:
        try:
            with OpenedFile(inbox, entry) as source:
                keep = entry.size <= limits.max_file_bytes
                archive.register(
                    source, entry.name, source_of(entry.name), entry.mtime_ns, keep, source.check
                )
        except EntryProblem as exc:
            problems.append(not_read(entry.name, exc.reason, retry=exc.retry))
    return problems


def _unchanged(version: FileVersion | None, entry: Entry, limits: ReadLimits) -> bool:
    return (
        version is not None
        and (version.size, version.mtime_ns) == (entry.size, entry.mtime_ns)
        and (version.kept or entry.size > limits.max_file_bytes)
    )


def snapshots(
    inbox: Path, files: list[Entry], staging: Path, limits: ReadLimits
) -> tuple[list[Item], list[FileOutcome]]:
    """Without an archive: each (settled) file copied once into `staging`, so only those bytes
    are read."""
    items, problems = [], []
    for number, entry in enumerate(files):
        data = staging / str(number)
        keep = entry.size <= limits.max_file_bytes
        try:
            with OpenedFile(inbox, entry) as source, data.open("wb") as out:
                sha256, size = copy_hashing(source, out if keep else None)
                source.check(size)
        except EntryProblem as exc:
            problems.append(not_read(entry.name, exc.reason, retry=exc.retry))
            continue
        items.append(Item(data, entry.name, sha256, size, keep))
    return items, problems


def not_read(name: str, reason: str, retry: bool = False, folder: bool = False) -> FileOutcome:
    """An inbox entry that was not read this run; a folder at the top is its own source."""
    source = name if folder and "/" not in name else source_of(name)
    return FileOutcome(source=source, path=name, sha256="", reason=reason, retry=retry)


def still_writing(entry: Entry) -> FileOutcome:
    return not_read(entry.name, message("inlasning.skrivs_fortfarande"), retry=True)
