"""``jixiao demo --no-serve``: a synthetic city for 2023H1, imported from real .xlsx files
through the import path, ranked, with a few special nominations and an admin login."""

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from jixiao.assessment.breakdown import explain
from jixiao.assessment.models import Period, RosterEntry, SchemeTotal, Score, ScoreSource
from jixiao.org.models import Person, Unit
from jixiao.selection.models import Outcome, RankingResult, SelectionRules, SpecialNomination
from jixiao.selection.ranking import ranking_is_current
from tests.files import jixiao, read_xlsx, table_dump
from tests.web import sign_in

pytestmark = pytest.mark.django_db

PEOPLE = 300
READY = re.compile(
    r"^演示城市已就绪：(?P<units>\d+) 个单位，(?P<people>\d+) 人；2023H1 已完成排名："
    r"排名前列 (?P<by_rank>\d+) 人，突出贡献推荐 (?P<special>\d+) 人，否决 (?P<vetoed>\d+) 人。$"
)
LOGIN = re.compile(r"^管理员登录：用户名 admin，密码 (?P<password>\S+)$")


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def run_demo(capsys, *extra):
    run = jixiao(capsys, "demo", "--no-serve", "--people", PEOPLE, *extra)
    assert run.status == 0, run.err
    assert "Traceback" not in run.err
    lines = run.out.splitlines()
    ready = next(READY.match(line) for line in lines if READY.match(line))
    password = next(LOGIN.match(line) for line in lines if LOGIN.match(line))["password"]
    return run, {k: int(v) for k, v in ready.groupdict().items()}, password


def city_content():
    return sorted(
        Score.objects.values_list(
            "entry__person__staff_id",
            "entry__person__name",
            "entry__unit__name",
            "entry__category__name",
            "total",
            "veto_text",
        )
    )


def test_demo_builds_and_ranks_a_city(capsys, data_dir):
    run, ready, password = run_demo(capsys)
    lines = run.out.splitlines()
    assert lines[:3] == [
        f"正在导入 {data_dir / 'demo' / 'roster-2023H1.xlsx'}……",
        "正在按考核方案为 2023H1 评分……",
        "正在计算 2023H1 排名……",
    ]
    assert lines[-1] == f"导入所用的文件在 {data_dir / 'demo'}。"

    period = Period.objects.get(code="2023H1")
    assert ranking_is_current(period)
    assert SelectionRules.objects.filter(period=period).exists()
    assert PEOPLE <= ready["people"] <= PEOPLE * 1.5  # every unit has at least 3 people
    assert ready["people"] == Person.objects.count() == RosterEntry.objects.count()
    assert ready["units"] == Unit.objects.count() > 100
    # Every total comes from a scheme; the few people left incomplete are not ranked.
    complete = SchemeTotal.objects.filter(total_cents__isnull=False).count()
    assert Score.objects.filter(source=ScoreSource.SCHEME).count() == Score.objects.count() == complete
    assert ready["people"] - 10 <= complete <= ready["people"]
    assert RankingResult.objects.count() == complete
    assert RankingResult.objects.filter(outcome=Outcome.BY_RANK).count() == ready["by_rank"] > 0
    assert RankingResult.objects.filter(outcome=Outcome.VETOED).count() == ready["vetoed"]
    assert SpecialNomination.objects.count() == ready["special"]

    # The rules hold in what the demo produced.
    rules = SelectionRules.objects.get(period=period)
    for unit in Unit.objects.all():
        headcount = RosterEntry.objects.filter(period=period, unit=unit).count()
        assert SpecialNomination.objects.filter(unit=unit).count() <= rules.special_cap(headcount)
    for nomination in SpecialNomination.objects.all():
        assert len(nomination.reason) >= 20
        result = RankingResult.objects.get(period=period, person=nomination.person)
        assert result.outcome == Outcome.NOT_SELECTED
    for result in RankingResult.objects.filter(outcome=Outcome.BY_RANK):
        assert result.rank <= result.quota

    # Every total has a breakdown that reaches exactly that total.
    for score in Score.objects.select_related("entry__period"):
        breakdown = explain(score.entry)
        assert breakdown.result.complete
        assert Decimal(breakdown.result.total_cents).scaleb(-2) == score.total
        assert bool(breakdown.veto_texts) == bool(score.veto_text)

    # The roster it imported is a real .xlsx file with the import's columns.
    roster = read_xlsx(data_dir / "demo" / "roster-2023H1.xlsx")
    assert roster[0] == ["工号", "姓名", "性别", "单位", "人员类别", "职务"]
    assert len(roster) - 1 == ready["people"]
    assert all(re.fullmatch(r"\d{6}", str(row[0])) for row in roster[1:])
    # And a template to try the rater-score import with.
    (template,) = (data_dir / "demo").glob("template-rater-scores-*.xlsx")
    assert read_xlsx(template)[1][:5] == ["工号", "姓名", "评价主体", "评价人", "期间"]

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert admin.check_password(password)


def test_demo_files_reimport_without_changes(capsys, data_dir):
    run_demo(capsys)
    before = table_dump()
    for kind in ("roster",):
        run = jixiao(capsys, "import", kind, data_dir / "demo" / f"{kind}-2023H1.xlsx", "--period", "2023H1")
        assert run.status == 0, run.err
        assert run.out.splitlines()[-1] == "  数据库与文件一致，没有任何变更。"
    assert table_dump() == before


def test_demo_city_in_the_browser(client, capsys, data_dir):
    _run, ready, password = run_demo(capsys)
    sign_in(client, "admin", password)
    response = client.get("/", follow=True)
    assert response.redirect_chain == [("/periods/2023H1/", 302)]
    html = response.content.decode()
    footer = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    numbers = [int(n) for n in re.findall(r'<th class="num">(\d+)</th>', footer)]
    assert "全市合计" in footer
    assert numbers[:5] == [
        ready["people"],
        Score.objects.count(),
        ready["vetoed"],
        ready["by_rank"],
        ready["special"],
    ]
    unit = Unit.objects.get(name="市人民医院")
    assert client.get(f"/periods/2023H1/units/{unit.pk}/").status_code == 200


def test_demo_refuses_a_database_with_data(capsys, data_dir):
    run_demo(capsys)
    before = table_dump(with_import_records=True)
    run = jixiao(capsys, "demo", "--no-serve", "--people", PEOPLE)
    assert run.status == 1
    assert run.err_lines == ["数据库中已有数据。如需清空并创建演示城市，请运行 `jixiao demo --reset`。"]
    assert "Traceback" not in run.err
    assert table_dump(with_import_records=True) == before


# --reset flushes the database, which PostgreSQL refuses inside a test's transaction
# ("pending trigger events"): this test commits for real, and the data the migrations
# seed is restored for the tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_reset_rebuilds_the_same_city_from_the_same_seed(capsys, data_dir):
    _run, first, first_password = run_demo(capsys)
    content = city_content()
    run, again, password = run_demo(capsys, "--reset")
    assert run.out.splitlines()[0] == "正在清空数据库……"
    assert again == first
    assert city_content() == content
    assert Period.objects.count() == 1
    assert get_user_model().objects.get(username="admin").check_password(password)
    # The reference data the migrations seed is back after the flush.
    from jixiao.assessment.models import VetoReason

    assert VetoReason.objects.count() == 10


def test_demo_needs_a_hundred_people(capsys, data_dir):
    run = jixiao(capsys, "demo", "--no-serve", "--people", 99)
    assert run.status == 1
    assert run.err_lines == ["演示城市至少需要 100 人。"]
    assert not Person.objects.exists()


def test_demo_publishes_exemplars_with_profiles_and_placeholder_portraits(client, capsys, data_dir):
    from PIL import Image

    from jixiao.core.text import character_count
    from jixiao.selection import workflow
    from jixiao.showcase.models import Profile

    # Big enough for units past the workflow's staged ones (a 300-person city has hardly
    # anyone in its top 10 %).
    run, _ready, _password = run_demo(capsys, "--people", 1500)
    period = Period.objects.get(code="2023H1")
    published = workflow.exemplars(period).count()
    assert published > 0
    assert f"已发布绩效标兵 {published} 名" in run.out
    profiles = Profile.objects.filter(period=period).select_related("portrait")
    assert set(workflow.exemplars(period).values_list("person_id", flat=True)) <= set(
        profiles.values_list("person_id", flat=True)
    )
    with_photo = [p for p in profiles if p.portrait is not None]
    assert len(with_photo) >= 0.8 * len(profiles)  # one in ten is left without, as units do
    for profile in profiles:
        assert 100 <= character_count(profile.achievements) <= 500
    for profile in with_photo:
        assert profile.portrait.generated and (profile.portrait.width, profile.portrait.height) == (600, 800)
    image = Image.open(io.BytesIO(bytes(with_photo[0].portrait.image)))
    assert image.format == "JPEG"
    # Every channel has something to show at once.
    listing = client.get("/exemplars/2023H1/").content.decode()
    assert f"共找到 {published} 名绩效标兵" in listing
    assert len(client.get("/screen/2023H1/data.json").json()["cards"]) == published
