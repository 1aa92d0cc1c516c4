"""Rater quality (``reports.rater_quality``): the database's measures equal the reference
model's (``reports.quality_model.reference``, score by score in Python) on generated cities,
the planted lenient rater, identical rater and lenient unit are flagged, and the pages and
downloads show it to the city office and to each unit's office (its own unit only).

The generated city (seeded): 市财政局, 城关镇 and 市教育局, each with 8 一般干部 and 4 中层干部.
一般干部 are scored quarterly on 德 (of 100 marks) and 能 (of 50) by 2–3 of the unit's three
leaders, 3–6 colleagues and 0–3 of six service users shared by the whole city (trimmed from 5
raters; 城关镇 has its own adjustment of the scheme, trimmed from 4); 中层干部 once on 综合评价
(of 20) by 1–4 leaders (trimmed from 3). Most raters score in whole marks, so ties are common.
Planted: 市财政局's leader L01 scores 15 points above his ability; 市教育局's leader L22 gives
everybody 80 % of full marks; every rater of 城关镇 scores 8 points higher. Scores the totals
ignore are there too: on the objective indicator 绩, from a group outside the scheme, and of
another period.
"""

import io
import math
import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.conf import settings
from openpyxl import load_workbook

from jixiao.assessment.actions import get_or_create_period
from jixiao.assessment.models import (
    Indicator,
    Period,
    RaterGroup,
    RaterScore,
    RollUp,
    RosterEntry,
    ScoringMethod,
)
from jixiao.assessment.schemes import IndicatorSpec, define_scheme, leaves
from jixiao.org.access import Operator
from jixiao.org.models import Category, Person, RoleKind, Unit
from jixiao.reports import quality_flags, quality_views, rater_quality
from jixiao.reports.quality_flags import Flag
from jixiao.reports.quality_model import Row, reference
from tests.workflow_city import make_user

pytestmark = pytest.mark.django_db

PERIOD = "2032H1"
OTHER_PERIOD = "2031H2"
LEADERS, PEERS, USERS = "领导评价", "同事互评", "服务对象评价"
UNITS = ("市财政局", "城关镇", "市教育局")
PREFIXES = ("F", "C", "E")
GENERAL, MIDDLE = "一般干部", "中层干部"
LENIENT_RATER = "L01"  # 市财政局's first leader
IDENTICAL_RATER = "L22"  # 市教育局's second leader
LENIENT_UNIT = 1  # 城关镇
TOLERANCE = 1e-9


@dataclass
class QualityCity:
    period: Period
    units: list[Unit]
    rows: list[Row]  # the counted scores, as the generator made them


def _mark(rng: random.Random, centre: float, full: int, step: float = 1) -> int:
    """A score in cents around ``centre`` percent of ``full`` marks, on a step of marks."""
    value = min(full, max(0.5 * full, rng.gauss(centre, 4) * full / 100))
    return int(round(round(value / step) * step * 100))


def build_city(seed: int) -> QualityCity:
    rng = random.Random(seed)
    operator = Operator("test")
    period, _ = get_or_create_period(PERIOD, acting_user=operator)
    other, _ = get_or_create_period(OTHER_PERIOD, acting_user=operator)
    units = [Unit.objects.create(name=name, sort_order=i + 1) for i, name in enumerate(UNITS)]
    general = Category.objects.create(name=GENERAL, sort_order=1)
    middle = Category.objects.create(name=MIDDLE, sort_order=2)
    general_indicators = [
        IndicatorSpec("德", 40),
        IndicatorSpec("能", 30, full_marks=50),
        IndicatorSpec("绩", 30, ScoringMethod.OBJECTIVE),
    ]
    groups = {LEADERS: 40, PEERS: 40, USERS: 20}
    schemes = {
        (GENERAL, None): define_scheme(
            name="一般干部考核方案",
            period=period,
            category=general,
            indicators=general_indicators,
            rater_groups=groups,
            roll_up=RollUp.QUARTERLY,
            trim_from=5,
        ),
        (GENERAL, 1): define_scheme(
            name="城关镇一般干部考核方案",
            period=period,
            category=general,
            unit=units[1],
            indicators=general_indicators,
            rater_groups=groups,
            roll_up=RollUp.QUARTERLY,
            trim_from=4,
        ),
        (MIDDLE, None): define_scheme(
            name="中层干部考核方案",
            period=period,
            category=middle,
            indicators=[IndicatorSpec("综合评价", 100, full_marks=20)],
            rater_groups={LEADERS: 100},
            trim_from=3,
        ),
    }
    group_ids = dict(RaterGroup.objects.values_list("name", "pk"))
    stored, counted = [], []
    for u, unit in enumerate(units):
        leaders = [f"L{u}{k}" for k in range(1, 4)]
        people = []
        for number in range(1, 13):
            category = general if number <= 8 else middle
            person = Person.objects.create(
                staff_id=f"{PREFIXES[u]}{number:02d}", name=f"{unit.name[:2]}{number}"
            )
            entry = RosterEntry.objects.create(period=period, person=person, unit=unit, category=category)
            people.append((entry, category, rng.uniform(75, 92)))
        colleagues = [e.person.staff_id for e, c, _a in people if c == general]
        for entry, category, ability in people:
            key = (category.name, u if category == general and u == 1 else None)
            scheme = schemes[key]
            rated = [i for i in leaves(scheme.indicators.all()) if i.method == ScoringMethod.RATERS]
            if category == general:
                pools = {
                    LEADERS: (leaders, 2, 3),
                    PEERS: ([c for c in colleagues if c != entry.person.staff_id], 3, 6),
                    USERS: ([f"FW{k}" for k in range(1, 7)], 0, 3),
                }
            else:
                pools = {LEADERS: (leaders, 1, 4)}
            sub_periods = range(1, scheme.sub_period_count + 1)
            for sub_period in sub_periods:
                for indicator in rated:
                    full = int(indicator.full_marks)
                    for group, (pool, low, high) in pools.items():
                        for rater in rng.sample(pool, rng.randint(low, min(high, len(pool)))):
                            centre = ability + (8 if u == LENIENT_UNIT else 0)
                            if rater == LENIENT_RATER:
                                centre += 15
                            cents = _mark(rng, centre, full, 0.5 if rng.random() < 0.3 else 1)
                            if rater == IDENTICAL_RATER:
                                cents = full * 80
                            row = (entry.pk, indicator.pk, sub_period, group_ids[group], rater, cents)
                            stored.append(row)
                            counted.append(
                                Row(
                                    unit_id=unit.pk,
                                    category_id=category.pk,
                                    entry_id=entry.pk,
                                    indicator=indicator.name,
                                    indicator_id=indicator.pk,
                                    sub_period=sub_period,
                                    group_id=group_ids[group],
                                    rater=rater,
                                    score_cents=cents,
                                    full_cents=full * 100,
                                    trim_from=scheme.trim_from,
                                )
                            )
            objective = scheme.indicators.filter(method=ScoringMethod.OBJECTIVE).first()
            if objective is not None:  # ignored: not rater-scored
                stored.append((entry.pk, objective.pk, 1, group_ids[LEADERS], leaders[0], 10_000))
            if category == middle:  # ignored: a group outside the scheme
                stored.append((entry.pk, rated[0].pk, 1, group_ids[USERS], "FW1", 2_000))
    # Another period's scores by the same raters: ignored.
    person = Person.objects.get(staff_id="F01")
    earlier = RosterEntry.objects.create(period=other, person=person, unit=units[0], category=general)
    old = define_scheme(
        name="上期方案",
        period=other,
        category=general,
        indicators=[IndicatorSpec("德", 100)],
        rater_groups=groups,
    )
    stored += [
        (earlier.pk, old.indicators.get().pk, 1, group_ids[LEADERS], rater, 10_000)
        for rater in ("L01", "L02")
    ]
    RaterScore.objects.bulk_create(
        RaterScore(entry_id=e, indicator_id=i, sub_period=t, group_id=g, rater=r, score_cents=c)
        for e, i, t, g, r, c in stored
    )
    return QualityCity(period, units, counted)


@pytest.fixture
def city():
    return build_city(2032)


# ---------------------------------------------------------------------------------------
# The numbers


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


NUMBERS = ("mean_score", "spread", "lowest", "highest", "mean_offset")


def assert_same(got, expected) -> None:
    for name in expected.__dataclass_fields__:
        if name in {"flags", "identical_raters", "flagged_raters"}:
            continue
        a, b = getattr(got, name), getattr(expected, name)
        if isinstance(b, float) or name in NUMBERS or name in {"city_mean"}:
            assert close(a, b), (name, got, expected)
        else:
            assert a == b, (name, got, expected)


def measure(period, unit_ids=None):
    with rater_quality.measured(period, unit_ids) as m:
        return list(m.raters()), m.groups(), m.leniency()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_database_measures_every_rater_group_and_unit_as_the_reference_does(seed):
    city = build_city(seed)
    expected = reference(city.rows)
    raters, groups, leniency = measure(city.period)

    assert {(r.unit_id, r.group_id, r.rater) for r in raters} == set(expected.raters)
    for rater in raters:
        assert_same(rater, expected.raters[rater.unit_id, rater.group_id, rater.rater])
    assert {(g.unit_id, g.group_id) for g in groups} == set(expected.groups)
    for group in groups:
        assert_same(group, expected.groups[group.unit_id, group.group_id])
    assert {(r.unit_id, r.category_id) for r in leniency} == set(expected.leniency)
    for row in leniency:
        assert_same(row, expected.leniency[row.unit_id, row.category_id])
        assert close(row.leniency, expected.leniency[row.unit_id, row.category_id].leniency)
    # Ties make trimming drop nobody's own score now and then; every trimmed cell drops at most
    # one single highest and one single lowest.
    assert sum(r.trimmable for r in raters) > sum(r.single_highest + r.single_lowest for r in raters) > 0

    # One unit's raters: the same numbers, and its leniency still against the whole city.
    unit = city.units[0]
    own_raters, own_groups, own_leniency = measure(city.period, [unit.pk])
    for own, whole in (
        (own_raters, [r for r in raters if r.unit_id == unit.pk]),
        (own_groups, [g for g in groups if g.unit_id == unit.pk]),
        (own_leniency, [r for r in leniency if r.unit_id == unit.pk]),
    ):
        assert len(own) == len(whole) > 0
        for a, b in zip(own, whole, strict=True):
            assert_same(a, b)  # summed in another order: equal to the last bits or so


def test_a_worked_cell_ties_and_the_single_extremes():
    """One person, one indicator of 100 marks, five peers (trimmed from 5): 95, 90, 90, 80,
    60. P1's offset from the other four (mean 80) is +15, P5's from theirs (88.75) −28.75;
    nobody but P1 and P5 is a single extreme; with 95 changed to 90 the top is tied and nobody is the single highest."""
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    unit = Unit.objects.create(name="市财政局")
    category = Category.objects.create(name=GENERAL)
    scheme = define_scheme(
        name="方案",
        period=period,
        category=category,
        indicators=[IndicatorSpec("德", 100)],
        rater_groups={PEERS: 100},
    )
    person = Person.objects.create(staff_id="F01", name="甲")
    entry = RosterEntry.objects.create(period=period, person=person, unit=unit, category=category)
    indicator = Indicator.objects.get(scheme=scheme)
    group = RaterGroup.objects.get(name=PEERS)
    scores = {"P1": 9500, "P2": 9000, "P3": 9000, "P4": 8000, "P5": 6000}
    RaterScore.objects.bulk_create(
        RaterScore(entry=entry, indicator=indicator, sub_period=1, group=group, rater=r, score_cents=c)
        for r, c in scores.items()
    )
    raters = {r.rater: r for r in measure(period)[0]}
    assert raters["P1"].mean_offset == 15.0 and raters["P1"].single_highest == 1
    assert raters["P5"].mean_offset == pytest.approx(-28.75) and raters["P5"].single_lowest == 1
    assert raters["P2"].mean_offset == pytest.approx(8.75)  # 90 against (95 + 90 + 80 + 60) / 4
    assert sum(r.single_highest + r.single_lowest for r in raters.values()) == 2
    assert all(r.trimmable == 1 and r.people == 1 for r in raters.values())

    RaterScore.objects.filter(rater="P1").update(score_cents=9000)
    raters = {r.rater: r for r in measure(period)[0]}
    assert sum(r.single_highest for r in raters.values()) == 0
    assert raters["P5"].single_lowest == 1


# ---------------------------------------------------------------------------------------
# The flags


def test_the_planted_raters_and_unit_are_flagged(city):
    report = rater_quality.build_report(city.period)
    flagged = {(report.unit_name(r.unit_id), r.rater): r.flags for r in report.raters}
    assert Flag.HIGH in flagged["市财政局", LENIENT_RATER]
    assert Flag.IDENTICAL in flagged["市教育局", IDENTICAL_RATER]
    units = {u.unit: u for u in report.units}
    town = units["城关镇"]
    assert town.leniency >= quality_flags.UNIT_LENIENCY_POINTS and Flag.HIGH in town.flags
    # Flagged units first, then by leniency.
    assert report.units[0].flags
    assert [u.unit for u in report.units if u.flags][0] == "城关镇"
    assert report.flagged_rater_count == len(report.raters) >= 2
    assert report.rater_count > report.flagged_rater_count
    # The rest of the city scores below the lenient unit, so it sits low against it.
    assert units["市财政局"].leniency < 0 and units["市教育局"].leniency < 0


# ---------------------------------------------------------------------------------------
# The pages and downloads


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def svgs(html: str) -> list[ET.Element]:
    """The charts of a page, parsed as XML."""
    return [ET.fromstring(match) for match in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


def texts(svg: ET.Element) -> list[str]:
    return [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text") if t.text]


def table_rows(html: str, table_id: str) -> list[str]:
    body = re.search(rf'<table class="data" id="{table_id}">.*?<tbody>(.*?)</tbody>', html, flags=re.S)[1]
    return re.findall(r"<tr.*?</tr>", body, flags=re.S)


def sheet(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_city_office_sees_the_flagged_units_and_raters_first(client, city):
    # A rater code a spreadsheet would take for a formula.
    entry = RosterEntry.objects.get(person__staff_id="E03")
    indicator = Indicator.objects.get(scheme__name="一般干部考核方案", name="德")
    RaterScore.objects.create(
        entry=entry, indicator=indicator, sub_period=1, group=RaterGroup.objects.get(name=USERS),
        rater="=1+1", score_cents=9000,
    )  # fmt: skip
    admin = make_user("admin", RoleKind.CITY_ADMIN)
    english(client).force_login(admin)
    html = client.get(f"/reports/{PERIOD}/rater-quality/").content.decode()
    report = rater_quality.report(city.period)

    flagged_units = table_rows(html, "flagged-units")
    assert len(flagged_units) == len(report.flagged_units) >= 1 and "城关镇" in flagged_units[0]
    units = table_rows(html, "units")
    assert len(units) == 3 and "城关镇" in units[0] and "scores high" in units[0]
    town = next(u for u in report.units if u.unit == "城关镇")
    assert f"+{town.leniency:.1f}" in units[0]
    raters = table_rows(html, "raters")
    assert len(raters) == report.flagged_rater_count
    lenient = next(r for r in raters if f">{LENIENT_RATER}<" in r)
    assert "市财政局" in lenient and "scores high" in lenient
    assert any(f">{IDENTICAL_RATER}<" in r and "same score for everyone" in r for r in raters)
    assert f">{report.flagged_rater_count}</b><span>raters to look at" in html

    charts = svgs(html)
    assert [c.get("aria-label") for c in charts] == [
        "Raters by their mean offset from their colleagues",
        "Units' leniency against the rest of the city",
    ]
    assert {"城关镇", "市财政局", "市教育局"} <= set(texts(charts[1]))

    rows = sheet(client.get(f"/reports/{PERIOD}/rater-quality/units.xlsx"))
    assert rows[0] == tuple(c.header for c in quality_views.UNIT_COLUMNS)
    first = rows[1]
    assert first[:2] == ("城关镇", "合计") and first[6] == round(town.leniency, 1) and first[-1] == "偏高"
    assert {(r[0], r[1]) for r in rows[1:]} >= {("城关镇", GENERAL), ("城关镇", MIDDLE), ("市财政局", "合计")}

    rows = sheet(client.get(f"/reports/{PERIOD}/rater-quality/raters.xlsx"))
    assert rows[0] == tuple(c.header for c in quality_views.RATER_COLUMNS)
    assert len(rows) - 1 == report.rater_count
    flagged = [r for r in rows[1:] if r[-1]]
    assert rows[1 : len(flagged) + 1] == flagged  # flagged first
    measured = next(r for r in report.raters if r.rater == LENIENT_RATER)
    row = next(r for r in rows if r[2] == LENIENT_RATER and r[0] == "市财政局")
    assert row[3:8] == (
        measured.people,
        measured.scores,
        round(measured.mean_score, 1),
        round(measured.mean_offset, 1),
        round(measured.spread, 1),
    )
    assert "偏高" in row[-1]
    assert any(r[2] == "'=1+1" for r in rows)  # escaped, not a formula

    line = client.get(f"/reports/{PERIOD}/rater-quality/line/").content.decode()
    assert (
        f"units to look at: {len(report.flagged_units)}, raters to look at: {report.flagged_rater_count}"
        in line
    )
    assert (
        f'hx-get="/reports/{PERIOD}/rater-quality/line/"'
        in client.get(f"/reports/{PERIOD}/").content.decode()
    )
    # The line a unit's ranking page can load: the lenient town's says so.
    town_line = client.get(f"/reports/{PERIOD}/units/{city.units[1].pk}/rater-quality/line/").content.decode()
    assert f"the unit scores {town.leniency:.1f} points above the rest of the city" in town_line
    # In Chinese too.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert client.get(f"/reports/{PERIOD}/rater-quality/").status_code == 200


def test_a_units_office_sees_its_own_raters_only(client, city):
    finance, town = city.units[0], city.units[1]
    assessor = make_user("assessor", RoleKind.ASSESSOR, finance)
    english(client).force_login(assessor)
    html = client.get(f"/reports/{PERIOD}/units/{finance.pk}/rater-quality/").content.decode()
    report = rater_quality.report(city.period, finance)
    raters = table_rows(html, "raters")
    assert (
        len(raters)
        == report.rater_count
        == len([r for r in reference(city.rows).raters if r[0] == finance.pk])
    )
    assert f">{LENIENT_RATER}<" in raters[0] and "scores high" in raters[0]  # flagged first
    assert "L1" not in html and "L2" not in html and "城关镇" not in html and "市教育局" not in html
    categories = table_rows(html, "categories")
    assert [re.search(r"<td>(.*?)</td>", row)[1] for row in categories] == [GENERAL, MIDDLE]
    assert len(table_rows(html, "groups")) == 3
    assert len(svgs(html)) == 1

    rows = sheet(client.get(f"/reports/{PERIOD}/units/{finance.pk}/rater-quality/raters.xlsx"))
    assert {r[0] for r in rows[1:]} == {"市财政局"} and len(rows) - 1 == report.rater_count
    rows = sheet(client.get(f"/reports/{PERIOD}/units/{finance.pk}/rater-quality/groups.xlsx"))
    assert [r[1] for r in rows[1:]] == [LEADERS, PEERS, USERS]

    line = client.get(f"/reports/{PERIOD}/units/{finance.pk}/rater-quality/line/").content.decode()
    assert f"raters to look at: {report.flagged_rater_count}" in line
    town_line = rater_quality.report(city.period, town)
    assert Flag.HIGH in town_line.units[0].flags
    for url in (
        f"/reports/{PERIOD}/units/{town.pk}/rater-quality/",
        f"/reports/{PERIOD}/units/{town.pk}/rater-quality/line/",
        f"/reports/{PERIOD}/units/{town.pk}/rater-quality/raters.xlsx",
    ):
        assert client.get(url).status_code == 404
    assert client.get(f"/reports/{PERIOD}/rater-quality/").status_code == 403
    assert client.get(f"/reports/{PERIOD}/rater-quality/raters.xlsx").status_code == 403
    staff = make_user("staff", RoleKind.STAFF, finance, Person.objects.get(staff_id="F01"))
    client.force_login(staff)
    assert client.get(f"/reports/{PERIOD}/units/{finance.pk}/rater-quality/").status_code == 404


def test_a_period_without_rater_scores_says_so(client):
    period, _ = get_or_create_period("2033H1", acting_user=Operator("test"))
    english(client).force_login(make_user("admin", RoleKind.CITY_ADMIN))
    html = client.get("/reports/2033H1/rater-quality/").content.decode()
    assert "No rater scores in this period" in html and "<svg" not in html
    assert (
        "no rater scores in this period."
        in client.get("/reports/2033H1/rater-quality/line/").content.decode()
    )
    assert client.get("/reports/2099H1/rater-quality/").status_code == 404
