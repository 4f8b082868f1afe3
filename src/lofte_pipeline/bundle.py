"""The report's bundle, OUT/<promise-id>/<period>/: what is in it, its key, and whether the one
already there can stay.

`publicera/` is what may go on a public website (aggregated figures only: no rows, comments or
personal data), `intern/` the audit material for staff. A bundle's key hashes everything its bytes
depend on, so a rerun with the same key keeps the bundle as it is; manifest.json records the key
and the sha256 of every other file, so the bundle can be checked before it is kept.

Its parts have modules of their own: figures.json's model in figures.py, the CSV tables in
tables.py, the lock and the swap of version folders in placement.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .archive import sha256_file
from .cache import code_fingerprint, tree_fingerprint
from .figures import Figures
from .messages import templates_dir
from .models import Correction, Intake
from .period import Period
from .promise import Promise

PUBLIC = "publicera"
INTERNAL = "intern"
# What may go on a public website: aggregated figures only, no rows, comments or personal data.
PUBLIC_FILES = (
    "rapport.html",
    "rapport.pdf",
    "figures.json",
    "figures.csv",
    "tillganglighetsredogorelse.html",
    "nyhet.html",
    "nyhet.txt",
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


def bundle_path(name: str) -> str:
    """Where a bundle file lives: publicera/<name> or intern/<name>."""
    return f"{PUBLIC if name in PUBLIC_FILES else INTERNAL}/{name}"


def json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


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
    return tree_fingerprint(templates_dir())


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
