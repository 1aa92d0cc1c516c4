"""The whole half-year in the browser, as its users do it, in Chinese (DESIGN.md rules 5–7).

A small city — 市财政局 (A) and 城关镇 (B), 50 people each in 一般干部 and 中层干部 — and
one browser context per user:

* the city administrator creates 2025H1 and sets its rules, imports the roster of both units
  through the city's import page (preview first), opens the staff accounts and downloads
  their one-time passwords as .xlsx;
* A's assessor imports a real .xlsx of totals (preview first, nothing written until it is
  applied), searches and sorts the roster table, runs the ranking, nominates a person for
  an outstanding contribution and submits the list;
* A's committee secretary records the meeting and decides every candidate;
* A's assessor issues the publicity notice, downloads it as .docx and .pdf, records an
  objection and upholds it;
* the city administrator publishes, and the board and the exemplar totals show it;
* a staff member of A signs in with the one-time password, must choose their own first, and
  sees only their own result; B's assessor cannot even see A's pages.

In A, per category, 25 people and 2 places (10 %, floor); the special cap is 1
(2 % of 50, floor).
"""

import datetime
import re
import subprocess
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jixiao.assessment.models import Period, RosterEntry, Score, VetoReason
from jixiao.demo.workflow import city_office_group
from jixiao.imports.models import ImportRecord
from jixiao.org.access import Operator
from jixiao.org.models import Person, Role, RoleKind, Unit
from jixiao.selection import actions
from jixiao.selection.models import (
    Candidate,
    Objection,
    Proposal,
    ProposalState,
    RankingResult,
    Resolution,
    Route,
    SpecialNomination,
    Verdict,
)
from jixiao.selection.publicity import publicity_end
from jixiao.selection.workflow import exemplars
from tests.files import jixiao_ok, roster_rows, scores_rows, write_xlsx

PERIOD = "2025H1"
A, B = "市财政局", "城关镇"
GENERAL, MIDDLE = "一般干部", "中层干部"
VETO = "受警告处分影响期内"
DEEDS = "在2025年防汛抗旱工作中连续奋战一线四十余天，组织转移群众三百余人，表现突出。"
REJECTION = "近期群众来信反映的问题尚在核实之中"
PUBLICITY_DAYS = 7
NOTICE_START = datetime.date(2025, 7, 7)

PASSWORDS = {
    "kaoheban": "Kaoheban-2025-chengshi",  # city administrator
    "caizheng_kp": "Caizheng-kaoping-0707",  # A's assessor
    "caizheng_dw": "Caizheng-dangwei-0703",  # A's committee secretary
    "wangfang": "Wangfang-wode-jieguo",  # a staff member of A: the password they choose
    "chengguan_kp": "Chengguan-kaoping-0801",  # B's assessor
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "芳华", "建国", "秀英", "志强", "丽娟", "文博", "海燕", "明辉", "晓东", "春梅",
    "国栋", "玉兰", "俊杰", "雪梅", "红军", "思远", "立新", "翠萍", "振华", "美玲",
    "德明", "慧敏", "永康", "桂芝", "子涵",
]  # fmt: skip


def people_of(unit: str, first_id: int, surnames: str) -> list[dict]:
    """25 一般干部 (科员) then 25 中层干部 (科长); three-character names, all different, so
    no name is part of another."""
    people = []
    for i in range(50):
        category, post = (GENERAL, "科员") if i < 25 else (MIDDLE, "科长")
        people.append(
            {
                "staff_id": str(first_id + i),
                "name": surnames[i] + GIVEN[i % 25],
                "unit": unit,
                "category": category,
                "post": post,
                "gender": "女" if i % 3 == 0 else "男",
            }
        )
    return people


PEOPLE_A = people_of(A, 100001, SURNAMES[:50])
PEOPLE_B = people_of(B, 200001, SURNAMES[50:])
assert len({p["name"] for p in PEOPLE_A + PEOPLE_B}) == 100


def a_total(person: dict) -> Decimal:
    """Distinct totals, no ties: 一般干部 95.00, 94.25 … ; 中层干部 96.10, 95.50 …"""
    i = PEOPLE_A.index(person)
    if i < 25:
        return Decimal("95.00") - Decimal("0.75") * i
    return Decimal("96.10") - Decimal("0.60") * (i - 25)


def by_id(staff_id: str) -> dict:
    return next(p for p in PEOPLE_A if p["staff_id"] == staff_id)


# The cast, by staff ID.
TOP_GENERAL = ["100001", "100002"]  # 一般干部 ranks 1 and 2: the 2 places
TOP_MIDDLE = ["100026", "100027"]  # 中层干部 ranks 1 and 2
VETOED = "100008"  # 一般干部 rank 8, vetoed
SPECIAL = "100005"  # 一般干部 rank 5: nominated for an outstanding contribution
REJECTED = "100027"  # the committee rejects them
OBJECTED = "100002"  # an objection against them is upheld
STAFF = "100001"  # signs in as a staff member
EXEMPLARS = {"100001": Route.BY_RANK, "100026": Route.BY_RANK, SPECIAL: Route.SPECIAL}


def name(staff_id: str) -> str:
    return by_id(staff_id)["name"]


def message(page):
    return page.locator("ul.messages li")


# --------------------------------------------------------------------------------- steps


def admin_creates_the_period(page):
    page.goto("/")
    expect(page.get_by_role("heading", name="还没有考核期")).to_be_visible()
    page.get_by_role("link", name="考核期", exact=True).click()
    expect(page.get_by_role("heading", name="考核期", exact=True)).to_be_visible()
    page.get_by_label("考核期代码").fill("2025h1")  # typed as people type it
    page.get_by_role("button", name="创建").click()

    expect(page).to_have_url(re.compile(rf"/periods/{PERIOD}/settings/$"))
    expect(message(page)).to_have_text(f"已按默认规则创建考核期 {PERIOD}。")
    expect(page.get_by_role("heading", name="2025年上半年：规则与状态")).to_be_visible()
    days = page.locator("[name=publicity_working_days]")
    expect(days).to_have_value("5")
    days.fill(str(PUBLICITY_DAYS))
    page.get_by_role("button", name="保存规则").click()
    expect(message(page)).to_have_text("规则已保存；需要重新计算排名。")
    expect(page.locator("[name=publicity_working_days]")).to_have_value(str(PUBLICITY_DAYS))
    assert Period.objects.get(code=PERIOD).rules.publicity_working_days == PUBLICITY_DAYS

    page.get_by_role("link", name="2025年上半年").click()
    expect(page.get_by_role("heading", name="2025年上半年：各单位进度")).to_be_visible()
    expect(page.locator("#board")).to_contain_text("本考核期花名册中还没有人员。")


def admin_imports_the_roster(page, tmp_path, snap):
    # The empty period's board says what to do, in order; the roster is the first thing.
    steps = page.locator("section.first-steps")
    expect(steps).to_contain_text("接下来要做的事（按顺序）")
    steps.get_by_role("link", name="导入全市花名册").click()
    expect(page.get_by_role("heading", name=f"全市导入 · {PERIOD}")).to_be_visible()
    expect(page.get_by_label("文件内容")).to_have_value("roster")
    roster = [
        [p["staff_id"], p["name"], p["unit"], p["category"], p["post"], p["gender"]]
        for p in PEOPLE_A + PEOPLE_B
    ]
    workbook = write_xlsx(
        tmp_path / "2025年上半年全市花名册.xlsx",
        roster_rows(roster, header=["工号", "姓名", "单位", "人员类别", "职务", "性别"]),
    )
    page.get_by_label("文件（.xlsx、.xls 或 .csv）").set_input_files(workbook)
    page.get_by_role("button", name="检查文件").click()

    preview = page.get_by_role("region", name="预览")
    expect(preview).to_contain_text(f"导入 {workbook.name} 将会带来的变更")
    expect(preview.locator("li")).to_have_text(
        [
            "人员：新增 100，变更 0",
            "花名册：新增 100，变更 0，未变 0",
            f"新建单位（2 个）：{A}、{B}",
            f"新建人员类别（2 个）：{GENERAL}、{MIDDLE}",
        ]
    )
    snap(page, "0a-roster-preview")
    assert not RosterEntry.objects.exists()  # seen, not yet applied
    preview.get_by_role("button", name="确认导入").click()
    expect(page).to_have_url(re.compile(rf"/periods/{PERIOD}/$"))
    expect(message(page)).to_have_text(f"已导入 {workbook.name}：100 行，100 处变更。")
    assert RosterEntry.objects.filter(period__code=PERIOD).count() == 100


def admin_opens_the_staff_accounts(page, tmp_path, snap) -> dict[str, str]:
    """Every staff member's account, opened in one step; their one-time passwords, read
    from the .xlsx the page hands out (staff ID → password)."""
    page.locator("section.first-steps").get_by_role("link", name="为职工开通账号").click()
    expect(page.get_by_role("heading", name=f"全市职工账号 · {PERIOD}")).to_be_visible()
    expect(page.locator("section.totals b")).to_have_text(["100", "0", "0"])
    page.get_by_role("button", name="为 100 人开通账号").click()
    assert "100" in page.confirmations[-1] and "初始密码" in page.confirmations[-1], page.confirmations

    expect(page.get_by_role("heading", name="初始密码单")).to_be_visible()
    expect(page.locator(".slip")).to_have_count(100)
    snap(page, "0b-password-slips")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 .xlsx").click()
    assert download.value.suggested_filename.startswith(f"{PERIOD}-")
    sheet = tmp_path / download.value.suggested_filename
    download.value.save_as(sheet)
    rows = list(openpyxl.load_workbook(sheet).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("单位", "工号", "姓名", "用户名", "初始密码")
    passwords = {row[1]: row[4] for row in rows[1:101]}
    assert set(passwords) == {p["staff_id"] for p in PEOPLE_A + PEOPLE_B}
    # The slips on the page say the same, and print as slips to cut apart: every one of them,
    # without the page's buttons and top bar.
    slip = page.locator(".slip", has_text=f"（{STAFF}）")
    expect(slip.locator(".password")).to_have_text(passwords[STAFF])
    page.emulate_media(media="print")
    printed = tmp_path / "slips.pdf"
    page.pdf(path=printed, format="A4")
    page.emulate_media(media="screen")
    text = subprocess.run(
        ["pdftotext", "-layout", printed, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert all(password in text for password in passwords.values())
    assert "下载 .xlsx" not in text and "退出" not in text
    return passwords


def staff_member_chooses_a_password(page):
    # The one-time password leads to the password page, and nowhere else until it is changed.
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    expect(page.locator("ul.messages li")).to_contain_text("初始密码")
    page.goto("/me/")
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    expect(page.get_by_role("link", name="审计日志")).to_have_count(0)  # not a staff member's page


def admin_opens_an_office_account(page, username: str, password: str, role: str, unit: str):
    """An account of a unit's office, in the admin as the city office keeps them: the user,
    then their role in the unit (the unit chosen by typing part of its name)."""
    page.goto("/admin/auth/user/add/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码：", exact=True).fill(password)
    page.get_by_label("密码确认").fill(password)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text(username)
    row = page.locator("#roles-group tr.form-row").first
    row.locator("select[name$='-kind']").select_option(label=role)
    row.locator("[name$='-unit'] + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill(unit[:2])
    page.locator(".select2-results__option", has_text=unit).click()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text(username)


def change_password(page, old: str, new: str):
    page.get_by_label("旧密码").fill(old)
    page.get_by_label("新密码：", exact=True).fill(new)
    page.get_by_label("新密码确认").fill(new)
    page.get_by_role("button", name="修改密码").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/done/$"))


def admin_sees_the_units_waiting(page):
    page.goto(f"/periods/{PERIOD}/")
    rows = page.locator("#board tbody tr")
    expect(rows).to_have_count(2)
    for row, unit in zip(rows.all(), (A, B), strict=True):
        expect(row.locator("td").nth(0)).to_have_text(unit)
        expect(row.locator("td").nth(1)).to_have_text("尚无分数")
        expect(row.locator("td").nth(2)).to_have_text("50")
    expect(page.locator("#board tfoot")).to_contain_text("全市合计")


def assessor_imports_the_scores(page, tmp_path, unit_a, snap):
    # Signed in, the assessor of one unit lands on its ranking.
    expect(page).to_have_url(re.compile(rf"/periods/{PERIOD}/units/{unit_a.pk}/$"))
    expect(page.get_by_role("heading", name=f"{A}：同类人员排名")).to_be_visible()
    expect(page.locator("p.warning")).to_be_visible()  # nothing ranked yet

    scores = [[p["staff_id"], float(a_total(p)), VETO if p["staff_id"] == VETOED else None] for p in PEOPLE_A]
    workbook = write_xlsx(
        tmp_path / "市财政局2025年上半年绩效考核总分.xlsx",
        scores_rows(scores, header=["工号", "总分", "否决事由"]),
        title="市财政局2025年上半年绩效考核总分",
    )

    page.locator("nav.tabs").get_by_role("link", name="导入").click()
    expect(page.get_by_role("heading", name="导入花名册和分数")).to_be_visible()
    expect(page.get_by_label("文件内容")).to_have_value("scores")
    page.get_by_label("文件（.xlsx、.xls 或 .csv）").set_input_files(workbook)
    page.get_by_role("button", name="检查文件").click()

    preview = page.get_by_role("region", name="预览")
    expect(preview).to_contain_text(f"导入 {workbook.name} 将会带来的变更")
    expect(preview.locator("li")).to_have_text(["分数：新增 50，变更 0，未变 0；其中否决 1 人"])
    snap(page, "1-import-preview")
    # Seen, not yet applied: nothing is written.
    assert not Score.objects.filter(entry__unit=unit_a).exists()
    assert list(ImportRecord.objects.values_list("kind", flat=True)) == ["roster"]

    preview.get_by_role("button", name="确认导入").click()
    expect(page).to_have_url(re.compile(rf"/periods/{PERIOD}/units/{unit_a.pk}/roster/$"))
    expect(message(page)).to_have_text(f"已导入 {workbook.name}：50 行，50 处变更。")
    stored = dict(Score.objects.filter(entry__unit=unit_a).values_list("entry__person__staff_id", "total"))
    assert stored == {p["staff_id"]: a_total(p) for p in PEOPLE_A}
    assert Score.objects.get(entry__person__staff_id=VETOED).veto_text == VETO


def assessor_searches_the_roster(page):
    roster = page.locator("#roster")
    expect(roster.locator("p.muted")).to_have_text("共 50 人")
    expect(roster.locator("tbody tr")).to_have_count(50)
    row = roster.locator("tbody tr", has_text=VETOED)
    expect(row.locator("td").nth(4)).to_have_text(str(a_total(by_id(VETOED))))
    expect(row.locator("td").nth(6)).to_contain_text(VETO)

    # The search box asks the server as one types (htmx): the page itself stays.
    page.evaluate("window.__sameDocument = true")
    page.get_by_placeholder("工号、姓名或职务").fill(name(SPECIAL))
    expect(roster.locator("tbody tr")).to_have_count(1)
    expect(roster.locator("tbody tr td").nth(0)).to_have_text(SPECIAL)
    expect(roster.locator("tbody tr td").nth(4)).to_have_text("92.00")
    expect(page).to_have_url(re.compile(r"[?&]q="))
    page.get_by_placeholder("工号、姓名或职务").fill("科长")
    expect(roster.locator("p.muted")).to_have_text("共 25 人")
    page.get_by_placeholder("工号、姓名或职务").fill("没有这个人")
    expect(roster.locator("tbody")).to_have_text("没有符合搜索条件的人员。")
    page.get_by_placeholder("工号、姓名或职务").fill("")
    expect(roster.locator("tbody tr")).to_have_count(50)

    # Sorting by a column header, highest total first, then back by staff ID.
    roster.get_by_role("link", name="总分").click()
    expect(page).to_have_url(re.compile(r"sort=-total"))
    expect(roster.locator("tbody tr").first.locator("td").first).to_have_text("100026")
    expect(roster.locator("tbody tr").last.locator("td").first).to_have_text("100025")
    roster.get_by_role("link", name="工号").click()
    expect(roster.locator("tbody tr").first.locator("td").first).to_have_text("100001")
    assert page.evaluate("window.__sameDocument") is True


def assessor_runs_the_ranking(page, unit_a, snap):
    page.locator("nav.tabs").get_by_role("link", name="排名").click()
    page.get_by_role("button", name="计算总分和排名").click()
    expect(message(page)).to_have_text("排名已计算：共 50 人。")  # B has no scores yet
    expect(page.locator("p.warning")).to_have_count(0)

    groups = page.locator("section.group")
    expect(groups).to_have_count(2)
    for group, category, top in ((groups.nth(0), GENERAL, TOP_GENERAL), (groups.nth(1), MIDDLE, TOP_MIDDLE)):
        expect(group.locator("h2")).to_have_text(f"{category} 共 25 人，名额 2 个，排名前列 2 人")
        expect(group.locator("tbody tr")).to_have_count(25)
        # The cut-off line: under the last person within the places.
        cutoff = group.locator("tr.cutoff")
        expect(cutoff).to_have_count(1)
        expect(cutoff.locator("td").nth(1)).to_have_text(top[-1])
        assert cutoff.locator("td").first.evaluate("td => getComputedStyle(td).borderBottomWidth") == "3px"
        for staff_id in top:
            expect(group.locator("tr", has_text=staff_id).locator("td").nth(4)).to_have_text("排名前10%")
    snap(page, "2-ranking")
    vetoed = groups.nth(0).locator("tr", has_text=VETOED)
    expect(vetoed).to_have_class(re.compile(r"\bveto\b"))
    expect(vetoed.locator("td").nth(0)).to_have_text("8")  # keeps their place in the ranking
    expect(vetoed.locator("td").nth(4)).to_have_text("否决")
    assert RankingResult.objects.filter(unit=unit_a, outcome="rank").count() == 4


def assessor_nominates_and_submits(page, unit_a):
    page.locator("nav.tabs").get_by_role("link", name="候选人").click()
    expect(page.get_by_role("heading", name="候选人", exact=True)).to_be_visible()
    expect(page.locator("small.cap")).to_have_text("已用 0 / 上限 1 · 总人数 50")
    eligible = page.locator("section").first.locator("tbody tr")
    expect(eligible).to_have_count(4)

    form = page.locator("form#nominate")
    # Found by name, as the list beside the field offers the people who may be nominated.
    assert f"{name(SPECIAL)}（{SPECIAL}）" in form.locator("datalist option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    form.get_by_label("姓名或工号").fill(name(SPECIAL))
    form.get_by_label("突出贡献（推荐理由，不少于规定字数）").fill(DEEDS)
    form.get_by_role("button", name="推荐").click()
    expect(message(page)).to_have_text("推荐已登记。")
    expect(page.locator("small.cap")).to_have_text("已用 1 / 上限 1 · 总人数 50")
    nomination = page.locator("section", has=page.locator("small.cap")).locator("tbody tr")
    expect(nomination).to_have_count(1)
    expect(nomination.locator("td").nth(1)).to_have_text(name(SPECIAL))
    assert SpecialNomination.objects.get(unit=unit_a).person.staff_id == SPECIAL

    # A second nomination is over the cap: refused with the figures, nothing recorded.
    form.get_by_label("姓名或工号").fill("100006")
    form.get_by_label("突出贡献（推荐理由，不少于规定字数）").fill(DEEDS)
    form.get_by_role("button", name="推荐").click()
    expect(page.locator("form#nominate")).to_contain_text("已用 1 / 上限 1")
    assert SpecialNomination.objects.filter(unit=unit_a).count() == 1

    page.goto(page.url)  # a fresh page, as after any nomination
    expect(page.locator("form.submit p")).to_have_text("将向党委（党组）提交 5 名候选人。")
    page.get_by_role("button", name="提交党委（党组）").click()
    expect(message(page)).to_have_text("已向党委（党组）提交 5 名候选人。")
    assert "5" in page.confirmations[-1] and A in page.confirmations[-1], page.confirmations
    expect(page.locator("p.state b")).to_have_text("已提交党委（党组）")
    submitted = page.locator("table.data").first.locator("tbody tr")
    expect(submitted).to_have_count(5)
    expect(submitted.filter(has_text=SPECIAL).locator("td").first).to_have_text("突出贡献")
    expect(page.get_by_role("button", name="提交党委（党组）")).to_have_count(0)


def secretary_decides(page, unit_a, snap):
    expect(page).to_have_url(re.compile(rf"/periods/{PERIOD}/units/{unit_a.pk}/$"))
    expect(page.get_by_role("button", name="计算总分和排名")).to_have_count(0)  # not the assessor's
    page.locator("nav.tabs").get_by_role("link", name="党委（党组）决定").click()
    rows = page.locator("table.decision tbody tr")
    expect(rows).to_have_count(5)
    for row in rows.all():
        if REJECTED in row.locator("td").nth(1).inner_text():
            row.get_by_label("不通过", exact=True).check()
            row.get_by_placeholder("不通过的理由").fill(REJECTION)
        else:
            row.get_by_label("通过", exact=True).check()

    meeting = page.locator("fieldset")
    meeting.get_by_label(re.compile(r"^会议[:：]?$")).select_option(label="党委会")
    meeting.get_by_label("会议日期").fill("2025-07-03")
    meeting.get_by_label("会议纪要编号").fill("财党委纪〔2025〕12号")
    meeting.get_by_label("应到人数").fill("9")
    meeting.get_by_label("实到人数").fill("8")
    meeting.get_by_label("缺席人员及原因").fill("1人因公出差")
    page.get_by_role("button", name="记录决定并冻结名单").click()

    expect(message(page)).to_have_text("党委（党组）决定已记录，名单已冻结。")
    expect(page.locator("p.state b")).to_have_text("党委（党组）已决定")
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("应到 9 人，实到 8 人（1人因公出差）")
    proposal = Proposal.objects.get(unit=unit_a)
    assert proposal.state == ProposalState.DECIDED
    assert re.fullmatch(r"[0-9a-f]{64}", proposal.decided_hash)
    expect(summary.locator("code")).to_have_text(proposal.decided_hash)
    expect(summary).to_contain_text("与名单一致")
    verdicts = dict(proposal.candidates.values_list("person__staff_id", "verdict"))
    assert verdicts == {s: Verdict.REJECTED if s == REJECTED else Verdict.APPROVED for s in verdicts}
    expect(rows.filter(has_text=REJECTED).locator("td").last).to_have_text(f"不通过：{REJECTION}")
    expect(page.get_by_role("button", name="记录决定并冻结名单")).to_have_count(0)
    snap(page, "3-decision")


def assessor_runs_the_publicity(page, tmp_path, unit_a, snap):
    page.locator("nav.tabs").get_by_role("link", name="公示").click()
    form = page.locator("form#notice")
    expect(form).to_contain_text(f"公示期为 {PUBLICITY_DAYS} 个工作日")
    # The suggested dates are in the date pickers (tomorrow, today), not lost to a format
    # the browser's date input does not take.
    today = timezone.localdate()
    expect(form.get_by_label("公示开始日期")).to_have_value((today + datetime.timedelta(days=1)).isoformat())
    expect(form.get_by_label("发布日期")).to_have_value(today.isoformat())
    # A first notice suggests no body the office does not use: it shows an example.
    expect(form.get_by_label("发布单位")).to_have_value("")
    expect(form.get_by_label("发布单位")).to_have_attribute("placeholder", "如：中共××局党组")
    form.get_by_label("发布单位").fill(f"中共{A}委员会")
    form.get_by_label("公示开始日期").fill(NOTICE_START.isoformat())
    form.get_by_label("发布日期").fill(NOTICE_START.isoformat())
    form.get_by_label("受理异议单位").fill(f"{A}绩效考核办公室")
    form.get_by_label("联系电话").fill("0571-87051234")
    form.get_by_label("地址或电子邮箱").fill("kaohe@czj.example.gov.cn")
    form.get_by_role("button", name="发布公示").click()

    expect(message(page)).to_have_text("公示已发布。")
    end = publicity_end(NOTICE_START, PUBLICITY_DAYS)
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text(f"{NOTICE_START} 至 {end}（{PUBLICITY_DAYS} 个工作日）")
    notice_list = page.locator("table.data").first
    on_notice = {"100001", "100002", "100026", SPECIAL}
    expect(notice_list.locator("tbody tr")).to_have_count(len(on_notice))
    for staff_id in on_notice:
        expect(notice_list).to_contain_text(name(staff_id))
    expect(notice_list).not_to_contain_text(name(REJECTED))

    # The notice as Word and PDF, downloaded as a user downloads it.
    with page.expect_download() as word:
        summary.get_by_role("link", name="Word（.docx）").click()
    assert word.value.suggested_filename == f"{PERIOD} {A} 公示.docx"
    word_path = tmp_path / word.value.suggested_filename
    word.value.save_as(word_path)
    text = "\n".join(p.text for p in docx.Document(word_path).paragraphs) + "\n".join(
        cell.text for table in docx.Document(word_path).tables for row in table.rows for cell in row.cells
    )
    for staff_id in on_notice:
        assert name(staff_id) in text
    assert name(REJECTED) not in text
    dates = (
        f"{NOTICE_START:%Y}年{NOTICE_START.month}月{NOTICE_START.day}日至{end:%Y}年{end.month}月{end.day}日"
    )
    assert f"{dates}（{PUBLICITY_DAYS}个工作日）" in text
    assert "0571-87051234" in text and "kaohe@czj.example.gov.cn" in text
    assert str(a_total(by_id(STAFF))) not in text  # never a score

    with page.expect_download() as pdf:
        summary.get_by_role("link", name="PDF").click()
    pdf_path = tmp_path / pdf.value.suggested_filename
    pdf.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    compact = re.sub(r"\s+", "", pdf_text)
    assert name(SPECIAL) in compact and name(REJECTED) not in compact
    assert dates in compact

    # An objection, in real name, against one person; upheld, it takes them off the notice.
    objection = page.locator("form#objection")
    expect(objection.get_by_label("收到时间")).to_have_value(
        re.compile(rf"^{timezone.localdate()}T\d\d:\d\d$")
    )
    objection.get_by_label("反映对象").select_option(label=f"{name(OBJECTED)}（{OBJECTED}）")
    objection.get_by_label("反映人（实名）").fill("刘明")
    objection.get_by_label("反映人电话").fill("13800001111")
    objection.get_by_label("收到时间").fill("2025-07-09T10:30")
    objection.get_by_label("反映内容").fill("反映该同志上半年有一次重要工作未按期完成。")
    objection.get_by_role("button", name="登记").click()
    expect(message(page)).to_have_text("异议已登记。")
    objections = page.locator("table.data").nth(1)
    row = objections.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text(name(OBJECTED))
    expect(page.locator("ul.blockers")).to_contain_text("还有 1 件异议未处理。")

    row.get_by_label("异议成立").check()
    row.get_by_label("原因").fill("经核实情况属实，不再列为拟表彰人选。")
    row.get_by_role("button", name="处理").click()
    expect(message(page)).to_have_text("异议已处理。")
    expect(objections.locator("tbody tr td").last).to_contain_text("异议成立：经核实情况属实")
    expect(notice_list.locator("tbody tr")).to_have_count(3)
    expect(notice_list).not_to_contain_text(name(OBJECTED))
    with page.expect_download() as word_again:
        summary.get_by_role("link", name="Word（.docx）").click()
    word_again.value.save_as(tmp_path / "again.docx")
    text_again = "".join(
        cell.text
        for table in docx.Document(tmp_path / "again.docx").tables
        for row in table.rows
        for cell in row.cells
    )
    assert name(SPECIAL) in text_again and name(OBJECTED) not in text_again
    assert Objection.objects.get().resolution == Resolution.UPHELD
    assert Candidate.objects.get(person__staff_id=OBJECTED).removed_at is not None
    snap(page, "4-publicity")
    # Only the city publishes.
    expect(page.get_by_role("button", name="发布绩效标兵")).to_have_count(0)
    expect(page.get_by_text("公示期满后由市考核办发布。")).to_be_visible()


def admin_publishes(page, unit_a, snap):
    page.goto(f"/periods/{PERIOD}/")
    row = page.locator("#board tbody tr", has_text=A)
    expect(row.locator("td").nth(1)).to_contain_text("公示中")
    row.get_by_role("link", name="公示").click()
    expect(page).to_have_url(re.compile(rf"/units/{unit_a.pk}/publicity/$"))
    expect(page.locator("ul.blockers")).to_have_count(0)  # the notice ended in 2025
    page.get_by_role("button", name="发布绩效标兵").click()
    expect(message(page)).to_have_text(f"已发布：{A}的绩效标兵已公开。")
    expect(page.locator("p.ok")).to_contain_text("由 kaoheban 发布")
    assert Proposal.objects.get(unit=unit_a).state == ProposalState.PUBLISHED
    assert (
        dict(exemplars(Period.objects.get(code=PERIOD)).values_list("person__staff_id", "route")) == EXEMPLARS
    )

    page.goto(f"/periods/{PERIOD}/")
    row = page.locator("#board tbody tr", has_text=A)
    expect(row.locator("td").nth(1)).to_have_text("已发布 · 公示")
    expect(row.locator("td").last).to_have_text("3")
    expect(page.locator("#board tbody tr", has_text=B).locator("td").nth(1)).to_have_text("尚无分数")
    # The board's stage filter (htmx) narrows it to the published unit.
    page.get_by_label("进度").select_option(value="published")
    expect(page.locator("#board tbody tr")).to_have_count(1)
    expect(page.locator("#board tbody tr td").first).to_have_text(A)

    snap(page, "5-board-published")
    page.get_by_role("link", name="绩效标兵", exact=True).click()
    expect(page.get_by_role("heading", name="2025年上半年：已发布的绩效标兵")).to_be_visible()
    totals = page.locator("section.totals div b")
    expect(totals).to_have_text(["3", "2", "1"])  # exemplars, top by rank, outstanding contribution
    by_unit = page.locator("table.data").nth(1).locator("tbody tr")
    expect(by_unit.locator("td")).to_have_text([A, "3", "2", "1"])
    snap(page, "6-exemplars")


def staff_member_sees_their_own_result(page, unit_a, snap):
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name="我的考核结果")).to_be_visible()
    row = page.locator("table.data tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [
            "2025年上半年",
            A,
            GENERAL,
            "95.00",
            "1 / 25",
            "排名前10%（组内第 1 名 / 共 25 人，在 2 个名额内）",
            "绩效标兵（排名前10%）",
        ]
    )
    snap(page, "7-my-results")
    row.get_by_role("link", name="95.00").click()
    expect(page).to_have_url(re.compile(rf"/periods/{PERIOD}/people/{STAFF}/$"))
    expect(page.get_by_role("heading", name=f"{name(STAFF)}（{STAFF}）的总分计算过程")).to_be_visible()
    expect(page.locator("main")).to_contain_text("总分：95.00")

    # Nobody else's pages: the unit's pages and a colleague's breakdown do not exist for them.
    for url in (
        f"/periods/{PERIOD}/units/{unit_a.pk}/",
        f"/periods/{PERIOD}/units/{unit_a.pk}/roster/",
        f"/periods/{PERIOD}/people/100002/",
    ):
        response = page.goto(url)
        assert response.status == 404, url
        expect(page.locator("body")).not_to_contain_text(name("100002"))
    snap(page, "8-not-found")
    assert page.goto(f"/periods/{PERIOD}/").status == 403


def other_unit_sees_nothing_of_a(page, unit_a, unit_b):
    expect(page).to_have_url(re.compile(rf"/periods/{PERIOD}/units/{unit_b.pk}/$"))
    for tail in (
        "",
        "roster/",
        "import/",
        "candidates/",
        "decision/",
        "publicity/",
        "publicity/notice.docx",
        "publicity/notice.pdf",
    ):
        url = f"/periods/{PERIOD}/units/{unit_a.pk}/{tail}"
        if tail.endswith((".docx", ".pdf")):
            response = page.request.get(url)
        else:
            response = page.goto(url)
        assert response.status == 404, url
    response = page.goto(f"/periods/{PERIOD}/people/{STAFF}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(name(STAFF))


# --------------------------------------------------------------------------------- the test


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_half_year_from_new_period_to_published_exemplars(open_as, make_user, snap, tmp_path, capsys):
    # The veto catalogue the migrations seed is there (restored after every browser test).
    assert VetoReason.objects.filter(name=VETO).exists()
    # The city office's account is the operator's (jixiao demo and the README show how);
    # everything after it is done in the browser.
    make_user("kaoheban", PASSWORDS["kaoheban"], RoleKind.CITY_ADMIN).groups.add(city_office_group())
    admin = open_as("kaoheban", PASSWORDS["kaoheban"])
    admin_creates_the_period(admin)
    admin_imports_the_roster(admin, tmp_path, snap)
    one_time = admin_opens_the_staff_accounts(admin, tmp_path, snap)
    unit_a, unit_b = Unit.objects.get(name=A), Unit.objects.get(name=B)
    for username, role, unit in (
        ("caizheng_kp", "单位考核人员", A),
        ("caizheng_dw", "党委（党组）秘书", A),
        ("chengguan_kp", "单位考核人员", B),
    ):
        admin_opens_an_office_account(admin, username, PASSWORDS[username], role, unit)
    assert Role.objects.filter(user__username="caizheng_dw", kind=RoleKind.SECRETARY, unit=unit_a).exists()
    admin_sees_the_units_waiting(admin)

    # The staff member's first login, long before any result: their own password first.
    staff = open_as(STAFF, one_time[STAFF])
    staff_member_chooses_a_password(staff)
    change_password(staff, one_time[STAFF], PASSWORDS["wangfang"])

    assessor = open_as("caizheng_kp", PASSWORDS["caizheng_kp"])
    assessor_imports_the_scores(assessor, tmp_path, unit_a, snap)
    assessor_searches_the_roster(assessor)
    assessor_runs_the_ranking(assessor, unit_a, snap)
    assessor_nominates_and_submits(assessor, unit_a)

    secretary = open_as("caizheng_dw", PASSWORDS["caizheng_dw"])
    secretary_decides(secretary, unit_a, snap)

    assessor_runs_the_publicity(assessor, tmp_path, unit_a, snap)
    admin_publishes(admin, unit_a, snap)

    staff.goto("/")
    staff_member_sees_their_own_result(staff, unit_a, snap)

    other = open_as("chengguan_kp", PASSWORDS["chengguan_kp"])
    other_unit_sees_nothing_of_a(other, unit_a, unit_b)


@pytest.fixture
def published_a(tmp_path, capsys):
    """The state the flow above ends in, reached through the commands and the workflow
    functions instead of the browser: A's exemplars published."""

    roster = [[p["staff_id"], p["name"], p["unit"], p["category"], p["post"], p["gender"]] for p in PEOPLE_A]
    jixiao_ok(
        capsys,
        "import",
        "roster",
        write_xlsx(
            tmp_path / "r.xlsx",
            roster_rows(roster, header=["工号", "姓名", "单位", "人员类别", "职务", "性别"]),
        ),
        "--period",
        PERIOD,
    )
    scores = [[p["staff_id"], float(a_total(p)), VETO if p["staff_id"] == VETOED else ""] for p in PEOPLE_A]
    jixiao_ok(
        capsys,
        "import",
        "scores",
        write_xlsx(tmp_path / "s.xlsx", scores_rows(scores, header=["工号", "总分", "否决事由"])),
        "--period",
        PERIOD,
    )
    jixiao_ok(capsys, "select", "--period", PERIOD)
    jixiao_ok(capsys, "nominate", "--period", PERIOD, "--staff-id", SPECIAL, "--reason", DEEDS)
    period, unit = Period.objects.get(code=PERIOD), Unit.objects.get(name=A)
    proposal = actions.submit(period, unit, acting_user=Operator("caizheng_kp"))
    verdicts = {
        c.pk: (Verdict.REJECTED, REJECTION) if c.person.staff_id == REJECTED else (Verdict.APPROVED, "")
        for c in proposal.candidates.select_related("person")
    }
    meeting = actions.MeetingRecord(
        "party_committee", datetime.date(2025, 7, 3), "财党委纪〔2025〕12号", 9, 8
    )
    proposal = actions.decide(proposal, meeting, verdicts, acting_user=Operator("caizheng_dw"))
    details = actions.NoticeDetails(NOTICE_START, f"中共{A}委员会", NOTICE_START, "考核办", "0571-87051234")
    notice = actions.open_publicity(proposal, details, acting_user=Operator("caizheng_kp"))
    objection = actions.record_objection(
        notice,
        proposal.candidates.get(person__staff_id=OBJECTED),
        objector="刘明",
        objector_phone="13800001111",
        received_at=datetime.datetime(2025, 7, 9, 10, 30, tzinfo=datetime.UTC),
        content="反映该同志上半年有一次重要工作未按期完成。",
        acting_user=Operator("caizheng_kp"),
    )
    actions.resolve_objection(
        objection, Resolution.UPHELD, "经核实情况属实。", acting_user=Operator("caizheng_kp")
    )
    actions.publish(proposal, acting_user=Operator("kaoheban"))
    assert dict(exemplars(period).values_list("person__staff_id", "route")) == EXEMPLARS
    return unit


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_staff_member_sees_whether_they_became_an_exemplar(published_a, open_as, make_user):
    results = {}
    for staff_id in (SPECIAL, "100026", REJECTED, OBJECTED):
        person = Person.objects.get(staff_id=staff_id)
        make_user(f"staff{staff_id}", "Wode-kaohe-jieguo", RoleKind.STAFF, unit=published_a, person=person)
        page = open_as(f"staff{staff_id}", "Wode-kaohe-jieguo")
        expect(page).to_have_url(re.compile(r"/me/$"))
        results[staff_id] = page.locator("table.data tbody tr td").last.inner_text()
        page.context.close()
    # Published exemplars (by rank and special) are told so; the others are not.
    for staff_id in (SPECIAL, "100026"):
        assert "绩效标兵" in results[staff_id] and "未入选" not in results[staff_id], results
    for staff_id in (REJECTED, OBJECTED):
        assert "绩效标兵" not in results[staff_id] and results[staff_id] != results["100026"], results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refusals_are_the_sites_own_pages_in_chinese(open_as, make_user, tmp_path, capsys):
    roster = [[p["staff_id"], p["name"], p["unit"], p["category"], p["post"]] for p in PEOPLE_A[:3]]
    jixiao_ok(
        capsys, "import", "roster", write_xlsx(tmp_path / "r.xlsx", roster_rows(roster)), "--period", PERIOD
    )
    unit = Unit.objects.get(name=A)
    make_user(
        "wangfang",
        PASSWORDS["wangfang"],
        RoleKind.STAFF,
        unit=unit,
        person=Person.objects.get(staff_id=STAFF),
    )
    page = open_as("wangfang", PASSWORDS["wangfang"])
    for url, status in ((f"/periods/{PERIOD}/units/{unit.pk}/", 404), (f"/periods/{PERIOD}/", 403)):
        assert page.goto(url).status == status
        # Checked at once: the page has loaded, there is nothing to wait for.
        assert page.locator("html").get_attribute("lang") == "zh-hans", page.content()[:300]
        assert page.locator("header.topbar").is_visible()
        assert page.get_by_role("link", name="我的考核结果").is_visible()
