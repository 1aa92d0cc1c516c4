"""The lists as printed (print.css): a unit's ranking, the city's progress board and the
audit log printed to A4 by Chromium, then read back from the PDF with poppler.

On paper: the page's heading and its table, every name in it; not the top bar, the tabs,
the period links, the filters, the forms and buttons. A ranking longer than a page repeats
its header row on the next page and splits no row (a person's staff ID and name stay on
one line). The PDF pages are kept as PNG in the test's tmp_path, to look at.

市财政局 has 60 people (its ranking runs over two A4 pages), 城关镇 20; 市财政局 published.
The city administrator is also 市财政局's assessor, so the ranking page has its forms."""

import datetime
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from jixiao.org.access import Operator
from jixiao.org.models import Role, RoleKind
from jixiao.selection import actions
from tests.workflow_city import PERIOD, UNIT_B, UnitSpec, build_city, person_name, staff_id, to_publicity

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils not installed",
)

PASSWORD = "Kaoheban-2025-dayin"
BIG_UNIT = UnitSpec("市财政局", "F", "财政甲", size=60)
PUBLICATION_DAY = datetime.date(2025, 10, 11)  # the day after workflow_city's notice ends
# The top bar's links (a city administrator's) and the unit's tabs, as the screen shows them.
TOP_BAR = [
    "我的考核结果",
    "审计日志",
    "公开展示",
    "统计分析",
    "基础数据",
    "kaoheban",
    "退出",
    "简体中文",
    "English",
]
UNIT_TABS = ["花名册与分数", "党委（党组）决定", "绩效标兵宣传资料"]


@pytest.fixture
def city(tmp_path, capsys, make_user):
    city = build_city(tmp_path, capsys, (BIG_UNIT, UNIT_B))
    proposal, _notice, _objection = to_publicity(city, city.units[BIG_UNIT.name])
    actions.publish(proposal, acting_user=Operator("city"), today=PUBLICATION_DAY)
    admin = make_user("kaoheban", PASSWORD, RoleKind.CITY_ADMIN)
    Role.objects.create(user=admin, kind=RoleKind.ASSESSOR, unit=city.units[BIG_UNIT.name])
    return city


def printed(page, path) -> list[str]:
    """The page printed to an A4 PDF at ``path``: the text of each page (in layout), each
    page also rendered to PNG beside it."""
    page.pdf(path=path, format="A4", prefer_css_page_size=True)
    assert path.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(path.with_suffix(""))], check=True)
    return text.split("\f")[:-1]


def assert_controls_hidden(page, *selectors: str) -> None:
    for selector in ("header.topbar", "form.lang", *selectors):
        locator = page.locator(selector)
        assert locator.count(), f"{selector} is not on the page to hide"
        for element in locator.all():
            expect(element).to_be_hidden()


def assert_on_screen(page, words: list[str]) -> None:
    """The words are on the page as the screen shows it (so that their absence on paper
    means something)."""
    screen = page.locator("body").inner_text()
    missing = [word for word in words if word not in screen]
    assert not missing, f"not on the screen to begin with: {missing}"


def assert_nothing_of(text: str, words: list[str]) -> None:
    shown = [word for word in words if word in text]
    assert not shown, f"navigation on paper: {shown}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_lists_print_without_the_controls(city, open_as, tmp_path):
    page = open_as("kaoheban", PASSWORD)
    unit = city.units[BIG_UNIT.name]

    # A unit's ranking: on screen with its tabs and the ranking button.
    page.goto(f"/periods/{PERIOD}/units/{unit.pk}/")
    controls = [*TOP_BAR, *UNIT_TABS, "计算总分和排名"]
    assert_on_screen(page, controls)
    expect(page.locator(".heading form button")).to_be_visible()
    page.emulate_media(media="print")
    assert_controls_hidden(page, "nav.tabs", ".heading form", ".heading form button")
    expect(page.locator("table.ranking")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{BIG_UNIT.name}：同类人员排名")).to_be_visible()
    expect(page.locator(".crumbs")).to_be_visible()
    cell = page.locator("table.ranking td").first
    assert cell.evaluate("td => getComputedStyle(td).borderTopStyle") == "solid"
    assert (
        page.locator("table.ranking thead").evaluate("e => getComputedStyle(e).display")
        == "table-header-group"
    )

    pages = printed(page, tmp_path / "ranking.pdf")
    assert len(pages) >= 2, "60 people should need a second page"
    text = "\n".join(pages)
    assert "2025年上半年" in pages[0] and f"{BIG_UNIT.name}：同类人员排名" in pages[0]
    lines = text.splitlines()
    for number in range(1, BIG_UNIT.size + 1):
        # Each row whole: the staff ID and the name on one line.
        assert any(
            staff_id(BIG_UNIT, number) in line and person_name(BIG_UNIT, number) in line for line in lines
        ), number
    for sheet in pages:
        assert "工号" in sheet and "姓名" in sheet, "the header row repeats on every page"
    assert_nothing_of(text, controls)

    # The city's progress board: on screen with its period links and filters.
    page.emulate_media(media="screen")
    page.goto(f"/periods/{PERIOD}/")
    expect(page.locator("form.filters")).to_be_visible()
    controls = [*TOP_BAR, "全部考核期", "规则与状态", "只看需重新决定的名单"]
    assert_on_screen(page, controls)
    page.emulate_media(media="print")
    assert_controls_hidden(page, "nav.periods", "form.filters", "form.filters select")
    expect(page.locator("table.board")).to_be_visible()
    expect(page.locator("table.board th").nth(9)).to_be_visible()  # no column left out
    board = "\n".join(printed(page, tmp_path / "board.pdf"))
    assert "2025年上半年：各单位进度" in board
    assert BIG_UNIT.name in board and UNIT_B.name in board
    assert_nothing_of(board, controls)

    # The audit log: its filters go, its entries stay.
    page.emulate_media(media="screen")
    page.goto("/audit/")
    expect(page.locator("form.audit-filters")).to_be_visible()
    # (审计日志 is its heading too.)
    controls = [*(word for word in TOP_BAR if word != "审计日志"), "筛选", "校验哈希链"]
    assert_on_screen(page, controls)
    page.emulate_media(media="print")
    assert_controls_hidden(page, "form.audit-filters")
    expect(page.locator("table.audit")).to_be_visible()
    audit = "\n".join(printed(page, tmp_path / "audit.pdf"))
    assert "审计日志" in audit and "发布" in audit
    assert_nothing_of(audit, controls)
