"""The isolated reader: files parsed in a capped child process, the next one read ahead."""

from __future__ import annotations

import pytest

from hostile import far_cell_workbook
from lofte_pipeline.errors import UnreadableFileError
from lofte_pipeline.isolation import IsolatedReader
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
