"""The operator's commands around the schemes' totals:

* ``jixiao breakdown --period P --staff-id ID`` — how a person's total was reached: each
  indicator with its rater groups (and the trimming note), bonus and penalty with their
  caps, the total — equal to the stored period score; incomplete and not-assessed people
  explained;
* ``jixiao totals --period P`` — compute the totals, list who is incomplete;
* ``jixiao scheme list|check|copy`` — the period's schemes; copies from a previous period,
  from a city template, and a unit's own adjustment where the city allows it, which the
  totals then apply to that unit's people.
"""

from decimal import Decimal

import pytest

from jixiao.assessment.models import (
    Indicator,
    Period,
    RollUp,
    Scheme,
    SchemeRaterGroup,
    SchemeTotal,
    Score,
    ScoreSource,
    ScoringMethod,
)
from jixiao.assessment.schemes import IndicatorSpec, define_scheme
from tests.files import (
    ASSESSMENT_PERIOD,
    assessment_city,
    assessment_dump,
    jixiao,
    jixiao_ok,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

PERIOD = ASSESSMENT_PERIOD


@pytest.fixture
def city(tmp_path, capsys):
    return assessment_city(tmp_path, capsys)


def load(capsys, tmp_path, kind: str, rows, period: str = PERIOD) -> None:
    path = write_csv(tmp_path / f"{kind}-{len(rows)}-{rows[1][0]}.csv", rows, encoding="gbk")
    jixiao_ok(capsys, "import", kind, path, "--period", period)


def squeezed(text: str) -> list[str]:
    """Output lines with runs of spaces (table alignment) made single."""
    return [" ".join(line.split()) for line in text.splitlines()]


# --------------------------------------------------------------------------- breakdown


@pytest.fixture
def scored(tmp_path, capsys, city):
    """张三 fully scored with capped bonus and a penalty; 李四 scored and vetoed; 钱七 with
    April's 工作态度 missing; 王五 not scored at all."""
    load(
        capsys,
        tmp_path,
        "rater-scores",
        [
            ["工号", "评价主体", "评价人", "期间", "德", "能", "工作态度"],
            ["000101", "领导评价", "L1", "", "80", "70", ""],
            ["000101", "领导评价", "L2", "", "85", "71", ""],
            ["000101", "同事互评", "T1", "", "80", "70", ""],
            ["000101", "同事互评", "T2", "", "85", "71", ""],
            ["000101", "同事互评", "T3", "", "90", "72", ""],
            ["000101", "同事互评", "T4", "", "95", "73", ""],
            ["000102", "领导评价", "L1", "", "90", "90", ""],
            ["000105", "领导评价", "L1", "2023-05", "", "", "80"],
        ],
    )
    load(
        capsys,
        tmp_path,
        "indicator-scores",
        [
            ["工号", "期间", "重点工作", "日常工作", "工作任务"],
            ["000101", "", "90", "45", ""],
            ["000102", "", "80", "40", ""],
            ["000105", "2023-04", "", "", "54"],
            ["000105", "2023-05", "", "", "48"],
        ],
    )
    load(
        capsys,
        tmp_path,
        "adjustments",
        [
            ["工号", "类型", "分值", "事由"],
            ["000101", "加分", "3", "获市级表彰"],
            ["000101", "加分", "4", "参与抗洪抢险表现突出"],
            ["000101", "减分", "1.5", "迟到早退被通报"],
            ["000102", "否决", "", "处于试用期"],
        ],
    )


def breakdown(capsys, staff_id: str) -> list[str]:
    return squeezed(jixiao_ok(capsys, "breakdown", "--period", PERIOD, "--staff-id", staff_id).out)


def test_the_breakdown_shows_every_step_and_ends_at_the_stored_total(capsys, scored):
    assert jixiao_ok(capsys, "totals", "--period", PERIOD).out.splitlines()[0] == (
        "按考核方案计算总分：完整 2 人，不完整 1 人。"
    )
    assert breakdown(capsys, "000101") == [
        "张三（000101），市财政局，一般干部 — 考核方案：一般干部考核方案",
        "期间 指标 分值 满分 评价主体 得分 折合分",
        # 领导评价: 2 raters, a plain mean; 同事互评: 4 raters ≥ 3, so 80 and 95 are dropped.
        "2023H1 德 20 100 领导评价（权重 60%，2 人评分）：82.5000；"
        "同事互评（权重 40%，4 人评分，去掉一个最高分和一个最低分）：87.5000 84.5000 16.9000",
        "2023H1 能 20 100 领导评价（权重 60%，2 人评分）：70.5000；"
        "同事互评（权重 40%，4 人评分，去掉一个最高分和一个最低分）：71.5000 70.9000 14.1800",
        "2023H1 重点工作 30 100 录入得分 90.0000 27.0000",
        "2023H1 日常工作 30 50 录入得分 45.0000 27.0000",
        "2023H1 基本得分：85.0800（权重 1）",
        "加分：5.00（上限 5.00）— 3 获市级表彰；4 参与抗洪抢险表现突出",
        "减分：1.50（上限 10.00）— 1.5 迟到早退被通报",
        "总分：基本得分 85.0800 → 85.08，+ 加分 5.00 − 减分 1.50 = 88.58",
    ]
    assert Score.objects.get(entry__person__staff_id="000101").total == Decimal("88.58")


def test_a_vetoed_persons_breakdown_names_the_veto(capsys, scored):
    jixiao_ok(capsys, "totals", "--period", PERIOD)
    lines = breakdown(capsys, "000102")
    # 德, 能 90 (only 领导评价: its weight is the whole); 80 → 24; 40/50 → 24: 84.00
    assert lines[2] == "2023H1 德 20 100 领导评价（权重 60%，1 人评分）：90.0000 90.0000 18.0000"
    assert lines[-2:] == [
        "总分：基本得分 84.0000 → 84.00，+ 加分 0.00 − 减分 0.00 = 84.00",
        "否决：处于试用期",
    ]
    score = Score.objects.get(entry__person__staff_id="000102")
    assert (score.total, score.veto_text, score.veto_reason.code) == (
        Decimal("84.00"),
        "处于试用期",
        "probation",
    )


def test_an_incomplete_breakdown_names_what_is_missing(capsys, scored):
    assert breakdown(capsys, "000105") == [
        "钱七（000105），城关镇，编外聘用 — 考核方案：编外聘用人员考核方案",
        "期间 指标 分值 满分 评价主体 得分 折合分",
        "2023-04 工作任务 60 60 录入得分 54.0000 54.0000",
        "2023-05 工作任务 60 60 录入得分 48.0000 48.0000",
        "2023-05 工作态度 40 100 领导评价（权重 100%，1 人评分）：80.0000 80.0000 32.0000",
        "2023-04 工作态度 未评分 — —",
        "2023-05 基本得分：80.0000（权重 1）",
        "总分：不完整，缺少 1 项指标得分。",
    ]


def test_someone_not_scored_yet_is_not_assessed(capsys, scored):
    assert breakdown(capsys, "000103") == [
        "王五（000103），市财政局，中层干部 — 考核方案：中层干部考核方案",
        "期间 指标 分值 满分 评价主体 得分 折合分",
        "总分：未参加考核（尚无得分）。",
    ]


@pytest.mark.parametrize(
    ("staff_id", "message"),
    [("000106", "孙八 本期没有适用的考核方案"), ("000999", "工号 000999 不在 2023H1 花名册中。")],
)
def test_breakdown_refusals(capsys, scored, staff_id, message):
    run = jixiao(capsys, "breakdown", "--period", PERIOD, "--staff-id", staff_id)
    assert (run.status, run.out, run.err_lines) == (1, "", [message])


# --------------------------------------------------------------------------- totals


def test_totals_lists_the_incomplete_people(capsys, scored):
    assert jixiao_ok(capsys, "totals", "--period", PERIOD).out.splitlines() == [
        "按考核方案计算总分：完整 2 人，不完整 1 人。",
        "  城关镇 钱七（000105）：缺少 1 项指标得分",
    ]
    assert {
        t.entry.person.staff_id: (t.total_cents, t.missing)
        for t in SchemeTotal.objects.select_related("entry__person")
    } == {"000101": (8858, 0), "000102": (8400, 0), "000105": (None, 1)}
    # Only complete totals become period scores; 钱七 has none yet, 王五 was never scored.
    assert dict(Score.objects.values_list("entry__person__staff_id", "source")) == {
        "000101": ScoreSource.SCHEME,
        "000102": ScoreSource.SCHEME,
    }


def test_totals_of_a_period_without_schemes_are_imported(tmp_path, capsys, city):
    jixiao_ok(
        capsys,
        "import",
        "roster",
        write_csv(
            tmp_path / "r.csv",
            [["工号", "姓名", "单位", "人员类别"]] + [["000101", "张三", "市财政局", "一般干部"]],
        ),
        "--period",
        "2023H2",
    )
    before = assessment_dump()
    run = jixiao_ok(capsys, "totals", "--period", "2023H2")
    assert run.out == "2023H2 没有考核方案：总分通过导入获得。\n"
    assert assessment_dump() == before


# --------------------------------------------------------------------------- scheme


def scheme(capsys, *args):
    """``jixiao scheme …`` as operators type it."""
    return jixiao(capsys, "scheme", *args)


@pytest.mark.parametrize("action", ["list", "check"])
def test_the_scheme_command_runs_as_operators_type_it(capsys, city, action):
    run = jixiao(capsys, "scheme", action, "--period", PERIOD)
    assert run.status == 0, run.err


def test_scheme_list_shows_each_scheme_with_its_rater_groups_and_rhythm(capsys, city):
    run = scheme(capsys, "list", "--period", PERIOD)
    assert run.status == 0, run.err
    assert squeezed(run.out) == [
        "考核方案 人员类别 适用 指标数 评价主体 评分周期 检查",
        "一般干部考核方案 一般干部 全市 4 领导评价 60、同事互评 40 按半年评分 正常",
        "中层干部考核方案 中层干部 全市 3 领导评价 50、同事互评 50 按季度评分 正常",
        "编外聘用人员考核方案 编外聘用 全市 2 领导评价 100 按月评分 正常",
    ]
    run = scheme(capsys, "list", "--period", "2024H1")
    assert run.out == "2024H1 没有考核方案。\n"


def test_scheme_check_lists_every_problem_of_every_scheme(capsys, city):
    run = scheme(capsys, "check", "--period", PERIOD)
    assert (run.status, run.out) == (0, "2023H1 的考核方案均检查通过。\n")

    Indicator.objects.filter(scheme=city["一般干部"], name="德").update(weight=10)
    SchemeRaterGroup.objects.filter(scheme=city["一般干部"], group__name="同事互评").update(weight=30)
    Indicator.objects.filter(scheme=city["编外聘用"], name="工作任务").update(weight=70)
    run = scheme(capsys, "check", "--period", PERIOD)
    assert (run.status, run.out) == (1, "")
    assert run.err_lines == [
        "考核方案 一般干部考核方案 无法使用：",
        "  一级指标分值合计为 90，不是 100。",
        "  评价主体权重合计为 90，不是 100。",
        "考核方案 编外聘用人员考核方案 无法使用：",
        "  一级指标分值合计为 110，不是 100。",
        "有 2 个考核方案存在问题。",
    ]
    assert squeezed(scheme(capsys, "list", "--period", PERIOD).out)[1].endswith("有问题")


def test_scheme_list_shows_the_city_scheme_before_a_units_adjustment_of_it(tmp_path, capsys):
    assessment_city(tmp_path, capsys, units_may_adjust=True)
    assert (
        scheme(capsys, "copy", "--period", PERIOD, "--unit", "城关镇", "--category", "一般干部").status == 0
    )
    assert squeezed(scheme(capsys, "list", "--period", PERIOD).out)[1:3] == [
        "一般干部考核方案 一般干部 全市 4 领导评价 60、同事互评 40 按半年评分 正常",
        "一般干部考核方案 一般干部 城关镇 4 领导评价 60、同事互评 40 按半年评分 正常",
    ]


def scheme_shape(scheme: Scheme) -> tuple:
    """Everything a copy must carry over, without ids."""
    return (
        scheme.name,
        scheme.category.name if scheme.category else None,
        scheme.roll_up,
        scheme.trim_from,
        scheme.bonus_cap,
        scheme.penalty_cap,
        sorted(
            (i.name, i.parent.name if i.parent else None, i.weight, i.full_marks, i.method, i.sort_order)
            for i in scheme.indicators.select_related("parent")
        ),
        sorted((g.group.name, g.weight) for g in scheme.rater_groups.select_related("group")),
        sorted(scheme.sub_period_weights.values_list("number", "weight")),
    )


def test_scheme_copy_from_the_previous_period(capsys, city):
    run = scheme(capsys, "copy", "--period", "2023H2", "--from-period", PERIOD)
    assert run.status == 0, run.err
    assert run.out.splitlines() == [
        "已将 一般干部考核方案 复制为 2023H2 一般干部考核方案。",
        "已将 中层干部考核方案 复制为 2023H2 中层干部考核方案。",
        "已将 编外聘用人员考核方案 复制为 2023H2 编外聘用人员考核方案。",
    ]
    copies = {s.category.name: s for s in Scheme.objects.filter(period__code="2023H2")}
    assert {c: scheme_shape(s) for c, s in copies.items()} == {c: scheme_shape(s) for c, s in city.items()}
    assert {c: s.based_on_id for c, s in copies.items()} == {c: s.pk for c, s in city.items()}

    before = assessment_dump()
    again = scheme(capsys, "copy", "--period", "2023H2", "--from-period", PERIOD)
    assert (again.status, again.err_lines) == (1, ["2023H2 已有 一般干部 的考核方案。"])
    assert assessment_dump() == before


def test_scheme_copy_of_one_category_only(capsys, city):
    run = scheme(capsys, "copy", "--period", "2023H2", "--from-period", PERIOD, "--category", "中层干部")
    assert run.out.splitlines() == ["已将 中层干部考核方案 复制为 2023H2 中层干部考核方案。"]
    assert list(Scheme.objects.filter(period__code="2023H2").values_list("category__name", flat=True)) == [
        "中层干部"
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from-period", "2022H1"], "没有代码为 2022H1 的考核期。"),
        (["--from-period", "2023H2", "--category", "一般干部"], "没有可复制的考核方案。"),
        ([], "请指明复制来源：--from-period、--template，或用 --unit 复制为单位调整方案。"),
        (["--template", "全市通用方案"], "请用 --category 指明模板适用的人员类别。"),
        (["--from-period", PERIOD, "--category", "临时工"], "没有名为 临时工 的人员类别。"),
    ],
)
def test_scheme_copy_refusals_write_nothing(capsys, city, arguments, message):
    define_scheme(
        name="全市通用方案",
        period=None,
        indicators=[IndicatorSpec("德", 50), IndicatorSpec("绩", 50, ScoringMethod.UNIT)],
        rater_groups={"领导评价": 100},
    )
    Period.objects.get_or_create(code="2023H2", defaults={"start": "2023-07-01", "end": "2023-12-31"})
    before = assessment_dump()
    run = scheme(capsys, "copy", "--period", "2023H2", *arguments)
    assert (run.status, run.out, run.err_lines) == (1, "", [message])
    assert assessment_dump() == before


def test_an_unknown_template_is_called_a_template(capsys, city):
    run = scheme(capsys, "copy", "--period", PERIOD, "--template", "无此模板", "--category", "工勤技能")
    assert run.status == 1
    [line] = run.err_lines
    assert "无此模板" in line
    assert "模板" in line.replace("无此模板", "")
    assert "单位" not in line


def test_a_city_template_copied_for_a_category_scores_its_people(tmp_path, capsys, city):
    template = define_scheme(
        name="工勤技能人员通用模板",
        period=None,
        indicators=[
            IndicatorSpec("工作任务", 60, ScoringMethod.UNIT, full_marks=60),
            IndicatorSpec("工作态度", 40),
        ],
        rater_groups={"领导评价": 60, "同事互评": 40},
        roll_up=RollUp.QUARTERLY,
    )
    run = scheme(
        capsys, "copy", "--period", PERIOD, "--template", "工勤技能人员通用模板", "--category", "工勤技能"
    )
    assert (run.status, run.out) == (0, "已将 工勤技能人员通用模板 复制为 2023H1 工勤技能人员通用模板。\n")
    copy = Scheme.objects.get(period__code=PERIOD, category__name="工勤技能")
    assert (copy.unit, copy.based_on) == (None, template)
    assert scheme_shape(copy)[2:] == scheme_shape(template)[2:]

    # 孙八, who had no scheme, is now scored by it: Q1 54 + 0.6×90 + 0.4×80 → 54 + 34.4 = 88.4;
    # Q2 60 + 40 = 100; mean 94.20.
    load(
        capsys,
        tmp_path,
        "indicator-scores",
        [["工号", "期间", "工作任务"], ["000106", "一季度", "54"]] + [["000106", "二季度", "60"]],
    )
    load(
        capsys,
        tmp_path,
        "rater-scores",
        [["工号", "评价主体", "评价人", "期间", "工作态度"]]
        + [["000106", "领导评价", "L1", "2023Q1", "90"], ["000106", "同事互评", "T1", "2023Q1", "80"]]
        + [["000106", "领导评价", "L1", "2023Q2", "100"]],
    )
    assert jixiao_ok(capsys, "totals", "--period", PERIOD).out.splitlines() == [
        "按考核方案计算总分：完整 1 人，不完整 0 人。"
    ]
    assert Score.objects.get(entry__person__staff_id="000106").total == Decimal("94.20")


def test_a_unit_may_adjust_the_city_scheme_only_where_the_city_allows_it(capsys, city):
    before = assessment_dump()
    run = scheme(capsys, "copy", "--period", PERIOD, "--unit", "城关镇", "--category", "一般干部")
    assert (run.status, run.err_lines) == (1, ["全市方案 一般干部考核方案 不允许单位调整。"])
    assert assessment_dump() == before


def test_a_units_adjustment_scores_that_units_people(tmp_path, capsys):
    schemes = assessment_city(tmp_path, capsys, units_may_adjust=True)
    run = scheme(capsys, "copy", "--period", PERIOD, "--unit", "城关镇", "--category", "一般干部")
    assert (run.status, run.out) == (0, "已将 一般干部考核方案 复制为 2023H1 一般干部考核方案。\n")
    own = Scheme.objects.get(period__code=PERIOD, unit__name="城关镇")
    assert (own.category.name, own.based_on, own.units_may_adjust) == ("一般干部", schemes["一般干部"], False)
    # The town weighs 德 more and 能 less.
    Indicator.objects.filter(scheme=own, name="德").update(weight=30)
    Indicator.objects.filter(scheme=own, name="能").update(weight=10)
    assert scheme(capsys, "check", "--period", PERIOD).out == "2023H1 的考核方案均检查通过。\n"
    assert "一般干部考核方案 一般干部 城关镇 4 领导评价 60、同事互评 40 按半年评分 正常" in squeezed(
        scheme(capsys, "list", "--period", PERIOD).out
    )
    # The same raw scores for 张三 (市财政局, city scheme) and 赵六 (城关镇, its own):
    # 德 90, 能 60, 重点工作 80, 日常工作 40 of 50.
    rater_rows = [["工号", "评价主体", "评价人", "德", "能"]]
    indicator_rows = [["工号", "重点工作", "日常工作"]]
    for staff_id in ("000101", "000104"):
        rater_rows += [[staff_id, "领导评价", "L1", "90", "60"], [staff_id, "同事互评", "T1", "90", "60"]]
        indicator_rows.append([staff_id, "80", "40"])
    jixiao_ok(
        capsys, "import", "rater-scores", write_xlsx(tmp_path / "r.xlsx", rater_rows), "--period", PERIOD
    )
    jixiao_ok(
        capsys,
        "import",
        "indicator-scores",
        write_xlsx(tmp_path / "i.xlsx", indicator_rows),
        "--period",
        PERIOD,
    )
    jixiao_ok(capsys, "totals", "--period", PERIOD)
    # City: 18 + 12 + 24 + 24 = 78; town: 27 + 6 + 24 + 24 = 81.
    assert dict(Score.objects.values_list("entry__person__staff_id", "total")) == {
        "000101": Decimal("78.00"),
        "000104": Decimal("81.00"),
    }
    assert {
        t.entry.person.staff_id: t.scheme_id for t in SchemeTotal.objects.select_related("entry__person")
    } == {
        "000101": schemes["一般干部"].pk,
        "000104": own.pk,
    }
    assert squeezed(jixiao_ok(capsys, "breakdown", "--period", PERIOD, "--staff-id", "000104").out)[2] == (
        "2023H1 德 30 100 领导评价（权重 60%，1 人评分）：90.0000；同事互评（权重 40%，1 人评分）：90.0000 90.0000 27.0000"
    )
