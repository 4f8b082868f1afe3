"""Whatever is dropped, the run ends with a report: valid workbooks and CSV files, mutated.

Bytes flipped, cut short or spliced, zip members dropped or swapped, cells made huge, binary or
pathological for a pattern: every run writes its report, accounts for every file, and no file
takes the reader anywhere near its time limit.
"""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbooks import HEADER, row, write_csv, write_xlsx

from lofte_pipeline.report import build_report

GOOD_ROWS = [
    HEADER,
    row("2019-02-01", "Trygghetsvandring", "Härad", "Torget", 4, "Gemensam"),
    row("2019-03-14", "Mopedinsats", "Mariefred", "Hamnen", "", "070-123 45 67"),
]
SECONDS_PER_FILE = 20.0  # far below the reader's limit (120 s): a guard, not a benchmark


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("giltiga")
    return {
        "logg.xlsx": write_xlsx(folder / "logg.xlsx", {"Logg": GOOD_ROWS}).read_bytes(),
        "logg.csv": write_csv(folder / "logg.csv", GOOD_ROWS).read_bytes(),
    }


def _zip_mutation(data: bytes, drop: int, swap: bool) -> bytes:
    """The package with one member dropped, or two members' contents swapped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    contents = {n: source.read(n) for n in names}
    if swap and len(names) > 1:
        a, b = names[drop % len(names)], names[(drop + 1) % len(names)]
        contents[a], contents[b] = contents[b], contents[a]
    else:
        contents.pop(names[drop % len(names)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in contents.items():
            out.writestr(name, content)
    return buffer.getvalue()


byte_edits = st.tuples(st.integers(min_value=0), st.binary(min_size=0, max_size=64))
cells = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="a@.-", min_size=1000, max_size=60_000),  # long runs for the patterns
    st.text(alphabet="0123456789 -–+", min_size=10, max_size=5_000),
    st.sampled_from(["=1+1", "\x00\x01", "2019-02-30", "14 mars 2019", "43538", "-3", "1e400"]),
)


@st.composite
def mutated(draw, valid: dict[str, bytes]) -> tuple[str, bytes]:
    """One dropped file: a valid file with some of its bytes, members or cells changed."""
    name = draw(st.sampled_from(sorted(valid)))
    data = valid[name]
    kind = draw(st.sampled_from(["bytes", "cut", "zip", "cells"]))
    if kind == "cut":
        return name, data[: draw(st.integers(min_value=0, max_value=len(data)))]
    if kind == "zip" and name.endswith(".xlsx"):
        return name, _zip_mutation(data, draw(st.integers(0, 20)), draw(st.booleans()))
    if kind == "cells":
        rows = [HEADER] + [
            [draw(cells) for _ in HEADER]
            for _ in range(draw(st.integers(min_value=1, max_value=4)))
        ]
        buffer = io.StringIO()
        for line in rows:
            buffer.write(";".join(c.replace(";", ",") for c in line) + "\n")
        return "logg.csv", buffer.getvalue().encode("utf-8", errors="surrogatepass")
    mutable = bytearray(data)
    for position, replacement in draw(st.lists(byte_edits, min_size=1, max_size=4)):
        at = position % max(len(mutable), 1)
        mutable[at : at + len(replacement)] = replacement
    return name, bytes(mutable)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_mutated_drop_ends_in_a_report_with_every_file_accounted_for(
    tmp_path, promise_file, valid_files, data
):
    run = tmp_path / f"korning-{time.monotonic_ns()}"
    inbox = run / "INBOX"
    good = write_xlsx(inbox / "polisen" / "bra.xlsx", {"Logg": GOOD_ROWS})
    name, content = data.draw(mutated(valid_files))
    dropped = inbox / "kommunen" / f"muterad-{name}"
    dropped.parent.mkdir(parents=True, exist_ok=True)
    dropped.write_bytes(content)
    started = time.monotonic()
    result = build_report(
        promise_file, inbox, run / "ut", "2019-T1", pdf=False, state_dir=run / "state"
    )
    elapsed = time.monotonic() - started
    assert result.path("figures.json").is_file() and result.path("avvisat.csv").is_file()
    sources = result.figures["sources"]
    assert sources["polisen"]["files"] == 1 and sources["polisen"]["files_rejected"] == 0
    assert sources["kommunen"]["files"] == 1  # the mutated file: accepted or rejected, not lost
    assert good.exists() and elapsed < 2 * SECONDS_PER_FILE
