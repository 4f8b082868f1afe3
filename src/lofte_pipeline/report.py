"""The one function that builds a report; the command line and the Prefect flows both call it."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__, pdfworker
from .archive import Archive, default_state_dir, sha256_file
from .cache import ParseCache
from .errors import InboxError, PeriodError, ReportBusyError
from .intake import read_inbox
from .messages import message, templates_dir
from .models import Correction, Intake
from .period import Period
from .promise import Promise, load_promise, promise_hash
from .reconcile import Reconciliation, iso_dates, reconcile

PUBLIC = "publicera"
INTERNAL = "intern"
# What may go on a public website: aggregated figures only, no rows, comments or personal data.
PUBLIC_FILES = ("rapport.html", "rapport.pdf", "figures.json", "figures.csv",
                "tillganglighetsredogorelse.html")
# The audit material for staff.
INTERNAL_FILES = ("aktiviteter.csv", "avvisat.csv", "personuppgifter.csv", "manifest.json",
                  "korning.log")
OUTPUT_FILES = PUBLIC_FILES + INTERNAL_FILES


def bundle_path(name: str) -> str:
    """Where a bundle file lives: publicera/<name> or intern/<name>."""
    return f"{PUBLIC if name in PUBLIC_FILES else INTERNAL}/{name}"


@dataclass
class ReportResult:
    folder: Path
    figures: dict[str, Any]
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    personal_data: list[dict[str, Any]] = field(default_factory=list)

    @property
    def public(self) -> Path:
        return self.folder / PUBLIC

    @property
    def internal(self) -> Path:
        return self.folder / INTERNAL

    def path(self, name: str) -> Path:
        return self.folder / bundle_path(name)


def resolve_period(promise: Promise, period: str | Period) -> Period:
    resolved = period if isinstance(period, Period) else Period.parse(period)
    if resolved.year != promise.year:
        raise PeriodError(message("rapport.period_utanfor_aret", period=resolved.id,
                                  year=promise.year))
    return resolved


def figures_document(promise: Promise, result: Reconciliation, intake: Intake) -> dict[str, Any]:
    """The figures.json contract: promise, period, targets, sources, rejected_files."""
    period = result.period
    return {
        "promise": promise.id,
        "period": period.id,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "municipality": promise.municipality,
        "year": promise.year,
        "targets": [
            {
                "id": t.id, "status": t.status, "goal": t.goal,
                "done_in_period": t.done_in_period, "done_to_date": t.done_to_date,
                "districts_missing": t.districts_missing, "places_missing": t.places_missing,
                "periods_missing": t.periods_missing,
                "title": t.title, "expected_to_date": t.expected_to_date,
                "districts_covered": t.districts_covered, "places_visited": t.places_visited,
                "done_per_period": t.done_per_period,
            }
            for t in result.targets
        ],
        "sources": {
            s.id: {"files": s.files, "rows_accepted": s.rows_accepted,
                   "rows_rejected": s.rows_rejected, "files_rejected": s.files_rejected}
            for s in intake.sources.values()
        },
        "rejected_files": [{"file": f.path, "reason": f.reason} for f in intake.rejected_files],
        "activities_counted": len(result.activities),
        "personal_data_removed": len(intake.findings),
    }


def activities_csv(result: Reconciliation, publish_comments: bool = False) -> pd.DataFrame:
    """One line per accepted row behind a counted activity, numbered by activity."""
    rows = result.rows
    activities = result.activities.set_index("activity_no")
    return pd.DataFrame({
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
    })


def findings_csv(intake: Intake) -> pd.DataFrame:
    """Where personal data was found and removed (never the data itself), for staff to clean."""
    found = intake.findings
    return pd.DataFrame({"fil": found.get("file", []), "blad": found.get("sheet", []),
                         "rad": found.get("row", []), "kolumn": found.get("column", []),
                         "typ": found.get("kind", [])})


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 where no cell can run as a formula when opened in a spreadsheet program.

    The same bytes as pandas' to_csv, written by polars: each distinct value is turned into
    text once (logs repeat the same names thousands of times), the rest is native.
    """
    import polars as pl

    columns = [_csv_column(frame[name]) for name in frame.columns]
    return pl.DataFrame(columns).write_csv(null_value="").encode("utf-8")


def _csv_column(values: pd.Series) -> Any:
    import polars as pl

    name = str(values.name)
    if pd.api.types.is_integer_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        missing = values.isna().to_numpy()
        numbers = pl.Series(name, values.to_numpy(dtype="int64", na_value=0))
        if missing.any():
            numbers = pl.select(pl.when(pl.Series(missing)).then(None).otherwise(numbers)
                                ).to_series().alias(name)
        return numbers
    codes, uniques = pd.factorize(values)
    if pd.api.types.infer_dtype(uniques, skipna=True) not in ("string", "empty"):
        # Not all text: 1, 1.0 and True are one key to factorize, so each value on its own.
        return pl.Series(name, [None if _missing(v) else _cell_text(v) for v in values.tolist()],
                         dtype=pl.String)
    texts = pl.Series(name, [_cell_text(u) for u in uniques] + [None], dtype=pl.String)
    return texts.gather(np.where(codes < 0, len(uniques), codes))


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _cell_text(value: object) -> str | None:
    """As to_csv writes a value, a text that starts like a formula kept as text with a quote.

    None for an empty text: polars would quote "" to tell it from a missing value, pandas not.
    """
    if isinstance(value, str):
        return ("'" + value if value.startswith(_FORMULA_START) else value) or None
    return str(value) or None


def rejected_csv(intake: Intake) -> pd.DataFrame:
    rows = pd.DataFrame({
        "kalla": intake.rejected["source"], "fil": intake.rejected["file"],
        "blad": intake.rejected["sheet"], "rad": intake.rejected["row"],
        "kolumn": intake.rejected["column"], "varde": intake.rejected["value"],
        "orsak": intake.rejected["reason"],
    })
    files = pd.DataFrame(
        [{"kalla": f.source, "fil": f.path, "blad": "", "rad": "", "kolumn": "", "varde": "",
          "orsak": f.reason} for f in intake.rejected_files],
        columns=rows.columns,
    )
    return pd.concat([files, rows], ignore_index=True) if not files.empty else rows


def build_report(promise_file: str | Path, inbox: str | Path, out: str | Path,
                 period: str | Period, *, pdf: bool = True, final: bool = False,
                 state_dir: str | Path | None = None, lock_timeout: float = 600.0,
                 lang: str = "sv", previous: dict[str, Any] | None = None,
                 corrections: Sequence[Correction] = ()) -> ReportResult:
    """Archive what was dropped, reconcile, render, and publish OUT/<promise-id>/<period>/.

    Every dropped file is first kept by content in the archive (`state_dir`, by default
    `lofte-state` beside the inbox); files already parsed under this promise are not parsed again.
    Two runs for the same report never interleave: the second waits for the first (up to
    lock_timeout seconds) and then reads the inbox as it is by then.

    `previous` is last year's figures.json for the same tertial; when not given, it is looked up
    among the reports already in `out` (see previous_figures). `corrections` are shown in the
    report when an already published version is corrected.
    """
    if pdf:
        pdfworker.prepare()  # WeasyPrint starts in a child while the inbox is read
    promise = load_promise(promise_file)
    resolved = resolve_period(promise, period)
    promise_sha256 = promise_hash(promise_file)
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InboxError(message("rapport.inkorg_saknas", inbox=inbox))
    state = Path(state_dir) if state_dir else default_state_dir(inbox)
    cache = ParseCache(state / "cache", promise_sha256, deferred=True)
    if previous is None:
        previous = previous_figures(promise, resolved, Path(out))
    with report_lock(Path(out) / ".lofte-lock" / promise.id, resolved.id, lock_timeout):
        try:
            with Archive(state) as archive:
                intake = read_inbox(inbox, promise, cache=cache, archive=archive)
            return write_report(promise, resolved, intake, Path(out), pdf=pdf, final=final,
                                promise_sha256=promise_sha256, lang=lang, previous=previous,
                                corrections=corrections, meanwhile=cache.flush)
        finally:
            cache.flush()  # when the report failed before its PDF


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
        if (figures.get("municipality") == promise.municipality
                and figures.get("year") == promise.year - 1 and figures.get("period") == wanted):
            found.append(figures)
    return found[0] if len(found) == 1 else None


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
                    raise ReportBusyError(message(
                        "rapport.upptagen", report=f"{folder.name}/{period_id}")) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_report(promise: Promise, period: Period, intake: Intake, out: Path, *, pdf: bool = True,
                 final: bool = False, promise_sha256: str = "", lang: str = "sv",
                 previous: dict[str, Any] | None = None,
                 corrections: Sequence[Correction] = (),
                 meanwhile: Callable[[], None] | None = None) -> ReportResult:
    """The bundle in OUT/<promise-id>/<period>/; `meanwhile` runs while the PDF is laid out."""
    from .opendata import figures_csv
    from .render import (accessibility_statement, document_title, render_html, render_pdf,
                         report_context)

    folder = out / promise.id / period.id
    rejected = intake.rejected.astype({"row": "int64"}).to_dict("records")
    found = intake.findings.astype({"row": "int64"}).to_dict("records")
    key = bundle_key(intake, period, promise_sha256=promise_sha256, pdf=pdf, final=final,
                     lang=lang, previous=previous, corrections=corrections)
    unchanged = unchanged_bundle(folder, key, pdf)
    if unchanged is not None:
        return ReportResult(folder, unchanged, rejected, found)
    result = reconcile(intake.accepted, promise, period)
    figures = figures_document(promise, result, intake)
    figures["draft"] = not final
    figures["program_version"] = __version__
    figures["promise_sha256"] = promise_sha256
    figures["corrections"] = [c.record() for c in corrections]
    html = render_html(report_context(promise, result, intake, draft=not final, lang=lang,
                                      previous=previous, corrections=corrections))
    # The PDF is laid out in a child process while the rest of the bundle is written here.
    pdf_bytes = (pdfworker.start_pdf(html, document_title(promise, period, draft=not final,
                                                          lang=lang),
                                     str(templates_dir()), render_pdf) if pdf else None)
    files: dict[str, bytes] = {
        "figures.json": _json(figures),
        "figures.csv": figures_csv(figures),
        "aktiviteter.csv": csv_bytes(activities_csv(result, promise.publish_comments)),
        "avvisat.csv": csv_bytes(rejected_csv(intake)),
        "personuppgifter.csv": csv_bytes(findings_csv(intake)),
        "rapport.html": html.encode("utf-8"),
    }
    files["tillganglighetsredogorelse.html"] = accessibility_statement(promise, period, lang)
    files["korning.log"] = run_log(promise, period, intake, figures, final)
    if meanwhile is not None:
        meanwhile()
    if pdf_bytes is not None:
        files["rapport.pdf"] = pdf_bytes()
    manifest = manifest_document(promise, period, intake, promise_sha256)
    manifest["bundle_key"] = key
    manifest["bundle_files"] = {name: hashlib.sha256(data).hexdigest()
                                for name, data in sorted(files.items())}
    files["manifest.json"] = _json(manifest)
    publish_folder(folder, {bundle_path(name): data for name, data in files.items()})
    return ReportResult(folder, figures, rejected, found)


def bundle_key(intake: Intake, period: Period, *, promise_sha256: str, pdf: bool, final: bool,
               lang: str, previous: dict[str, Any] | None,
               corrections: Sequence[Correction]) -> str:
    """Everything a bundle's bytes depend on, hashed: the inputs (promise, every file's content),
    the choices (period, final, PDF, language, last year, corrections), the program and its
    templates. Reports are deterministic, so the same key means the same bytes."""
    material = {
        "program_version": __version__, "templates": templates_fingerprint(),
        "period": period.id, "promise_sha256": promise_sha256,
        "files": [[f.source, f.path, f.sha256, f.reason] for f in intake.files],
        "pdf": pdf, "final": final, "lang": lang, "previous": previous,
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
        if any(sha256_file(folder / bundle_path(n)) != hashes.get(n)
               for n in wanted if n != "manifest.json"):
            return None
        return json.loads(folder.joinpath(bundle_path("figures.json")).read_text("utf-8"))
    except (OSError, ValueError, AttributeError):
        return None


def manifest_document(promise: Promise, period: Period, intake: Intake,
                      promise_sha256: str) -> dict[str, Any]:
    """What this bundle was made from: trace any figure back to file, and on to sheet and row."""
    return {
        "promise": promise.id, "promise_sha256": promise_sha256,
        "program_version": __version__, "period": period.id,
        "inputs": [
            {"file": f.path, "source": f.source, "sha256": f.sha256,
             "outcome": "accepted" if f.accepted else "rejected", "reason": f.reason,
             "rows_accepted": f.rows_accepted, "rows_rejected": f.rows_rejected}
            for f in intake.files
        ],
    }


def run_log(promise: Promise, period: Period, intake: Intake, figures: dict[str, Any],
            final: bool) -> bytes:
    """What this run read and decided, in plain text, for the audit package."""
    lines = [f"Löfte: {promise.id} ({promise.municipality} {promise.year})",
             f"Period: {period.id} ({'slutlig' if final else 'utkast'})",
             f"Programversion: {__version__}", "", "Filer:"]
    for f in intake.files:
        outcome = (f"godkänd, {f.rows_accepted} rader, {f.rows_rejected} avvisade" if f.accepted
                   else f"avvisad: {f.reason}")
        lines.append(f"  {f.path} sha256={f.sha256[:16]}… {outcome}")
    lines += ["", f"Räknade aktiviteter: {figures['activities_counted']}",
              f"Personuppgifter borttagna: {figures['personal_data_removed']}", "", "Mål:"]
    lines += [f"  {t['id']}: {t['status']} ({t['done_to_date']} hittills)"
              for t in figures["targets"]]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def publish_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Publish a bundle atomically: `folder` is a link swapped in one rename from the complete old
    version to the complete new one, so a reader never sees a mix. Versions other than the new and
    the previous one (and leftovers of a killed run) are removed afterwards."""
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    version = Path(tempfile.mkdtemp(prefix=f".{folder.name}.v-", dir=parent))
    for name, data in sorted(files.items()):
        (version / name).parent.mkdir(parents=True, exist_ok=True)
        with (version / name).open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    os.chmod(version, 0o755)
    previous = os.readlink(folder) if folder.is_symlink() else None
    if folder.exists() and not folder.is_symlink():  # a bundle from before versions were linked
        os.replace(folder, parent / f".{folder.name}.v-foregaende")
        previous = f".{folder.name}.v-foregaende"
    link = parent / f".{folder.name}.lank-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    os.symlink(version.name, link)
    os.replace(link, folder)
    directory = os.open(parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    keep = {version.name, previous}
    for stale in parent.glob(f".{folder.name}.*"):
        if stale.name in keep:
            continue
        if stale.is_symlink() or stale.is_file():
            stale.unlink(missing_ok=True)
        else:
            shutil.rmtree(stale, ignore_errors=True)
