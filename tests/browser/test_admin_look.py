"""The admin, where the city office keeps its reference data, in the site's look: the red
band of the site's top bar with the city's name before the system's, Chinese throughout
(the apps' names included), a way back to the site; screenshots kept in pytest's tmp_path."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

PASSWORD = "Jichushuju-2025-kanban"
# --accent of jixiao/core/static/jixiao/site.css (#b4232a).
SITE_RED = "rgb(180, 35, 42)"


@pytest.fixture
def superuser(settings):
    """The account that keeps the reference data, made before the browser starts (see the
    conftest); the city named in the settings."""
    settings.JIXIAO_CITY_NAME = "江城市"
    return get_user_model().objects.create_superuser("jichushuju", password=PASSWORD)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admin_has_the_sites_look(superuser, open_as, snap):
    page = open_as("jichushuju", PASSWORD)
    site_bar = page.locator("header.topbar").evaluate("e => getComputedStyle(e).backgroundColor")
    assert site_bar == SITE_RED

    page.goto("/admin/")
    expect(page.locator("#site-name")).to_have_text("江城市全员绩效考核系统 · 基础数据")
    assert page.locator("#header").evaluate("e => getComputedStyle(e).backgroundColor") == SITE_RED
    assert page.title() == "全市基础数据 · 江城市基础数据"
    expect(page.locator("h1")).to_have_text("全市基础数据")
    content = page.locator("#content-main").inner_text()
    for name in ("单位", "人员类别", "否决事由", "审计日志", "登录锁定"):
        assert name in content
    assert "个单位" not in content and "Axes" not in content and "Django" not in page.content()
    snap(page, "admin-index")

    page.goto("/admin/org/unit/")
    expect(page.locator("h1")).to_have_text("选择要修改的单位")
    snap(page, "admin-units")

    page.get_by_role("link", name="返回系统首页").click()
    expect(page.locator("header.topbar")).to_be_visible()
