"""How a bundle is put in place on a shared folder: one writer per report, and readers that never
see a mix of two versions.

The same report may be asked for at once by the command line, a schedule and the inbox watch, on
one machine or on workers sharing the report folder, while people read from it. So a report is
built under an exclusive lock of its own, and a new bundle is written whole as a hidden version
folder and swapped in by one link rename. Nothing here knows what is in a bundle.

A version folder is named `.<period>.v-<8 hex>`; `v-<8 hex>` is the version's id, which the
approval form shows and publication takes. While a final report waits for approval a hold
(`.<period>.granskning.json` beside the link) keeps that version in place: other builds of the
period do not replace it, and it is never removed as stale, until the hold is released or its
deadline passes.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import fsio
from .errors import ReportBusyError
from .messages import message


@contextmanager
def file_lock(folder: Path, period_id: str, timeout: float) -> Iterator[None]:
    """An exclusive lock per report on one machine (state.report_lock picks it or the shared
    database's)."""
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


VERSION_ID = re.compile(r"v-[0-9a-f]{8}")


@dataclass(frozen=True)
class Hold:
    """A version kept in place for `holder` (a flow run's id) until `until`."""

    holder: str
    until: datetime
    version: str = ""


def version_of(folder: Path) -> str | None:
    """The id of the version the period's link points at now; None before the first build."""
    try:
        target = os.readlink(folder)
    except OSError:
        return None
    prefix = f".{folder.name}."
    version = target.removeprefix(prefix)
    return version if target.startswith(prefix) and VERSION_ID.fullmatch(version) else None


def version_folder(folder: Path, version: str) -> Path | None:
    """The folder of one version of a report; None for an id that is not one or is gone."""
    if not VERSION_ID.fullmatch(version):
        return None
    path = folder.parent / f".{folder.name}.{version}"
    return path if path.is_dir() and not path.is_symlink() else None


def hold_file(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.granskning.json"


def current_hold(folder: Path, now: datetime | None = None) -> Hold | None:
    """The hold on a report, if one is in force (an expired or unreadable one is none)."""
    try:
        data = json.loads(hold_file(folder).read_text(encoding="utf-8"))
        hold = Hold(str(data["holder"]), datetime.fromisoformat(data["until"]), data["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    moment = now or datetime.now(UTC)
    return hold if hold.until > moment and VERSION_ID.fullmatch(hold.version) else None


def set_hold(folder: Path, hold: Hold) -> None:
    record = {"holder": hold.holder, "until": hold.until.isoformat(), "version": hold.version}
    fsio.write_atomic(hold_file(folder), json.dumps(record, indent=1).encode("utf-8"))


def release_hold(folder: Path, holder: str) -> None:
    """End `holder`'s hold; another's hold stays."""
    try:
        data = json.loads(hold_file(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.get("holder") == holder:
        hold_file(folder).unlink(missing_ok=True)


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
    held = current_hold(folder)
    keep = {version.name, previous, f".{folder.name}.{held.version}" if held else None}
    for stale in folder.parent.glob(f".{folder.name}.*"):
        if stale.name in keep or stale == hold_file(folder):
            continue
        if stale.is_symlink() or stale.is_file():
            stale.unlink(missing_ok=True)
        else:
            shutil.rmtree(stale, ignore_errors=True)
