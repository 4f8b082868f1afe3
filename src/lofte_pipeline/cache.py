"""Parsed files keyed on content: an unchanged file is never parsed twice.

The key is the file's sha256, its source, the promise file's hash and the program version, so a
changed vocabulary or a new release re-parses. Entries are written atomically.
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__
from .validate import FileValidation


class ParseCache:
    """With `deferred`, put() only queues an entry and flush() writes the queue: a report writes
    its cache while its PDF is laid out, not before."""

    def __init__(self, folder: Path, promise_sha256: str, deferred: bool = False) -> None:
        self.folder = Path(folder)
        self.promise_sha256 = promise_sha256
        self.deferred = deferred
        self._queued: dict[Path, FileValidation | str] = {}

    def _path(self, file_sha256: str, source: str) -> Path:
        key = hashlib.sha256(
            f"{file_sha256}|{source}|{self.promise_sha256}|{__version__}".encode()).hexdigest()
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, file_sha256: str, source: str, name: str) -> FileValidation | str | None:
        """The cached validation, or the reason the file was unreadable, or None if unseen."""
        path = self._path(file_sha256, source)
        if path in self._queued:
            result = copy.copy(self._queued[path])
        else:
            try:
                with path.open("rb") as handle:
                    result = pickle.load(handle)  # our own files, never staff input
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
                return None
        if isinstance(result, FileValidation):
            result.accepted = result.accepted.assign(file=name)
            result.rejected = result.rejected.assign(file=name)
            result.findings = result.findings.assign(file=name)
        return result

    def has(self, file_sha256: str, source: str) -> bool:
        path = self._path(file_sha256, source)
        return path in self._queued or path.exists()

    def put(self, file_sha256: str, source: str, result: FileValidation | str) -> None:
        path = self._path(file_sha256, source)
        if self.deferred:
            self._queued[path] = result
        else:
            self._write(path, result)

    def flush(self) -> None:
        while self._queued:
            path = next(iter(self._queued))
            self._write(path, self._queued.pop(path))

    @staticmethod
    def _write(path: Path, result: FileValidation | str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
