"""The statistics against a city small enough to count by hand.

2024H1 — 市财政局 (F, 10 people: F01–F06 一般干部, F07–F10 中层干部; F10 not scored;
F03 vetoed for 受警告处分影响期内): F01 exemplar by rank, F02 by special nomination.
城关镇 (C, 10 people, same categories, all scored; C10 vetoed for 考核期内受到诫勉 — a text the
catalogue does not know): C01 exemplar by rank; C02 approved but removed after an
objection; C03 rejected by the committee. 市档案馆 (A, 4 people of 一般干部, 2 scored): none.
2024H2 — F01 again, C01 again and C04 (both by rank); 市档案馆's list in publicity with A02
approved (not published, so not counted).

Totals: F01 99 F02 95 F03 97 F04 91 F05 88 F06 86 F07 90 F08 85 F09 80;
C01 98 C02 96 C03 94 C04 92 C05 89 C06 87 C07 95 C08 88 C09 70 C10 60; A01 75 A02 82.
In 2024H2 everybody scores one point less.
"""

import datetime
import io
import re
import zipfile
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from jixiao.assessment.actions import get_or_create_period
from jixiao.assessment.models import Period, RosterEntry, Score, VetoReason
from jixiao.org.access import Operator
from jixiao.org.models import Category, Person, RoleKind, Unit
from jixiao.reports import statistics
from jixiao.selection.models import Candidate, Proposal, Route, Verdict
from tests.office import as_printed, needs_libreoffice
from tests.workflow_city import make_user

pytestmark = pytest.mark.django_db

FINANCE, TOWN, ARCHIVE = "市财政局", "城关镇", "市档案馆"
GENERAL, MIDDLE = "一般干部", "中层干部"
TOTALS = {
    "F01": 99, "F02": 95, "F03": 97, "F04": 91, "F05": 88, "F06": 86, "F07": 90, "F08": 85, "F09": 80,
    "C01": 98, "C02": 96, "C03": 94, "C04": 92, "C05": 89, "C06": 87, "C07": 95, "C08": 88, "C09": 70, "C10": 60,
    "A01": 75, "A02": 82,
}  # fmt: skip
CATALOGUE_VETO = "受警告处分影响期内"
FREE_VETO = "考核期内受到诫勉"


def roster(period, units, categories, *, minus: int = 0) -> None:
    reason = VetoReason.objects.get(name=CATALOGUE_VETO)
    for prefix, unit, size in (("F", units[FINANCE], 10), ("C", units[TOWN], 10), ("A", units[ARCHIVE], 4)):
        for number in range(1, size + 1):
            staff = f"{prefix}{number:02d}"
            person, _created = Person.objects.get_or_create(staff_id=staff, defaults={"name": f"姓名{staff}"})
            category = categories[GENERAL if number <= 6 or prefix == "A" else MIDDLE]
            entry = RosterEntry.objects.create(
                period=period, person=person, name=person.name, unit=unit, category=category
            )
            if staff in TOTALS:
                veto = {"F03": (CATALOGUE_VETO, reason), "C10": (FREE_VETO, None)}.get(staff, ("", None))
                Score.objects.create(
                    entry=entry, total=Decimal(TOTALS[staff] - minus), veto_text=veto[0], veto_reason=veto[1]
                )


def listed(period, unit, state, people: dict[str, tuple]) -> None:
    """A proposal of the unit with candidates: staff → (route, verdict, removed)."""
    proposal = Proposal.objects.create(
        period=period, unit=unit, state=state, published_at=timezone.now() if state == "published" else None
    )
    for staff, (route, verdict, removed) in people.items():
        entry = RosterEntry.objects.get(period=period, person__staff_id=staff)
        Candidate.objects.create(
            proposal=proposal,
            person=entry.person,
            name=entry.name,
            category=entry.category,
            route=route,
            total=entry.score.total,
            rank=1,
            group_size=6,
            verdict=verdict,
            removed_at=timezone.now() if removed else None,
        )


@pytest.fixture
def city():
    categories = {
        GENERAL: Category.objects.create(name=GENERAL, sort_order=1),
        MIDDLE: Category.objects.create(name=MIDDLE, sort_order=2),
    }
    units = {
        name: Unit.objects.create(name=name, sort_order=i)
        for i, name in enumerate((FINANCE, TOWN, ARCHIVE), 1)
    }
    first, second = (
        get_or_create_period("2024H1", acting_user=Operator("test"))[0],
        get_or_create_period("2024H2", acting_user=Operator("test"))[0],
    )
    roster(first, units, categories)
    roster(second, units, categories, minus=1)
    approved = Verdict.APPROVED
    listed(
        first,
        units[FINANCE],
        "published",
        {"F01": (Route.BY_RANK, approved, False), "F02": (Route.SPECIAL, approved, False)},
    )
    listed(
        first,
        units[TOWN],
        "published",
        {
            "C01": (Route.BY_RANK, approved, False),
            "C02": (Route.BY_RANK, approved, True),
            "C03": (Route.BY_RANK, Verdict.REJECTED, False),
        },
    )
    listed(second, units[FINANCE], "published", {"F01": (Route.BY_RANK, approved, False)})
    listed(
        second,
        units[TOWN],
        "published",
        {"C01": (Route.BY_RANK, approved, False), "C04": (Route.BY_RANK, approved, False)},
    )
    listed(second, units[ARCHIVE], "publicity", {"A02": (Route.BY_RANK, approved, False)})
    return {"first": first, "second": second, "units": units}


def as_tuples(rows):
    return [(r.name, r.headcount, r.scored, r.vetoed, r.exemplars, r.by_rank, r.special) for r in rows]


def test_exemplars_coverage_and_share_by_unit(city):
    rows = statistics.by_unit(city["first"])
    assert as_tuples(rows) == [
        (FINANCE, 10, 9, 1, 2, 1, 1),
        (TOWN, 10, 10, 1, 1, 1, 0),
        (ARCHIVE, 4, 2, 0, 0, 0, 0),
    ]
    assert [(r.coverage, r.share) for r in rows] == [
        (Decimal("90.0"), Decimal("20.0")),
        (Decimal("100.0"), Decimal("10.0")),
        (Decimal("50.0"), Decimal("0.0")),
    ]
    total = statistics.city_total(rows)
    assert (total.headcount, total.scored, total.vetoed, total.exemplars, total.by_rank, total.special) == (
        24,
        21,
        2,
        3,
        2,
        1,
    )
    assert total.coverage == Decimal("87.5") and total.share == Decimal("12.5")


def test_by_category(city):
    # 一般干部: F01–F06, C01–C06, A01–A04 = 16 (scored 6 + 6 + 2); 中层干部: F07–F10, C07–C10 = 8 (7).
    assert as_tuples(statistics.by_category(city["first"])) == [
        (GENERAL, 16, 14, 1, 3, 2, 1),
        (MIDDLE, 8, 7, 1, 0, 0, 0),
    ]


def test_vetoes_by_reason_name_the_catalogue_or_the_text(city):
    vetoes = statistics.vetoes_by_reason(city["first"])
    assert [(t.label, t.count) for t in vetoes] == [(CATALOGUE_VETO, 1), (FREE_VETO, 1)]


def test_score_distribution(city):
    # 中层干部 2024H1: 60 70 80 85 88 90 95 → ranks ⌈7/4⌉ = 2, ⌈7/2⌉ = 4, ⌈21/4⌉ = 6.
    boxes = {b.category: b for b in statistics.score_boxes(city["first"])}
    middle = boxes[MIDDLE]
    assert (middle.count, middle.minimum, middle.lower_quartile, middle.median, middle.upper_quartile, middle.maximum) == (
        7, Decimal("60.00"), Decimal("70.00"), Decimal("85.00"), Decimal("90.00"), Decimal("95.00")
    )  # fmt: skip
    # 一般干部: 75 82 86 87 88 89 91 92 94 95 96 97 98 99 (14) → ranks 4, 7, 11.
    general = boxes[GENERAL]
    assert (general.lower_quartile, general.median, general.upper_quartile) == (
        Decimal("87.00"), Decimal("91.00"), Decimal("96.00")
    )  # fmt: skip
    bars = [(b.category, b.start, b.count) for b in statistics.score_histogram(city["first"])]
    assert bars == [
        (GENERAL, 75, 1), (GENERAL, 80, 1), (GENERAL, 85, 4), (GENERAL, 90, 3), (GENERAL, 95, 5),
        (MIDDLE, 60, 1), (MIDDLE, 70, 1), (MIDDLE, 80, 1), (MIDDLE, 85, 2), (MIDDLE, 90, 1), (MIDDLE, 95, 1),
    ]  # fmt: skip


def test_trends_and_history(city):
    trend = statistics.trend()
    assert [(r.period.code, r.headcount, r.scored, r.exemplars, r.by_rank, r.special, r.units_with_exemplars) for r in trend] == [
        ("2024H1", 24, 21, 3, 2, 1, 2),
        ("2024H2", 24, 21, 3, 3, 0, 2),
    ]  # fmt: skip
    unit = statistics.trend(city["units"][TOWN])
    assert [(r.period.code, r.headcount, r.exemplars, r.share) for r in unit] == [
        ("2024H1", 10, 1, Decimal("10.0")),
        ("2024H2", 10, 2, Decimal("20.0")),
    ]
    # 市档案馆's lists are still in progress (its periods open, its 2024H2 list in publicity):
    # not "never", but "not yet".
    assert statistics.units_never_with_exemplars() == []
    assert [(u.unit, u.in_progress) for u in statistics.units_still_in_progress()] == [
        (ARCHIVE, ("2024H1", "2024H2"))
    ]
    repeats = statistics.repeat_exemplars()
    assert [(p.staff_id, p.unit, p.periods) for p in repeats] == [
        ("C01", TOWN, ("2024H1", "2024H2")),
        ("F01", FINANCE, ("2024H1", "2024H2")),
    ]


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=40))
def test_the_box_statement_is_the_nearest_rank_rule(cents):
    """The SQL quartiles equal the pure rule's on any totals (hypothesis)."""
    Score.objects.all().delete()
    RosterEntry.objects.all().delete()
    period, _ = Period.objects.get_or_create(
        code="2030H1", defaults={"start": datetime.date(2030, 1, 1), "end": datetime.date(2030, 6, 30)}
    )
    unit, _ = Unit.objects.get_or_create(name="测试单位")
    category, _ = Category.objects.get_or_create(name="测试类别")
    for index, value in enumerate(cents):
        person, _ = Person.objects.get_or_create(staff_id=f"T{index:03d}", defaults={"name": "测试"})
        entry = RosterEntry.objects.create(period=period, person=person, unit=unit, category=category)
        Score.objects.create(entry=entry, total=Decimal(value) / 100)
    (box,) = statistics.score_boxes(period)
    ordered = sorted(Decimal(v) / 100 for v in cents)
    assert box.count == len(cents)
    assert box.minimum == ordered[0] and box.maximum == ordered[-1]
    assert box.lower_quartile == statistics.nearest_rank(ordered, Fraction(1, 4))
    assert box.median == statistics.nearest_rank(ordered, Fraction(1, 2))
    assert box.upper_quartile == statistics.nearest_rank(ordered, Fraction(3, 4))


# ----------------------------------------------------------------------------------------
# Pages and downloads
# ----------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_figures_and_each_table_downloads(client, city):
    client.force_login(make_user("admin", RoleKind.CITY_ADMIN))
    html = client.get("/reports/2024H1/").content.decode()
    finance_row = (
        f'{FINANCE}</a></td><td class="num">10</td><td class="num">9</td><td class="num">90.0</td>'
        '<td class="num">1</td><td class="num">2</td><td class="num">1</td><td class="num">1</td>'
        '<td class="num">20.0</td>'
    )
    assert finance_row in html
    assert "<b>3</b>" in html and "<b>12.5%</b>" in html and "<b>21 / 24</b>" in html
    for slug, first_row in (
        ("units", [FINANCE, 10, 9, 90, 1, 2, 1, 1, 20]),
        ("categories", [GENERAL, 16, 14, 87.5, 1, 3, 2, 1, 18.8]),
        ("vetoes", [CATALOGUE_VETO, 1]),
        ("distribution", [GENERAL, 14, 75, 87, 91, 96, 99]),
    ):
        response = client.get(f"/reports/2024H1/{slug}.xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.freeze_panes == "A2"
        assert [cell.value for cell in sheet[2]] == first_row, slug
    units = load_workbook(io.BytesIO(client.get("/reports/2024H1/units.xlsx").content)).active
    assert [c.value for c in units[5]] == ["合计", 24, 21, 87.5, 2, 3, 2, 1, 12.5]
    assert units["D2"].number_format == "0.0" and units.column_dimensions["A"].width > 20
    assert client.get("/reports/2024H1/nothing.xlsx").status_code == 404


def test_the_trends_page_and_its_downloads(client, city):
    client.force_login(make_user("admin", RoleKind.CITY_ADMIN))
    html = client.get("/reports/trends/").content.decode()
    assert ARCHIVE in html and "2024H1、2024H2" in html
    sheet = load_workbook(io.BytesIO(client.get("/reports/trends/repeat-exemplars.xlsx").content)).active
    assert [c.value for c in sheet[2]] == ["C01", "姓名C01", TOWN, 2, "2024H1、2024H2"]


def test_unit_history_is_for_its_own_office(client, city):
    town = city["units"][TOWN]
    client.force_login(make_user("assessor", RoleKind.ASSESSOR, town))
    assert client.get(f"/reports/units/{town.pk}/").status_code == 200
    assert client.get(f"/reports/units/{city['units'][FINANCE].pk}/").status_code == 404
    assert client.get("/reports/2024H1/").status_code == 403


def test_the_summary_is_a_word_document_with_the_figures_and_charts(client, city):
    client.force_login(make_user("admin", RoleKind.CITY_ADMIN))
    response = client.get("/reports/2024H1/summary.docx")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    body = archive.read("word/document.xml").decode()
    text = "".join(part.split(">", 1)[-1] for part in body.split("<w:t")[1:] if ">" in part)
    assert "关于2024年上半年全员绩效考核和绩效标兵评选情况的报告" in text
    assert "共有在册人员24名，完成考核21名，考核覆盖率87.5%" in text
    assert "共评选出绩效标兵3名，占在册人数的12.5%，其中排名前10%的2名、突出贡献的1名，分布在2个单位" in text
    # The comparison looks back only: the first half-year has none, the second compares both.
    assert "一、总体情况" in text and "历次考核期对比" not in text
    images = [name for name in archive.namelist() if name.startswith("word/media/")]
    assert len(images) == 3  # units, categories, distribution (nobody special in a category chart is fine)
    assert all(archive.read(name)[:8] == b"\x89PNG\r\n\x1a\n" for name in images)
    assert 'w:eastAsia="仿宋"' in body and 'w:eastAsia="黑体"' in body
    second = zipfile.ZipFile(io.BytesIO(client.get("/reports/2024H2/summary.docx").content))
    second_body = second.read("word/document.xml").decode()
    assert "六、历次考核期对比" in second_body and "2024H1" in second_body and "2024H2" in second_body


@needs_libreoffice
def test_the_summary_reads_right_in_libreoffice(client, city, tmp_path):
    """As Word and WPS users see it (LibreOffice prints the .docx): every table numbered and
    captioned as the text refers to it, no number broken across lines, the signature with
    the text before it."""
    client.force_login(make_user("admin", RoleKind.CITY_ADMIN))
    path = tmp_path / "报告.docx"
    path.write_bytes(client.get("/reports/2024H2/summary.docx").content)
    pages = as_printed(path, tmp_path)
    flat = "".join("".join(page.split()) for page in pages)
    captions = re.findall(r"表(\d)(按单位统计|按人员类别统计|否决事由统计|分数分布|历次考核期统计)", flat)
    numbers = [int(number) for number, _title in captions]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 4, captions
    for number in numbers:
        assert f"见表{number}" in flat
    lines = [line.strip() for page in pages for line in page.splitlines() if line.strip()]
    # The running text's lines (a table's row has its cells apart by runs of spaces).
    text_lines = [line for line in lines if "   " not in line]
    for before, after in zip(text_lines, text_lines[1:], strict=False):
        assert not (re.search(r"\d$", before) and re.match(r"[\d%．.]", after)), (before, after)
    # A table's cells do not break a period's code either.
    assert [line for line in lines if re.match(r"2024H[12]\s", line)] != []
    assert not any(re.match(r"2024H?\s*$", line) for line in lines)
    last = "".join(pages[-1].split())
    assert "市委组织部（市考核办）" in last and len(last) > len("市委组织部（市考核办）") + 20


def test_the_lists_export_with_their_chinese_headers(client, city, tmp_path, capsys):
    from tests.files import jixiao_ok

    exemplars = tmp_path / "标兵.xlsx"
    jixiao_ok(capsys, "export", "exemplars", "--period", "2024H1", "-o", exemplars)
    sheet = load_workbook(exemplars).active
    assert [c.value for c in sheet[1]] == ["工号", "姓名", "性别", "单位", "人员类别", "职务", "推荐类型"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["F01", "F02", "C01"]
    assert sheet["G3"].value == "突出贡献" and sheet["G2"].value == "排名前10%"
    candidates = tmp_path / "候选人.csv"
    jixiao_ok(capsys, "export", "candidates", "--period", "2024H1", "-o", candidates)
    lines = candidates.read_text(encoding="utf-8-sig").splitlines()
    assert (
        lines[0] == "工号,姓名,单位,人员类别,职务,推荐类型,总分,组内排名,组内人数,党委（党组）决定,名单状态"
    )
    decisions = {line.split(",")[0]: line.split(",")[-2] for line in lines[1:]}
    assert decisions == {"F01": "同意", "F02": "同意", "C01": "同意", "C02": "公示后取消", "C03": "不同意"}
    client.force_login(make_user("admin", RoleKind.CITY_ADMIN))
    web = load_workbook(io.BytesIO(client.get("/reports/2024H1/exemplars.xlsx").content)).active
    assert [c.value for c in web[2]] == [c.value for c in sheet[2]]
