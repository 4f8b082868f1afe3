"""The archive beside the inbox: every dropped file kept by content, with a manifest of versions.

Nothing here deletes anything. Blobs are written to a temporary name, fsynced and renamed, and the
manifest is SQLite in WAL mode, so a process killed at any point leaves both consistent: a blob
either exists whole under its hash or not at all, and a manifest row only ever names a blob that
exists.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .fsio import TemporaryFile, copy_atomic, write_atomic
from .messages import message

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,      -- path relative to the inbox, '/'-separated
    source     TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    outcome    TEXT,               -- 'accepted' / 'rejected', once read
    reasons    TEXT,
    current    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (name, sha256)
);
CREATE INDEX IF NOT EXISTS current_versions ON versions (current, name);
"""


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


class Archive:
    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir)
        self.blobs = self.root / "arkiv"
        self.quarantine_dir = self.root / "karantan"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.root / "manifest.sqlite", timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256

    def store(self, path: Path) -> tuple[str, int]:
        """Copy the file in by content, hashing exactly the bytes that were copied."""
        digest = hashlib.sha256()
        staging = self.blobs / ".inkommande"
        staging.mkdir(exist_ok=True)
        size = 0
        with TemporaryFile(staging) as out, path.open("rb") as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            sha256 = digest.hexdigest()
            target = self.blob_path(sha256)
            if not target.exists():
                target.parent.mkdir(exist_ok=True)
                out.commit(target, mode=0o444)
        return sha256, size

    def register(self, path: Path, name: str, source: str) -> FileVersion:
        """Record a dropped file; the same bytes again change nothing, new bytes become current."""
        sha256, size = self.store(path)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction():
            row = self.db.execute(
                "SELECT current FROM versions WHERE name=? AND sha256=?", (name, sha256)
            ).fetchone()
            if row is None or not row[0]:
                self.db.execute("UPDATE versions SET current=0 WHERE name=? AND current=1", (name,))
                self.db.execute(
                    "INSERT INTO versions (name, source, sha256, size, first_seen, current) "
                    "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (name, sha256) DO UPDATE SET current=1",
                    (name, source, sha256, size, now),
                )
        return self.version(name, sha256)

    def record_outcome(self, name: str, sha256: str, outcome: str, reasons: str = "") -> None:
        with self._transaction():
            self.db.execute(
                "UPDATE versions SET outcome=?, reasons=? WHERE name=? AND sha256=?",
                (outcome, reasons, name, sha256),
            )

    def version(self, name: str, sha256: str) -> FileVersion:
        [found] = self._versions("name=? AND sha256=?", (name, sha256))
        return found

    def current_versions(self) -> list[FileVersion]:
        return self._versions("current=1 ORDER BY name")

    def history(self, name: str) -> list[FileVersion]:
        return self._versions("name=? ORDER BY seq", (name,))

    def _versions(self, where: str, parameters: tuple[str, ...] = ()) -> list[FileVersion]:
        rows = self.db.execute(
            "SELECT name, source, sha256, size, first_seen, outcome, reasons, current "
            f"FROM versions WHERE {where}",
            parameters,
        ).fetchall()
        return [
            FileVersion(name, source, sha256, size, first_seen, outcome, reasons, bool(current))
            for name, source, sha256, size, first_seen, outcome, reasons, current in rows
        ]

    def quarantine(self, version: FileVersion, reason: str) -> Path:
        """A copy of a rejected file with a plain Swedish note beside it on what to fix."""
        target = self.quarantine_dir / safe_relative_path(version.name)
        note = target.with_name(target.name + ".LÄS-MIG.txt")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or sha256_file(target) != version.sha256:
            copy_atomic(self.blob_path(version.sha256), target)
        text = message(
            "arkiv.karantan",
            name=version.name,
            reason=reason,
            source=version.source,
            sha256=version.sha256,
        )
        write_atomic(note, text.encode("utf-8"))
        return target

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def default_state_dir(inbox: Path) -> Path:
    """Pipeline bookkeeping lives beside the inbox, never inside it (staff see only their files):
    lofte-state/<inbox name>/, so inboxes side by side (one per promise) never share an archive."""
    inbox = Path(inbox).resolve()
    return inbox.parent / "lofte-state" / inbox.name


_UNSAFE = re.compile(r"[\x00-\x1f<>:\"\\|?*]")


def safe_relative_path(name: str) -> Path:
    """An inbox-relative name as a path that cannot leave the folder it is joined to."""
    parts = [_UNSAFE.sub("_", p)[:200] for p in name.split("/") if p not in ("", ".", "..")]
    return Path(*parts) if parts else Path("namnlos")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
