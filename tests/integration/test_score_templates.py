"""Score templates: ``jixiao template indicator-scores|rater-scores|adjustments --period P
--unit U [--category C] -o FILE.xlsx``. One .xlsx per personnel category of the unit that
has a scheme: a title row, the header in row 2 as the importer reads it, the unit's people
filled in, Excel data validation on the score ranges and choices, and a second sheet
人员名单. A filled-in template imports as it is, and ``jixiao select`` then ranks people
with the totals their schemes compute."""

from decimal import Decimal

import openpyxl
import pytest

from jixiao.assessment.models import Indicator, Period, Score, ScoreSource
from jixiao.assessment.schemes import copy_scheme
from jixiao.org.models import Unit
from jixiao.selection.models import Outcome, RankingResult
from tests.files import (
    ASSESSMENT_PERIOD,
    assessment_city,
    assessment_dump,
    jixiao,
    jixiao_ok,
    stored_direct_scores,
    stored_items,
    stored_rater_scores,
)

pytestmark = pytest.mark.django_db

PERIOD = ASSESSMENT_PERIOD
KINDS = ["indicator-scores", "rater-scores", "adjustments"]


@pytest.fixture
def city(tmp_path, capsys):
    return assessment_city(tmp_path, capsys)


def template(capsys, kind: str, output, unit: str = "市财政局", *options) -> list[str]:
    return jixiao_ok(
        capsys, "template", kind, "--period", PERIOD, "--unit", unit, "-o", output, *options
    ).out.splitlines()


def sheet_values(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def validations(sheet) -> list[tuple]:
    """(cells, type, formula1, formula2) of every data validation, sorted by cells."""
    return sorted(
        (str(v.sqref), v.type, v.formula1, v.formula2 and float(v.formula2))
        for v in sheet.data_validations.dataValidation
    )


def test_a_demo_style_scheme_name_gives_the_period_once_in_the_title(tmp_path, capsys, city):
    scheme = city["一般干部"]
    scheme.name = f"{PERIOD} 一般干部考核方案"  # as the demo names its schemes
    scheme.save()
    template(capsys, "indicator-scores", tmp_path / "指标.xlsx", "市财政局", "--category", "一般干部")
    title = openpyxl.load_workbook(tmp_path / "指标.xlsx")["一般干部"]["A1"].value
    assert title == "2023年上半年一般干部考核方案 指标得分（客观指标和单位评分）"
    assert PERIOD not in title


def test_a_unit_with_two_categories_gets_one_file_per_category(tmp_path, capsys, city):
    output = tmp_path / "指标得分.xlsx"
    assert template(capsys, "indicator-scores", output) == [
        f"已生成 {tmp_path / '指标得分-一般干部.xlsx'}：一般干部，2 人，预填 2 行。",
        f"已生成 {tmp_path / '指标得分-中层干部.xlsx'}：中层干部，1 人，预填 2 行。",
    ]
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.glob("指标得分*")) == [
        "指标得分-一般干部.xlsx",
        "指标得分-中层干部.xlsx",
    ]

    general = openpyxl.load_workbook(tmp_path / "指标得分-一般干部.xlsx")
    assert general.sheetnames == ["一般干部", "人员名单"]
    sheet = general["一般干部"]
    # Half-yearly: one row per person, 期间 left empty; only the indicators not scored
    # by raters, named as in the scheme.
    assert sheet_values(sheet) == [
        ("2023年上半年一般干部考核方案 指标得分（客观指标和单位评分）", None, None, None, None),
        ("工号", "姓名", "期间", "重点工作", "日常工作"),
        ("000101", "张三", "", None, None),
        ("000102", "李四", "", None, None),
    ]
    assert sheet["A3"].number_format == "@"  # staff IDs stay text, zeros kept
    assert validations(sheet) == [
        ("D3:D203", "decimal", "0", 100.0),
        ("E3:E203", "decimal", "0", 50.0),  # 日常工作 has full marks 50
    ]
    assert sheet_values(general["人员名单"]) == [("工号", "姓名"), ("000101", "张三"), ("000102", "李四")]

    middle = openpyxl.load_workbook(tmp_path / "指标得分-中层干部.xlsx")
    sheet = middle["中层干部"]
    # Quarterly: one row per quarter of the period.
    assert sheet_values(sheet) == [
        ("2023年上半年中层干部考核方案 指标得分（客观指标和单位评分）", None, None, None),
        ("工号", "姓名", "期间", "重点工作"),
        ("000103", "王五", "2023Q1", None),
        ("000103", "王五", "2023Q2", None),
    ]
    assert validations(sheet) == [("D3:D203", "decimal", "0", 100.0)]
    assert sheet_values(middle["人员名单"]) == [("工号", "姓名"), ("000103", "王五")]


def test_the_rater_template_has_a_row_per_person_rater_group_and_sub_period(tmp_path, capsys, city):
    assert template(capsys, "rater-scores", tmp_path / "评价打分.xlsx", "城关镇") == [
        f"已生成 {tmp_path / '评价打分-一般干部.xlsx'}：一般干部，1 人，预填 2 行。",
        f"已生成 {tmp_path / '评价打分-编外聘用.xlsx'}：编外聘用，1 人，预填 6 行。",
    ]  # 孙八 (工勤技能) has no scheme: no file for him
    sheet = openpyxl.load_workbook(tmp_path / "评价打分-一般干部.xlsx")["一般干部"]
    assert sheet_values(sheet)[1:] == [
        ("工号", "姓名", "评价主体", "评价人", "期间", "德", "能"),
        ("000104", "赵六", "领导评价", "", "", None, None),
        ("000104", "赵六", "同事互评", "", "", None, None),
    ]
    assert "不能给本人打分" in sheet["A1"].value
    # Printed: A4, landscape where wide, one page wide, title and header rows on every page.
    assert sheet.print_title_rows == "$1:$2" and sheet.page_setup.fitToHeight == 0
    assert "&P" in sheet.oddFooter.center.text
    # 工号 and 评价人 are text cells: Excel keeps a rater 000002 as typed, not the number 2.
    assert [sheet[cell].number_format for cell in ("A3", "D3", "D4")] == ["@", "@", "@"]
    assert sheet.column_dimensions["D"].number_format == "@"
    assert validations(sheet) == [
        ("C3:C203", "list", '"领导评价,同事互评"', None),
        ("F3:F203", "decimal", "0", 100.0),
        ("G3:G203", "decimal", "0", 100.0),
    ]
    sheet = openpyxl.load_workbook(tmp_path / "评价打分-编外聘用.xlsx")["编外聘用"]
    assert sheet_values(sheet)[1:] == [
        ("工号", "姓名", "评价主体", "评价人", "期间", "工作态度"),
        *[("000105", "钱七", "领导评价", "", f"2023-{month:02d}", None) for month in range(1, 7)],
    ]
    assert validations(sheet) == [("C3:C203", "list", '"领导评价"', None), ("F3:F203", "decimal", "0", 100.0)]


def test_the_items_template_offers_the_kinds_and_the_units_staff_ids(tmp_path, capsys, city):
    output = tmp_path / "加减分.xlsx"
    assert template(capsys, "adjustments", output, "市财政局", "--category", "一般干部") == [
        f"已生成 {output}：一般干部，2 人，预填 0 行。"
    ]
    workbook = openpyxl.load_workbook(output)
    sheet = workbook["一般干部"]
    assert sheet_values(sheet)[1] == ("工号", "类型", "分值", "事由", "佐证", "姓名")
    assert sheet.max_row == 2
    assert validations(sheet) == [
        ("A3:A203", "list", "人员名单!$A$2:$A$3", None),
        ("B3:B203", "list", '"加分,减分,否决"', None),
        ("C3:C203", "decimal", "0.01", 999.99),
    ]
    assert sheet_values(workbook["人员名单"]) == [("工号", "姓名"), ("000101", "张三"), ("000102", "李四")]


def fill(path, rows: dict[int, dict[str, object]], extra: list[list] = ()) -> None:
    """Type into the template as a user would: cells of pre-filled rows by column letter,
    and extra rows below them (a rater group has more than one rater)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    for row, cells in rows.items():
        for column, value in cells.items():
            sheet[f"{column}{row}"] = value
    for values in extra:
        sheet.append(values)
    workbook.save(path)


def test_filled_in_templates_import_as_they_are_and_select_ranks_the_totals(tmp_path, capsys, city):
    for kind in KINDS:
        template(capsys, kind, tmp_path / f"{kind}.xlsx")
    general, middle = "一般干部", "中层干部"
    fill(
        tmp_path / f"indicator-scores-{general}.xlsx",
        {3: {"D": 92, "E": 44}, 4: {"D": 95, "E": 47}},
    )
    fill(tmp_path / f"indicator-scores-{middle}.xlsx", {3: {"D": 80}, 4: {"D": 90}})
    fill(
        tmp_path / f"rater-scores-{general}.xlsx",
        {
            3: {"D": "L01", "F": 90, "G": 80},  # 张三 领导评价
            4: {"D": "T01", "F": 80, "G": 70},  # 张三 同事互评
            5: {"D": "L01", "F": 85, "G": 88},  # 李四 领导评价
            6: {"D": "000101", "F": 90, "G": 88},  # 李四 同事互评, by 张三
        },
        extra=[
            ["000101", "张三", "同事互评", "T02", "", 85, 75],
            ["000101", "张三", "同事互评", "T03", "", 75, 65],
        ],
    )
    fill(
        tmp_path / f"rater-scores-{middle}.xlsx",
        {
            3: {"D": "L01", "F": 90, "G": 80},  # 领导评价 2023Q1
            4: {"D": "L01", "F": 95, "G": 90},  # 领导评价 2023Q2
            5: {"D": "000102", "F": 80, "G": 90},  # 同事互评 2023Q1
            6: {"D": "000102", "F": 85, "G": 90},  # 同事互评 2023Q2
        },
    )
    fill(
        tmp_path / f"adjustments-{general}.xlsx", {3: {"A": "000101", "B": "加分", "C": 2, "D": "获市级表彰"}}
    )

    outputs = {}
    for kind in KINDS:
        for category in (general, middle):
            path = tmp_path / f"{kind}-{category}.xlsx"
            if path.name != f"adjustments-{middle}.xlsx":  # left untouched: see below
                outputs[path.name] = jixiao_ok(
                    capsys, "import", kind, path, "--period", PERIOD
                ).out.splitlines()
    assert outputs == {
        "indicator-scores-一般干部.xlsx": [
            "已导入 indicator-scores-一般干部.xlsx 到 2023H1：共 2 行。",
            "  得分：新增 4，变更 0，未变 0（涉及 2 人）",
        ],
        "indicator-scores-中层干部.xlsx": [
            "已导入 indicator-scores-中层干部.xlsx 到 2023H1：共 2 行。",
            "  得分：新增 2，变更 0，未变 0（涉及 1 人）",
        ],
        "rater-scores-一般干部.xlsx": [
            "已导入 rater-scores-一般干部.xlsx 到 2023H1：共 6 行。",
            "  得分：新增 12，变更 0，未变 0（涉及 2 人）",
        ],
        "rater-scores-中层干部.xlsx": [
            "已导入 rater-scores-中层干部.xlsx 到 2023H1：共 4 行。",
            "  得分：新增 8，变更 0，未变 0（涉及 1 人）",
        ],
        "adjustments-一般干部.xlsx": [
            "已导入 adjustments-一般干部.xlsx 到 2023H1：共 1 行。",
            "  1 人的加减分和否决项已更新，0 人未变；文件中共有加分 1 项、减分 0 项、否决 0 项",
        ],
    }
    # The untouched items template has a header and nothing else: there is nothing to import.
    run = jixiao(capsys, "import", "adjustments", tmp_path / f"adjustments-{middle}.xlsx", "--period", PERIOD)
    assert (run.status, run.err_lines) == (
        1,
        ["文件只有表头，没有数据行。", "adjustments-中层干部.xlsx 未导入：共 1 个问题，未写入任何数据。"],
    )
    assert stored_direct_scores() == {
        ("000101", "重点工作", 1): 9200,
        ("000101", "日常工作", 1): 4400,
        ("000102", "重点工作", 1): 9500,
        ("000102", "日常工作", 1): 4700,
        ("000103", "重点工作", 1): 8000,
        ("000103", "重点工作", 2): 9000,
    }
    assert len(stored_rater_scores()) == 20
    assert stored_rater_scores()[("000102", "德", 1, "同事互评", "000101")] == 9000
    assert stored_items() == [("000101", "bonus", "2.00", "获市级表彰", "")]

    run = jixiao_ok(capsys, "select", "--period", PERIOD)
    assert run.out.splitlines()[0] == "按考核方案计算总分：完整 3 人，不完整 0 人。"
    # 张三: 德 0.6×90 + 0.4×80 (80, 85, 75 trimmed to 80) = 86 → 17.2; 能 0.6×80 + 0.4×70 = 76
    #       → 15.2; 重点工作 92 → 27.6; 日常工作 44/50 → 26.4; base 86.4, bonus 2: 88.40.
    # 李四: 德 87 → 17.4; 能 88 → 17.6; 95 → 28.5; 47/50 → 28.2: 91.70.
    # 王五: Q1 85×0.3 + 80×0.4 + 85×0.3 = 83; Q2 90×0.3 + 90×0.4 + 90×0.3 = 90: 86.50.
    assert {
        r.person.staff_id: (r.total, r.rank, r.group_size, r.outcome)
        for r in RankingResult.objects.filter(period__code=PERIOD).select_related("person")
    } == {
        "000101": (Decimal("88.40"), 2, 2, Outcome.NOT_SELECTED),
        "000102": (Decimal("91.70"), 1, 2, Outcome.NOT_SELECTED),
        "000103": (Decimal("86.50"), 1, 1, Outcome.NOT_SELECTED),
    }
    assert set(Score.objects.values_list("source", flat=True)) == {ScoreSource.SCHEME}


def test_an_untouched_indicator_template_imports_and_changes_nothing(tmp_path, capsys, city):
    template(capsys, "indicator-scores", tmp_path / "指标得分.xlsx", "城关镇")
    before = assessment_dump()
    for category in ("一般干部", "编外聘用"):
        run = jixiao_ok(
            capsys, "import", "indicator-scores", tmp_path / f"指标得分-{category}.xlsx", "--period", PERIOD
        )
        assert run.out.splitlines()[-1] == "  数据库与文件一致，没有任何变更。"
    assert {k: v for k, v in assessment_dump().items() if k != "import"} == {
        k: v for k, v in before.items() if k != "import"
    }


def test_rows_of_the_rater_template_left_untouched_are_skipped(tmp_path, capsys, city):
    path = tmp_path / "评价打分.xlsx"
    template(capsys, "rater-scores", path, "市财政局", "--category", "一般干部")
    fill(path, {3: {"D": "L01", "F": 90, "G": 80}})  # only 张三's 领导评价 so far
    run = jixiao(capsys, "import", "rater-scores", path, "--period", PERIOD)
    assert run.status == 0, run.err
    assert stored_rater_scores() == {
        ("000101", "德", 1, "领导评价", "L01"): 9000,
        ("000101", "能", 1, "领导评价", "L01"): 8000,
    }


def test_a_filled_template_with_a_score_above_full_marks_is_refused_like_any_file(tmp_path, capsys, city):
    """Excel's validation can be bypassed (pasting, WPS): the importer checks again."""
    path = tmp_path / "指标得分.xlsx"
    template(capsys, "indicator-scores", path, "市财政局", "--category", "一般干部")
    fill(path, {3: {"D": 92, "E": 44}, 4: {"D": 95, "E": 51}})
    before = assessment_dump()
    run = jixiao(capsys, "import", "indicator-scores", path, "--period", PERIOD)
    assert run.status == 1
    assert run.err_lines[0].startswith("第4行“日常工作”列：51 超过满分 ")  # row 4 as Excel shows it
    assert run.err_lines[1:] == ["指标得分.xlsx 未导入：共 1 个问题，未写入任何数据。"]
    assert assessment_dump() == before


def test_a_templates_unit_adjusted_scheme_has_the_units_indicators(tmp_path, capsys):
    """A unit with its own adjustment of the city scheme gets its own headers."""
    schemes = assessment_city(tmp_path, capsys, units_may_adjust=True)
    own = copy_scheme(
        schemes["一般干部"], period=Period.objects.get(code=PERIOD), unit=Unit.objects.get(name="城关镇")
    )
    Indicator.objects.filter(scheme=own, name="日常工作").update(name="驻村工作", full_marks=40)
    path = tmp_path / "城关镇.xlsx"
    template(capsys, "indicator-scores", path, "城关镇", "--category", "一般干部")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet_values(sheet)[1:] == [
        ("工号", "姓名", "期间", "重点工作", "驻村工作"),
        ("000104", "赵六", "", None, None),
    ]
    assert validations(sheet) == [("D3:D203", "decimal", "0", 100.0), ("E3:E203", "decimal", "0", 40.0)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--unit", "城关镇", "--category", "工勤技能", "-o", "{tmp}/t.xlsx"],
            "城关镇 2023H1 没有按考核方案评分的人员。",
        ),
        (["--unit", "市财政局", "-o", "{tmp}/t.csv"], "输出文件必须以 .xlsx 结尾：{tmp}/t.csv"),
        (["--unit", "市财政局", "-o", "{tmp}/无此目录/t.xlsx"], "文件夹 {tmp}/无此目录 不存在。"),
        (["--unit", "市财政厅", "-o", "{tmp}/t.xlsx"], "没有名为市财政厅的单位。"),
        (
            ["--unit", "市财政局", "--category", "临时工", "-o", "{tmp}/t.xlsx"],
            "没有名为 临时工 的人员类别。",
        ),
    ],
)
def test_template_refusals(tmp_path, capsys, city, arguments, message):
    arguments = [a.format(tmp=tmp_path) for a in arguments]
    files = sorted(tmp_path.rglob("*"))
    run = jixiao(capsys, "template", "indicator-scores", "--period", PERIOD, *arguments)
    assert (run.status, run.out, run.err_lines) == (1, "", [message.format(tmp=tmp_path)])
    assert sorted(tmp_path.rglob("*")) == files
