"""Units that never had an exemplar, on the trends page and in its downloads: a period counts
for a unit only once it is finished for the unit — its list published, or the period
closed. A unit whose list is still in progress is not listed as never having had an
exemplar for that period; it is shown apart, as "list still in progress".

The city of test_statistics: 市财政局 and 城关镇 published exemplars in 2024H1 and 2024H2;
市档案馆 (4 people, 2 scored each period) has no list in 2024H1 and its 2024H2 list is in
publicity (A02 approved, not published). Both periods are open.
"""

import io
import re

import pytest
from openpyxl import load_workbook

from jixiao.assessment.actions import get_or_create_period, set_period_state
from jixiao.assessment.models import PeriodState
from jixiao.org.access import Operator
from jixiao.org.models import Category, RoleKind, Unit
from jixiao.reports import statistics
from jixiao.selection.models import Candidate, Proposal, ProposalState, Route, Verdict
from tests.integration.test_statistics import ARCHIVE, FINANCE, GENERAL, MIDDLE, TOWN, listed, roster
from tests.workflow_city import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    """test_statistics' city, in short: its rosters, and the lists that matter here."""
    categories = {
        name: Category.objects.create(name=name, sort_order=i) for i, name in enumerate((GENERAL, MIDDLE))
    }
    units = {
        name: Unit.objects.create(name=name, sort_order=i) for i, name in enumerate((FINANCE, TOWN, ARCHIVE))
    }
    first = get_or_create_period("2024H1", acting_user=Operator("test"))[0]
    second = get_or_create_period("2024H2", acting_user=Operator("test"))[0]
    roster(first, units, categories)
    roster(second, units, categories, minus=1)
    approved = (Route.BY_RANK, Verdict.APPROVED, False)
    for period in (first, second):
        listed(period, units[FINANCE], "published", {"F01": approved})
        listed(period, units[TOWN], "published", {"C01": approved})
    listed(second, units[ARCHIVE], "publicity", {"A02": approved})
    return {"first": first, "second": second, "units": units}


def table_rows(html: str, table_id: str) -> list[list[str]] | None:
    """The body rows of the page's table ``table_id`` as cell texts (None: no such table)."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    if table is None:
        return None
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]


def sheet_rows(client, listing: str) -> list[list]:
    response = client.get(f"/reports/trends/{listing}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def as_tuples(units) -> list[tuple]:
    return [(u.unit, u.periods, u.assessed, u.in_progress) for u in units]


@pytest.fixture
def admin(client):
    client.force_login(make_user("admin", RoleKind.CITY_ADMIN))
    return client


def test_a_unit_whose_lists_are_in_progress_is_not_listed_as_never_having_exemplars(admin, city):
    assert statistics.units_never_with_exemplars() == []
    assert as_tuples(statistics.units_still_in_progress()) == [(ARCHIVE, 0, 0, ("2024H1", "2024H2"))]

    html = admin.get("/reports/trends/").content.decode()
    # The table of units that never had one says there is none (one cell across the row).
    (only_row,) = table_rows(html, "units-without")
    assert len(only_row) == 1 and ARCHIVE not in only_row[0]
    assert table_rows(html, "units-in-progress") == [[ARCHIVE, "2024H1、2024H2"]]
    assert sheet_rows(admin, "units-without") == []
    assert sheet_rows(admin, "units-in-progress") == [[ARCHIVE, "2024H1、2024H2"]]


def test_a_closed_period_counts_and_the_one_in_progress_is_named(admin, city):
    # 2024H1 closed: 市档案馆 went through it without a list, so without an exemplar.
    set_period_state(city["first"], PeriodState.CLOSED, acting_user=Operator("test"))
    assert as_tuples(statistics.units_never_with_exemplars()) == [(ARCHIVE, 1, 2, ("2024H2",))]
    assert statistics.units_still_in_progress() == []

    html = admin.get("/reports/trends/").content.decode()
    assert table_rows(html, "units-without") == [[ARCHIVE, "1", "2", "2024H2"]]
    assert table_rows(html, "units-in-progress") is None
    assert sheet_rows(admin, "units-without") == [[ARCHIVE, 1, 2, "2024H2"]]


def test_a_published_list_without_exemplars_counts_its_period(admin, city):
    # 市档案馆's 2024H2 list published with its one candidate rejected; 2024H1 closed.
    set_period_state(city["first"], PeriodState.CLOSED, acting_user=Operator("test"))
    Candidate.objects.filter(proposal__unit__name=ARCHIVE).update(verdict=Verdict.REJECTED)
    Proposal.objects.filter(unit__name=ARCHIVE).update(state=ProposalState.PUBLISHED)
    assert as_tuples(statistics.units_never_with_exemplars()) == [(ARCHIVE, 2, 4, ())]

    html = admin.get("/reports/trends/").content.decode()
    assert table_rows(html, "units-without") == [[ARCHIVE, "2", "4", "—"]]
    assert table_rows(html, "units-in-progress") is None
    assert sheet_rows(admin, "units-without") == [[ARCHIVE, 2, 4, ""]]


def test_a_published_exemplar_takes_the_unit_off_both_lists(admin, city):
    # 市档案馆's 2024H2 list published with A02 approved: it has an exemplar now.
    Proposal.objects.filter(unit__name=ARCHIVE).update(state=ProposalState.PUBLISHED)
    assert statistics.units_never_with_exemplars() == []
    assert statistics.units_still_in_progress() == []
    html = admin.get("/reports/trends/").content.decode()
    assert table_rows(html, "units-in-progress") is None
    assert all(unit not in str(table_rows(html, "units-without")) for unit in (ARCHIVE, FINANCE, TOWN))
