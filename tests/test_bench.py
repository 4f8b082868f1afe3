"""Smoke test of benchmarks/bench.py: every workload runs at a tiny scale and fills the table.

No timing is asserted: the figures depend on the machine. This only keeps the script from rotting.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
EXPECTED = {
    "ingest": [
        "pipeline check_file (read + validate, here)",
        "  the same in the isolated child",
        "  of which read_sheets (fastexcel)",
        "baseline pandas.read_excel(engine=openpyxl)",
        "pipeline / openpyxl baseline",
    ],
    "check": [
        "lofte check process (the ingest workbook)",
        "  fixed cost (lofte check on 10 rows)",
        "baseline process pandas.read_excel(openpyxl)",
        "baseline / lofte check",
    ],
    "cache": [
        "first run (empty out and state)",
        "unchanged rerun (bundle kept, nothing parsed)",
        "first / unchanged rerun",
        "rerun that renders again (lang en, parse cache warm)",
    ],
    "tertial": [
        "lofte report process, cold (HTML + PDF)",
        "  part: process reading every file (read_sheets)",
        "  part: process laying out its PDF (render_pdf)",
        "report process / sum of the parts",
    ],
    "national": [
        "round in-process, two processes",
        "round through Prefect, two task workers",
        "through Prefect / in-process",
    ],
}
TARGETS = {
    "pipeline / openpyxl baseline": "≥ 15",
    "baseline / lofte check": "≥ 8",
    "first / unchanged rerun": "≥ 3",
    "report process / sum of the parts": "≤ 1.5",
    "through Prefect / in-process": "≤ 1.5",
}


@pytest.mark.slow  # a few real PDFs, a dozen fresh processes, a Prefect server: about a minute
def test_tiny_run_prints_every_row_with_a_number(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "bench.py"),
            "--scale",
            "0.002",
            "--rounds",
            "1",
            "--out",
            str(tmp_path),
            "--markdown",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    saved = json.loads((tmp_path / "bench-results.json").read_text(encoding="utf-8"))
    assert saved["scale"] == 0.002 and saved["machine"]["versions"]["fastexcel"]
    metrics = {(r["workload"], r["metric"]): r for r in saved["rows"]}
    for workload, names in EXPECTED.items():
        for name in names:
            assert (workload, name) in metrics, (workload, name)
    for row in saved["rows"]:
        assert isinstance(row["value"], float) and math.isfinite(row["value"]), row
        assert row["value"] > 0, row
        assert row["status"] in ({"PASS", "MISS"} if row["target"] else {""}), row
        assert f"| {row['metric']} |" in done.stdout, row["metric"]
    assert {r["metric"]: r["target"] for r in saved["rows"] if r["target"]} == TARGETS


def test_workloads_are_generated_the_same_every_time(tmp_path, monkeypatch, promise):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from workloads import HEADER, Sizes, ingest_workbook

    from lofte_pipeline.ingest import read_sheets

    assert Sizes.at(1) == Sizes(100_000, 6, 2_000, 100)
    assert Sizes.at(0.001) == Sizes(200, 6, 20, 4)
    first, second = (read_sheets(ingest_workbook(tmp_path / k, promise, 300))[0] for k in "ab")
    assert first.cells.equals(second.cells)
    assert first.head(1) == [tuple(HEADER)]
