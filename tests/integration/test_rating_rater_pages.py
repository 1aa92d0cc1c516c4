"""The raters' pages of online rating (考核码), through the Django test client on the real
database: the code form, the sheet with its autosave (htmx) and its no-script buttons, the
review, the submission, and the Chinese messages of a code that cannot be used.

The city (tests.files.assessment_city): 一般干部 of 市财政局 are 张三 (000101) and 李四
(000102), scored on 德 and 能 (full marks 100 each) by 领导评价 and 同事互评; 日常工作 (scored
by the unit) and 重点工作 (objective) are not the raters'.
"""

import datetime
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone, translation

from jixiao.assessment.models import Period, RaterGroup, RosterEntry
from jixiao.core.audit import AuditAction
from jixiao.core.models import AuditEntry
from jixiao.core.refusals import Refused
from jixiao.org.access import Operator
from jixiao.org.models import Category, Person, Unit
from jixiao.rating import actions, rater_views
from jixiao.rating.errors import RatingRefusal
from jixiao.rating.models import CodeGuesses, DraftScore, RatingCode, RatingRound
from tests.files import assessment_city

pytestmark = pytest.mark.django_db

OFFICE = Operator("rating office")
ZHANG, LI = "000101", "000102"
SUBMITTED = "此考核码已使用"


@pytest.fixture
def city(tmp_path, capsys):
    return assessment_city(tmp_path, capsys)


def new_round(**times):
    now = timezone.now()
    return actions.create_round(
        period=Period.objects.get(),
        category=Category.objects.get(name="一般干部"),
        unit=Unit.objects.get(name="市财政局"),
        name="财政局上半年测评",
        opens_at=times.get("opens_at", now - datetime.timedelta(minutes=1)),
        closes_at=times.get("closes_at", now + datetime.timedelta(hours=2)),
        acting_user=OFFICE,
    )


@pytest.fixture
def finance_round(city):
    return new_round()


def issue(round_, group: str = "领导评价", **options) -> actions.IssuedCode:
    if "holders" not in options:
        options["count"] = 1
    return actions.issue_codes(
        round_, group=RaterGroup.objects.get(name=group), acting_user=OFFICE, **options
    )[0]


def entry(staff_id: str) -> RosterEntry:
    return RosterEntry.objects.get(person__staff_id=staff_id)


def indicator_ids(city) -> dict[str, int]:
    return {i.name: i.pk for i in city["一般干部"].indicators.all()}


def field(city, staff_id: str, indicator: str) -> str:
    return f"s-{entry(staff_id).pk}-{indicator_ids(city)[indicator]}"


def every_field(city, value: str = "80") -> dict[str, str]:
    return {field(city, s, i): value for s in (ZHANG, LI) for i in ("德", "能")}


def full_draft(city, cents: int) -> dict[tuple[int, int], int]:
    ids = indicator_ids(city)
    return {(entry(s).pk, ids[i]): cents for s in (ZHANG, LI) for i in ("德", "能")}


def opened(client, text: str, url: str = "/rate/"):
    response = client.post(url, {"code": text})
    assert response.status_code == 302 and response["Location"] == "/rate/sheet/", page(response)
    return response


def page(response) -> str:
    return response.content.decode()


def drafts() -> dict[tuple[int, int], int]:
    return {(d.entry_id, d.indicator_id): d.score_cents for d in DraftScore.objects.all()}


# ----------------------------------------------------------------------------------------
# The code form
# ----------------------------------------------------------------------------------------


def test_a_good_code_opens_the_sheet_however_it_is_typed(client, city, finance_round):
    issued = issue(finance_round)
    form = page(client.get(f"/rate/{finance_round.key}/"))
    assert 'name="code"' in form and "财政局上半年测评" in form and "csrfmiddlewaretoken" in form
    # The QR code of a slip fills the form in; opening needs the rater's own click.
    prefilled = page(client.get(f"/rate/{finance_round.key}/?code={issued.shown}"))
    assert f'value="{issued.shown}"' in prefilled
    assert RatingCode.objects.get().opened_at is None

    before = client.session.session_key
    opened(client, f"{issued.text[:4].lower()}-{issued.text[4:].lower()}", f"/rate/{finance_round.key}/")
    session = client.session
    assert session.session_key != before  # cycled on code entry
    code = RatingCode.objects.get()
    assert session[rater_views.CODE] == code.pk and session[rater_views.CODE_HASH] == code.code_hash
    assert issued.text not in json.dumps(dict(session.items())) and code.opened_at is not None
    assert "张三" in page(client.get("/rate/sheet/"))
    # Typed on the generic page too, with spaces and full-width letters.
    other = Client()
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in issued.text)
    opened(other, f" {wide[:4]} {wide[4:]} ")


def test_unknown_used_closed_and_early_codes_are_told_apart_in_chinese(client, city, finance_round):
    issued = issue(finance_round)
    response = client.post("/rate/", {"code": "ABCD-EFGH"})
    assert response.status_code == 200 and "考核码无效" in page(response)
    assert 'value="ABCD-EFGH"' in page(response)  # kept to correct
    assert "请输入考核码条上的考核码" in page(client.post("/rate/", {"code": "  "}))

    code = actions.open_code(issued.text, address="192.0.2.1")
    actions.save_draft(code, full_draft(city, 8000))
    actions.submit(code)
    assert SUBMITTED in page(client.post("/rate/", {"code": issued.text}))

    late = issue(finance_round)
    actions.set_closing_time(
        finance_round, timezone.now() - datetime.timedelta(seconds=1), acting_user=OFFICE
    )
    closed = page(client.post("/rate/", {"code": late.shown}))
    assert "测评已于" in closed and "结束" in closed and "张三" not in closed
    assert "测评已于" in page(client.get(f"/rate/{finance_round.key}/"))  # said before a code is typed

    soon = new_round(
        opens_at=timezone.now() + datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=2),
    )
    early = issue(soon)
    response = client.post(f"/rate/{soon.key}/", {"code": early.text})
    assert response.status_code == 200 and "测评将于" in page(response)
    assert "测评将于" in page(client.get(f"/rate/{soon.key}/"))
    assert rater_views.CODE not in client.session


def test_thirty_wrong_codes_lock_the_address_out_of_that_round(client, city, finance_round):
    issued = issue(finance_round)
    url = f"/rate/{finance_round.key}/"
    for number in range(30):
        response = client.post(url, {"code": f"ABCD{number + 2000}"[:8]})
        assert response.status_code == 200 and "考核码无效" in page(response)
    locked = client.post(url, {"code": issued.text})  # even the right code waits
    assert locked.status_code == 429
    assert "本网络输错考核码的次数过多" in page(locked) and "分钟后再试" in page(locked)
    assert rater_views.CODE not in client.session
    # Counted per round key: the generic page (key "") counts on its own.
    guesses = dict(CodeGuesses.objects.values_list("round_key", "failures"))
    assert guesses == {finance_round.key: 30}
    opened(client, issued.text, "/rate/")
    assert client.post("/rate/", {"code": "ZZZZ-ZZZZ"}).status_code == 200
    assert CodeGuesses.objects.get(round_key="").failures == 1


def test_a_reissued_code_ends_the_old_session(client, city, finance_round):
    lost = issue(finance_round)
    opened(client, lost.text)
    client.post("/rate/sheet/", {field(city, ZHANG, "德"): "70", "action": "save"})
    new = actions.reissue_code(finance_round, lost.code.slip_number, acting_user=OFFICE)
    dead = page(client.get("/rate/sheet/"))
    assert "此考核码已失效" in dead and "张三" not in dead
    assert rater_views.CODE not in client.session
    assert client.get("/rate/sheet/")["Location"] == f"/rate/{finance_round.key}/"
    before = drafts()
    client.post("/rate/sheet/", {field(city, ZHANG, "德"): "99", "action": "save"})
    assert drafts() == before == {}
    opened(client, new.text)
    assert "张三" in page(client.get("/rate/sheet/"))


def test_code_pages_show_nothing_without_a_code(client, city, finance_round):
    issue(finance_round)
    for url in ("/rate/sheet/", "/rate/review/", "/rate/done/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/rate/", url
    assert client.post("/rate/save/", {"s-1-1": "90"}).status_code == 302
    htmx = client.post("/rate/save/", {"s-1-1": "90"}, headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == "/rate/"
    assert client.post("/rate/review/", {"confirm": "1"}).status_code == 302
    assert (
        DraftScore.objects.count() == 0 and RatingCode.objects.filter(submitted_at__isnull=False).count() == 0
    )


def test_csrf_protection_stays_on():
    refused = Client(enforce_csrf_checks=True).post("/rate/", {"code": "ABCD-EFGH"})
    assert refused.status_code == 403


# ----------------------------------------------------------------------------------------
# The sheet
# ----------------------------------------------------------------------------------------


def test_the_sheet_lists_the_batchs_people_but_the_holder_with_each_rated_item(client, city, finance_round):
    scheme = city["一般干部"]
    scheme.top_mark_share, scheme.top_mark_from = 50, 90
    scheme.save()
    zhang = Person.objects.get(staff_id=ZHANG)
    mine = issue(finance_round, "同事互评", holders=[zhang, Person.objects.get(staff_id=LI)])
    # Another rater's draft is never shown to this one.
    leader = actions.open_code(issue(finance_round).text, address="192.0.2.1")
    actions.save_draft(leader, {(entry(LI).pk, indicator_ids(city)["德"]): 9333})
    opened(client, mine.text)
    html = page(client.get("/rate/sheet/"))
    assert "李四" in html and "科员" in html and "张三" not in html
    assert "财政局上半年测评" in html and "同事互评" in html and "市财政局" in html
    names = sorted(set(re.findall(r'name="(s-\d+-\d+)"', html)))
    assert names == sorted([field(city, LI, "德"), field(city, LI, "能")])
    assert 'min="0" max="100" step="0.01"' in html and "0–100分" in html
    assert "重点工作" not in html and "日常工作" not in html
    assert "93.33" not in html
    # 50 % of the one person this code scores: nobody may have a top mark.
    assert "各项指标均不能评为优秀（90分及以上）" in html
    assert f'hx-post="/rate/save/" hx-trigger="change" hx-params="{field(city, LI, "德")}"' in html
    assert 'role="status" aria-live="polite"' in html
    assert 'name="action" value="save"' in html and 'name="action" value="review"' in html


def test_the_limit_line_counts_the_people_scored(client, city, finance_round):
    scheme = city["一般干部"]
    scheme.top_mark_share, scheme.top_mark_from = 50, 95
    scheme.save()
    opened(client, issue(finance_round).text)
    assert "每项指标评为优秀（95分及以上）的人数不超过1人。" in page(client.get("/rate/sheet/"))
    scheme.top_mark_share = None
    scheme.save()
    assert "优秀" not in page(client.get("/rate/sheet/"))


def test_htmx_saves_one_field_and_answers_a_fragment(client, city, finance_round):
    opened(client, issue(finance_round).text)
    de = field(city, ZHANG, "德")
    response = client.post("/rate/save/", {de: "９０．５"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = page(response)
    assert "<html" not in fragment and "已保存 " in fragment and "已评 1 / 4 项" in fragment
    assert f'id="err-{de}" hx-swap-oob="true"' in fragment
    assert drafts() == {(entry(ZHANG).pk, indicator_ids(city)["德"]): 9050}

    bad = client.post("/rate/save/", {field(city, ZHANG, "能"): "101"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400
    assert "能的分数应在 0 到 100 之间" in page(bad) and "未保存" in page(bad)
    for text, message in (("九十", "请输入数字"), ("90.555", "最多保留两位小数"), ("-1", "0 到 100")):
        refused = client.post("/rate/save/", {de: text}, headers={"HX-Request": "true"})
        assert refused.status_code == 400 and message in page(refused), text
    assert drafts() == {(entry(ZHANG).pk, indicator_ids(city)["德"]): 9050}
    # Emptied: the draft forgets it.
    assert client.post("/rate/save/", {de: ""}, headers={"HX-Request": "true"}).status_code == 200
    assert drafts() == {}


def test_without_script_the_buttons_save_then_review_and_a_bad_value_loses_nothing(
    client, city, finance_round
):
    opened(client, issue(finance_round).text)
    entries = {**every_field(city, "85"), field(city, LI, "能"): "150", "action": "save"}
    response = client.post("/rate/sheet/", entries)
    assert response.status_code == 200
    html = page(response)
    assert "能的分数应在 0 到 100 之间" in html and 'value="150"' in html and 'aria-invalid="true"' in html
    assert "其他分数均已保存" in html
    assert len(drafts()) == 3 and set(drafts().values()) == {8500}

    response = client.post("/rate/sheet/", {field(city, LI, "能"): "90分", "action": "save"})
    assert response.status_code == 302 and response["Location"] == "/rate/sheet/"
    assert "上次保存" in page(client.get("/rate/sheet/"))
    response = client.post("/rate/sheet/", {**every_field(city, "88"), "action": "review"})
    assert response["Location"] == "/rate/review/"
    review = page(client.get("/rate/review/"))
    assert review.count("<b>88</b>") == 4 and "确认提交，提交后不能修改" in review
    assert 'name="confirm" value="1"' in review


def test_the_review_names_what_blocks_the_submission(client, city, finance_round):
    scheme = city["一般干部"]
    scheme.top_mark_share, scheme.top_mark_from = 50, 90
    scheme.save()
    opened(client, issue(finance_round).text)
    client.post(
        "/rate/sheet/", {field(city, ZHANG, "德"): "95", field(city, LI, "德"): "92", "action": "save"}
    )
    review = page(client.get("/rate/review/"))
    assert "还有 2 项未打分" in review and f'href="/rate/sheet/#p-{entry(ZHANG).pk}"' in review
    assert "德：有 2 人评为优秀（90 分及以上），最多只能 1 人" in review
    assert "确认提交" not in review and review.count("未打分") >= 2

    client.post(
        "/rate/sheet/", {field(city, ZHANG, "能"): "80", field(city, LI, "能"): "70", "action": "save"}
    )
    refused = client.post("/rate/review/", {"confirm": "1"})
    assert refused.status_code == 200 and "最多只能 1 人" in page(refused)
    assert RatingCode.objects.get().submitted_at is None

    client.post("/rate/sheet/", {field(city, LI, "德"): "89.99", "action": "save"})
    review = page(client.get("/rate/review/"))
    assert "分数已全部填好" in review and "确认提交，提交后不能修改" in review


def test_a_submitted_code_is_thanked_and_never_used_again(client, city, finance_round):
    issued = issue(finance_round)
    opened(client, issued.text)
    client.post("/rate/sheet/", {**every_field(city, "80"), "action": "save"})
    audit = AuditEntry.objects.count()
    response = client.post("/rate/review/", {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == "/rate/done/"
    done = page(client.get("/rate/done/"))
    assert "谢谢" in done and "财政局上半年测评" in done and "张三" not in done
    assert RatingCode.objects.get().submitted_at is not None and AuditEntry.objects.count() == audit + 1
    # The session forgot the code; the code itself is used up.
    assert client.get("/rate/sheet/").status_code == 302
    assert SUBMITTED in page(client.post("/rate/", {"code": issued.text}))


def test_a_submission_in_another_session_ends_this_one(client, city, finance_round):
    issued = issue(finance_round)
    opened(client, issued.text)
    client.post("/rate/sheet/", {**every_field(city, "80"), "action": "save"})
    other = Client()
    opened(other, issued.text)
    assert other.post("/rate/review/", {"confirm": "1"}).status_code == 302
    refused = client.post("/rate/sheet/", {**every_field(city, "60"), "action": "save"})
    assert refused.status_code == 409 and SUBMITTED in page(refused)
    assert set(drafts().values()) == {8000}
    htmx = client.post("/rate/save/", every_field(city, "60"), headers={"HX-Request": "true"})
    assert htmx.status_code == 302 or htmx.get("HX-Redirect")


# ----------------------------------------------------------------------------------------
# One code submitted twice at the same moment
# ----------------------------------------------------------------------------------------


class NoCapture:
    """What ``tests.files.jixiao`` reads of pytest's capsys, in a process without pytest."""

    def readouterr(self):
        return SimpleNamespace(out="", err="")


def submit_twice_at_once(folder: Path, capsys) -> dict:
    """Two phones hold the same code (two sessions); both press 确认提交 at once."""
    city = assessment_city(folder, capsys)
    issued = issue(new_round())
    phones = [Client(raise_request_exception=False) for _ in range(2)]
    for phone in phones:
        opened(phone, issued.shown)
    phones[0].post("/rate/sheet/", {**every_field(city, "80"), "action": "save"})
    before = {"drafts": sorted(drafts().items()), "audit": AuditEntry.objects.order_by("-id").first().pk}
    answers, start = [None, None], threading.Barrier(2, timeout=60)
    with translation.override("zh-hans"):
        used = Refused(RatingRefusal.CODE_USED).message

    def submit(number: int) -> None:
        try:
            start.wait()
            response = phones[number].post("/rate/review/", {"confirm": "1"})
            answers[number] = {
                "status": response.status_code,
                "location": response.get("Location", ""),
                "used": used in page(response),
            }
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    new_entries = AuditEntry.objects.filter(pk__gt=before["audit"])
    return {
        "answers": answers,
        "audit": [(e.action, e.after) for e in new_entries],
        "drafts_unchanged": sorted(drafts().items()) == before["drafts"],
        "submitted": RatingCode.objects.filter(submitted_at__isnull=False).count(),
    }


def check_one_submission(outcome: dict) -> None:
    answers = sorted(outcome["answers"], key=lambda a: a["status"])
    assert answers == [
        {"status": 302, "location": "/rate/done/", "used": False},
        {"status": 409, "location": "", "used": True},
    ], outcome
    assert [action for action, _after in outcome["audit"]] == [AuditAction.RATING], outcome
    assert outcome["audit"][0][1]["slip"] == 1
    assert outcome["drafts_unchanged"] and outcome["submitted"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite: in a process of its own, below")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_code_submitted_twice_at_once_on_postgresql_counts_once(tmp_path, capsys):
    check_one_submission(submit_twice_at_once(tmp_path, capsys))


IN_OWN_PROCESS = """
import json, os, sys
from pathlib import Path
folder = Path(sys.argv[1])
os.environ.update(
    DATABASE_URL=f"sqlite:///{folder / 'jixiao.sqlite3'}",
    JIXIAO_DATA_DIR=str(folder),
    DJANGO_SETTINGS_MODULE="jixiao.settings",
)
import django
django.setup()
from django.core.management import call_command
from django.test.utils import setup_test_environment
setup_test_environment()
call_command("migrate", verbosity=0)
from tests.integration.test_rating_rater_pages import NoCapture, submit_twice_at_once
print(json.dumps(submit_twice_at_once(folder, NoCapture()), ensure_ascii=False, default=str))
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL: in the test's own database, above")
def test_one_code_submitted_twice_at_once_on_sqlite_counts_once(tmp_path):
    """On a SQLite file under the production settings (WAL, IMMEDIATE transactions, a busy
    timeout): the test database lives in memory, where locks never wait."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    run = subprocess.run(
        [sys.executable, "-c", IN_OWN_PROCESS, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    check_one_submission(json.loads(run.stdout.strip().splitlines()[-1]))


# ----------------------------------------------------------------------------------------
# A submission while the round is being counted
# ----------------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite: one writer at a time, nothing to race")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_submission_while_the_round_is_counted_waits_and_is_refused_not_lost(city):
    """The office counts (the round locked, its submitted scores read) while a phone
    presses 确认提交: the submission waits for the count, then is told the rating closed;
    it never reads as submitted with its scores left out of the count."""
    round_ = new_round()
    early, late = issue(round_), issue(round_)
    first = Client()
    opened(first, early.text)
    first.post("/rate/sheet/", {**every_field(city, "80"), "action": "save"})
    assert first.post("/rate/review/", {"confirm": "1"}).status_code == 302
    phone = Client(raise_request_exception=False)
    opened(phone, late.text)
    phone.post("/rate/sheet/", {**every_field(city, "60"), "action": "save"})
    answer = {}

    def press_submit() -> None:
        try:
            response = phone.post("/rate/review/", {"confirm": "1"})
            answer.update(status=response.status_code, page=page(response))
        finally:
            connection.close()

    with transaction.atomic():
        # As count_round begins: the round row locked for the length of the count.
        RatingRound.objects.select_for_update().get(pk=round_.pk)
        pressing = threading.Thread(target=press_submit)
        pressing.start()
        pressing.join(timeout=2)
        waited = pressing.is_alive()
        counted = actions.count_round(round_, acting_user=OFFICE)
    pressing.join(timeout=60)
    assert waited, answer
    assert answer["status"] == 409 and "测评已于" in answer["page"], answer
    assert (counted.submitted, counted.issued) == (1, 2)
    assert RatingCode.objects.filter(submitted_at__isnull=False).count() == 1
    assert not DraftScore.objects.exists()
