"""The report's bundle, OUT/<promise-id>/<period>/: its documents, its key, and how it is put in place.

`publicera/` is what may go on a public website (aggregated figures only: no rows, comments or
personal data), `intern/` the audit material for staff. figures.json is one typed document,
`Figures`, serialised once. A bundle's key hashes everything its bytes depend on, so a rerun with
the same key keeps the bundle as it is; a new bundle is written whole as a hidden version folder
and swapped in by one link rename, so a reader never sees a mix of two versions.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from . import __version__, fsio
from .archive import sha256_file
from .cache import code_fingerprint
from .errors import ReportBusyError
from .messages import message, templates_dir
from .models import Correction, Intake
from .period import Period
from .promise import Promise
from .reconcile import Reconciliation, Status, iso_dates

PUBLIC = "publicera"
INTERNAL = "intern"
# What may go on a public website: aggregated figures only, no rows, comments or personal data.
PUBLIC_FILES = (
    "rapport.html",
    "rapport.pdf",
    "figures.json",
    "figures.csv",
    "tillganglighetsredogorelse.html",
)
# The audit material for staff.
INTERNAL_FILES = (
    "aktiviteter.csv",
    "avvisat.csv",
    "personuppgifter.csv",
    "manifest.json",
    "korning.log",
)
OUTPUT_FILES = PUBLIC_FILES + INTERNAL_FILES
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def bundle_path(name: str) -> str:
    """Where a bundle file lives: publicera/<name> or intern/<name>."""
    return f"{PUBLIC if name in PUBLIC_FILES else INTERNAL}/{name}"


class TargetFigure(BaseModel):
    """One target in figures.json (docs/figures-schema.md); the fields in the file's order."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: Status
    goal: int | None
    done_in_period: int
    done_to_date: int
    districts_missing: list[str]
    places_missing: list[str]
    periods_missing: list[str]
    title: str
    expected_to_date: int | None
    districts_covered: list[str]
    places_visited: list[str]
    done_per_period: dict[str, int]


class SourceFigures(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    files: int
    rows_accepted: int
    rows_rejected: int
    files_rejected: int


class RejectedFile(BaseModel):
    file: str
    reason: str


class CorrectionNote(BaseModel):
    date: dt.date
    note: str


class Figures(BaseModel):
    """figures.json, the contract of docs/figures-schema.md, in the file's order."""

    promise: str
    period: str
    period_start: dt.date
    period_end: dt.date
    municipality: str
    year: int
    targets: list[TargetFigure]
    sources: dict[str, SourceFigures]
    rejected_files: list[RejectedFile]
    activities_counted: int
    personal_data_removed: int
    draft: bool
    program_version: str
    promise_sha256: str
    corrections: list[CorrectionNote]

    @classmethod
    def of(
        cls,
        promise: Promise,
        result: Reconciliation,
        intake: Intake,
        *,
        draft: bool = True,
        promise_sha256: str = "",
        corrections: Sequence[Correction] = (),
    ) -> Figures:
        period = result.period
        return cls(
            promise=promise.id,
            period=period.id,
            period_start=period.start,
            period_end=period.end,
            municipality=promise.municipality,
            year=promise.year,
            targets=[TargetFigure.model_validate(t) for t in result.targets],
            sources={s.id: SourceFigures.model_validate(s) for s in intake.sources.values()},
            rejected_files=[
                RejectedFile(file=f.path, reason=f.reason or "") for f in intake.rejected_files
            ],
            activities_counted=len(result.activities),
            personal_data_removed=len(intake.findings),
            draft=draft,
            program_version=__version__,
            promise_sha256=promise_sha256,
            corrections=[CorrectionNote(date=c.day, note=c.note) for c in corrections],
        )

    def document(self) -> dict[str, Any]:
        """As figures.json holds it: what ReportResult.figures and the run summaries read."""
        return self.model_dump(mode="json")


def json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def activities_csv(result: Reconciliation, publish_comments: bool = False) -> pd.DataFrame:
    """One line per accepted row behind a counted activity, numbered by activity."""
    rows = result.rows
    activities = result.activities.set_index("activity_no")
    return pd.DataFrame(
        {
            "aktivitet_nr": rows["activity_no"],
            "datum": iso_dates(rows["activity_no"].map(activities["date"])),
            "aktivitet": rows["activity"],
            "mal": rows["target"],
            "kommundel": rows["activity_no"].map(activities["district"]),
            "plats": rows["activity_no"].map(activities["place"]),
            "krediteras": rows["activity_no"].map(activities["sources"]),
            "kalla": rows["source"],
            "fil": rows["file"],
            "blad": rows["sheet"],
            "rad": rows["row"],
            "rapporterat_datum": iso_dates(rows["date"]),
            "antal": rows["count"],
            **({"kommentar": rows["comment"]} if publish_comments else {}),
        }
    )


def findings_csv(intake: Intake) -> pd.DataFrame:
    """Where personal data was found and removed (never the data itself), for staff to clean."""
    found = intake.findings
    return pd.DataFrame(
        {
            "fil": found.get("file", []),
            "blad": found.get("sheet", []),
            "rad": found.get("row", []),
            "kolumn": found.get("column", []),
            "typ": found.get("kind", []),
        }
    )


def rejected_csv(intake: Intake) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "kalla": intake.rejected["source"],
            "fil": intake.rejected["file"],
            "blad": intake.rejected["sheet"],
            "rad": intake.rejected["row"],
            "kolumn": intake.rejected["column"],
            "varde": intake.rejected["value"],
            "orsak": intake.rejected["reason"],
        }
    )
    files = pd.DataFrame(
        [
            {
                "kalla": f.source,
                "fil": f.path,
                "blad": "",
                "rad": "",
                "kolumn": "",
                "varde": "",
                "orsak": f.reason,
            }
            for f in intake.rejected_files
        ],
        columns=rows.columns,
    )
    return pd.concat([files, rows], ignore_index=True) if not files.empty else rows


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as pandas writes it, in UTF-8, where no cell can run as a formula when opened in
    a spreadsheet program: a text that starts like one is written with a ' before it."""
    safe = frame.copy()
    for name in safe.columns:
        if pd.api.types.is_string_dtype(safe[name].dtype):
            safe[name] = safe[name].map(_defused)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _defused(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def bundle_key(
    intake: Intake,
    period: Period,
    *,
    promise_sha256: str,
    pdf: bool,
    final: bool,
    lang: str,
    previous: dict[str, Any] | None,
    corrections: Sequence[Correction],
) -> str:
    """Everything a bundle's bytes depend on, hashed: the inputs (promise, every file's content),
    the choices (period, final, PDF, language, last year, corrections), the program (its version
    and code) and the templates. Reports are deterministic: the same key, the same bytes."""
    material = {
        "program_version": __version__,
        "code": code_fingerprint(),
        "templates": templates_fingerprint(),
        "period": period.id,
        "promise_sha256": promise_sha256,
        "files": [[f.source, f.path, f.sha256, f.reason] for f in intake.files],
        "pdf": pdf,
        "final": final,
        "lang": lang,
        "previous": previous,
        "corrections": [c.record() for c in corrections],
    }
    text = json.dumps(material, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def templates_fingerprint() -> str:
    """Read on every build (a few small files), so a long-running worker sees an edited template."""
    digest = hashlib.sha256()
    root = templates_dir()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def unchanged_bundle(folder: Path, key: str, pdf: bool) -> dict[str, Any] | None:
    """The figures of the bundle already in `folder` when it was built from the same key and
    every file is still intact; None when it must be built again.

    An unchanged rerun (a schedule, a file dropped twice) then costs reading the inbox from the
    cache, not rendering a PDF."""
    try:
        manifest = json.loads(folder.joinpath(bundle_path("manifest.json")).read_text("utf-8"))
        if manifest.get("bundle_key") != key:
            return None
        wanted = [n for n in OUTPUT_FILES if pdf or n != "rapport.pdf"]
        present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}
        if present != {bundle_path(n) for n in wanted}:
            return None  # something was added or removed by hand: build it again
        hashes = manifest.get("bundle_files", {})
        if any(
            sha256_file(folder / bundle_path(n)) != hashes.get(n)
            for n in wanted
            if n != "manifest.json"
        ):
            return None
        figures = folder.joinpath(bundle_path("figures.json")).read_bytes()
        return Figures.model_validate_json(figures).document()
    except (OSError, ValueError, AttributeError):
        return None


def manifest_document(
    promise: Promise,
    period: Period,
    intake: Intake,
    promise_sha256: str,
    key: str,
    files: dict[str, bytes],
) -> dict[str, Any]:
    """What this bundle was made from (trace any figure back to file, and on to sheet and row),
    its key and the sha256 of every other file in it."""
    return {
        "promise": promise.id,
        "promise_sha256": promise_sha256,
        "program_version": __version__,
        "period": period.id,
        "inputs": [
            {
                "file": f.path,
                "source": f.source,
                "sha256": f.sha256,
                "outcome": "accepted" if f.accepted else "rejected",
                "reason": f.reason,
                "rows_accepted": f.rows_accepted,
                "rows_rejected": f.rows_rejected,
            }
            for f in intake.files
        ],
        "bundle_key": key,
        "bundle_files": {
            name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())
        },
    }


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
    leftovers of a killed run) are removed afterwards."""
    version = folder.parent / f".{folder.name}.v-{secrets.token_hex(4)}"
    fsio.write_tree_atomically(version, files)
    previous = fsio.swap_link(folder, version.name)
    for stale in folder.parent.glob(f".{folder.name}.*"):
        if stale.name in (version.name, previous):
            continue
        if stale.is_symlink() or stale.is_file():
            stale.unlink(missing_ok=True)
        else:
            shutil.rmtree(stale, ignore_errors=True)
