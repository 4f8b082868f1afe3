"""Robustness over real spreadsheets from other projects' test suites (the xlsx-wild corpus).

Rule: every file is read or rejected with a Swedish reason. Never another exception, never a hang,
never a memory blow-up. None of these files has the promise's headers, so nearly all are rejected
by validation. The reader-level test below checks that readable files actually get through
read_sheets.
"""

from __future__ import annotations

import faulthandler
import os
import re
import sys
import time
from pathlib import Path

import pytest

from lofte_pipeline.errors import UnreadableFileError
from lofte_pipeline.ingest import read_sheets
from lofte_pipeline.intake import check_file
from lofte_pipeline.rows import FileValidation

CORPUS = (
    Path(os.environ["LOFTE_CORPUS"])
    if os.environ.get("LOFTE_CORPUS")
    else Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "xlsx-wild"
)
if not CORPUS.is_dir():
    pytest.skip(
        f"Spreadsheet corpus not found at {CORPUS} (set LOFTE_CORPUS to its folder).",
        allow_module_level=True,
    )

SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
FILES = sorted(
    path.relative_to(CORPUS).as_posix()
    for path in CORPUS.rglob("*")
    if path.is_file() and path.suffix.lower() in SUFFIXES and path.parent != CORPUS
)

MAX_SECONDS = 20.0  # per file, a guard and not a benchmark (the slowest takes well under 1 s)
HANG_SECONDS = 120.0  # backstop: a true hang ends the test process with a traceback
MAX_PEAK_RSS = 1 << 30  # 1 GiB; the worst corpus file peaks near 110 MB for the whole process

EMPTY = [
    "openpyxl/null_file.xlsx",
    "python-calamine/empty_file.xlsx",
    "python-calamine/empty_file.ods",
]
ENCRYPTED = [
    "calamine/pass_protected.xlsx",
    "python-calamine/password.xlsx",
    "python-calamine/password.xls",
    "roo/encrypted-letmein.ods",
    "calamine/pass_protected.ods",
]
# Files read_sheets is expected to reject. Every other corpus file must come back as sheets.
READER_REJECTS = {
    *EMPTY,
    *ENCRYPTED,
    "calamine/too_small.xls",  # 68 bytes of ASCII text
    "openpyxl/null_archive.xlsx",  # a zip without a workbook in it
    "calamine/issue_594_dos.ods",  # number-rows/columns-repeated bomb
    "pandas/test_newlines.ods",  # calamine cannot parse it; only odfpy can
    "xlrd/biff4_no_format_no_window2.xls",  # BIFF4 (Excel 4), not supported by calamine
    "calamine/ptgexp-truncated-operand.xls",  # a truncated formula: fastexcel's calamine panics
    "roo/Pfand_from_windows_phone.xlsx",  # relationships cut short: only openpyxl reads it
}
SWEDISH = re.compile(
    r"\b(filen|arbetsboken|kalkylarket?|bladet|är|inte|kan|inga|ingen|saknas|"
    r"spara|gränsen|och)\b",
    re.IGNORECASE,
)


def _peak_rss_bytes() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


@pytest.fixture
def hang_backstop(capsys):
    """Kill the process (with a traceback on the real stderr) if a check never returns."""
    try:
        with capsys.disabled():
            stderr_fd = os.dup(sys.stderr.fileno())
    except (AttributeError, ValueError, OSError):  # stderr is not a real file (e.g. under xdist)
        stderr_fd = os.dup(2)
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True, file=stderr_fd)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        os.close(stderr_fd)


def _check(name: str, promise) -> tuple[FileValidation | UnreadableFileError, float]:
    """Run check_file on one corpus file: the outcome (result or rejection) and the seconds it took."""
    started = time.perf_counter()
    try:
        outcome: FileValidation | UnreadableFileError = check_file(
            CORPUS / name, promise, "polisen"
        )
    except UnreadableFileError as error:
        outcome = error
    return outcome, time.perf_counter() - started


def _assert_swedish_reason(name: str, error: UnreadableFileError) -> None:
    reason = error.reason
    assert isinstance(reason, str) and reason.strip(), f"{name}: empty rejection reason"
    assert SWEDISH.search(reason), f"{name}: reason is not Swedish: {reason!r}"
    assert "Traceback" not in reason, f"{name}: reason leaks a traceback: {reason!r}"


def test_corpus_is_present():
    assert len(FILES) >= 150, f"only {len(FILES)} spreadsheets found in {CORPUS}"


@pytest.mark.usefixtures("hang_backstop")
@pytest.mark.parametrize("name", FILES)
def test_file_is_read_or_rejected_with_a_reason(name, promise):
    peak_before = _peak_rss_bytes()
    outcome, seconds = _check(name, promise)  # any other exception fails the test as it is
    peak_after = _peak_rss_bytes()

    if isinstance(outcome, UnreadableFileError):
        _assert_swedish_reason(name, outcome)
    else:
        assert isinstance(outcome, FileValidation), f"{name}: check_file returned {outcome!r}"
    assert seconds < MAX_SECONDS, f"{name}: took {seconds:.1f} s (limit {MAX_SECONDS:.0f} s)"
    if peak_before is not None and peak_after is not None:
        assert not (peak_after > peak_before and peak_after > MAX_PEAK_RSS), (
            f"{name}: raised the process peak memory to {peak_after / 2**20:.0f} MiB"
        )


@pytest.mark.parametrize("name", [n for n in FILES if n not in READER_REJECTS])
def test_reader_gives_sheets_for_every_file_not_known_to_be_unreadable(name):
    try:
        sheets = read_sheets(CORPUS / name)
    except UnreadableFileError as error:
        sheets, reason = None, error.reason
    assert sheets is not None, f"{name}: read_sheets rejected a readable file: {reason}"


# Known hostile files: the reason must say what is wrong.


@pytest.mark.parametrize("name", EMPTY)
def test_empty_file_is_rejected_as_empty(name, promise):
    outcome, _ = _check(name, promise)
    assert isinstance(outcome, UnreadableFileError)
    assert "tom" in outcome.reason.lower()


@pytest.mark.parametrize("name", ENCRYPTED)
def test_encrypted_file_is_rejected_as_password_protected(name, promise):
    outcome, _ = _check(name, promise)
    assert isinstance(outcome, UnreadableFileError)
    assert "lösenord" in outcome.reason.lower()


def test_repeated_rows_and_columns_bomb_is_rejected_quickly(promise):
    outcome, seconds = _check("calamine/issue_594_dos.ods", promise)
    assert isinstance(outcome, UnreadableFileError)
    _assert_swedish_reason("calamine/issue_594_dos.ods", outcome)
    assert seconds < MAX_SECONDS


def test_text_file_named_xls_is_rejected(promise):
    outcome, _ = _check("calamine/too_small.xls", promise)
    assert isinstance(outcome, UnreadableFileError)
    assert "inget kalkylark" in outcome.reason
