"""Real spreadsheet files for tests: written the way Excel, WPS and LibreOffice save them,
and read back the way another program would read an export. Also the two things every
file test needs around them: running ``jixiao`` in-process and a dump of the tables an
import may write.

Rows are lists of cell values, the header first.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

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


def write_shared_strings_xlsx(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """An .xlsx whose text is in a shared-strings table, as Excel and WPS write it (openpyxl
    writes inline strings), with the cells' text put in as given: Excel's escapes such as
    ``_x0000_`` stay escapes for the reader to decode."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    texts = list(dict.fromkeys(cell for row in rows for cell in row))
    sheet_rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{openpyxl.utils.get_column_letter(c)}{r}" t="s"><v>{texts.index(cell)}</v></c>'
            for c, cell in enumerate(row, start=1)
        )
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in texts)
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{office}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" Target="xl/workbook.xml" '
            f'Type="{relations}/officeDocument"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{relations}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{relations}/worksheet"/>'
            f'<Relationship Id="rId2" Target="sharedStrings.xml" Type="{relations}/sharedStrings"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{sheet_rows}</sheetData></worksheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{main}" count="{len(texts)}">{shared}</sst>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as workbook:
        for name, xml in parts.items():
            workbook.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + xml)
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


# --------------------------------------------------------------------------- the command


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def jixiao(capsys, *args) -> Run:
    """``jixiao ARGS…`` run in-process as the installed script runs it (argv parsing,
    refusals → message on stderr and a non-zero exit), on the test database.

    The command closes every database connection when it ends, as a process about to
    exit should; inside a test that would end the test's transaction on PostgreSQL, so
    the close is skipped for the duration of the call.
    """
    from django.core.management import execute_from_command_line
    from django.db import connections

    capsys.readouterr()
    connections.close_all = lambda: None
    try:
        execute_from_command_line(["jixiao", *(str(a) for a in args)])
        status = 0
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else 1
    finally:
        del connections.close_all
    captured = capsys.readouterr()
    return Run(status, captured.out, captured.err)


def jixiao_ok(capsys, *args) -> Run:
    """``jixiao ARGS…`` that must succeed."""
    run = jixiao(capsys, *args)
    assert run.status == 0, run.err
    return run


# --------------------------------------------------------------------------- the database


def table_dump(*, with_import_records: bool = False) -> dict[str, list[tuple]]:
    """Every row of the tables an import, a ranking or a nomination writes, ordered, as
    plain tuples (decimals as text so SQLite and PostgreSQL compare alike)."""
    from jixiao.assessment.models import Period, RosterEntry, Score
    from jixiao.imports.models import ImportRecord
    from jixiao.org.models import Category, Person, Unit
    from jixiao.selection.models import RankingResult, RankingRun, SelectionRules, SpecialNomination

    def rows(queryset, *fields):
        return [
            tuple(str(v) if v is not None and not isinstance(v, (int, str, bool)) else v for v in row)
            for row in queryset.order_by(*fields[:1]).values_list(*fields)
        ]

    dump = {
        "unit": rows(Unit.objects, "id", "name", "kind", "parent_id", "root_id", "sort_order"),
        "category": rows(Category.objects, "id", "name", "sort_order"),
        "person": rows(Person.objects, "id", "staff_id", "name", "gender"),
        "period": rows(Period.objects, "id", "code", "start", "end", "state", "data_changed_at"),
        "rules": rows(SelectionRules.objects, "period_id"),
        "roster": rows(RosterEntry.objects, "id", "period_id", "person_id", "unit_id", "category_id", "post"),
        "score": rows(Score.objects, "entry_id", "total", "veto_text", "veto_reason_id"),
        "ranking_run": rows(RankingRun.objects, "id", "period_id", "ranked"),
        "ranking": rows(
            RankingResult.objects,
            "person_id",
            "period_id",
            "unit_id",
            "category_id",
            "total",
            "rank",
            "group_size",
            "quota",
            "outcome",
            "veto_text",
        ),
        "nomination": rows(SpecialNomination.objects, "id", "person_id", "unit_id", "reason", "state"),
    }
    if with_import_records:
        dump["import"] = rows(
            ImportRecord.objects, "id", "kind", "file_name", "file_sha256", "rows", "changed"
        )
    return dump


def row_counts() -> dict[str, int]:
    return {name: len(rows) for name, rows in table_dump(with_import_records=True).items()}


# --------------------------------------------------------------------------- full-staff assessment

ASSESSMENT_PERIOD = "2023H1"
# Two units; 市财政局 has two categories with schemes, 城关镇 has a third and one without.
ASSESSMENT_PEOPLE = [
    ["000101", "张三", "市财政局", "一般干部", "科员"],
    ["000102", "李四", "市财政局", "一般干部", "科员"],
    ["000103", "王五", "市财政局", "中层干部", "科长"],
    ["000104", "赵六", "城关镇", "一般干部", "科员"],
    ["000105", "钱七", "城关镇", "编外聘用", "网格员"],
    ["000106", "孙八", "城关镇", "工勤技能", "驾驶员"],  # no scheme for 工勤技能
]


def assessment_city(tmp_path: Path, capsys, *, period: str = ASSESSMENT_PERIOD, **general_settings) -> dict:
    """The roster of :data:`ASSESSMENT_PEOPLE` imported into ``period`` and three city schemes:

    * 一般干部考核方案 (once for the half-year, trimmed from 3 raters, bonus cap 5, penalty
      cap 10): 德 20 and 能 20 scored by 领导评价 60 / 同事互评 40, 重点工作 30 (objective,
      full marks 100), 日常工作 30 (scored by the unit, full marks 50);
    * 中层干部考核方案 (per quarter): 德 30 and 日常工作 30 scored by 领导评价 50 / 同事互评 50,
      重点工作 40 (objective);
    * 编外聘用人员考核方案 (per month): 工作任务 60 (unit, full marks 60), 工作态度 40 scored by
      领导评价 only.

    ``general_settings`` go to the first scheme (``units_may_adjust=True``, say).
    Returns category name → scheme.
    """
    from jixiao.assessment.models import Period, RollUp, ScoringMethod
    from jixiao.assessment.schemes import IndicatorSpec, define_scheme
    from jixiao.org.models import Category

    jixiao_ok(
        capsys,
        "import",
        "roster",
        write_csv(tmp_path / f"roster-{period}.csv", roster_rows(ASSESSMENT_PEOPLE)),
        "--period",
        period,
    )
    the_period = Period.objects.get(code=period)
    category = {c.name: c for c in Category.objects.all()}
    objective, unit = ScoringMethod.OBJECTIVE, ScoringMethod.UNIT
    settings = {"trim_from": 3, "bonus_cap": 5, "penalty_cap": 10, **general_settings}
    return {
        "一般干部": define_scheme(
            name="一般干部考核方案",
            period=the_period,
            category=category["一般干部"],
            indicators=[
                IndicatorSpec("德", 20),
                IndicatorSpec("能", 20),
                IndicatorSpec("重点工作", 30, objective),
                IndicatorSpec("日常工作", 30, unit, full_marks=50),
            ],
            rater_groups={"领导评价": 60, "同事互评": 40},
            **settings,
        ),
        "中层干部": define_scheme(
            name="中层干部考核方案",
            period=the_period,
            category=category["中层干部"],
            indicators=[
                IndicatorSpec("德", 30),
                IndicatorSpec("重点工作", 40, objective),
                IndicatorSpec("日常工作", 30),
            ],
            rater_groups={"领导评价": 50, "同事互评": 50},
            roll_up=RollUp.QUARTERLY,
        ),
        "编外聘用": define_scheme(
            name="编外聘用人员考核方案",
            period=the_period,
            category=category["编外聘用"],
            indicators=[IndicatorSpec("工作任务", 60, unit, full_marks=60), IndicatorSpec("工作态度", 40)],
            rater_groups={"领导评价": 100},
            roll_up=RollUp.MONTHLY,
        ),
    }


def stored_direct_scores() -> dict[tuple, int]:
    """(staff ID, indicator, sub-period) → hundredths, as stored."""
    from jixiao.assessment.models import DirectScore

    return {
        (s.entry.person.staff_id, s.indicator.name, s.sub_period): s.score_cents
        for s in DirectScore.objects.select_related("entry__person", "indicator")
    }


def stored_rater_scores() -> dict[tuple, int]:
    """(staff ID, indicator, sub-period, rater group, rater) → hundredths, as stored."""
    from jixiao.assessment.models import RaterScore

    return {
        (s.entry.person.staff_id, s.indicator.name, s.sub_period, s.group.name, s.rater): s.score_cents
        for s in RaterScore.objects.select_related("entry__person", "indicator", "group")
    }


def stored_items() -> list[tuple]:
    """Every bonus, penalty and veto item as (staff ID, kind, points, reason, evidence),
    sorted; kind is bonus, penalty or veto (points None, reason the catalogue code if any)."""
    from jixiao.assessment.models import Adjustment, VetoItem

    items = [
        (a.entry.person.staff_id, a.kind, str(a.points), a.reason, a.evidence)
        for a in Adjustment.objects.select_related("entry__person")
    ] + [
        (v.entry.person.staff_id, "veto", v.reason.code if v.reason else None, v.text, v.evidence)
        for v in VetoItem.objects.select_related("entry__person", "reason")
    ]
    return sorted(items, key=lambda item: tuple(str(v) for v in item))


def assessment_dump() -> dict[str, list[tuple]]:
    """:func:`table_dump` with import records, plus every table of the full-staff assessment:
    raw scores, items, computed totals, schemes, locks and recorded changes."""
    from jixiao.assessment.models import (
        Adjustment,
        DirectScore,
        Indicator,
        RaterScore,
        Scheme,
        SchemeTotal,
        Score,
        ScoreChange,
        UnitLock,
        VetoItem,
    )

    def rows(queryset, *fields):
        return sorted(
            tuple(str(v) if v is not None and not isinstance(v, (int, str, bool)) else v for v in row)
            for row in queryset.values_list(*fields)
        )

    dump = table_dump(with_import_records=True)
    dump.update(
        {
            "score_source": rows(Score.objects, "entry_id", "source"),
            "direct_score": rows(
                DirectScore.objects, "entry_id", "indicator_id", "sub_period", "score_cents"
            ),
            "rater_score": rows(
                RaterScore.objects,
                "entry_id",
                "indicator_id",
                "sub_period",
                "group_id",
                "rater",
                "score_cents",
            ),
            "adjustment": rows(Adjustment.objects, "id", "entry_id", "kind", "points", "reason", "evidence"),
            "veto_item": rows(VetoItem.objects, "id", "entry_id", "reason_id", "text", "evidence"),
            "scheme_total": rows(
                SchemeTotal.objects,
                "entry_id",
                "scheme_id",
                "base_fine",
                "bonus_cents",
                "penalty_cents",
                "total_cents",
                "missing",
            ),
            "scheme": rows(
                Scheme.objects, "id", "name", "period_id", "category_id", "unit_id", "based_on_id"
            ),
            "indicator": rows(Indicator.objects, "id", "scheme_id", "name", "weight", "full_marks", "method"),
            "lock": rows(UnitLock.objects, "id", "period_id", "unit_id", "locked_by"),
            "score_change": rows(ScoreChange.objects, "id", "unit_id", "reason", "what"),
        }
    )
    return dump
