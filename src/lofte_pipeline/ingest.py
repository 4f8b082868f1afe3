"""Reading a dropped file into sheets of Python cell values, or a Swedish reason it cannot be read.

The format is decided by the file's content, not its name. Size, zip-bomb and row limits are
checked before anything is decompressed. Spreadsheets (.xlsx, .xlsm, .xls, .ods) are read by
fastexcel (calamine underneath) into text columns, CSV by the csv module; any exception from a reader becomes a rejection. This runs
inside the capped child of isolation.py whenever the file comes from the shared folder.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UnreadableFileError
from .messages import message

if TYPE_CHECKING:
    from collections.abc import Sequence

    import polars as pl

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt"}
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES | TEXT_SUFFIXES
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

Cell = str | float | int | bool | datetime | date | time | timedelta | None
"""A cell value as a program writes it (tests, the template workbook); read cells are text."""


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 400 * 1024 * 1024
    max_compression_ratio: int = 200
    max_rows_per_sheet: int = 250_000


@dataclass(frozen=True)
class RawSheet:
    """A worksheet's cells as text columns c0, c1, … (None for an empty cell); row i is the row
    Excel shows as i + 1. CSV files have one sheet, named ''.

    A typed cell is the text its Python value prints as: a date cell '2019-03-14', a datetime
    '2019-03-14T10:00:00', a time '10:30:00', a number '12' or '12.5', a boolean 'True'.
    """

    name: str
    cells: pl.DataFrame

    @classmethod
    def from_rows(cls, name: str, rows: Sequence[Sequence[Cell]]) -> RawSheet:
        import polars as pl

        width = max((len(row) for row in rows), default=0)
        columns = {
            f"c{i}": [cell_text(row[i]) if i < len(row) else None for row in rows]
            for i in range(width)
        }
        return cls(name, pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)))

    @property
    def height(self) -> int:
        return self.cells.height

    def head(self, n: int) -> list[tuple[str | None, ...]]:
        return self.cells.head(n).rows()

    def below(
        self, part: int, header_row: int, columns: dict[str, int], names: Sequence[str]
    ) -> pl.DataFrame:
        """The rows under a header row: part (the sheet's place in its file), row (as Excel
        shows it) and one text column per name, from the header's `columns` (name -> column
        index; null where the header has no such column)."""
        import polars as pl

        start = header_row + 1
        height = max(self.height - start, 0)
        cells = self.cells.slice(start)
        return pl.DataFrame(
            {
                "part": pl.repeat(part, height, dtype=pl.UInt32, eager=True),
                "row": pl.int_range(start + 1, start + 1 + height, eager=True, dtype=pl.Int64),
                **{
                    name: (
                        cells.to_series(columns[name])
                        if name in columns
                        else pl.repeat(None, height, dtype=pl.String, eager=True)
                    )
                    for name in names
                },
            },
            schema={"part": pl.UInt32, "row": pl.Int64, **dict.fromkeys(names, pl.String)},
        )


def cell_text(value: Cell) -> str | None:
    """A Python cell value as the text a read cell holds (see RawSheet)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**63 else str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def too_large(size: int, limits: ReadLimits) -> str:
    """Why a file over the size limit is refused before it is read, with the limit."""
    return message(
        "inlasning.for_stor",
        size_mb=f"{size / 1e6:.0f}",
        limit_mb=f"{limits.max_file_bytes / 1e6:.0f}",
    )


def is_ignored(path: Path) -> bool:
    """Excel lock files and hidden files are never data."""
    return path.name.startswith("~$") or path.name.startswith(".")


def read_sheets(
    path: Path, limits: ReadLimits = ReadLimits(), display_name: str | None = None
) -> list[RawSheet]:
    """All worksheets of a file, or UnreadableFileError with the reason a person can act on.

    `display_name` is the name staff gave the file (its extension says what they meant) when
    `path` is an archived copy named by its hash.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFileError(
            message("inlasning.kan_inte_oppnas", reason=exc.strerror)
        ) from None
    if size == 0:
        raise UnreadableFileError(message("inlasning.tom"))
    if size > limits.max_file_bytes:
        raise UnreadableFileError(too_large(size, limits))
    shown = Path(display_name) if display_name else path
    suffix = shown.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError(
            message("inlasning.filtyp", suffix=shown.suffix or message("inlasning.ingen_filtyp"))
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        _check_zip(path, limits)
        return _read_spreadsheet(path, limits)
    if head.startswith(OLE2_MAGIC):
        if _is_password_protected(path):
            raise UnreadableFileError(message("inlasning.losenord_arbetsbok"))
        return _read_spreadsheet(path, limits)
    if suffix in TEXT_SUFFIXES:
        return [_read_csv(path, limits)]
    raise UnreadableFileError(message("inlasning.inget_kalkylark", suffix=shown.suffix))


def _check_zip(path: Path, limits: ReadLimits) -> None:
    """Zip-bomb and packaging checks from the central directory, before decompressing anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            total = sum(info.file_size for info in infos)
            packed = sum(info.compress_size for info in infos) or 1
            if (
                total > limits.max_uncompressed_bytes
                or total / packed > limits.max_compression_ratio
            ):
                raise UnreadableFileError(
                    message(
                        "inlasning.zipbomb",
                        unpacked_mb=f"{total / 1e6:.0f}",
                        packed_mb=f"{packed / 1e6:.1f}",
                    )
                )
            manifest = "META-INF/manifest.xml"
            if manifest in names and b"encryption-data" in archive.read(manifest):
                raise UnreadableFileError(message("inlasning.losenord_kalkylark"))
            if not ({"[Content_Types].xml", "mimetype", "content.xml"} & names):
                raise UnreadableFileError(message("inlasning.zip_utan_kalkylark"))
    except zipfile.BadZipFile:
        raise UnreadableFileError(message("inlasning.trasig_zip")) from None


_BIFF8_WORKBOOK_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"
_BIFF_FILEPASS = b"\x2f\x00"


def _is_password_protected(path: Path) -> bool:
    """An encrypted OOXML package (in an OLE2 wrapper), or an .xls whose workbook stream opens
    with a FILEPASS record right after its first BOF record."""
    data = path.read_bytes()
    if (
        "EncryptionInfo".encode("utf-16-le") in data
        or "EncryptedPackage".encode("utf-16-le") in data
    ):
        return True
    start = data.find(_BIFF8_WORKBOOK_BOF)
    return start >= 0 and data[start + 20 : start + 22] == _BIFF_FILEPASS


# fastexcel writes a date, time or datetime cell as 'YYYY-MM-DD HH:MM:SS[.f]' (a time on
# 1899-12-31, the day before Excel's first day) and a boolean as 'true' or 'false'.
_DATETIME_CELL = r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$"


def _read_spreadsheet(path: Path, limits: ReadLimits) -> list[RawSheet]:
    """Every worksheet, its format sniffed from the bytes (an archived copy has no extension,
    and staff's extensions sometimes lie); every cell as text, straight into columns."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path.read_bytes())  # bytes: the format by content
        sheets = []
        for name in reader.sheet_names:
            sheet = reader.load_sheet(
                name, header_row=None, dtypes="string", n_rows=limits.max_rows_per_sheet + 1
            )
            rows = sheet.total_height - 1
            if rows > limits.max_rows_per_sheet:
                raise UnreadableFileError(
                    message(
                        "inlasning.for_manga_rader_blad",
                        sheet=name,
                        rows=f"{rows:,}".replace(",", " "),
                        limit=f"{limits.max_rows_per_sheet:,}".replace(",", " "),
                    )
                )
            cells = sheet.to_polars()
            if cells.width:  # a chart sheet has no cells at all
                sheets.append(RawSheet(name, _canonical(cells)))
        return sheets
    except UnreadableFileError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        text = str(exc).strip()  # is a rejection, never a crash
        if "password" in text.lower() or "encrypt" in text.lower():
            raise UnreadableFileError(message("inlasning.losenord_arbetsbok")) from None
        detail = text.splitlines()[0][:200] if text else type(exc).__name__
        raise UnreadableFileError(message("inlasning.kan_inte_lasas", detail=detail)) from None


def _canonical(cells: pl.DataFrame) -> pl.DataFrame:
    """Typed cells as the text their Python values print as (see RawSheet)."""
    import polars as pl

    def canonical(column: pl.Expr) -> pl.Expr:
        day = column.str.extract(_DATETIME_CELL, 1)
        clock = column.str.extract(_DATETIME_CELL, 2)
        return (
            pl.when(day.is_null())
            .then(
                pl.when(column == "true")
                .then(pl.lit("True"))
                .when(column == "false")
                .then(pl.lit("False"))
                .otherwise(column)
            )
            .when(day < "1900-01-01")
            .then(clock)
            .when(clock == "00:00:00")
            .then(day)
            .otherwise(pl.concat_str([day, pl.lit("T"), clock]))
        )

    return cells.select(
        canonical(pl.col(name).cast(pl.String)).alias(f"c{i}")
        for i, name in enumerate(cells.columns)
    )


def _read_csv(path: Path, limits: ReadLimits) -> RawSheet:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UnreadableFileError(message("inlasning.binar_csv"))
    sample = "\n".join(text.splitlines()[:20])
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows: list[list[Cell]] = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if len(rows) >= limits.max_rows_per_sheet:
            raise UnreadableFileError(
                message("inlasning.for_manga_rader_csv", limit=limits.max_rows_per_sheet)
            )
        rows.append(list(row))
    return RawSheet.from_rows("", rows)
