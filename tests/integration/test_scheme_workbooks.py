"""Schemes as workbooks (issue 15): ``jixiao scheme export --period P --category C -o F.xlsx``
and ``jixiao scheme import F --period P [--unit NAME]``, and the city office's page
``/periods/<code>/schemes/``.

The workbook: sheet 方案 (项目 | 内容), sheet 指标 (一级指标 | 二级指标 | 分值 | 满分 | 评分方式),
sheet 评价主体 (评价主体 | 权重). An exported scheme imported into another period is the same
scheme, field by field; a workbook typed by a clerk (text numbers, 是, 1，1, merged cells, a
title row) imports; a bad one gets every problem by sheet, row and column and nothing is
written; a unit's adjustment only where the city's scheme lets units adjust it; a scheme with
scores is updated in place, and refused where the file would strand them.

The city (tests.files.assessment_city): 一般干部 (flat, half-year), 中层干部 (quarterly),
编外聘用 (monthly), plus here a two-level scheme for 工勤技能.
"""

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
import xlwt
from openpyxl.styles import Font

from jixiao.assessment.actions import create_period, set_period_state
from jixiao.assessment.models import (
    Indicator,
    Period,
    PeriodState,
    RaterGroup,
    RaterScore,
    RollUp,
    Scheme,
    SchemeRaterGroup,
    ScoringMethod,
    SubPeriodWeight,
)
from jixiao.assessment.schemes import IndicatorSpec, define_scheme
from jixiao.core.audit import AuditEntry
from jixiao.org.access import Operator
from jixiao.org.models import Category, RoleKind, Unit
from tests.files import ASSESSMENT_PERIOD, assessment_city, assessment_dump, jixiao, jixiao_ok, write_csv
from tests.workflow_city import make_user

pytestmark = pytest.mark.django_db

PERIOD = ASSESSMENT_PERIOD  # 2023H1
NEXT = "2023H2"


@pytest.fixture
def city(tmp_path, capsys):
    schemes = assessment_city(tmp_path, capsys)
    schemes["工勤技能"] = two_level_scheme(Period.objects.get(code=PERIOD))
    create_period(NEXT, acting_user=Operator("cli:test"))
    return schemes


def two_level_scheme(period, category_name: str = "工勤技能") -> Scheme:
    """德 (政治素质, 职业道德) and 绩 (重点任务 objective, 日常工作完成情况 by the unit) with
    sub-indicators, 廉 a top-level leaf; monthly with weighted months; a parent with full
    marks of its own (meaningless, but kept: the file gives back every field)."""
    return define_scheme(
        name="工勤技能人员考核方案",
        period=period,
        category=Category.objects.get(name=category_name),
        indicators=[
            IndicatorSpec(
                "德",
                20,
                children=[IndicatorSpec("政治素质", 12), IndicatorSpec("职业道德", 8, full_marks=10)],
            ),
            IndicatorSpec(
                "绩",
                "50.5",
                full_marks=60,
                children=[
                    IndicatorSpec("重点任务", "30.5", ScoringMethod.OBJECTIVE),
                    IndicatorSpec("日常工作完成情况", 20, ScoringMethod.UNIT, full_marks="50.5"),
                ],
            ),
            IndicatorSpec("廉", "29.5", ScoringMethod.UNIT, full_marks=30),
        ],
        rater_groups={"领导评价": 70, "服务对象评价": 30},
        roll_up=RollUp.MONTHLY,
        sub_period_weights=[1, 1, 2, 1, 1, 2],
        trim_from=7,
        bonus_cap="3.5",
        penalty_cap="12.25",
        units_may_adjust=True,
        top_mark_share=30,
        top_mark_from="92.5",
    )


def shape(scheme: Scheme) -> tuple:
    """Every field of a scheme but its ids, period and origin: settings, the indicator tree in
    order (with sort order), rater groups with weights, sub-period weights."""
    scheme.refresh_from_db()
    return (
        scheme.name,
        scheme.category.name,
        scheme.unit.name if scheme.unit else None,
        scheme.roll_up,
        scheme.trim_from,
        scheme.bonus_cap,
        scheme.penalty_cap,
        scheme.units_may_adjust,
        scheme.top_mark_share,
        scheme.top_mark_from,
        [
            (i.name, i.parent.name if i.parent else None, i.weight, i.full_marks, i.method, i.sort_order)
            for i in scheme.indicators.select_related("parent")
        ],
        [(g.group.name, g.weight) for g in scheme.rater_groups.select_related("group")],
        list(scheme.sub_period_weights.values_list("number", "weight")),
    )


def everything() -> dict:
    """Every table a scheme import may write, and the audit log's length."""
    dump = assessment_dump()
    dump["scheme_settings"] = sorted(
        (s.pk, s.name, s.roll_up, s.trim_from, str(s.bonus_cap), str(s.penalty_cap), s.units_may_adjust)
        for s in Scheme.objects.all()
    )
    dump["indicator_tree"] = sorted(
        Indicator.objects.values_list("id", "parent_id", "sort_order", "full_marks", "method")
    )
    dump["rater_groups"] = sorted(SchemeRaterGroup.objects.values_list("scheme_id", "group__name", "weight"))
    dump["groups"] = sorted(RaterGroup.objects.values_list("name", flat=True))
    dump["sub_periods"] = sorted(SubPeriodWeight.objects.values_list("scheme_id", "number", "weight"))
    dump["periods"] = sorted(Period.objects.values_list("code", "state", "data_changed_at"))
    dump["audit"] = AuditEntry.objects.count()
    return dump


def export(capsys, path, category: str, *options, period: str = PERIOD):
    return jixiao_ok(
        capsys, "scheme", "export", "--period", period, "--category", category, "-o", path, *options
    )


def import_lines(capsys, path, *options, period: str = NEXT) -> list[str]:
    return jixiao_ok(capsys, "scheme", "import", path, "--period", period, *options).out.splitlines()


def refused(capsys, path, *options, period: str = NEXT) -> list[str]:
    """An import that must be refused: exit 1, every table as it was; its stderr lines."""
    before = everything()
    run = jixiao(capsys, "scheme", "import", path, "--period", period, *options)
    assert run.status == 1, run.out
    assert "Traceback" not in run.err
    assert everything() == before
    return run.err_lines


# --------------------------------------------------------------------------- round trip


def test_export_then_import_into_another_period_gives_the_same_scheme(tmp_path, capsys, city):
    for category, scheme in city.items():
        path = tmp_path / f"{category}.xlsx"
        out = export(capsys, path, category).out
        assert out.startswith(f"已写入 {path}：考核方案 {scheme.name}")
        lines = import_lines(capsys, path)
        assert lines[0] == f"已将 {category}.xlsx 导入 {NEXT}：考核方案 {scheme.name}。"
        copy = Scheme.objects.get(period__code=NEXT, category__name=category, unit=None)
        assert shape(copy) == shape(scheme), category
    assert Scheme.objects.filter(period__code=NEXT).count() == 4

    # The same file again changes nothing, not even the audit log.
    before = everything()
    lines = import_lines(capsys, tmp_path / "工勤技能.xlsx")
    assert lines[1:2] == ["  考核方案已与文件一致，没有变化。"]
    assert everything() == before


def test_the_import_is_audited_and_marks_the_period_changed(tmp_path, capsys, city):
    export(capsys, tmp_path / "s.xlsx", "一般干部")
    audit = AuditEntry.objects.count()
    import_lines(capsys, tmp_path / "s.xlsx", "--actor", "cli:kaohe")
    [entry] = AuditEntry.objects.filter(pk__gt=audit, action="scheme")
    assert entry.actor == "cli:kaohe"
    assert "s.xlsx" in entry.summary
    assert entry.after["indicators"][0][:2] == ["德", None]
    assert Period.objects.get(code=NEXT).data_changed_at is not None


def test_the_exported_workbook_opens_as_a_city_office_hands_it_out(tmp_path, capsys, city):
    path = tmp_path / "工勤技能.xlsx"
    export(capsys, path, "工勤技能")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["方案", "指标", "评价主体"]
    assert book.active.title == "方案"
    settings = book["方案"]
    assert [[c.value for c in row] for row in settings.iter_rows(max_col=2)] == [
        ["项目", "内容"],
        ["方案名称", "工勤技能人员考核方案"],
        ["人员类别", "工勤技能"],
        ["考核节奏", "月度"],
        ["分期权重", "1,1,2,1,1,2"],
        ["去掉最高最低分人数", 7],
        ["加分上限", 3.5],
        ["减分上限", 12.25],
        ["允许单位调整", "是"],
        ["优秀比例上限", 30],
        ["优秀分数线", 92.5],
    ]
    assert settings["A1"].font.b and settings["B1"].font.b and settings["C1"].value == "说明"
    assert settings.column_dimensions["B"].width > 20
    assert settings["B5"].number_format == "@"  # 1,1 stays text when edited
    assert settings.freeze_panes == "A2"
    indicators = book["指标"]
    assert [[c.value for c in row] for row in indicators.iter_rows()] == [
        ["一级指标", "二级指标", "分值", "满分", "评分方式"],
        ["德", None, 20, None, None],
        ["德", "政治素质", 12, 100, "评价主体打分"],
        ["德", "职业道德", 8, 10, "评价主体打分"],
        ["绩", None, 50.5, 60, None],
        ["绩", "重点任务", 30.5, 100, "客观指标"],
        ["绩", "日常工作完成情况", 20, 50.5, "单位评分"],
        ["廉", None, 29.5, 30, "单位评分"],
    ]
    assert all(cell.font.b for cell in indicators[1])
    assert [[c.value for c in row] for row in book["评价主体"].iter_rows()] == [
        ["评价主体", "权重"],
        ["领导评价", 70],
        ["服务对象评价", 30],
    ]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-calc) not installed")
def test_libreoffice_opens_the_exported_workbook(tmp_path, capsys, city):
    path = tmp_path / "一般干部.xlsx"
    export(capsys, path, "一般干部")
    out = tmp_path / "csv"
    profile = (tmp_path / "libreoffice-profile").resolve().as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # UTF-8; the first sheet, 方案
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    rows = list(csv.reader(io.StringIO((out / "一般干部.csv").read_text(encoding="utf-8"))))
    assert [row[:2] for row in rows] == [
        ["项目", "内容"],
        ["方案名称", "一般干部考核方案"],
        ["人员类别", "一般干部"],
        ["考核节奏", "半年"],
        ["分期权重", "1"],
        ["去掉最高最低分人数", "3"],
        ["加分上限", "5"],
        ["减分上限", "10"],
        ["允许单位调整", "否"],
        ["优秀比例上限", ""],
        ["优秀分数线", "90"],
    ]


def test_a_unit_adjustment_is_exported_and_loaded_back(tmp_path, capsys, city):
    Scheme.objects.filter(pk=city["一般干部"].pk).update(units_may_adjust=True)
    jixiao_ok(capsys, "scheme", "copy", "--period", PERIOD, "--unit", "城关镇", "--category", "一般干部")
    adjusted = Scheme.objects.get(period__code=PERIOD, unit__name="城关镇")
    Indicator.objects.filter(scheme=adjusted, name="德").update(weight=30)
    Indicator.objects.filter(scheme=adjusted, name="能").update(weight=10)
    path = tmp_path / "城关镇.xlsx"
    export(capsys, path, "一般干部", "--unit", "城关镇")
    assert openpyxl.load_workbook(path)["方案"]["B9"].value == "否"  # an adjustment is not adjustable

    # Into the next period: the city's scheme first (it lets units adjust), then the unit's.
    export(capsys, tmp_path / "city.xlsx", "一般干部")
    import_lines(capsys, tmp_path / "city.xlsx")
    lines = import_lines(capsys, path, "--unit", "城关镇")
    assert "城关镇" in lines[1]
    loaded = Scheme.objects.get(period__code=NEXT, unit__name="城关镇")
    assert shape(loaded) == shape(adjusted)
    assert loaded.based_on == Scheme.objects.get(period__code=NEXT, category__name="一般干部", unit=None)


# --------------------------------------------------------------------------- a clerk's workbook


def clerk_workbook(path, *, settings=None, indicators=None, groups=None):
    """A scheme typed in Excel by a clerk: a title row above the 方案 header, numbers typed as
    text (full-width too), 1，2 with a Chinese comma, 是, stray spaces, the 一级指标 cells
    merged over their sub-indicators, a parent without a row of its own, 60%, a sheet of notes."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "方案"
    sheet.append(["2023年下半年一般干部考核方案"])
    sheet.append(["项目", "内容"])
    for row in settings or [
        [" 方案名称 ", "一般干部考核方案（修订）"],
        ["人员类别", " 一般干部 "],
        ["考核节奏", "季度"],
        ["分期权重", "1，2"],
        ["去掉最高最低分人数", "5"],
        ["加分上限", "３"],
        ["减分上限", 8],
        ["允许单位调整", "是"],
        ["优秀比例上限", "30%"],
        ["优秀分数线", "９０"],
    ]:
        sheet.append(row)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet = book.create_sheet("指标")
    sheet.append(["一级指标", "二级指标", "分值", "满分", "评分方式"])
    for row in indicators or [
        ["德", None, None, None, None],
        [None, "政治素质", "10分", None, None],
        [None, "职业道德", 10.0, "100", "评价主体打分"],
        ["绩", "重点任务", "40", 100, "客观"],
        ["绩", "日常工作", 30, 50, "单位评分"],
        ["廉", None, " 10 ", None, "评价"],
    ]:
        sheet.append(row)
    if indicators is None:
        sheet.merge_cells("A2:A4")
    sheet = book.create_sheet("评价主体")
    sheet.append(["评价主体", "权重（%）"])
    for row in groups or [["领导评价", "60%"], ["同事互评 ", 40]]:
        sheet.append(row)
    book.create_sheet("说明").append(["本表由考核办制定"])
    book.save(path)
    return path


def test_a_workbook_typed_by_a_clerk_imports(tmp_path, capsys, city):
    lines = import_lines(capsys, clerk_workbook(tmp_path / "方案.xlsx"))
    assert lines == [
        f"已将 方案.xlsx 导入 {NEXT}：考核方案 一般干部考核方案（修订）。",
        f"  新建 {NEXT} 一般干部的考核方案 一般干部考核方案（修订）（全市）。",
        "  共 7 个指标，其中 5 个打分；2 个评价主体；按季度评分。",
    ]
    scheme = Scheme.objects.get(period__code=NEXT, category__name="一般干部")
    assert shape(scheme) == (
        "一般干部考核方案（修订）",
        "一般干部",
        None,
        RollUp.QUARTERLY,
        5,
        Decimal("3"),
        Decimal("8"),
        True,
        30,
        Decimal("90"),
        [
            ("德", None, Decimal("20"), Decimal("100"), ScoringMethod.RATERS, 1),
            ("政治素质", "德", Decimal("10"), Decimal("100"), ScoringMethod.RATERS, 2),
            ("职业道德", "德", Decimal("10"), Decimal("100"), ScoringMethod.RATERS, 3),
            ("绩", None, Decimal("70"), Decimal("100"), ScoringMethod.RATERS, 4),
            ("重点任务", "绩", Decimal("40"), Decimal("100"), ScoringMethod.OBJECTIVE, 5),
            ("日常工作", "绩", Decimal("30"), Decimal("50"), ScoringMethod.UNIT, 6),
            ("廉", None, Decimal("10"), Decimal("100"), ScoringMethod.RATERS, 7),
        ],
        [("领导评价", Decimal("60")), ("同事互评", Decimal("40"))],
        [(1, 1), (2, 2)],
    )


def test_a_dry_run_shows_what_would_change_and_writes_nothing(tmp_path, capsys, city):
    path = clerk_workbook(tmp_path / "方案.xlsx")
    before = everything()
    run = jixiao_ok(capsys, "scheme", "import", path, "--period", PERIOD, "--dry-run")
    assert run.out.splitlines() == [
        "已检查 方案.xlsx：未发现问题；未写入任何数据。",
        f"  替换 {PERIOD} 一般干部的考核方案 一般干部考核方案（全市），各指标已录入的得分保留。",
        "  共 7 个指标，其中 5 个打分；2 个评价主体；按季度评分。",
        "  新增指标：政治素质、职业道德、绩、重点任务、廉",
        "  删除指标：能、重点工作",
        "  修改指标：日常工作",
        "  修改设置：名称、评分周期、评价人数达到此数时去掉一个最高分和一个最低分、每期加分上限、每期减分上限、"
        "允许单位调整此方案、优秀比例上限（占所评人数的百分比）、期间权重",
    ]
    assert everything() == before


def test_an_exported_scheme_saved_as_xls_imports(tmp_path, capsys, city):
    """As an office's old Excel 97–2003 saves it (xlwt writes BIFF8 as Excel does)."""
    export(capsys, tmp_path / "s.xlsx", "工勤技能")
    exported = openpyxl.load_workbook(tmp_path / "s.xlsx")
    book = xlwt.Workbook(encoding="utf-8")
    for name in ("方案", "指标", "评价主体"):
        sheet = book.add_sheet(name)
        for r, row in enumerate(exported[name].iter_rows(values_only=True)):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.save(str(tmp_path / "s.xls"))
    import_lines(capsys, tmp_path / "s.xls")
    copy = Scheme.objects.get(period__code=NEXT, category__name="工勤技能")
    assert shape(copy) == shape(city["工勤技能"])


# --------------------------------------------------------------------------- problems


def test_a_bad_workbook_lists_every_problem_by_sheet_row_and_column_and_writes_nothing(
    tmp_path, capsys, city
):
    path = clerk_workbook(
        tmp_path / "有错的方案.xlsx",
        settings=[
            ["方案名称", "一般干部考核方案"],
            ["考核节奏", "每周"],
            ["分期权重", "1,1"],
            ["去掉最高最低分人数", "2"],
            ["加分上线", "5"],
            ["允许单位调整", "也许"],
        ],
        indicators=[
            ["德", None, "20", None, None],
            ["绩", "重点任务", "四十", None, "客观指标"],
            ["绩", "日常工作", "30", 0, "单位评分"],
            ["绩", "日常工作", "10", None, "单位评分"],
            ["廉", None, "10.125", None, "领导打分"],
        ],
        groups=[["领导评价", 60], ["同事互评", 30]],
    )
    lines = refused(capsys, path)
    assert lines == [
        "工作表“方案”第4行“内容”列：考核节奏：每周 不是有效值，应为半年、季度、月度之一",
        "工作表“方案”第6行“内容”列：去掉最高最低分人数：应不小于 3（现为 2）",
        "工作表“方案”第7行“项目”列：加分上线 不是方案的项目，项目应为：方案名称、人员类别、考核节奏、分期权重、"
        "去掉最高最低分人数、加分上限、减分上限、允许单位调整、优秀比例上限、优秀分数线",
        "工作表“方案”第8行“内容”列：允许单位调整：也许 不是有效值，应为是、否之一",
        "工作表“方案”：缺少项目“人员类别”：请在“项目”列中添加“人员类别”一行",
        "工作表“指标”第3行“分值”列：四十 不是数字",
        "工作表“指标”第4行“满分”列：应不小于 1（现为 0）",
        "工作表“指标”第5行“二级指标”列：绩下的日常工作重复（首次出现在第4行）",
        "工作表“指标”第6行“分值”列：小数超过 2 位（10.125）",
        "工作表“指标”第6行“评分方式”列：领导打分 不是有效值，应为评价主体打分、客观指标、单位评分之一",
        "工作表“评价主体”“权重（%）”列：评价主体权重合计为 90，不是 100。",
        "有错的方案.xlsx 未导入：共 11 个问题，未写入任何数据。",
    ]


def test_sums_that_do_not_add_up_are_named_where_they_are(tmp_path, capsys, city):
    path = clerk_workbook(
        tmp_path / "合计不对.xlsx",
        indicators=[
            ["德", None, 25, None, None],
            ["德", "政治素质", 10, None, None],
            ["德", "职业道德", 10, None, None],
            ["绩", None, 60, None, "客观指标"],
            ["能", "德", 10, None, None],
        ],
        groups=[["领导评价", 0.6], ["同事互评", 0.4]],
    )
    assert refused(capsys, path) == [
        "工作表“指标”第2行“分值”列：25 不等于德各二级指标分值之和（20），请留空或改为 20",
        "工作表“指标”第6行“二级指标”列：指标名称德已在第2行使用，同一方案中各指标名称不能相同",
        "工作表“指标”“分值”列：一级指标分值合计为 90，不是 100",
        "工作表“评价主体”“权重（%）”列：评价主体权重合计为 1，不是 100。 权重请填 60 这样的数，不要填 60%。",
        "合计不对.xlsx 未导入：共 4 个问题，未写入任何数据。",
    ]


def test_a_file_that_is_no_scheme_workbook_is_refused(tmp_path, capsys, city):
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.save(tmp_path / "空白.xlsx")
    assert refused(capsys, tmp_path / "空白.xlsx") == [
        "工作簿中没有“方案”工作表。考核方案工作簿应有“方案”“指标”“评价主体”三张工作表，可先导出一个方案作为样例。",
        "工作簿中没有“指标”工作表。考核方案工作簿应有“方案”“指标”“评价主体”三张工作表，可先导出一个方案作为样例。",
        "空白.xlsx 未导入：共 2 个问题，未写入任何数据。",
    ]
    csv_path = write_csv(tmp_path / "方案.csv", [["项目", "内容"], ["方案名称", "x"]])
    assert refused(capsys, csv_path)[0].startswith("考核方案是含“方案”“指标”“评价主体”三张工作表的工作簿")


# --------------------------------------------------------------------------- units, scores, periods


def test_a_units_adjustment_only_where_the_city_lets_units_adjust(tmp_path, capsys, city):
    path = clerk_workbook(tmp_path / "城关镇.xlsx")
    # 2023H1's 一般干部 scheme does not let units adjust it.
    assert refused(capsys, path, "--unit", "城关镇", period=PERIOD) == [
        "全市方案 一般干部考核方案 不允许单位调整。",
        "城关镇.xlsx 未导入：共 1 个问题，未写入任何数据。",
    ]
    # 2023H2 has no city scheme for the category yet.
    assert refused(capsys, path, "--unit", "城关镇")[0] == (
        f"{NEXT} 没有一般干部的全市考核方案：单位调整方案须以全市方案为基础。"
    )
    # The city's scheme says 允许单位调整 是: the unit's adjustment is made, never adjustable itself.
    import_lines(capsys, path)
    import_lines(capsys, path, "--unit", "城关镇")
    city_scheme = Scheme.objects.get(period__code=NEXT, category__name="一般干部", unit=None)
    adjusted = Scheme.objects.get(period__code=NEXT, category__name="一般干部", unit__name="城关镇")
    assert (adjusted.based_on, adjusted.units_may_adjust, city_scheme.units_may_adjust) == (
        city_scheme,
        False,
        True,
    )


def load_rater_scores(tmp_path, capsys) -> None:
    rows = [
        ["工号", "评价主体", "评价人", "期间", "德", "能"],
        ["000101", "领导评价", "L1", "", "80", "70"],
        ["000101", "同事互评", "T1", "", "85", "71"],
        ["000102", "领导评价", "L1", "", "90", "90"],
    ]
    jixiao_ok(capsys, "import", "rater-scores", write_csv(tmp_path / "r.csv", rows), "--period", PERIOD)


def test_a_scheme_with_scores_is_updated_in_place_and_keeps_them(tmp_path, capsys, city):
    load_rater_scores(tmp_path, capsys)
    scheme = city["一般干部"]
    ids = dict(scheme.indicators.values_list("name", "id"))
    scores = sorted(
        RaterScore.objects.values_list("entry_id", "indicator_id", "group_id", "rater", "score_cents")
    )
    path = tmp_path / "一般干部.xlsx"
    export(capsys, path, "一般干部")
    book = openpyxl.load_workbook(path)
    book["指标"]["C2"] = 25  # 德 20 → 25
    book["指标"]["C3"] = 15  # 能 20 → 15
    book.save(path)
    lines = import_lines(capsys, path, period=PERIOD)
    assert (
        lines[1] == f"  替换 {PERIOD} 一般干部的考核方案 一般干部考核方案（全市），各指标已录入的得分保留。"
    )
    assert "  修改指标：德、能" in lines
    scheme.refresh_from_db()
    assert dict(scheme.indicators.values_list("name", "id")) == ids
    assert dict(scheme.indicators.values_list("name", "weight"))["德"] == Decimal("25")
    assert (
        sorted(RaterScore.objects.values_list("entry_id", "indicator_id", "group_id", "rater", "score_cents"))
        == scores
    )
    entry = AuditEntry.objects.filter(action="scheme").order_by("-id").first()
    assert entry.before["indicators"][0][2] == "20.00" and entry.after["indicators"][0][2] == "25.00"


def test_a_file_that_would_strand_scores_is_refused(tmp_path, capsys, city):
    load_rater_scores(tmp_path, capsys)
    path = clerk_workbook(tmp_path / "新方案.xlsx")  # no 能, quarterly, 领导评价 and 同事互评 kept
    assert refused(capsys, path, period=PERIOD) == [
        "考核方案 一般干部考核方案 已有得分，文件与之不符：",
        "指标“德”已有 2 人的得分，不能再细分为二级指标。",
        "指标“能”已有 2 人的得分，文件中却没有该指标：已有得分的指标不能删除。",
        "本方案已按半年评分录入得分，考核节奏不能改变。",
        "新方案.xlsx 未导入：共 4 个问题，未写入任何数据。",
    ]


def test_a_closed_period_takes_no_scheme(tmp_path, capsys, city):
    path = tmp_path / "s.xlsx"
    export(capsys, path, "中层干部")
    set_period_state(Period.objects.get(code=PERIOD), PeriodState.CLOSED, acting_user=Operator("t"))
    assert refused(capsys, path, period=PERIOD)[0].startswith(f"考核期 {PERIOD} 已关闭")


def test_export_refusals(tmp_path, capsys, city):
    for arguments, message in (
        (["--category", "一般干部"], "请用 -o FILE.xlsx 指明输出文件。"),
        (["-o", tmp_path / "x.xlsx"], "请用 --category 指明要导出哪个人员类别的方案。"),
        (
            ["--category", "一般干部", "--unit", "城关镇", "-o", tmp_path / "x.xlsx"],
            f"{PERIOD} 没有一般干部 城关镇的考核方案。",
        ),
        (
            ["--category", "一般干部", "-o", tmp_path / "x.csv"],
            f"输出文件必须以 .xlsx 结尾：{tmp_path / 'x.csv'}",
        ),
    ):
        run = jixiao(capsys, "scheme", "export", "--period", PERIOD, *arguments)
        assert (run.status, run.err_lines) == (1, [message]), arguments
    run = jixiao(
        capsys, "scheme", "export", "--period", "2030H1", "--category", "一般干部", "-o", tmp_path / "x.xlsx"
    )
    assert run.status == 1 and not Period.objects.filter(code="2030H1").exists()
    assert not (tmp_path / "x.xlsx").exists()


# --------------------------------------------------------------------------- the browser


@pytest.fixture
def office(client, city):
    client.force_login(make_user("kaoheban", RoleKind.CITY_ADMIN))
    return client


def test_the_city_office_downloads_uploads_previews_and_imports(tmp_path, office):
    page = office.get(f"/periods/{PERIOD}/schemes/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "工勤技能人员考核方案" in html and "按月评分" in html
    category = Category.objects.get(name="工勤技能")
    link = f"/periods/{PERIOD}/schemes/{category.pk}.xlsx"
    assert link in html
    download = office.get(link)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    assert openpyxl.load_workbook(io.BytesIO(data))["方案"]["B2"].value == "工勤技能人员考核方案"

    before = everything()
    upload = io.BytesIO(data)
    upload.name = "工勤技能.xlsx"
    response = office.post(f"/periods/{NEXT}/schemes/", {"file": upload, "unit": ""})
    assert response.status_code == 302
    assert everything() == before  # a preview writes nothing
    preview = office.get(f"/periods/{NEXT}/schemes/").content.decode()
    assert f"新建 {NEXT} 工勤技能的考核方案 工勤技能人员考核方案（全市）。" in preview
    assert "日常工作完成情况" in preview and "服务对象评价" in preview
    assert 'name="apply"' in preview

    response = office.post(f"/periods/{NEXT}/schemes/", {"apply": "1"}, follow=True)
    assert response.status_code == 200
    assert f"已将 工勤技能.xlsx 导入 {NEXT}：考核方案 工勤技能人员考核方案。" in response.content.decode()
    imported = Scheme.objects.get(period__code=NEXT, category=category)
    assert shape(imported) == shape(Scheme.objects.get(period__code=PERIOD, category=category))
    assert AuditEntry.objects.filter(action="scheme").order_by("-id").first().actor == "kaoheban"


def test_the_page_lists_every_problem_and_writes_nothing(tmp_path, office):
    path = clerk_workbook(
        tmp_path / "bad.xlsx",
        indicators=[["德", None, "abc", None, None], ["绩", None, 80, 0, None]],
    )
    before = everything()
    with path.open("rb") as upload:
        response = office.post(f"/periods/{NEXT}/schemes/", {"file": upload, "unit": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "bad.xlsx 未导入：发现 2 处问题，没有写入任何数据。" in html
    assert "工作表“指标”第2行“分值”列：abc 不是数字" in html
    assert "工作表“指标”第3行“满分”列：应不小于 1（现为 0）" in html
    assert 'name="apply"' not in html
    assert everything() == before


def test_a_units_office_is_refused(client, city, tmp_path):
    unit = Unit.objects.get(name="城关镇")
    client.force_login(make_user("renshike", RoleKind.ASSESSOR, unit))
    before = everything()
    assert client.get(f"/periods/{PERIOD}/schemes/").status_code == 403
    category = Category.objects.get(name="一般干部")
    assert client.get(f"/periods/{PERIOD}/schemes/{category.pk}.xlsx").status_code == 403
    with clerk_workbook(tmp_path / "s.xlsx").open("rb") as upload:
        assert (
            client.post(f"/periods/{PERIOD}/schemes/", {"file": upload, "unit": unit.pk}).status_code == 403
        )
    assert everything() == before


def test_the_period_page_links_to_the_schemes(office):
    html = office.get(f"/periods/{PERIOD}/").content.decode()
    assert f'href="/periods/{PERIOD}/schemes/"' in html
