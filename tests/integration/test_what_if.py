"""Rule what-if (规则推演): what other settings of a period's rules would give equals what
ranking the period under those settings actually gives — and computing it changes nothing.

The cross-check draws random small cities and random current and alternative settings
(the strategies of ``test_ranking_sql``), computes the what-if, then ranks the period for
real under each set of settings (``rank_period``, in a savepoint rolled back after each
example) and compares every count per unit and category, per category and the city, and
every person who comes in or drops out with their ranks. Runs on SQLite and PostgreSQL.
"""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.org.models import RoleKind
from jixiao.selection import rules, what_if_views
from jixiao.selection.models import RankingResult, SelectionRules
from jixiao.selection.ranking import placements_select_sql, rank_period, ranking_select_sql
from jixiao.selection.what_if import TABLE, RuleSettings, compare
from tests.integration.test_access_isolation import snapshot
from tests.integration.test_ranking_sql import (
    DEFAULT_RULES,
    cities,
    each_example_rolled_back,
    make_city,
    rule_settings,
    scored,
    store_city,
    store_period,
)
from tests.workflow_city import PERIOD, UNIT_A, UNIT_B, build_city, make_user, person_name, staff_id

pytestmark = pytest.mark.django_db

NAMES = RuleSettings.names()


def settings_of(spec) -> RuleSettings:
    return RuleSettings(**{name: getattr(spec, name) for name in NAMES})


# --------------------------------------------------------------------------- the real ranking


def ranked_under(period, s: RuleSettings) -> dict[int, tuple]:
    """Rank the period for real under the settings: person → (unit, category, group unit,
    rank, group size, places, outcome)."""
    SelectionRules.objects.filter(period=period).update(**{name: getattr(s, name) for name in NAMES})
    rank_period(period, actor="test")
    return {
        row[0]: row[1:]
        for row in RankingResult.objects.filter(period=period).values_list(
            "person_id", "unit_id", "category_id", "group_unit_id", "rank", "group_size", "quota", "outcome"
        )
    }


def expected_comparison(results: list[dict[int, tuple]], sets: list[RuleSettings]):
    """From the real rankings under each set (the current one first): per unit and category
    and per category (assessed, vetoed, [(eligible, places, in, out) per set]), and per
    alternative the changed people {(person, came in, (rank, size, places) now, then)}."""

    def tally(key_of):
        counted = {}
        for person, row in results[0].items():
            key = key_of(row)
            entry = counted.setdefault(key, [0, 0, [[0, None, 0, 0] for _ in sets]])
            entry[0] += 1
            entry[1] += row[6] == rules.Outcome.VETOED
            for i, result in enumerate(results):
                eligible = result[person][6] == rules.Outcome.BY_RANK
                now = results[0][person][6] == rules.Outcome.BY_RANK
                entry[2][i][0] += eligible
                if i:
                    entry[2][i][2] += eligible and not now
                    entry[2][i][3] += now and not eligible
        return counted

    rows = tally(lambda row: (row[0], row[1]))
    for (unit, category), entry in rows.items():
        for i, s in enumerate(sets):
            if s.peer_scope == rules.PeerScope.UNIT:
                quotas = {r[5] for r in results[i].values() if (r[0], r[1]) == (unit, category)}
                assert len(quotas) == 1
                entry[2][i][1] = quotas.pop()
    categories = tally(lambda row: row[1])
    for category, entry in categories.items():
        for i in range(len(sets)):
            groups = {(r[2], r[1]): r[5] for r in results[i].values() if r[1] == category}
            entry[2][i][1] = sum(groups.values())
    people = []
    for i in range(1, len(sets)):
        changed = set()
        for person, now in results[0].items():
            then = results[i][person]
            if (now[6] == rules.Outcome.BY_RANK) != (then[6] == rules.Outcome.BY_RANK):
                changed.add((person, then[6] == rules.Outcome.BY_RANK, now[3:6], then[3:6]))
        people.append(changed)
    return rows, categories, people


def as_counted(row) -> list:
    return [
        row.assessed,
        row.vetoed,
        [[c.eligible, c.places, c.came_in, c.dropped_out] for c in [row.current, *row.alternatives]],
    ]


def as_changed(people) -> set:
    return {
        (
            p.person_id,
            p.came_in,
            (p.now.rank, p.now.group_size, p.now.places),
            (p.then.rank, p.then.group_size, p.then.places),
        )
        for p in people.people
    }


# --------------------------------------------------------------------------- the cross-check


@settings(max_examples=40)
@given(
    cities(max_groups=5, max_group_size=30), rule_settings, st.lists(rule_settings, min_size=1, max_size=3)
)
@each_example_rolled_back
def test_the_what_if_equals_ranking_the_period_under_each_alternative(city, current_spec, alternative_specs):
    stored = store_city(city)
    period = store_period(stored, "2024H1", current_spec)
    current = settings_of(current_spec)
    alternatives = [settings_of(spec) for spec in alternative_specs]

    comparison = compare(period, alternatives, changed_rows_only=False, people_limit=None)
    changed_only = compare(period, alternatives)

    sets = [current, *alternatives]
    results = [ranked_under(period, s) for s in sets]
    rows, categories, people = expected_comparison(results, sets)

    assert {(r.unit_id, r.category_id): as_counted(r) for r in comparison.rows} == rows
    assert comparison.row_count == len(rows)
    assert {r.category_id: as_counted(r) for r in comparison.categories} == categories
    assert comparison.city.assessed == len(results[0])
    for i, alternative in enumerate(comparison.city.alternatives, start=1):
        assert alternative.eligible == sum(r[6] == rules.Outcome.BY_RANK for r in results[i].values())
        assert alternative.came_in + alternative.dropped_out == len(people[i - 1])
    assert [as_changed(p) for p in comparison.people] == people
    assert [p.count for p in comparison.people] == [len(p) for p in people]
    # Only the changed units and categories, in the same order.
    assert changed_only.rows == [r for r in comparison.rows if r.changed]
    assert changed_only.categories == comparison.categories


@settings(max_examples=10)
@given(cities(max_units=4, max_groups=6, max_group_size=20), rule_settings, st.integers(1, 4))
@each_example_rolled_back
def test_the_pages_of_rows_and_people_make_up_the_whole(city, spec, page_size):
    stored = store_city(city)
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    alternative = settings_of(spec)
    whole = compare(period, [alternative], changed_rows_only=False, people_limit=None)
    rows, people = [], []
    pages = -(-max(len(whole.rows), whole.people[0].count) // page_size) + 1  # one past the last
    for page in range(pages):
        part = compare(
            period,
            [alternative],
            changed_rows_only=False,
            rows_offset=page * page_size,
            rows_limit=page_size,
            people_offset=page * page_size,
            people_limit=page_size,
        )
        assert part.row_count == whole.row_count and part.people[0].count == whole.people[0].count
        rows += part.rows
        people += part.people[0].people
    assert rows == whole.rows
    assert people == whole.people[0].people


# --------------------------------------------------------------------------- changing nothing


def test_the_what_if_changes_nothing_and_leaves_no_table_behind():
    city, stored = make_city(
        {(0, 0): scored(*range(100, 70, -1), vetoed={2}), (1, 0): scored(*range(95, 85, -1))},
        parents=(None, 0),
    )
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    rank_period(period, actor="test")
    before = snapshot()
    alternatives = [
        RuleSettings(share_percent=Decimal("20")),
        RuleSettings(peer_scope=rules.PeerScope.CITY, fill_vetoed_places=True),
        RuleSettings(quota_rounding=rules.QuotaRounding.CEIL, min_quota=1),
    ]
    with CaptureQueriesContext(connection) as queries:
        comparison = compare(period, alternatives)
    assert comparison.changed
    assert snapshot() == before
    # Every statement reads, or creates, indexes and drops the session's own temporary tables.
    own = rf'"{TABLE}(_\d+)?"'
    writes_own = re.compile(
        rf"CREATE TEMPORARY TABLE {own} AS (WITH|SELECT) "
        rf'|CREATE INDEX "{TABLE}_\d+_person" ON {own} \(person_id\)$'
        rf"|DROP TABLE (IF EXISTS )?{own}$"
    )
    for query in queries.captured_queries:
        sql = " ".join(query["sql"].split())
        assert sql.startswith(("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT")) or writes_own.match(sql), sql
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT COUNT(*) FROM pg_class WHERE relname LIKE %s", [f"{TABLE}%"])
        else:
            cursor.execute("SELECT COUNT(*) FROM sqlite_temp_master WHERE name LIKE %s", [f"{TABLE}%"])
        assert cursor.fetchone()[0] == 0


def test_a_worked_example():
    # 30 people in unit 0 (the second best vetoed), 10 in unit 1 below it in the tree.
    city, stored = make_city(
        {(0, 0): scored(*range(100, 70, -1), vetoed={2}), (1, 0): scored(*range(95, 85, -1))},
        parents=(None, 0),
    )
    unit0, unit1 = (u.pk for u in stored.units)
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    share20 = RuleSettings(share_percent=Decimal("20"))
    filled = RuleSettings(fill_vetoed_places=True)
    tree = RuleSettings(peer_scope=rules.PeerScope.UNIT_TREE)
    comparison = compare(period, [share20, filled, tree], changed_rows_only=False, people_limit=None)

    rows = {r.unit_id: r for r in comparison.rows}
    # Now: unit 0 has 3 places (100 in, 99 vetoed, 98 in), unit 1 has 1 (95).
    assert (rows[unit0].current.places, rows[unit0].current.eligible) == (3, 2)
    assert (rows[unit1].current.places, rows[unit1].current.eligible) == (1, 1)
    # 20 %: 6 places (5 eligible: 99 stays vetoed) and 2 places.
    share, fill, pooled = rows[unit0].alternatives
    assert (share.places, share.eligible, share.came_in, share.dropped_out) == (6, 5, 3, 0)
    assert (rows[unit1].alternatives[0].places, rows[unit1].alternatives[0].eligible) == (2, 2)
    # Filling the vetoed place lets 97 in.
    assert (fill.places, fill.eligible, fill.came_in) == (3, 3, 1)
    # One tree of 40: 4 places, taken by 100, 98, 97 (99 vetoed, its place empty; 95 of
    # unit 1 is below 96); places per unit are the group's, not the unit's.
    assert pooled.places is None and (pooled.eligible, pooled.came_in) == (3, 1)
    assert rows[unit1].alternatives[2].dropped_out == 1
    city_tree = comparison.city.alternatives[2]
    assert (city_tree.places, city_tree.eligible) == (4, 3)

    came_in = {(p.total, p.came_in) for p in comparison.people[1].people}
    assert came_in == {(Decimal(97), True)}
    tree_people = sorted(
        (p.total, p.came_in, p.then.rank, p.then.group_size) for p in comparison.people[2].people
    )
    assert tree_people == [(Decimal(95), False, 6, 40), (Decimal(97), True, 4, 40)]


# --------------------------------------------------------------------------- the page


@pytest.fixture
def city(tmp_path, capsys):
    """市财政局 and 城关镇, 20 people each (99 … 80, the 4th vetoed), ranked: 2 places each."""
    return build_city(tmp_path, capsys, specs=(UNIT_A, UNIT_B))


@pytest.fixture
def office(client, city):
    client.force_login(make_user("office", RoleKind.CITY_ADMIN))
    return client


URL = f"/periods/{PERIOD}/what-if/"


def alternatives_query(*changes: dict) -> dict:
    """The form's GET parameters: three alternatives, each the default rules with changes."""
    sets = [RuleSettings().with_changes(**c) for c in changes]
    return what_if_views.query_of(sets + [RuleSettings()] * (3 - len(sets))).dict()


def text(response) -> str:
    return " ".join(unescape(response.content.decode()).split())


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return _(message)


def test_the_settings_page_links_to_the_what_if(office):
    page = office.get(f"/periods/{PERIOD}/settings/").content.decode()
    assert f'href="{URL}"' in page


def test_the_page_starts_from_the_current_rules_and_computes_nothing_yet(office, city):
    SelectionRules.objects.filter(period=city.period).update(share_percent=Decimal("12.5"), min_quota=1)
    response = office.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for index in (1, 2, 3):
        assert f'name="a{index}-share_percent" value="12.50"' in page
        assert f'name="a{index}-min_quota" value="1"' in page
    assert 'id="results"' not in page
    assert zh("Nothing is changed here.") in text(response)


def test_the_page_shows_each_alternative_against_the_current_rules(office, city):
    city.nominate(staff_id(UNIT_A, 3))
    before = snapshot()
    query = alternatives_query(
        {"share_percent": Decimal("20")},
        {"share_percent": Decimal("20"), "fill_vetoed_places": True},
        {},  # the same as now: not compared
    )
    response = office.get(URL, query)
    assert response.status_code == 200
    assert snapshot() == before
    page = text(response)
    assert zh("Nothing is changed here.") in page
    assert zh("Alternative 1") in page and zh("Alternative 2") in page
    assert response.context["columns"][0]["label"] == what_if_views.ORDINALS[0]
    assert len(response.context["columns"]) == 2
    comparison = response.context["comparison"]
    # Now 2 eligible in each unit; at 20 % 4 places: 3 eligible (the 4th is vetoed), and 4
    # when the vetoed place passes on.
    assert comparison.city.current.eligible == 4
    assert [c.eligible for c in comparison.city.alternatives] == [6, 8]
    assert [c.places for c in comparison.city.alternatives] == [8, 8]
    first, second = (column["people"].people for column in response.context["columns"])
    assert {(p.staff_id, p.came_in) for p in first} == {
        (staff_id(UNIT_A, 3), True),
        (staff_id(UNIT_B, 3), True),
    }
    assert {p.staff_id for p in second} == {staff_id(s, n) for s in (UNIT_A, UNIT_B) for n in (3, 5)}
    # The people as the page lists them, the nominee marked.
    for spec in (UNIT_A, UNIT_B):
        assert person_name(spec, 3) in page and staff_id(spec, 3) in page
    assert [p.nominated for p in first if p.staff_id == staff_id(UNIT_A, 3)] == [True]
    assert zh("nominated as special") in page
    # The foot of the category table: the city.
    foot = response.content.decode().split("<tfoot>")[1].split("</tfoot>")[0]
    values = [
        " ".join(unescape(re.sub(r"<[^>]+>", "", c)).split())
        for c in re.findall(r"<td[^>]*>(.*?)</td>", foot, re.S)
    ]
    assert values[1:] == ["40", "2", "4", "4", "8 (+4)", "6 (+2)", "+2 / −0", "8 (+4)", "8 (+4)", "+4 / −0"]


def test_the_people_lists_by_unit_and_page_by_page(office, city, monkeypatch):
    monkeypatch.setattr(what_if_views, "PEOPLE_PER_PAGE", 1)
    query = alternatives_query({"share_percent": Decimal("20"), "fill_vetoed_places": True})
    unit_b = city.units[UNIT_B.name]
    response = office.get(URL, {**query, "unit": unit_b.pk})
    people = response.context["columns"][0]["people"]
    assert people.count == 2 and [p.staff_id for p in people.people] == [staff_id(UNIT_B, 3)]
    assert response.context["people_pages"].count == 2
    second = office.get(URL, {**query, "unit": unit_b.pk, "people": 2})
    assert [p.staff_id for p in second.context["columns"][0]["people"].people] == [staff_id(UNIT_B, 5)]


def test_bad_settings_are_refused_with_the_reason_and_nothing_is_computed(office):
    query = alternatives_query({"share_percent": Decimal("20")})
    query["a1-share_percent"] = "200"
    response = office.get(URL, query)
    assert response.status_code == 200
    assert "comparison" not in response.context
    assert response.context["forms"][0].errors["share_percent"]


def test_alternatives_equal_to_the_current_rules_are_not_compared(office):
    response = office.get(URL, alternatives_query())
    assert response.context.get("nothing_to_compare") is True


def test_only_the_city_office_opens_the_page_and_only_with_get(client, city, office):
    assert office.post(URL, alternatives_query()).status_code == 405
    client.force_login(make_user("assessor", RoleKind.ASSESSOR, city.units[UNIT_A.name]))
    assert client.get(URL, alternatives_query({"share_percent": Decimal("20")})).status_code == 403


@settings(max_examples=30)
@given(cities(max_groups=5, max_group_size=25), st.lists(rule_settings, min_size=1, max_size=4))
@each_example_rolled_back
def test_placing_under_several_settings_at_once_equals_each_ranking_select(city, specs):
    """``placements_select_sql`` (every set in one statement, windows shared) gives for each
    set what the ranking's own SELECT gives under it."""
    stored = store_city(city)
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    sets = [settings_of(spec) for spec in specs]
    with connection.cursor() as cursor:
        cursor.execute(placements_select_sql(sets), [period.pk])
        together = cursor.fetchall()
        for i, s in enumerate(sets):
            cursor.execute(ranking_select_sql(s), [period.pk])
            # group key, peer rank, group size, places, outcome
            alone = {row[1]: tuple(row[5:6]) + tuple(row[7:11]) for row in cursor.fetchall()}
            assert {row[0]: tuple(row[6 + 5 * i : 11 + 5 * i]) for row in together} == alone
