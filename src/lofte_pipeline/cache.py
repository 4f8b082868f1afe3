"""Parsed files keyed on content: an unchanged file is never parsed twice.

The key is the file's sha256, its source, the promise file's hash and the program version, so a
changed vocabulary or a new release re-parses. Entries are written atomically.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__
from .validate import FileValidation


class ParseCache:
    def __init__(self, folder: Path, promise_sha256: str) -> None:
        self.folder = Path(folder)
        self.promise_sha256 = promise_sha256

    def _path(self, file_sha256: str, source: str) -> Path:
        key = hashlib.sha256(
            f"{file_sha256}|{source}|{self.promise_sha256}|{__version__}".encode()).hexdigest()
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, file_sha256: str, source: str, name: str) -> FileValidation | str | None:
        """The cached validation, or the reason the file was unreadable, or None if unseen."""
        path = self._path(file_sha256, source)
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
        return self._path(file_sha256, source).exists()

    def put(self, file_sha256: str, source: str, result: FileValidation | str) -> None:
        path = self._path(file_sha256, source)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
