"""A unit's lists as .xlsx from its own pages: the ranking, the roster with scores, the
candidates (proposed, then as decided) and the objections, opened as Excel users open them
(openpyxl for the cells, LibreOffice for the printed page); another unit's are not found."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from jixiao.org.models import Role, RoleKind
from tests.office import as_printed, needs_libreoffice
from tests.workflow_city import UNIT_A, UNIT_B, build_city, person_name, staff_id, to_publicity

PASSWORD = "renshike-2025-xiazai"


@pytest.fixture
def city(db, tmp_path, capsys):
    return build_city(tmp_path, capsys)


@pytest.fixture
def assessor_a(client, city):
    user = get_user_model().objects.create_user("renshike_a")
    Role.objects.create(user=user, kind=RoleKind.ASSESSOR, unit=city.units[UNIT_A.name])
    client.force_login(user)
    return client


def sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(
        openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )


def url(city, unit_name: str, table: str) -> str:
    return f"/reports/{city.period.code}/units/{city.units[unit_name].pk}/{table}.xlsx"


def test_the_unit_pages_offer_their_lists(assessor_a, city):
    unit = city.units[UNIT_A.name]
    for page, table in (("", "ranking"), ("roster/", "roster"), ("candidates/", "candidates")):
        html = assessor_a.get(f"/periods/{city.period.code}/units/{unit.pk}/{page}").content.decode()
        assert url(city, UNIT_A.name, table) in html, page


def test_the_ranking_and_the_roster_hold_the_units_people_only(assessor_a, city):
    ranking = sheet(assessor_a.get(url(city, UNIT_A.name, "ranking")))
    assert ranking[0] == ("工号", "姓名", "单位", "人员类别", "总分", "组内排名", "组内人数", "结果")
    assert [row[0] for row in ranking[1:]] == [staff_id(UNIT_A, n) for n in range(1, 21)]
    assert {row[2] for row in ranking[1:]} == {UNIT_A.name}
    assert ranking[4][7] == "否决"  # the 4th person is vetoed
    roster = sheet(assessor_a.get(url(city, UNIT_A.name, "roster")))
    assert roster[0][:2] == ("工号", "姓名") and len(roster) == 21
    assert (roster[4][0], roster[4][1], roster[4][6]) == (
        staff_id(UNIT_A, 4),
        person_name(UNIT_A, 4),
        "受警告处分影响期内",
    )


def test_the_candidates_before_and_after_the_decision(assessor_a, city):
    proposed = sheet(assessor_a.get(url(city, UNIT_A.name, "candidates")))
    assert [row[0] for row in proposed[1:]] == [staff_id(UNIT_A, 1), staff_id(UNIT_A, 2)]
    assert {row[10] for row in proposed[1:]} == {"拟推荐"}
    to_publicity(city, city.units[UNIT_A.name], objection_against=staff_id(UNIT_A, 2))
    decided = sheet(assessor_a.get(url(city, UNIT_A.name, "candidates")))
    assert {row[9] for row in decided[1:]} == {"同意"} and {row[10] for row in decided[1:]} == {"公示中"}
    objections = sheet(assessor_a.get(url(city, UNIT_A.name, "objections")))
    assert len(objections) == 2 and objections[1][1] == person_name(UNIT_A, 2)
    assert objections[1][6] == "待处理"


def test_another_units_lists_are_not_found(assessor_a, city):
    for table in ("ranking", "roster", "candidates", "objections"):
        assert assessor_a.get(url(city, UNIT_B.name, table)).status_code == 404
    assert assessor_a.get(url(city, UNIT_A.name, "nothing")).status_code == 404


@needs_libreoffice
def test_the_ranking_prints_every_person(assessor_a, city, tmp_path):
    path = tmp_path / "ranking.xlsx"
    path.write_bytes(assessor_a.get(url(city, UNIT_A.name, "ranking")).content)
    text = "\n".join(as_printed(path, tmp_path))
    for number in range(1, 21):
        assert person_name(UNIT_A, number) in text


def test_last_periods_roster_is_the_next_ones_start(assessor_a, city):
    """A new period's import page offers the unit's roster of the last period as a file in
    the import's columns; imported as it is, the new period has the same people."""
    from jixiao.assessment.actions import create_period
    from jixiao.assessment.models import RosterEntry
    from jixiao.org.access import Operator

    unit = city.units[UNIT_A.name]
    create_period("2025H2", acting_user=Operator("cli:test"))
    page = assessor_a.get(f"/periods/2025H2/units/{unit.pk}/import/").content.decode()
    link = f"/periods/2025H1/units/{unit.pk}/roster.xlsx"
    assert link in page
    download = assessor_a.get(link)
    content = b"".join(download.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("工号", "姓名", "单位", "人员类别", "职务", "性别")
    assert len(rows) == 21 and {row[2] for row in rows[1:]} == {UNIT_A.name}
    upload = SimpleUploadedFile("roster.xlsx", content)
    checked = assessor_a.post(
        f"/periods/2025H2/units/{unit.pk}/import/", {"kind": "roster", "file": upload}, follow=True
    )
    assert "花名册" in checked.content.decode()
    assessor_a.post(f"/periods/2025H2/units/{unit.pk}/import/", {"apply": "1"}, follow=True)
    before = set(
        RosterEntry.objects.filter(period__code="2025H1", unit=unit).values_list(
            "person__staff_id", "name", "gender", "post"
        )
    )
    after = set(
        RosterEntry.objects.filter(period__code="2025H2", unit=unit).values_list(
            "person__staff_id", "name", "gender", "post"
        )
    )
    assert before == after and len(after) == 20
    # Another unit's roster file is not theirs to download.
    assert (
        assessor_a.get(f"/periods/2025H1/units/{city.units[UNIT_B.name].pk}/roster.xlsx").status_code == 404
    )
    assert assessor_a.get("/periods/2025H1/roster.xlsx").status_code == 403
