"""A realistic synthetic city for the demo: bureaus, towns, sub-districts, schools and
hospitals, about 8,000 people with plausible Chinese names, scores and a few vetoes.

Everything is derived from one random seed, so the same seed gives the same city.
"""

import random
from dataclasses import dataclass

from faker import Faker

from jixiao.org.models import UnitKind

BUREAUS = [
    "市委办公室",
    "市政府办公室",
    "市委组织部",
    "市委宣传部",
    "市委统战部",
    "市纪委监委",
    "市委政法委",
    "市发展和改革局",
    "市教育局",
    "市科学技术局",
    "市工业和信息化局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水利局",
    "市农业农村局",
    "市商务局",
    "市文化广电旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市城市管理局",
    "市行政审批服务局",
    "市信访局",
    "市机关事务管理局",
    "市档案馆",
    "市总工会",
    "团市委",
    "市妇联",
    "市科协",
    "市融媒体中心",
    "市公共资源交易中心",
    "市人民法院",
    "市人民检察院",
]
TOWNS = [
    "城关镇",
    "青山镇",
    "河口镇",
    "石桥镇",
    "白沙镇",
    "龙泉镇",
    "新田镇",
    "桃源镇",
    "马坊镇",
    "清水镇",
    "黄岭镇",
    "柳林镇",
    "大坪镇",
    "松溪镇",
    "凤凰镇",
]
SUBDISTRICTS = [
    "东城街道",
    "西城街道",
    "南湖街道",
    "北关街道",
    "新华街道",
    "滨江街道",
    "高新街道",
    "开元街道",
]
SCHOOLS = [
    *[f"市第{n}中学" for n in "一二三四五六"],
    "市实验中学",
    "市实验小学",
    *[f"市第{n}小学" for n in "一二三四五六七八九十"],
    "市职业中等专业学校",
    "市特殊教育学校",
    "市机关幼儿园",
    *[f"{town[:-1]}镇中心小学" for town in TOWNS[:9]],
    *[f"{town[:-1]}镇中学" for town in TOWNS[:6]],
]
HOSPITALS = [
    "市人民医院",
    "市中医院",
    "市第二人民医院",
    "市妇幼保健院",
    "市疾病预防控制中心",
    *[f"{town[:-1]}镇卫生院" for town in TOWNS[:10]],
]

# Category shares and posts per kind of unit, as such units are staffed.
STAFFING = {
    UnitKind.BUREAU: (
        (20, 120),
        [
            ("领导班子成员", 5, ["局长", "副局长", "党组成员"]),
            ("中层干部", 15, ["科长", "副科长", "主任"]),
            ("一般干部", 55, ["科员", "一级科员", "四级主任科员", "二级主任科员"]),
            ("工勤技能", 5, ["驾驶员", "技师"]),
            ("编外聘用", 20, ["辅助人员", "协管员"]),
        ],
    ),
    UnitKind.TOWN: (
        (80, 180),
        [
            ("领导班子成员", 8, ["党委书记", "镇长", "副镇长", "党委委员"]),
            ("中层干部", 12, ["办公室主任", "站长"]),
            ("一般干部", 40, ["科员", "一级科员", "四级主任科员"]),
            ("事业管理", 20, ["管理岗七级", "管理岗八级"]),
            ("编外聘用", 20, ["网格员", "辅助人员"]),
        ],
    ),
    UnitKind.SUBDISTRICT: (
        (50, 100),
        [
            ("领导班子成员", 8, ["党工委书记", "办事处主任", "副主任"]),
            ("中层干部", 12, ["科长", "社区书记"]),
            ("一般干部", 40, ["科员", "一级科员"]),
            ("事业管理", 20, ["管理岗八级"]),
            ("编外聘用", 20, ["网格员", "社区专职工作者"]),
        ],
    ),
    UnitKind.SCHOOL: (
        (40, 120),
        [
            ("领导班子成员", 4, ["校长", "副校长", "党支部书记"]),
            ("中层干部", 8, ["教务主任", "德育主任", "年级组长"]),
            ("专业技术", 75, ["二级教师", "一级教师", "高级教师", "班主任"]),
            ("工勤技能", 5, ["后勤人员", "校医"]),
            ("编外聘用", 8, ["代课教师", "保育员"]),
        ],
    ),
    UnitKind.HOSPITAL: (
        (50, 160),
        [
            ("领导班子成员", 2, ["院长", "副院长", "党委书记"]),
            ("中层干部", 8, ["科室主任", "护士长"]),
            ("专业技术", 75, ["住院医师", "主治医师", "副主任医师", "护师", "主管护师", "药师"]),
            ("事业管理", 5, ["管理岗七级"]),
            ("工勤技能", 5, ["驾驶员", "电工"]),
            ("编外聘用", 5, ["护工", "辅助人员"]),
        ],
    ),
}
LARGE_HOSPITALS = {"市人民医院": 600, "市中医院": 320}
CATEGORY_ORDER = ["领导班子成员", "中层干部", "一般干部", "事业管理", "专业技术", "工勤技能", "编外聘用"]

SPECIAL_REASONS = [
    "在2023年上半年防汛抗旱工作中连续奋战一线，组织转移受威胁群众三百余人，确保零伤亡，表现突出。",
    "牵头完成全市营商环境评价迎检工作，相关指标进入全省前列，受到省级通报表扬。",
    "在突发公共卫生事件处置中主动请缨，连续值守四十余天，圆满完成流调溯源任务。",
    "指导学生参加全省青少年科技创新大赛获一等奖两项，教学成绩连续三年位居全市第一。",
    "成功抢救多名危重患者，带领团队开展新技术三项，填补本市医疗技术空白。",
    "化解积案信访事项十二件，其中两件为中央督办件，群众满意度大幅提升。",
]


@dataclass(frozen=True)
class DemoUnit:
    name: str
    kind: str
    parent: str | None
    size: int


@dataclass(frozen=True)
class DemoPerson:
    staff_id: str
    name: str
    gender: str
    unit: str
    category: str
    post: str
    total: str
    veto: str


def demo_units(rng: random.Random, people: int) -> list[DemoUnit]:
    plan = (
        [(n, UnitKind.BUREAU, None) for n in BUREAUS]
        + [(n, UnitKind.TOWN, None) for n in TOWNS]
        + [(n, UnitKind.SUBDISTRICT, None) for n in SUBDISTRICTS]
        + [(n, UnitKind.SCHOOL, "市教育局") for n in SCHOOLS]
        + [(n, UnitKind.HOSPITAL, "市卫生健康委员会") for n in HOSPITALS]
    )
    raw = []
    for name, kind, parent in plan:
        low, high = STAFFING[kind][0]
        raw.append((name, kind, parent, LARGE_HOSPITALS.get(name) or rng.randint(low, high)))
    scale = people / sum(size for *_, size in raw)
    return [DemoUnit(name, kind, parent, max(3, round(size * scale))) for name, kind, parent, size in raw]


def demo_people(rng: random.Random, units: list[DemoUnit], veto_reasons: list[str]) -> list[DemoPerson]:
    faker = Faker("zh_CN")
    faker.seed_instance(rng.randint(0, 2**31))
    people = []
    for unit in units:
        categories = STAFFING[unit.kind][1]
        weights = [share for _name, share, _posts in categories]
        # Each unit scores in its own habit: some in halves, most to two decimals.
        step = rng.choice([0.5, 0.1, 0.01, 0.01])
        centre = rng.uniform(84, 91)
        for _ in range(unit.size):
            category, _share, posts = rng.choices(categories, weights)[0]
            gender = rng.choice("MF")
            name = faker.name_male() if gender == "M" else faker.name_female()
            total = min(99.5, max(60.0, rng.gauss(centre, 4)))
            total = round(round(total / step) * step, 2)
            veto = rng.choice(veto_reasons) if rng.random() < 0.006 else ""
            people.append(
                DemoPerson(
                    staff_id=f"{len(people) + 1:06d}",
                    name=name,
                    gender="男" if gender == "M" else "女",
                    unit=unit.name,
                    category=category,
                    post=rng.choice(posts),
                    total=f"{total:.2f}",
                    veto=veto,
                )
            )
    return people
