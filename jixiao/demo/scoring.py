"""The demo city's full-staff assessment: one scheme per personnel category and the raw
scores behind every total — raters' scores, objective figures, units' scores, bonus,
penalty and veto items — so that every demo total has a breakdown."""

import random
from dataclasses import dataclass

from jixiao.assessment.actions import define_scheme
from jixiao.assessment.models import AdjustmentKind, Period, RollUp, ScoringMethod
from jixiao.assessment.schemes import IndicatorSpec, leaves
from jixiao.org.models import Category

RATERS, OBJECTIVE, UNIT = ScoringMethod.RATERS, ScoringMethod.OBJECTIVE, ScoringMethod.UNIT


def de_neng_qin_ji_lian(ji_children: list[IndicatorSpec]) -> list[IndicatorSpec]:
    """德、能、勤、绩、廉, the classic five, with 绩 split into work items."""
    return [
        IndicatorSpec("德", 15),
        IndicatorSpec("能", 15),
        IndicatorSpec("勤", 10),
        IndicatorSpec("绩", 50, children=ji_children),
        IndicatorSpec("廉", 10),
    ]


KEY_AND_DAILY = [IndicatorSpec("重点工作", 30, OBJECTIVE), IndicatorSpec("日常工作", 20, UNIT)]
THREE_GROUPS = {"领导评价": 40, "同事互评": 40, "服务对象评价": 20}

# category → (scheme name, indicators, rater group weights, scoring rhythm)
DEMO_SCHEMES = {
    "领导班子成员": (
        "领导班子成员考核方案",
        de_neng_qin_ji_lian(KEY_AND_DAILY),
        {"领导评价": 50, "同事互评": 50},
        RollUp.HALF_YEAR,
    ),
    "中层干部": ("中层干部考核方案", de_neng_qin_ji_lian(KEY_AND_DAILY), THREE_GROUPS, RollUp.HALF_YEAR),
    "一般干部": ("一般干部考核方案", de_neng_qin_ji_lian(KEY_AND_DAILY), THREE_GROUPS, RollUp.QUARTERLY),
    "事业管理": ("事业管理人员考核方案", de_neng_qin_ji_lian(KEY_AND_DAILY), THREE_GROUPS, RollUp.QUARTERLY),
    "专业技术": (
        "专业技术人员考核方案",
        [
            IndicatorSpec("重点工作", 40, OBJECTIVE),
            IndicatorSpec("日常工作", 30, UNIT),
            IndicatorSpec("综合评价", 30),
        ],
        {"领导评价": 30, "同事互评": 50, "服务对象评价": 20},
        RollUp.QUARTERLY,
    ),
    "工勤技能": (
        "工勤技能人员考核方案",
        [IndicatorSpec("工作任务", 60, UNIT, full_marks=60), IndicatorSpec("工作态度", 40)],
        {"领导评价": 60, "同事互评": 40},
        RollUp.HALF_YEAR,
    ),
    "编外聘用": (
        "编外聘用人员考核方案",
        [IndicatorSpec("工作任务", 60, UNIT, full_marks=60), IndicatorSpec("工作态度", 40)],
        {"领导评价": 60, "同事互评": 40},
        RollUp.MONTHLY,
    ),
}

# Rater quality (``reports.rater_quality``) has something to show in the demo: every rater of
# one town scores its people higher, one bureau's first leader scores everybody well above
# the other leaders, and one town's first leader gives everybody the same score.
LENIENT_UNIT, LENIENT_UNIT_POINTS = "青山镇", 6
LENIENT_LEADER_UNIT, LENIENT_LEADER_POINTS = "市交通运输局", 20
SAME_SCORE_LEADER_UNIT, SAME_SCORE_SHARE = "龙泉镇", 0.8

BONUS_REASONS = ["获市级表彰", "参与抗洪抢险表现突出", "信息被省级刊物采用", "获全省业务技能竞赛二等奖"]
PENALTY_REASONS = ["迟到早退被通报", "材料报送超期", "被群众投诉经核实"]


def define_demo_schemes(period: Period, *, acting_user) -> dict[int, object]:
    """One city scheme per category of the demo, the 绩 items of 一般干部 open to unit
    adjustment, online rating allowing top marks to 30 % of the people a rater scores;
    returns category id → scheme."""
    schemes = {}
    for category in Category.objects.filter(name__in=DEMO_SCHEMES):
        name, indicators, groups, rhythm = DEMO_SCHEMES[category.name]
        schemes[category.pk] = define_scheme(
            acting_user=acting_user,
            name=f"{period.code} {name}",
            period=period,
            category=category,
            indicators=indicators,
            rater_groups=groups,
            roll_up=rhythm,
            units_may_adjust=category.name == "一般干部",
            # As many cities rule: at most 30 % 优秀 (90 % of full marks) from each rater.
            top_mark_share=30,
        )
    return schemes


@dataclass
class DemoEntry:
    entry_id: int
    staff_id: str
    unit: str
    category_id: int
    ability: float
    veto: str


@dataclass
class RawScores:
    rater: list[tuple]
    direct: list[tuple]
    adjustments: list[tuple]  # entry, kind, points, reason
    vetoes: list[tuple]  # entry, text


def demo_raw_scores(rng: random.Random, entries: list[DemoEntry], schemes: dict, leaders: dict) -> RawScores:
    """Scores around each person's ability, from 2–4 leaders, 3–7 colleagues and 0–4
    service users per indicator; a few people joined mid-period, a few are incomplete."""
    raw = RawScores([], [], [], [])
    colleagues: dict[str, list[str]] = {}
    for entry in entries:
        colleagues.setdefault(entry.unit, []).append(entry.staff_id)
    plans = {}
    for category_id, scheme in schemes.items():
        scored = leaves(scheme.indicators.all())
        groups = {g.group.name: g.group_id for g in scheme.rater_groups.select_related("group")}
        plans[category_id] = (scheme, scored, groups)

    # The planted raters: the first leader of their unit (no one, where the unit has none).
    planted = {
        unit: leaders[unit][0] for unit in (LENIENT_LEADER_UNIT, SAME_SCORE_LEADER_UNIT) if leaders.get(unit)
    }

    def planted_bias(unit: str, rater: str) -> float:
        bias = LENIENT_UNIT_POINTS if unit == LENIENT_UNIT else 0
        if rater == planted.get(LENIENT_LEADER_UNIT):
            bias += LENIENT_LEADER_POINTS
        return bias

    def mark(centre: float, step: float, top: float) -> int:
        value = min(top, max(0.6 * top, rng.gauss(centre, 3) * top / 100))
        return int(round(round(value / step) * step * 100))

    for entry in entries:
        scheme, scored, groups = plans[entry.category_id]
        sub_periods = list(range(1, scheme.sub_period_count + 1))
        if len(sub_periods) > 1 and rng.random() < 0.02:
            sub_periods = sub_periods[len(sub_periods) // 2 :]  # joined mid-period
        skip = rng.choice(scored) if rng.random() < 0.003 else None  # left incomplete
        pools = {
            "领导评价": [s for s in leaders.get(entry.unit, []) if s != entry.staff_id][:4]
            or [s for s in colleagues[entry.unit] if s != entry.staff_id][:2],
            "同事互评": [s for s in colleagues[entry.unit] if s != entry.staff_id],
            "服务对象评价": [f"FW{n:03d}" for n in range(1, 40)],
        }
        sizes = {"领导评价": (2, 4), "同事互评": (3, 7), "服务对象评价": (0, 4)}
        for number in sub_periods:
            for indicator in scored:
                if indicator == skip:
                    continue
                top = float(indicator.full_marks)
                if indicator.method != RATERS:
                    raw.direct.append((entry.entry_id, indicator.pk, number, mark(entry.ability, 0.5, top)))
                    continue
                for group_name, group_id in groups.items():
                    low, high = sizes[group_name]
                    pool = pools[group_name]
                    for rater in rng.sample(pool, min(len(pool), rng.randint(low, high))):
                        score = mark(
                            entry.ability + rng.gauss(0, 2) + planted_bias(entry.unit, rater), 1, top
                        )
                        if rater == planted.get(SAME_SCORE_LEADER_UNIT):
                            score = int(round(top * SAME_SCORE_SHARE * 100))
                        raw.rater.append((entry.entry_id, indicator.pk, number, group_id, rater, score))
        if rng.random() < 0.05:
            raw.adjustments.append(
                (entry.entry_id, AdjustmentKind.BONUS, rng.choice([1, 1.5, 2, 3]), rng.choice(BONUS_REASONS))
            )
        if rng.random() < 0.03:
            raw.adjustments.append(
                (entry.entry_id, AdjustmentKind.PENALTY, rng.choice([0.5, 1, 2]), rng.choice(PENALTY_REASONS))
            )
        if entry.veto:
            raw.vetoes.append((entry.entry_id, entry.veto))
    return raw
