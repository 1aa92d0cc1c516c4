"""The raw scores of the full-staff assessment imported from real files:
``jixiao import indicator-scores|rater-scores|adjustments FILE --period P``.

What is stored is checked exactly (hundredths of a point per person, indicator,
sub-period, rater group and rater; bonus, penalty and veto items). A bad file gets every
problem listed as "第N行“列名”列：原因", exits 1 without a traceback and leaves every
table as it was; re-importing a file changes nothing; a dry run writes nothing.

The city (tests.files.assessment_city): 一般干部 scored once for the half-year (德 and 能 by
领导评价 60 / 同事互评 40, trimmed from 3 raters; 重点工作 objective; 日常工作 by the unit, full
marks 50), 中层干部 per quarter (德 and 日常工作 by raters, 重点工作 objective), 编外聘用 per
month (工作任务 by the unit, full marks 60; 工作态度 by 领导评价); 孙八 (工勤技能) has no scheme.
"""

import datetime
from decimal import Decimal

import pytest

from jixiao.assessment.models import SchemeTotal, Score
from jixiao.imports.models import ImportRecord
from tests.files import (
    ASSESSMENT_PERIOD,
    assessment_city,
    assessment_dump,
    jixiao,
    jixiao_ok,
    stored_direct_scores,
    stored_items,
    stored_rater_scores,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

PERIOD = ASSESSMENT_PERIOD
NOTHING_CHANGED = "  数据库与文件一致，没有任何变更。"
FORMATS = pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk"])


@pytest.fixture
def city(tmp_path, capsys):
    return assessment_city(tmp_path, capsys)


def write(tmp_path, name: str, fmt: str, rows):
    """``rows`` as an .xlsx with a title row above the header (as offices send them), or
    as a CSV saved in GBK (Excel's "CSV" on a Chinese Windows)."""
    if fmt == "xlsx":
        return write_xlsx(tmp_path / f"{name}.xlsx", rows, title="2023年上半年全员绩效考核")
    return write_csv(tmp_path / f"{name}.csv", rows, encoding="gbk")


def imported(capsys, kind: str, path, *options) -> list[str]:
    return jixiao_ok(capsys, "import", kind, path, "--period", PERIOD, *options).out.splitlines()


def refused(capsys, kind: str, path, *options) -> list[str]:
    """An import that must be refused: exit 1, no traceback, every table as it was (the
    raw scores, items, totals, locks and import records included). Returns stderr lines."""
    before = assessment_dump()
    run = jixiao(capsys, "import", kind, path, "--period", PERIOD, *options)
    assert run.status == 1, (run.out, run.err)
    assert "Traceback" not in run.out + run.err
    assert run.out == ""
    assert assessment_dump() == before
    return run.err_lines


def assert_reimport_changes_nothing(capsys, kind: str, path, expected_lines: list[str]) -> None:
    """The same file again: the tables are as they were, one more import is recorded
    (with nothing changed), and the command says nothing changed."""
    before = assessment_dump()
    records = ImportRecord.objects.count()
    assert imported(capsys, kind, path) == [*expected_lines, NOTHING_CHANGED]
    after = assessment_dump()
    assert {k: v for k, v in after.items() if k != "import"} == {
        k: v for k, v in before.items() if k != "import"
    }
    assert ImportRecord.objects.count() == records + 1
    assert ImportRecord.objects.order_by("-id").values_list("kind", "changed").first() == (kind, 0)


# --------------------------------------------------------------------------- indicator scores

INDICATOR_ROWS = [
    ["工号", "姓名", "期间", "重点工作", "日常工作", "工作任务", "备注"],
    ["000101", "张三", "", 90, 45, None, "按时完成"],
    ["000102", "李四", "上半年", "85.5", 40.25, None, None],
    ["000103", "王五", "2023Q1", 70, None, None, None],
    ["000103", "王五", "二季度", 75.75, None, None, None],
    ["000105", "钱七", "2023-04", None, None, 54, None],
    ["000105", "钱七", "5月", None, None, "48", None],
]
INDICATOR_SCORES = {
    ("000101", "重点工作", 1): 9000,
    ("000101", "日常工作", 1): 4500,
    ("000102", "重点工作", 1): 8550,
    ("000102", "日常工作", 1): 4025,
    ("000103", "重点工作", 1): 7000,
    ("000103", "重点工作", 2): 7575,
    ("000105", "工作任务", 4): 5400,
    ("000105", "工作任务", 5): 4800,
}


@FORMATS
def test_indicator_scores_are_stored_in_hundredths_per_sub_period(tmp_path, capsys, city, fmt):
    path = write(tmp_path, "指标得分", fmt, INDICATOR_ROWS)
    summary = ["  得分：新增 8，变更 0，未变 0（涉及 4 人）", "  未使用的列：备注"]
    assert imported(capsys, "indicator-scores", path) == [
        f"已导入 {path.name} 到 2023H1：共 6 行。",
        *summary,
    ]
    assert stored_direct_scores() == INDICATOR_SCORES
    assert stored_rater_scores() == {}
    record = ImportRecord.objects.get(kind="indicator-scores")
    assert (record.kind, record.file_name, record.rows, record.changed) == (
        "indicator-scores",
        path.name,
        6,
        8,
    )

    assert_reimport_changes_nothing(
        capsys,
        "indicator-scores",
        path,
        [
            f"已导入 {path.name} 到 2023H1：共 6 行。",
            "  得分：新增 0，变更 0，未变 8（涉及 4 人）",
            "  未使用的列：备注",
        ],
    )


def test_a_later_file_changes_and_adds_only_the_scores_it_names(tmp_path, capsys, city):
    jixiao_ok(
        capsys,
        "import",
        "indicator-scores",
        write(tmp_path, "first", "xlsx", INDICATOR_ROWS),
        "--period",
        PERIOD,
    )
    path = write_csv(
        tmp_path / "更正.csv",
        [
            ["工号", "期间", "日常工作", "重点工作"],
            ["000101", "", "46", ""],  # 日常工作 changed, 重点工作 left alone
            ["000102", "", "40.25", "86"],  # unchanged, changed
            ["000104", "", "30", "60"],  # new
        ],
        encoding="gbk",
    )
    assert imported(capsys, "indicator-scores", path) == [
        "已导入 更正.csv 到 2023H1：共 3 行。",
        "  得分：新增 2，变更 2，未变 1（涉及 3 人）",
    ]
    assert stored_direct_scores() == {
        **INDICATOR_SCORES,
        ("000101", "日常工作", 1): 4600,
        ("000102", "重点工作", 1): 8600,
        ("000104", "日常工作", 1): 3000,
        ("000104", "重点工作", 1): 6000,
    }


@pytest.mark.parametrize("kind", ["indicator-scores", "rater-scores", "adjustments"])
def test_a_dry_run_checks_the_file_and_writes_nothing(tmp_path, capsys, city, kind):
    rows = {
        "indicator-scores": INDICATOR_ROWS,
        "rater-scores": [["工号", "评价主体", "评价人", "德"], ["000101", "领导评价", "000103", 88]],
        "adjustments": [["工号", "类型", "分值", "事由"], ["000101", "加分", 2, "获市级表彰"]],
    }[kind]
    path = write(tmp_path, "检查", "xlsx", rows)
    before = assessment_dump()
    out = imported(capsys, kind, path, "--dry-run")
    assert out[0] == "已检查 检查.xlsx：未发现问题；未写入任何数据。"
    assert (
        out[1]
        == {
            "indicator-scores": "  得分：新增 8，变更 0，未变 0（涉及 4 人）",
            "rater-scores": "  得分：新增 1，变更 0，未变 0（涉及 1 人）",
            "adjustments": "  1 人的加减分和否决项已更新，0 人未变；文件中共有加分 1 项、减分 0 项、否决 0 项",
        }[kind]
    )
    assert assessment_dump() == before


# --------------------------------------------------------------------------- rater scores

RATER_ROWS = [
    ["工号", "姓名", "评价主体", "评价人", "期间", "德", "能", "日常工作"],
    ["000101", "张三", "领导评价", "000102", "", 80, 70, None],
    ["000101", "张三", "领导评价", "000103", "", 85, 71, None],
    ["000101", "张三", "同事互评", "T01", "", 80, 70, None],
    ["000101", "张三", "同事互评", "T02", "", 85, "71", None],
    ["000101", "张三", "同事互评", "T03", "", 90, 72, None],
    ["000101", "张三", "同事互评", "T04", "", 95.5, 73, None],
    ["000102", "李四", "领导评价", "000103", "", 88, 90, None],
    ["000103", "王五", "领导评价", "L01", "2023Q1", 90, None, 80],
    ["000103", "王五", "同事互评", "000101", "一季度", 85, None, 82],
    ["000103", "王五", "领导评价", "L01", "2023Q2", 92, None, 84.5],
]
RATER_SCORES = {
    ("000101", "德", 1, "领导评价", "000102"): 8000,
    ("000101", "能", 1, "领导评价", "000102"): 7000,
    ("000101", "德", 1, "领导评价", "000103"): 8500,
    ("000101", "能", 1, "领导评价", "000103"): 7100,
    ("000101", "德", 1, "同事互评", "T01"): 8000,
    ("000101", "能", 1, "同事互评", "T01"): 7000,
    ("000101", "德", 1, "同事互评", "T02"): 8500,
    ("000101", "能", 1, "同事互评", "T02"): 7100,
    ("000101", "德", 1, "同事互评", "T03"): 9000,
    ("000101", "能", 1, "同事互评", "T03"): 7200,
    ("000101", "德", 1, "同事互评", "T04"): 9550,
    ("000101", "能", 1, "同事互评", "T04"): 7300,
    ("000102", "德", 1, "领导评价", "000103"): 8800,
    ("000102", "能", 1, "领导评价", "000103"): 9000,
    ("000103", "德", 1, "领导评价", "L01"): 9000,
    ("000103", "日常工作", 1, "领导评价", "L01"): 8000,
    ("000103", "德", 1, "同事互评", "000101"): 8500,
    ("000103", "日常工作", 1, "同事互评", "000101"): 8200,
    ("000103", "德", 2, "领导评价", "L01"): 9200,
    ("000103", "日常工作", 2, "领导评价", "L01"): 8450,
}


@FORMATS
def test_rater_scores_are_stored_per_rater(tmp_path, capsys, city, fmt):
    path = write(tmp_path, "评价打分", fmt, RATER_ROWS)
    assert imported(capsys, "rater-scores", path) == [
        f"已导入 {path.name} 到 2023H1：共 10 行。",
        "  得分：新增 20，变更 0，未变 0（涉及 3 人）",
    ]
    assert stored_rater_scores() == RATER_SCORES
    assert stored_direct_scores() == {}

    assert_reimport_changes_nothing(
        capsys,
        "rater-scores",
        path,
        [f"已导入 {path.name} 到 2023H1：共 10 行。", "  得分：新增 0，变更 0，未变 20（涉及 3 人）"],
    )


def test_a_rater_changing_a_score_changes_only_that_score(tmp_path, capsys, city):
    jixiao_ok(
        capsys, "import", "rater-scores", write(tmp_path, "first", "xlsx", RATER_ROWS), "--period", PERIOD
    )
    path = write_csv(
        tmp_path / "改分.csv",
        [
            ["工号", "评价主体", "评价人", "期间", "德", "能"],
            ["000101", "同事互评", "T04", "", 93, 73],  # 德 changed
            ["000101", "同事互评", "T05", "", 60, 65],  # a fifth colleague
        ],
        encoding="gbk",
    )
    assert imported(capsys, "rater-scores", path) == [
        "已导入 改分.csv 到 2023H1：共 2 行。",
        "  得分：新增 2，变更 1，未变 1（涉及 1 人）",
    ]
    assert stored_rater_scores() == {
        **RATER_SCORES,
        ("000101", "德", 1, "同事互评", "T04"): 9300,
        ("000101", "德", 1, "同事互评", "T05"): 6000,
        ("000101", "能", 1, "同事互评", "T05"): 6500,
    }


def test_a_rater_never_scores_themself(tmp_path, capsys, city):
    """However the rater's staff ID is typed: as text, as an Excel number shown with its
    zeros, or with the full-width digits of a Chinese input method."""
    path = write_xlsx(
        tmp_path / "互评.xlsx",
        [
            ["工号", "评价主体", "评价人", "德", "能"],
            [101, "同事互评", 102, 80, 80],  # fine
            [101, "同事互评", 101, 99, 99],
            ["000102", "领导评价", "000102", 99, 99],
            ["000102", "同事互评", "０００１０２", 98, None],
            ["000102", "同事互评", "000101", 85, 85],  # fine
        ],
        number_formats={0: "000000", 2: "000000"},
    )
    assert refused(capsys, "rater-scores", path) == [
        "第3行“评价人”列：评价人不能给本人打分",
        "第4行“评价人”列：评价人不能给本人打分",
        "第5行“评价人”列：评价人不能给本人打分",
        "互评.xlsx 未导入：共 3 个问题，未写入任何数据。",
    ]


def test_a_rater_scores_a_person_once_per_indicator_and_sub_period(tmp_path, capsys, city):
    """The same rater twice in the same group and sub-period is refused for every
    indicator both rows score; 2023Q1 and 一季度 are the same quarter. The same rater in
    another quarter, or for another person, is fine."""
    path = write_csv(
        tmp_path / "重复.csv",
        [
            ["工号", "评价主体", "评价人", "期间", "德", "能", "日常工作"],
            ["000101", "同事互评", "T01", "", 80, 70, ""],  # row 2
            ["000102", "同事互评", "T01", "", 80, 70, ""],  # another person: fine
            ["000101", "同事互评", "T01", "", 82, 72, ""],  # row 4: both indicators again
            ["000101", "领导评价", "T01", "", 82, "", ""],  # another group: fine
            ["000103", "领导评价", "L01", "2023Q1", 90, "", 80],  # row 6
            ["000103", "领导评价", "L01", "2023Q2", 91, "", 81],  # another quarter: fine
            ["000103", "领导评价", "L01", "一季度", "", "", 82],  # row 8: 日常工作 again
        ],
        encoding="gbk",
    )
    assert refused(capsys, "rater-scores", path) == [
        "第4行“德”列：该评价人已给此人打过分（首次出现在第2行）",
        "第4行“能”列：该评价人已给此人打过分（首次出现在第2行）",
        "第8行“日常工作”列：该评价人已给此人打过分（首次出现在第6行）",
        "重复.csv 未导入：共 3 个问题，未写入任何数据。",
    ]


# --------------------------------------------------------------------------- bonus, penalty, veto

ITEM_ROWS = [
    ["工号", "姓名", "类型", "分值", "事由", "佐证"],
    ["000101", "张三", "加分", 3, "获市级表彰", "市委〔2023〕5号"],
    ["000101", "张三", "加分", "4", "参与抗洪抢险表现突出", None],
    ["000101", "张三", "减分", 1.5, "迟到早退被通报", None],
    ["000102", "李四", "否决", None, "处于试用期", None],
    ["000104", "赵六", "一票否决", "", "酒后驾驶被处理", "交警通报"],
    ["000104", "赵六", "扣分", 2, "材料报送超期", ""],
]
ITEMS = [
    ("000101", "bonus", "3.00", "获市级表彰", "市委〔2023〕5号"),
    ("000101", "bonus", "4.00", "参与抗洪抢险表现突出", ""),
    ("000101", "penalty", "1.50", "迟到早退被通报", ""),
    ("000102", "veto", "probation", "处于试用期", ""),  # a catalogue reason, linked
    ("000104", "penalty", "2.00", "材料报送超期", ""),
    ("000104", "veto", None, "酒后驾驶被处理", "交警通报"),  # free text
]


@FORMATS
def test_bonus_penalty_and_veto_items_are_stored_with_reason_and_evidence(tmp_path, capsys, city, fmt):
    path = write(tmp_path, "加减分", fmt, ITEM_ROWS)
    assert imported(capsys, "adjustments", path) == [
        f"已导入 {path.name} 到 2023H1：共 6 行。",
        "  3 人的加减分和否决项已更新，0 人未变；文件中共有加分 2 项、减分 2 项、否决 2 项",
    ]
    assert stored_items() == sorted(ITEMS, key=lambda item: tuple(str(v) for v in item))

    assert_reimport_changes_nothing(
        capsys,
        "adjustments",
        path,
        [
            f"已导入 {path.name} 到 2023H1：共 6 行。",
            "  0 人的加减分和否决项已更新，3 人未变；文件中共有加分 2 项、减分 2 项、否决 2 项",
        ],
    )


def test_an_items_file_replaces_the_items_of_the_people_in_it_only(tmp_path, capsys, city):
    jixiao_ok(
        capsys, "import", "adjustments", write(tmp_path, "first", "xlsx", ITEM_ROWS), "--period", PERIOD
    )
    path = write_csv(
        tmp_path / "张三加减分.csv",
        [["工号", "类型", "分值", "事由"], ["000101", "加分", "2.5", "信息被省级刊物采用"]],
        encoding="gbk",
    )
    assert imported(capsys, "adjustments", path) == [
        "已导入 张三加减分.csv 到 2023H1：共 1 行。",
        "  1 人的加减分和否决项已更新，0 人未变；文件中共有加分 1 项、减分 0 项、否决 0 项",
    ]
    assert stored_items() == [
        ("000101", "bonus", "2.50", "信息被省级刊物采用", ""),
        *[item for item in ITEMS if item[0] != "000101"],
    ]


# --------------------------------------------------------------------------- refusals


def test_every_bad_indicator_score_row_is_listed(tmp_path, capsys, city):
    jixiao_ok(
        capsys,
        "import",
        "indicator-scores",
        write(tmp_path, "first", "xlsx", INDICATOR_ROWS),
        "--period",
        PERIOD,
    )
    path = write_xlsx(
        tmp_path / "指标得分.xlsx",
        [
            ["工号", "姓名", "期间", "重点工作", "日常工作", "工作任务"],
            ["000101", "张三", "", "九十", "-3", None],  # row 2
            ["000102", "李斯", "", 80, 40, None],
            ["000999", "", "", 80, None, None],
            ["000106", "孙八", "", 80, None, None],
            ["000103", "王五", "2023Q1", 70, 80, None],  # row 6: 日常工作 is scored by raters for him
            ["000105", "钱七", "2023-04", 80, None, "优"],
            ["000101", "张三", "上半年", 95, None, None],  # row 8: 重点工作 again
            ["000105", "钱七", "", None, None, 50],
            ["000103", "王五", "2023Q3", 70, None, None],
            [None, "赵六", "", 80, None, None],
            ["000104", "赵六", "2023Q1", 80, "", None],  # row 12: not quarterly
        ],
    )
    assert refused(capsys, "indicator-scores", path) == [
        "第2行“重点工作”列：九十 不是数字",
        "第2行“日常工作”列：-3 为负数",
        "第3行“姓名”列：李斯与花名册不符，花名册中该工号为李四",
        "第4行“工号”列：工号 000999 不在 2023H1 花名册中",
        "第5行“工号”列：孙八 本期没有适用的考核方案",
        "第6行“日常工作”列：日常工作 由评价主体打分：请通过评价打分文件导入",
        "第7行“重点工作”列：重点工作 不是考核方案 编外聘用人员考核方案 中的指标",
        "第7行“工作任务”列：优 不是数字",
        "第8行“重点工作”列：重复评分（首次出现在第2行）",
        "第9行“期间”列：不能为空：此方案按月评分",
        "第10行“期间”列：2023Q3 不是 2023H1 内的期间（按季度评分）",
        "第11行“工号”列：不能为空",
        "第12行“期间”列：2023Q1：此方案按半年评分，不分期间",
        "指标得分.xlsx 未导入：共 13 个问题，未写入任何数据。",
    ]


def test_every_bad_rater_score_row_is_listed(tmp_path, capsys, city):
    jixiao_ok(
        capsys, "import", "rater-scores", write(tmp_path, "first", "xlsx", RATER_ROWS), "--period", PERIOD
    )
    path = write_csv(
        tmp_path / "评价打分.csv",
        [
            ["工号", "姓名", "评价主体", "评价人", "期间", "德", "能", "日常工作"],
            ["000101", "张三", "领导评价", "000101", "", 80, 80, ""],  # row 2: self
            ["000101", "张三", "服务对象评价", "F01", "", 80, 80, ""],
            ["000101", "张三", "领导评价", "", "", 80, 80, ""],
            ["000101", "张三", "领导评价", "L01", "", "", "良好", ""],  # row 5
            ["000101", "张三", "领导评价", "L02", "", 80, 80, 90],  # 日常工作: not by raters for him
            ["000103", "王五", "领导评价", "L01", "", 80, "", 80],  # row 7: quarterly
            ["000103", "王五", "领导评价", "L03", "2023Q2", 80, 80, 80],  # 能: not in his scheme
            ["000102", "李四", "同事互评", "R" * 33, "", 80, 80, ""],
            ["000999", "", "同事互评", "T01", "", 80, 80, ""],  # row 10
            ["000102", "李思", "", "T01", "", 80, 80, ""],
            ["000102", "李四", "同事互评", "T01", "", -1, 80, ""],  # row 12
        ],
        encoding="gbk",
    )
    assert refused(capsys, "rater-scores", path) == [
        "第2行“评价人”列：评价人不能给本人打分",
        "第3行“评价主体”列：服务对象评价 不是考核方案 一般干部考核方案 的评价主体（领导评价、同事互评）",
        "第4行“评价人”列：不能为空",
        "第5行“能”列：良好 不是数字",
        "第6行“日常工作”列：日常工作 不由评价主体打分：请通过指标得分文件导入",
        "第7行“期间”列：不能为空：此方案按季度评分",
        "第8行“能”列：能 不是考核方案 中层干部考核方案 中的指标",
        "第9行“评价人”列：超过 32 个字",
        "第10行“工号”列：工号 000999 不在 2023H1 花名册中",
        "第11行“姓名”列：李思与花名册不符，花名册中该工号为李四",
        "第12行“德”列：-1 为负数",
        "评价打分.csv 未导入：共 11 个问题，未写入任何数据。",
    ]


def test_every_bad_item_row_is_listed(tmp_path, capsys, city):
    jixiao_ok(
        capsys, "import", "adjustments", write(tmp_path, "first", "xlsx", ITEM_ROWS), "--period", PERIOD
    )
    path = write_csv(
        tmp_path / "加减分.csv",
        [
            ["工号", "姓名", "类型", "分值", "事由", "佐证"],
            ["000101", "张三", "加分", "", "获市级表彰", ""],  # row 2
            ["000101", "张三", "加分", "0", "获市级表彰", ""],
            ["000101", "张三", "减分", "-1", "迟到", ""],
            ["000102", "李四", "否决", "3", "处于试用期", ""],  # row 5
            ["000102", "李四", "奖励", "1", "", ""],
            ["000106", "孙八", "加分", "1", "安全行车", ""],
            ["000104", "赵六", "加分", "1000", "事" * 201, ""],  # row 8
            ["000104", "赵柳", "减分", "一分", "迟到", "佐" * 201],
            ["000999", "", "加分", "1", "获市级表彰", ""],  # row 10
        ],
        encoding="gbk",
    )
    assert refused(capsys, "adjustments", path) == [
        "第2行“分值”列：不能为空",
        "第3行“分值”列：必须大于 0",
        "第4行“分值”列：-1 为负数",
        "第5行“分值”列：否决项不填分值",
        "第6行“类型”列：奖励 不是有效类型（应为“加分”“减分”“否决”，或填“无”清除此人的各项）",
        "第6行“事由”列：不能为空",
        "第7行“工号”列：孙八 本期没有适用的考核方案",
        "第8行“分值”列：1000 过大",
        "第8行“事由”列：超过 200 个字",
        "第9行“姓名”列：赵柳与花名册不符，花名册中该工号为赵六",
        "第9行“分值”列：一分 不是数字",
        "第9行“佐证”列：超过 200 个字",
        "第10行“工号”列：工号 000999 不在 2023H1 花名册中",
        "加减分.csv 未导入：共 13 个问题，未写入任何数据。",
    ]


FULL_MARKS_ROWS = {
    "indicator-scores": [
        ["工号", "期间", "重点工作", "日常工作", "工作任务"],
        ["000101", "", "101", "50", ""],  # 50 is the full marks of 日常工作: fine
        ["000102", "", "100", "50.01", ""],
        ["000105", "2023-04", "", "", "60.5"],
    ],
    "rater-scores": [
        ["工号", "评价主体", "评价人", "德", "能"],
        ["000101", "领导评价", "L01", "100", "120"],
    ],
}
FULL_MARKS_PROBLEMS = {
    "indicator-scores": [
        ("第2行“重点工作”列：101 超过满分 ", "100"),
        ("第3行“日常工作”列：50.01 超过满分 ", "50"),
        ("第4行“工作任务”列：60.5 超过满分 ", "60"),
    ],
    "rater-scores": [("第2行“能”列：120 超过满分 ", "100")],
}


@pytest.mark.parametrize("kind", ["indicator-scores", "rater-scores"])
def test_a_score_above_the_full_marks_is_refused(tmp_path, capsys, city, kind):
    path = write_csv(tmp_path / "满分.csv", FULL_MARKS_ROWS[kind], encoding="gbk")
    lines = refused(capsys, kind, path)
    problems = FULL_MARKS_PROBLEMS[kind]
    assert len(lines) == len(problems) + 1
    for line, (start, _full_marks) in zip(lines[:-1], problems, strict=True):
        assert line.startswith(start)  # the full marks shown: see the next test
    assert lines[-1] == f"满分.csv 未导入：共 {len(problems)} 个问题，未写入任何数据。"


@pytest.mark.parametrize("kind", ["indicator-scores", "rater-scores"])
def test_the_refusal_names_the_full_marks_as_people_write_them(tmp_path, capsys, city, kind):
    path = write_csv(tmp_path / "满分.csv", FULL_MARKS_ROWS[kind], encoding="gbk")
    problems = FULL_MARKS_PROBLEMS[kind]
    assert refused(capsys, kind, path)[:-1] == [start + full_marks for start, full_marks in problems]


@pytest.mark.parametrize(
    ("kind", "header", "problem"),
    [
        (
            "indicator-scores",
            ["姓名", "重点工作"],
            "找不到表头：前 20 行中没有“工号”列。应有的列：工号、姓名、期间。",
        ),
        ("rater-scores", ["工号", "评价人", "德"], "第1行：缺少必需的列“评价主体”。"),
        ("rater-scores", ["工号", "评价主体", "德"], "第1行：缺少必需的列“评价人”。"),
        ("adjustments", ["工号", "类型", "分值"], "第1行：缺少必需的列“事由”。"),
    ],
)
def test_a_file_without_a_required_column_is_refused(tmp_path, capsys, city, kind, header, problem):
    path = write_csv(tmp_path / "缺列.csv", [header, ["000101"] + ["1"] * (len(header) - 1)], encoding="gbk")
    assert refused(capsys, kind, path) == [problem, "缺列.csv 未导入：共 1 个问题，未写入任何数据。"]


def test_a_file_without_indicator_columns_names_the_columns_expected(tmp_path, capsys, city):
    path = write_csv(
        tmp_path / "无指标.csv", [["工号", "姓名", "得分"], ["000101", "张三", "90"]], encoding="gbk"
    )
    assert refused(capsys, "indicator-scores", path) == [
        "文件中没有指标列。应按考核方案中的名称设列：工作任务、日常工作、重点工作。",
        "无指标.csv 未导入：共 1 个问题，未写入任何数据。",
    ]
    path = write_csv(
        tmp_path / "无指标.csv", [["工号", "评价主体", "评价人", "总分"], ["000103", "领导评价", "L01", "90"]]
    )
    assert refused(capsys, "rater-scores", path) == [
        "文件中没有指标列。应按考核方案中的名称设列：工作态度、德、日常工作、能。",
        "无指标.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_a_file_of_people_not_on_the_roster_lists_those_rows(tmp_path, capsys, city):
    """A unit's file imported into the wrong period, or with mistyped staff IDs: the
    problem is the staff IDs, not the columns (which are named as in the scheme)."""
    path = write_csv(
        tmp_path / "指标得分.csv",
        [["工号", "期间", "重点工作"], ["000999", "", "80"], ["000106", "", "80"]],
        encoding="gbk",
    )
    assert refused(capsys, "indicator-scores", path) == [
        "第2行“工号”列：工号 000999 不在 2023H1 花名册中",
        "第3行“工号”列：孙八 本期没有适用的考核方案",
        "指标得分.csv 未导入：共 2 个问题，未写入任何数据。",
    ]


def test_rater_scored_indicators_in_an_indicator_scores_file_are_refused(tmp_path, capsys, city):
    """德 is scored by raters in every scheme: a 德 column with scores in the indicator-scores
    file is a mistake to be told about, not a column to drop."""
    path = write_csv(tmp_path / "指标得分.csv", [["工号", "重点工作", "德"], ["000101", "90", "85"]])
    assert refused(capsys, "indicator-scores", path) == [
        "第2行“德”列：德 由评价主体打分：请通过评价打分文件导入",
        "指标得分.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


# --------------------------------------------------------------------------- sub-periods


def test_months_are_read_as_people_write_them(tmp_path, capsys, city):
    path = write_xlsx(
        tmp_path / "月度.xlsx",
        [
            ["工号", "期间", "工作任务"],
            ["000105", "2023-01", 51],
            ["000105", "2月", 52],
            ["000105", "三月", 53],
            ["000105", 4, 54],
            ["000105", "2023年5月", 55],
            ["000105", "６月份", 56],
        ],
    )
    imported(capsys, "indicator-scores", path)
    assert stored_direct_scores() == {("000105", "工作任务", n): 5000 + 100 * n for n in range(1, 7)}

    same = write_csv(
        tmp_path / "月度.csv",
        [
            ["工号", "期间", "工作任务"],
            ["000105", "1月", 51],
            ["000105", "2023/02", 52],
            ["000105", "2023.3", 53],
        ],
        encoding="gbk",
    )
    assert imported(capsys, "indicator-scores", same)[-1] == NOTHING_CHANGED


def test_quarters_are_read_as_people_write_them(tmp_path, capsys, city):
    path = write_csv(
        tmp_path / "季度.csv",
        [["工号", "期间", "重点工作"], ["000103", "2023Q1", "71"], ["000103", "第二季度", "72"]],
        encoding="gbk",
    )
    imported(capsys, "indicator-scores", path)
    assert stored_direct_scores() == {("000103", "重点工作", 1): 7100, ("000103", "重点工作", 2): 7200}
    same = write_xlsx(
        tmp_path / "季度.xlsx",
        [["工号", "期间", "重点工作"], ["000103", "一季度", 71], ["000103", "2023年2季度", 72]],
    )
    assert imported(capsys, "indicator-scores", same)[-1] == NOTHING_CHANGED
    same_again = write_csv(
        tmp_path / "季度2.csv",
        [["工号", "期间", "重点工作"], ["000103", "q1", "71"], ["000103", "2023-Q2", "72"]],
    )
    assert imported(capsys, "indicator-scores", same_again)[-1] == NOTHING_CHANGED


def test_a_sub_period_outside_the_period_is_refused(tmp_path, capsys, city):
    path = write_csv(
        tmp_path / "期间.csv",
        [
            ["工号", "期间", "重点工作", "工作任务"],
            ["000105", "2023-07", "", "50"],
            ["000105", "2022-03", "", "50"],
            ["000105", "十二月", "", "50"],
            ["000105", "13月", "", "50"],
            ["000103", "2023Q3", "70", ""],
            ["000103", "2022Q1", "70", ""],
            ["000103", "三季度", "70", ""],
            ["000101", "2023-03", "70", ""],
        ],
        encoding="gbk",
    )
    assert refused(capsys, "indicator-scores", path) == [
        "第2行“期间”列：2023-07 不是 2023H1 内的期间（按月评分）",
        "第3行“期间”列：2022-03 不是 2023H1 内的期间（按月评分）",
        "第4行“期间”列：十二月 不是 2023H1 内的期间（按月评分）",
        "第5行“期间”列：13月 不是 2023H1 内的期间（按月评分）",
        "第6行“期间”列：2023Q3 不是 2023H1 内的期间（按季度评分）",
        "第7行“期间”列：2022Q1 不是 2023H1 内的期间（按季度评分）",
        "第8行“期间”列：三季度 不是 2023H1 内的期间（按季度评分）",
        "第9行“期间”列：2023-03：此方案按半年评分，不分期间",
        "期间.csv 未导入：共 8 个问题，未写入任何数据。",
    ]


def test_the_second_half_year_has_its_own_months_and_quarters(tmp_path, capsys):
    assessment_city(tmp_path, capsys, period="2023H2")
    path = write_csv(
        tmp_path / "下半年.csv",
        [
            ["工号", "期间", "重点工作", "工作任务"],
            ["000105", "2023-07", "", "50"],
            ["000105", "十二月", "", "51"],
            ["000103", "2023Q3", "70", ""],
            ["000103", "四季度", "71", ""],
            ["000101", "下半年", "72", ""],
        ],
        encoding="gbk",
    )
    jixiao_ok(capsys, "import", "indicator-scores", path, "--period", "2023H2")
    assert stored_direct_scores() == {
        ("000105", "工作任务", 1): 5000,
        ("000105", "工作任务", 6): 5100,
        ("000103", "重点工作", 1): 7000,
        ("000103", "重点工作", 2): 7100,
        ("000101", "重点工作", 1): 7200,
    }
    wrong = write_csv(
        tmp_path / "上半年的月份.csv", [["工号", "期间", "工作任务"], ["000105", "2023-06", "50"]]
    )
    run = jixiao(capsys, "import", "indicator-scores", wrong, "--period", "2023H2")
    assert (run.status, run.err_lines[0]) == (1, "第2行“期间”列：2023-06 不是 2023H2 内的期间（按月评分）")


def test_the_other_half_year_is_refused_for_a_half_yearly_scheme(tmp_path, capsys, city):
    path = write_csv(tmp_path / "半年.csv", [["工号", "期间", "重点工作"], ["000101", "下半年", "90"]])
    assert refused(capsys, "indicator-scores", path) == [
        "第2行“期间”列：下半年：此方案按半年评分，不分期间",
        "半年.csv 未导入：共 1 个问题，未写入任何数据。",
    ]


def test_a_month_excel_turned_into_a_date_is_that_month(tmp_path, capsys, city):
    path = write_xlsx(
        tmp_path / "月度.xlsx",
        [["工号", "期间", "工作任务"], ["000105", datetime.datetime(2023, 3, 1), 53]],
        number_formats={1: "yyyy-mm"},
    )
    imported(capsys, "indicator-scores", path)
    assert stored_direct_scores() == {("000105", "工作任务", 3): 5300}


# --------------------------------------------------------------------------- joined mid-period


def test_someone_who_joined_mid_period_is_averaged_over_the_months_assessed(tmp_path, capsys, city):
    """钱七 joined in April: scored for April–June only, the half-year base is the mean of
    those three months, not of six."""
    unit_scores = write_xlsx(
        tmp_path / "工作任务.xlsx",
        [["工号", "姓名", "期间", "工作任务"], ["000105", "钱七", "4月", 54], ["000105", "钱七", "5月", 48]]
        + [["000105", "钱七", "6月", 60]],
    )
    rater_scores = write_csv(
        tmp_path / "工作态度.csv",
        [
            ["工号", "评价主体", "评价人", "期间", "工作态度"],
            ["000105", "领导评价", "L01", "2023-04", "90"],
            ["000105", "领导评价", "L01", "2023-05", "80"],
            ["000105", "领导评价", "L01", "2023-06", "95"],
            ["000105", "领导评价", "L02", "2023-06", "100"],
        ],
        encoding="gbk",
    )
    imported(capsys, "indicator-scores", unit_scores)
    imported(capsys, "rater-scores", rater_scores)
    assert jixiao_ok(capsys, "totals", "--period", PERIOD).out.splitlines() == [
        "按考核方案计算总分：完整 1 人，不完整 0 人。"
    ]
    # April 54/60×60 + 90×0.4 = 90; May 48 + 32 = 80; June 60 + 97.5×0.4 = 99.
    # (90 + 80 + 99) / 3 = 89.666… → 89.6667 → 89.67
    total = SchemeTotal.objects.get(entry__person__staff_id="000105")
    assert (total.base_fine, total.total_cents, total.missing) == (896_667, 8967, 0)
    assert Score.objects.get(entry__person__staff_id="000105").total == Decimal("89.67")
