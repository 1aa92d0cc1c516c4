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
* A unit's own screen: only that unit, no chart by unit; the screen of a unit still in its
  publicity shows nobody.
* A short last page shows only its own cards; an empty screen says nobody is published
  yet; odd timings in the URL (``inf``) fall back to the defaults instead of spinning.

``window.__screen`` (installed before the page's scripts) watches the DOM of a screen at
every change, so "never in the DOM" means at no moment, not only when the test looks.
"""

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from jixiao.org.access import Operator
from jixiao.selection import actions, workflow
from jixiao.showcase import profiles
from tests.workflow_city import (
    PERIOD,
    UNIT_A,
    UNIT_B,
    UnitSpec,
    build_city,
    person_name,
    staff_id,
    to_publicity,
    write_profile,
)

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
# How long a page step or a wait on the screen may take (ms), as conftest's pages have it.
TIMEOUT_MS = 15_000
# The memory test runs hundreds of rotations: its waits get longer.
LONG_WAIT_MS = 120_000


@dataclass
class Showcase:
    """The city of the fixture: its two units, the URLs of its public pages, and the
    publication of the unit still in publicity, for a test to make."""

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
        actions.publish(self.unpublished_proposal, acting_user=Operator("city"), today=PUBLICATION_DAY)


def exemplar_of(city, number: int):
    return workflow.exemplars(city.period).get(person__staff_id=staff_id(PUBLISHED_UNIT, number))


@pytest.fixture(autouse=True)
def fast_screens(settings):
    """The screen's timings may go far below what a lobby TV is allowed, for the tests."""
    settings.JIXIAO_SCREEN_MIN_INTERVAL = 0.05
    settings.JIXIAO_SCREEN_MIN_REFRESH = 0.2


@pytest.fixture
def showcase(tmp_path, capsys) -> Showcase:
    """市财政局 published (25 exemplars, three with a photo, one with a hidden post);
    城关镇 in publicity."""
    city = build_city(tmp_path, capsys, (PUBLISHED_UNIT, UNIT_B), special_cap_percent=SPECIAL_CAP_PERCENT)
    for number in SPECIAL_NUMBERS:
        city.nominate(staff_id(PUBLISHED_UNIT, number))
    published_unit, unpublished_unit = city.units[PUBLISHED_UNIT.name], city.units[UNIT_B.name]
    proposal, _, _ = to_publicity(city, published_unit)
    unpublished_proposal, _, _ = to_publicity(city, unpublished_unit)
    actions.publish(proposal, acting_user=Operator("city"), today=PUBLICATION_DAY)
    assert {c.name for c in workflow.exemplars(city.period).select_related("person")} == PUBLISHED_NAMES

    for number in PHOTO_NUMBERS:
        write_profile(exemplar_of(city, number), portrait=f"exemplar-{number}")
    hidden = profiles.ProfileText(post=HIDDEN_POST, achievements="", quote="", show_post=False)
    write_profile(exemplar_of(city, HIDDEN_POST_NUMBER), hidden)
    return Showcase(published_unit, unpublished_unit, unpublished_proposal)


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

    # The filters are a plain form too: the special nominations only (one page of 16).
    page.goto(showcase.list_url)
    page.locator("form.public-filters select[name=route]").select_option("special")
    page.locator("form.public-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert sorted(card_names(page)) == sorted(person_name(PUBLISHED_UNIT, n) for n in SPECIAL_NUMBERS)


# ----------------------------------------------------------------------------------------
# The big screen
# ----------------------------------------------------------------------------------------

# Installed before the page's own scripts: on every change of the document it notes which
# of the forbidden texts are in the DOM, and the cards the current page shows
# (``window.__screen.pages``: data-page → [{name, unit, photo}, …]).
SCREEN_WATCH = """
(forbidden => {
  const watch = { pages: {}, leaks: [] };
  window.__screen = watch;
  const check = () => {
    const html = document.documentElement ? document.documentElement.outerHTML : "";
    for (const text of forbidden) if (html.includes(text) && !watch.leaks.includes(text)) watch.leaks.push(text);
    const page = document.body ? document.body.dataset.page : undefined;
    if (page === undefined) return;
    watch.pages[page] = Array.from(document.querySelectorAll("#s-cards .slot:not([hidden])"), slot => ({
      name: slot.querySelector(".name").textContent,
      unit: slot.querySelector(".unit").textContent,
      photo: slot.querySelector("img").getAttribute("src"),
    }));
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
})(%s);
"""
# Not in the DOM of a screen at any moment: nobody of 城关镇 (in publicity), not the unit
# itself, not the post a unit hid.
NEVER_ON_SCREEN = [*UNPUBLISHED_NAMES, UNIT_B.name, HIDDEN_POST]


def watch_screen(page, forbidden: list[str]) -> None:
    page.add_init_script(SCREEN_WATCH % json.dumps(forbidden, ensure_ascii=False))


def open_screen(page, url: str, **params) -> None:
    """Open a screen with its ``?interval=…&refresh=…`` and wait for its first data."""
    query = "&".join(f"{name}={value}" for name, value in params.items())
    assert page.goto(f"{url}?{query}" if query else url).status == 200
    page.wait_for_function("() => document.body.dataset.version !== undefined")


def body_number(page, name: str) -> int:
    return int(page.evaluate("name => document.body.dataset[name] || '0'", name))


def wait_for_body(page, name: str, at_least: int, *, timeout: float | None = None) -> int:
    """Wait until ``<body data-name>`` (a count screen.js keeps) reaches ``at_least``."""
    page.wait_for_function(
        "([name, n]) => Number(document.body.dataset[name] || 0) >= n", arg=[name, at_least], timeout=timeout
    )
    return body_number(page, name)


def wait_for_cards(page, count: int) -> None:
    page.wait_for_function("n => document.body.dataset.cards === String(n)", arg=count)


def visible_slot_names(page) -> list[str]:
    return page.locator("#s-cards .slot:not([hidden]) .name").all_inner_texts()


def shown_after(page, rotations: int) -> dict:
    """The first page of cards shown after more than ``rotations`` rotations (faded in):
    its rotation count, page number and names, read at one moment."""
    state = page.wait_for_function(
        """rotations => {
          const body = document.body;
          if (Number(body.dataset.rotations) <= rotations || body.querySelector(".fading")) return null;
          return {
            rotations: Number(body.dataset.rotations),
            page: body.dataset.page,
            names: Array.from(body.querySelectorAll("#s-cards .slot:not([hidden]) .name"), n => n.textContent),
          };
        }""",
        arg=rotations,
    )
    return state.json_value()


def cards_of_a_full_cycle(page) -> list[dict]:
    """The cards of every page, in page order, once each page was shown: [{name, unit,
    photo}, …]. Checks that no page showed the same cards as another."""
    page.wait_for_function(
        "() => Object.keys(window.__screen.pages).length >= Number(document.body.dataset.pages)"
    )
    pages = page.evaluate("window.__screen.pages")
    assert sorted(pages, key=int) == [str(n) for n in range(body_number(page, "pages"))]
    names = [[card["name"] for card in pages[n]] for n in pages]
    assert all(a != b for i, a in enumerate(names) for b in names[i + 1 :]), names
    return [card for number in sorted(pages, key=int) for card in pages[number]]


def assert_names_once_each(cards: list[dict], expected: set[str]) -> None:
    names = [card["name"] for card in cards]
    assert sorted(names) == sorted(expected), "one cycle shows every exemplar exactly once"


def painted_pixels(page, chart_id: str) -> int:
    """Pixels the chart's ECharts canvas has drawn on."""
    return page.evaluate(
        """id => {
          const canvas = document.querySelector(`#${id} canvas`);
          const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
          return painted;
        }""",
        chart_id,
    )


def assert_charts_drawn(page, chart_ids: list[str]) -> None:
    for chart_id in chart_ids:
        expect(page.locator(f"#{chart_id} canvas").first).to_be_visible()
        assert painted_pixels(page, chart_id) > 0, f"#{chart_id} drew nothing"


def assert_counters(page, *, exemplars: int, special: int, units: int) -> None:
    expect(page.locator("#c-exemplars")).to_have_text(str(exemplars))
    expect(page.locator("#c-by_rank")).to_have_text(str(exemplars - special))
    expect(page.locator("#c-special")).to_have_text(str(special))
    expect(page.locator("#c-units")).to_have_text(str(units))


def assert_requests_stay_on(page, live_server) -> None:
    """Every request went to the live server, ECharts too (from its /static/)."""
    host = urlparse(live_server.url).netloc
    away = [url for url in page.requested if urlparse(url).scheme != "data" and urlparse(url).netloc != host]
    assert not away, f"requests to other hosts: {away}"
    assert f"{live_server.url}{ECHARTS}" in page.requested


def screen_data(page, screen_url: str) -> dict:
    response = page.request.get(f"{screen_url}data.json")
    assert response.ok
    return response.json()


@SCREENS
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_big_screen_rotates_through_the_published_exemplars(
    showcase, open_anonymous, snap, live_server, viewport
):
    page = open_anonymous(viewport)
    watch_screen(page, NEVER_ON_SCREEN)
    open_screen(page, showcase.screen_url, interval=0.3)
    wait_for_cards(page, len(PUBLISHED_NAMES))
    per_page = SCREEN_CARDS[viewport["width"]]
    names = visible_slot_names(page)
    assert len(names) == per_page and all(names), names
    assert_counters(page, exemplars=len(PUBLISHED_NAMES), special=len(SPECIAL_NUMBERS), units=1)
    assert_charts_drawn(page, ["chart-route", "chart-category", "chart-unit"])
    snap(page, shot_name("screen", viewport))

    # Every rotation shows other cards.
    before = shown_after(page, 2)  # data-rotations ≥ 3
    after = shown_after(page, before["rotations"])
    assert after["rotations"] == before["rotations"] + 1
    assert after["page"] != before["page"] and after["names"] != before["names"]

    # One cycle: every published exemplar once, with its photo or the placeholder.
    cards = cards_of_a_full_cycle(page)
    assert body_number(page, "pages") == -(-len(PUBLISHED_NAMES) // per_page)
    assert_names_once_each(cards, PUBLISHED_NAMES)
    photo_names = {person_name(PUBLISHED_UNIT, n) for n in PHOTO_NUMBERS}
    for card in cards:
        if card["name"] in photo_names:
            assert PHOTO_URL.match(card["photo"]), card
        else:
            assert card["photo"] == NO_PHOTO_URL, card

    assert page.evaluate("window.__screen.leaks") == []
    assert_nothing_unpublished(json.dumps(screen_data(page, showcase.screen_url), ensure_ascii=False))
    assert_requests_stay_on(page, live_server)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_big_screen_shows_a_new_publication_without_reloading(showcase, open_anonymous):
    page = open_anonymous(DESKTOP)
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    open_screen(page, showcase.screen_url, interval=5, refresh=0.3)
    wait_for_cards(page, len(PUBLISHED_NAMES))
    page.evaluate("window.__marker = 1")
    version = page.evaluate("document.body.dataset.version")
    # Polls of an unchanged showcase change nothing.
    wait_for_body(page, "polls", body_number(page, "polls") + 3)
    assert page.evaluate("document.body.dataset.version") == version

    showcase.publish_unpublished_unit()
    total = len(PUBLISHED_NAMES) + len(UNIT_B_EXEMPLARS)
    expect(page.locator("#c-exemplars")).to_have_text(str(total))
    wait_for_cards(page, total)
    assert_counters(page, exemplars=total, special=len(SPECIAL_NUMBERS), units=2)
    assert page.evaluate("document.body.dataset.version") != version
    assert page.evaluate("window.__marker") == 1, "the screen reloaded"
    assert len(navigations) == 1, navigations
    cards = page.evaluate(
        "fetch(document.body.dataset.url).then(r => r.json()).then(data => data.cards.map(c => c.name))"
    )
    assert set(cards) == PUBLISHED_NAMES | UNIT_B_EXEMPLARS


def heap_and_nodes(cdp, samples: int = 8) -> dict[str, float]:
    """JS heap in use and DOM nodes right after a full garbage collection. The screen keeps
    rotating meanwhile (every rotation replaces some 40 text nodes), so one reading may
    catch a rotation's garbage: the least of a few readings is what stays alive."""
    readings = []
    for _ in range(samples):
        cdp.send("HeapProfiler.collectGarbage")
        metrics = {
            metric["name"]: metric["value"] for metric in cdp.send("Performance.getMetrics")["metrics"]
        }
        readings.append(metrics)
    return {name: min(reading[name] for reading in readings) for name in ("JSHeapUsedSize", "Nodes")}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_big_screen_does_not_grow_while_it_runs(showcase, open_anonymous):
    page = open_anonymous(DESKTOP)
    open_screen(page, showcase.screen_url, interval=0.05, refresh=0.2)
    wait_for_cards(page, len(PUBLISHED_NAMES))
    wait_for_body(page, "rotations", 20)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    before = heap_and_nodes(cdp)
    rotations, polls = body_number(page, "rotations"), body_number(page, "polls")

    wait_for_body(page, "rotations", rotations + 200, timeout=LONG_WAIT_MS)
    wait_for_body(page, "polls", polls + 20, timeout=LONG_WAIT_MS)
    after = heap_and_nodes(cdp)
    ran = (body_number(page, "rotations") - rotations, body_number(page, "polls") - polls)
    growth = after["JSHeapUsedSize"] - before["JSHeapUsedSize"]
    print(
        f"\nbig screen memory over {ran[0]} rotations and {ran[1]} polls: "
        f"JSHeapUsedSize {before['JSHeapUsedSize']:.0f} → {after['JSHeapUsedSize']:.0f} B ({growth:+.0f} B), "
        f"Nodes {before['Nodes']:.0f} → {after['Nodes']:.0f} ({after['Nodes'] - before['Nodes']:+.0f})"
    )
    assert after["Nodes"] <= before["Nodes"] + 20
    assert growth < 2 * 1024 * 1024


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_units_screen_shows_only_that_unit(showcase, open_anonymous):
    # Both units published: the city's screen would show both.
    showcase.publish_unpublished_unit()
    page = open_anonymous(DESKTOP)
    watch_screen(page, [*UNPUBLISHED_NAMES, UNIT_B.name, HIDDEN_POST])
    unit_screen = showcase.unit_screen_url(showcase.published_unit)
    open_screen(page, unit_screen, interval=0.3)
    wait_for_cards(page, len(PUBLISHED_NAMES))
    expect(page.locator("#s-where")).to_have_text(PUBLISHED_UNIT.name)
    assert_counters(page, exemplars=len(PUBLISHED_NAMES), special=len(SPECIAL_NUMBERS), units=1)
    expect(page.locator("#chart-unit")).to_have_count(0)
    assert_charts_drawn(page, ["chart-route", "chart-category"])
    cards = cards_of_a_full_cycle(page)
    assert_names_once_each(cards, PUBLISHED_NAMES)
    assert {card["unit"] for card in cards} == {PUBLISHED_UNIT.name}
    assert page.evaluate("window.__screen.leaks") == []
    assert {card["unit"] for card in screen_data(page, unit_screen)["cards"]} == {PUBLISHED_UNIT.name}

    # And the other unit's screen only its own two.
    open_screen(page, showcase.unit_screen_url(showcase.unpublished_unit), interval=0.3)
    wait_for_cards(page, len(UNIT_B_EXEMPLARS))
    expect(page.locator("#s-where")).to_have_text(UNIT_B.name)
    assert set(visible_slot_names(page)) == UNIT_B_EXEMPLARS
    assert PUBLISHED_UNIT.name not in page.content()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_screen_of_a_unit_in_publicity_shows_nobody(showcase, open_anonymous):
    page = open_anonymous(DESKTOP)
    watch_screen(page, [*UNPUBLISHED_NAMES, HIDDEN_POST])  # the unit's own name it shows
    unit_screen = showcase.unit_screen_url(showcase.unpublished_unit)
    open_screen(page, unit_screen, interval=0.3)
    wait_for_body(page, "polls", 1)
    assert body_number(page, "cards") == 0
    assert_counters(page, exemplars=0, special=0, units=0)
    assert visible_slot_names(page) == []
    assert screen_data(page, unit_screen)["cards"] == []
    assert page.evaluate("window.__screen.leaks") == []

    # Without script, the page itself says nobody is published.
    without_script = open_anonymous(DESKTOP, javascript=False)
    assert without_script.goto(unit_screen).status == 200
    expect(without_script.locator(".s-empty")).to_be_visible()
    assert without_script.locator("#s-cards .slot").count() == 0


# ----------------------------------------------------------------------------------------
# Known faults of the screen (strict: they fail once the fault is fixed, to be unmarked)
# ----------------------------------------------------------------------------------------


def displayed_slots_on_last_page(page) -> list[str]:
    """The names on the cards actually displayed (not display: none) while the last page is
    shown, read at one moment."""
    state = page.wait_for_function(
        """() => {
          const body = document.body;
          if (body.dataset.page !== String(Number(body.dataset.pages) - 1) || body.querySelector(".fading")) {
            return null;
          }
          return Array.from(body.querySelectorAll("#s-cards .slot"))
            .filter(slot => getComputedStyle(slot).display !== "none")
            .map(slot => slot.querySelector(".name").textContent);
        }"""
    )
    return state.json_value()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_last_page_shows_only_its_own_cards(showcase, open_anonymous, snap):
    page = open_anonymous(DESKTOP)
    open_screen(page, showcase.screen_url, interval=0.3)
    wait_for_cards(page, len(PUBLISHED_NAMES))
    per_page = SCREEN_CARDS[DESKTOP["width"]]
    if not len(PUBLISHED_NAMES) % per_page:
        pytest.fail("the fixture's last page of cards must be short for this test")
    displayed = displayed_slots_on_last_page(page)
    snap(page, "screen-last-page")
    assert len(displayed) == len(PUBLISHED_NAMES) % per_page, displayed


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_screen_without_exemplars_says_so(showcase, open_anonymous):
    page = open_anonymous(DESKTOP)
    open_screen(page, showcase.unit_screen_url(showcase.unpublished_unit), interval=0.3)
    wait_for_body(page, "rotations", 2)
    assert page.locator(".s-empty").is_visible(), "the screen no longer says nobody is published"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_odd_timings_in_the_url_fall_back_to_the_defaults(showcase, open_anonymous):
    page = open_anonymous(DESKTOP)
    page.goto(f"{showcase.screen_url}?interval=inf&refresh=nan")
    body = page.locator("body")
    expect(body).to_have_attribute("data-interval", "10")
    expect(body).to_have_attribute("data-refresh", "60")
    wait_for_cards(page, len(PUBLISHED_NAMES))
    page.wait_for_timeout(1500)
    # Ten seconds a page: nothing has rotated yet, and data.json was asked for once.
    assert page.locator("body").get_attribute("data-rotations") in (None, "0")
    assert page.locator("body").get_attribute("data-polls") == "1"
