""".xlsx templates for the raw scores of a scheme: the right headers, the unit's people filled
in, score ranges and choices enforced by Excel's data validation. A filled-in template
imports as it is (``jixiao import indicator-scores|rater-scores|adjustments``).

Headers are the file format, so they are fixed Chinese text like the import columns.
"""

from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from django.utils import translation

from jixiao.assessment.models import Period, RollUp, Scheme, ScoringMethod
from jixiao.assessment.schemes import leaves
from jixiao.core.sheets import print_setup
from jixiao.core.text import plain_decimal
from jixiao.imports.assessment_scores import ADJUSTMENT_COLUMNS, GROUP_COLUMN, RATER_COLUMN, SUB_PERIOD_COLUMN
from jixiao.imports.table import NAME_COLUMN, STAFF_ID_COLUMN

KINDS = ("indicator-scores", "rater-scores", "adjustments")
FIRST_DATA_ROW = 2  # row 0: title, row 1: header (0-based, as XlsxWriter counts)


def sub_period_labels(period: Period, scheme: Scheme) -> list[str]:
    """How the 期间 column names each sub-period: 2023-01 … or 2023Q1, 2023Q2."""
    rhythm = RollUp(scheme.roll_up)
    year, first_month = period.start.year, period.start.month
    if rhythm == RollUp.MONTHLY:
        return [f"{year}-{first_month + i:02d}" for i in range(6)]
    if rhythm == RollUp.QUARTERLY:
        first_quarter = (first_month + 2) // 3
        return [f"{year}Q{first_quarter + i}" for i in range(2)]
    return [""]


def write_template(
    target: Path | BinaryIO, kind: str, period: Period, scheme: Scheme, people: list[tuple[str, str]]
) -> int:
    """Write the template of ``kind`` for ``people`` (staff ID, name) scored by ``scheme``
    to a file or a buffer; returns the number of rows filled in."""
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target,
        {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True},
    )
    try:
        formats = {
            "title": workbook.add_format({"bold": True, "font_size": 13}),
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#EEF1F4", "border": 1, "text_wrap": True}
            ),
            "text": workbook.add_format({"num_format": "@"}),
            "score": workbook.add_format({"num_format": "0.00", "bg_color": "#FFFDE7"}),
        }
        sheet = workbook.add_worksheet((scheme.category.name if scheme.category else scheme.name)[:31])
        writer = {
            "indicator-scores": _indicator_sheet,
            "rater-scores": _rater_sheet,
            "adjustments": _items_sheet,
        }
        rows = writer[kind](workbook, sheet, formats, period, scheme, people)
        sheet.freeze_panes(FIRST_DATA_ROW, 2)
        reference = workbook.add_worksheet("人员名单")
        reference.write_row(0, 0, ["工号", "姓名"], formats["header"])
        for row, (staff_id, name) in enumerate(people, start=1):
            reference.write_string(row, 0, staff_id, formats["text"])
            reference.write_string(row, 1, name)
        reference.set_column(0, 1, 14)
        print_setup(reference, [14, 14], "人员名单")
    finally:
        workbook.close()
    return rows


def template_title(period: Period, scheme: Scheme, what: str) -> str:
    """The sheet's title: the half-year, the scheme (named once: "2023H1 一般干部考核方案"
    does not become "2023H1 2023H1 …") and what the sheet holds."""
    name = scheme.name.replace(period.code, "").strip() or scheme.name
    with translation.override("zh-hans"):  # the file's text is Chinese, like its headers
        half_year = str(period.title)
    return f"{half_year}{name} {what}"


def _header(sheet, formats, title: str, headers: list[str], text_columns: tuple[int, ...] = (0,)) -> None:
    """Title and headers; ``text_columns`` (the staff IDs and raters) are text, so that Excel
    keeps 000123 as typed instead of making it the number 123."""
    sheet.write_string(0, 0, title, formats["title"])
    sheet.set_row(1, 32)
    widths = [max(10, 2 * len(header) + 2) for header in headers]
    for column, (header, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.write_string(1, column, header, formats["header"])
        text = formats["text"] if column in text_columns else None
        sheet.set_column(column, column, width, text)
    print_setup(sheet, widths, title, header_rows=2)


def _score_columns(sheet, formats, first_column: int, indicators, last_row: int) -> None:
    for offset, indicator in enumerate(indicators):
        column = first_column + offset
        sheet.set_column(column, column, max(10, 2 * len(indicator.name) + 2), formats["score"])
        sheet.data_validation(
            FIRST_DATA_ROW,
            column,
            max(last_row, FIRST_DATA_ROW + 200),
            column,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": 0,
                "maximum": float(indicator.full_marks),
                "input_title": indicator.name[:32],
                "input_message": f"0 – {plain_decimal(indicator.full_marks)}",
                "error_title": "得分超出范围",
                "error_message": f"{indicator.name}的得分应在 0 到 {plain_decimal(indicator.full_marks)} 之间。",
            },
        )


def _people_rows(sheet, formats, rows: list[tuple], text_columns: tuple[int, ...] = (0,)) -> None:
    for offset, values in enumerate(rows):
        row = FIRST_DATA_ROW + offset
        for column, value in enumerate(values):
            sheet.write_string(row, column, value, formats["text"] if column in text_columns else None)


def _indicator_sheet(workbook, sheet, formats, period, scheme, people) -> int:
    indicators = [i for i in leaves(scheme.indicators.all()) if i.method != ScoringMethod.RATERS]
    labels = sub_period_labels(period, scheme)
    fixed = [STAFF_ID_COLUMN.header, NAME_COLUMN.header, SUB_PERIOD_COLUMN.header]
    _header(
        sheet,
        formats,
        template_title(period, scheme, "指标得分（客观指标和单位评分）"),
        fixed + [i.name for i in indicators],
    )
    rows = [(staff_id, name, label) for staff_id, name in people for label in labels]
    _people_rows(sheet, formats, rows)
    _score_columns(sheet, formats, len(fixed), indicators, FIRST_DATA_ROW + len(rows))
    return len(rows)


def _rater_sheet(workbook, sheet, formats, period, scheme, people) -> int:
    indicators = [i for i in leaves(scheme.indicators.all()) if i.method == ScoringMethod.RATERS]
    groups = [g.group.name for g in scheme.rater_groups.select_related("group").order_by("group__sort_order")]
    labels = sub_period_labels(period, scheme)
    fixed = [STAFF_ID_COLUMN.header, NAME_COLUMN.header, GROUP_COLUMN.header, RATER_COLUMN.header]
    fixed.append(SUB_PERIOD_COLUMN.header)
    # 工号 and 评价人 are text: a rater 000002 must not become 2 (or match the person rated).
    text_columns = (0, fixed.index(RATER_COLUMN.header))
    _header(
        sheet,
        formats,
        template_title(period, scheme, "评价打分表：每位评价人每人一行，评价人填工号或编号，不能给本人打分"),
        fixed + [i.name for i in indicators],
        text_columns,
    )
    rows = [
        (staff_id, name, group, "", label)
        for staff_id, name in people
        for group in groups
        for label in labels
    ]
    _people_rows(sheet, formats, rows, text_columns)
    last = max(FIRST_DATA_ROW + len(rows), FIRST_DATA_ROW + 200)
    sheet.data_validation(FIRST_DATA_ROW, 2, last, 2, {"validate": "list", "source": groups})
    _score_columns(sheet, formats, len(fixed), indicators, FIRST_DATA_ROW + len(rows))
    return len(rows)


def _items_sheet(workbook, sheet, formats, period, scheme, people) -> int:
    headers = [c.header for c in ADJUSTMENT_COLUMNS]
    _header(
        sheet,
        formats,
        template_title(
            period, scheme, "加减分和一票否决：每项一行；表中列出的人员，其加减分和否决项以本表为准"
        ),
        headers,
    )
    last = FIRST_DATA_ROW + max(200, 3 * len(people))
    sheet.data_validation(
        FIRST_DATA_ROW, 1, last, 1, {"validate": "list", "source": ["加分", "减分", "否决"]}
    )
    sheet.data_validation(
        FIRST_DATA_ROW,
        2,
        last,
        2,
        {"validate": "decimal", "criteria": "between", "minimum": 0.01, "maximum": 999.99},
    )
    sheet.data_validation(
        FIRST_DATA_ROW,
        0,
        last,
        0,
        {"validate": "list", "source": f"=人员名单!$A$2:$A${len(people) + 1}"}
        if people
        else {"validate": "any"},
    )
    sheet.set_column(0, 0, 12, formats["text"])
    sheet.set_column(3, 4, 36)
    return 0
