"""Noticing dropped files by polling: shared folders (SMB/NFS) seldom deliver change events.

A file is ready once it has not been modified for `settle_seconds`: a copy in progress keeps
touching the file, so a file still being copied is never read half-written. What was handled is
recorded by size and modification time; the content hash then decides whether it is parsed again.
Only regular files count (intake.list_inbox): links, FIFOs and the notes in AVVISAT/ never start
a run, and a link is never followed to look at what it points to.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .fsio import write_atomic
from .intake import list_inbox


@dataclass(frozen=True)
class Observation:
    size: int
    mtime_ns: int


class InboxWatcher:
    """Which files in the inbox are new or changed since they were last handled, and settled."""

    def __init__(self, inbox: Path, state_file: Path, settle_seconds: float = 10.0) -> None:
        self.inbox = Path(inbox)
        self.state_file = Path(state_file)
        self.settle_seconds = settle_seconds
        self.processed: dict[str, Observation] = self._load()

    def _load(self) -> dict[str, Observation]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {path: Observation(*values) for path, values in data.items()}

    def observe(self, now: float | None = None) -> tuple[list[Path], list[Path]]:
        """(ready, still settling): new or changed files, split by whether they have settled."""
        now = time.time() if now is None else now
        self.processed = self._load()
        ready, settling = [], []
        for path in list_inbox(self.inbox):
            key = path.relative_to(self.inbox).as_posix()
            try:
                stat = os.lstat(path)
            except FileNotFoundError:
                continue  # removed between listing and looking
            if self.processed.get(key) == Observation(stat.st_size, stat.st_mtime_ns):
                continue
            if now - stat.st_mtime_ns / 1e9 >= self.settle_seconds:
                ready.append(path)
            else:
                settling.append(path)
        return ready, settling

    def poll(self, now: float | None = None) -> list[Path]:
        return self.observe(now)[0]

    def mark_done(self, paths: list[Path]) -> None:
        self.processed = self._load()
        for path in paths:
            key = path.relative_to(self.inbox).as_posix()
            try:
                stat = os.lstat(path)
            except FileNotFoundError:
                continue
            self.processed[key] = Observation(stat.st_size, stat.st_mtime_ns)
        self._save()

    def _save(self) -> None:
        data = {k: [v.size, v.mtime_ns] for k, v in sorted(self.processed.items())}
        write_atomic(self.state_file, json.dumps(data, indent=1).encode("utf-8"))
