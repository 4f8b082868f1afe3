"""The shared folder as untrusted input: what is in it, and the notes written back to it.

Nothing here follows a link: the inbox is walked through folder descriptors, each folder opened
from its parent with O_NOFOLLOW. Every entry that is not a regular file (a link to a file, a
folder, nothing or itself, a FIFO, a socket, a device, a folder that cannot be listed, an entry
that may not be looked at) comes back with a Swedish reason naming what it is: nothing is skipped
silently. Excel lock files (~$…) and hidden files are skipped, as documented. A name that is not
UTF-8 is read like any other and shown with its odd bytes escaped (`Tr\\xe4ff.csv`), as are
control and bidirectional characters. How a listed file is then opened and copied: snapshot.py.

Whoever dropped a rejected file finds why in the folder they use: INBOX/<källa>/AVVISAT/<fil>.txt
(INBOX/AVVISAT/<namn>.txt for what lies at the top of the inbox), written whole and removed once
the file has been read. Those folders are the pipeline's: never read as input, and anything else
found in them is reported.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .archive import safe_relative_path
from .errors import InboxError
from .fsio import write_atomic
from .messages import message
from .models import FileOutcome

NOTES = "AVVISAT"
"""The folder beside the files of a source (and at the top of the inbox) holding the notes."""

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_HIDDEN = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Entry:
    parts: tuple[str, ...]  # the names from the inbox down, as the OS gives them
    name: str  # shown name, '/'-separated, printable
    size: int = 0
    mtime_ns: int = 0
    reason: str | None = None  # why it is not read; None for a regular file
    folder: bool = False  # a folder (or a link to one) that was not walked

    @property
    def is_file(self) -> bool:
        return self.reason is None


def shown_name(parts: Iterable[str]) -> str:
    """Bytes that are not UTF-8 as \\xNN, control and bidirectional characters as escapes."""
    return "/".join(
        _HIDDEN.sub(
            lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}",
            os.fsencode(part).decode("utf-8", "backslashreplace"),
        )
        for part in parts
    )


def list_entries(inbox: Path) -> list[Entry]:
    """Every entry of the inbox except lock and hidden files, in a stable order."""
    found: list[Entry] = []
    try:
        top = os.open(inbox, _FOLDER)
    except OSError as exc:
        raise _unlistable(inbox, exc) from None
    try:
        try:
            names = _names(top)
        except OSError as exc:
            raise _unlistable(inbox, exc) from None
        _walk(top, (), names, found)
    finally:
        os.close(top)
    return sorted(found, key=lambda e: e.name)


def _unlistable(inbox: Path, exc: OSError) -> InboxError:
    reason = exc.strerror or type(exc).__name__
    return InboxError(message("inlasning.inkorg_kan_inte_listas", inbox=inbox, reason=reason))


def in_notes(name: str) -> bool:
    """Inside a notes folder: INBOX/AVVISAT/… or INBOX/<folder>/AVVISAT/…."""
    parts = name.split("/")
    return parts[0] == NOTES or (len(parts) > 1 and parts[1] == NOTES)


def _names(folder: int) -> list[str]:
    with os.scandir(folder) as listing:
        return sorted(e.name for e in listing)


def _walk(folder: int, parts: tuple[str, ...], names: list[str], found: list[Entry]) -> None:
    for name in names:
        if name.startswith((".", "~$")):
            continue
        path = (*parts, name)
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            continue  # gone before it could be looked at: it was not there to list
        except OSError as exc:
            found.append(Entry(path, shown_name(path), reason=os_reason(exc)))
            continue
        if not stat.S_ISDIR(info.st_mode):
            found.append(_entry(folder, path, info))
            continue
        try:
            inner = os.open(name, _FOLDER | os.O_NOFOLLOW, dir_fd=folder)
            try:
                inside = _names(inner)
            except OSError:
                os.close(inner)
                raise
        except OSError as exc:
            reason = folder_reason(exc)
            found.append(Entry(path, shown_name(path), reason=reason, folder=True))
            continue
        try:
            _walk(inner, path, inside, found)
        finally:
            os.close(inner)


def _entry(folder: int, path: tuple[str, ...], info: os.stat_result) -> Entry:
    """What is at `path` (not a folder), as its lstat `info` says."""
    if stat.S_ISREG(info.st_mode):
        return Entry(path, shown_name(path), info.st_size, info.st_mtime_ns)
    if stat.S_ISLNK(info.st_mode):
        reason, to_folder = _link(folder, path[-1])
        return Entry(path, shown_name(path), reason=reason, folder=to_folder)
    if stat.S_ISDIR(info.st_mode):
        return Entry(path, shown_name(path), reason=message("inlasning.inte_vanlig_fil"))
    return Entry(path, shown_name(path), reason=kind_reason(info.st_mode))


def entry_at(inbox: Path, path: Path) -> Entry:
    """One inbox entry, looked at as the listing would."""
    parts = path.relative_to(inbox).parts
    try:
        folder = os.open(path.parent, _FOLDER)
        try:
            return _entry(folder, parts, os.stat(parts[-1], dir_fd=folder, follow_symlinks=False))
        finally:
            os.close(folder)
    except OSError as exc:
        return Entry(parts, shown_name(parts), reason=os_reason(exc))


def _link(folder: int, name: str) -> tuple[str, bool]:
    """What a link points at, without reading it: the reason it is refused, and whether it is a
    folder."""
    try:
        target = os.stat(name, dir_fd=folder)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return message("inlasning.lank_slinga"), False
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return message("inlasning.lank_utan_mal"), False
        return message("inlasning.lank_annat"), False
    if stat.S_ISDIR(target.st_mode):
        return message("inlasning.lank_till_mapp"), True
    if stat.S_ISREG(target.st_mode):
        return message("inlasning.lank_till_fil"), False
    return message("inlasning.lank_annat"), False


def kind_reason(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return message("inlasning.fifo")
    if stat.S_ISSOCK(mode):
        return message("inlasning.socket")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return message("inlasning.enhet")
    return message("inlasning.inte_vanlig_fil")


def folder_reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return message("inlasning.mapp_atkomst_nekad")
    return message("inlasning.mapp_kan_inte_listas", reason=exc.strerror or type(exc).__name__)


def os_reason(exc: OSError) -> str:
    """Why an entry could not be looked at or read, in Swedish."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return message("inlasning.atkomst_nekad")
    if exc.errno == errno.ENOENT:
        return message("inlasning.forsvann")
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return message("inlasning.lank_annat")  # swapped for a link since it was listed
    return message("inlasning.kan_inte_oppnas", reason=exc.strerror or type(exc).__name__)


def source_of(name: str) -> str:
    """The source folder of an inbox path ('polisen/logg.xlsx' -> 'polisen'; '' at the top)."""
    return name.split("/")[0] if "/" in name else ""


def leave_notes(inbox: Path, outcomes: list[FileOutcome]) -> None:
    """For each name with a lasting reason (not 'still being written'), the note beside it says
    why; a name now read has its note removed. Notes are a courtesy: the report lists every
    reason, so a note that cannot be written (a read-only share) stops nothing."""
    for name in sorted({o.path for o in outcomes}):
        if in_notes(name):
            continue
        group = [o for o in outcomes if o.path == name]
        lasting = [o for o in group if o.reason and not o.retry]
        try:
            if lasting:
                text = message("arkiv.avvisat", name=name, reason=lasting[0].reason)
                write_note(inbox, name, text)
            elif any(o.accepted for o in group):
                remove_note(inbox, name)
        except OSError:
            continue


def note_name(name: str) -> str:
    """Where the note on `name` lies: 'polisen/AVVISAT/logg.xlsx.txt', 'AVVISAT/fel.xlsx.txt'."""
    first, _, rest = (safe_relative_path(name).as_posix() + ".txt").partition("/")
    return f"{first}/{NOTES}/{rest}" if rest else f"{NOTES}/{first}"


def write_note(inbox: Path, name: str, text: str) -> None:
    """The note on a rejected entry, written whole; never through a link, never into anything
    but a real folder. Best effort: the reason is in the report whether or not this succeeds."""
    path = _note_path(inbox, note_name(name), create=True)
    data = text.encode("utf-8")
    if path is not None and _read_note(path, len(data) + 1) != data:
        mode = stat.S_IMODE(os.lstat(path.parent).st_mode) & 0o666
        write_atomic(path, data, mode=mode)


def _read_note(path: Path, limit: int) -> bytes | None:
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as note:
        return note.read(limit) if stat.S_ISREG(os.fstat(handle).st_mode) else None


def remove_note(inbox: Path, name: str) -> None:
    path = _note_path(inbox, note_name(name), create=False)
    if path is not None:
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                path.unlink()
        except FileNotFoundError:
            pass


def _note_path(inbox: Path, relative: str, create: bool) -> Path | None:
    """The note's path once every folder on the way is a real folder (made like its parent
    when `create`), else None."""
    *folders, _ = parts = relative.split("/")
    if any(p in ("", ".", "..") or len(p.encode()) > 240 for p in parts):
        return None
    path = inbox
    for part in folders:
        parent, path = path, path / part
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return None
        except FileNotFoundError:
            if not create:
                return None
            mode = stat.S_IMODE(os.lstat(parent).st_mode)
            path.mkdir(mode=mode)
            os.chmod(path, mode)  # whatever the umask: as open as the folder it is in
    return inbox / relative
