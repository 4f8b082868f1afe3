"""Reading dropped files into raw sheets: every format staff use, every failure as a Swedish reason.

Format is decided by the file's content, not its name. Readers are bounded: size limits are checked
before anything is decompressed, and any exception from a third-party reader becomes a rejection.
xlsx/xlsm go through fastexcel (text columns, no Python object per cell); whatever it refuses,
and .xls, .ods and csv, go through python-calamine, openpyxl or the csv module as before.
"""

from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from .errors import UnreadableFileError
from .messages import message

if TYPE_CHECKING:
    import polars as pl

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt"}
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES | TEXT_SUFFIXES
CONTENT_SUFFIXES = {"xlsx": {".xlsx", ".xlsm"}, "ods": {".ods"}}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 400 * 1024 * 1024
    max_compression_ratio: int = 200
    max_rows_per_sheet: int = 250_000


class RawSheet:
    """A sheet as cells; row i is the row Excel shows as i + 1.

    Either `rows` (Python values, from the fallback readers and csv) or `grid` (one text column per
    sheet column, None for an empty cell, from fastexcel: no Python object per cell).
    """

    def __init__(self, name: str, rows: list[list[object]] | None = None,
                 grid: "pl.DataFrame | None" = None) -> None:
        self.name = name
        self._rows = rows
        self.grid = grid

    @property
    def rows(self) -> list[list[object]]:
        if self._rows is None:
            self._rows = [["" if v is None else v for v in row] for row in self.grid.rows()]
        return self._rows

    @property
    def height(self) -> int:
        return self.grid.height if self.grid is not None else len(self.rows)

    def head(self, n: int) -> list[list[object]]:
        """The first n rows (where the header is looked for)."""
        if self.grid is not None and self._rows is None:
            return [list(row) for row in self.grid.head(n).rows()]
        return self.rows[:n]

    def has_filled_cell(self) -> bool:
        if self.grid is not None and self._rows is None:
            from .cells import PY_WHITESPACE

            return any(column.str.strip_chars(PY_WHITESPACE).str.len_chars().gt(0).any()
                       for column in self.grid.iter_columns())
        return any(not _is_blank(cell) for row in self.rows for cell in row)

    def __repr__(self) -> str:
        return f"RawSheet({self.name!r}, {self.height} rows)"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value
    )


def is_ignored(path: Path) -> bool:
    """Excel lock files and hidden files are never data."""
    return path.name.startswith("~$") or path.name.startswith(".")


def read_sheets(path: Path, limits: ReadLimits = ReadLimits(),
                display_name: str | None = None) -> list[RawSheet]:
    """All worksheets of a file, or UnreadableFileError with the reason a person can act on.

    `display_name` is the name staff gave the file (its extension says what they meant) when
    `path` is an archived copy named by its hash.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFileError(message("inlasning.kan_inte_oppnas", reason=exc.strerror)) from None
    if size == 0:
        raise UnreadableFileError(message("inlasning.tom"))
    if size > limits.max_file_bytes:
        raise UnreadableFileError(message("inlasning.for_stor", size_mb=f"{size / 1e6:.0f}",
                                          limit_mb=f"{limits.max_file_bytes / 1e6:.0f}"))
    shown = Path(display_name) if display_name else path
    suffix = shown.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError(message(
            "inlasning.filtyp", suffix=shown.suffix or message("inlasning.ingen_filtyp")))
    with path.open("rb") as handle:
        head = handle.read(8)

    if head.startswith(ZIP_MAGIC):
        kind = _check_zip(path, limits)
        own_suffix = path.suffix.lower()  # an archived copy has none: detect by content
        by_content = own_suffix not in CONTENT_SUFFIXES[kind]
        if kind == "xlsx":
            sheets = _read_with_fastexcel(path, limits, by_content)
            if sheets is not None:
                return sheets
        return _read_with_calamine(path, limits, by_content=by_content)
    if head.startswith(OLE2_MAGIC):
        if _is_encrypted_ooxml(path):
            raise UnreadableFileError(message("inlasning.losenord_arbetsbok"))
        return _read_with_calamine(path, limits, by_content=path.suffix.lower() != ".xls")
    if suffix in TEXT_SUFFIXES:
        return [_read_csv(path, limits)]
    raise UnreadableFileError(message("inlasning.inget_kalkylark", suffix=shown.suffix))


def _check_zip(path: Path, limits: ReadLimits) -> str:
    """Zip-bomb and packaging checks from the central directory, before decompressing anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            total = sum(info.file_size for info in infos)
            packed = sum(info.compress_size for info in infos) or 1
            if total > limits.max_uncompressed_bytes or total / packed > limits.max_compression_ratio:
                raise UnreadableFileError(message("inlasning.zipbomb",
                                                  unpacked_mb=f"{total / 1e6:.0f}",
                                                  packed_mb=f"{packed / 1e6:.1f}"))
            if "META-INF/manifest.xml" in names:
                manifest = archive.read("META-INF/manifest.xml")
                if b"encryption-data" in manifest:
                    raise UnreadableFileError(message("inlasning.losenord_kalkylark"))
            if not ({"[Content_Types].xml", "mimetype", "content.xml"} & names):
                raise UnreadableFileError(message("inlasning.zip_utan_kalkylark"))
            return "xlsx" if "[Content_Types].xml" in names else "ods"
    except zipfile.BadZipFile:
        raise UnreadableFileError(message("inlasning.trasig_zip")) from None


_WORKBOOK_XML_LIMIT = 20 * 1024 * 1024
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _xlsx_sheet_kinds(path: Path) -> list[tuple[str, bool]] | None:
    """(name, is a worksheet) for every sheet in workbook order, from the package's own parts;
    None when the package is laid out in a way this does not follow (calamine then reads it)."""
    with zipfile.ZipFile(path) as archive:
        def part(name: str) -> ElementTree.Element | None:
            try:
                info = archive.getinfo(name)
            except KeyError:
                return None
            if info.file_size > _WORKBOOK_XML_LIMIT:
                return None
            return ElementTree.fromstring(archive.read(info))

        root_rels = part("_rels/.rels")
        if root_rels is None:
            return None
        targets = [r.get("Target", "") for r in root_rels.iter(_REL)
                   if r.get("Type", "").endswith("/officeDocument")]
        if len(targets) != 1:
            return None
        workbook_name = targets[0].lstrip("/")
        folder, base = posixpath.split(workbook_name)
        workbook = part(workbook_name)
        rels = part(posixpath.join(folder, "_rels", f"{base}.rels"))
        if workbook is None or rels is None:
            return None
        types = {r.get("Id"): r.get("Type", "") for r in rels.iter(_REL)}
        sheets = []
        for element in workbook.iter():
            if element.tag.rsplit("}", 1)[-1] != "sheet":
                continue
            rel_id = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            if rel_id not in types:
                return None
            sheets.append((element.get("name", ""), types[rel_id].endswith("/worksheet")))
        return sheets


def _read_with_fastexcel(path: Path, limits: ReadLimits, by_content: bool) -> list[RawSheet] | None:
    """The fast path for xlsx/xlsm: every cell as text, straight into columns (Arrow, polars).

    None means "let calamine read it": fastexcel is not installed, refuses the file, or lists
    the sheets differently from the package; calamine then reads it (or gives the reason).
    """
    try:
        import fastexcel
        import polars as pl
    except ImportError:
        return None
    try:
        kinds = _xlsx_sheet_kinds(path)
        if not kinds:
            return None
        reader = fastexcel.read_excel(path.read_bytes() if by_content else str(path))
        if reader.sheet_names != [name for name, _ in kinds]:
            return None
        sheets: list[RawSheet] = []
        for name, is_worksheet in kinds:
            if not is_worksheet:
                continue  # chart sheets and macro sheets hold no log rows
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            last_row = max(sheet.total_height - 1, 0)  # as calamine counts
            if last_row > limits.max_rows_per_sheet:
                raise UnreadableFileError(_too_many_rows(name, last_row, limits))
            grid = pl.DataFrame(sheet)
            sheets.append(RawSheet(name, grid=grid.rename(
                {old: f"c{i}" for i, old in enumerate(grid.columns)})))
        return sheets
    except UnreadableFileError:
        raise
    except Exception:  # noqa: BLE001 - any refusal: the calamine path decides
        return None


def _too_many_rows(name: str, rows: int, limits: ReadLimits) -> str:
    return message("inlasning.for_manga_rader_blad", sheet=name,
                   rows=f"{rows:,}".replace(",", " "),
                   limit=f"{limits.max_rows_per_sheet:,}".replace(",", " "))


def _is_encrypted_ooxml(path: Path) -> bool:
    data = path.read_bytes()
    return "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data


def _read_with_calamine(path: Path, limits: ReadLimits, by_content: bool = False) -> list[RawSheet]:
    import python_calamine as calamine

    try:
        if by_content:  # the name lies about the format: let calamine sniff the bytes instead
            with path.open("rb") as handle:
                workbook = calamine.CalamineWorkbook.from_filelike(handle)
        else:
            workbook = calamine.CalamineWorkbook.from_path(str(path))
        sheets: list[RawSheet] = []
        for meta in workbook.sheets_metadata:
            if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                continue  # chart sheets and macro sheets hold no log rows
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.total_height > limits.max_rows_per_sheet:
                raise UnreadableFileError(_too_many_rows(meta.name, sheet.total_height, limits))
            sheets.append(RawSheet(meta.name, sheet.to_python(skip_empty_area=False)))
        workbook.close()
        return sheets
    except UnreadableFileError:
        raise
    except calamine.PasswordError:
        raise UnreadableFileError(message("inlasning.losenord_arbetsbok")) from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is a rejection, never a crash
        fallback = _read_with_openpyxl(path, limits)
        if fallback is not None:
            return fallback
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise UnreadableFileError(message("inlasning.kan_inte_lasas", detail=detail)) from None


def _read_with_openpyxl(path: Path, limits: ReadLimits) -> list[RawSheet] | None:
    """Second opinion for OOXML packages calamine refuses (e.g. without docProps)."""
    try:
        import warnings

        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like: not staff's concern
            with path.open("rb") as handle:
                workbook = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True,
                                                  data_only=True)
        sheets = []
        for worksheet in workbook.worksheets:
            rows: list[list[object]] = []
            for row in worksheet.iter_rows(values_only=True):
                if len(rows) >= limits.max_rows_per_sheet:
                    return None
                rows.append(["" if v is None else v for v in row])
            sheets.append(RawSheet(worksheet.title, rows))
        workbook.close()
        return sheets or None
    except Exception:  # noqa: BLE001
        return None


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
    rows: list[list[object]] = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if len(rows) >= limits.max_rows_per_sheet:
            raise UnreadableFileError(message("inlasning.for_manga_rader_csv",
                                              limit=limits.max_rows_per_sheet))
        rows.append(list(row))
    return RawSheet("", rows)
