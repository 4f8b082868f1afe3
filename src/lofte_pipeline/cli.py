"""The `lofte` command. Imports stay lean: no Prefect, and WeasyPrint only when a PDF is made.

Here are the parser, a contract with the people and scripts that call `lofte` (every command,
option and help text), and main, where an error becomes a message and an exit code; `serve` is
found by its entry point. What the commands do is in cli_report.py (`report`, the one that
publishes) and cli_commands.py (the others).
"""

from __future__ import annotations

import argparse
import errno
import os
import pwd
import shlex
import sys
import tempfile
import traceback
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from .cli_commands import run_check, run_demo, run_new_promise, run_template, run_validate_promise
from .cli_report import run_publish, run_report
from .errors import LofteError
from .messages import message

# Entry points of commands whose code lives outside the library (`serve`: the Prefect flows).
COMMANDS = "lofte_pipeline.commands"
# Exit codes: 0 done (also when rows were rejected), 1 `check` or `validate-promise` found
# problems, 2 the command could not do its work (bad input, a folder that cannot be written),
# 3 a fault of the program (its traceback in LOG), 130 interrupted.
EXIT_FAILED, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 2, 3, 130
LOG = "korning.log"


def _flows_command(name: str, args: argparse.Namespace) -> int:
    """The flows' code for `serve`, `deploy` and `watch`, found by its entry point in COMMANDS
    when the command runs, so the library never imports Prefect."""
    from importlib.metadata import entry_points

    try:
        point = next(iter(entry_points(group=COMMANDS, name=name)), None)
        if point is None:
            raise ModuleNotFoundError(f"{COMMANDS}: {name}")
        run = point.load()()
    except ImportError as exc:  # Prefect or the flows are not installed
        raise LofteError(message("kommando.prefect_saknas", error=exc)) from None
    return int(run(args))


def _checked_publish_dir(args: argparse.Namespace) -> None:
    """The publication folder is checked as `lofte report` checks it (its default, as the flows
    choose it, too)."""
    from .archive import default_state_dir
    from .cli_report import check_publish_dir

    state = args.state or default_state_dir(Path(args.inbox))
    check_publish_dir(
        args.publish_dir or Path(args.out).parent / "publicering",
        {"--out": args.out, "--inbox": args.inbox, "--state": state},
    )


def _serve(args: argparse.Namespace) -> int:
    _checked_publish_dir(args)
    return _flows_command("serve", args)


def _deploy(args: argparse.Namespace) -> int:
    _checked_publish_dir(args)
    return _flows_command("deploy", args)


def _watch(args: argparse.Namespace) -> int:
    return _flows_command("watch", args)


def _worker(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise LofteError(message("kommando.arbetare_grans"))
    return _flows_command("worker", args)


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
    report.set_defaults(run=run_report)

    check = commands.add_parser("check", help="kontrollera en arbetsbok innan den lämnas in")
    check.add_argument("file", help="arbetsboken (.xlsx, .xlsm, .xls, .ods eller .csv)")
    check.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    check.add_argument("--source", required=True, help="källa, t.ex. polisen eller kommunen")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.set_defaults(run=run_check)

    demo = commands.add_parser("demo", help="skriv en demoinkorg och alla tre tertialrapporter")
    demo.add_argument("--out", default="demo-output", help="mapp för inkorg och rapporter")
    demo.add_argument(
        "--promise", default=None, help="löftesfilen (utan: Strängnäs 2019, som följer med)"
    )
    demo.add_argument("--seed", type=int, default=2019, help="slumpfrö för demodata")
    demo.set_defaults(run=run_demo)

    template = commands.add_parser("template", help="skriv en loggmall (xlsx) för en källa")
    template.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    template.add_argument("--source", required=True, help="källa, t.ex. kommunen")
    template.add_argument("-o", "--output", default="mall.xlsx", help="mallens filnamn")
    template.set_defaults(run=run_template)

    validate_promise = commands.add_parser(
        "validate-promise", help="kontrollera en löftesfil och förklara felen"
    )
    validate_promise.add_argument("file", help="löftesfilen (YAML)")
    validate_promise.set_defaults(run=run_validate_promise)

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
    new_promise.set_defaults(run=run_new_promise)

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
    serve.add_argument(
        "--files-port",
        type=int,
        default=4201,
        help="port där rapporterna och publiceringarna visas (endast läsning, på localhost)",
    )
    serve.set_defaults(run=_serve)

    publish = commands.add_parser(
        "publish", help="publicera en redan byggd slutlig rapport som du har granskat"
    )
    publish.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    publish.add_argument("--out", required=True, help="mappen där rapporterna byggdes")
    publish.add_argument("--period", required=True, help="tertial, t.ex. 2019-T2")
    publish.add_argument("--approve", required=True, metavar="NAMN", help="ditt namn")
    publish.add_argument(
        "--publish-dir", required=True, help="mappen som webbredaktionen publicerar från"
    )
    publish.add_argument(
        "--version",
        metavar="ID",
        help="versionen du granskade (standard: den som rapportmappen pekar på nu)",
    )
    publish.add_argument(
        "--change-note", default="", help="vid rättelse av en publicerad rapport: vad som rättats"
    )
    publish.set_defaults(run=run_publish)

    deploy = commands.add_parser(
        "deploy", help="driftsätt ett löftes flöden på en Prefect-server med en arbetspool"
    )
    deploy.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    deploy.add_argument("--inbox", required=True, help="inkorgen: INBOX/<källa>/filer")
    deploy.add_argument("--out", required=True, help="mapp för rapporterna")
    deploy.add_argument(
        "--state", help="mapp för bokföring (standard: lofte-state bredvid inkorgen)"
    )
    deploy.add_argument(
        "--publish-dir", required=True, help="mappen som webbredaktionen publicerar från"
    )
    deploy.add_argument("--pool", default="lofte", help="Prefects arbetspool (standard: lofte)")
    deploy.set_defaults(run=_deploy)

    watch = commands.add_parser(
        "watch", help="bevaka inkorgen och starta inkorgsflödet när filer har ändrats"
    )
    watch.add_argument("--promise", required=True, help="löftesfilen (YAML)")
    watch.add_argument("--inbox", required=True, help="inkorgen: INBOX/<källa>/filer")
    watch.add_argument(
        "--state", help="mapp för bokföring (standard: lofte-state bredvid inkorgen)"
    )
    watch.add_argument(
        "--poll-seconds", type=float, default=30.0, help="hur ofta inkorgen undersöks (sekunder)"
    )
    watch.add_argument(
        "--settle-seconds",
        type=float,
        default=10.0,
        help="så länge en fil ska vara orörd innan den läses (sekunder)",
    )
    watch.set_defaults(run=_watch)

    worker = commands.add_parser(
        "worker", help="bygg rapporterna i en omgång över alla löften (en Prefect-uppgiftsarbetare)"
    )
    worker.add_argument(
        "--limit",
        type=int,
        default=1,
        help="rapporter som byggs samtidigt (standard 1, en per kärna)",
    )
    worker.add_argument("--name", help="arbetarens namn i loggarna (standard: värd och process)")
    worker.set_defaults(run=_worker)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. What goes wrong ends in one Swedish message on stderr, never a traceback:
    bad input or a folder that cannot be written (LofteError, OSError) exit 2, an interrupt 130,
    and anything else, a fault of the program, exit 3 with its traceback written to a log
    (`unexpected_error_log`) that the message names."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except LofteError as exc:
        print(message("kommando.fel", message=exc), file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(message("kommando.fel", message=os_error_text(exc)), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(message("kommando.avbrutet"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        log = unexpected_error_log(exc, args, argv)
        if log is None:
            print(message("kommando.ovantat_fel_utan_logg", error=_one_line(exc)), file=sys.stderr)
        else:
            print(message("kommando.ovantat_fel", log=log), file=sys.stderr)
        return EXIT_UNEXPECTED


def os_error_text(exc: OSError) -> str:
    """A full disk, a denied or read-only folder: which file or folder, and what to do."""
    from .summary import printable

    name = exc.filename
    if isinstance(name, (str, bytes, os.PathLike)):
        path = printable(os.fsdecode(name))  # on one line, whatever the name holds
    else:
        path = message("kommando.okand_plats")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return message("kommando.disken_full", path=path)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return message("kommando.ingen_behorighet", path=path, user=_user())
    if exc.errno == errno.EROFS:
        return message("kommando.skrivskyddat", path=path)
    if exc.errno == errno.ENOENT:
        return message("kommando.finns_inte", path=path)
    if exc.errno in (errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.ENOTEMPTY):
        return message("kommando.fel_sorts_fil", path=path)
    code = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return message("kommando.filsystemsfel", path=path, error=code)


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # a user id without a name (a container, a share's mapping)
        return str(os.geteuid())


def unexpected_error_log(
    exc: BaseException, args: argparse.Namespace, argv: list[str]
) -> Path | None:
    """Append the command line and the traceback of `exc` to LOG, in the first folder of
    `log_folders` where that works, else in a new file in the temporary folder; the path, or
    None when nothing could be written anywhere."""
    text = (
        f"{datetime.now().astimezone().isoformat(timespec='seconds')} "
        f"lofte {shlex.join(argv)}\n{''.join(traceback.format_exception(exc))}\n"
    )
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
    for folder in log_folders(args):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = os.open(folder / LOG, flags, 0o640)
        except OSError:
            continue
        with (
            suppress(OSError),
            os.fdopen(handle, "a", encoding="utf-8", errors="backslashreplace") as log,
        ):
            log.write(text)
            return folder / LOG
    with suppress(OSError):
        handle, name = tempfile.mkstemp(prefix="lofte-korning-", suffix=".log")
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as log:
            log.write(text)
        return Path(name)
    return None


def log_folders(args: argparse.Namespace) -> list[Path]:
    """Where the log of an unexpected error goes: the command's --out folder, beside the
    reports (report, demo, serve), then the user's state folder (~/.local/state/lofte)."""
    folders = [Path(args.out)] if getattr(args, "out", None) else []
    with suppress(RuntimeError):  # no home folder
        state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
        folders.append(Path(state) / "lofte")
    return folders


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


if __name__ == "__main__":
    sys.exit(main())
