"""The one function that builds a report; the command line and the Prefect flows both call it."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fsio
from .archive import Archive, default_state_dir
from .bundle import (
    INTERNAL,
    PUBLIC,
    bundle_key,
    bundle_path,
    json_bytes,
    manifest_document,
    unchanged_bundle,
)
from .cache import ParseCache
from .errors import InboxError
from .figures import Figures
from .intake import read_inbox
from .messages import message
from .models import Correction, Intake
from .period import Period, resolve_period
from .placement import Hold, current_hold, publish_bundle, set_hold, version_of
from .promise import Promise, load_promise, promise_hash
from .reconcile import reconcile
from .state import report_lock
from .summary import run_log
from .tables import activities_csv, csv_bytes, findings_csv, rejected_csv


@dataclass
class ReportResult:
    folder: Path
    figures: dict[str, Any]  # figures.json as it was written
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    personal_data: list[dict[str, Any]] = field(default_factory=list)
    # Files rejected as a whole, by their real inbox names (figures.json names them by number).
    rejected_files: list[dict[str, str]] = field(default_factory=list)
    version: str = ""  # the id of the version the folder's link points at (placement.py)
    # Set when another run's final waits for approval: the folder still shows that version.
    held: Hold | None = None
    built: bool = False  # rendered by this run; False when the bundle in place was kept

    @property
    def public(self) -> Path:
        return self.folder / PUBLIC

    @property
    def internal(self) -> Path:
        return self.folder / INTERNAL

    def path(self, name: str) -> Path:
        return self.folder / bundle_path(name)


def build_report(
    promise_file: str | Path,
    inbox: str | Path,
    out: str | Path,
    period: str | Period,
    *,
    pdf: bool = True,
    final: bool = False,
    state_dir: str | Path | None = None,
    lock_timeout: float = 600.0,
    lang: str = "sv",
    previous: dict[str, Any] | None = None,
    corrections: Sequence[Correction] = (),
    settle_seconds: float | None = None,
    hold: Hold | None = None,
) -> ReportResult:
    """Archive what was dropped, reconcile, render, and publish OUT/<promise-id>/<period>/.

    Every dropped file is first kept by content in the archive (`state_dir`, by default
    `lofte-state` beside the inbox); files already parsed under this promise are not parsed again.
    Two runs for the same report never interleave: the second waits for the first (up to
    lock_timeout seconds) and then reads the inbox as it is by then.

    `previous` is last year's figures.json for the same tertial; when not given, it is looked up
    among the reports already in `out` (see previous_figures). `corrections` are shown in
    the report when an already published version is corrected. A file changed within the last
    `settle_seconds` (default intake.DEFAULT_SETTLE_SECONDS) is looked at again after a short
    wait; one still being written is reported while its last settled version stays in use.

    While another run's final waits for approval (a hold, placement.py), nothing replaces it: the
    result then names that hold and its version, and nothing is built. `hold` puts this build's
    version on hold for its holder (a final about to wait for approval).
    """
    promise = load_promise(promise_file)
    resolved = resolve_period(promise, period)
    promise_sha256 = promise_hash(promise_file)
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InboxError(message("rapport.inkorg_saknas", inbox=inbox))
    state = Path(state_dir) if state_dir else default_state_dir(inbox)
    cache = ParseCache(state / "cache", promise_sha256)
    if previous is None:
        previous = previous_figures(promise, resolved, Path(out))
    with report_lock(Path(out), promise.id, resolved.id, lock_timeout):
        try:  # an error that names no file is about the archive folder
            with fsio.naming(state), Archive(state) as archive:
                intake = read_inbox(
                    inbox, promise, cache=cache, archive=archive, settle_seconds=settle_seconds
                )
        except sqlite3.OperationalError as exc:
            failure = storage_error(exc, state)
            if failure is None:
                raise
            raise failure from exc
        return write_report(
            promise,
            resolved,
            intake,
            Path(out),
            pdf=pdf,
            final=final,
            promise_sha256=promise_sha256,
            lang=lang,
            previous=previous,
            corrections=corrections,
            hold=hold,
        )


def write_report(
    promise: Promise,
    period: Period,
    intake: Intake,
    out: Path,
    *,
    pdf: bool = True,
    final: bool = False,
    promise_sha256: str = "",
    lang: str = "sv",
    previous: dict[str, Any] | None = None,
    corrections: Sequence[Correction] = (),
    hold: Hold | None = None,
) -> ReportResult:
    """The bundle in OUT/<promise-id>/<period>/, unless the one there has the same key or is
    held for another run's approval."""
    from .news import news_html, news_text
    from .opendata import figures_csv
    from .render import (
        accessibility_statement,
        document_title,
        render_html,
        render_pdf,
        report_context,
    )

    folder = out / promise.id / period.id
    rejected = intake.rejected.astype({"row": "int64"}).to_dict("records")
    found = intake.findings.astype({"row": "int64"}).to_dict("records")
    rejected_files = [{"file": f.path, "reason": f.reason or ""} for f in intake.rejected_files]
    key = bundle_key(
        intake,
        period,
        promise_sha256=promise_sha256,
        pdf=pdf,
        final=final,
        lang=lang,
        previous=previous,
        corrections=corrections,
    )
    held = current_hold(folder)
    if held is not None and (hold is None or held.holder != hold.holder):
        figures = json.loads(folder.joinpath(bundle_path("figures.json")).read_bytes())
        return ReportResult(
            folder, figures, rejected, found, rejected_files, held.version, held=held
        )
    unchanged = unchanged_bundle(folder, key, pdf)
    if unchanged is not None:
        return _placed(ReportResult(folder, unchanged, rejected, found, rejected_files), hold)
    result = reconcile(intake.accepted, promise, period)
    figures = Figures.of(
        promise,
        result,
        intake,
        draft=not final,
        promise_sha256=promise_sha256,
        corrections=corrections,
    )
    document = figures.document()
    html = render_html(
        report_context(
            promise,
            result,
            intake,
            draft=not final,
            lang=lang,
            previous=previous,
            corrections=corrections,
        )
    )
    files: dict[str, bytes] = {
        "figures.json": json_bytes(document),
        "figures.csv": figures_csv(document),
        "aktiviteter.csv": csv_bytes(activities_csv(result, promise.publish_comments)),
        "avvisat.csv": csv_bytes(rejected_csv(intake)),
        "personuppgifter.csv": csv_bytes(findings_csv(intake)),
        "rapport.html": html.encode("utf-8"),
        "tillganglighetsredogorelse.html": accessibility_statement(promise, period, lang),
        "nyhet.html": news_html(promise, document, lang),
        "nyhet.txt": news_text(promise, document, lang),
        "korning.log": run_log(document, intake),
    }
    if pdf:
        files["rapport.pdf"] = render_pdf(
            html, document_title(promise, period, draft=not final, lang=lang)
        )
    files["manifest.json"] = json_bytes(
        manifest_document(promise, period, intake, promise_sha256, key, files)
    )
    publish_bundle(folder, {bundle_path(name): data for name, data in files.items()})
    built = ReportResult(folder, document, rejected, found, rejected_files, built=True)
    return _placed(built, hold)


def _placed(result: ReportResult, hold: Hold | None) -> ReportResult:
    """The result with the id of the version now in place, held when asked."""
    result.version = version_of(result.folder) or ""
    if hold is not None:
        result.held = Hold(hold.holder, hold.until, result.version)
        set_hold(result.folder, result.held)
    return result


def storage_error(exc: sqlite3.OperationalError, state: Path) -> OSError | None:
    """The archive's manifest on a full, read-only or denied disk, as SQLite reports it (naming
    no file), as the OSError it is, naming the manifest; None for any other SQLite error."""
    kind = getattr(exc, "sqlite_errorname", "")
    if kind == "SQLITE_FULL" or "disk is full" in str(exc):
        code = errno.ENOSPC
    elif kind.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
        existing = next(p for p in (state, *state.parents) if p.exists())
        code = errno.EROFS if os.statvfs(existing).f_flag & os.ST_RDONLY else errno.EACCES
    else:
        return None
    return OSError(code, os.strerror(code), str(state / "manifest.sqlite"))


def previous_figures(promise: Promise, period: Period, out: Path) -> dict[str, Any] | None:
    """Last year's figures.json for the same tertial and municipality, if exactly one is in `out`.

    Reports live in OUT/<promise-id>/<period>/, and last year's promise has another id, so every
    promise folder is searched; two candidates (say a draft copy under another id) mean we cannot
    tell which is right, and the report then shows no comparison rather than a wrong one.
    """
    wanted = f"{period.year - 1}-T{period.tertial}"
    found = []
    for path in sorted(out.glob(f"*/{wanted}/{PUBLIC}/figures.json")):
        try:
            figures = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            figures.get("municipality") == promise.municipality
            and figures.get("year") == promise.year - 1
            and figures.get("period") == wanted
        ):
            found.append(figures)
    return found[0] if len(found) == 1 else None
