"""Builds real workbooks in every accepted format for the tests (openpyxl, xlwt, odfpy, csv)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

HEADER = ["Datum", "Aktivitet", "Kommundel", "Plats", "Antal", "Kommentar"]
Rows = list[list[object]]


def write_xlsx(path: Path, sheets: dict[str, Rows]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
        for cells in worksheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_xlsm(path: Path, sheets: dict[str, Rows]) -> Path:
    """An xlsx package declared macro-enabled, as Excel writes .xlsm files."""
    buffer = io.BytesIO()
    write_xlsx(path.with_suffix(".tmp.xlsx"), sheets)
    source = path.with_suffix(".tmp.xlsx")
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            out.writestr(item, data)
    source.unlink()
    path.write_bytes(buffer.getvalue())
    return path


def write_xls(path: Path, sheets: dict[str, Rows]) -> Path:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    datetime_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")
    for name, rows in sheets.items():
        worksheet = workbook.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    worksheet.write(r, c, value, datetime_style)
                elif isinstance(value, dt.date):
                    worksheet.write(r, c, value, date_style)
                else:
                    worksheet.write(r, c, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, Rows]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, rows in sheets.items():
            width = max((len(r) for r in rows), default=0)
            frame = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    return path


def write_csv(path: Path, rows: Rows, delimiter: str = ";", encoding: str = "utf-8-sig") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def write_any(path: Path, rows: Rows, sheet: str = "Logg") -> Path:
    """Write one sheet of rows in the format the file name asks for."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_csv(path, [[_csv_text(v) for v in row] for row in rows])
    writer = {".xlsx": write_xlsx, ".xlsm": write_xlsm, ".xls": write_xls, ".ods": write_ods}[
        suffix
    ]
    return writer(path, {sheet: rows})


def _csv_text(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def row(
    day: str | dt.date,
    activity: str,
    district: str,
    place: str = "",
    count: object = None,
    comment: str = "",
) -> list[object]:
    """A log row; a string day is turned into a real date cell."""
    when = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return [when, activity, district, place, count, comment]
