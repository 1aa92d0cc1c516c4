"""Schemes as workbooks (考核方案): the city hands its scheme out as an .xlsx and loads one in.

The workbook, as written and as read — its sheet names, items and headers are the format:

* sheet 方案, rows of 项目 | 内容: 方案名称, 人员类别, 考核节奏 (半年, 季度 or 月度), 分期权重
  (one whole number per sub-period: 1 for a half-year, 1,1 for quarters, either comma),
  去掉最高最低分人数 (from how many raters of a group the highest and the lowest score are
  dropped, at least 3), 加分上限, 减分上限, 允许单位调整 (是 or 否), 优秀比例上限 and 优秀分数线
  (online rating: at most this % of the people a rater scores get at least this % of full
  marks); all but the first three may be left out (the defaults: all weights 1, 5, 5, 10, 否,
  no limit, 90). A unit's own adjustment is never adjustable in turn.
* sheet 指标: 一级指标 | 二级指标 | 分值 | 满分 | 评分方式 (评价主体打分, 客观指标 or 单位评分;
  满分 100 and 评价主体打分 when empty). A row whose 二级指标 is empty is a top-level indicator;
  a row with one is a sub-indicator of its 一级指标 (an empty 一级指标 carries on the one
  above, as merged cells read). **The 分值 of an indicator with sub-indicators is the sum of
  theirs**: its own row (二级指标 empty) may be left out, and where it is there its 分值 is
  left empty or equals that sum. The top level sums to 100. Two levels at most.
* sheet 评价主体: 评价主体 | 权重, summing to 100 where any indicator is scored by raters
  (评价主体打分); a group the city does not have yet is added.

Reading takes what Excel and WPS write: numbers as numbers or as text (full-width digits, a
trailing 分 or %), 是/否 (or TRUE/FALSE, 允许/不允许), 1,1 or 1，1 or 1、1, stray spaces, a
title row above the header, columns in any order, other sheets (the guide) ignored. Every
problem is listed by sheet, row and column and nothing is written; the scheme itself is
written by ``assessment.actions.import_scheme`` (created, or updated in place).

Writing gives exactly what reading reads: an exported scheme imported into another period is
the same scheme.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO

import openpyxl
import xlrd
import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jixiao.assessment.actions import import_scheme
from jixiao.assessment.models import SUB_PERIODS, Period, RollUp, Scheme, ScoringMethod
from jixiao.assessment.schemes import (
    IndicatorSpec,
    SchemeChanges,
    SchemeDefinition,
    SchemeError,
    definition_of,
    walk,
)
from jixiao.core.refusals import Refused
from jixiao.core.sheets import print_setup
from jixiao.core.text import clean_text, display_width, fold, plain_decimal
from jixiao.imports.cells import CellError, shown
from jixiao.imports.limits import MAX_PROBLEMS
from jixiao.imports.problems import ImportProblem, ImportRefused, ReadingStopped
from jixiao.imports.readers import OLE2_MAGIC, XLSX_MAGIC, Row, refuse, sheet_rows, unreadable_workbook
from jixiao.imports.table import Column, header_key, locate_table
from jixiao.org.models import Category

SCHEME_SHEET, INDICATOR_SHEET, RATER_SHEET, GUIDE_SHEET = "方案", "指标", "评价主体", "填写说明"
SHEETS = (SCHEME_SHEET, INDICATOR_SHEET, RATER_SHEET)

ITEM_COLUMN = Column("item", "项目", ("设置项", "项目名称"))
CONTENT_COLUMN = Column("content", "内容", ("设置", "值", "取值", "设置值"))
NOTE_HEADER = "说明"

ITEMS = (
    Column("name", "方案名称", ("名称", "考核方案名称", "考核方案")),
    Column("category", "人员类别", ("类别", "适用人员类别", "适用类别")),
    Column("roll_up", "考核节奏", ("评分周期", "考核周期", "评分节奏", "考核频次")),
    Column("sub_period_weights", "分期权重", ("各期权重", "期间权重"), required=False),
    Column(
        "trim_from",
        "去掉最高最低分人数",
        ("去掉最高分和最低分人数", "去掉一个最高分和一个最低分人数", "去掉最高最低分"),
        required=False,
    ),
    Column("bonus_cap", "加分上限", ("每期加分上限", "加分封顶"), required=False),
    Column("penalty_cap", "减分上限", ("每期减分上限", "减分封顶"), required=False),
    Column("units_may_adjust", "允许单位调整", ("单位可调整", "允许单位调整方案"), required=False),
    Column("top_mark_share", "优秀比例上限", ("优秀比例", "优秀率上限", "高分比例上限"), required=False),
    Column("top_mark_from", "优秀分数线", ("优秀线", "高分线"), required=False),
)
ITEM_LABELS = {item.key: item.header for item in ITEMS}

INDICATOR_COLUMNS = (
    Column("first", "一级指标", ("一级", "一级指标名称", "指标名称")),
    Column("second", "二级指标", ("二级",), required=False),
    Column("weight", "分值", ("权重", "分数", "指标分值")),
    Column("full_marks", "满分", ("满分值", "打分满分"), required=False),
    Column("method", "评分方式", ("评分方法", "打分方式", "评价方式"), required=False),
)
RATER_COLUMNS = (
    Column("group", "评价主体", ("评价主体名称", "评价人类别")),
    Column("weight", "权重", ("权重%", "权重(%)", "占比")),
)

RHYTHMS = {RollUp.HALF_YEAR: "半年", RollUp.QUARTERLY: "季度", RollUp.MONTHLY: "月度"}
RHYTHM_WORDS = {
    **{word: RollUp.HALF_YEAR for word in ("半年", "半年度", "按半年", "每半年", "半年一次", "按半年评分")},
    **{word: RollUp.QUARTERLY for word in ("季度", "季", "按季度", "每季度", "按季", "按季度评分")},
    **{word: RollUp.MONTHLY for word in ("月度", "月", "按月", "每月", "按月度", "按月评分")},
    **{value: RollUp(value) for value in RollUp.values},
}
METHODS = {
    ScoringMethod.RATERS: "评价主体打分",
    ScoringMethod.OBJECTIVE: "客观指标",
    ScoringMethod.UNIT: "单位评分",
}
METHOD_WORDS = {
    **{word: ScoringMethod.RATERS for word in ("评价主体打分", "评价主体", "评价打分", "评价", "主观评价")},
    **{word: ScoringMethod.OBJECTIVE for word in ("客观指标", "客观", "客观数据", "客观评价")},
    **{word: ScoringMethod.UNIT for word in ("单位评分", "单位", "单位打分", "单位考核", "单位评价")},
    **{value: ScoringMethod(value) for value in ScoringMethod.values},
}
YES = {"是", "允许", "可以", "可", "yes", "y", "true", "1", "√", "✓"}
NO = {"否", "不允许", "不可以", "不可", "no", "n", "false", "0", "×", "✗", "x"}
# The marks that part the weights of 分期权重: either comma, 、, semicolons, spaces, slashes.
WEIGHT_SEPARATORS = re.compile(r"[,，、;；:：/\s]+")

MAX_NAME = 100
MAX_GROUP_NAME = 50
MAX_WEIGHT = Decimal("999.99")
MAX_FULL_MARKS = Decimal("9999.99")
MAX_CAP = Decimal("999.99")
MAX_TRIM_FROM = 999
MAX_SUB_PERIOD_WEIGHT = 999
HUNDRED = Decimal("100")
# A scheme has tens of indicators: a sheet with more rows than this is not a scheme.
MAX_SHEET_ROWS = 1000


# ----------------------------------------------------------------------------------------
# Problems by sheet, row and column
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetProblem(ImportProblem):
    """A problem of one sheet of the workbook, at a row and column where it has them."""

    sheet: str | None = None

    def __str__(self) -> str:
        if self.sheet is None:
            return super().__str__()
        params = {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}
        if self.row is not None and self.column is not None:
            return _("Sheet «%(sheet)s» row %(row)s «%(column)s»: %(message)s") % params
        if self.row is not None:
            return _("Sheet «%(sheet)s» row %(row)s: %(message)s") % params
        if self.column is not None:
            return _("Sheet «%(sheet)s» column «%(column)s»: %(message)s") % params
        return _("Sheet «%(sheet)s»: %(message)s") % params


class Problems(list):
    """The problems of one sheet, added by row and column."""

    def __init__(self, sheet: str | None):
        super().__init__()
        self.sheet = sheet

    def add(self, message: str, row: int | None = None, column: str | None = None) -> None:
        self.append(SheetProblem(message, row, column, self.sheet))

    def take(self, problems) -> None:
        """Problems the imports' table reader found (a header, a control character)."""
        for problem in problems:
            self.add(problem.message, problem.row, problem.column)


def in_sheet_order(problems: list[SheetProblem]) -> list[ImportProblem]:
    """The workbook's own problems first, then sheet by sheet (方案, 指标, 评价主体), each by
    row and then the sheet's sums; cut short at ``MAX_PROBLEMS`` with a note."""

    def place(problem: SheetProblem) -> tuple:
        sheet = -1 if problem.sheet is None else SHEETS.index(problem.sheet)
        return (sheet, problem.row is None and problem.sheet is not None, problem.row or 0)

    ordered: list[ImportProblem] = sorted(problems, key=place)
    if len(ordered) > MAX_PROBLEMS:
        more = ngettext(
            "Reading stopped after %(count)s problem: correct these and import the file again "
            "to see the rest.",
            "Reading stopped after %(count)s problems: correct these and import the file again "
            "to see the rest.",
            MAX_PROBLEMS,
        ) % {"count": MAX_PROBLEMS}
        ordered = [*ordered[:MAX_PROBLEMS], ReadingStopped(more)]
    return ordered


# ----------------------------------------------------------------------------------------
# Cells
# ----------------------------------------------------------------------------------------


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_cell(value, *, max_length: int) -> str:
    """Text; a number cell as its digits (Excel's 2024.0 is 2024)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = clean_text(value)
    if len(result) > max_length:
        raise CellError(_("is longer than %(max)s characters") % {"max": max_length})
    return result


def number_cell(
    value, *, places: int, low: Decimal, high: Decimal, above_low: bool = False
) -> Decimal | None:
    """A number as Excel or WPS wrote it (a number, or text with full-width digits, a trailing
    分 or %, thousands commas); ``None`` for an empty cell. At most ``places`` decimals, from
    ``low`` (exclusive with ``above_low``) to ``high``."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("%(value)s is not a number") % {"value": shown(value)})
    if isinstance(value, (int, float)):
        text = str(value)  # a float's shortest exact-looking form: 89.35, not 89.349999…
    else:
        text = fold(clean_text(value)).replace(",", "").replace(" ", "").removesuffix("%").removesuffix("分")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("%(value)s is not a number") % {"value": shown(value)}) from None
    if not number.is_finite():
        raise CellError(_("%(value)s is not a number") % {"value": shown(value)})
    shown_value = plain_decimal(number)
    if above_low and number <= low:
        raise CellError(
            _("must be more than %(low)s (it is %(value)s)")
            % {"low": plain_decimal(low), "value": shown_value}
        )
    if number < low:
        raise CellError(
            _("must be at least %(low)s (it is %(value)s)")
            % {"low": plain_decimal(low), "value": shown_value}
        )
    if number > high:
        raise CellError(
            _("must be at most %(high)s (it is %(value)s)")
            % {"high": plain_decimal(high), "value": shown_value}
        )
    if number != number.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            raise CellError(_("must be a whole number (it is %(value)s)") % {"value": shown_value})
        raise CellError(
            _("has more than %(places)s decimal places (%(value)s)")
            % {"places": places, "value": shown_value}
        )
    return number


def whole_number(value, *, low: int, high: int) -> int | None:
    number = number_cell(value, places=0, low=Decimal(low), high=Decimal(high))
    return None if number is None else int(number)


def choice_cell(value, words: dict, expected: str):
    """One of the words (compared folded, without spaces); ``None`` for an empty cell."""
    if blank(value):
        return None
    key = re.sub(r"\s", "", fold(clean_text(value)))
    if key not in words:
        raise CellError(
            _("%(value)s is not one of %(expected)s") % {"value": shown(value), "expected": expected}
        )
    return words[key]


def yes_no_cell(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    return choice_cell(value, {**dict.fromkeys(YES, True), **dict.fromkeys(NO, False)}, "是、否")


def weights_cell(value) -> list[int] | None:
    """分期权重: whole numbers parted by either comma (1,1 / 1，1), 、 or spaces; a single
    number may be a number cell."""
    if blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        parts = [value]
    else:
        parts = [p for p in WEIGHT_SEPARATORS.split(fold(clean_text(value))) if p]
    weights = []
    for part in parts:
        try:
            weight = whole_number(part, low=1, high=MAX_SUB_PERIOD_WEIGHT)
        except CellError as error:
            raise CellError(
                _("%(value)s: every weight is a whole number from 1 to %(high)s, e.g. 1,1 (%(problem)s)")
                % {"value": shown(value), "high": MAX_SUB_PERIOD_WEIGHT, "problem": error}
            ) from None
        weights.append(weight)
    return weights


# ----------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------


def not_a_workbook() -> ImportRefused:
    return refuse(
        _(
            "A scheme is a workbook with the sheets 方案, 指标 and 评价主体: save it as .xlsx (a .csv "
            "file holds one sheet only)."
        )
    )


def named_sheets(name: str, data: bytes) -> dict[str, tuple[str, Iterator[Row]]]:
    """The workbook's sheets by name as compared (spaces and full-width forms folded): the
    name as written and its rows."""
    if not (data.startswith(XLSX_MAGIC) or data.startswith(OLE2_MAGIC)):
        if Path(name).suffix.lower() in {".csv", ".txt", ""}:
            raise not_a_workbook()
    sheets = sheet_rows(name, data)  # refuses what is no workbook, too large, damaged
    if data.startswith(XLSX_MAGIC):
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            names = [sheet.title for sheet in workbook.worksheets]
            workbook.close()
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise unreadable_workbook() from error
    elif data.startswith(OLE2_MAGIC):
        try:
            names = xlrd.open_workbook(file_contents=data, on_demand=True).sheet_names()
        except Exception as error:
            raise unreadable_workbook() from error
    else:
        raise not_a_workbook()
    found: dict[str, tuple[str, Iterator[Row]]] = {}
    for sheet_name, rows in zip(names, sheets, strict=True):
        found.setdefault(header_key(sheet_name), (clean_text(sheet_name), rows))
    return found


@dataclass
class SheetRecords:
    """The data rows of one sheet: ``(row number, values in the columns' order)``, and the
    headers as the sheet writes them."""

    headers: dict[str, str]
    rows: list[tuple[int, tuple]] = field(default_factory=list)

    def header(self, key: str, columns) -> str:
        return self.headers.get(key) or next(c.header for c in columns if c.key == key)


def sheet_records(rows: Iterator[Row], columns, problems: Problems) -> SheetRecords | None:
    """The header (within the first rows, a title may stand above it) and the non-blank rows
    of a sheet; ``None`` when the header cannot be read (the problems say why)."""
    try:
        table = locate_table([rows], columns)
    except ImportRefused as refused:
        problems.take(refused.problems)
        return None
    records = SheetRecords(headers=table.headers)
    for number, values in table.records([c.key for c in columns]):
        if len(records.rows) == MAX_SHEET_ROWS:
            problems.add(
                _("The sheet has more than %(rows)s rows: a scheme has far fewer; is this the right file?")
                % {"rows": MAX_SHEET_ROWS},
                number,
            )
            break
        records.rows.append((number, values))
    problems.take(table.problems)
    return records


@dataclass
class Settings:
    """The 方案 sheet as read; ``None`` where it has a problem (or lacks a required item)."""

    name: str | None = None
    category: Category | None = None
    roll_up: str | None = None
    sub_period_weights: list[int] | None = None
    trim_from: int | None = 5
    bonus_cap: Decimal | None = Decimal("5")
    penalty_cap: Decimal | None = Decimal("10")
    units_may_adjust: bool | None = False
    top_mark_share: int | None = None
    top_mark_from: Decimal | None = Decimal("90")


def read_settings(rows: Iterator[Row], problems: Problems) -> Settings:
    settings = Settings()
    records = sheet_records(rows, (ITEM_COLUMN, CONTENT_COLUMN), problems)
    if records is None:
        return settings
    item_header = records.header("item", (ITEM_COLUMN,))
    content_header = records.header("content", (CONTENT_COLUMN,))
    given: dict[str, tuple[int, object]] = {}
    for number, (item, content) in records.rows:
        key = header_key(item)
        found = next((i for i in ITEMS if i.matches(key)), None)
        if not key:
            problems.add(_("is empty"), number, item_header)
        elif found is None:
            problems.add(
                _("%(value)s is not an item of a scheme; the items are %(items)s")
                % {"value": shown(item), "items": "、".join(ITEM_LABELS.values())},
                number,
                item_header,
            )
        elif found.key in given:
            problems.add(
                _("%(item)s is given twice (first on row %(row)s)")
                % {"item": found.header, "row": given[found.key][0]},
                number,
                item_header,
            )
        else:
            given[found.key] = (number, content)
    for item in ITEMS:
        if item.required and item.key not in given:
            problems.add(
                _("the item %(item)s is missing: add a row with %(item)s in the «%(column)s» column")
                % {"item": item.header, "column": item_header}
            )

    def read(key: str, parse):
        if key not in given:
            return getattr(settings, key)
        number, value = given[key]
        try:
            return parse(value)
        except CellError as error:
            problems.add(
                _("%(item)s %(problem)s") % {"item": ITEM_LABELS[key], "problem": error},
                number,
                content_header,
            )
            return None

    def required(parse):
        def parse_required(value):
            result = parse(value)
            if result is None or result == "":
                raise CellError(_("is empty"))
            return result

        return parse_required

    settings.name = read("name", required(lambda v: text_cell(v, max_length=MAX_NAME)))
    settings.category = read("category", required(category_cell))
    settings.roll_up = read(
        "roll_up", required(lambda v: choice_cell(v, RHYTHM_WORDS, "、".join(RHYTHMS.values())))
    )
    settings.trim_from = read("trim_from", lambda v: default(whole_number(v, low=3, high=MAX_TRIM_FROM), 5))
    settings.bonus_cap = read(
        "bonus_cap", lambda v: default(number_cell(v, places=2, low=Decimal(0), high=MAX_CAP), Decimal(5))
    )
    settings.penalty_cap = read(
        "penalty_cap", lambda v: default(number_cell(v, places=2, low=Decimal(0), high=MAX_CAP), Decimal(10))
    )
    settings.units_may_adjust = read("units_may_adjust", lambda v: default(yes_no_cell(v), False))
    settings.top_mark_share = read("top_mark_share", lambda v: whole_number(v, low=1, high=100))
    settings.top_mark_from = read(
        "top_mark_from",
        lambda v: default(number_cell(v, places=2, low=Decimal(1), high=Decimal(100)), Decimal(90)),
    )
    weights = read("sub_period_weights", weights_cell)
    if weights is not None and settings.roll_up is not None:
        count = SUB_PERIODS[RollUp(settings.roll_up)]
        if len(weights) != count:
            number, _value = given["sub_period_weights"]
            problems.add(
                _(
                    "%(item)s: scoring per %(rhythm)s gives %(count)s sub-periods, so %(count)s weights, "
                    "e.g. %(example)s (there are %(given)s)"
                )
                % {
                    "item": ITEM_LABELS["sub_period_weights"],
                    "rhythm": RHYTHMS[settings.roll_up],
                    "count": count,
                    "example": ",".join(["1"] * count),
                    "given": len(weights),
                },
                number,
                content_header,
            )
            weights = None
    settings.sub_period_weights = weights
    return settings


def default(value, fallback):
    return fallback if value is None else value


def category_cell(value) -> Category | None:
    name = text_cell(value, max_length=MAX_NAME)
    if not name:
        return None
    category = Category.objects.filter(name=name).first()
    if category is None:
        known = list(Category.objects.order_by("sort_order", "id").values_list("name", flat=True)[:30])
        raise CellError(
            _("%(value)s is not a personnel category of the city (they are %(known)s)")
            % {"value": shown(name), "known": "、".join(known) or "—"}
        )
    return category


@dataclass
class TopIndicator:
    spec: IndicatorSpec
    row: int  # where it first appears
    own_row: int | None = None  # its own row (二级指标 empty), if it has one
    weight: Decimal | None = None  # as its own row gives it
    children_rows: dict[str, int] = field(default_factory=dict)


def read_indicators(rows: Iterator[Row], problems: Problems) -> list[IndicatorSpec] | None:
    records = sheet_records(rows, INDICATOR_COLUMNS, problems)
    if records is None:
        return None
    headers = {c.key: records.header(c.key, INDICATOR_COLUMNS) for c in INDICATOR_COLUMNS}
    tops: dict[str, TopIndicator] = {}
    all_read = True  # every row read whole: the sums can be checked
    previous_first = ""
    for number, (first, second, weight, full_marks, method) in records.rows:
        parsed = {}
        for key, value, parse in (
            ("first", first, lambda v: text_cell(v, max_length=MAX_NAME)),
            ("second", second, lambda v: text_cell(v, max_length=MAX_NAME)),
            (
                "weight",
                weight,
                lambda v: number_cell(v, places=2, low=Decimal(0), high=MAX_WEIGHT, above_low=True),
            ),
            (
                "full_marks",
                full_marks,
                lambda v: number_cell(v, places=2, low=Decimal(1), high=MAX_FULL_MARKS),
            ),
            ("method", method, lambda v: choice_cell(v, METHOD_WORDS, "、".join(METHODS.values()))),
        ):
            try:
                parsed[key] = parse(value)
            except CellError as error:
                problems.add(str(error), number, headers[key])
        complete = len(parsed) == len(INDICATOR_COLUMNS)
        all_read &= complete
        if "first" not in parsed or "second" not in parsed:
            continue
        first_name, second_name = parsed["first"], parsed["second"]
        if not first_name and second_name and previous_first:
            first_name = previous_first  # merged cells: the 一级指标 of the rows above
        if not first_name:
            problems.add(_("is empty"), number, headers["first"])
            all_read = False
            continue
        previous_first = first_name
        top = tops.setdefault(first_name, TopIndicator(IndicatorSpec(first_name, 0), number))
        if complete:
            full_marks = default(parsed["full_marks"], HUNDRED)
            method = default(parsed["method"], ScoringMethod.RATERS)
        if second_name:
            if second_name in top.children_rows:
                problems.add(
                    _("%(name)s is listed twice under %(parent)s (first on row %(row)s)")
                    % {"name": second_name, "parent": first_name, "row": top.children_rows[second_name]},
                    number,
                    headers["second"],
                )
                continue
            top.children_rows[second_name] = number
            if not complete:
                continue
            if parsed["weight"] is None:
                problems.add(_("is empty"), number, headers["weight"])
                all_read = False
                continue
            top.spec.children.append(IndicatorSpec(second_name, parsed["weight"], method, full_marks))
        elif top.own_row is not None:
            problems.add(
                _("%(name)s is listed twice (first on row %(row)s)")
                % {"name": first_name, "row": top.own_row},
                number,
                headers["first"],
            )
        else:
            top.own_row = number
            if complete:
                top.weight, top.spec.full_marks, top.spec.method = parsed["weight"], full_marks, method
    if not tops:
        if not problems:
            problems.add(_("The sheet has no indicators."))
        return None
    # Every indicator of a scheme has a name of its own, at either level.
    named = {name: top.own_row or top.row for name, top in tops.items()}
    for top in tops.values():
        for child, row in top.children_rows.items():
            if child in named:
                problems.add(
                    _(
                        "the name %(name)s is used twice (row %(row)s): every indicator of a scheme has a name of its own"
                    )
                    % {"name": child, "row": named[child]},
                    row,
                    headers["second"],
                )
            else:
                named[child] = row
    for top in tops.values():
        if top.spec.children:
            total = sum((Decimal(c.weight) for c in top.spec.children), Decimal(0))
            if top.weight is not None and all_read and top.weight != total:
                problems.add(
                    _(
                        "%(weight)s is not the sum of the 分值 of the sub-indicators of %(name)s (%(sum)s): "
                        "leave it empty or make it %(sum)s"
                    )
                    % {
                        "weight": plain_decimal(top.weight),
                        "name": top.spec.name,
                        "sum": plain_decimal(total),
                    },
                    top.own_row,
                    headers["weight"],
                )
            top.spec.weight = total
        elif top.weight is not None:
            top.spec.weight = top.weight
        elif all_read:
            problems.add(_("is empty"), top.own_row, headers["weight"])
            all_read = False
    if all_read:
        total = sum((Decimal(top.spec.weight) for top in tops.values()), Decimal(0))
        if total != HUNDRED:
            problems.add(
                _("the 分值 of the top-level indicators sum to %(sum)s, not 100")
                % {"sum": plain_decimal(total)},
                column=headers["weight"],
            )
    return [top.spec for top in tops.values()]


def read_rater_groups(
    rows: Iterator[Row], problems: Problems
) -> tuple[dict[str, Decimal] | None, str | None]:
    """The groups with their weights (``None`` when a row has a problem) and the header of
    the weights."""
    records = sheet_records(rows, RATER_COLUMNS, problems)
    if records is None:
        return None, None
    headers = {c.key: records.header(c.key, RATER_COLUMNS) for c in RATER_COLUMNS}
    groups: dict[str, Decimal] = {}
    first_rows: dict[str, int] = {}
    complete = True
    for number, (name, weight) in records.rows:
        try:
            group = text_cell(name, max_length=MAX_GROUP_NAME)
            if not group:
                raise CellError(_("is empty"))
        except CellError as error:
            problems.add(str(error), number, headers["group"])
            group = None
            complete = False
        try:
            value = number_cell(weight, places=2, low=Decimal(0), high=HUNDRED, above_low=True)
            if value is None:
                raise CellError(_("is empty"))
        except CellError as error:
            problems.add(str(error), number, headers["weight"])
            value = None
            complete = False
        if group is None:
            continue
        if group in first_rows:
            problems.add(
                _("%(name)s is listed twice (first on row %(row)s)")
                % {"name": group, "row": first_rows[group]},
                number,
                headers["group"],
            )
            complete = False
            continue
        first_rows[group] = number
        if value is not None:
            groups[group] = value
    return (groups if complete else None), headers["weight"]


def read_scheme_workbook(data: bytes, name: str) -> SchemeDefinition:
    """The scheme the workbook holds, or ``ImportRefused`` with every problem by sheet, row
    and column."""
    sheets = named_sheets(name, data)
    problems: list[SheetProblem] = []
    book = Problems(None)
    found = {}
    for sheet in SHEETS:
        if header_key(sheet) in sheets:
            found[sheet] = sheets[header_key(sheet)][1]
        elif sheet != RATER_SHEET:  # needed only where raters score (below)
            book.add(
                _(
                    "The workbook has no sheet «%(sheet)s». A scheme workbook has the sheets 方案, 指标 "
                    "and 评价主体: export a scheme to see one."
                )
                % {"sheet": sheet}
            )
    at = {sheet: Problems(sheet) for sheet in SHEETS}
    settings = read_settings(found[SCHEME_SHEET], at[SCHEME_SHEET]) if SCHEME_SHEET in found else None
    indicators = (
        read_indicators(found[INDICATOR_SHEET], at[INDICATOR_SHEET]) if INDICATOR_SHEET in found else None
    )
    groups, weight_header = (
        read_rater_groups(found[RATER_SHEET], at[RATER_SHEET]) if RATER_SHEET in found else ({}, None)
    )
    rated = indicators is not None and any(
        spec.method == ScoringMethod.RATERS for spec, _parent in walk(indicators) if not spec.children
    )
    if rated and RATER_SHEET not in found:
        book.add(
            _(
                "The workbook has no sheet «%(sheet)s», and indicators are scored by raters (评价主体打分): "
                "add the sheet with the columns 评价主体 and 权重."
            )
            % {"sheet": RATER_SHEET}
        )
    elif rated and groups is not None:
        total = sum(groups.values(), Decimal(0))
        if total != HUNDRED:
            message = _("The rater group weights sum to %(sum)s, not 100.") % {"sum": plain_decimal(total)}
            if groups and total == 1:
                message += " " + _("Give the weights as 60 rather than 60%.")
            at[RATER_SHEET].add(message, column=weight_header)
    for part in (book, *at.values()):
        problems.extend(part)
    if problems:
        raise ImportRefused(in_sheet_order(problems))
    return SchemeDefinition(
        name=settings.name,
        category=settings.category,
        indicators=indicators,
        rater_groups=groups or {},
        roll_up=settings.roll_up,
        sub_period_weights=settings.sub_period_weights or [],
        trim_from=settings.trim_from,
        bonus_cap=settings.bonus_cap,
        penalty_cap=settings.penalty_cap,
        units_may_adjust=settings.units_may_adjust,
        top_mark_share=settings.top_mark_share,
        top_mark_from=settings.top_mark_from,
    )


# ----------------------------------------------------------------------------------------
# Importing: the file read, then the action
# ----------------------------------------------------------------------------------------


@dataclass
class SchemeFileImport:
    definition: SchemeDefinition
    scheme: Scheme | None  # None for a dry run
    changes: SchemeChanges


def import_scheme_file(
    period: Period, data: bytes, name: str, *, acting_user, unit=None, dry_run: bool = False
) -> SchemeFileImport:
    """Read the workbook and import its scheme into the period (for the city, or with
    ``unit`` as the unit's own adjustment); ``ImportRefused`` lists every problem, of the
    file or of the rules, and then nothing is written."""
    definition = read_scheme_workbook(data, name)
    if unit is not None:
        definition.units_may_adjust = False  # a unit's adjustment is not adjusted in turn
    try:
        scheme, changes = import_scheme(
            period, definition, acting_user=acting_user, unit=unit, source=name, dry_run=dry_run
        )
    except SchemeError as error:
        raise ImportRefused([ImportProblem(problem) for problem in error.problems]) from None
    except Refused as refusal:
        raise ImportRefused([ImportProblem(refusal.message)]) from None
    return SchemeFileImport(definition, scheme, changes)


def describe_changes(
    changes: SchemeChanges, definition: SchemeDefinition, *, period: Period, unit=None
) -> list[str]:
    """What the import does, in lines for the preview and the command."""
    where = unit.name if unit is not None else _("city")
    if changes.existing is None:
        lines = [
            _("Creates the scheme %(name)s of %(period)s for %(category)s (%(where)s).")
            % {
                "name": definition.name,
                "period": period.code,
                "category": definition.category.name,
                "where": where,
            }
        ]
    elif changes.nothing:
        return [_("The scheme is already as the file says: nothing changes.")]
    else:
        lines = [
            _(
                "Replaces the scheme %(name)s of %(period)s for %(category)s (%(where)s); the scores "
                "entered on its indicators stay with them."
            )
            % {
                "name": changes.existing.name,
                "period": period.code,
                "category": definition.category.name,
                "where": where,
            }
        ]
    leaves = [spec for spec, _parent in walk(definition.indicators) if not spec.children]
    lines.append(
        _("%(indicators)s indicators, %(leaves)s of them scored; %(groups)s rater groups; %(rhythm)s.")
        % {
            "indicators": sum(1 for _item in walk(definition.indicators)),
            "leaves": len(leaves),
            "groups": len(definition.rater_groups),
            "rhythm": RollUp(definition.roll_up).label,
        }
    )
    if changes.existing is not None:
        for names, label in (
            (changes.added, _("Indicators added: %(names)s")),
            (changes.removed, _("Indicators removed: %(names)s")),
            (changes.changed, _("Indicators changed: %(names)s")),
            (changes.settings, _("Settings changed: %(names)s")),
        ):
            if names:
                lines.append(label % {"names": "、".join(names)})
        if changes.rater_groups:
            lines.append(_("The rater groups or their weights change."))
    if changes.new_rater_groups:
        lines.append(
            _("New rater groups for the city: %(names)s") % {"names": "、".join(changes.new_rater_groups)}
        )
    return lines


def definition_tables(definition: SchemeDefinition) -> dict:
    """The scheme as the preview shows it: the 方案 items, the indicator rows and the groups,
    as the workbook has them."""

    def shown_value(value):
        return plain_decimal(value) if isinstance(value, Decimal) else value

    return {
        "settings": [(label, shown_value(value)) for label, value in scheme_items(definition)],
        "indicators": [tuple(shown_value(v) for v in row) for row in indicator_rows(definition)],
        "groups": [
            (name, plain_decimal(Decimal(weight))) for name, weight in definition.rater_groups.items()
        ],
    }


# ----------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------

ITEM_NOTES = {
    "name": "",
    "category": "须与花名册中的人员类别一致",
    "roll_up": "半年、季度或月度",
    "sub_period_weights": "各期权重，用逗号分隔：半年填 1，季度如 1,1，月度如 1,1,1,1,1,1",
    "trim_from": "同一评价主体的评价人达到此人数时，去掉一个最高分和一个最低分（至少为 3）",
    "bonus_cap": "每期加分最多计入的分数",
    "penalty_cap": "每期减分最多扣除的分数",
    "units_may_adjust": "是或否：各单位可否在本方案基础上制定本单位的调整方案",
    "top_mark_share": "在线测评时每位评价人每项指标打优秀的人数不超过所评人数的百分之几（如 30）；不填为不限",
    "top_mark_from": "在线测评时多少分算优秀，按满分的百分比（如 90 即满分的 90%）",
}
GUIDE = (
    "考核方案填写说明",
    "",
    "本工作簿有三张表：方案、指标、评价主体。表名和列名不要改动，列的顺序可以调整。",
    "方案：每行一个项目。方案名称、人员类别、考核节奏必填；其余不填时取默认值"
    "（分期权重均为 1，去掉最高最低分人数 5，加分上限 5，减分上限 10，允许单位调整 否，"
    "优秀比例上限 不限，优秀分数线 90）。",
    "指标：二级指标为空的行是一级指标；填了二级指标的行是该一级指标下的二级指标"
    "（一级指标为空时沿用上一行的一级指标，合并单元格即可）。",
    "有二级指标的一级指标，其分值为各二级指标分值之和：它自己那一行可以不写，写了则分值须等于该和（或留空）。",
    "一级指标的分值合计须为 100。满分不填为 100；评分方式为 评价主体打分、客观指标 或 单位评分，不填为 评价主体打分。"
    "只有不再细分的指标才打分。",
    "评价主体：每行一个评价主体及其权重；有指标由评价主体打分时，权重合计须为 100。",
    "导入：jixiao scheme import 文件.xlsx --period 考核期（单位调整方案加 --unit 单位名称），"
    "或在系统的“考核方案”页面上传；文件有任何问题都不会写入，问题按工作表、行、列列出。",
)


def scheme_items(definition: SchemeDefinition) -> list[tuple[str, object]]:
    """The 方案 sheet's rows: item, value (numbers as numbers)."""
    weights = definition.sub_period_weights or [1] * SUB_PERIODS[RollUp(definition.roll_up)]
    return [
        (ITEM_LABELS["name"], definition.name),
        (ITEM_LABELS["category"], definition.category.name),
        (ITEM_LABELS["roll_up"], RHYTHMS[RollUp(definition.roll_up)]),
        (ITEM_LABELS["sub_period_weights"], ",".join(str(w) for w in weights)),
        (ITEM_LABELS["trim_from"], definition.trim_from),
        (ITEM_LABELS["bonus_cap"], Decimal(definition.bonus_cap)),
        (ITEM_LABELS["penalty_cap"], Decimal(definition.penalty_cap)),
        (ITEM_LABELS["units_may_adjust"], "是" if definition.units_may_adjust else "否"),
        (
            ITEM_LABELS["top_mark_share"],
            "" if definition.top_mark_share is None else definition.top_mark_share,
        ),
        (ITEM_LABELS["top_mark_from"], Decimal(definition.top_mark_from)),
    ]


def indicator_rows(definition: SchemeDefinition) -> list[tuple]:
    """The 指标 sheet's rows: a top-level indicator's own row, then its sub-indicators' (numbers
    as Decimals, empty cells as ""). A parent's 满分 and 评分方式 (it is not scored) are written
    only where they are not the defaults, so that the file gives the scheme back exactly."""
    rows = []
    for top in definition.indicators:
        full_marks, method = Decimal(top.full_marks), METHODS[ScoringMethod(top.method)]
        if top.children:
            full_marks = "" if full_marks == HUNDRED else full_marks
            method = "" if top.method == ScoringMethod.RATERS else method
        rows.append((top.name, "", Decimal(top.weight), full_marks, method))
        for child in top.children:
            rows.append(
                (
                    top.name,
                    child.name,
                    Decimal(child.weight),
                    Decimal(child.full_marks),
                    METHODS[ScoringMethod(child.method)],
                )
            )
    return rows


def scheme_file_name(scheme: Scheme) -> str:
    where = scheme.unit.name if scheme.unit_id else ""
    category = scheme.category.name if scheme.category_id else scheme.name
    return f"{scheme.period.code if scheme.period_id else ''}{category}{where}考核方案.xlsx"


def write_scheme_workbook(target: Path | BinaryIO, scheme: Scheme) -> None:
    """The scheme as a workbook: 方案, 指标 and 评价主体 (the format ``read_scheme_workbook``
    reads), and a sheet with the rules of filling it in. ``SchemeError`` for a scheme of more
    than two levels, which the workbook cannot hold."""
    definition = definition_of(scheme)
    if any(child.children for top in definition.indicators for child in top.children):
        raise SchemeError(
            [
                _("Scheme %(name)s has indicators more than two levels deep: a scheme workbook holds two.")
                % {"name": scheme.name}
            ]
        )
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        formats = {
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#EEF1F4", "border": 1, "valign": "vcenter"}
            ),
            # Text stays text, also when edited: 1,1 never becomes 11, nor =… a formula.
            "text": workbook.add_format({"num_format": "@", "valign": "vcenter"}),
            "item": workbook.add_format({"num_format": "@", "bold": True, "valign": "vcenter"}),
            "number": workbook.add_format({"align": "right", "valign": "vcenter"}),
            "setting": workbook.add_format({"align": "left", "valign": "vcenter"}),
            "note": workbook.add_format({"font_color": "#5F6B7A", "text_wrap": True, "valign": "vcenter"}),
            "title": workbook.add_format({"bold": True, "font_size": 13}),
            "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        }
        workbook.set_properties({"title": f"{scheme.name}", "subject": "考核方案"})
        _settings_sheet(workbook, formats, definition)
        _indicator_sheet(workbook, formats, definition)
        _rater_sheet(workbook, formats, definition)
        _guide_sheet(workbook, formats)
    finally:
        workbook.close()


def _header(sheet, formats, headers: list[str], widths: list[int], title: str) -> None:
    for column, (header, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.write_string(0, column, header, formats["header"])
        sheet.set_column(column, column, width)
    sheet.set_row(0, 22)
    sheet.freeze_panes(1, 0)
    print_setup(sheet, widths, title)


def _write(sheet, formats, row: int, column: int, value, number_format: str = "number") -> None:
    """A number as a number (Excel shows 20 and 2.5), text as text, "" as an empty cell."""
    if value == "":
        sheet.write_blank(row, column, None, formats["text"])
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        sheet.write_number(row, column, float(value), formats[number_format])
    else:
        sheet.write_string(row, column, str(value), formats["text"])


def _settings_sheet(workbook, formats, definition: SchemeDefinition) -> None:
    sheet = workbook.add_worksheet(SCHEME_SHEET)
    _header(
        sheet, formats, [ITEM_COLUMN.header, CONTENT_COLUMN.header, NOTE_HEADER], [20, 36, 60], SCHEME_SHEET
    )
    keys = [item.key for item in ITEMS]
    for row, (key, (label, value)) in enumerate(zip(keys, scheme_items(definition), strict=True), start=1):
        sheet.write_string(row, 0, label, formats["item"])
        _write(sheet, formats, row, 1, value, "setting")
        sheet.write_string(row, 2, ITEM_NOTES[key], formats["note"])
        sheet.set_row(row, 20)
    rhythm_row = keys.index("roll_up") + 1
    sheet.data_validation(
        rhythm_row, 1, rhythm_row, 1, {"validate": "list", "source": list(RHYTHMS.values())}
    )
    adjust_row = keys.index("units_may_adjust") + 1
    sheet.data_validation(adjust_row, 1, adjust_row, 1, {"validate": "list", "source": ["是", "否"]})
    sheet.activate()


def _indicator_sheet(workbook, formats, definition: SchemeDefinition) -> None:
    sheet = workbook.add_worksheet(INDICATOR_SHEET)
    _header(sheet, formats, [c.header for c in INDICATOR_COLUMNS], [18, 22, 8, 8, 14], INDICATOR_SHEET)
    rows = indicator_rows(definition)
    for row, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            _write(sheet, formats, row, column, value)
    last = max(len(rows) + 50, 100)
    sheet.data_validation(1, 4, last, 4, {"validate": "list", "source": list(METHODS.values())})
    sheet.data_validation(
        1,
        2,
        last,
        2,
        {"validate": "decimal", "criteria": "between", "minimum": 0.01, "maximum": float(MAX_WEIGHT)},
    )


def _rater_sheet(workbook, formats, definition: SchemeDefinition) -> None:
    sheet = workbook.add_worksheet(RATER_SHEET)
    _header(sheet, formats, [c.header for c in RATER_COLUMNS], [18, 8], RATER_SHEET)
    for row, (name, weight) in enumerate(definition.rater_groups.items(), start=1):
        sheet.write_string(row, 0, name, formats["text"])
        _write(sheet, formats, row, 1, Decimal(weight))


def _guide_sheet(workbook, formats) -> None:
    width = 60
    sheet = workbook.add_worksheet(GUIDE_SHEET)
    sheet.set_column(0, 0, width)
    sheet.write_string(0, 0, GUIDE[0], formats["title"])
    for row, line in enumerate(GUIDE[1:], start=1):
        if line:
            sheet.write_string(row, 0, line, formats["wrap"])
            # Spreadsheets do not grow a row to its wrapped text: a line per column width.
            sheet.set_row(row, 16 * (1 + display_width(line) // (width - 4)))
    print_setup(sheet, [width], GUIDE_SHEET)
