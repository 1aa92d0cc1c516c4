"""Locked scores: ``jixiao lock|unlock --period P --unit U``. Once a unit has locked its
scores, an import changing them is refused unless it gives a reason (``--reason``); with
one, the change is applied, recorded per locked unit (ScoreChange), and the totals and the
ranking are recomputed at once. Units not locked, and files that change nothing, need no
reason. The foundation import of final totals (``import scores``) is guarded alike."""

import re
from decimal import Decimal

import pytest

from jixiao.assessment.models import Period, ScoreChange, UnitLock
from jixiao.selection.models import Outcome, RankingResult
from jixiao.selection.ranking import ranking_is_current
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
LOCKED = "市财政局本期分数已锁定：修改需要说明理由（--reason），理由将被记录。"
NOT_SELECTED = Outcome.NOT_SELECTED
RECOMPUTED = "市财政局的已锁定分数已修改（理由已记录）：总分和排名已重新计算。"

# 德 and 能 alike: 领导评价 60 %, 同事互评 40 %; 重点工作 of 100; 日常工作 of 50.
# 张三 (86, 86, 90, 45): 17.2 + 17.2 + 27 + 27 = 88.40
# 李四 (85, 85, 95, 48): 17 + 17 + 28.5 + 28.8 = 91.30
# 赵六 (80, 80, 80, 40): 16 + 16 + 24 + 24 = 80.00
RATER_ROWS = [
    ["工号", "姓名", "评价主体", "评价人", "德", "能"],
    ["000101", "张三", "领导评价", "L01", 90, 90],
    ["000101", "张三", "同事互评", "T01", 80, 80],
    ["000102", "李四", "领导评价", "L01", 85, 85],
    ["000102", "李四", "同事互评", "T01", 85, 85],
    ["000104", "赵六", "领导评价", "L02", 80, 80],
    ["000104", "赵六", "同事互评", "T02", 80, 80],
]
INDICATOR_ROWS = [
    ["工号", "姓名", "重点工作", "日常工作"],
    ["000101", "张三", 90, 45],
    ["000102", "李四", 95, 48],
    ["000104", "赵六", 80, 40],
]


@pytest.fixture
def ranked(tmp_path, capsys):
    """The city's 一般干部 scored and ranked; 孙八 (no scheme) has an imported total."""
    assessment_city(tmp_path, capsys)
    for kind, rows in (("rater-scores", RATER_ROWS), ("indicator-scores", INDICATOR_ROWS)):
        jixiao_ok(capsys, "import", kind, write_xlsx(tmp_path / f"{kind}.xlsx", rows), "--period", PERIOD)
    scores = write_csv(tmp_path / "总分.csv", [["工号", "总分"], ["000106", "88"]], encoding="gbk")
    jixiao_ok(capsys, "import", "scores", scores, "--period", PERIOD)
    jixiao_ok(capsys, "select", "--period", PERIOD)
    assert ranking() == {
        "000101": (Decimal("88.40"), 2, NOT_SELECTED),
        "000102": (Decimal("91.30"), 1, NOT_SELECTED),
        "000104": (Decimal("80.00"), 1, NOT_SELECTED),
        "000106": (Decimal("88.00"), 1, NOT_SELECTED),
    }
    return Period.objects.get(code=PERIOD)


def ranking() -> dict[str, tuple]:
    return {
        r.person.staff_id: (r.total, r.rank, r.outcome)
        for r in RankingResult.objects.filter(period__code=PERIOD).select_related("person")
    }


def lock(capsys, unit: str = "市财政局") -> None:
    jixiao_ok(capsys, "lock", "--period", PERIOD, "--unit", unit, "--actor", "市财政局人事科")


def changes() -> list[tuple]:
    return [
        (c.unit.name, c.actor, c.reason, c.what, c.details)
        for c in ScoreChange.objects.select_related("unit").order_by("id")
    ]


def test_lock_says_since_when_and_by_whom_and_locking_twice_keeps_one_lock(tmp_path, capsys, ranked):
    run = jixiao_ok(capsys, "lock", "--period", PERIOD, "--unit", "市财政局", "--actor", "市财政局人事科")
    assert re.fullmatch(
        r"市财政局 2023H1 分数已锁定（\d{4}-\d\d-\d\d \d\d:\d\d，市财政局人事科）。\n", run.out
    )
    again = jixiao_ok(capsys, "lock", "--period", PERIOD, "--unit", "市财政局", "--actor", "另一人")
    assert again.out == run.out  # still the first lock: its time and who locked
    assert list(UnitLock.objects.values_list("unit__name", "locked_by")) == [("市财政局", "市财政局人事科")]
    assert changes() == []


def test_lock_refuses_an_unknown_unit(capsys, ranked):
    run = jixiao(capsys, "lock", "--period", PERIOD, "--unit", "市财政厅")
    assert (run.status, run.err_lines, run.out) == (1, ["没有名为市财政厅的单位。"], "")
    assert not UnitLock.objects.exists()


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        ("indicator-scores", [["工号", "重点工作"], ["000101", "100"]]),
        ("rater-scores", [["工号", "评价主体", "评价人", "德"], ["000102", "同事互评", "T09", "60"]]),
        ("adjustments", [["工号", "类型", "分值", "事由"], ["000101", "加分", "1", "获市级表彰"]]),
        ("scores", [["工号", "总分"], ["000102", "95"]]),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_change_to_a_locked_unit_without_a_reason_is_refused(tmp_path, capsys, ranked, kind, rows, reason):
    lock(capsys)
    path = write_csv(tmp_path / "更正.csv", rows, encoding="gbk")
    before = assessment_dump()
    run = jixiao(
        capsys, "import", kind, path, "--period", PERIOD, *([] if reason is None else ["--reason", reason])
    )
    assert (run.status, run.out, run.err_lines) == (1, "", [LOCKED])
    assert assessment_dump() == before
    assert ranking_is_current(ranked)


def test_with_a_reason_the_change_is_applied_recorded_and_ranked_again(tmp_path, capsys, ranked):
    lock(capsys)
    path = write_csv(tmp_path / "更正.csv", [["工号", "重点工作"], ["000101", "100"]], encoding="gbk")
    run = jixiao_ok(
        capsys,
        "import",
        "indicator-scores",
        path,
        "--period",
        PERIOD,
        "--reason",
        " 复核更正重点工作得分 ",
        "--actor",
        "市财政局人事科",
    )
    assert run.out.splitlines() == [
        "已导入 更正.csv 到 2023H1：共 1 行。",
        "  得分：新增 0，变更 1，未变 0（涉及 1 人）",
        RECOMPUTED,
    ]
    assert stored_direct_scores()[("000101", "重点工作", 1)] == 10000
    assert changes() == [
        (
            "市财政局",
            "市财政局人事科",
            "复核更正重点工作得分",
            "导入 更正.csv",
            {
                "new_scores": 0,
                "changed_scores": 1,
                "unchanged_scores": 0,
                "people": 1,
                "rounded": 0,
                "ignored_columns": [],
            },
        )
    ]
    # 张三: 重点工作 100 → 30 points instead of 27: 91.40, now ahead of 李四.
    assert ranking() == {
        "000101": (Decimal("91.40"), 1, NOT_SELECTED),
        "000102": (Decimal("91.30"), 2, NOT_SELECTED),
        "000104": (Decimal("80.00"), 1, NOT_SELECTED),
        "000106": (Decimal("88.00"), 1, NOT_SELECTED),
    }
    ranked.refresh_from_db()
    assert ranking_is_current(ranked)
    # The lock stays: the next change needs a reason again.
    again = write_csv(tmp_path / "再改.csv", [["工号", "重点工作"], ["000101", "99"]])
    assert jixiao(capsys, "import", "indicator-scores", again, "--period", PERIOD).err_lines == [LOCKED]


def test_a_veto_item_for_a_locked_unit_with_a_reason_vetoes_in_the_new_ranking(tmp_path, capsys, ranked):
    lock(capsys)
    path = write_xlsx(
        tmp_path / "否决.xlsx",
        [
            ["工号", "类型", "分值", "事由", "佐证"],
            ["000102", "否决", None, "受诫勉或组织处理", "组织部通知"],
        ],
    )
    run = jixiao_ok(
        capsys, "import", "adjustments", path, "--period", PERIOD, "--reason", "补录诫勉", "--actor", "考核办"
    )
    assert run.out.splitlines()[-1] == RECOMPUTED
    assert stored_items() == [("000102", "veto", "admonition", "受诫勉或组织处理", "组织部通知")]
    assert [c[:4] for c in changes()] == [("市财政局", "考核办", "补录诫勉", "导入 否决.xlsx")]
    # 李四 keeps his place in the ranking, vetoed.
    assert ranking()["000102"] == (Decimal("91.30"), 1, Outcome.VETOED)
    assert ranking()["000101"] == (Decimal("88.40"), 2, NOT_SELECTED)


def test_an_import_touching_only_unlocked_units_needs_no_reason(tmp_path, capsys, ranked):
    lock(capsys)
    path = write_csv(
        tmp_path / "城关镇.csv",
        [["工号", "评价主体", "评价人", "德", "能"], ["000104", "领导评价", "L03", "70", "70"]],
        encoding="gbk",
    )
    run = jixiao_ok(capsys, "import", "rater-scores", path, "--period", PERIOD)
    assert run.out.splitlines() == [
        "已导入 城关镇.csv 到 2023H1：共 1 行。",
        "  得分：新增 2，变更 0，未变 0（涉及 1 人）",
    ]
    assert stored_rater_scores()[("000104", "德", 1, "领导评价", "L03")] == 7000
    assert changes() == []
    # Not recomputed: the ranking is now known to be stale, as after any import.
    ranked.refresh_from_db()
    assert not ranking_is_current(ranked)


def test_a_file_that_changes_nothing_of_a_locked_unit_needs_no_reason(tmp_path, capsys, ranked):
    """Re-sending the file the unit locked, plus a change for an unlocked unit."""
    lock(capsys)
    path = write_xlsx(tmp_path / "指标得分.xlsx", [*INDICATOR_ROWS[:3], ["000104", "赵六", 82, 40]])
    run = jixiao_ok(capsys, "import", "indicator-scores", path, "--period", PERIOD)
    assert run.out.splitlines() == [
        "已导入 指标得分.xlsx 到 2023H1：共 3 行。",
        "  得分：新增 0，变更 1，未变 5（涉及 3 人）",
    ]
    assert changes() == []


def test_a_change_to_two_locked_units_names_both_and_is_recorded_for_each(tmp_path, capsys, ranked):
    lock(capsys)
    lock(capsys, "城关镇")
    path = write_csv(tmp_path / "更正.csv", [["工号", "日常工作"], ["000102", "50"], ["000104", "41"]])
    run = jixiao(capsys, "import", "indicator-scores", path, "--period", PERIOD)
    assert run.err_lines == ["市财政局、城关镇本期分数已锁定：修改需要说明理由（--reason），理由将被记录。"]
    run = jixiao_ok(capsys, "import", "indicator-scores", path, "--period", PERIOD, "--reason", "复核")
    assert (
        run.out.splitlines()[-1] == "市财政局、城关镇的已锁定分数已修改（理由已记录）：总分和排名已重新计算。"
    )
    assert [c[0] for c in changes()] == ["市财政局", "城关镇"]
    assert {c[2:4] for c in changes()} == {("复核", "导入 更正.csv")}
    # 李四 28.8 → 30: 92.50; 赵六 24 → 24.6: 80.60.
    assert ranking()["000102"] == (Decimal("92.50"), 1, NOT_SELECTED)
    assert ranking()["000104"] == (Decimal("80.60"), 1, NOT_SELECTED)


def test_a_dry_run_with_a_reason_records_nothing(tmp_path, capsys, ranked):
    lock(capsys)
    path = write_csv(tmp_path / "更正.csv", [["工号", "重点工作"], ["000101", "100"]])
    before = assessment_dump()
    run = jixiao_ok(
        capsys, "import", "indicator-scores", path, "--period", PERIOD, "--dry-run", "--reason", "复核"
    )
    assert run.out.splitlines() == [
        "已检查 更正.csv：未发现问题；未写入任何数据。",
        "  得分：新增 0，变更 1，未变 0（涉及 1 人）",
    ]
    assert assessment_dump() == before


def test_the_foundation_import_of_totals_is_guarded_too(tmp_path, capsys, ranked):
    lock(capsys, "城关镇")
    path = write_csv(tmp_path / "总分.csv", [["工号", "总分"], ["000106", "92"]], encoding="gbk")
    before = assessment_dump()
    run = jixiao(capsys, "import", "scores", path, "--period", PERIOD)
    assert (run.status, run.err_lines) == (
        1,
        ["城关镇本期分数已锁定：修改需要说明理由（--reason），理由将被记录。"],
    )
    assert assessment_dump() == before

    run = jixiao_ok(
        capsys,
        "import",
        "scores",
        path,
        "--period",
        PERIOD,
        "--reason",
        "更正录入错误",
        "--actor",
        "城关镇党政办",
    )
    assert run.out.splitlines() == [
        "已导入 总分.csv 到 2023H1：共 1 行。",
        "  分数：新增 0，变更 1，未变 0；其中否决 0 人",
        "城关镇的已锁定分数已修改（理由已记录）：总分和排名已重新计算。",
    ]
    assert [c[:4] for c in changes()] == [("城关镇", "城关镇党政办", "更正录入错误", "导入 总分.csv")]
    assert ranking()["000106"] == (Decimal("92.00"), 1, NOT_SELECTED)
    ranked.refresh_from_db()
    assert ranking_is_current(ranked)


def test_unlock_records_the_reason_and_lifts_the_guard(tmp_path, capsys, ranked):
    lock(capsys)
    run = jixiao_ok(
        capsys,
        "unlock",
        "--period",
        PERIOD,
        "--unit",
        "市财政局",
        "--reason",
        "重新组织评议",
        "--actor",
        "考核办",
    )
    assert run.out == "市财政局 2023H1 分数已解锁。\n"
    assert not UnitLock.objects.exists()
    assert [c[0:4] for c in changes()] == [("市财政局", "考核办", "重新组织评议", "分数已解锁")]

    path = write_csv(tmp_path / "更正.csv", [["工号", "重点工作"], ["000101", "100"]])
    run = jixiao_ok(capsys, "import", "indicator-scores", path, "--period", PERIOD)
    assert RECOMPUTED not in run.out
    assert len(changes()) == 1

    again = jixiao_ok(capsys, "unlock", "--period", PERIOD, "--unit", "市财政局", "--reason", "再次解锁")
    assert again.out == "市财政局 2023H1 分数本未锁定。\n"
    assert len(changes()) == 1


@pytest.mark.parametrize("reason", ["", "  "])
def test_unlock_needs_a_reason(capsys, ranked, reason):
    lock(capsys)
    run = jixiao(capsys, "unlock", "--period", PERIOD, "--unit", "市财政局", "--reason", reason)
    assert (run.status, run.err_lines) == (1, ["理由不能为空。"])
    assert UnitLock.objects.count() == 1
    assert changes() == []
    run = jixiao(capsys, "unlock", "--period", PERIOD, "--unit", "市财政局")
    assert run.status == 2  # argparse: --reason is required
    assert UnitLock.objects.count() == 1


def test_locks_are_per_period(tmp_path, capsys, ranked):
    assessment_city(tmp_path, capsys, period="2023H2")
    jixiao_ok(capsys, "lock", "--period", "2023H2", "--unit", "市财政局")
    path = write_csv(tmp_path / "上半年.csv", [["工号", "重点工作"], ["000101", "100"]])
    jixiao_ok(capsys, "import", "indicator-scores", path, "--period", PERIOD)
    run = jixiao(capsys, "import", "indicator-scores", path, "--period", "2023H2")
    assert run.err_lines == [LOCKED]
