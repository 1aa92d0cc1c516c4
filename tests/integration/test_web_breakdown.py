"""A person's breakdown page and a unit's score templates, in the browser's terms."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest

from jixiao.assessment.models import RosterEntry, Score
from tests.files import jixiao

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    run = jixiao(capsys, "demo", "--no-serve", "--people", "150")
    assert run.status == 0, run.err


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user(
            "kaohe", password="x-Strong-pass-1", is_staff=True, is_superuser=True
        )
    )
    return client


def test_breakdown_page_adds_up_to_the_stored_total(demo, staff_client):
    score = Score.objects.filter(veto_text="").select_related("entry__person", "entry__period").first()
    page = staff_client.get(f"/periods/2023H1/people/{score.entry.person.staff_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert score.entry.person.name in html
    total = re.search(r"<dt>总分</dt><dd><b>([\d.]+)</b>", html).group(1)
    assert Decimal(total) == score.total
    # Every scored indicator appears with its rater groups or as an entered figure.
    assert html.count("<tr>") >= 3
    assert "领导评价" in html


def test_incomplete_person_is_explained(demo, staff_client):
    entry = RosterEntry.objects.filter(score__isnull=True).select_related("person").first()
    if entry is None:
        pytest.skip("the demo city of this seed left nobody incomplete")
    html = staff_client.get(f"/periods/2023H1/people/{entry.person.staff_id}/").content.decode()
    assert "未评分" in html
    assert "<b>不完整</b>" in html


def test_unit_page_offers_templates_that_open_in_excel(demo, staff_client):
    entry = RosterEntry.objects.select_related("unit", "category").first()
    unit_page = staff_client.get(f"/periods/2023H1/units/{entry.unit_id}/").content.decode()
    link = f"/periods/2023H1/units/{entry.unit_id}/categories/{entry.category_id}/templates/rater-scores.xlsx"
    assert link in unit_page
    response = staff_client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[1][:5] == ("工号", "姓名", "评价主体", "评价人", "期间")
    staff_ids = {row[0] for row in rows[2:]}
    expected = set(
        RosterEntry.objects.filter(period=entry.period, unit=entry.unit, category=entry.category).values_list(
            "person__staff_id", flat=True
        )
    )
    assert staff_ids == expected


def test_breakdown_and_templates_need_a_city_administrator(demo, client, django_user_model):
    entry = RosterEntry.objects.select_related("person").first()
    urls = [
        f"/periods/2023H1/people/{entry.person.staff_id}/",
        f"/periods/2023H1/units/{entry.unit_id}/categories/{entry.category_id}/templates/adjustments.xlsx",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    # Without a role in the unit the pages do not exist for the user.
    client.force_login(django_user_model.objects.create_user("staff", password="x-Strong-pass-1"))
    for url in urls:
        assert client.get(url).status_code == 404
