"""The smaller `lofte` commands: check a workbook, write a log template, validate a promise file or
start a new one from it, write the demo.

Each is a function of its parsed arguments that prints and returns the exit code, raising
LofteError for what main turns into a message. They are independent of each other and publish
nothing; they import what they use when they run, so `lofte check` stays quick and free of Prefect
and WeasyPrint.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LofteError
from .messages import message

if TYPE_CHECKING:
    from .promise import Promise


def run_check(args: argparse.Namespace) -> int:
    from .errors import UnreadableFileError
    from .indicator_values import INDICATOR_FOLDER
    from .intake import check_file
    from .isolation import IsolatedReader
    from .promise import load_promise

    path = Path(args.file)
    if not path.is_file():
        raise LofteError(message("kommando.fil_saknas", path=path))
    promise = load_promise(args.promise)
    if not (args.source == INDICATOR_FOLDER and promise.indicators):
        promise.source(args.source)
    try:
        with IsolatedReader() as reader:
            result = check_file(path, promise, args.source, reader=reader)
    except UnreadableFileError as exc:
        if args.format == "json":
            print(
                json.dumps(
                    {"file": path.name, "readable": False, "reason": exc.reason},
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            print(message("utskrift.kan_inte_lasas", file=path.name, reason=exc.reason))
        return 1
    from .summary import check_document, check_text

    if args.format == "json":
        print(json.dumps(check_document(path.name, result), ensure_ascii=False, indent=2))
    else:
        print(check_text(path.name, result))
    return 1 if not result.rejected.empty else 0


def run_template(args: argparse.Namespace) -> int:
    from .promise import load_promise
    from .workbook_template import write_template

    promise = load_promise(args.promise)
    path = write_template(promise, args.source, Path(args.output))
    print(
        message(
            "utskrift.mall_skriven",
            path=path,
            source=args.source,
            municipality=promise.municipality,
            year=promise.year,
        )
    )
    return 0


def run_validate_promise(args: argparse.Namespace) -> int:
    from .errors import PromiseFileError
    from .promise import load_promise

    try:
        promise = load_promise(args.file)
    except PromiseFileError as exc:
        print(message("utskrift.loftesfil_fel", error=exc))
        return 1
    measurable = [t for t in promise.targets if not t.reported_only]
    print(
        message(
            "utskrift.loftesfil_giltig",
            file=args.file,
            municipality=promise.municipality,
            year=promise.year,
            statements=len(promise.statements),
            targets=len(promise.targets),
            measurable=len(measurable),
            activities=len(promise.activities),
            districts=len(promise.districts),
            sources=", ".join(promise.source_ids),
        )
    )
    return 0


def run_new_promise(args: argparse.Namespace) -> int:
    from .promise import load_promise

    source = load_promise(args.source_file)
    text = new_promise_text(
        Path(args.source_file).read_text(encoding="utf-8"),
        source,
        args.id,
        args.year,
        args.municipality,
    )
    target = Path(args.output)
    if target.exists():
        raise LofteError(message("kommando.finns_redan", path=target))
    target.write_text(text, encoding="utf-8")
    load_promise(target)
    print(message("utskrift.nytt_lofte", path=target))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from .demo import write_demo_inbox
    from .promise import bundled_promise_path, load_promise
    from .report import build_report

    out = Path(args.out)
    args.promise = args.promise or str(bundled_promise_path())
    promise = load_promise(args.promise)
    inbox = out / "inkorg"
    written = write_demo_inbox(promise, inbox, seed=args.seed)
    print(message("utskrift.demoinkorg", inbox=inbox, count=len(written)))
    for period in promise.periods:
        result = build_report(args.promise, inbox, out / "rapporter", period)
        statuses = [t["status"] for t in result.figures["targets"]]
        achieved = statuses.count("achieved")
        print(
            message(
                "utskrift.demorapport",
                period=period.id,
                path=result.path("rapport.pdf"),
                achieved=achieved,
                measurable=len(statuses) - statuses.count("reported"),
            )
        )
    return 0


def new_promise_text(
    text: str, source: Promise, new_id: str, year: int, municipality: str | None = None
) -> str:
    """Next year's (or another municipality's) promise file from this one, comments kept.

    Only id, year, signing date and municipality change; promises, districts and targets are left
    for a person to edit.
    """
    replacements = [
        (r"^id: .*$", f"id: {new_id}"),
        (r"^ar: .*$", f"ar: {year}"),
        (r"^undertecknat: .*$", f"undertecknat: {year}-01-01"),
        (r"^titel: .*$", f"titel: Medborgarlöfte {year}"),
    ]
    if municipality:
        replacements.append((r"^kommun: .*$", f"kommun: {municipality}"))
    for pattern, replacement in replacements:
        text = re.sub(pattern, replacement, text, count=1, flags=re.MULTILINE)
    header = (
        f"# Utgår från {source.id} ({source.municipality} {source.year}). Uppdatera "
        "löften, kommundelar, källor och mål innan filen används.\n"
    )
    return header + text
