"""The archive beside the inbox: every dropped file kept by content, with a manifest of versions.

Nothing here deletes anything. Blobs are written to a temporary name, fsynced and renamed, and the
manifest is SQLite in WAL mode (or the shared database, state.py), so a process killed at any point leaves both consistent: a blob
either exists whole under its hash or not at all, and a manifest row only ever names a blob that
exists, or says it was not kept (a file over the size limit is recorded by hash and size only).
The manifest keeps each version's size and modification time, so an unchanged file is neither
copied nor hashed again.

The archive and the quarantine are for the state folder's group and nobody else, whatever the
umask: folders 0750, blobs 0440, quarantine copies and notes 0640, in the folder's group.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from .fsio import TemporaryFile, copy_atomic, write_atomic
from .messages import message
from .state import SqliteManifest, open_manifest

FOLDER_MODE, BLOB_MODE, COPY_MODE = 0o750, 0o440, 0o640


@dataclass(frozen=True)
class FileVersion:
    name: str
    source: str
    sha256: str
    size: int
    first_seen: str
    outcome: str | None
    reasons: str | None
    current: bool
    mtime_ns: int | None = None
    kept: bool = True  # False: over the size limit, recorded by hash and size only


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Archive:
    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir)
        self.blobs = self.root / "arkiv"
        self.quarantine_dir = self.root / "karantan"
        self.root.mkdir(parents=True, exist_ok=True)
        self.gid = self.root.stat().st_gid
        if self.blobs.is_dir() and (self.blobs.stat().st_mode & 0o7777) != FOLDER_MODE:
            self._restrict_existing()
        self._folder(self.blobs)
        self.manifest = open_manifest(self.root)
        if isinstance(self.manifest, SqliteManifest):
            manifest = self.manifest.path
            for path in (
                manifest,
                *(manifest.with_name(manifest.name + e) for e in ("-wal", "-shm")),
            ):
                if path.exists():
                    self._share(path, COPY_MODE)

    def close(self) -> None:
        self.manifest.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256

    def store(
        self,
        source: Readable,
        keep: bool = True,
        before_commit: Callable[[int], None] = lambda size: None,
    ) -> tuple[str, int]:
        """Copy the file in by content, hashing exactly the bytes that were copied;
        `before_commit(size)` may still refuse the copy (the file changed meanwhile). Not `keep`:
        hashed only, nothing stored."""
        staging = self.blobs / ".inkommande"
        self._folder(staging)
        with TemporaryFile(staging) as out:
            sha256, size = copy_hashing(source, out.file if keep else None)
            before_commit(size)
            target = self.blob_path(sha256)
            if keep and not target.exists():
                self._folder(target.parent)
                out.commit(target, mode=BLOB_MODE)
                self._share(target)
        return sha256, size

    def register(
        self,
        source: Readable,
        name: str,
        source_id: str,
        mtime_ns: int | None = None,
        keep: bool = True,
        before_commit: Callable[[int], None] = lambda size: None,
    ) -> FileVersion:
        """Record a dropped file; the same bytes again change nothing (but the modification time
        is noted), new bytes become current."""
        sha256, size = self.store(source, keep, before_commit)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.manifest.register(name, source_id, sha256, size, now, mtime_ns, keep)
        return self.version(name, sha256)

    def record_outcome(self, name: str, sha256: str, outcome: str, reasons: str = "") -> None:
        self.manifest.record_outcome(name, sha256, outcome, reasons)

    def version(self, name: str, sha256: str) -> FileVersion:
        [found] = self._versions("name=? AND sha256=?", (name, sha256))
        return found

    def current_versions(self) -> list[FileVersion]:
        return self._versions("current=1")

    def history(self, name: str) -> list[FileVersion]:
        return self._versions("name=?", (name,), order="seq")

    def _versions(
        self, where: str, parameters: tuple[str, ...] = (), order: str = "name"
    ) -> list[FileVersion]:
        rows = self.manifest.versions(where, parameters, order)
        return [
            FileVersion(
                name, source, sha256, size, seen, outcome, reasons, bool(now), mtime, bool(kept)
            )
            for name, source, sha256, size, seen, outcome, reasons, now, mtime, kept in rows
        ]

    def quarantine(self, version: FileVersion, reason: str) -> Path:
        """A copy of a rejected file with a plain Swedish note beside it on what to fix (only
        the note for a file that was not kept)."""
        target = self.quarantine_dir / safe_relative_path(version.name)
        note = target.with_name(target.name + ".LÄS-MIG.txt")
        self._folder(self.quarantine_dir)
        for folder in reversed(target.relative_to(self.quarantine_dir).parents[:-1]):
            self._folder(self.quarantine_dir / folder)
        if version.kept and (not target.exists() or sha256_file(target) != version.sha256):
            copy_atomic(self.blob_path(version.sha256), target, mode=COPY_MODE)
            self._share(target)
        text = message(
            "arkiv.karantan",
            name=version.name,
            reason=reason,
            source=version.source,
            sha256=version.sha256,
        )
        write_atomic(note, text.encode("utf-8"), mode=COPY_MODE)
        self._share(note)
        return target

    def _folder(self, path: Path) -> None:
        """A folder of the archive: 0750 in the state folder's group, whatever the umask."""
        path.mkdir(mode=FOLDER_MODE, exist_ok=True)
        self._share(path, FOLDER_MODE)

    def _share(self, path: Path, mode: int | None = None) -> None:
        info = path.lstat()
        if mode is not None and info.st_mode & 0o7777 != mode:
            os.chmod(path, mode)
        if info.st_gid != self.gid:
            with contextlib.suppress(PermissionError):  # not one of the owner's groups
                os.chown(path, -1, self.gid, follow_symlinks=False)

    def _restrict_existing(self) -> None:
        """An archive from before the modes were set: its folders and files made private."""
        for top, file_mode in ((self.blobs, BLOB_MODE), (self.quarantine_dir, COPY_MODE)):
            for folder, _, files in os.walk(top):
                self._share(Path(folder), FOLDER_MODE)
                for name in files:
                    self._share(Path(folder) / name, file_mode)


def default_state_dir(inbox: Path) -> Path:
    """Pipeline bookkeeping lives beside the inbox, never inside it (staff see only their files):
    lofte-state/<inbox name>/, so inboxes side by side (one per promise) never share an archive."""
    inbox = Path(inbox).resolve()
    return inbox.parent / "lofte-state" / inbox.name


_UNSAFE = re.compile(r"[\x00-\x1f<>:\"\\|?*]")


def safe_relative_path(name: str) -> Path:
    """An inbox-relative name as a path that cannot leave the folder it is joined to, each part
    at most 200 bytes (room for a suffix within a file system's 255)."""
    parts = [
        _UNSAFE.sub("_", p).encode("utf-8", "replace")[:200].decode("utf-8", "ignore")
        for p in name.split("/")
        if p not in ("", ".", "..")
    ]
    return Path(*parts) if parts else Path("namnlos")


def copy_hashing(source: Readable, out: IO[bytes] | None) -> tuple[str, int]:
    """The sha256 and size of what was read from `source`, written to `out` as it was read."""
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: source.read(1 << 20), b""):
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return copy_hashing(handle, None)[0]
