"""Lists written to .csv and .xlsx the way Excel and WPS open them cleanly.

Column headers and result labels of exported files are a data format other programs read,
so they are fixed Chinese text, not translated with the interface.
"""

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from jixiao.assessment.models import Period
from jixiao.core import glossary
from jixiao.core.sheets import print_setup
from jixiao.org.models import Gender
from jixiao.selection import workflow
from jixiao.selection.models import (
    Candidate,
    Outcome,
    ProposalState,
    RankingResult,
    Route,
    Verdict,
    share_percent_of,
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

RANKING_HEADERS = (
    "工号",
    "姓名",
    "单位",
    glossary.CATEGORY,
    glossary.TOTAL,
    glossary.RANK_IN_GROUP,
    glossary.GROUP_SIZE,
    "结果",
)
# A ranking's result; "排名前列" reads with the period's share where a period is exported.
OUTCOME_LABELS = {
    Outcome.BY_RANK: glossary.TOP_BY_RANK,
    Outcome.VETOED: glossary.VETOED,
    Outcome.NOT_SELECTED: glossary.NOT_SELECTED,
}


@dataclass(frozen=True)
class ExportColumn:
    header: str
    width: int
    number_format: str | None = None


RANKING_COLUMNS = (
    ExportColumn("工号", 12, "@"),
    ExportColumn("姓名", 10),
    ExportColumn("单位", 28),
    ExportColumn(glossary.CATEGORY, 12),
    ExportColumn(glossary.TOTAL, 9, "0.00"),
    ExportColumn(glossary.RANK_IN_GROUP, 9, "0"),
    ExportColumn(glossary.GROUP_SIZE, 9, "0"),
    ExportColumn("结果", 10),
)


def escape_formula(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def ranking_rows(period: Period, unit=None) -> Iterable[tuple]:
    """One row per ranked person (of the unit, when given), by unit, category and rank."""
    rows = (
        RankingResult.objects.filter(period=period, **({"unit": unit} if unit is not None else {}))
        .order_by(
            "unit__sort_order", "unit_id", "category__sort_order", "category_id", "rank", "person__staff_id"
        )
        .values_list(
            "person__staff_id",
            "entry__name",
            "unit__name",
            "category__name",
            "total",
            "rank",
            "group_size",
            "outcome",
        )
    )
    labels = {**OUTCOME_LABELS, Outcome.BY_RANK: glossary.top_share(share_percent_of(period))}
    for staff_id, name, unit, category, total, rank, size, outcome in rows.iterator(chunk_size=20_000):
        yield staff_id, name, unit, category, total, rank, size, labels[outcome]


EXEMPLAR_COLUMNS = (
    ExportColumn("工号", 12, "@"),
    ExportColumn("姓名", 10),
    ExportColumn("性别", 6),
    ExportColumn("单位", 28),
    ExportColumn(glossary.CATEGORY, 12),
    ExportColumn("职务", 16),
    ExportColumn(glossary.ROUTE, 12),
)
CANDIDATE_COLUMNS = (
    ExportColumn("工号", 12, "@"),
    ExportColumn("姓名", 10),
    ExportColumn("单位", 28),
    ExportColumn(glossary.CATEGORY, 12),
    ExportColumn("职务", 16),
    ExportColumn(glossary.ROUTE, 12),
    ExportColumn(glossary.TOTAL, 9, "0.00"),
    ExportColumn(glossary.RANK_IN_GROUP, 9, "0"),
    ExportColumn(glossary.GROUP_SIZE, 9, "0"),
    ExportColumn(f"{glossary.COMMITTEE}决定", 16),
    ExportColumn("名单状态", 10),
)
GENDER_LABELS = {Gender.MALE: "男", Gender.FEMALE: "女"}
VERDICT_LABELS = {Verdict.APPROVED: "同意", Verdict.REJECTED: "不同意", Verdict.PENDING: "待定"}
STATE_LABELS = {
    ProposalState.DRAFT: "拟推荐",
    ProposalState.SUBMITTED: f"待{glossary.COMMITTEE}决定",
    ProposalState.DECIDED: f"{glossary.COMMITTEE}已决定",
    ProposalState.PUBLICITY: "公示中",
    ProposalState.PUBLISHED: "已发布",
}


def _route_label(route: str, share) -> str:
    """As the notice names the route: 排名前10% (the period's share) or 突出贡献."""
    return glossary.route(route == Route.BY_RANK, share)


def exemplar_rows(period: Period) -> Iterable[tuple]:
    """The published exemplars (rule 7), by unit, route, category and rank."""
    share = share_percent_of(period)
    rows = (
        workflow.exemplars(period)
        .order_by(*workflow.LIST_ORDER)
        .values_list(
            "person__staff_id",
            "name",
            "gender",
            "proposal__unit__name",
            "category__name",
            "post",
            "route",
        )
    )
    for staff_id, name, gender, unit, category, post, route in rows:
        yield staff_id, name, GENDER_LABELS.get(gender, ""), unit, category, post, _route_label(route, share)


def candidate_rows(period: Period, unit=None) -> Iterable[tuple]:
    """Every candidate of every unit's list (of the unit's, when given), with the committee's
    decision and the list's state; a person removed after an upheld objection is marked so."""
    share = share_percent_of(period)
    rows = (
        Candidate.objects.filter(
            proposal__period=period, **({"proposal__unit": unit} if unit is not None else {})
        )
        .order_by(*workflow.LIST_ORDER)
        .values_list(
            "person__staff_id",
            "name",
            "proposal__unit__name",
            "category__name",
            "post",
            "route",
            "total",
            "rank",
            "group_size",
            "verdict",
            "removed_at",
            "proposal__state",
        )
    )
    for staff_id, name, unit, category, post, route, total, rank, size, verdict, removed, state in rows:
        decision = "公示后取消" if removed else VERDICT_LABELS[verdict]
        yield (
            staff_id,
            name,
            unit,
            category,
            post,
            _route_label(route, share),
            total,
            rank,
            size,
            decision,
            STATE_LABELS[state],
        )


def write_csv(path: Path, columns: Sequence[ExportColumn], rows: Iterable[Sequence]) -> int:
    """UTF-8 with BOM, so Excel and WPS open Chinese text correctly; CRLF line ends."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header for c in columns])
        for row in rows:
            writer.writerow([f"{v:.2f}" if isinstance(v, Decimal) else escape_formula(v) for v in row])
            count += 1
    return count


def write_xlsx(path: Path, columns: Sequence[ExportColumn], rows: Iterable[Sequence], *, title: str) -> int:
    """A sheet with a bold, frozen, filterable header, set column widths and number formats,
    set up to print (``print_setup``).

    XlsxWriter streams rows to disk (constant memory) and never turns text into formulas,
    numbers or links; formula-like text is still escaped as in the CSV, for WPS and
    LibreOffice users who re-save the file.
    """
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        sheet = workbook.add_worksheet(title[:31])
        header = workbook.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1})
        formats = [
            workbook.add_format({"num_format": c.number_format}) if c.number_format else None for c in columns
        ]
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
            sheet.write_string(0, index, column.header, header)
        sheet.freeze_panes(1, 0)
        print_setup(sheet, [c.width for c in columns], title)
        count = 0
        for count, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                cell_format = formats[index]
                if value is None:
                    sheet.write_blank(count, index, None, cell_format)
                elif isinstance(value, str):
                    sheet.write_string(count, index, escape_formula(value), cell_format)
                else:
                    sheet.write_number(count, index, value, cell_format)
        sheet.autofilter(0, 0, count, len(columns) - 1)
    finally:
        workbook.close()
    return count


def export_table(path: Path, columns: Sequence[ExportColumn], rows: Iterable[Sequence], *, title: str) -> int:
    """Write the list beside its destination, then move it into place: a failed export
    neither leaves half a file nor spoils the previous one."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".xlsx"}:
        raise ValueError(suffix)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if suffix == ".csv":
            count = write_csv(partial, columns, rows)
        else:
            count = write_xlsx(partial, columns, rows, title=title)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return count
