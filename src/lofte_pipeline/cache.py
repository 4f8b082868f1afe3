"""Checked files keyed on content: an unchanged file is never read twice by the same code.

The key is the file's sha256, its source, its name's extension (which says what staff meant the
file to be), the promise file's hash and a fingerprint of the code and templates that check files, so a changed vocabulary or any change to the program reads again.
Entries are JSON (rows.encode_outcome), never pickle: the cache folder sits on the shared folder
by default, and whatever is found there is data, checked before it is used. An unreadable or
foreign entry is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from .fsio import write_atomic
from .messages import templates_dir
from .rows import Outcome, decode_outcome, encode_outcome

MAX_ENTRY_BYTES = 512 * 1024**2


def tree_fingerprint(*roots: Path) -> str:
    """sha256 over every file below `roots` (name and bytes; compiled .pyc left out)."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
            digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The package's own files and its templates as this process loaded them: what made a
    cached result."""
    return tree_fingerprint(Path(__file__).resolve().parent, templates_dir())


class ParseCache:
    def __init__(self, folder: Path, promise_sha256: str, code: str | None = None) -> None:
        self.folder = Path(folder)
        self.promise_sha256 = promise_sha256
        self.code = code or code_fingerprint()

    def path(self, file_sha256: str, source: str, suffix: str = "") -> Path:
        key = hashlib.sha256(
            f"{file_sha256}|{source}|{suffix.lower()}|{self.promise_sha256}|{self.code}".encode()
        ).hexdigest()
        return self.folder / key[:2] / f"{key}.json"

    def get(self, file_sha256: str, source: str, suffix: str = "") -> Outcome | None:
        """The file's checked rows or why it is unusable; None when unseen (or the entry is
        not one of ours)."""
        try:
            with self.path(file_sha256, source, suffix).open("rb") as handle:
                data = handle.read(MAX_ENTRY_BYTES + 1)
            return decode_outcome(data) if len(data) <= MAX_ENTRY_BYTES else None
        except (OSError, ValueError):
            return None

    def put(self, file_sha256: str, source: str, outcome: Outcome, suffix: str = "") -> None:
        write_atomic(self.path(file_sha256, source, suffix), encode_outcome(outcome))
