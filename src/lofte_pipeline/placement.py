"""How a bundle is put in place on a shared folder: one writer per report, and readers that never
see a mix of two versions.

The same report may be asked for at once by the command line, a schedule and the inbox watch, on
one machine or on workers sharing the report folder, while people read from it. So a report is
built under an exclusive lock of its own, and a new bundle is written whole as a hidden version
folder and swapped in by one link rename. Nothing here knows what is in a bundle.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import fsio
from .errors import ReportBusyError
from .messages import message


@contextmanager
def report_lock(folder: Path, period_id: str, timeout: float) -> Iterator[None]:
    """An exclusive lock per report, held while it is read and written."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{period_id}.lock").open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ReportBusyError(
                        message("rapport.upptagen", report=f"{folder.name}/{period_id}")
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_bundle(folder: Path, files: dict[str, bytes]) -> None:
    """Put a bundle in place: written whole as a hidden version folder beside `folder`, which is
    a link swapped to it in one rename. Versions other than the new and the previous one (and
    leftovers of a killed run) are removed afterwards.

    When it cannot be put in place (a full disk, a denied folder) the new version is removed
    again, the bundle there stays, and the error names `folder`, not the hidden version."""
    version = folder.parent / f".{folder.name}.v-{secrets.token_hex(4)}"
    try:
        with fsio.naming(folder, inside=version):
            fsio.write_tree_atomically(version, files)
            previous = fsio.swap_link(folder, version.name)
    except BaseException:
        if not (folder.is_symlink() and os.readlink(folder) == version.name):
            shutil.rmtree(version, ignore_errors=True)
        raise
    for stale in folder.parent.glob(f".{folder.name}.*"):
        if stale.name in (version.name, previous):
            continue
        if stale.is_symlink() or stale.is_file():
            stale.unlink(missing_ok=True)
        else:
            shutil.rmtree(stale, ignore_errors=True)
