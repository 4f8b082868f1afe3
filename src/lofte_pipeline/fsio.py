"""Writing so that a reader never sees half of anything, and a killed process leaves no half file.

A file is written under a temporary name in its own folder, fsynced, and given its name in one
rename (os.replace); a folder is written whole under a temporary name and renamed the same way; a
link is made under a temporary name and renamed over the old one. Every write of the pipeline
that others may read while it happens goes through here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Self


class CopyMismatchError(OSError):
    """A folder read back after writing was not what was written; nothing was put in place."""


class TemporaryFile:
    """A file under a temporary name in `folder`, written with `write`, given its real name with
    `commit`. Not committed (an error, or the file turned out not to be needed) it is removed
    when the `with` block ends."""

    def __init__(self, folder: Path) -> None:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        self.path = Path(name)
        self.file = os.fdopen(handle, "wb")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with suppress(OSError):  # closing flushes: on a full disk that fails again
            self.file.close()
        self.path.unlink(missing_ok=True)  # gone already when committed

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def commit(self, path: Path, mode: int = 0o644) -> None:
        """Flush and fsync, then rename onto `path` in one step (replacing what was there)."""
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.chmod(self.path, mode)
        os.replace(self.path, path)


@contextmanager
def naming(path: Path, inside: Path | None = None) -> Iterator[None]:
    """An OSError that names no file (a write on a full disk), or only a temporary one under
    `inside` (gone by the time anyone reads the message), names `path`: what was being written,
    so that whoever reads the message knows which disk or folder to see to."""
    try:
        yield
    except OSError as exc:
        name = None if exc.filename is None else os.fsdecode(exc.filename)
        if name is None or (inside is not None and name.startswith(str(inside))):
            exc.filename = str(path)
        raise


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """`path` holds `data` whole, or what it held before: never a part."""
    path = Path(path)
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with TemporaryFile(path.parent) as out:
            out.write(data)
            out.commit(path, mode)


def copy_atomic(source: Path, path: Path, mode: int = 0o644) -> None:
    """A copy of `source` at `path`, put in place whole."""
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with TemporaryFile(path.parent) as out, Path(source).open("rb") as data:
            shutil.copyfileobj(data, out.file, 1 << 20)
            out.commit(path, mode)


def write_tree_atomically(folder: Path, files: Mapping[str, bytes]) -> None:
    """`folder` made whole or not at all: `files` ('/'-separated relative names -> bytes) are
    written into a temporary folder beside it, fsynced and read back, and the folder then takes
    its name in one rename. A folder of that name with anything in it is never replaced (the
    rename fails); a read-back that differs raises CopyMismatchError and leaves nothing behind,
    and so does any other failure (a full disk, a denied folder)."""
    with naming(folder):
        folder.parent.mkdir(parents=True, exist_ok=True)
        # Hidden, and named after the folder, so leftovers of a killed run are easy to tell.
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name.lstrip('.')}.", dir=folder.parent))
    try:
        with naming(folder, inside=staging):
            for name, data in sorted(files.items()):
                path = staging / name
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("xb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(path, 0o644)
            if any((staging / name).read_bytes() != data for name, data in files.items()):
                raise CopyMismatchError(f"{folder}: the copy read back differs")
            os.chmod(staging, 0o755)
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    sync_folder(folder.parent)


def swap_link(link: Path, target: str) -> str | None:
    """Point `link` at `target` (a name in the same folder) in one rename, so a reader follows
    either the old target or the new one. Returns the old target's name.

    A folder in the link's place (written before it was a link) is first moved aside, to
    `.<name>.v-foregaende`, and that name is returned: nothing is deleted here. When the link
    cannot be made (a full disk, a denied folder) everything is left as it was."""
    parent = link.parent
    temporary = parent / f".{link.name}.lank-{os.getpid()}-{threading.get_native_id()}"
    temporary.unlink(missing_ok=True)
    try:
        os.symlink(target, temporary)
    except OSError as exc:  # it names `target` and the temporary link: name the link itself
        raise OSError(exc.errno, exc.strerror, str(link)) from exc
    moved = None
    try:
        previous = os.readlink(link) if link.is_symlink() else None
        if link.exists() and not link.is_symlink():
            moved = parent / f".{link.name}.v-foregaende"
            os.replace(link, moved)
            previous = moved.name
        os.replace(temporary, link)
    except BaseException:
        temporary.unlink(missing_ok=True)
        if moved is not None and not os.path.lexists(link):
            os.replace(moved, link)
        raise
    sync_folder(parent)
    return previous


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
