"""Smoke test of `lofte bench`: every workload runs on a tiny scale and yields a full table.

No timing assertions: the figures depend on the machine. This only keeps the harness from rotting.
"""

from __future__ import annotations

import json
import math

import pytest

from lofte_pipeline import bench

OPTIONAL_FLOORS = {"floor fastexcel load_sheet to_polars", "floor polars.read_excel"}
EXPECTED = {
    "ingest": ["pipeline check_file (read + validate)", "baseline pandas.read_excel(engine=openpyxl)",
               "pipeline / openpyxl baseline", "floor pandas.read_excel(engine=calamine)",
               *sorted(OPTIONAL_FLOORS), "fastest floor / pipeline",
               "fastexcel load_sheet, parse only (not a floor: no frame yet)",
               "parse only / pipeline"],
    "check": ["lofte check process (100k-row workbook)",
              "baseline process pandas.read_excel(openpyxl)",
              "baseline process / lofte check process"],
    "tertial": ["full report (HTML + PDF) wall time", "whole run / unavoidable parts"],
    "cache": ["first run (fills the cache)", "unchanged rerun (bundle kept, nothing parsed)",
              "first / rerun", "rerun that renders again (--lang en, parse cache)"],
    "promises": ["2-process wall / (Σsingle ÷ 2)", "peak RSS, largest promise alone",
                 "peak RSS 1 process / largest alone",
                 "peak RSS per process with 2 / largest alone"],
}


def test_sizes_scale_down_to_a_tiny_run():
    tiny = bench.Sizes.at(0.001)
    assert tiny.promises >= 2 and tiny.ingest_rows >= 200
    full = bench.Sizes.at(1)
    assert (full.ingest_rows, full.tertial_files, full.tertial_rows, full.promises) == (
        100_000, 6, 2_000, 100)
    with pytest.raises(ValueError):
        bench.Sizes.at(0)


def test_generated_workloads_are_deterministic(tmp_path, promise):
    a = bench.ingest_workbook(tmp_path / "a", promise, 300)
    b = bench.ingest_workbook(tmp_path / "b", promise, 300)
    from lofte_pipeline.ingest import read_sheets

    assert read_sheets(a)[0].rows == read_sheets(b)[0].rows
    assert read_sheets(a)[0].rows[0] == bench.HEADER


def test_synthetic_promises_are_valid_and_distinct(tmp_path, promise_file):
    pairs = bench.write_promises(tmp_path, promise_file, 3, 1, 10)
    from lofte_pipeline.promise import load_promise

    promises = [load_promise(p) for p, _ in pairs]
    assert len({p.id for p in promises}) == 3
    assert len({p.municipality for p in promises}) == 3
    assert all(p.districts[0].name != "Strängnäs" for p in promises)
    assert all(len(list(inbox.rglob("*.xlsx"))) == 2 for _, inbox in pairs)


# The report reads on both cores and lays out its PDF beside its other work, while the parts are
# timed one after another: on a tiny workload the whole can take less than their sum.
TERTIAL_REST = "  the rest (validate, reconcile, HTML, CSV, glue)"


@pytest.mark.slow  # a dozen real PDFs and a few fresh processes: about a minute
def test_tiny_benchmark_prints_every_row_with_numbers(tmp_path, capsys):
    rows = bench.run_benchmark(tmp_path, scale=0.002)
    by_workload: dict[str, list[str]] = {}
    for row in rows:
        by_workload.setdefault(row["workload"], []).append(row["metric"])
        if row["status"] == "SKIP":
            assert row["metric"] in OPTIONAL_FLOORS, row
            continue
        assert isinstance(row["value"], float) and math.isfinite(row["value"]), row
        if row["metric"] != TERTIAL_REST:  # whole minus parts: below zero when overlap wins
            assert row["value"] >= 0, row
        if row["target"]:
            assert row["status"] in {"PASS", "MISS"}, row
    for workload, metrics in EXPECTED.items():
        for metric in metrics:
            assert metric in by_workload.get(workload, []), (workload, metric)
    saved = json.loads((tmp_path / "bench-results.json").read_text(encoding="utf-8"))
    assert saved["rows"] == rows and saved["scale"] == 0.002
    versions = saved["machine"]["versions"]
    assert all(versions[name] and versions[name] != "?" for name in ("pandas", "polars")), versions
    assert versions["python_calamine"] not in (None, "?"), versions
    table = bench.format_table(rows)
    assert all(row["metric"] in table for row in rows)
    assert "PASS" in table or "MISS" in table


def test_main_runs_one_workload_and_prints_the_table(tmp_path, capsys):
    assert bench.main(["--scale", "0.002", "--only", "ingest", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "pipeline / openpyxl baseline" in printed
    assert "≥ 15" in printed
    assert "tertial" not in printed.split("\n", 1)[1]


def test_turns_run_the_preparation_before_every_call():
    seen = []
    timings = bench._in_turns({"a": lambda: seen.append("a") or 1, "b": lambda: seen.append("b")},
                              2, before=lambda: seen.append("before"))
    assert seen == ["before", "a", "before", "b"] * 2
    assert timings["a"][1] == 1 and timings["a"][0] >= 0


def test_unknown_workload_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown workload"):
        bench.run_benchmark(tmp_path, scale=0.002, workloads=["nope"])
