"""Real spreadsheet files for tests: written the way Excel, WPS and LibreOffice save them,
and read back the way another program would read an export.

Rows are lists of cell values, the header first. Nothing here touches the database.
"""

import codecs
import csv
import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import xlwt
from openpyxl.styles import Font

Rows = Sequence[Sequence]

ROSTER_HEADER = ["工号", "姓名", "单位", "人员类别", "职务"]
SCORES_HEADER = ["工号", "总分"]


def write_xlsx(
    path: Path,
    rows: Rows,
    *,
    title: str | None = None,
    number_formats: dict[int, str] | None = None,
    sheet_title: str = "Sheet1",
    sheets_before: dict[str, Rows] | None = None,
) -> Path:
    """An .xlsx workbook. ``title`` puts a merged title row above the header (as offices
    do: "2023年上半年绩效考核花名册"); ``number_formats`` maps a column index to the
    number format of its data cells (e.g. ``{0: "000000"}`` for zero-padded staff IDs);
    ``sheets_before`` adds sheets in front of the data sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for name, other_rows in (sheets_before or {}).items():
        sheet.title = name
        for row in other_rows:
            sheet.append(list(row))
        sheet = workbook.create_sheet()
    sheet.title = sheet_title
    if title is not None:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(rows[0]), 1))
        sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    header_row = sheet.max_row + 1 if title is not None else 1
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=header_row + offset, column=column, value=value)
            if offset and number_formats and (column - 1) in number_formats:
                cell.number_format = number_formats[column - 1]
    workbook.save(path)
    return path


def write_xls(
    path: Path,
    rows: Rows,
    *,
    title: str | None = None,
    number_formats: dict[int, str] | None = None,
) -> Path:
    """An Excel 97–2003 .xls workbook (BIFF8, as xlwt writes it). Python numbers become
    number cells; ``number_formats`` as for :func:`write_xlsx`."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    styles = {i: xlwt.easyxf(num_format_str=f) for i, f in (number_formats or {}).items()}
    start = 0
    if title is not None:
        sheet.write_merge(0, 0, 0, max(len(rows[0]) - 1, 0), title)
        start = 1
    for offset, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is None:
                continue
            if offset and column in styles:
                sheet.write(start + offset, column, value, styles[column])
            else:
                sheet.write(start + offset, column, value)
    book.save(str(path))
    return path


def csv_text(rows: Rows, *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def write_csv(path: Path, rows: Rows, *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """A CSV file in ``encoding``: "utf-8", "utf-8-sig" (BOM, as Excel saves "CSV UTF-8")
    or "gbk" (as Excel and WPS save "CSV" on a Chinese Windows)."""
    data = csv_text(rows, delimiter=delimiter).encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    path.write_bytes(data)
    return path


def write_table(path: Path, rows: Rows, **options) -> Path:
    """A file in the format its suffix names: .xlsx, .xls or .csv (UTF-8)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_xlsx(path, rows, **options)
    if suffix == ".xls":
        return write_xls(path, rows, **options)
    if suffix == ".csv":
        return write_csv(path, rows, **options)
    raise ValueError(suffix)


def read_csv(path: Path) -> list[list[str]]:
    """An exported CSV as another program reads it: UTF-8 with BOM required."""
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8), "CSV export must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(data[len(codecs.BOM_UTF8) :].decode("utf-8"))))


def read_xlsx(path: Path) -> list[list]:
    """The cell values of an .xlsx's first sheet, as stored (numbers stay numbers)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def xlsx_cells(path: Path) -> list[list]:
    """The cells of an .xlsx's first sheet (for number formats and fonts)."""
    workbook = openpyxl.load_workbook(path)
    return [list(row) for row in workbook.worksheets[0].iter_rows()]


def roster_rows(people: Sequence[Sequence], *, header: Sequence[str] = ROSTER_HEADER) -> list[list]:
    return [list(header), *[list(p) for p in people]]


def scores_rows(scores: Sequence[Sequence], *, header: Sequence[str] = SCORES_HEADER) -> list[list]:
    return [list(header), *[list(s) for s in scores]]
