"""A new period begun in the browser: the city office imports the roster, opens the staff
accounts and hands out their one-time passwords; a staff member logs in with one and must
choose their own; a unit's office imports its own roster and resets a password."""

import base64
import io
import re
from html import unescape

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from jixiao.assessment import actions as assessment_actions
from jixiao.assessment.models import Period, RosterEntry
from jixiao.core.audit import AuditAction, AuditEntry
from jixiao.org.access import Operator
from jixiao.org.models import PasswordToChange, Role, RoleKind, Unit
from tests.files import roster_rows, scores_rows, write_csv, write_xlsx
from tests.web import sign_in

PASSWORD = "kaohe-2024-secret"
PEOPLE = [
    ["100001", "王小明", "市财政局", "一般干部", "科员", "男"],
    ["100002", "李红", "市财政局", "一般干部", "科员", "女"],
    ["100003", "赵强", "市财政局", "中层干部", "科长", "男"],
    ["200001", "陈静", "城关镇", "一般干部", "科员", "女"],
]
HEADER = ["工号", "姓名", "单位", "人员类别", "职务", "性别"]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def follow(client, response):
    """Follow redirects (the import's background job answers with one) to the final page."""
    while response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200, response.status_code
    return response


def upload(client, url: str, kind: str, path):
    with path.open("rb") as handle:
        return follow(client, client.post(url, {"kind": kind, "file": handle}))


def slips(html: str) -> dict[str, str]:
    """staff ID → one-time password, as printed on the sheet's slips."""
    found = re.findall(
        r'<p class="slip-name">[^<]*<span>（(\w+)）</span>.*?<dd class="mono password">(\w+)</dd>', html, re.S
    )
    return dict(found)


def sheet_workbook(html: str) -> list[list]:
    href = re.search(r'href="data:[^;]+;base64,([^"]+)" download="([^"]+)"', html)
    assert href.group(2).endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(unescape(href.group(1)))))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def empty_period(db):
    return assessment_actions.create_period("2024H1", acting_user=Operator("cli:test"))


@pytest.fixture
def city_office(client, empty_period):
    user = get_user_model().objects.create_user("kaoheban", password=PASSWORD, is_staff=True)
    Role.objects.create(user=user, kind=RoleKind.CITY_ADMIN)
    sign_in(client, "kaoheban", PASSWORD)
    return client


def test_city_office_begins_a_period_from_the_pages(city_office, client, tmp_path):
    board = text(city_office.get("/periods/2024H1/").content.decode())
    assert "What to do next, in order" in board or "接下来要做的事" in board
    import_url = "/periods/2024H1/import/"
    assert import_url + "?kind=roster" in city_office.get("/periods/2024H1/").content.decode()

    # Scores before the roster: one problem that says what to do first, not one per row.
    early = upload(
        city_office, import_url, "scores", write_csv(tmp_path / "s.csv", scores_rows([["100001", 90]]))
    )
    problems = re.findall(
        r"<li>(.*?)</li>", early.content.decode().split('class="problems"')[1].split("</ul>")[0]
    )
    assert len(problems) == 1
    assert "花名册" in problems[0]

    # The roster of every unit: a preview first, nothing written yet.
    roster = write_xlsx(tmp_path / "roster.xlsx", roster_rows(PEOPLE, header=HEADER))
    preview = upload(city_office, import_url, "roster", roster)
    page = text(preview.content.decode())
    assert "roster.xlsx" in page
    assert "市财政局" in page and "城关镇" in page  # the new units are named
    assert RosterEntry.objects.count() == 0
    applied = follow(city_office, city_office.post(import_url, {"apply": "1"}))
    assert "roster.xlsx" in text(applied.content.decode())
    assert RosterEntry.objects.filter(period__code="2024H1").count() == 4

    # Accounts for everyone on the roster, with one-time passwords shown once.
    accounts_page = city_office.get("/periods/2024H1/accounts/").content.decode()
    assert "4" in text(accounts_page)
    sheet = city_office.post("/periods/2024H1/accounts/", {"do": "open"})
    assert sheet.status_code == 200
    assert sheet["Cache-Control"] == "no-store"
    html = sheet.content.decode()
    passwords = slips(html)
    assert set(passwords) == {row[0] for row in PEOPLE}
    assert all(len(p) == 10 and not set(p) & set("0O1lI") for p in passwords.values())
    rows = sheet_workbook(html)
    assert rows[0] == ["单位", "工号", "姓名", "用户名", "初始密码"]
    assert {row[1]: row[4] for row in rows[1:5]} == passwords
    assert "/accounts/login/" in rows[-1][0]
    assert PasswordToChange.objects.count() == 4
    entry = AuditEntry.objects.filter(action=AuditAction.ACCOUNT).latest("id")
    assert sorted(entry.after["opened"]) == sorted(passwords)
    assert not any(p in str(entry.after) for p in passwords.values())  # never the secrets
    # Opening again opens nothing: everyone has an account.
    again = follow(city_office, city_office.post("/periods/2024H1/accounts/", {"do": "open"}))
    assert not slips(again.content.decode())

    # The staff member's first login leads to the password page and nowhere else.
    client.logout()
    sign_in(client, "100002", passwords["100002"])
    blocked = client.get("/me/")
    assert blocked.status_code == 302 and blocked["Location"] == "/accounts/password/"
    form = client.get("/accounts/password/").content.decode()
    assert 'name="old_password"' in form
    assert "first login" in form or "首次登录" in form
    new_password = "huayuan-2024-lihong"
    changed = client.post(
        "/accounts/password/",
        {"old_password": passwords["100002"], "new_password1": new_password, "new_password2": new_password},
    )
    assert changed.status_code == 302
    assert not PasswordToChange.objects.filter(user__username="100002").exists()
    mine = client.get("/me/")
    assert mine.status_code == 200
    assert "李红" in mine.content.decode() and "王小明" not in mine.content.decode()
    # The one-time password is gone.
    client.logout()
    assert (
        client.post("/accounts/login/", {"username": "100002", "password": passwords["100002"]}).status_code
        == 200
    )


def test_unit_office_imports_its_own_roster_and_resets_a_password(client, empty_period, tmp_path):
    finance = Unit.objects.create(name="市财政局")
    Unit.objects.create(name="城关镇")
    assessor = get_user_model().objects.create_user("renshike", password=PASSWORD)
    Role.objects.create(user=assessor, kind=RoleKind.ASSESSOR, unit=finance)
    sign_in(client, "renshike", PASSWORD)
    url = f"/periods/2024H1/units/{finance.pk}/import/"

    # A file with another unit's people is refused whole.
    refused = upload(
        client, url, "roster", write_csv(tmp_path / "all.csv", roster_rows(PEOPLE, header=HEADER))
    )
    assert "other units" in text(refused.content.decode()) or "其他单位" in text(refused.content.decode())
    assert not RosterEntry.objects.exists()

    own = write_csv(tmp_path / "own.csv", roster_rows(PEOPLE[:3], header=HEADER))
    upload(client, url, "roster", own)
    follow(client, client.post(url, {"apply": "1"}))
    assert sorted(RosterEntry.objects.values_list("person__staff_id", flat=True)) == [
        "100001",
        "100002",
        "100003",
    ]

    accounts = f"/periods/2024H1/units/{finance.pk}/accounts/"
    opened = slips(client.post(accounts, {"do": "open"}).content.decode())
    assert set(opened) == {"100001", "100002", "100003"}
    listed = text(client.get(accounts).content.decode())
    assert "王小明" in listed and "陈静" not in listed

    # A lost password: reset for one person, the old one stops working.
    reset = slips(client.post(accounts, {"do": "reset", "staff_id": "100003"}).content.decode())
    assert list(reset) == ["100003"] and reset["100003"] != opened["100003"]
    user = get_user_model().objects.get(username="100003")
    assert not user.check_password(opened["100003"]) and user.check_password(reset["100003"])
    # Nobody else's: the other unit's person is not found on this unit's page.
    Role.objects.create(
        user=get_user_model().objects.create_user("200001"),
        kind=RoleKind.STAFF,
        unit=Unit.objects.get(name="城关镇"),
        person=Period.objects.get(code="2024H1").roster.first().person,
    )
    assert client.post(accounts, {"do": "reset", "staff_id": "200001"}).status_code == 404
    assert client.get("/periods/2024H1/accounts/").status_code == 403


def test_an_account_follows_its_holder_to_their_new_unit(client, city_office, tmp_path):
    """Opening the accounts again after a transfer moves the staff role to the new unit (so
    that office may reset the password), and opens nothing new."""
    roster = write_xlsx(tmp_path / "roster.xlsx", roster_rows(PEOPLE, header=HEADER))
    upload(city_office, "/periods/2024H1/import/", "roster", roster)
    follow(city_office, city_office.post("/periods/2024H1/import/", {"apply": "1"}))
    city_office.post("/periods/2024H1/accounts/", {"do": "open"})
    moved = [PEOPLE[0][:2] + ["城关镇"] + PEOPLE[0][3:], *PEOPLE[1:]]
    upload(
        city_office,
        "/periods/2024H1/import/",
        "roster",
        write_xlsx(tmp_path / "moved.xlsx", roster_rows(moved, header=HEADER)),
    )
    follow(city_office, city_office.post("/periods/2024H1/import/", {"apply": "1"}))
    again = follow(city_office, city_office.post("/periods/2024H1/accounts/", {"do": "open"}))
    assert not slips(again.content.decode())
    assert "1 个账号已随本人调整到本期花名册上的单位。" in text(again.content.decode())
    assert Role.objects.get(kind=RoleKind.STAFF, person__staff_id="100001").unit.name == "城关镇"
    assert get_user_model().objects.filter(username__in=[row[0] for row in PEOPLE]).count() == 4
