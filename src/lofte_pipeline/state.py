"""Where the state that runs share lives: the archive's manifest and the lock of each report.

On one machine (the default, and all `lofte serve` needs) the manifest is SQLite beside the inbox
and a report's lock is a file lock beside the reports. Workers on several machines sharing the
folders over SMB or NFS cannot rely on either, so with `LOFTE_DATABASE_URL` set to a PostgreSQL
URL both move into that database: the manifest is a table keyed by the state folder, writes to one
manifest are serialised by a transaction lock, and a report's lock is a session advisory lock
named by its promise and period, held on its own connection while the report is built.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from .errors import ReportBusyError, SharedStateUnavailable
from .messages import message

DATABASE_URL = "LOFTE_DATABASE_URL"
CONNECT_TIMEOUT = 10  # seconds: a database that does not answer is an error, not a hang

SQLITE_SCHEMA = """
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
# Added since: the file's modification time when it was copied, and whether its bytes were kept.
SQLITE_COLUMNS = {"mtime_ns": "INTEGER", "kept": "INTEGER NOT NULL DEFAULT 1"}

POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS lofte_versions (
    seq        BIGSERIAL PRIMARY KEY,
    store      TEXT NOT NULL,      -- the state folder this manifest belongs to
    name       TEXT NOT NULL,
    source     TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    first_seen TEXT NOT NULL,
    outcome    TEXT,
    reasons    TEXT,
    current    INTEGER NOT NULL DEFAULT 0,
    mtime_ns   BIGINT,
    kept       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (store, name, sha256)
);
CREATE INDEX IF NOT EXISTS lofte_current_versions ON lofte_versions (store, current, name)
"""
VERSION_COLUMNS = (
    "name, source, sha256, size, first_seen, outcome, reasons, current, mtime_ns, kept"
)
Row = tuple[Any, ...]


def database_url() -> str | None:
    """The PostgreSQL URL the workers share, or None for the one-machine default."""
    return os.environ.get(DATABASE_URL, "").strip() or None


def advisory_key(name: str) -> int:
    """A 64-bit lock id for a name; two names sharing one only wait for each other."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


class Manifest:
    """The archive's table of file versions, whichever database holds it."""

    table = "versions"
    placeholder = "?"
    greatest = "max"

    def __init__(self) -> None:
        self.scope: tuple[Any, ...] = ()

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _run(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        """`sql` for this database: its placeholders, its table, and this manifest's scope."""
        scoped = sql.replace("WHERE ", "WHERE store=? AND ") if self.scope else sql
        return scoped.replace("versions", self.table).replace("?", self.placeholder)

    def _query(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        return self._run(self._sql(sql), (*self.scope, *parameters))

    def register(
        self,
        name: str,
        source: str,
        sha256: str,
        size: int,
        seen: str,
        mtime_ns: int | None,
        keep: bool,
    ) -> None:
        """These bytes become the current version of `name` (the same bytes again: still are)."""
        with self.transaction():
            found = self._query(
                "SELECT current FROM versions WHERE name=? AND sha256=?", (name, sha256)
            )
            if not found or not found[0][0]:
                self._query("UPDATE versions SET current=0 WHERE name=? AND current=1", (name,))
            columns = (
                "store, " if self.scope else ""
            ) + "name, source, sha256, size, first_seen, current, mtime_ns, kept"
            values = ", ".join(["?"] * (len(self.scope) + 8))
            conflict = ("store, " if self.scope else "") + "name, sha256"
            self._run(
                self._sql(
                    f"INSERT INTO versions ({columns}) VALUES ({values}) "
                    f"ON CONFLICT ({conflict}) DO UPDATE SET current=1, "
                    f"mtime_ns=excluded.mtime_ns, kept={self.greatest}(versions.kept, excluded.kept)"
                ),
                (*self.scope, name, source, sha256, size, seen, 1, mtime_ns, int(keep)),
            )

    def record_outcome(self, name: str, sha256: str, outcome: str, reasons: str) -> None:
        with self.transaction():  # the scope's placeholder comes right after WHERE
            self._run(
                self._sql("UPDATE versions SET outcome=?, reasons=? WHERE name=? AND sha256=?"),
                (outcome, reasons, *self.scope, name, sha256),
            )

    def versions(
        self, where: str, parameters: Sequence[Any] = (), order: str = "name"
    ) -> list[Row]:
        return self._query(
            f"SELECT {VERSION_COLUMNS} FROM versions WHERE {where} ORDER BY {order}", parameters
        )


class SqliteManifest(Manifest):
    """manifest.sqlite in the state folder, in WAL mode: one machine's processes share it."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SQLITE_SCHEMA)
        with self.transaction():
            have = {row[1] for row in self.db.execute("PRAGMA table_info(versions)")}
            for column, kind in SQLITE_COLUMNS.items():
                if column not in have:
                    self.db.execute(f"ALTER TABLE versions ADD COLUMN {column} {kind}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _run(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        return self.db.execute(sql, tuple(parameters)).fetchall()

    def close(self) -> None:
        self.db.close()


class PostgresManifest(Manifest):
    """The manifests of every state folder in one PostgreSQL table, for workers on many machines."""

    table = "lofte_versions"
    placeholder = "%s"
    greatest = "GREATEST"

    def __init__(self, url: str, store: str) -> None:
        super().__init__()
        self.scope = (store,)
        self.lock_id = advisory_key(f"manifest:{store}")
        self.db = connect(url)
        with self.db.transaction():  # two workers creating the table at once: one after the other
            self.db.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("lofte-schema"),))
            for statement in POSTGRES_SCHEMA.split(";"):
                self.db.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Like SQLite's BEGIN IMMEDIATE: one writer per manifest at a time."""
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_id,))
            yield

    def _run(self, sql: str, parameters: Sequence[Any] = ()) -> list[Row]:
        import psycopg

        try:
            cursor = self.db.execute(sql, tuple(parameters))
        except psycopg.OperationalError as exc:  # the connection went away mid-run
            raise unavailable(exc) from exc
        return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        self.db.close()


def connect(url: str) -> Any:
    """An autocommit connection to the shared database, or SharedStateUnavailable."""
    try:
        import psycopg
    except ImportError as exc:
        raise SharedStateUnavailable(
            message("tillstand.drivrutin_saknas", variable=DATABASE_URL)
        ) from exc
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        raise unavailable(exc) from exc


def unavailable(exc: BaseException) -> SharedStateUnavailable:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return SharedStateUnavailable(
        message("tillstand.databas_svarar_inte", variable=DATABASE_URL, reason=reason)
    )


def open_manifest(state_dir: Path) -> Manifest:
    """The manifest of the archive in `state_dir`: in the shared database when one is set."""
    url = database_url()
    if url is None:
        return SqliteManifest(state_dir / "manifest.sqlite")
    return PostgresManifest(url, str(state_dir.resolve()))


@contextmanager
def report_lock(out: Path, promise_id: str, period_id: str, timeout: float) -> Iterator[None]:
    """An exclusive lock per report, held while it is read and written; across machines when
    the state is in a shared database."""
    url = database_url()
    if url is None:
        from .placement import file_lock

        with file_lock(out / ".lofte-lock" / promise_id, period_id, timeout):
            yield
        return
    with _advisory_lock(
        url, f"report:{promise_id}/{period_id}", timeout, f"{promise_id}/{period_id}"
    ):
        yield


@contextmanager
def _advisory_lock(url: str, name: str, timeout: float, report: str) -> Iterator[None]:
    db = connect(url)
    key = advisory_key(name)
    try:
        deadline = time.monotonic() + timeout
        while not db.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise ReportBusyError(message("rapport.upptagen", report=report))
            time.sleep(0.2)
        try:
            yield
        finally:
            db.execute("SELECT pg_advisory_unlock(%s)", (key,))
    finally:
        db.close()
