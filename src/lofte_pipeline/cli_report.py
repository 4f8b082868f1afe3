"""`lofte report`: a report built from the inbox, what it shows printed, and, when a final report is
approved, published.

The one command that publishes, so the rules that guard publication (an approval and a change note
only for a final report with a publication folder) and the corrections read from the publication
folder live here with it, apart from the parser and the smaller commands. Like the rest of the
command line it imports what it uses when it runs: no Prefect, and WeasyPrint only for a PDF.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LofteError
from .messages import message

if TYPE_CHECKING:
    from .publish import Publication


def check_publish_dir(publish_dir: str | Path, folders: Mapping[str, str | Path]) -> None:
    """Refuse a publication folder that is, or is inside, or holds one of `folders` (option ->
    folder: the reports, the inbox, the archive): a draft run would replace what was published
    there, the inbox would read it as input, or the web team would publish internal material.
    Compared as resolved paths, so a link or a `..` does not hide it."""
    publish = Path(publish_dir).resolve()
    for option, folder in folders.items():
        other = Path(folder).resolve()
        if publish == other or other in publish.parents:
            raise LofteError(
                message("kommando.publicering_i_mapp", publish=publish, option=option, folder=other)
            )
        if publish in other.parents:
            raise LofteError(
                message("kommando.mapp_i_publicering", publish=publish, option=option, folder=other)
            )


def run_report(args: argparse.Namespace) -> int:
    from .i18n import texts
    from .report import build_report

    if args.publish_dir:
        from .archive import default_state_dir

        state = args.state or default_state_dir(Path(args.inbox))
        check_publish_dir(
            args.publish_dir, {"--out": args.out, "--inbox": args.inbox, "--state": state}
        )
    if args.approve and not (args.final and args.publish_dir):
        raise LofteError(message("kommando.approve_kraver_final"))
    if args.change_note.strip() and not (args.final and args.publish_dir):
        raise LofteError(message("kommando.change_note_kraver_final"))
    try:
        texts(args.lang)
    except ValueError as exc:  # an unknown language
        raise LofteError(str(exc)) from None
    from .period import resolve_period
    from .promise import load_promise

    promise = load_promise(args.promise)
    period = resolve_period(promise, args.period)
    previous = None
    if args.previous:
        from .render import previous_summary

        try:
            previous = json.loads(Path(args.previous).read_text(encoding="utf-8"))
            previous_summary(previous, period)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LofteError(
                message("kommando.forra_aret_oanvandbart", path=args.previous, error=exc)
            ) from None
    corrections = []
    if args.final and args.publish_dir:
        from .publish import corrections_for, publication_folder
        from .schedule import local_date

        destination = publication_folder(Path(args.publish_dir), promise.id, period.id)
        corrections = corrections_for(destination, args.change_note, local_date(None))
    result = build_report(
        args.promise,
        args.inbox,
        args.out,
        args.period,
        pdf=not args.no_pdf,
        final=args.final,
        state_dir=args.state,
        lang=args.lang,
        previous=previous,
        corrections=corrections,
    )
    figures = result.figures
    print(message("utskrift.rapport_skriven", folder=result.folder))
    for target in figures["targets"]:
        print(
            message(
                "utskrift.mal_rad",
                id=target["id"],
                status=target["status"],
                done=target["done_to_date"],
            )
        )
    rejected_rows = sum(s["rows_rejected"] for s in figures["sources"].values())
    if rejected_rows or figures["rejected_files"]:
        print(
            message(
                "utskrift.avvisat",
                rows=rejected_rows,
                files=len(figures["rejected_files"]),
                path=result.path("avvisat.csv"),
            )
        )
    if result.held is not None:
        from .approval import waiting_text

        raise LofteError(waiting_text(result.folder, result.held))
    if args.final and args.approve:
        from .publish import publish_version

        entry = publish_version(
            result.folder, result.version, destination, args.approve, args.change_note
        )
        print(published_text(entry, destination))
    elif args.final:
        print(message("utskrift.slutlig_ej_publicerad", version=result.version))
    return 0


def run_publish(args: argparse.Namespace) -> int:
    """Publish a final report already built and read: the version named, or the one the report's
    link points at now. Exit 2 (a LofteError) for a draft, an unknown or a changed version."""
    from .period import resolve_period
    from .promise import load_promise
    from .publish import publication_folder, publish_version

    promise = load_promise(args.promise)
    period = resolve_period(promise, args.period)
    check_publish_dir(args.publish_dir, {"--out": args.out})
    report = Path(args.out) / promise.id / period.id
    destination = publication_folder(Path(args.publish_dir), promise.id, period.id)
    entry = publish_version(report, args.version, destination, args.approve, args.change_note)
    print(published_text(entry, destination))
    print(message("utskrift.publicerad_version", version=entry.bundle_version))
    return 0


def published_text(entry: Publication, destination: Path) -> str:
    return message(
        "utskrift.publicerad",
        version=entry.version,
        folder=destination / "aktuell",
        name=entry.approved_by,
    )
