"""The isolated reader: files read and validated in a capped child; only checked data comes back."""

from __future__ import annotations

import pytest
from hostile import far_cell_workbook
from workbooks import HEADER, row, write_xlsx

from lofte_pipeline.errors import ReaderUnavailable, UnreadableFileError
from lofte_pipeline.isolation import IsolatedReader, _send, check_file_here
from lofte_pipeline.layout import rules_for


def logbook(path, district):
    return write_xlsx(path, {"Logg": [HEADER, row("2019-02-01", "Trygghetsvandring", district)]})


def test_the_child_gives_what_checking_in_this_process_gives(tmp_path, promise):
    rules = rules_for(promise, "polisen")
    path = logbook(tmp_path / "a.xlsx", "Härad")
    with IsolatedReader() as reader:
        there = reader.check(path, rules)
    here = check_file_here(path, rules)
    assert there.accepted.equals(here.accepted) and list(there.accepted["district"]) == ["Härad"]
    assert (there.sheets_read, there.sheets_skipped) == (here.sheets_read, here.sheets_skipped)


def test_one_child_serves_the_files_one_after_another(tmp_path, promise):
    rules = rules_for(promise, "polisen")
    files = [logbook(tmp_path / f"{n}.xlsx", d) for n, d in (("a", "Härad"), ("b", "Mariefred"))]
    with IsolatedReader() as reader:
        first = reader.check(files[0], rules)
        pid = reader.child.pid
        second = reader.check(files[1], rules)
        assert reader.child.pid == pid
    assert [list(c.accepted["district"]) for c in (first, second)] == [["Härad"], ["Mariefred"]]


def test_a_file_that_kills_the_reader_twice_is_not_readable_now_and_the_next_is_read(
    tmp_path, promise
):
    rules = rules_for(promise, "polisen")
    good = logbook(tmp_path / "bra.xlsx", "Härad")
    bomb = far_cell_workbook(tmp_path / "jatteblad.xlsx")
    with IsolatedReader(memory_limit=1536 * 1024**2) as reader:
        with pytest.raises(ReaderUnavailable, match="försöks igen vid nästa körning"):
            reader.check(bomb, rules)
        assert list(reader.check(good, rules).accepted["district"]) == ["Härad"]


def test_a_reader_killed_once_by_a_busy_machine_is_no_verdict_the_file_is_read(
    tmp_path, promise, monkeypatch
):
    from lofte_pipeline import isolation

    rules = rules_for(promise, "polisen")
    path = logbook(tmp_path / "a.xlsx", "Härad")
    real = isolation._receive
    calls = []

    def killed_once(stream, timeout):
        calls.append(1)
        if len(calls) == 1:
            raise EOFError  # as when the OS kills the child mid-read
        return real(stream, timeout)

    monkeypatch.setattr(isolation, "_receive", killed_once)
    with IsolatedReader() as reader:
        assert list(reader.check(path, rules).accepted["district"]) == ["Härad"]
    assert len(calls) == 2


def test_a_reader_out_of_time_twice_says_so(tmp_path, promise):
    rules = rules_for(promise, "polisen")
    with (
        IsolatedReader(time_limit=0.001) as reader,
        pytest.raises(ReaderUnavailable, match="tog mer än 0 s, två gånger"),
    ):
        reader.check(logbook(tmp_path / "a.xlsx", "Härad"), rules)


def test_a_reader_that_died_under_a_request_is_closed_and_a_fresh_one_reads(tmp_path, promise):
    rules = rules_for(promise, "polisen")
    a = logbook(tmp_path / "a.xlsx", "Härad")
    with IsolatedReader() as reader:
        reader.check(a, rules)
        reader.child.kill()
        reader.child.wait()
        with pytest.raises(BrokenPipeError):  # as when it dies between a check and a send
            _send(reader.child.stdin, b"{}")
        reader.close()  # the request left in the pipe's buffer is dropped, not raised
        assert list(reader.check(a, rules).accepted["district"]) == ["Härad"]


def test_an_answer_that_is_not_a_checked_file_is_a_rejection_never_code(
    tmp_path, promise, monkeypatch
):
    """A subverted child could send anything; a pickle that would run code is only bytes."""
    import pickle

    from lofte_pipeline import isolation

    marker = tmp_path / "kordes"

    class Payload:
        def __reduce__(self):
            return (marker.write_text, ("ja",))

    monkeypatch.setattr(isolation, "_receive", lambda stream, timeout: pickle.dumps(Payload()))
    with IsolatedReader() as reader, pytest.raises(UnreadableFileError):
        reader.check(logbook(tmp_path / "a.xlsx", "Härad"), rules_for(promise, "polisen"))
    assert not marker.exists()
