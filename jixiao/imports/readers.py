"""Reading .xlsx, .xls and .csv files into rows of cell values.

Each reader yields ``(row_number, values)`` with the row number the user sees in Excel
(a CSV record's number, not its physical line). A number that Excel shows zero-padded
(format ``000000``) is read as the text the user sees, so ``000123`` keeps its zeros.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import xlrd
from django.utils.translation import gettext as _
from openpyxl.cell.read_only import EMPTY_CELL

from jixiao.imports.limits import MAX_COLUMNS, MAX_ROWS, MAX_UNPACKED_BYTES, MB
from jixiao.imports.problems import ImportProblem, ImportRefused

Row = tuple[int, list]

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZERO_PAD_FORMAT = re.compile(r"^0+$")


def refuse(message: str) -> ImportRefused:
    return ImportRefused([ImportProblem(message)])


def unreadable_workbook() -> ImportRefused:
    return refuse(
        _(
            "The workbook cannot be read (it may be damaged or password-protected): open it in "
            "Excel or WPS, save it again as .xlsx, and import that file."
        )
    )


def sheet_rows(name: str, data: bytes) -> list[Iterator[Row]]:
    """Row iterators of every sheet in the file named ``name`` as its user knows it (one
    for a CSV), first sheet first; each bounded to ``MAX_ROWS`` rows of ``MAX_COLUMNS``."""
    suffix = Path(name).suffix.lower()
    if data.startswith(XLSX_MAGIC):
        sheets = xlsx_sheets(data)
    elif data.startswith(OLE2_MAGIC):
        sheets = xls_sheets(data)
    elif suffix in {".xlsx", ".xlsm", ".xls"}:
        raise refuse(
            _("%(name)s is named like an Excel workbook but is not one: save it again from Excel or WPS.")
            % {"name": name}
        )
    elif suffix not in {".csv", ".txt", ""}:
        raise refuse(_("Unsupported file type %(suffix)s: use .xlsx, .xls or .csv.") % {"suffix": suffix})
    else:
        sheets = [csv_rows(decode_text(data))]
    return [bounded(rows) for rows in sheets]


def bounded(rows: Iterator[Row]) -> Iterator[Row]:
    """The rows up to Excel's limits: a file with more rows is refused, and one with a
    value beyond the last column read; the empty cells there are dropped."""
    for number, values in rows:
        if number > MAX_ROWS:
            raise refuse(
                _(
                    "The file has more than %(rows)s rows, more than a spreadsheet can hold: split it into several files."
                )
                % {"rows": f"{MAX_ROWS:,}"}
            )
        if len(values) > MAX_COLUMNS:
            if any(not blank(value) for value in values[MAX_COLUMNS:]):
                raise ImportRefused(
                    [
                        ImportProblem(
                            _(
                                "the row has values beyond column %(columns)s: an import file has at most %(columns)s columns"
                            )
                            % {"columns": MAX_COLUMNS},
                            row=number,
                        )
                    ]
                )
            values = values[:MAX_COLUMNS]
        yield number, values


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def decode_text(data: bytes) -> str:
    """Text of a CSV as Excel and WPS save it: UTF-8 with or without BOM, UTF-16, or GBK."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    else:
        # Chinese text in GBK is almost never valid UTF-8, so trying UTF-8 first is safe;
        # GB18030 decodes everything GBK does.
        for encoding in ("utf-8", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise refuse(_("The text encoding of the file is not recognised: save it as UTF-8 or GBK."))


def csv_rows(text: str) -> Iterator[Row]:
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    # A cell longer than the csv module's default limit is refused by the length checks
    # with its row and column, not by the parser.
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            yield number, values
    except csv.Error:
        raise ImportRefused(
            [ImportProblem(_("this CSV row cannot be read (check its quotation marks)"), row=number + 1)]
        ) from None


def shown_number(value, number_format: str | None):
    """A number as Excel shows it when its format pads it with zeros."""
    if (
        number_format
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and float(value).is_integer()
        and ZERO_PAD_FORMAT.match(number_format)
    ):
        return str(int(value)).zfill(len(number_format))
    return value


def refuse_unpacked_size(data: bytes) -> None:
    """Refuses a zip bomb by its directory, before any part is unpacked."""
    try:
        unpacked = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise unreadable_workbook() from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise refuse(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(limit)s MB an import file may: "
                "save the data as .csv, or split it into several files."
            )
            % {"size": f"{unpacked // MB:,}", "limit": MAX_UNPACKED_BYTES // MB}
        )


def xlsx_sheets(data: bytes) -> list[Iterator[Row]]:
    refuse_unpacked_size(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise unreadable_workbook() from error

    def rows(sheet) -> Iterator[Row]:
        # openpyxl pads every row to the sheet's declared width (and to each row's last
        # cell where none is declared): a sheet declaring A1:XFD1048576 would give 16,384
        # cells a row. One more column than the limit is read, so that a value there is
        # refused rather than dropped; beyond it nothing is padded.
        declared = sheet.max_column
        if declared is None or declared > MAX_COLUMNS:
            sheet.reset_dimensions()
            width = MAX_COLUMNS + 1
        else:
            width = declared
        # A read-only sheet is parsed while its rows are read, so damage shows up here.
        try:
            missing_row = None  # openpyxl yields one and the same tuple for every missing row
            for number, cells in enumerate(sheet.iter_rows(min_row=1, max_col=width), start=1):
                if cells is missing_row or all(c is EMPTY_CELL for c in cells):
                    missing_row = cells
                    yield number, []
                    continue
                yield (
                    number,
                    [
                        None if c is EMPTY_CELL else shown_number(c.value, getattr(c, "number_format", None))
                        for c in cells
                    ],
                )
        except Exception as error:
            raise unreadable_workbook() from error

    return [rows(sheet) for sheet in workbook.worksheets]


def xls_sheets(data: bytes) -> list[Iterator[Row]]:
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except NotImplementedError:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as error:  # xlrd raises XLRDError and struct errors alike
        raise unreadable_workbook() from error

    def number_format(cell) -> str | None:
        if not book.formatting_info:
            return None
        xf = book.xf_list[cell.xf_index]
        return book.format_map[xf.format_key].format_str

    def value(cell):
        if cell.ctype == xlrd.XL_CELL_NUMBER:
            number = cell.value
            if number.is_integer():
                number = int(number)
            return shown_number(number, number_format(cell))
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return cell.value
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if cell.ctype == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(cell.value, "#ERROR")
        return cell.value

    def rows(sheet) -> Iterator[Row]:
        width = min(sheet.ncols, MAX_COLUMNS + 1)
        for index in range(sheet.nrows):
            yield index + 1, [value(cell) for cell in sheet.row_slice(index, 0, width)]

    return [rows(sheet) for sheet in book.sheets()]
