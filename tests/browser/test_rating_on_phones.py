"""A unit runs its online rating (考核码) in the browser: the assessment office opens a round
and issues codes for three rater groups (the slips printed as a PDF and read back), three
raters score and submit on phones (390×844, no account), one slip is lost and re-issued,
the office closes and counts the round, the totals equal what the formula gives for the
scores typed on the phones, and no page shows who scored what."""

import subprocess

import pytest
from playwright.sync_api import expect

from jixiao.assessment import formula
from jixiao.assessment.models import Period, RaterGroup, RosterEntry, SchemeTotal
from jixiao.assessment.schemes import IndicatorSpec, define_scheme, formula_scheme
from jixiao.imports.actions import import_file
from jixiao.imports.roster import ROSTER_COLUMNS
from jixiao.imports.source import open_source
from jixiao.org.access import Operator
from jixiao.org.models import Category, RoleKind, Unit
from jixiao.rating.models import RatingCode, RatingRound
from tests.browser.conftest import TIMEOUT_MS, accept_confirmations
from tests.files import write_csv

PHONE = {"width": 390, "height": 844}
PASSWORD = "Ceshi-mima-2023"
PEOPLE = [
    ["000101", "张三", "市财政局", "一般干部", "科员"],
    ["000102", "李四", "市财政局", "一般干部", "科员"],
    ["000103", "王五", "市财政局", "一般干部", "副科长"],
]
# What each rater types on the phone: staff ID → (德, 能).
LEADER = {"000101": ("88", "92.5"), "000102": ("81", "79"), "000103": ("95", "90")}
COLLEAGUE = {"000102": ("84.25", "86"), "000103": ("77", "83")}  # 张三 holds it: not himself
SERVICE = {"000102": ("91", "89.75"), "000103": ("70", "72")}  # the counter's people only


@pytest.fixture
def finance(tmp_path):
    roster = write_csv(tmp_path / "花名册.csv", [["工号", "姓名", "单位", "人员类别", "职务"], *PEOPLE])
    operator = Operator("test")
    period = Period.objects.create(code="2023H1", start="2023-01-01", end="2023-06-30")
    import_file("roster", period, open_source(roster, ROSTER_COLUMNS), acting_user=operator)
    scheme = define_scheme(
        name="一般干部考核方案",
        period=period,
        category=Category.objects.get(name="一般干部"),
        indicators=[IndicatorSpec("德", 50), IndicatorSpec("能", 50)],
        rater_groups={"领导评价": 50, "同事互评": 30, "服务对象评价": 20},
        trim_from=3,
    )
    return period, Unit.objects.get(name="市财政局"), scheme


def issue(page, group: str, *, count: int | None = None, holders=(), scored=()) -> list[str]:
    """Issue a batch through the round's form; the codes as the issued page shows them (once)."""
    expect(page.locator("h1")).to_have_text("发放考核码")
    page.get_by_label("评价主体").select_option(label=group)
    if holders:
        page.get_by_label("为选定的人员每人发放一个（不评本人）").check()
        for name in holders:
            page.get_by_label(f"{name}持有考核码").check()
    else:
        page.get_by_label("匿名考核码，按填写的数量发放").check()
        page.get_by_label("匿名考核码数量").fill(str(count))
    if scored:
        page.get_by_label("只评选定的人员（如本科室、服务窗口）").check()
        for name in scored:
            page.get_by_label(f"{name}为被评人").check()
    page.get_by_role("button", name="发放", exact=True).click()
    codes = page.locator(".issued-slips .slip-code").all_inner_texts()
    assert codes and all(len(code) == 9 and code[4] == "-" for code in codes)
    return codes


def rate_on_phone(chromium, live_server, key: str, code: str, scores: dict, snap=None):
    """A rater's phone: the slip's QR address, the code, the scores, review, submit."""
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    accept_confirmations(phone)
    phone.goto(f"/rate/{key}/?code={code}")
    phone.get_by_role("button", name="开始评分").click()
    expect(phone).to_have_url(f"{live_server.url}/rate/sheet/")
    entries = {e.person.staff_id: e.pk for e in RosterEntry.objects.select_related("person")}
    names = {e.pk: e.name for e in RosterEntry.objects.all()}
    shown = phone.locator("input[type=number]").evaluate_all("inputs => inputs.map(i => i.name)")
    expected_fields = {f"s-{entries[staff]}-" for staff in scores}
    assert {name.rsplit("-", 1)[0] + "-" for name in shown} == expected_fields, (
        "the sheet shows the wrong people"
    )
    for staff, values in scores.items():
        fields = [name for name in shown if name.startswith(f"s-{entries[staff]}-")]
        for field, value in zip(sorted(fields, key=lambda n: int(n.rsplit("-", 1)[1])), values, strict=True):
            # One autosave at a time (the live server's in-memory SQLite does not queue writers).
            with phone.expect_response("**/rate/save/") as saved:
                phone.locator(f"input[name='{field}']").fill(value)
                phone.locator(f"input[name='{field}']").blur()
            assert saved.value.ok
    # Autosaved as typed: the status line says so.
    expect(phone.locator("[aria-live]").first).to_contain_text("已保存")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if snap:
        snap(phone, "phone-sheet")
    phone.get_by_role("button", name="检查并提交").click()
    expect(phone).to_have_url(f"{live_server.url}/rate/review/")
    for staff in scores:
        expect(phone.locator("main")).to_contain_text(names[entries[staff]])
    phone.get_by_role("button", name="确认提交，提交后不能修改").click()
    expect(phone).to_have_url(f"{live_server.url}/rate/done/")
    context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_unit_runs_its_rating_on_phones_without_a_spreadsheet(
    chromium, live_server, open_as, make_user, finance, snap, tmp_path
):
    period, unit, scheme = finance
    make_user("renshike", PASSWORD, RoleKind.ASSESSOR, unit=unit)
    office = open_as("renshike", PASSWORD)

    # The unit opens a round.
    office.goto(f"/periods/2023H1/units/{unit.pk}/rating/")
    office.get_by_label("测评名称").fill("财政局上半年在线测评")
    office.get_by_role("button", name="开启", exact=True).click()
    # Opened: straight on to issuing its codes.
    expect(office.locator("main")).to_contain_text("财政局上半年在线测评")
    the_round = RatingRound.objects.get()
    key = the_round.key
    round_page = f"{live_server.url}/periods/2023H1/units/{unit.pk}/rating/{the_round.pk}/"

    # Codes for three groups: a leader, the colleagues (bound: 张三 holds one), a counter.
    (leader_code,) = issue(office, "领导评价", count=1)
    # The slips, as printed: the PDF read back holds the code and the rating address.
    # The download button's form, posted as the browser posts it (Chromium itself would open
    # the PDF in its viewer, ready to print).
    download = office.locator("form", has=office.get_by_role("button", name="下载考核码条（PDF，A4）"))
    fields = {
        name: download.locator(f"input[name='{name}']").input_value()
        for name in ("csrfmiddlewaretoken", "codes")
    }
    response = office.request.post(download.get_attribute("action"), form=fields)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "slips.pdf"
    pdf.write_bytes(response.body())
    printed = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    assert leader_code in printed.stdout and f"/rate/{key}/" in printed.stdout
    office.goto(round_page)
    office.get_by_role("link", name="发放考核码").click()
    (colleague_code,) = issue(office, "同事互评", holders=["张三"])
    office.goto(round_page)
    office.get_by_role("link", name="发放考核码").click()
    (service_code,) = issue(office, "服务对象评价", count=1, scored=["李四", "王五"])
    assert not RatingCode.objects.filter(code_hash__in=[leader_code, colleague_code, service_code]).exists()

    # The leader and the service user score on their phones.
    rate_on_phone(chromium, live_server, key, leader_code, LEADER, snap)
    rate_on_phone(chromium, live_server, key, service_code, SERVICE)

    # 张三 lost his slip: the office re-issues slip 2; the old code dies at once.
    office.goto(round_page)
    office.get_by_label("考核码序号").fill("2")
    office.get_by_role("button", name="补发", exact=True).click()
    (new_code,) = office.locator(".issued-slips .slip-code").all_inner_texts()
    assert new_code != colleague_code
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    stale = context.new_page()
    stale.goto(f"/rate/{key}/?code={colleague_code}")
    stale.get_by_role("button", name="开始评分").click()
    expect(stale.locator("main")).to_contain_text("考核码无效")
    snap(stale, "phone-old-code")
    context.close()
    rate_on_phone(chromium, live_server, key, new_code, COLLEAGUE)

    # Progress, then the round is closed and counted.
    office.goto(round_page)
    expect(office.locator("main")).to_contain_text("3")
    page_text = office.locator("main").inner_text()
    office.get_by_role("button", name="结束计分").click()
    expect(office.locator("main")).to_contain_text("已结束计分")
    snap(office, "office-counted")

    # The totals are what the formula gives for the scores typed on the phones.
    groups = {g.name: g.pk for g in RaterGroup.objects.all()}
    indicators = {i.name: i.pk for i in scheme.indicators.all()}
    for staff in ("000101", "000102", "000103"):
        rater_scores = {}
        for group, typed in (("领导评价", LEADER), ("同事互评", COLLEAGUE), ("服务对象评价", SERVICE)):
            if staff in typed:
                for name, value in zip(("德", "能"), typed[staff], strict=True):
                    rater_scores[(indicators[name], 1, groups[group])] = [formula.to_cents(value)]
        expected = formula.person_total(formula_scheme(scheme), formula.Inputs(rater_scores=rater_scores))
        entry = RosterEntry.objects.get(person__staff_id=staff)
        assert SchemeTotal.objects.get(entry=entry).total_cents == expected.total_cents, staff
        assert expected.total_cents is not None

    # Nobody can see who scored what: not the office's round page (before and after), not
    # the breakdown of a person 张三 scored.
    for value in ("84.25", "89.75", "92.5"):
        assert value not in page_text
        assert value not in office.locator("main").inner_text()
    office.goto("/periods/2023H1/people/000102/")
    breakdown = office.locator("main").inner_text()
    assert "李四" in breakdown
    assert "张三" not in breakdown and colleague_code not in breakdown and new_code not in breakdown
