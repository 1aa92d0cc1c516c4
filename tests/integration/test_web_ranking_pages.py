"""The ranking pages: login required, city administrators (staff) only, a per-unit table
with the city total, and each unit's ranking per category with its cut-off line."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model

from jixiao.org.models import Role, RoleKind, Unit
from tests.files import jixiao, jixiao_ok, roster_rows, scores_rows, write_csv, write_xlsx
from tests.web import sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "kaohe-2023-secret"


@pytest.fixture
def city(tmp_path, capsys):
    """2023H1, ranked:
    市财政局 — 一般干部: 20 people, totals 99 … 80 (2 places), 000002 vetoed;
               中层干部: 5 people (0 places); one 一般干部 without a total.
    城关镇   — 一般干部: 10 people with a tie at the cut-off (1 place, two share rank 1).
    """
    people, scores = [], []
    for i in range(1, 21):
        people.append([f"{i:06d}", f"财政{i}号", "市财政局", "一般干部", "科员"])
        scores.append([f"{i:06d}", 100 - i, "受警告处分影响期内" if i == 2 else ""])
    for i in range(21, 26):
        people.append([f"{i:06d}", f"财政{i}号", "市财政局", "中层干部", "科长"])
        scores.append([f"{i:06d}", 100 - i, ""])
    people.append(["000026", "未评分", "市财政局", "一般干部", "科员"])
    for i in range(1, 11):
        people.append([f"C{i:05d}", f"城关{i}号", "城关镇", "一般干部", "科员"])
        scores.append([f"C{i:05d}", 95 if i <= 2 else 90 - i, ""])
    jixiao_ok(
        capsys, "import", "roster", write_xlsx(tmp_path / "r.xlsx", roster_rows(people)), "--period", "2023H1"
    )
    scores_file = write_csv(tmp_path / "s.csv", scores_rows(scores, header=["工号", "总分", "否决事由"]))
    jixiao_ok(capsys, "import", "scores", scores_file, "--period", "2023H1")
    jixiao_ok(capsys, "select", "--period", "2023H1")
    return {unit.name: unit.pk for unit in Unit.objects.all()}


@pytest.fixture
def staff(client):
    make_city_admin("kaoheban")
    sign_in(client, "kaoheban", PASSWORD)
    return client


@pytest.fixture
def non_staff(client):
    get_user_model().objects.create_user("zhangsan", password=PASSWORD)
    sign_in(client, "zhangsan", PASSWORD)
    return client


def make_city_admin(username: str):
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    Role.objects.create(user=user, kind=RoleKind.CITY_ADMIN)
    return user


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def table_rows(html: str, section: str = "tbody") -> list[list[str]]:
    body = re.search(rf"<{section}>(.*?)</{section}>", html, re.S).group(1)
    return [
        [text(cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_anonymous_is_sent_to_the_login_page(client, city):
    for url in ("/", "/periods/2023H1/", f"/periods/2023H1/units/{city['市财政局']}/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_users_without_a_role_reach_only_their_own_results(non_staff, city):
    assert non_staff.get("/")["Location"] == "/me/"
    assert non_staff.get("/periods/2023H1/").status_code == 403
    # A unit's pages do not even exist for someone without a role there.
    assert non_staff.get(f"/periods/2023H1/units/{city['市财政局']}/").status_code == 404
    assert "还没有您的考核结果" in non_staff.get("/me/").content.decode()


def test_staff_home_redirects_to_the_latest_period(staff, city):
    response = staff.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/periods/2023H1/"


def test_home_prefers_the_most_recent_period(tmp_path, capsys, staff, city):
    roster = write_csv(
        tmp_path / "h2.csv", roster_rows([["000001", "财政1号", "市财政局", "一般干部", "科员"]])
    )
    jixiao_ok(capsys, "import", "roster", roster, "--period", "2023H2")
    assert staff.get("/")["Location"] == "/periods/2023H2/"


def test_logging_in_through_the_form_lands_on_the_period(client, city):
    make_city_admin("kaoheban")
    page = client.get("/accounts/login/?next=/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    response = client.post(
        "/accounts/login/", {"username": "kaoheban", "password": PASSWORD, "next": "/"}, follow=True
    )
    assert response.redirect_chain[-1] == ("/periods/2023H1/", 302)
    assert response.status_code == 200


def test_period_page_lists_every_unit_and_the_city_total(staff, city):
    response = staff.get("/periods/2023H1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert table_rows(html) == [
        # 单位, 进度, 总人数, 参加考核, 否决, 排名前列, 突出贡献推荐, 推荐上限, 党委（党组）通过, 绩效标兵
        ["市财政局", "已排名", "26", "25", "1", "1", "0", "0", "0", "0"],
        ["城关镇", "已排名", "10", "10", "0", "2", "0", "0", "0", "0"],
    ]
    assert table_rows(html, "tfoot") == [["全市合计", "", "36", "35", "1", "3", "0", "0", "0", "0"]]
    assert f'href="/periods/2023H1/units/{city["市财政局"]}/"' in html
    assert f'href="/periods/2023H1/units/{city["城关镇"]}/"' in html
    assert "2023年上半年" in html


def test_unit_page_ranks_each_category_with_a_cut_off_line(staff, city):
    response = staff.get(f"/periods/2023H1/units/{city['市财政局']}/")
    assert response.status_code == 200
    html = response.content.decode()
    sections = re.findall(r'<section class="group">(.*?)</section>', html, re.S)
    assert len(sections) == 2
    general, middle = sections
    assert "一般干部" in general and "共 20 人，名额 2 个，排名前列 1 人" in text(general)
    assert "中层干部" in middle and "共 5 人，名额 0 个，排名前列 0 人" in text(middle)

    rows = re.findall(r'<tr class="([^"]*)">(.*?)</tr>', general, re.S)
    assert len(rows) == 20
    cells = [[text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for _cls, row in rows]
    assert [c[1] for c in cells] == [f"{i:06d}" for i in range(1, 21)]
    assert cells[0][:5] == ["1", "000001", "财政1号", "99.00", "排名前10%"]
    assert cells[1][:5] == ["2", "000002", "财政2号", "98.00", "否决"]
    assert cells[1][5] == "受警告处分影响期内"
    assert cells[2][:5] == ["3", "000003", "财政3号", "97.00", "未入选"]
    # 2 places: the line is drawn under rank 2, and only there.
    assert [i for i, (cls, _row) in enumerate(rows) if "cutoff" in cls.split()] == [1]

    # A group of 5 has no place: no line.
    assert "cutoff" not in middle
    assert len(re.findall(r"<tr class=", middle)) == 5


def test_a_tie_at_the_cut_off_puts_the_line_under_the_whole_tie(staff, city):
    html = staff.get(f"/periods/2023H1/units/{city['城关镇']}/").content.decode()
    rows = re.findall(r'<tr class="([^"]*)">(.*?)</tr>', html, re.S)
    ranks_and_results = [
        [text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][::4][:2]
        for _cls, row in rows
    ]
    assert ranks_and_results[:3] == [["1", "排名前10%"], ["1", "排名前10%"], ["3", "未入选"]]
    assert [i for i, (cls, _row) in enumerate(rows) if "cutoff" in cls.split()] == [1]


def test_a_special_nomination_shows_on_both_pages(tmp_path, capsys, staff, city):
    # 城关镇 has 10 people: cap 0. Raise 市财政局 to 50 people so its cap is 1.
    more = [[f"{i:06d}", f"财政{i}号", "市财政局", "一般干部", "科员"] for i in range(27, 51)]
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "more.csv", roster_rows(more)), "--period", "2023H1"
    )
    jixiao_ok(capsys, "select", "--period", "2023H1")
    run = jixiao(
        capsys,
        "nominate",
        "--period",
        "2023H1",
        "--staff-id",
        "000005",
        "--reason",
        "牵头完成全市营商环境评价迎检工作，相关指标进入全省前列。",
    )
    assert run.status == 0, run.err
    html = staff.get("/periods/2023H1/").content.decode()
    assert table_rows(html)[0] == ["市财政局", "已排名", "50", "25", "1", "1", "1", "1", "0", "0"]
    unit_html = staff.get(f"/periods/2023H1/units/{city['市财政局']}/").content.decode()
    row = re.search(r"<tr[^>]*>\s*<td[^>]*>5</td>\s*<td>000005</td>.*?</tr>", unit_html, re.S).group(0)
    assert "突出贡献" in text(row)


def test_a_stale_ranking_is_flagged(tmp_path, capsys, staff, city):
    before = staff.get("/periods/2023H1/").content.decode()
    assert 'class="warning"' not in before
    changed = write_csv(tmp_path / "s2.csv", scores_rows([["000020", "99.9"]]))
    jixiao_ok(capsys, "import", "scores", changed, "--period", "2023H1")
    assert 'class="warning"' in staff.get("/periods/2023H1/").content.decode()
    assert 'class="warning"' in staff.get(f"/periods/2023H1/units/{city['市财政局']}/").content.decode()


def test_unknown_period_or_unit_is_not_found(staff, city):
    assert staff.get("/periods/2099H1/").status_code == 404
    assert staff.get("/periods/2023H1/units/999999/").status_code == 404


def test_staff_without_any_period_sees_how_to_begin(staff):
    response = staff.get("/")
    assert response.status_code == 200
    assert "还没有考核期" in response.content.decode()


def test_a_unit_that_only_a_stale_ranking_names_is_still_listed(tmp_path, capsys, staff):
    """A unit mistyped on the roster, ranked, then corrected: until the next ranking the
    period page lists the old unit with the people it still ranks (it was a 500)."""
    people = [["000001", "张三", "市财政居", "一般干部", ""], ["000002", "李四", "市财政局", "一般干部", ""]]
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "r.csv", roster_rows(people)), "--period", "2023H1"
    )
    scores = write_csv(tmp_path / "s.csv", scores_rows([["000001", "90"], ["000002", "80"]]))
    jixiao_ok(capsys, "import", "scores", scores, "--period", "2023H1")
    jixiao_ok(capsys, "select", "--period", "2023H1")
    people[0][2] = "市财政局"
    jixiao_ok(
        capsys, "import", "roster", write_csv(tmp_path / "r2.csv", roster_rows(people)), "--period", "2023H1"
    )

    response = staff.get("/periods/2023H1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="warning"' in html
    assert table_rows(html) == [
        ["市财政局", "分数已齐", "2", "1", "0", "0", "0", "0", "0", "0"],
        ["市财政居", "尚无分数", "0", "1", "0", "0", "0", "0", "0", "0"],
    ]
    jixiao_ok(capsys, "select", "--period", "2023H1")
    assert table_rows(staff.get("/periods/2023H1/").content.decode()) == [
        ["市财政局", "已排名", "2", "2", "0", "0", "0", "0", "0", "0"]
    ]


def test_pages_are_chinese_whatever_the_browser_asks_until_the_user_switches(client):
    from django.conf import settings

    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.headers["Content-Language"] == "zh-hans"
    assert "登录" in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/accounts/login/")
    assert page.headers["Content-Language"] == "en"
    assert "Log in" in page.content.decode()


def test_a_result_explains_itself(db):
    from django.utils import translation

    from jixiao.selection.models import Outcome, RankingResult

    def reason(outcome, rank, quota, veto_text=""):
        with translation.override("zh-hans"):
            return RankingResult(
                outcome=outcome, rank=rank, group_size=9, quota=quota, veto_text=veto_text
            ).reason

    assert reason(Outcome.BY_RANK, 1, 1) == "组内第 1 名 / 共 9 人，在 1 个名额内"
    assert reason(Outcome.NOT_SELECTED, 3, 1) == "组内第 3 名 / 共 9 人，超出 1 个名额"
    assert reason(Outcome.NOT_SELECTED, 1, 0) == "组内第 1 名 / 共 9 人，本组没有名额"
    assert reason(Outcome.VETOED, 1, 1, "处于试用期") == "处于试用期"
