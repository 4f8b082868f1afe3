"""The workbook staff should keep, generated from the promise file: the right spreadsheet is the
easiest one to keep. A log filled in with it is always accepted, and so are the texts of its
Redovisning sheet (what was done per target and tertial, in the partners' own words)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .indicator_values import INDICATOR_COLUMNS, INDICATOR_FOLDER, INDICATOR_SHEET
from .layout import CANONICAL_COLUMNS, NARRATIVE_COLUMNS, NARRATIVE_SHEET, REQUIRED_COLUMNS
from .messages import message
from .promise import Promise

LOG_ROWS = 2000
TEXT_ROWS = 200
WIDTHS = {"Datum": 13, "Aktivitet": 44, "Kommundel": 22, "Plats": 32, "Antal": 9, "Kommentar": 40}
TEXT_WIDTHS = {"Mål": 42, "Tertial": 10, "Text": 80, "Nästa steg": 50}
HEADER_FONT, HEADER_FILL = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B4F8A")


def build_template(promise: Promise, source_id: str) -> Workbook:
    source = promise.source(source_id)
    workbook = Workbook()
    log = workbook.active
    log.title = message("mall.blad_logg")
    texts = workbook.create_sheet(NARRATIVE_SHEET)
    lists = workbook.create_sheet(message("mall.blad_listor"))
    lists.sheet_state = "hidden"
    instructions = workbook.create_sheet(message("mall.blad_instruktioner"))

    _header_row(log, CANONICAL_COLUMNS, WIDTHS)

    for row, activity in enumerate(promise.activities, start=1):
        lists.cell(row=row, column=1, value=activity.label)
    for row, district in enumerate(promise.districts, start=1):
        lists.cell(row=row, column=2, value=district.name)
    last = LOG_ROWS + 1
    activity_list = _checked(
        message("mall.okand_aktivitet_rubrik"),
        message("mall.okand_aktivitet"),
        type="list",
        formula1=f"={lists.title}!$A$1:$A${len(promise.activities)}",
    )
    district_list = _checked(
        message("mall.okand_kommundel_rubrik"),
        message("mall.okand_kommundel"),
        type="list",
        formula1=f"={lists.title}!$B$1:$B${len(promise.districts)}",
    )
    first, last_day = promise.start, promise.end
    dates = _checked(
        message("mall.fel_datum_rubrik"),
        message(
            "mall.fel_datum",
            start=first,
            end=last_day,
            example=min(first + dt.timedelta(days=13), last_day),
        ),
        type="date",
        operator="between",
        formula1=f"DATE({first.year},{first.month},{first.day})",
        formula2=f"DATE({last_day.year},{last_day.month},{last_day.day})",
    )
    counts = _checked(
        message("mall.fel_antal_rubrik"),
        message("mall.fel_antal"),
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
    )
    checked = {"A": dates, "B": activity_list, "C": district_list, "E": counts}
    if not promise.districts:  # a promise without districts: Kommundel may stay empty
        del checked["C"]
    _apply(log, last, checked)
    for row in range(2, last + 1):
        log.cell(row=row, column=1).number_format = "yyyy-mm-dd"

    for row, target in enumerate(promise.targets, start=1):
        lists.cell(row=row, column=3, value=target.title)
    _text_sheet(texts, f"={lists.title}!$C$1:$C${len(promise.targets)}")
    _instructions(instructions, promise, source.name)
    workbook.properties.title = message(
        "mall.titel", title=promise.title, municipality=promise.municipality
    )
    workbook.properties.creator = promise.municipality
    fixed = dt.datetime(promise.start.year, promise.start.month, promise.start.day)
    workbook.properties.created = workbook.properties.modified = fixed
    return workbook


def _header_row(sheet, columns: tuple[str, ...], widths: dict[str, int]) -> None:
    """The column names in the first row, white on blue, frozen above the rows to fill in."""
    for column, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=column, value=name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = widths[name]
    sheet.freeze_panes = "A2"


def _checked(title: str, error: str, **rule: str) -> DataValidation:
    """A cell rule that refuses other values with a Swedish message; an empty cell is fine."""
    return DataValidation(
        allow_blank=True, showErrorMessage=True, errorTitle=title, error=error, **rule
    )


def _apply(sheet, last: int, rules: dict[str, DataValidation]) -> None:
    """Each rule on its column, from the row under the header down to `last`."""
    for letter, validation in rules.items():
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)


def _text_sheet(sheet, targets: str) -> None:
    """Redovisning: a row per target and tertial; Mål from the list of headings (a range of the
    hidden list sheet: an inline list is cut at 255 characters), Tertial T1–T3, text wrapped."""
    _header_row(sheet, NARRATIVE_COLUMNS, TEXT_WIDTHS)
    last = TEXT_ROWS + 1
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2, max_row=last, max_col=len(NARRATIVE_COLUMNS)):
        for cell in row:
            cell.alignment = wrap
    target_list = _checked(
        message("redovisning.mall_okant_mal_rubrik"),
        message("redovisning.mall_okant_mal"),
        type="list",
        formula1=targets,
    )
    tertial_list = _checked(
        message("redovisning.mall_fel_tertial_rubrik"),
        message("redovisning.mall_fel_tertial"),
        type="list",
        formula1='"T1,T2,T3"',
    )
    _apply(sheet, last, {"A": target_list, "B": tertial_list})


def _instructions(sheet, promise: Promise, source_name: str) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 90
    helps = {c: message(f"mall.hjalp.{c}") for c in CANONICAL_COLUMNS}
    columns = "; ".join(
        message("mall.kolumn_kravs", column=c, help=helps[c])
        if c in REQUIRED_COLUMNS
        else message("mall.kolumn", column=c, help=helps[c])
        for c in CANONICAL_COLUMNS
    )
    lines = [
        (
            message("mall.rubrik", title=promise.title.lower(), municipality=promise.municipality),
            "",
        ),
        (message("mall.fylls_i_av", source=source_name), ""),
        (message("mall.sa_har_rubrik"), message("mall.sa_har")),
        (message("mall.kolumner_rubrik"), columns),
        (NARRATIVE_SHEET, message("redovisning.mall_instruktion", sheet=NARRATIVE_SHEET)),
        ("", ""),
        (message("mall.aktivitet_rubrik"), message("mall.raknas_mot_rubrik")),
    ]
    activity_heading = len(lines)
    targets = promise.target_by_id
    for activity in promise.activities:
        target = targets[activity.target]
        extra = message("mall.en_per_plats") if activity.one_per_place else ""
        lines.append(
            (
                activity.label,
                message("mall.raknas_mot", target=target.title, quote=target.quote) + extra,
            )
        )
    for row, (first, second) in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=first).alignment = wrap
        sheet.cell(row=row, column=2, value=second).alignment = wrap
    sheet["A1"].font = Font(bold=True, size=14)
    bold = Font(bold=True)
    sheet.cell(row=activity_heading, column=1).font = bold
    sheet.cell(row=activity_heading, column=2).font = bold
    # The example sits below the rows where a header is looked for, so it is never counted.
    start = max(len(lines) + 2, 12)
    sheet.cell(row=start, column=1, value=message("mall.exempel_rubrik")).font = Font(bold=True)
    example = [
        min(promise.start + dt.timedelta(days=13), promise.end).isoformat(),
        promise.activities[0].label,
        promise.districts[0].name if promise.districts else "",
        message("mall.exempel_plats"),
        12,
        message("mall.exempel_kommentar"),
    ]
    for column, (name, value) in enumerate(zip(CANONICAL_COLUMNS, example), start=1):
        sheet.cell(row=start + 1, column=column, value=name).font = Font(bold=True)
        sheet.cell(row=start + 2, column=column, value=value)


INDICATOR_WIDTHS = {
    "Indikator": 40,
    "Period": 10,
    "Värde": 10,
    "Källa": 36,
    "Datum": 13,
    "Status": 12,
}


def build_indicator_template(promise: Promise) -> Workbook:
    """The coordinator's sheet of outcome indicators (folder indikatorer/ of the inbox): the
    promise's indicators in a list, the status preliminär or slutlig."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = INDICATOR_SHEET
    lists = workbook.create_sheet(message("mall.blad_listor"))
    lists.sheet_state = "hidden"
    _header_row(sheet, INDICATOR_COLUMNS, INDICATOR_WIDTHS)
    for row, indicator in enumerate(promise.indicators, start=1):
        lists.cell(row=row, column=1, value=indicator.name)
    lists.cell(row=1, column=2, value="preliminär")
    lists.cell(row=2, column=2, value="slutlig")
    count = max(len(promise.indicators), 1)
    rules = {
        "A": _checked(
            message("mall.okand_indikator_rubrik"),
            message("mall.okand_indikator"),
            type="list",
            formula1=f"={lists.title}!$A$1:$A${count}",
        ),
        "F": _checked(
            message("mall.fel_status_rubrik"),
            message("mall.fel_status"),
            type="list",
            formula1=f"={lists.title}!$B$1:$B$2",
        ),
    }
    _apply(sheet, TEXT_ROWS + 1, rules)
    for row in range(2, TEXT_ROWS + 2):
        sheet.cell(row=row, column=5).number_format = "yyyy-mm-dd"
    workbook.properties.title = message(
        "mall.titel_indikatorer", title=promise.title, municipality=promise.municipality
    )
    workbook.properties.creator = promise.municipality
    fixed = dt.datetime(promise.start.year, promise.start.month, promise.start.day)
    workbook.properties.created = workbook.properties.modified = fixed
    return workbook


def write_template(promise: Promise, source_id: str, path: Path) -> Path:
    """The log template of a source, or with source `indikatorer` the indicator sheet."""
    workbook = (
        build_indicator_template(promise)
        if source_id == INDICATOR_FOLDER and promise.indicators
        else build_template(promise, source_id)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
