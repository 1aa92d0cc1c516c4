"""Records never change behind anyone's back (the integrity issue's findings 1–5), each as an
office or an attacker met it:

1. an imported total or veto of a person their scheme scores survives every recomputation,
   and the breakdown says it overrides the scheme's total;
2. a later period's roster never renames anyone of another unit or of an earlier period: a
   staff ID given another name is refused (naming the row and the ID, never the other unit),
   the same ID and name in another unit is a transfer of that period only, and an earlier
   period's exports read the same afterwards — also after a deliberate rename;
3. a unit's ranking ranks its own peer groups only, and concurrent rankings never fail;
4. from submission on, a unit's scores are locked, and a change that alters the list flags
   it at once;
5. a closed period refuses the commands too; withdrawing a nomination, creating a period,
   changing its rules and copying a scheme are audited in their own transaction.
"""

import json
import os
import re
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from jixiao.assessment import actions as assessment_actions
from jixiao.assessment.models import Period, PeriodState, RosterEntry, Score, ScoreSource, UnitLock
from jixiao.assessment.schemes import IndicatorSpec, define_scheme
from jixiao.core.audit import AuditAction, AuditEntry
from jixiao.core.refusals import Refused
from jixiao.imports.models import PendingImport
from jixiao.org.access import Operator
from jixiao.org.models import Category, Person, RoleKind, Unit
from jixiao.selection import actions, unit_jobs
from jixiao.selection.models import (
    NominationState,
    Proposal,
    RankingResult,
    RankingRun,
    SpecialNomination,
)
from jixiao.selection.ranking import ranking_is_current
from tests.files import jixiao, jixiao_ok, read_csv, roster_rows, scores_rows, write_csv, write_xlsx
from tests.integration.test_score_locks import INDICATOR_ROWS, PERIOD, RATER_ROWS
from tests.integration.test_score_locks import ranking as ranking_of
from tests.servers import run_worker
from tests.workflow_city import (
    PERIOD as CITY_PERIOD,
)
from tests.workflow_city import (
    REASON,
    UNIT_A,
    UNIT_B,
    approve_all,
    build_city,
    make_user,
    staff_id,
    to_publicity,
)
from tests.workflow_city import (
    ROSTER_HEADER as CITY_ROSTER_HEADER,
)

pytestmark = pytest.mark.django_db
OPERATOR = Operator("测试")
SANCTION = "受警告处分影响期内"


def entries_since(since: int) -> list[str]:
    return list(AuditEntry.objects.filter(id__gt=since).order_by("id").values_list("action", flat=True))


def last_entry() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


# ----------------------------------------------------------------------------------------
# 1. Imported totals and vetoes survive the next ranking
# ----------------------------------------------------------------------------------------


@pytest.fixture
def scored(tmp_path, capsys):
    """Finding 1's city: 张三 (88.40) and 李四 (91.30) of 市财政局 scored by their scheme and
    ranked; from tests/integration/test_score_locks.py."""
    from tests.files import assessment_city

    assessment_city(tmp_path, capsys)
    for kind, rows in (("rater-scores", RATER_ROWS), ("indicator-scores", INDICATOR_ROWS)):
        jixiao_ok(capsys, "import", kind, write_xlsx(tmp_path / f"{kind}.xlsx", rows), "--period", PERIOD)
    jixiao_ok(capsys, "select", "--period", PERIOD)
    return Period.objects.get(code=PERIOD)


def score_of(staff: str) -> tuple:
    score = Score.objects.get(entry__period__code=PERIOD, entry__person__staff_id=staff)
    return score.total, score.veto_text, score.source


def test_an_imported_total_and_veto_survive_every_ranking_as_an_override(tmp_path, capsys, scored):
    assert score_of("000101") == (Decimal("88.40"), "", ScoreSource.SCHEME)
    correction = write_csv(
        tmp_path / "党委更正.csv",
        [["工号", "总分", "否决事由"], ["000101", "95", SANCTION], ["000102", "91.3", ""]],
    )
    run = jixiao_ok(capsys, "import", "scores", correction, "--period", PERIOD)
    # The import says which totals replace what the scheme computes.
    assert "  1 名人员的导入总分取代考核方案计算的总分（明细中注明）" in run.out.splitlines()
    for _ in range(2):  # every ranking, each recomputing the schemes' totals
        jixiao_ok(capsys, "select", "--period", PERIOD)
        assert score_of("000101") == (Decimal("95.00"), SANCTION, ScoreSource.IMPORT)
        assert ranking_of()["000101"][2] == "veto"
    # A veto item of the scheme does not push the imported veto out: both are shown.
    items = write_csv(tmp_path / "否决项.csv", [["工号", "类型", "事由"], ["000101", "否决", "试用期"]])
    jixiao_ok(capsys, "import", "adjustments", items, "--period", PERIOD)
    jixiao_ok(capsys, "select", "--period", PERIOD)
    assert score_of("000101") == (Decimal("95.00"), f"{SANCTION}；试用期", ScoreSource.IMPORT)


def test_the_breakdown_shows_the_override_and_the_assessor_can_take_it_back(tmp_path, capsys, scored, client):
    correction = write_csv(tmp_path / "更正.csv", [["工号", "总分", "否决事由"], ["000101", "95", SANCTION]])
    jixiao_ok(capsys, "import", "scores", correction, "--period", PERIOD)
    unit = Unit.objects.get(name="市财政局")
    client.force_login(make_user("renshike", RoleKind.ASSESSOR, unit))
    page = client.get(f"/periods/{PERIOD}/people/000101/").content.decode()
    assert "考核方案计算的总分" in page and "88.40" in page
    assert "95.00" in page and "导入总分，取代考核方案计算的总分" in page and SANCTION in page

    since = last_entry()
    url = f"/periods/{PERIOD}/units/{unit.pk}/people/000101/take-back/"
    assert client.post(url, {"reason": ""}).status_code == 302
    assert score_of("000101") == (Decimal("95.00"), SANCTION, ScoreSource.IMPORT)  # a reason is needed
    assert client.post(url, {"reason": "党委复议：恢复按方案计算"}).status_code == 302
    # The scheme's total again; the veto imported with the total stays.
    assert score_of("000101") == (Decimal("88.40"), SANCTION, ScoreSource.SCHEME)
    assert entries_since(since) == [AuditAction.SCORE_CHANGE]
    assert "导入总分，取代" not in client.get(f"/periods/{PERIOD}/people/000101/").content.decode()


# ----------------------------------------------------------------------------------------
# 2. A later roster never rewrites another unit or an earlier period
# ----------------------------------------------------------------------------------------


def export_files(tmp_path, capsys, period: str, tag: str) -> dict[str, list[list[str]]]:
    files = {}
    for kind in ("ranking", "candidates", "exemplars"):
        path = tmp_path / f"{tag}-{kind}.csv"
        jixiao_ok(capsys, "export", kind, "--period", period, "-o", path)
        files[kind] = read_csv(path)
    return files


@pytest.fixture
def published_city(tmp_path, capsys):
    """市财政局 (A) and 城关镇 (B) in 2025H1, A's list published."""
    city = build_city(tmp_path, capsys)
    proposal, _notice, _objection = to_publicity(city, city.units[UNIT_A.name])
    import datetime

    actions.publish(proposal, acting_user=Operator("city"), today=datetime.date(2025, 10, 11))
    return city


def later_roster(tmp_path, capsys, rows, period="2025H2"):
    path = write_csv(tmp_path / f"roster-{period}-{len(rows)}.csv", [CITY_ROSTER_HEADER, *rows])
    return jixiao(capsys, "import", "roster", path, "--period", period)


def test_a_known_staff_id_with_another_name_is_refused_naming_the_row_and_the_id(
    tmp_path, capsys, published_city
):
    before = export_files(tmp_path, capsys, CITY_PERIOD, "before")
    a1 = staff_id(UNIT_A, 1)
    run = later_roster(
        tmp_path,
        capsys,
        [
            [staff_id(UNIT_B, 30), "新同志", UNIT_B.name, "一般干部", "科员", "男"],
            [a1, "冒名者", UNIT_B.name, "一般干部", "科员", "男"],
        ],
    )
    assert run.status == 1
    problem = next(line for line in run.err_lines if line.startswith("第"))
    assert problem.startswith("第3行“姓名”列") and a1 in problem
    assert UNIT_A.name not in run.err and "财政甲01" not in run.err  # nothing of the other unit
    assert Person.objects.get(staff_id=a1).name == "财政甲01"
    assert not Period.objects.filter(code="2025H2").exists()
    assert export_files(tmp_path, capsys, CITY_PERIOD, "after") == before


def test_a_transfer_and_a_rename_change_only_the_later_period(tmp_path, capsys, published_city, client):
    before = export_files(tmp_path, capsys, CITY_PERIOD, "before")
    a1, a2 = staff_id(UNIT_A, 1), staff_id(UNIT_A, 2)
    run = later_roster(
        tmp_path,
        capsys,
        [
            [a1, "财政甲01", UNIT_B.name, "一般干部", "副镇长", "男"],
            [a2, "财政甲02", UNIT_A.name, "一般干部", "科员", "女"],
        ],
    )
    assert run.status == 0, run.err
    assert (
        f"  调动（1 人，仅本考核期）：财政甲01（{a1}）{UNIT_A.name} → {UNIT_B.name}" in run.out.splitlines()
    )
    jixiao_ok(
        capsys,
        "rename",
        "--period",
        "2025H2",
        "--staff-id",
        a2,
        "--name",
        "财政甲贰",
        "--reason",
        "经批准更名",
    )
    rename = AuditEntry.objects.get(action=AuditAction.RENAME)
    assert rename.before == {"name": "财政甲02"} and rename.after["periods"] == ["2025H2"]

    # The earlier period shows what it showed: names, units and documents.
    assert export_files(tmp_path, capsys, CITY_PERIOD, "after") == before
    first = RosterEntry.objects.get(period__code=CITY_PERIOD, person__staff_id=a2)
    later = RosterEntry.objects.get(period__code="2025H2", person__staff_id=a2)
    assert (first.name, later.name) == ("财政甲02", "财政甲贰")
    assert RosterEntry.objects.get(period__code=CITY_PERIOD, person__staff_id=a1).unit.name == UNIT_A.name
    public = client.get(f"/exemplars/{CITY_PERIOD}/").content.decode()
    assert "财政甲02" in public and "财政甲贰" not in public
    # Importing the later roster again (old name, the rename since) is refused: the ID is 财政甲贰 now.
    again = later_roster(tmp_path, capsys, [[a2, "财政甲02", UNIT_A.name, "一般干部", "科员", "女"]])
    assert again.status == 1 and a2 in again.err


def test_a_used_unit_name_is_read_only_in_the_admin(published_city, client):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password=None)
    client.force_login(root)
    unit = published_city.units[UNIT_A.name]
    page = client.get(f"/admin/org/unit/{unit.pk}/change/").content.decode()
    assert 'name="name"' not in page and UNIT_A.name in page
    assert client.get(f"/admin/org/person/{Person.objects.first().pk}/change/").status_code == 200
    response = client.post(
        f"/admin/org/person/{Person.objects.first().pk}/change/", {"staff_id": "X1", "name": "改名"}
    )
    assert response.status_code == 403


# ----------------------------------------------------------------------------------------
# 3. A unit ranks its own peer groups; concurrent rankings never fail
# ----------------------------------------------------------------------------------------


def test_a_units_ranking_ranks_its_own_peer_groups_and_flags_only_its_own_list(tmp_path, capsys):
    city = build_city(tmp_path, capsys)
    unit_a, unit_b = city.units[UNIT_A.name], city.units[UNIT_B.name]
    b_proposal = actions.submit(city.period, unit_b, acting_user=Operator("b"))
    b_before = sorted(
        RankingResult.objects.filter(unit=unit_b).values_list("person_id", "total", "rank", "outcome")
    )
    # A's third and fifth come into the top share; B's scores stay as they were.
    city.import_scores([[staff_id(UNIT_A, 3), "99.5", ""], [staff_id(UNIT_A, 5), "99.8", ""]])
    assert not ranking_is_current(city.period, unit_a) and ranking_is_current(city.period, unit_b)
    since = last_entry()
    run = actions.rank(city.period, acting_user=Operator("a"), unit=unit_a)
    assert (run.unit, run.ranked) == (unit_a, 20)
    assert ranking_is_current(city.period, unit_a) and ranking_is_current(city.period)
    assert entries_since(since) == [AuditAction.RANKING]
    winners = RankingResult.objects.filter(unit=unit_a, outcome="rank").values_list(
        "person__staff_id", flat=True
    )
    assert sorted(winners) == [staff_id(UNIT_A, 3), staff_id(UNIT_A, 5)]
    # B's results and list are untouched.
    assert (
        sorted(RankingResult.objects.filter(unit=unit_b).values_list("person_id", "total", "rank", "outcome"))
        == b_before
    )
    b_proposal.refresh_from_db()
    assert b_proposal.flagged_at is None
    # A's assessor may rank neither B nor the whole city.
    assessor_a = make_user("assessor_a", RoleKind.ASSESSOR, unit_a)
    with pytest.raises(Refused):
        actions.rank(city.period, acting_user=assessor_a, unit=unit_b)
    with pytest.raises(Refused):
        actions.rank(city.period, acting_user=assessor_a)


def test_the_ranking_button_of_a_unit_ranks_that_unit(tmp_path, capsys, client):
    city = build_city(tmp_path, capsys)
    unit_a = city.units[UNIT_A.name]
    client.force_login(make_user("assessor_a", RoleKind.ASSESSOR, unit_a))
    runs = RankingRun.objects.count()
    assert client.post(f"/periods/{CITY_PERIOD}/units/{unit_a.pk}/ranking/run/").status_code == 302
    run = RankingRun.objects.order_by("-id").first()
    assert RankingRun.objects.count() == runs + 1 and run.unit == unit_a and run.ranked == 20


def test_a_user_computes_at_most_a_few_rankings_a_minute(tmp_path, capsys, client, settings):
    """Counted on the ranking runs' records (shared by every server); another user, an
    import's own ranking and the command line are not held back."""
    settings.JIXIAO_RANKINGS_PER_MINUTE = 2
    city = build_city(tmp_path, capsys)
    unit_a = city.units[UNIT_A.name]
    url = f"/periods/{CITY_PERIOD}/units/{unit_a.pk}/ranking/run/"
    client.force_login(make_user("assessor_a", RoleKind.ASSESSOR, unit_a))
    runs = RankingRun.objects.count()
    for _ in range(2):
        assert "排名已计算" in client.post(url, follow=True).content.decode()
    refused = client.post(url, follow=True).content.decode()
    assert "最近一分钟内已计算排名2次，每分钟最多2次" in refused
    assert RankingRun.objects.count() == runs + 2
    client.force_login(make_user("assessor_a2", RoleKind.ASSESSOR, unit_a))
    assert "排名已计算" in client.post(url, follow=True).content.decode()
    for _ in range(3):
        jixiao_ok(capsys, "select", "--period", CITY_PERIOD, "--unit", UNIT_A.name)
    assert RankingRun.objects.count() == runs + 6


def test_concurrent_ranking_clicks_on_sqlite_all_end_well(tmp_path):
    """Twelve assessors of two units click at once, on a SQLite file as in production (the
    test database lives in memory, where locks never wait: hence a process of its own).
    Every request gets its page — the ranking done, or "being computed right now" when the
    database gave up waiting — never a server error, and the ranking is whole afterwards."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    run = subprocess.run(
        [sys.executable, "-m", "tests.concurrent_clicks", str(tmp_path), "12"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert [a["status"] for a in outcome["answers"]] == [302] * 12, run.stderr[-3000:]
    assert all(len(a["messages"]) == 1 for a in outcome["answers"])
    assert any(a["messages"] == ["排名已计算"] for a in outcome["answers"])
    assert (outcome["rows"], outcome["current"]) == (40, True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite: in a process of its own, above")
# Serialized like every transactional test here: its flush at the end leaves the database
# empty for the next one to restore the seeded data into.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_ranking_clicks_on_postgresql_wait_for_each_other(tmp_path, capsys):
    """On PostgreSQL the rankings of a period take turns (an advisory lock): every click
    ranks, none fails."""
    city = build_city(tmp_path, capsys)
    clicks = []
    for side, spec in (("a", UNIT_A), ("b", UNIT_B)):
        unit = city.units[spec.name]
        for n in range(6):
            client = Client(raise_request_exception=False)
            client.force_login(make_user(f"k{side}{n}", RoleKind.ASSESSOR, unit))
            clicks.append((client, f"/periods/{CITY_PERIOD}/units/{unit.pk}/ranking/run/"))
    answers, start = [], threading.Barrier(len(clicks), timeout=30)
    runs = RankingRun.objects.count()

    def click(client, url):
        try:
            start.wait()
            answers.append(client.post(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=pair) for pair in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [302] * len(clicks)
    assert RankingRun.objects.count() == runs + len(clicks)
    assert RankingResult.objects.filter(period=city.period).count() == 40
    assert ranking_is_current(city.period)


# ----------------------------------------------------------------------------------------
# 4. From submission on, a unit's scores are locked and a change flags the list at once
# ----------------------------------------------------------------------------------------


def test_submission_locks_the_scores_and_a_change_flags_the_list_at_once(tmp_path, capsys):
    city = build_city(tmp_path, capsys)
    unit = city.units[UNIT_A.name]
    proposal = approve_all(actions.submit(city.period, unit, acting_user=Operator("a")))
    assert UnitLock.objects.filter(period=city.period, unit=unit).exists()
    a3 = staff_id(UNIT_A, 3)
    path = write_csv(
        tmp_path / "更正.csv", scores_rows([[a3, "99.5", ""]], header=["工号", "总分", "否决事由"])
    )
    refused = jixiao(capsys, "import", "scores", path, "--period", CITY_PERIOD)
    assert refused.status == 1 and "分数已锁定" in refused.err
    assert Score.objects.get(entry__person__staff_id=a3).total == Decimal("97.00")
    run = jixiao_ok(capsys, "import", "scores", path, "--period", CITY_PERIOD, "--reason", "党委复核更正")
    proposal.refresh_from_db()
    # No ranking run by hand: the change itself flagged the decided list.
    assert proposal.flagged_at is not None and "财政甲03" in proposal.flag_reason
    assert f"{UNIT_A.name}的名单需重新决定" in run.out


# Committed for real: the worker runs outside any open transaction, as in production.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ranking_and_an_import_left_to_a_worker_show_their_progress_then_their_outcome(
    tmp_path, capsys, client, settings, monkeypatch
):
    """Queued for `jixiao worker` (not waited for here): the page shows the job waiting,
    to its user only; once the worker ran it as that user, the page leads to the unit's page
    with the messages the request would have shown, and the audit names the user. An import
    is checked (its preview), then applied, each by the worker."""
    settings.JIXIAO_EXPORTS_IN_BACKGROUND = True
    monkeypatch.setattr(unit_jobs, "WAIT_SECONDS", 0)
    city = build_city(tmp_path, capsys)
    unit = city.units[UNIT_A.name]
    unit_page = f"/periods/{CITY_PERIOD}/units/{unit.pk}/"
    client.force_login(make_user("renshike", RoleKind.ASSESSOR, unit))
    other = Client()
    other.force_login(make_user("renshike_2", RoleKind.ASSESSOR, unit))
    runs = RankingRun.objects.count()

    progress = client.post(unit_page + "ranking/run/")["Location"]
    assert re.fullmatch(rf"{unit_page}jobs/[0-9a-f]{{24}}/", progress), progress
    assert "等待后台进程" in client.get(progress).content.decode()
    assert other.get(progress).status_code == 404  # another user's job
    assert RankingRun.objects.count() == runs
    run_worker()
    done = client.get(progress, follow=True)
    assert done.redirect_chain[-1][0] == unit_page and "排名已计算" in done.content.decode()
    assert RankingRun.objects.count() == runs + 1
    assert AuditEntry.objects.filter(action=AuditAction.RANKING).order_by("-id").first().actor == "renshike"

    csv = write_csv(tmp_path / "更正.csv", [["工号", "总分"], [staff_id(UNIT_A, 3), "99.5"]])
    with csv.open("rb") as upload:
        checking = client.post(unit_page + "import/", {"kind": "scores", "file": upload})["Location"]
    assert "等待后台进程" in client.get(checking).content.decode()
    run_worker()  # the check: what the file would change
    preview = client.get(checking, follow=True)
    assert preview.redirect_chain[-1][0].startswith(unit_page + "import/?checked=")
    assert "99.5" in preview.content.decode() and 'name="apply"' in preview.content.decode()
    progress = client.post(unit_page + "import/", {"apply": "1"})["Location"]
    assert Score.objects.get(entry__person__staff_id=staff_id(UNIT_A, 3)).total != Decimal("99.5")
    run_worker()
    applied = client.get(progress, follow=True)
    assert applied.redirect_chain[-1][0] == unit_page + "roster/"
    assert "已导入更正.csv" in applied.content.decode().replace(" ", "")
    assert Score.objects.get(entry__person__staff_id=staff_id(UNIT_A, 3)).total == Decimal("99.50")
    assert not PendingImport.objects.exists()


def test_the_unit_import_page_asks_for_the_reason_and_flags_the_list(tmp_path, capsys, client):
    city = build_city(tmp_path, capsys)
    unit = city.units[UNIT_A.name]
    approve_all(actions.submit(city.period, unit, acting_user=Operator("a")))
    client.force_login(make_user("renshike", RoleKind.ASSESSOR, unit))
    url = f"/periods/{CITY_PERIOD}/units/{unit.pk}/import/"
    csv = write_csv(tmp_path / "更正.csv", [["工号", "总分"], [staff_id(UNIT_A, 3), "99.5"]])
    with csv.open("rb") as upload:
        preview = client.post(url, {"kind": "scores", "file": upload}, follow=True).content.decode()
    assert "分数已锁定" in preview or 'name="reason"' in preview
    refused = client.post(url, {"apply": "1"}, follow=True).content.decode()
    assert "分数已锁定" in refused
    with csv.open("rb") as upload:
        client.post(url, {"kind": "scores", "file": upload}, follow=True)
    applied = client.post(url, {"apply": "1", "reason": "党委复核更正"}, follow=True).content.decode()
    assert "需重新决定" in applied
    assert Proposal.objects.get(unit=unit).flagged_at is not None


# ----------------------------------------------------------------------------------------
# 5. A closed period refuses the commands; every change is audited in its transaction
# ----------------------------------------------------------------------------------------


def test_a_closed_period_refuses_select_nominate_import_and_lock(tmp_path, capsys):
    city = build_city(tmp_path, capsys)
    assessment_actions.set_period_state(city.period, PeriodState.CLOSED, acting_user=OPERATOR)
    since = last_entry()
    closed = f"考核期 {CITY_PERIOD} 已关闭"
    for args in (
        ("select",),
        ("nominate", "--staff-id", staff_id(UNIT_A, 5), "--reason", REASON),
        ("lock", "--unit", UNIT_A.name),
    ):
        run = jixiao(capsys, *args, "--period", CITY_PERIOD)
        assert run.status == 1 and closed in run.err, args
    path = write_csv(tmp_path / "s.csv", scores_rows([[staff_id(UNIT_A, 3), "99.5"]]))
    run = jixiao(capsys, "import", "scores", path, "--period", CITY_PERIOD)
    assert run.status == 1 and closed in run.err
    assert last_entry() == since


def test_withdrawing_a_nomination_is_an_audited_action(tmp_path, capsys, client):
    city = build_city(tmp_path, capsys)
    unit = city.units[UNIT_A.name]
    city.nominate(staff_id(UNIT_A, 5))
    nomination = SpecialNomination.objects.get()
    client.force_login(make_user("renshike", RoleKind.ASSESSOR, unit))
    since = last_entry()
    client.post(f"/periods/{CITY_PERIOD}/units/{unit.pk}/nominations/{nomination.pk}/withdraw/")
    nomination.refresh_from_db()
    assert nomination.state == NominationState.WITHDRAWN and nomination.withdrawn_by == "renshike"
    assert entries_since(since) == [AuditAction.WITHDRAWAL]
    # Once the list is with the committee, it is refused (and nothing is written).
    city.nominate(staff_id(UNIT_A, 6))
    second = SpecialNomination.objects.get(state=NominationState.PROPOSED)
    actions.submit(city.period, unit, acting_user=Operator("a"))
    since = last_entry()
    with translation.override("en"), pytest.raises(Refused, match="with the committee"):
        actions.withdraw_nomination(second, acting_user=Operator("a"))
    assert last_entry() == since


def test_period_creation_state_and_rules_are_audited_with_the_change(client):
    admin = make_user("kaoheban", RoleKind.CITY_ADMIN)
    client.force_login(admin)
    since = last_entry()
    client.post("/periods/", {"code": "2026h1"})
    period = Period.objects.get(code="2026H1")
    assert period.rules.share_percent == Decimal("10")
    client.post("/periods/2026H1/settings/", {**rules_form(period), "share_percent": "15"})
    client.post("/periods/2026H1/state/", {"state": "closed"})
    assert entries_since(since) == [AuditAction.PERIOD, AuditAction.RULES, AuditAction.PERIOD]
    rules = AuditEntry.objects.get(action=AuditAction.RULES)
    assert rules.before == {"share_percent": "10.00"} and rules.after == {"share_percent": "15"}
    # Closed: its rules no longer change, and the refusal writes nothing.
    since = last_entry()
    response = client.post(
        "/periods/2026H1/settings/", {**rules_form(period), "share_percent": "20"}, follow=True
    )
    assert "已关闭" in response.content.decode()
    period.rules.refresh_from_db()
    assert period.rules.share_percent == Decimal("15") and last_entry() == since


def rules_form(period) -> dict:
    from django.forms import model_to_dict

    return {k: v for k, v in model_to_dict(period.rules, exclude=["period"]).items()}


def test_copying_a_scheme_is_audited_and_refused_on_a_closed_period(tmp_path, capsys):
    jixiao_ok(
        capsys,
        "import",
        "roster",
        write_csv(tmp_path / "r.csv", roster_rows([["000001", "甲", "市财政局", "一般干部", "科员"]])),
        "--period",
        "2024H1",
    )
    define_scheme(
        name="一般干部考核方案",
        period=Period.objects.get(code="2024H1"),
        category=Category.objects.get(),
        indicators=[IndicatorSpec("德", 100)],
        rater_groups={"领导评价": 100},
    )
    since = last_entry()
    jixiao_ok(capsys, "scheme", "copy", "--period", "2024H2", "--from-period", "2024H1")
    assert AuditAction.SCHEME in entries_since(since)
    scheme_entry = AuditEntry.objects.get(action=AuditAction.SCHEME)
    assert scheme_entry.period.code == "2024H2" and scheme_entry.after["indicators"][0][0] == "德"
    assessment_actions.set_period_state(
        Period.objects.get(code="2024H1"), PeriodState.CLOSED, acting_user=OPERATOR
    )
    run = jixiao(
        capsys, "scheme", "copy", "--period", "2024H1", "--from-period", "2024H2", "--unit", "市财政局"
    )
    assert run.status == 1 and "已关闭" in run.err


def test_a_city_administrator_cannot_make_themself_a_superuser(client):
    from jixiao.demo.workflow import city_office_group

    admin = make_user("kaoheban", RoleKind.CITY_ADMIN)
    admin.is_staff = True
    admin.save()
    admin.groups.add(city_office_group())
    client.force_login(admin)
    page = client.get(f"/admin/auth/user/{admin.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page
    client.post(
        f"/admin/auth/user/{admin.pk}/change/",
        {"username": admin.username, "is_superuser": "on", "is_active": "on", "is_staff": "on"},
    )
    admin.refresh_from_db()
    assert not admin.is_superuser
