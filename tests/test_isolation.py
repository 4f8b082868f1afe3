"""The isolated reader: files parsed in a capped child process, the next one read ahead."""

from __future__ import annotations

import pytest

from hostile import far_cell_workbook
from lofte_pipeline.errors import UnreadableFileError
from lofte_pipeline.isolation import IsolatedReader, _send_message
from workbooks import HEADER, row, write_xlsx


def logbook(path, district):
    return write_xlsx(path, {"Logg": [HEADER, row("2019-02-01", "Trygghetsvandring", district)]})


def districts(sheets) -> list[object]:
    [sheet] = sheets
    return [r[2] for r in sheet.rows[1:]]


def test_the_file_read_ahead_is_the_one_returned_next(tmp_path):
    a, b, c = (logbook(tmp_path / f"{n}.xlsx", d) for n, d in
               (("a", "Härad"), ("b", "Mariefred"), ("c", "Stallarholmen")))
    with IsolatedReader() as reader:
        first = reader.read(a, display_name="a.xlsx", then=(b, "b.xlsx"))
        assert reader._ahead is not None  # b is being read while a is validated
        second = reader.read(b, display_name="b.xlsx", then=(a, "a.xlsx"))
        third = reader.read(c, display_name="c.xlsx")  # not a, which was read ahead: dropped
    assert districts(first) == ["Härad"]
    assert districts(second) == ["Mariefred"]
    assert districts(third) == ["Stallarholmen"]


def test_a_file_read_ahead_that_kills_the_reader_is_rejected_and_the_next_is_read(tmp_path):
    good = logbook(tmp_path / "bra.xlsx", "Härad")
    bomb = far_cell_workbook(tmp_path / "jatteblad.xlsx")
    with IsolatedReader() as reader:
        reader.read(good, display_name="bra.xlsx", then=(bomb, "jatteblad.xlsx"))
        with pytest.raises(UnreadableFileError, match="mer minne än ett kalkylark"):
            reader.read(bomb, display_name="jatteblad.xlsx", then=(good, "bra.xlsx"))
        assert districts(reader.read(good, display_name="bra.xlsx")) == ["Härad"]


def test_a_reader_that_died_under_a_request_is_closed_and_a_fresh_one_reads(tmp_path):
    a = logbook(tmp_path / "a.xlsx", "Härad")
    with IsolatedReader() as reader:
        reader.child.kill()
        reader.child.wait()
        with pytest.raises(BrokenPipeError):  # as when it dies between a check and a send
            _send_message(reader.child.stdin, (str(a), None, "a.xlsx"))
        reader.close()  # the request left in the pipe's buffer is dropped, not raised
        assert districts(reader.read(a, display_name="a.xlsx")) == ["Härad"]


def test_a_pool_reads_files_in_order_on_several_children_and_survives_a_hostile_one(tmp_path):
    from lofte_pipeline.isolation import ReaderPool

    names = ["Härad", "Mariefred", None, "Stallarholmen", "Åker"]
    files = [(far_cell_workbook(tmp_path / "jatteblad.xlsx") if d is None
              else logbook(tmp_path / f"{i}.xlsx", d), f"polisen/{i}.xlsx")
             for i, d in enumerate(names)]
    with ReaderPool(2) as pool:
        results = list(pool.read_all(files))
        assert len({r.child.pid for r in pool.readers}) == 2
    assert [name for name, _ in results] == [name for _, name in files]
    for (_, sheets), district in zip(results, names):
        if district is None:
            assert isinstance(sheets, UnreadableFileError)
        else:
            assert districts(sheets) == [district]


def test_warm_readers_are_reused_by_the_next_read_but_never_after_a_fork(tmp_path):
    import os

    from lofte_pipeline import isolation

    isolation.close_warm_readers()
    with isolation.warm_readers() as pool:
        first = [r.child.pid for r in pool.readers]
        assert districts(pool.readers[0].read(logbook(tmp_path / "a.xlsx", "Härad"))) == ["Härad"]
    with isolation.warm_readers() as pool:
        assert [r.child.pid for r in pool.readers] == first  # the same children, still warm
        pool.readers[0].child.kill()
        pool.readers[0].child.wait()
    with isolation.warm_readers() as pool:  # a pool with a dead child was not kept
        assert [r.child.pid for r in pool.readers] != first
    pid = os.fork()
    if pid == 0:  # the child process must not talk to its parent's readers
        os._exit(0 if not isolation._warm else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and isolation._warm
    isolation.close_warm_readers()
