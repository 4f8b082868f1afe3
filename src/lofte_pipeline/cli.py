"""The `lofte` command. Imports stay lean: no Prefect, and WeasyPrint only when a PDF is made."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import LofteError
from .messages import message

# Entry points of commands whose code lives outside the library (`serve`: the Prefect flows).
COMMANDS = "lofte_pipeline.commands"


def _report(args: argparse.Namespace) -> int:
    from .i18n import texts
    from .report import build_report

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
    if args.final and args.approve:
        from .publish import publish_package

        entry = publish_package(result.public, destination, args.approve, args.change_note)
        print(
            message(
                "utskrift.publicerad",
                version=entry.version,
                folder=destination / "aktuell",
                name=entry.approved_by,
            )
        )
    elif args.final:
        print(message("utskrift.slutlig_ej_publicerad"))
    return 0


def _check(args: argparse.Namespace) -> int:
    from .errors import UnreadableFileError
    from .intake import check_file
    from .isolation import IsolatedReader
    from .promise import load_promise

    path = Path(args.file)
    if not path.is_file():
        raise LofteError(message("kommando.fil_saknas", path=path))
    promise = load_promise(args.promise)
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


def _template(args: argparse.Namespace) -> int:
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


def _validate_promise(args: argparse.Namespace) -> int:
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


def _new_promise(args: argparse.Namespace) -> int:
    from .promise import load_promise, new_promise_text

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


def _demo(args: argparse.Namespace) -> int:
    from .demo import write_demo_inbox
    from .period import tertials
    from .promise import bundled_promise_path, load_promise
    from .report import build_report

    out = Path(args.out)
    args.promise = args.promise or str(bundled_promise_path())
    promise = load_promise(args.promise)
    inbox = out / "inkorg"
    written = write_demo_inbox(promise, inbox, seed=args.seed)
    print(message("utskrift.demoinkorg", inbox=inbox, count=len(written)))
    for period in tertials(promise.year):
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


def _serve(args: argparse.Namespace) -> int:
    """The flows' code, found by its entry point (`serve` in COMMANDS) when the command runs."""
    from importlib.metadata import entry_points

    try:
        point = next(iter(entry_points(group=COMMANDS, name="serve")), None)
        if point is None:
            raise ModuleNotFoundError(f"{COMMANDS}: serve")
        run = point.load()()
    except ImportError as exc:  # Prefect or the flows are not installed
        raise LofteError(message("kommando.prefect_saknas", error=exc)) from None
    return int(run(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lofte",
        description="Uppföljning av medborgarlöften: från aktivitetsloggar till "
        "tertialrapporter (HTML och PDF).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("report", help="bygg en tertialrapport från inkorgen")
    report.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    report.add_argument("--inbox", required=True, help="inkorgen: INBOX/<källa>/filer")
    report.add_argument("--out", required=True, help="mapp där OUT/<löfte>/<period>/ skrivs")
    report.add_argument("--period", required=True, help="tertial, t.ex. 2019-T2")
    report.add_argument("--no-pdf", action="store_true", help="hoppa över PDF:en")
    report.add_argument(
        "--state",
        help="mapp för arkiv och bokföring (standard: "
        "lofte-state/<inkorgens namn> bredvid inkorgen)",
    )
    report.add_argument(
        "--final", action="store_true", help="slutlig rapport (annars ett utkast märkt UTKAST)"
    )
    report.add_argument(
        "--approve", metavar="NAMN", help="godkänn och publicera den slutliga rapporten i ditt namn"
    )
    report.add_argument("--publish-dir", help="mappen som webbredaktionen publicerar från")
    report.add_argument(
        "--change-note", default="", help="vid rättelse av en publicerad rapport: vad som rättats"
    )
    report.add_argument("--lang", default="sv", help="rapportens språk: sv (standard) eller en")
    report.add_argument(
        "--previous",
        metavar="FIGURES_JSON",
        help="förra årets figures.json för samma tertial (standard: letas upp "
        "bland rapporterna i --out)",
    )
    report.set_defaults(run=_report)

    check = commands.add_parser("check", help="kontrollera en arbetsbok innan den lämnas in")
    check.add_argument("file", help="arbetsboken (.xlsx, .xlsm, .xls, .ods eller .csv)")
    check.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    check.add_argument("--source", required=True, help="källa, t.ex. polisen eller kommunen")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.set_defaults(run=_check)

    demo = commands.add_parser("demo", help="skriv en demoinkorg och alla tre tertialrapporter")
    demo.add_argument("--out", default="demo-output", help="mapp för inkorg och rapporter")
    demo.add_argument(
        "--promise", default=None, help="löftesfilen (utan: Strängnäs 2019, som följer med)"
    )
    demo.add_argument("--seed", type=int, default=2019, help="slumpfrö för demodata")
    demo.set_defaults(run=_demo)

    template = commands.add_parser("template", help="skriv en loggmall (xlsx) för en källa")
    template.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    template.add_argument("--source", required=True, help="källa, t.ex. kommunen")
    template.add_argument("-o", "--output", default="mall.xlsx", help="mallens filnamn")
    template.set_defaults(run=_template)

    validate_promise = commands.add_parser(
        "validate-promise", help="kontrollera en löftesfil och förklara felen"
    )
    validate_promise.add_argument("file", help="löftesfilen (YAML)")
    validate_promise.set_defaults(run=_validate_promise)

    new_promise = commands.add_parser(
        "new-promise", help="börja ett nytt löfte (nytt år eller ny kommun) från ett befintligt"
    )
    new_promise.add_argument(
        "--from", dest="source_file", required=True, help="befintlig löftesfil att utgå från"
    )
    new_promise.add_argument("--id", required=True, help="nytt id, t.ex. strangnas-2020")
    new_promise.add_argument("--year", type=int, required=True, help="löftesåret")
    new_promise.add_argument("--municipality", help="ny kommun (standard: samma)")
    new_promise.add_argument("-o", "--output", required=True, help="den nya filen")
    new_promise.set_defaults(run=_new_promise)

    serve = commands.add_parser(
        "serve", help="kör allt på en server: Prefect, scheman och bevakning av inkorgen"
    )
    serve.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    serve.add_argument("--inbox", required=True, help="inkorgen: INBOX/<källa>/filer")
    serve.add_argument("--out", required=True, help="mapp för rapporterna")
    serve.add_argument(
        "--state", help="mapp för bokföring (standard: lofte-state bredvid inkorgen)"
    )
    serve.add_argument(
        "--publish-dir",
        help="mappen som webbredaktionen publicerar från (standard: publicering bredvid --out)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="Prefect-serverns adress")
    serve.add_argument("--port", type=int, default=4200, help="Prefect-serverns port")
    serve.add_argument(
        "--poll-seconds", type=float, default=30.0, help="hur ofta inkorgen undersöks (sekunder)"
    )
    serve.add_argument(
        "--settle-seconds",
        type=float,
        default=10.0,
        help="så länge en fil ska vara orörd innan den läses (sekunder)",
    )
    serve.set_defaults(run=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except LofteError as exc:
        print(message("kommando.fel", message=exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
