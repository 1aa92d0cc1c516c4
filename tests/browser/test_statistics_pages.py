"""The statistics pages in the browser: the city administrator's dashboard and trends draw
every chart (ECharts served by the site) above their tables, at an office screen and on a
phone, and a table's .xlsx download arrives. 市财政局 published, 城关镇 in publicity."""

import datetime

import pytest
from playwright.sync_api import expect

from jixiao.org.access import Operator
from jixiao.org.models import RoleKind
from jixiao.selection import actions
from tests.workflow_city import PERIOD, UNIT_A, build_city, staff_id, to_publicity

PASSWORD = "Kaoheban-2025-tongji"
SCREENS = pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}], ids=["office", "phone"]
)


@pytest.fixture
def city(tmp_path, capsys, make_user):
    city = build_city(tmp_path, capsys)
    city.nominate(staff_id(UNIT_A, 5))
    proposal, _notice, _objection = to_publicity(city, city.units[UNIT_A.name])
    actions.publish(proposal, acting_user=Operator("city"), today=datetime.date(2025, 10, 11))
    make_user("kaoheban", PASSWORD, RoleKind.CITY_ADMIN)
    return city


def charts_drawn(page) -> list[str]:
    """The data-chart names whose element holds a drawn ECharts canvas."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("[data-chart]"))
            .filter(el => el.querySelector("canvas") && el.querySelector("canvas").width > 0)
            .map(el => el.dataset.chart)"""
    )


@SCREENS
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_dashboard_draws_every_chart_over_its_table(city, open_as, snap, viewport):
    page = open_as("kaoheban", PASSWORD, viewport=viewport)
    page.goto(f"/reports/{PERIOD}/")
    expect(page.get_by_role("heading", name="2025年上半年统计分析")).to_be_visible()
    page.wait_for_function("() => document.querySelectorAll('[data-chart] canvas').length >= 6")
    assert sorted(charts_drawn(page)) == ["boxes", "categories", "histogram", "routes", "units", "vetoes"]
    # 市财政局: 2 by rank and 1 special of 20; the figure boxes and its table row say so.
    expect(page.locator(".totals")).to_contain_text("3")
    row = page.locator("tr", has_text=UNIT_A.name).first
    expect(row).to_contain_text("15.0")
    snap(page, f"dashboard-{viewport['width']}")
    with page.expect_download() as download:
        page.locator("a[href$='/units.xlsx']").click()
    assert download.value.suggested_filename == f"{PERIOD}按单位统计.xlsx"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_trends_page_draws_its_chart(city, open_as):
    page = open_as("kaoheban", PASSWORD)
    page.goto("/reports/trends/")
    page.wait_for_function("() => document.querySelector('[data-chart=trend] canvas')")
    assert charts_drawn(page) == ["trend"]
    expect(page.locator("table").first).to_contain_text("2025年上半年")
