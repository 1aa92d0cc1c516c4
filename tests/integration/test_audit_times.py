"""The audit log page shows every time in the site's time zone (Asia/Shanghai, 北京时间),
and says so: the entry's own time, the times inside its before and after (which the log keeps
in UTC, "2025-09-29T01:30:00+00:00"), a time a summary quotes and the time a ranking run is
named by — never one row in Beijing time beside another time in UTC. The entries themselves
keep what was recorded."""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import timezone

from jixiao.assessment.actions import get_or_create_period, lock_scores
from jixiao.assessment.models import UnitLock
from jixiao.core.audit import AuditAction, AuditEntry, record, verify
from jixiao.org.access import Operator
from jixiao.org.models import RoleKind, Unit
from jixiao.selection.models import RankingRun
from tests.workflow_city import make_user

pytestmark = pytest.mark.django_db

# 01:30 UTC is 09:30 in Beijing.
RECEIVED = datetime.datetime(2025, 9, 29, 1, 30, tzinfo=datetime.UTC)
RECEIVED_UTC = "2025-09-29T01:30:00+00:00"
RECEIVED_BEIJING = "2025-09-29 09:30:00"


def row_of(html: str, number: int) -> str:
    """The page's table row of entry ``number``."""
    rows = re.findall(r"<tr class=\"[a-z_]+\">(.*?)</tr>", html, re.S)
    (row,) = [row for row in rows if re.search(rf'<td class="num">{number}</td>', row)]
    return row


def beijing(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone(datetime.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def admin(client):
    client.force_login(make_user("admin", RoleKind.CITY_ADMIN))
    return client


def test_a_time_inside_an_entry_shows_in_beijing_time_like_the_entry(admin):
    period, _created = get_or_create_period("2025H1", acting_user=Operator("city"))
    unit = Unit.objects.create(name="市财政局")
    lock_scores(period, unit, acting_user=Operator("assessor"))
    lock = UnitLock.objects.get(period=period, unit=unit)
    entry = AuditEntry.objects.get(action=AuditAction.LOCK)
    # As recorded: the lock's time in UTC inside the entry.
    assert entry.after["locked_at"] == lock.locked_at.astimezone(datetime.UTC).isoformat()

    html = admin.get("/audit/", {"action": "lock"}).content.decode()
    row = row_of(html, entry.pk)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[1] == beijing(entry.at)
    # The lock's time in the after, in Beijing time too: within the second of the entry's.
    shown = re.search(r"&quot;locked_at&quot;: &quot;([^&]+)&quot;", row).group(1)
    assert shown == beijing(lock.locked_at)
    apart = datetime.datetime.fromisoformat(shown) - datetime.datetime.fromisoformat(cells[1])
    assert abs(apart) <= datetime.timedelta(seconds=1)
    assert entry.after["locked_at"] not in html and "+00:00" not in html
    # Labelled: the column and the note name the zone (here in English, whose words do not
    # wait for the Chinese translation to be compiled).
    assert "UTC+08:00" in html
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = admin.get("/audit/", {"action": "lock"}).content.decode()
    assert "<th>Time (Beijing time)</th>" in english
    assert "All times on this page are Beijing time (UTC+08:00)" in english


def test_a_utc_time_in_the_json_and_in_a_summary_shows_in_beijing_time(admin):
    period, _created = get_or_create_period("2025H1", acting_user=Operator("city"))
    objection = record(
        actor="人事科",
        action=AuditAction.OBJECTION,
        period=period,
        summary="收到异议",
        after={"received_at": RECEIVED, "notice": {"start": datetime.date(2025, 9, 28), "times": [RECEIVED]}},
    )
    restore = record(
        actor="运维",
        action=AuditAction.RESTORE,
        summary=f"从 jixiao-备份.tar 恢复数据库，备份时间 {RECEIVED_UTC}（审计日志头 3:abc）。",
    )
    assert objection.after["received_at"] == RECEIVED_UTC  # the entry keeps UTC

    html = admin.get("/audit/").content.decode()
    objection_row = row_of(html, objection.pk)
    assert f"&quot;received_at&quot;: &quot;{RECEIVED_BEIJING}&quot;" in objection_row
    assert f"&quot;{RECEIVED_BEIJING}&quot;" in objection_row.split("&quot;times&quot;")[1]
    assert "&quot;start&quot;: &quot;2025-09-28&quot;" in objection_row  # a date stays a date
    assert f"备份时间 {RECEIVED_BEIJING}（" in row_of(html, restore.pk)
    assert "01:30" not in html and RECEIVED_UTC not in html
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
    # Shown, not changed: the chain still verifies.
    assert verify() == []


def test_a_ranking_run_is_named_by_its_time_in_beijing_time(admin):
    period, _created = get_or_create_period("2025H1", acting_user=Operator("city"))
    run = RankingRun.objects.create(period=period, actor="人事科", ranked=80)
    entry = record(actor="人事科", action=AuditAction.RANKING, target=run, period=period, summary="80 人")
    # As recorded: the run's name holds the time it ran, in Beijing time (entries written
    # before it did hold UTC without saying so; the page shows those in Beijing time too).
    assert entry.target_label == f"2025H1 {beijing(run.ran_at)[:16]}"

    cells = re.findall(r"<td[^>]*>(.*?)</td>", row_of(admin.get("/audit/").content.decode(), entry.pk), re.S)
    assert cells[1] == beijing(entry.at)
    assert cells[6] == f"2025H1 {beijing(run.ran_at)[:16]}"
    # The run and its entry, in one transaction: the same time, to the minute.
    ran = datetime.datetime.fromisoformat(cells[6].removeprefix("2025H1 "))
    assert abs(ran - datetime.datetime.fromisoformat(cells[1])) < datetime.timedelta(minutes=1)
