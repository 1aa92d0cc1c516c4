"""The pages fit an office screen (1366×768) and a phone (390×844): the page body never
scrolls sideways (wide tables scroll inside their ``.scroll`` wrapper), the top bar and the
unit tabs stay on screen; screenshots of each page are kept in pytest's tmp_path. The
language selector in the top bar switches the labels to English and back to Chinese."""

import struct

import pytest
from playwright.sync_api import expect

from jixiao.org.models import RoleKind, Unit
from tests.files import jixiao_ok, roster_rows, scores_rows, write_xlsx

PERIOD = "2025H1"
OFFICE_SCREEN = {"width": 1366, "height": 768}
PHONE_SCREEN = {"width": 390, "height": 844}
PASSWORD = "Kaoheban-2025-buju"
# Long official names, as real units have them, stretch the board and the breadcrumbs.
UNITS = ["市发展和改革委员会（市粮食和物资储备局）", "市财政局", "城关镇人民政府", "市第一人民医院"]
CATEGORIES = ["一般干部", "中层干部"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "芳华建国秀英志强丽娟文博海燕明辉晓东春梅国栋玉兰俊杰雪梅红军思远立新翠萍振华美玲德明慧敏永康桂芝子涵"
DEEDS = "牵头完成全市财政预算一体化系统上线，连续三个月加班保障数据迁移，获省财政厅通报表扬。"


@pytest.fixture
def city(tmp_path, capsys, make_user):
    """2025H1 ranked: four units of 60 people (30 per category, one vetoed each), one
    special nomination in 市发展和改革委员会; a city administrator."""
    people, scores = [], []
    for u, unit in enumerate(UNITS):
        for i in range(60):
            staff_id = f"{u + 1}{i + 1:05d}"
            category = CATEGORIES[i // 30]
            people.append(
                [staff_id, SURNAMES[i % 30] + GIVEN[2 * (i % 25) : 2 * (i % 25) + 2], unit, category]
            )
            people[-1].append("科员" if category == "一般干部" else "副科长（主持工作）")
            scores.append(
                [staff_id, 98 - (i % 30) * 0.5 - u * 0.1, "诫勉谈话影响期内" if i % 30 == 7 else ""]
            )
    jixiao_ok(
        capsys, "import", "roster", write_xlsx(tmp_path / "r.xlsx", roster_rows(people)), "--period", PERIOD
    )
    jixiao_ok(
        capsys,
        "import",
        "scores",
        write_xlsx(tmp_path / "s.xlsx", scores_rows(scores, header=["工号", "总分", "否决事由"])),
        "--period",
        PERIOD,
    )
    jixiao_ok(capsys, "select", "--period", PERIOD)
    jixiao_ok(capsys, "nominate", "--period", PERIOD, "--staff-id", "100010", "--reason", DEEDS)
    make_user("kaoheban", PASSWORD, RoleKind.CITY_ADMIN)
    return Unit.objects.get(name=UNITS[0])


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def assert_fits(page, viewport, *, tabs: bool):
    """No sideways scrolling of the page; the top bar and the tabs on screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert inner == viewport["width"]
    assert width <= inner + 1, f"{page.url}: the page is {width}px wide on a {inner}px screen"
    expect(page.locator("header.topbar")).to_be_visible()
    header_links = page.locator("header.topbar a, header.topbar button, header.topbar select")
    for item in [*header_links.all(), page.locator("header.topbar .user")]:
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= inner + 1, f"top bar item off screen: {box}"
    if tabs:
        expect(page.locator("nav.tabs")).to_be_visible()
        links = page.locator("nav.tabs a")
        expect(links).to_have_text(
            [
                "排名",
                "花名册与分数",
                "导入",
                "账号",
                "在线测评",
                "候选人",
                "党委（党组）决定",
                "公示",
                "绩效标兵宣传资料",
            ]
        )
        for link in links.all():
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= inner + 1, f"tab off screen: {box}"


@pytest.mark.parametrize("screen", [OFFICE_SCREEN, PHONE_SCREEN], ids=["office-1366x768", "phone-390x844"])
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_fit_the_screen(city, open_as, screen, tmp_path):
    page = open_as("kaoheban", PASSWORD, viewport=screen)
    unit = f"/periods/{PERIOD}/units/{city.pk}/"
    pages = {
        "board": (f"/periods/{PERIOD}/", "2025年上半年：各单位进度", False),
        "ranking": (unit, f"{UNITS[0]}：同类人员排名", True),
        "roster": (unit + "roster/", "花名册与分数", True),
        "profiles": (unit + "profiles/", "绩效标兵宣传资料", True),
        "rating": (unit + "rating/", f"{UNITS[0]}：考核码在线测评", True),
        "candidates": (unit + "candidates/", "候选人", True),
    }
    for label, (url, heading, tabs) in pages.items():
        response = page.goto(url)
        assert response.status == 200, url
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert_fits(page, screen, tabs=tabs)
        if label in ("board", "roster"):
            # The wide table scrolls inside its wrapper, not the page.
            wrapper = page.locator("div.scroll").first
            expect(wrapper).to_be_visible()
            assert wrapper.evaluate("e => getComputedStyle(e).overflowX") == "auto"
        shot = tmp_path / f"{label}-{screen['width']}x{screen['height']}.png"
        page.screenshot(path=shot, full_page=True)
        width, height = png_size(shot)
        assert width == screen["width"] and height >= screen["height"], (width, height)
        assert shot.stat().st_size > 5_000

    # The language selector in the top bar: English, then back to Chinese, on the same page.
    tabs = page.locator("nav.tabs")
    page.locator("header.topbar select[name=language]").select_option("en")
    expect(tabs.get_by_role("link", name="Candidates")).to_be_visible()
    expect(page.get_by_role("heading", name="Candidates", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{page.url.split('/periods/')[0]}{unit}candidates/")
    assert_fits(page, screen, tabs=False)
    page.screenshot(path=tmp_path / f"candidates-en-{screen['width']}.png", full_page=True)
    page.locator("header.topbar select[name=language]").select_option("zh-hans")
    expect(tabs.get_by_role("link", name="候选人")).to_be_visible()
    expect(page.get_by_role("heading", name="候选人", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
