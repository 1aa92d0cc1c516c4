"""The demo's exemplar profiles: generated placeholder portraits, 事迹 and quotes, written
through the same profile actions a unit's office uses (so they are checked and audited).

The portraits are drawings (:func:`jixiao.showcase.photos.placeholder_portrait`), never a
real face; the 事迹 are put together from phrases of the kind units write.
"""

import random

from jixiao.assessment.models import Period
from jixiao.core.text import character_count
from jixiao.org.access import Operator
from jixiao.org.models import Gender, UnitKind
from jixiao.selection.models import Candidate, Route
from jixiao.showcase import profiles
from jixiao.showcase.actions import save_profile
from jixiao.showcase.models import ACHIEVEMENTS_MAX, ACHIEVEMENTS_MIN
from jixiao.showcase.photos import placeholder_portrait, portrait_from_upload

ACTOR = Operator("demo")

OPENINGS = [
    "该同志参加工作{years}年来，始终坚守{field}一线，爱岗敬业、担当作为。",
    "该同志政治立场坚定，业务能力扎实，在{field}岗位上勤勉尽责、久久为功。",
    "该同志从事{field}工作{years}年，始终把群众满意作为工作的出发点和落脚点。",
]
DEEDS = {
    UnitKind.BUREAU: [
        "上半年牵头起草重要文稿和政策文件{n}份，其中{m}份被上级部门转发推广。",
        "主动对接重点项目{n}个，建立“一项目一专班”工作机制，推动项目按期开工。",
        "全程参与营商环境优化提升行动，梳理办事堵点{n}项，办理时限平均压缩{pct}%。",
        "牵头开展专项督查{n}次，发现并推动整改问题{m}个，整改完成率100%。",
    ],
    UnitKind.TOWN: [
        "深入村组走访农户{n}余户，协调解决群众急难愁盼问题{m}件。",
        "在防汛防台工作中连续值守，组织转移群众{n}人，实现零伤亡。",
        "牵头推进人居环境整治，完成村庄整治提升{m}个，群众满意度达{pct}%。",
        "扎实推进产业振兴，引进农业项目{m}个，带动村集体增收{n}万元。",
    ],
    UnitKind.SUBDISTRICT: [
        "扎根社区网格，上半年走访居民{n}余户，化解矛盾纠纷{m}起。",
        "牵头老旧小区改造协调工作，推动完成加装电梯{m}台，惠及居民{n}户。",
        "组织志愿服务活动{m}场，服务群众{n}人次，社区治理水平明显提升。",
    ],
    UnitKind.SCHOOL: [
        "承担{m}个班级的教学任务，所带班级学业水平测试成绩位居全市前列。",
        "指导学生参加各级竞赛获奖{m}项，开设公开课、示范课{n}节。",
        "主持市级课题{m}项，撰写的教学论文获市级一等奖，带动青年教师共同成长。",
    ],
    UnitKind.HOSPITAL: [
        "上半年完成门诊诊疗{n}余人次、手术{m}台，无一例医疗差错。",
        "成功抢救危重患者{m}名，带领团队开展新技术、新项目{m}项。",
        "下沉基层开展义诊{m}次，服务群众{n}人次，切实提升群众就医获得感。",
    ],
    UnitKind.OTHER: [
        "上半年高质量完成各项工作任务{n}项，多项工作得到上级肯定。",
        "主动承担急难险重任务{m}项，加班加点、任劳任怨。",
    ],
}
CLOSINGS = [
    "其事迹在单位内外产生了良好反响，充分发挥了先锋模范作用。",
    "工作中严于律己、团结同事，群众评价满意率达{pct}%，是同事们学习的榜样。",
    "该同志始终以“干就干好、争创一流”的标准要求自己，用实际行动诠释了新时代干部的责任与担当。",
]
QUOTES = [
    "把群众的小事当作自己的大事来办。",
    "干一行、爱一行、精一行。",
    "功成不必在我，功成必定有我。",
    "岗位就是责任，平凡也能出彩。",
    "把每一件小事做细做实，就是最好的担当。",
    "",
]
FIELDS = {
    UnitKind.BUREAU: "机关业务",
    UnitKind.TOWN: "基层治理",
    UnitKind.SUBDISTRICT: "社区服务",
    UnitKind.SCHOOL: "教育教学",
    UnitKind.HOSPITAL: "医疗卫生",
    UnitKind.OTHER: "本职",
}


def demo_achievements(rng: random.Random, kind: str, special_reason: str = "") -> str:
    """事迹 of 100–500 characters: an opening, deeds of the unit's kind, a closing (a special
    nomination's reason stands among the deeds)."""

    def fill(phrase: str) -> str:
        return phrase.format(
            years=rng.randint(5, 28),
            field=FIELDS.get(kind, "本职"),
            n=rng.randint(20, 400),
            m=rng.randint(2, 15),
            pct=rng.randint(92, 99),
        )

    deeds = [fill(p) for p in rng.sample(DEEDS.get(kind, DEEDS[UnitKind.OTHER]), k=2)]
    if special_reason:
        deeds.insert(0, special_reason)
    text = fill(rng.choice(OPENINGS)) + "".join(deeds) + fill(rng.choice(CLOSINGS))
    while character_count(text) < ACHIEVEMENTS_MIN:
        text += fill(rng.choice(DEEDS[UnitKind.OTHER]))
    return text[:ACHIEVEMENTS_MAX]


def write_demo_profiles(period: Period, rng: random.Random) -> int:
    """A profile with a placeholder portrait, 事迹 and (mostly) a quote for every approved
    candidate of a decided, announced or published list. Returns how many."""
    candidates = (
        Candidate.objects.kept()
        .filter(proposal__period=period, proposal__state__in=profiles.DECIDED_STATES)
        .select_related("person", "proposal__unit", "proposal__period")
        .order_by("proposal__unit__sort_order", "person__staff_id")
    )
    count = 0
    for candidate in candidates:
        unit = candidate.proposal.unit
        special = candidate.reason.strip() if candidate.route == Route.SPECIAL else ""
        # One in ten without a photo or a quote, as real units leave some gaps.
        portrait = None
        if rng.random() < 0.9:
            data = placeholder_portrait(
                candidate.person.staff_id, long_hair=candidate.gender == Gender.FEMALE
            )
            portrait = portrait_from_upload(data)
        save_profile(
            candidate,
            profiles.ProfileText(
                post=candidate.post,
                achievements=demo_achievements(rng, unit.kind, special),
                quote=rng.choice(QUOTES),
            ),
            acting_user=ACTOR,
            image=portrait,
            filename=f"{candidate.name}.jpg",
            size=len(data) if portrait else 0,
            generated=True,
        )
        count += 1
    return count


def published_count(period: Period) -> int:
    return Candidate.objects.exemplars().filter(proposal__period=period).count()
