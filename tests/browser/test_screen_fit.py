"""The big screen fits a lobby TV (1920×1080) and an office monitor (1366×768): read from
the real page's geometry, not from the style sheet.

* A card's 事迹 shows whole lines: its box is a whole number of its lines tall and lies
  inside the card (no line cut through its glyphs at the card's bottom edge).
* The charts keep every label: the unit chart names each of its ten units (a name too long
  for its room ends with an ellipsis), no two labels overlap and none leaves its chart. The
  labels are read from what ECharts drew (its display list), not from the options given.

Twelve units with long official names, each with 2–4 exemplars (the longest name among
those with the most), the by-rank ones with a
事迹 longer than a card shows (the special nominations carry their written reason)."""

import datetime

import pytest

from jixiao.org.access import Operator
from jixiao.selection import actions, workflow
from jixiao.selection.models import Route
from jixiao.showcase import profiles
from tests.workflow_city import PERIOD, UnitSpec, build_city, staff_id, to_publicity, write_profile

SCREENS = [{"width": 1920, "height": 1080}, {"width": 1366, "height": 768}]
UNITS = [
    UnitSpec("市发展和改革委员会（市粮食和物资储备局）", "A", "发改甲"),
    UnitSpec("中共市委机构编制委员会办公室", "B", "编办乙"),
    UnitSpec("市住房和城乡建设局", "C", "住建丙"),
    UnitSpec("市市场监督管理局（市知识产权局）", "D", "市监丁"),
    UnitSpec("城关镇人民政府", "E", "城关戊"),
    UnitSpec("市第一人民医院", "F", "一院己"),
    UnitSpec("市财政局", "G", "财政庚"),
    UnitSpec("市退役军人事务局", "H", "退役辛"),
    UnitSpec("市人力资源和社会保障局", "J", "人社壬"),
    UnitSpec("市生态环境局", "K", "生态癸"),
    UnitSpec("市自然资源和规划局（市林业局）", "L", "自然子"),
    UnitSpec("开发区管委会经济发展局", "M", "开发丑"),
]
UNIT_CHART_BARS = 10  # screen.js: the ten units with the most exemplars
DEEDS = (
    "牵头完成全市财政预算一体化系统上线，连续三个月加班保障数据迁移，获省财政厅通报表扬；"
    "组织全系统业务培训十二期，编写操作手册两册，群众满意度明显提升。同时主动承担疫情防控、"
    "防汛救灾等急难险重任务，深入一线走访企业和群众两百余次，协调解决实际困难四十余件。"
)
PUBLICATION_DAY = datetime.date(2025, 10, 11)  # the day after workflow_city's notice ends


@pytest.fixture
def screen_city(tmp_path, capsys):
    city = build_city(tmp_path, capsys, UNITS)
    for index, spec in enumerate(UNITS):
        for number in range(10, 12 - index % 3):  # 2, 1 or 0 special nominations
            city.nominate(staff_id(spec, number))
    for spec in UNITS:
        proposal, _notice, _objection = to_publicity(city, city.units[spec.name])
        actions.publish(proposal, acting_user=Operator("city"), today=PUBLICATION_DAY)
    by_rank = workflow.exemplars(city.period).filter(route=Route.BY_RANK).order_by("person__staff_id")
    for index, exemplar in enumerate(by_rank):
        text = profiles.ProfileText(post="科员", achievements=DEEDS, quote="")
        write_profile(exemplar, text, portrait=f"screen-{index}" if index < 2 else None)
    return city


# The cards shown: each one's box, its 事迹's box and line height, and its text's box.
CARDS = """() => Array.from(document.querySelectorAll("#s-cards .slot:not([hidden])"), slot => {
  const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const deeds = slot.querySelector(".deeds");
  const style = getComputedStyle(deeds);
  return {
    name: slot.querySelector(".name").textContent,
    slot: box(slot), text: box(slot.querySelector(".slot-text")), deeds: box(deeds),
    clientHeight: deeds.clientHeight, scrollHeight: deeds.scrollHeight,
    lineHeight: parseFloat(style.lineHeight), display: style.display, length: deeds.textContent.length,
  };
})"""

# What ECharts drew in a chart: every text of its display list with its box on the canvas.
CHART_TEXTS = """id => {
  const element = document.getElementById(id);
  const chart = window.echarts.getInstanceByDom(element);
  const texts = [];
  for (const shape of chart.getZr().storage.getDisplayList()) {
    const text = shape.style && shape.style.text;
    if (typeof text !== "string" || !text.trim() || shape.invisible || shape.ignore) continue;
    const rect = shape.getBoundingRect().clone();
    const transform = shape.getComputedTransform();
    if (transform) rect.applyTransform(transform);
    texts.push({text, x: rect.x, y: rect.y, width: rect.width, height: rect.height});
  }
  const r = element.getBoundingClientRect();
  return {width: element.clientWidth, height: element.clientHeight, box: {left: r.left, top: r.top, right: r.right, bottom: r.bottom}, texts};
}"""


def whole_lines(height: float, line_height: float) -> float:
    """How far ``height`` is from a whole number of lines (0 = whole)."""
    lines = height / line_height
    return abs(lines - round(lines))


def assert_inside(inner: dict, outer: dict, what: str, slack: float = 0.5) -> None:
    across = inner["left"] >= outer["left"] - slack and inner["right"] <= outer["right"] + slack
    down = inner["top"] >= outer["top"] - slack and inner["bottom"] <= outer["bottom"] + slack
    assert across and down, (what, inner, outer)


def assert_deeds_show_whole_lines(page, viewport) -> None:
    cards = page.evaluate(CARDS)
    assert len(cards) == 8, cards
    screen = {"left": 0, "top": 0, "right": viewport["width"], "bottom": viewport["height"]}
    clamped = 0
    for card in cards:
        assert_inside(card["slot"], screen, f"{card['name']}'s card")
        assert card["display"] != "none" and card["length"] > 0, card
        height = card["deeds"]["bottom"] - card["deeds"]["top"]
        line = card["lineHeight"]
        # The box holds whole lines (at least two), and the card shows all of the box.
        assert round(height / line) >= 2 and whole_lines(height, line) < 0.05, (card["name"], height, line)
        assert abs(card["clientHeight"] - height) <= 1, card
        assert_inside(card["deeds"], card["text"], f"{card['name']}'s 事迹")
        assert_inside(card["text"], card["slot"], f"{card['name']}'s text")
        clamped += card["scrollHeight"] > card["clientHeight"] + 1
    assert clamped, "the fixture's 事迹 should be longer than a card shows"


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


def assert_labels_readable(page, chart_id: str, viewport) -> list[str]:
    """Every text inside its chart, at least 9 px high, none over another; returns the
    texts that are not numbers (the names)."""
    drawn = page.evaluate(CHART_TEXTS, chart_id)
    screen = {"left": 0, "top": 0, "right": viewport["width"], "bottom": viewport["height"]}
    assert_inside(drawn["box"], screen, chart_id)
    texts = drawn["texts"]
    assert texts, f"{chart_id} drew no text"
    chart = {"left": 0, "top": 0, "right": drawn["width"], "bottom": drawn["height"]}
    for text in texts:
        box = {"left": text["x"], "top": text["y"], "right": text["x"] + text["width"]}
        assert_inside({**box, "bottom": text["y"] + text["height"]}, chart, f"{chart_id}: {text['text']}")
        assert text["height"] >= 9, (chart_id, text)
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert not overlap(a, b), (chart_id, a, b)
    return [t["text"] for t in texts if not t["text"].strip().isdigit()]


def names_the_unit(label: str, units: set[str]) -> bool:
    """The label is a unit's name, or its beginning with an ellipsis."""
    return label in units or (label.endswith("…") and any(u.startswith(label[:-1]) for u in units))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_screen_shows_whole_lines_and_every_chart_label(screen_city, chromium, live_server, snap):
    units = {spec.name for spec in UNITS}
    for viewport in SCREENS:
        context = chromium.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN")
        page = context.new_page()
        # Ten minutes a page: the first page stays while the test reads it.
        assert page.goto(f"/screen/{PERIOD}/?interval=600").status == 200
        cards = workflow.exemplars(screen_city.period).count()
        page.wait_for_function("n => document.body.dataset.cards === String(n)", arg=cards)
        page.wait_for_function("() => document.querySelectorAll('.s-charts canvas').length === 3")
        page.wait_for_function("() => [...document.querySelectorAll('.slot img')].every(i => i.complete)")
        snap(page, f"screen-{viewport['width']}x{viewport['height']}")

        assert_deeds_show_whole_lines(page, viewport)

        labels = assert_labels_readable(page, "chart-unit", viewport)
        assert len(set(labels)) == len(labels) == UNIT_CHART_BARS, labels
        assert all(names_the_unit(label, units) for label in labels), labels
        # The longest name: whole on the TV, shortened with an ellipsis on the office monitor.
        longest = [label for label in labels if names_the_unit(label, {UNITS[0].name})]
        assert longest == [UNITS[0].name if viewport["width"] == 1920 else longest[0]], labels
        assert viewport["width"] == 1920 or longest[0].endswith("…"), labels
        assert assert_labels_readable(page, "chart-category", viewport) == ["一般干部"]
        assert sorted(assert_labels_readable(page, "chart-route", viewport)) == ["排名前10%", "突出贡献"]
        context.close()
