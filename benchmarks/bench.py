"""The pipeline's speed against baselines measured in the same run (docs/performance.md).

    .venv/bin/python benchmarks/bench.py [--scale S] [--only NAME]... [--out DIR] [--markdown]
                                         [--rounds N]

Workloads are generated from a fixed seed (workloads.py), and every figure with a target is a
ratio against a baseline timed in this run, on this machine, so a verdict means the same on any
machine. The sides of a ratio are timed in turns and the best of each is kept, because a shared
machine's speed drifts within minutes. The exit code is 0 whether targets pass or not: this
reports, it does not gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from workloads import SEED, Sizes, ingest_workbook, write_inbox, write_promises

from lofte_pipeline.promise import Promise, bundled_promise_path, load_promise

PERIOD = "2019-T2"
WORKLOADS = ("ingest", "check", "cache", "tertial", "national")
ROUNDS = 3  # best of 3 where a baseline is slow (an openpyxl read takes half a minute)
TERTIAL_ROUNDS = 5  # the tertial's processes take seconds each: best of 5
PY = sys.executable
LOFTE = [PY, "-m", "lofte_pipeline"]
OPENPYXL_ONLY = "import sys, pandas; pandas.read_excel(sys.argv[1], engine='openpyxl')"
READ_ONLY = """
import sys
from pathlib import Path
from lofte_pipeline.ingest import read_sheets
for name in sys.argv[1:]:
    read_sheets(Path(name))
"""
PDF_ONLY = """
import sys
from pathlib import Path
from lofte_pipeline.render import render_pdf
render_pdf(Path(sys.argv[1]).read_text(encoding="utf-8"), sys.argv[2])
"""
Row = dict[str, Any]
Target = tuple[str, float] | None  # ("≥", 15) or ("≤", 1.5)
Say = Callable[[str], None]


# ---------------------------------------------------------------- timing


def timed(call: Callable[[], object]) -> Callable[[], float]:
    """A side of a ratio: one call's wall time, with earlier garbage and its own result freed
    off the clock (freeing a large frame would otherwise be charged to whoever runs next)."""

    def side() -> float:
        gc.collect()
        start = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - start
        del result
        return seconds

    return side


def process(command: list[str], ok: tuple[int, ...] = (0,)) -> Callable[[], float]:
    """A side that is a whole process: start to exit, interpreter and imports included."""

    def side() -> float:
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode not in ok:
            raise RuntimeError(
                f"{' '.join(command[:5])} … exited {done.returncode}:\n{done.stderr[-2000:]}"
            )
        return seconds

    return side


def in_turns(sides: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Each side's best time, the sides taken one after another `rounds` times, so every side
    sees the same moments of the machine."""
    best = dict.fromkeys(sides, math.inf)
    for _ in range(rounds):
        for name, side in sides.items():
            best[name] = min(best[name], side())
    return best


def fresh(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def row(metric: str, value: float, unit: str, note: str = "", target: Target = None) -> Row:
    """One line of the table (run() adds the workload); with a target, PASS or MISS."""
    shown, status = "", ""
    if target:
        op, bound = target
        shown = f"{op} {bound:g}"
        status = "PASS" if (value >= bound if op == "≥" else value <= bound) else "MISS"
    return {
        "metric": metric,
        "value": float(value),
        "unit": unit,
        "target": shown,
        "status": status,
        "note": note,
    }


# ---------------------------------------------------------------- the workloads


def bench_ingest(path: Path, n: int, promise: Promise, rounds: int) -> list[Row]:
    """Validated ingest in this process against pandas with openpyxl, in rows/s."""
    import fastexcel
    import pandas as pd

    from lofte_pipeline.ingest import read_sheets
    from lofte_pipeline.intake import check_file
    from lofte_pipeline.isolation import IsolatedReader

    result = check_file(path, promise, "polisen")  # off the clock: imports, first-call caches
    accepted, rejected = len(result.accepted), result.rows_rejected
    del result
    with IsolatedReader() as reader:  # one child for all turns, as for one inbox read
        sides = {
            "here": lambda: check_file(path, promise, "polisen"),
            "child": lambda: check_file(path, promise, "polisen", reader=reader),
            "read": lambda: read_sheets(path),
            "calamine": lambda: pd.read_excel(path, engine="calamine"),
            "fastexcel": lambda: fastexcel.read_excel(str(path)).load_sheet(0).to_polars(),
            "openpyxl": lambda: pd.read_excel(path, engine="openpyxl"),
        }
        best = in_turns({name: timed(call) for name, call in sides.items()}, rounds)
    counted = f"; {accepted:,} rows accepted, {rejected:,} rejected"

    def speed(metric: str, name: str, note: str = "") -> Row:
        return row(metric, n / best[name], "rows/s", f"{best[name]:.2f} s{note}")

    return [
        speed("pipeline check_file (read + validate, here)", "here", counted),
        speed("  the same in the isolated child", "child"),
        speed("  of which read_sheets (fastexcel)", "read"),
        speed("floor pandas.read_excel(engine=calamine)", "calamine", "; no validation"),
        speed("floor fastexcel load_sheet to_polars", "fastexcel", "; no validation"),
        speed("baseline pandas.read_excel(engine=openpyxl)", "openpyxl"),
        row("pipeline / openpyxl baseline", best["openpyxl"] / best["here"], "×", target=("≥", 15)),
    ]


def bench_check(path: Path, n: int, tiny: Path, promise_file: Path, rounds: int) -> list[Row]:
    """`lofte check` as a whole process against a process that only reads with openpyxl."""
    check = [*LOFTE, "check", "--promise", str(promise_file), "--source", "polisen"]
    check += ["--format", "json"]
    process([*check, str(tiny)], ok=(0, 1))()  # off the clock: the page cache, compiled modules
    # exit 1 says that rows would be rejected: the workbook has mistakes on purpose
    sides = {
        "lofte": process([*check, str(path)], ok=(0, 1)),
        "fixed": process([*check, str(tiny)], ok=(0, 1)),
        "baseline": process([PY, "-c", OPENPYXL_ONLY, str(path)]),
    }
    best = in_turns(sides, rounds)
    return [
        row("lofte check process (the ingest workbook)", best["lofte"], "s", f"{n:,} rows"),
        row("  fixed cost (lofte check on 10 rows)", best["fixed"], "s"),
        row("baseline process pandas.read_excel(openpyxl)", best["baseline"], "s"),
        row("baseline / lofte check", best["baseline"] / best["lofte"], "×", target=("≥", 8)),
    ]


def bench_cache(inbox: Path, work: Path, promise_file: Path, rounds: int) -> list[Row]:
    """The first build into empty folders, the same build unchanged, and one that must render
    again (English) with the parse cache warm."""
    from lofte_pipeline.report import build_report

    out, state = work / "cache-out", work / "cache-state"

    def build(lang: str) -> Callable[[], float]:
        return timed(
            lambda: build_report(promise_file, inbox, out, PERIOD, state_dir=state, lang=lang)
        )

    def cold_first() -> float:
        fresh(out, state)  # off the clock: each round starts from empty folders
        return build("sv")()

    best = in_turns({"first": cold_first, "rerun": build("sv"), "en": build("en")}, rounds)
    shown_ratio = f"first / this = {best['first'] / best['en']:.2f}×"
    return [
        row("first run (empty out and state)", best["first"], "s"),
        row("unchanged rerun (bundle kept, nothing parsed)", best["rerun"], "s"),
        row("first / unchanged rerun", best["first"] / best["rerun"], "×", target=("≥", 3)),
        row("rerun that renders again (lang en, parse cache warm)", best["en"], "s", shown_ratio),
    ]


def bench_tertial(inbox: Path, work: Path, promise_file: Path, rounds: int) -> list[Row]:
    """A cold `lofte report` process against the processes of its unavoidable parts: reading
    every file, and laying out the report's own HTML as a PDF."""
    from lofte_pipeline.period import resolve_period
    from lofte_pipeline.render import document_title
    from lofte_pipeline.report import build_report

    first = build_report(
        promise_file, inbox, work / "tertial-first", PERIOD, state_dir=work / "tertial-first-state"
    )
    sources = first.figures["sources"].values()
    rows = sum(s["rows_accepted"] + s["rows_rejected"] for s in sources)
    promise = load_promise(promise_file)
    title = document_title(promise, resolve_period(promise, PERIOD), draft=True)
    files = [str(f) for f in sorted(inbox.rglob("*.xlsx"))]
    out, state = work / "tertial-out", work / "tertial-state"
    report = [*LOFTE, "report", "--promise", str(promise_file), "--inbox", str(inbox)]
    report += ["--out", str(out), "--state", str(state), "--period", PERIOD]

    def cold_report() -> float:
        fresh(out, state)  # off the clock: nothing kept from the previous run
        return process(report)()

    sides = {
        "report": cold_report,
        "read": process([PY, "-c", READ_ONLY, *files]),
        "pdf": process([PY, "-c", PDF_ONLY, str(first.path("rapport.html")), title]),
    }
    best = in_turns(sides, rounds)
    parts = best["read"] + best["pdf"]
    size = f"{len(files)} files, {rows:,} rows"
    return [
        row("lofte report process, cold (HTML + PDF)", best["report"], "s", size),
        row("  part: process reading every file (read_sheets)", best["read"], "s"),
        row("  part: process laying out its PDF (render_pdf)", best["pdf"], "s"),
        row("report process / sum of the parts", best["report"] / parts, "×", target=("≤", 1.5)),
    ]


def _warm(_: int) -> None:
    """A pool process with the library and its templates loaded, as a task worker has them."""
    from lofte_pipeline import news, opendata, render, report  # noqa: F401

    time.sleep(1)  # long enough that each of the two processes takes one


def _report_alone(job: tuple[str, str, str, str]) -> bool:
    from lofte_pipeline.report import build_report

    promise, inbox, out, state = job
    return build_report(promise, inbox, out, PERIOD, state_dir=state).built


def bench_national(root: Path, work: Path) -> list[Row]:
    """A round of many promises: in this machine's processes straight through the library (two
    at a time, the baseline), and through a Prefect server and two long-lived task workers
    (`lofte worker`), each report its own task run. The pool, the server and the workers are
    started and warmed off the clock: they stay up between rounds."""
    from concurrent.futures import ProcessPoolExecutor

    promises = sorted((root / "loften").glob("*.yaml"))
    inboxes = root / "inkorgar"
    alone_out, alone_state = work / "national-alone", work / "national-alone-state"
    prefect_out, prefect_state = work / "national-prefect", inboxes.parent / "lofte-state"
    fresh(alone_out, alone_state, prefect_out, prefect_state)
    jobs = [
        (str(p), str(inboxes / p.stem), str(alone_out), str(alone_state / p.stem)) for p in promises
    ]
    # Spawned, not forked: this process may hold WeasyPrint's and fontconfig's state already.
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_warm, range(2)))  # off the clock, like the task workers' start
        start = time.perf_counter()
        built = sum(pool.map(_report_alone, jobs))
        alone = time.perf_counter() - start
    if built != len(jobs):
        raise RuntimeError(f"in-process: {built} of {len(jobs)} reports built")
    through_prefect, spread = _prefect_round(root, work, prefect_out)
    n = len(jobs)
    return [
        row(
            "round in-process, two processes", alone, "s", f"{n} reports, {n / alone * 60:.0f}/min"
        ),
        row(
            "round through Prefect, two task workers",
            through_prefect,
            "s",
            f"{n} reports, {n / through_prefect * 60:.0f}/min; per worker {spread}",
        ),
        row("through Prefect / in-process", through_prefect / alone, "×", target=("≤", 1.5)),
    ]


def _prefect_round(root: Path, work: Path, out: Path) -> tuple[float, str]:
    """The same round as the all-promises flow on a local Prefect server: wall time and how many
    reports each worker built."""
    home = work / "prefect-home"
    fresh(home)
    os.environ.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
    )
    from flows.serve import start_server, stop_process
    from flows.task_worker import subscribed_workers
    from flows.watch import healthy

    port = _free_port()
    server, api_url = start_server("127.0.0.1", port)
    os.environ["PREFECT_API_URL"] = api_url
    workers = []
    try:
        workers = [
            subprocess.Popen(
                [str(Path(PY).parent / "lofte"), "worker", "--name", f"arbetare-{n}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for n in (1, 2)
        ]
        deadline = time.monotonic() + 120
        while subscribed_workers(api_url) < 2:
            if time.monotonic() > deadline or not healthy(api_url):
                raise RuntimeError("the task workers did not subscribe within 120 s")
            time.sleep(0.5)
        from flows.all_promises import all_promises

        start = time.perf_counter()
        state = all_promises(
            promise_dir=str(root / "loften"),
            inbox_root=str(root / "inkorgar"),
            out=str(out),
            period="T2",
            return_state=True,
        )
        seconds = time.perf_counter() - start
        if not state.is_completed():
            raise RuntimeError(f"the round through Prefect failed: {state.message}")
        reports = state.result()["reports"]
        if not all(r["built"] for r in reports):
            raise RuntimeError("the round through Prefect kept reports it should have built")
        names = sorted({r["worker"] for r in reports})
        spread = ", ".join(f"{sum(r['worker'] == w for r in reports)}" for w in names)
        return seconds, spread
    finally:
        for worker in workers:
            stop_process(worker)
        stop_process(server)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- the run


def machine_info() -> dict[str, Any]:
    """What the figures depend on: the commit (+dirty), Python, the libraries doing the work."""
    names = ("pandas", "openpyxl", "python-calamine", "fastexcel", "polars", "weasyprint")

    def git(*args: str) -> str:
        checkout = str(Path(__file__).resolve().parents[1])
        try:
            done = subprocess.run(["git", "-C", checkout, *args], capture_output=True, text=True)
        except OSError:  # no git here
            return ""
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") + (
        "+dirty" if git("status", "--porcelain") else ""
    )
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "commit": commit or None,
        "versions": {name: version(name) for name in names},
    }


def run(work: Path, scale: float, only: list[str], rounds: int | None, say: Say) -> list[Row]:
    """Generate (or reuse) the workloads in `work` and measure the selected ones."""
    sizes = Sizes.at(scale)
    best_of, tertial_best_of = rounds or ROUNDS, rounds or TERTIAL_ROUNDS
    promise_file = bundled_promise_path()
    promise = load_promise(promise_file)
    rows: list[Row] = []

    def measured(workload: str, found: list[Row]) -> None:
        rows.extend({"workload": workload, **r} for r in found)

    if "ingest" in only or "check" in only:
        say(f"writing the {sizes.ingest_rows:,}-row workbook")
        big = ingest_workbook(work / "workloads", promise, sizes.ingest_rows)
        if "ingest" in only:
            say(f"ingest: in turns, best of {best_of}")
            measured("ingest", bench_ingest(big, sizes.ingest_rows, promise, best_of))
        if "check" in only:
            say(f"check: in turns, best of {best_of}")
            tiny = ingest_workbook(work / "workloads", promise, 10)
            measured("check", bench_check(big, sizes.ingest_rows, tiny, promise_file, best_of))
    if "cache" in only or "tertial" in only:
        say(f"writing the tertial: 2 sources × {sizes.tertial_files} × {sizes.tertial_rows:,} rows")
        inbox = work / "workloads" / f"tertial-{sizes.tertial_rows}-s{SEED}"
        write_inbox(inbox, promise, sizes.tertial_files, sizes.tertial_rows)
        if "cache" in only:
            say(f"cache: in turns, best of {best_of}")
            measured("cache", bench_cache(inbox, work, promise_file, best_of))
        if "tertial" in only:
            say(f"tertial: in turns, best of {tertial_best_of}")
            measured("tertial", bench_tertial(inbox, work, promise_file, tertial_best_of))
    if "national" in only:
        n = sizes.national_promises
        say(f"national: {n} promises with a demo inbox each, once in-process, once through Prefect")
        root = write_promises(work / "workloads", promise_file, n)
        measured("national", bench_national(root, work))
    return rows


def _value(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def table(rows: list[Row], markdown: bool) -> str:
    """The rows as aligned text, or as a markdown table for docs/performance.md."""
    keys = ("workload", "metric", "value", "unit", "target", "status", "note")
    cells = [[_value(r[k]) if k == "value" else r[k] for k in keys] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(keys) + " |", "|---|---|--:|---|---|---|---|"]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for c in cells:
        aligned = (v.rjust(w) if k == "value" else v.ljust(w) for k, v, w in zip(keys, c, widths))
        lines.append("  ".join(aligned))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size")
    parser.add_argument("--only", action="append", choices=WORKLOADS, metavar="NAME")
    parser.add_argument("--out", type=Path, help="keeps the workloads, writes bench-results.json")
    parser.add_argument("--markdown", action="store_true", help="prints the table as markdown")
    parser.add_argument("--rounds", type=int, help=f"best of N (default {ROUNDS}, tertial 5)")
    args = parser.parse_args(argv)
    if not args.scale > 0 or (args.rounds is not None and args.rounds < 1):
        parser.error("--scale must be > 0 and --rounds at least 1")
    only = args.only or list(WORKLOADS)

    def say(message: str) -> None:
        print(f"· {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lofte-bench-") as temporary:
        work = args.out or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        rows = run(work, args.scale, only, args.rounds, say)
    seconds = time.perf_counter() - started
    info = machine_info()
    if args.out:
        results = {
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "scale": args.scale,
            "workloads": only,
            "rounds": args.rounds,
            "seconds": round(seconds, 1),
            "machine": info,
            "rows": rows,
        }
        text = json.dumps(results, ensure_ascii=False, indent=2)
        (args.out / "bench-results.json").write_text(text + "\n", encoding="utf-8")
    print(
        f"benchmarks/bench.py, scale {args.scale:g}, {dt.date.today().isoformat()}, "
        f"{info['cpus']} CPUs, Python {info['python']}, commit {info['commit'] or '?'}, "
        f"{seconds:.0f} s"
    )
    print(table(rows, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
