"""Publication: the public package copied, after a person's approval, into the folder the web team
publishes from — atomically, versioned, never silently overwritten, with a record of who approved
what and the sha256 of every file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from . import fsio
from .archive import sha256_file
from .bundle import bundle_path
from .errors import LofteError, PublicationRefused
from .messages import message
from .models import Correction
from .placement import version_folder, version_of

RECORD = "publiceringar.json"
CURRENT = "aktuell"


@dataclass
class Publication:
    version: int
    approved_by: str
    approved_at: str
    change_note: str
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    bundle_version: str = ""  # the report version that was approved (placement.py), when known


def publications(destination: Path) -> list[Publication]:
    try:
        data = json.loads((destination / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return [Publication(**entry) for entry in data["publiceringar"]]


def publish_package(
    public: Path,
    destination: Path,
    approved_by: str,
    change_note: str = "",
    now: datetime | None = None,
    bundle_version: str = "",
) -> Publication:
    """Copy `public` into destination/v<N>/ and point destination/aktuell at it.

    The same files again publish nothing new. Different files need a change note: a published
    report is corrected in the open, never silently replaced. What fails on the way (a full
    disk) publishes nothing and leaves no new version behind. Everything written is mode 0644
    (folders 0755), for colleagues on the share and the web server.
    """
    if not approved_by.strip():
        raise LofteError(message("publicering.namn_saknas"))
    files = {p.name: p.read_bytes() for p in sorted(public.iterdir()) if p.is_file()}
    if is_draft(files.get("figures.json", b"")):
        raise PublicationRefused(message("publicering.utkast"))
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    history = publications(destination)
    if history and history[-1].files == hashes:
        return history[-1]
    if history and not change_note.strip():
        raise LofteError(
            message("publicering.andringsnotering_saknas", version=history[-1].version)
        )
    version = (history[-1].version if history else 0) + 1
    target = destination / f"v{version}"
    current = destination / CURRENT
    try:
        fsio.write_tree_atomically(target, files)
    except fsio.CopyMismatchError:
        raise LofteError(message("publicering.kopian_skiljer")) from None
    moment = (now or datetime.now().astimezone()).isoformat(timespec="seconds")
    entry = Publication(
        version, approved_by.strip(), moment, change_note.strip(), hashes, bundle_version
    )
    record = {"publiceringar": [asdict(p) for p in [*history, entry]]}
    try:
        previous = fsio.swap_link(current, target.name)
        try:  # readable by colleagues on the share, like the published files themselves
            fsio.write_atomic(
                destination / RECORD,
                (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
                mode=0o644,
            )
        except BaseException:  # not recorded: not published either
            if previous is None:
                current.unlink()
            else:
                fsio.swap_link(current, previous)
            raise
    except BaseException:
        if not _points_at(current, target):
            shutil.rmtree(target, ignore_errors=True)
        raise
    return entry


def is_draft(figures_json: bytes) -> bool:
    """A bundle is a draft unless its figures.json says plainly that it is not (none: a draft)."""
    try:
        return json.loads(figures_json).get("draft") is not False
    except (ValueError, AttributeError):
        return True


def publish_version(
    report: Path,
    version: str | None,
    destination: Path,
    approved_by: str,
    change_note: str = "",
    now: datetime | None = None,
) -> Publication:
    """Publish one built version of a report (OUT/<promise>/<period>, `version` its id, None for
    the one the link points at now): exactly the files that were built and shown, never what the
    link points at later. Refused for an unknown version, a draft, or a version whose files
    differ from its manifest (changed since it was built)."""
    chosen = version or version_of(report)
    where = version_folder(report, chosen) if chosen else None
    if chosen is None or where is None:
        raise PublicationRefused(
            message("publicering.okand_version", version=version or "-", report=report.name)
        )
    try:
        manifest = json.loads((where / "intern" / "manifest.json").read_text(encoding="utf-8"))
        built = manifest["bundle_files"]
        present = {p.relative_to(where).as_posix(): p for p in where.rglob("*") if p.is_file()}
        intact = set(present) == {bundle_path(n) for n in built} | {"intern/manifest.json"} and all(
            sha256_file(present[bundle_path(n)]) == sha for n, sha in built.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        intact = False
    if not intact:
        raise PublicationRefused(message("publicering.andrad_version", version=chosen))
    return publish_package(
        where / "publicera", destination, approved_by, change_note, now, bundle_version=chosen
    )


def _points_at(link: Path, target: Path) -> bool:
    return link.is_symlink() and os.readlink(link) == target.name


def publication_folder(root: Path, promise_id: str, period_id: str) -> Path:
    return Path(root) / promise_id / period_id


def publication_folder_for(root: Path, promise_file: str | Path, period: str) -> Path:
    """Where a promise file's report for `period` ('2019-T2') is published under `root`."""
    from .period import resolve_period
    from .promise import load_promise

    promise = load_promise(promise_file)
    return publication_folder(root, promise.id, resolve_period(promise, period).id)


def corrections_for(destination: Path, change_note: str, day: date) -> list[Correction]:
    """The corrections a new version of a published report shows: every earlier one, as the
    current publication shows it, and this one, dated `day`. None before a first publication.

    Read from the published figures.json rather than the record, so that building the same
    correction again gives the same report, and its publication is recognised as already done.
    """
    try:
        figures = json.loads((destination / CURRENT / "figures.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []  # nothing published yet: nothing to correct
    earlier = [Correction.from_record(c) for c in figures.get("corrections", [])]
    note = " ".join(change_note.split())
    if note and note not in {c.note for c in earlier}:
        earlier.append(Correction(day, note))
    return earlier
