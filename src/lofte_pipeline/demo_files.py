"""Writing the demo's files, one function per format: xlsx, csv and Excel's lock file.

Apart from the inbox layout because byte-identical output for a seed is a property of the format:
xlsx needs fixed document dates and zip timestamps, csv a chosen delimiter and encoding, and the
lock file Excel's own byte layout. The layout only says which rows go to which file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

# title, rows above the header, header, rows
Sheet = tuple[str, list[list[object]], tuple[str, ...], list[list[object]]]


def save_xlsx(path: Path, year: int, sheets: list[Sheet]) -> Path:
    """Save with fixed document dates and zip timestamps so the bytes depend on the seed only."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, above, header, rows in sheets:
        ws = wb.create_sheet(title)
        for line in [*above, list(header), *rows]:
            ws.append(line)
        for cell in ws[len(above) + 1]:
            cell.font = Font(bold=True)
    wb.properties.created = datetime(year, 1, 2, 8)
    wb.properties.modified = datetime(year, 12, 31, 16)
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(zipfile.ZipInfo(info.filename, (year, 12, 31, 16, 0, 0)), src.read(info))
    return path


def save_csv(
    path: Path, header: tuple[str, ...], rows: list[list[object]], delimiter: str, encoding: str
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def lock_bytes(user: str) -> bytes:
    """What Excel leaves while a workbook is open: the user name, ANSI then UTF-16, 165 bytes."""
    data = bytes([len(user)]) + user.encode("cp1252").ljust(53, b" ")
    data += len(user).to_bytes(2, "little") + user.encode("utf-16-le")
    return (data + b" \x00" * 80)[:165]
