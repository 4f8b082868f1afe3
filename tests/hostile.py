"""Hostile workbooks built in code: a sheet far larger than its file, a million rows."""

from __future__ import annotations

import zipfile
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Logg" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
    'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def _package(path: Path, write_sheet) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_SHEET_START.encode())
            write_sheet(sheet)
            sheet.write(b"</sheetData></worksheet>")
    return path


def far_cell_workbook(path: Path, last_cell: str = "XFD200000") -> Path:
    """Two cells, A1 and a far corner: a 1 KB file whose sheet is billions of cells."""
    row = last_cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return _package(
        path,
        lambda sheet: sheet.write(
            f'<row r="1"><c r="A1"><v>1</v></c></row><row r="{row}"><c r="{last_cell}"><v>2</v>'
            "</c></row>".encode()
        ),
    )


def million_row_workbook(path: Path, rows: int = 1_000_000) -> Path:
    def write(sheet) -> None:
        sheet.write(
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>Datum</t></is></c><c r="B1" '
            b't="inlineStr"><is><t>Aktivitet</t></is></c><c r="C1" t="inlineStr"><is>'
            b"<t>Kommundel</t></is></c></row>"
        )
        chunk = []
        for r in range(2, rows + 2):
            chunk.append(
                f'<row r="{r}"><c r="A{r}"><v>{43466 + r % 365}</v></c><c r="B{r}" '
                f't="inlineStr"><is><t>Mopedinsats</t></is></c><c r="C{r}" '
                f't="inlineStr"><is><t>Härad</t></is></c></row>'
            )
            if len(chunk) == 20_000:
                sheet.write("".join(chunk).encode())
                chunk = []
        sheet.write("".join(chunk).encode())

    return _package(path, write)
