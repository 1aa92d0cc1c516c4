"""The public showcase in the browser, without login: the exemplar list and the rolling big
screen, for a city where 市财政局 has published its exemplars and 城关镇 is still in its
publicity (nobody of 城关镇 may show anywhere until it publishes).

* The public list on a 1920×1080 screen and a phone: only published exemplars, 24 per page,
  photos served, a post the unit chose to hide never shown, search by name, and the same
  without JavaScript.
* The big screen (whole city) on both screens: the cards rotate page by page and one full
  cycle shows exactly the published exemplars; the charts draw with the ECharts the site
  serves itself; nothing is requested from any other host.
* Live refresh: a list published while the screen runs shows up without a reload.
* Memory: hundreds of rotations and dozens of polls leave the DOM and the JS heap as they
  were (the numbers are printed for the report).
* A unit's own screen: only that unit, no chart by unit.
"""

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from jixiao.selection import workflow
from jixiao.showcase import profiles
from jixiao.showcase.photos import placeholder_portrait
from tests.browser.conftest import TIMEOUT_MS
from tests.workflow_city import PERIOD, UNIT_A, UNIT_B, UnitSpec, build_city, person_name, staff_id, to_publicity

DESKTOP = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
SCREENS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1920x1080", "phone-390x844"])
# The day after the notice of workflow_city ends.
PUBLICATION_DAY = datetime.date(2025, 10, 11)

# 市财政局 with 100 people: 10 % gives the first 10 ranks, 9 people (its 4th is vetoed and
# keeps its place), and 16 special nominations from further down (the cap raised to 20 %), so that
# the public list has two pages.
PUBLISHED_UNIT = UnitSpec(UNIT_A.name, UNIT_A.prefix, UNIT_A.people_name, size=100)
BY_RANK_NUMBERS = [n for n in range(1, 11) if n not in PUBLISHED_UNIT.vetoed]
SPECIAL_NUMBERS = list(range(30, 46))
SPECIAL_CAP_PERCENT = Decimal("20")
PUBLISHED_NAMES = {person_name(PUBLISHED_UNIT, n) for n in BY_RANK_NUMBERS + SPECIAL_NUMBERS}
# 城关镇 (20 people, in publicity): 2 places by rank.
UNPUBLISHED_NAMES = [person_name(UNIT_B, n) for n in range(1, UNIT_B.size + 1)]
UNIT_B_EXEMPLARS = {person_name(UNIT_B, n) for n in (1, 2)}
PHOTO_NUMBERS = [1, 2, 3]
HIDDEN_POST_NUMBER = 5
HIDDEN_POST = "预算审查科副科长（内部岗位）"
PAGE_SIZE = 24
# Cards per page of the big screen: 4×2 on a wide screen, 2×2 on a phone (screen.css).
SCREEN_CARDS = {DESKTOP["width"]: 8, PHONE["width"]: 4}
ECHARTS = "/static/jixiao/vendor/echarts-6.1.0.min.js"
PHOTO_URL = re.compile(rf"^/exemplars/{PERIOD}/[^/]+/photo\.jpg\?v=[0-9a-f]{{12}}$")
NO_PHOTO_URL = "/static/showcase/no-photo.svg"


@dataclass
class Showcase:
    period: object
    published_unit: object
    unpublished_unit: object
    unpublished_proposal: object

    @property
    def list_url(self) -> str:
        return f"/exemplars/{PERIOD}/"

    @property
    def screen_url(self) -> str:
        return f"/screen/{PERIOD}/"

    def unit_screen_url(self, unit) -> str:
        return f"/screen/{PERIOD}/units/{unit.pk}/"

    def publish_unpublished_unit(self) -> None:
        workflow.publish(self.unpublished_proposal, actor="city", today=PUBLICATION_DAY)


def profile_of(city, number: int):
    candidate = workflow.exemplars(city.period).get(person__staff_id=staff_id(PUBLISHED_UNIT, number))
    return profiles.profile_for(candidate)


@pytest.fixture
def showcase(tmp_path, capsys) -> Showcase:
    """市财政局 published (25 exemplars, three with a photo, one with a hidden post);
    城关镇 in publicity."""
    city = build_city(
        tmp_path, capsys, (PUBLISHED_UNIT, UNIT_B), special_cap_percent=SPECIAL_CAP_PERCENT
    )
    for number in SPECIAL_NUMBERS:
        city.nominate(staff_id(PUBLISHED_UNIT, number))
    published_unit, unpublished_unit = city.units[PUBLISHED_UNIT.name], city.units[UNIT_B.name]
    proposal, _, _ = to_publicity(city, published_unit)
    unpublished_proposal, _, _ = to_publicity(city, unpublished_unit)
    workflow.publish(proposal, actor="city", today=PUBLICATION_DAY)
    assert {c.person.name for c in workflow.exemplars(city.period).select_related("person")} == PUBLISHED_NAMES

    for number in PHOTO_NUMBERS:
        profiles.set_portrait(profile_of(city, number), placeholder_portrait(f"exemplar-{number}"), actor="t")
    hidden = profiles.ProfileText(post=HIDDEN_POST, achievements="", quote="", show_post=False)
    profiles.update_profile(profile_of(city, HIDDEN_POST_NUMBER), hidden, actor="t")
    return Showcase(city.period, published_unit, unpublished_unit, unpublished_proposal)


@pytest.fixture
def open_anonymous(chromium, live_server):
    """``open_anonymous(viewport, javascript=True)`` → a page of a fresh context, signed in
    as nobody, that records the URL of every request it makes (``page.requested``)."""

    def open_page(viewport: dict, *, javascript: bool = True):
        context = chromium.new_context(
            base_url=live_server.url, viewport=viewport, locale="zh-CN", java_script_enabled=javascript
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        return page

    return open_page


def shot_name(label: str, viewport: dict) -> str:
    return f"{label}-{viewport['width']}x{viewport['height']}"


# ----------------------------------------------------------------------------------------
# The public list
# ----------------------------------------------------------------------------------------


def card_names(page) -> list[str]:
    return page.locator(".ex-card .ex-name").all_inner_texts()


def card_of(page, name: str):
    return page.locator(".ex-card", has=page.locator(".ex-name", has_text=re.compile(f"^{name}$")))


def assert_nothing_unpublished(html: str) -> None:
    """No one of 城关镇, not the unit itself, and not the post a unit hid."""
    shown = [text for text in [*UNPUBLISHED_NAMES, UNIT_B.name, HIDDEN_POST] if text in html]
    assert not shown, f"unpublished or hidden text on the page: {shown}"


def search_for(page, text: str) -> None:
    page.locator("form.public-filters input[name=q]").fill(text)
    page.locator("form.public-filters button[type=submit]").click()
    page.wait_for_load_state()


def assert_list_pages_show_the_published_set(page) -> list[str]:
    """Page 1 holds the first 24 cards, the next page the rest; every card a published
    exemplar, each once. Returns the names of page 1."""
    first = card_names(page)
    assert len(first) == min(PAGE_SIZE, len(PUBLISHED_NAMES))
    assert_nothing_unpublished(page.content())
    page.locator("nav.pager a[rel=next]").click()
    page.wait_for_load_state()
    rest = card_names(page)
    assert_nothing_unpublished(page.content())
    assert sorted(first + rest) == sorted(PUBLISHED_NAMES)
    page.go_back()
    return first


@SCREENS
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_public_list_shows_published_exemplars_only(showcase, open_anonymous, snap, viewport):
    page = open_anonymous(viewport)
    assert page.goto(showcase.list_url).status == 200
    expect(page.locator(".ex-card").first).to_be_visible()
    snap(page, shot_name("public-list", viewport))
    first_page = assert_list_pages_show_the_published_set(page)

    # The three photos are served by the site (each loads); the others show the placeholder.
    photo_names = {person_name(PUBLISHED_UNIT, n) for n in PHOTO_NUMBERS}
    for name in first_page:
        image = card_of(page, name).locator("img")
        expect(image).to_have_attribute("src", PHOTO_URL if name in photo_names else NO_PHOTO_URL)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.ex-card img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    expect(page.locator(".ex-card img[src*='photo.jpg']")).to_have_count(len(PHOTO_NUMBERS))
    photo = page.locator(".ex-card img[src*='photo.jpg']").first.get_attribute("src")
    response = page.request.get(photo)
    assert response.ok and response.headers["content-type"] == "image/jpeg"

    # The post shows, except on the card of the one whose unit hid it.
    hidden_name = person_name(PUBLISHED_UNIT, HIDDEN_POST_NUMBER)
    expect(card_of(page, person_name(PUBLISHED_UNIT, 1)).locator(".ex-post")).to_have_text("科员")
    expect(card_of(page, hidden_name).locator(".ex-post")).to_have_count(0)

    # Search by name: just that card.
    wanted = person_name(PUBLISHED_UNIT, 7)
    search_for(page, wanted)
    assert card_names(page) == [wanted]

    # The hidden post is on no profile page either (the one who hid it included).
    page.goto(showcase.list_url)
    card_of(page, hidden_name).locator("a").click()
    expect(page.get_by_role("heading", name=hidden_name, exact=True)).to_be_visible()
    assert_nothing_unpublished(page.content())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_public_list_works_without_javascript(showcase, open_anonymous):
    page = open_anonymous(DESKTOP, javascript=False)
    assert page.goto(showcase.list_url).status == 200
    assert_list_pages_show_the_published_set(page)
    wanted = person_name(PUBLISHED_UNIT, SPECIAL_NUMBERS[0])
    search_for(page, wanted)
    assert card_names(page) == [wanted]


# ----------------------------------------------------------------------------------------
# The big screen
# ----------------------------------------------------------------------------------------

# Installed before the page's own scripts: on every change of the document it notes which
# of the forbidden texts are in the DOM and the names the current page of cards shows
# (``window.__screen.pages``: data-page → names).
SCREEN_WATCH = """
(forbidden => {
  const watch = { pages: {}, leaks: [] };
  window.__screen = watch;
  const check = () => {
    const html = document.documentElement ? document.documentElement.outerHTML : "";
    for (const text of forbidden) if (html.includes(text) && !watch.leaks.includes(text)) watch.leaks.push(text);
    const page = document.body ? document.body.dataset.page : undefined;
    if (page === undefined) return;
    watch.pages[page] = Array.from(
      document.querySelectorAll("#s-cards .slot:not([hidden]) .name"), name => name.textContent
    );
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
})(%s);
"""


def watch_screen(page, forbidden: list[str]) -> None:
    page.add_init_script(SCREEN_WATCH % json.dumps(forbidden, ensure_ascii=False))


def body_number(page, name: str) -> int:
    return int(page.evaluate(f"document.body.dataset.{name} || '0'"))


def wait_for_body(page, name: str, at_least: int, *, timeout: float = TIMEOUT_MS) -> int:
    """Wait until ``<body data-name>`` (a count screen.js keeps) reaches ``at_least``."""
    page.wait_for_function(
        "([name, n]) => Number(document.body.dataset[name] || 0) >= n", arg=[name, at_least], timeout=timeout
    )
    return body_number(page, name)


def wait_for_cards(page, count: int) -> None:
    page.wait_for_function("n => document.body.dataset.cards === String(n)", arg=count)


def current_page(page) -> dict:
    """Rotations so far, the page of cards shown and its names, read at one moment."""
    return page.evaluate(
        """() => ({
          rotations: Number(document.body.dataset.rotations),
          page: document.body.dataset.page,
          names: Array.from(document.querySelectorAll("#s-cards .slot:not([hidden]) .name"), n => n.textContent),
        })"""
    )


def visible_slot_names(page) -> list[str]:
    return page.locator("#s-cards .slot:not([hidden]) .name").all_inner_texts()


def open_screen(page, url: str, **params) -> None:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    assert page.goto(f"{url}?{query}").status == 200
    page.wait_for_function("document.body.dataset.version !== undefined")


def pages_of_a_full_cycle(page) -> dict[str, list[str]]:
    """The names each page of cards showed, once every page was seen."""
    page.wait_for_function(
        "Object.keys(window.__screen.pages).length >= Number(document.body.dataset.pages)"
    )
    return page.evaluate("window.__screen.pages")


def painted_pixels(page, chart_id: str) -> int:
    """Pixels an ECharts canvas in the chart has drawn on (0 when there is no canvas)."""
    return page.evaluate(
        """id => {
          const canvas = document.querySelector(`#${id} canvas`);
          if (!canvas || !canvas.width || !canvas.height) return 0;
          const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
          return painted;
        }""",
        chart_id,
    )


def assert_charts_drawn(page, chart_ids) -> None:
    for chart_id in chart_ids:
        expect(page.locator(f"#{chart_id} canvas").first).to_be_visible()
        page.wait_for_function(
            "id => document.querySelector(`#${id} canvas`) !== null", arg=chart_id
        )
        assert painted_pixels(page, chart_id) > 0, f"#{chart_id} drew nothing"


def assert_only_requests_to(page, live_server) -> None:
    """Every request went to the live server (ECharts too, from its /static/)."""
    host = urlparse(live_server.url).netloc
    away = [url for url in page.requested if urlparse(url).scheme in ("http", "https", "ws", "wss")
            and urlparse(url).netloc != host]
    assert not away, f"requests to other hosts: {away}"
    assert f"{live_server.url}{ECHARTS}" in page.requested


@SCREENS
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_big_screen_rotates_through_the_published_exemplars(
    showcase, open_anonymous, snap, live_server, viewport
):
    page = open_anonymous(viewport)
    watch_screen(page, [*UNPUBLISHED_NAMES, UNIT_B.name, HIDDEN_POST])
    open_screen(page, showcase.screen_url, interval=0.3)
    wait_for_cards(page, len(PUBLISHED_NAMES))
    expect(page.locator("#s-cards .slot .name").first).not_to_be_empty()
    assert len(visible_slot_names(page)) == SCREEN_CARDS[viewport["width"]]
    assert all(visible_slot_names(page))
    expect(page.locator("#c-exemplars")).to_have_text(str(len(PUBLISHED_NAMES)))
    expect(page.locator("#c-special")).to_have_text(str(len(SPECIAL_NUMBERS)))
    expect(page.locator("#c-units")).to_have_text("1")
    assert_charts_drawn(page, ["chart-route", "chart-category", "chart-unit"])
    snap(page, shot_name("screen", viewport))

    # The cards change with every rotation.
    before = current_page(page)
    wait_for_body(page, "rotations", before["rotations"] + 3)
    after = current_page(page)
    assert after["page"] != before["page"] and after["names"] != before["names"]

    cycle = pages_of_a_full_cycle(page)
    per_page = SCREEN_CARDS[viewport["width"]]
    assert len(cycle) == body_number(page, "pages") == -(-len(PUBLISHED_NAMES) // per_page)
    shown = [name for number in sorted(cycle, key=int) for name in cycle[number]]
    assert sorted(shown) == sorted(PUBLISHED_NAMES), "one cycle shows every exemplar once"
    assert all(cycle[a] != cycle[b] for a in cycle for b in cycle if a != b)

    assert page.evaluate("window.__screen.leaks") == []
    data = page.request.get(f"{showcase.screen_url}data.json").text()
    assert_nothing_unpublished(data)
    assert_only_requests_to(page, live_server)
