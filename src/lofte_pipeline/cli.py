"""The `lofte` command. Imports stay lean: no Prefect, and WeasyPrint only when a PDF is made."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import LofteError
from .promise import bundled_promise_path


def _report(args: argparse.Namespace) -> int:
    from .report import build_report

    result = build_report(args.promise, args.inbox, args.out, args.period, pdf=not args.no_pdf,
                          final=args.final)
    figures = result.figures
    print(f"Rapport skriven: {result.folder}")
    for target in figures["targets"]:
        print(f"  {target['id']:<28} {target['status']:<9} {target['done_to_date']:>4} hittills")
    rejected_rows = sum(s["rows_rejected"] for s in figures["sources"].values())
    if rejected_rows or figures["rejected_files"]:
        print(f"Avvisat: {rejected_rows} rader och {len(figures['rejected_files'])} filer "
              f"(se {result.path('avvisat.csv')})")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .errors import UnreadableFileError
    from .intake import check_file
    from .promise import load_promise

    promise = load_promise(args.promise)
    promise.source(args.source)
    path = Path(args.file)
    if not path.is_file():
        raise LofteError(f"Filen {path} finns inte.")
    from .isolation import IsolatedReader

    try:
        with IsolatedReader() as reader:
            result = check_file(path, promise, args.source, reader=reader)
    except UnreadableFileError as exc:
        if args.format == "json":
            print(json.dumps({"file": path.name, "readable": False, "reason": exc.reason},
                             ensure_ascii=False, indent=2))
        else:
            print(f"{path.name}: kan inte läsas. {exc.reason}")
        return 1
    problems = result.rejected
    if args.format == "json":
        print(json.dumps({
            "file": path.name, "readable": True, "sheets": result.sheets_read,
            "rows_accepted": len(result.accepted),
            "rows_rejected": int(problems[["sheet", "row"]].drop_duplicates().shape[0]),
            "problems": [{"sheet": r.sheet, "row": int(r.row), "column": r.column,
                          "value": r.value, "reason": r.reason}
                         for r in problems.itertuples()],
        }, ensure_ascii=False, indent=2))
    else:
        rejected_rows = problems[["sheet", "row"]].drop_duplicates().shape[0]
        print(f"{path.name}: {len(result.accepted)} rader godkända, {rejected_rows} rader "
              f"skulle avvisas.")
        for r in problems.itertuples():
            where = f"blad '{r.sheet}', " if r.sheet else ""
            print(f"  {where}rad {r.row}, kolumn {r.column}: '{r.value}'. {r.reason}")
    return 1 if not problems.empty else 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import write_demo_inbox
    from .period import tertials
    from .promise import load_promise
    from .report import build_report

    out = Path(args.out)
    promise = load_promise(args.promise)
    inbox = out / "inkorg"
    written = write_demo_inbox(promise, inbox, seed=args.seed)
    print(f"Demoinkorg: {inbox} ({len(written)} filer)")
    for period in tertials(promise.year):
        result = build_report(args.promise, inbox, out / "rapporter", period)
        statuses = [t["status"] for t in result.figures["targets"]]
        achieved = statuses.count("achieved")
        print(f"{period.id}: {result.path('rapport.pdf')}  ({achieved} av "
              f"{len(statuses) - statuses.count('reported')} mätbara mål uppnådda)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from flows.serve import serve_locally
    except ImportError as exc:
        raise LofteError(f"lofte serve behöver Prefect: installera med '.[flows]' ({exc}).") from None
    return serve_locally(Path(args.promise), Path(args.inbox), Path(args.out),
                         Path(args.state) if args.state else None, args.host, args.port,
                         args.poll_seconds, args.settle_seconds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lofte", description="Uppföljning av medborgarlöften: från aktivitetsloggar till "
        "tertialrapporter (HTML och PDF).")
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("report", help="bygg en tertialrapport från inkorgen")
    report.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    report.add_argument("--inbox", required=True, help="inkorgen: INBOX/<källa>/filer")
    report.add_argument("--out", required=True, help="mapp där OUT/<löfte>/<period>/ skrivs")
    report.add_argument("--period", required=True, help="tertial, t.ex. 2019-T2")
    report.add_argument("--no-pdf", action="store_true", help="hoppa över PDF:en")
    report.add_argument("--final", action="store_true",
                        help="slutlig rapport (annars ett utkast märkt UTKAST)")
    report.set_defaults(run=_report)

    check = commands.add_parser("check", help="kontrollera en arbetsbok innan den lämnas in")
    check.add_argument("file", help="arbetsboken (.xlsx, .xlsm, .xls, .ods eller .csv)")
    check.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    check.add_argument("--source", required=True, help="källa, t.ex. polisen eller kommunen")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.set_defaults(run=_check)

    demo = commands.add_parser("demo", help="skriv en demoinkorg och alla tre tertialrapporter")
    demo.add_argument("--out", default="demo-output", help="mapp för inkorg och rapporter")
    demo.add_argument("--promise", default=str(bundled_promise_path()), help="löftesfilen")
    demo.add_argument("--seed", type=int, default=2019, help="slumpfrö för demodata")
    demo.set_defaults(run=_demo)

    serve = commands.add_parser(
        "serve", help="kör allt på en server: Prefect, scheman och bevakning av inkorgen")
    serve.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    serve.add_argument("--inbox", required=True, help="inkorgen: INBOX/<källa>/filer")
    serve.add_argument("--out", required=True, help="mapp för rapporterna")
    serve.add_argument("--state", help="mapp för bokföring (standard: lofte-state bredvid inkorgen)")
    serve.add_argument("--host", default="127.0.0.1", help="Prefect-serverns adress")
    serve.add_argument("--port", type=int, default=4200, help="Prefect-serverns port")
    serve.add_argument("--poll-seconds", type=float, default=30.0,
                       help="hur ofta inkorgen undersöks (sekunder)")
    serve.add_argument("--settle-seconds", type=float, default=10.0,
                       help="så länge en fil ska vara orörd innan den läses (sekunder)")
    serve.set_defaults(run=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except LofteError as exc:
        print(f"fel: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
