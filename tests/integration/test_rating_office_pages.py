"""The offices' pages of online rating (考核码), through the Django test client as the real
roles: a unit's assessment office opens a round, issues anonymous and bound codes (shown
once, only their hashes stored), downloads the slips as PDF (read back with pdftotext, the
QR codes decoded from the rendered pages) and the list as .xlsx, watches the progress while
raters open and submit (through the rater actions), re-issues a lost slip, moves the closing
time and counts the round into the period's rater scores. Other units' offices, the
committee's secretary and staff members reach none of it; the city's office runs city-wide
rounds and sees every unit's.

The city (tests.files.assessment_city): 一般干部 of 市财政局 are 张三 (000101) and 李四
(000102), scored on 德 and 能 (full marks 100) by 领导评价 60 / 同事互评 40; 赵六 (000104) is
城关镇's 一般干部.
"""

import datetime
import io
import itertools
import re
import subprocess
from html import unescape

import openpyxl
import pytest
import zxingcpp
from django.apps import apps
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from jixiao.assessment.models import Indicator, RaterGroup, RaterScore, RosterEntry, ScoringMethod, UnitLock
from jixiao.core.models import AuditEntry
from jixiao.core.refusals import Refused
from jixiao.org.models import Category, RoleKind, Unit
from jixiao.rating import actions, codes
from jixiao.rating.errors import RatingRefusal
from jixiao.rating.models import RatingBatch, RatingCode, RatingRound, RoundState
from jixiao.rating.progress import slip_ranges
from tests.files import assessment_city
from tests.workflow_city import make_user

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.20"
PERIOD = "2023H1"
SLIP_CODE = re.compile(r'<p class="slip-code mono">([A-Z0-9]{4}-[A-Z0-9]{4})</p>')


@pytest.fixture
def city(tmp_path, capsys):
    return assessment_city(tmp_path, capsys)


@pytest.fixture
def finance():
    return Unit.objects.get(name="市财政局")


@pytest.fixture
def office(client, city, finance):
    """Signed in as 市财政局's assessment office."""
    client.force_login(make_user("renshike", RoleKind.ASSESSOR, finance))
    return client


def unit_url(unit, tail: str = "") -> str:
    return f"/periods/{PERIOD}/units/{unit.pk}/rating/{tail}"


def group(name: str) -> RaterGroup:
    return RaterGroup.objects.get(name=name)


def entry(staff_id: str) -> RosterEntry:
    return RosterEntry.objects.get(person__staff_id=staff_id)


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def open_round(client, unit, **changes) -> RatingRound:
    """Open a round of 一般干部 through the form (its default times: from now, a week)."""
    page = client.get(unit_url(unit))
    assert page.status_code == 200
    category = Category.objects.get(name="一般干部")
    opens = re.search(r'name="opens_at" value="([^"]+)"', page.content.decode()).group(1)
    closes = re.search(r'name="closes_at" value="([^"]+)"', page.content.decode()).group(1)
    form = {"what": f"{category.pk}-1", "name": "财政局上半年测评", "opens_at": opens, "closes_at": closes}
    response = client.post(unit_url(unit), {**form, **changes})
    assert response.status_code == 302, text_of(response)[:2000]
    round_ = RatingRound.objects.latest("id")
    assert response["Location"] == unit_url(unit, f"{round_.pk}/issue/")
    return round_


def start_now(round_: RatingRound) -> None:
    """The form's default opening time is this minute: a minute earlier, the round is open
    for the raters of the test at once."""
    RatingRound.objects.filter(pk=round_.pk).update(opens_at=timezone.now() - datetime.timedelta(minutes=2))
    round_.refresh_from_db()


def issue(client, round_, **form) -> tuple[object, list[str]]:
    """Issue a batch through the form: the page that answers and the codes it shows."""
    unit = round_.unit
    data = {"group": group(form.pop("group", "领导评价")).pk, "kind": "anonymous", "scope": "all", **form}
    response = client.post(unit_url(unit, f"{round_.pk}/issue/"), data)
    assert response.status_code == 200
    return response, SLIP_CODE.findall(response.content.decode())


def codes_field(response) -> str:
    return re.search(r'name="codes" value="([^"]*)"', response.content.decode()).group(1)


def stored_text() -> str:
    """Every row of every table of the application, as text."""
    rows = []
    for model in apps.get_models():
        if model.__module__.startswith("jixiao."):
            rows += [str(row) for row in model.objects.values_list()]
    return "\n".join(rows)


# ----------------------------------------------------------------------------------------
# Opening a round and issuing codes
# ----------------------------------------------------------------------------------------


def test_a_unit_opens_a_round_and_issues_codes_shown_only_once(office, finance):
    page = office.get(unit_url(finance))
    html = page.content.decode()
    # Only categories whose scheme has rater-scored indicators: 一般干部 and 中层干部 (per
    # quarter, twice) of 市财政局; no round yet.
    what = re.search(r'<select name="what".*?</select>', html, re.S).group(0)
    assert what.count("<option") == 3
    round_ = open_round(office, finance)
    assert (round_.unit, round_.category.name, round_.name) == (finance, "一般干部", "财政局上半年测评")
    assert datetime.timedelta(days=6) < round_.closes_at - round_.opens_at < datetime.timedelta(days=8)

    response, leaders = issue(office, round_, count="3", label="局领导")
    assert len(leaders) == 3 and len(set(leaders)) == 3
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    for code in leaders:
        assert html.count(f'<p class="slip-code mono">{code}</p>') == 1
        assert f"/rate/{round_.key}/?code={code}" not in html  # only inside the QR images
    assert codes_field(response).split() == leaders
    # The page says the codes are shown only now.
    assert "shown only now" in html or "只显示这一次" in html

    zhang, li = entry("000101"), entry("000102")
    response, colleagues = issue(
        office, round_, group="同事互评", kind="bound", holders=[zhang.pk, li.pk], label="办公室"
    )
    assert len(colleagues) == 2
    page = text_of(response)
    assert "张三" in page and "李四" in page and "办公室" in page
    stored = list(RatingCode.objects.filter(round=round_).order_by("slip_number"))
    assert [c.slip_number for c in stored] == [1, 2, 3, 4, 5]
    assert [c.person.name if c.person else None for c in stored] == [None, None, None, "张三", "李四"]
    assert RatingBatch.objects.get(codes=stored[3]).label == "办公室"
    # Only the hashes are stored: no code, in either form, anywhere in the database.
    everything = stored_text()
    for code in leaders + colleagues:
        assert code not in everything and code.replace("-", "") not in everything
        assert RatingCode.objects.filter(code_hash=codes.code_hash(code.replace("-", ""))).count() == 1
    # Every issue is audited, without a code.
    assert AuditEntry.objects.filter(summary__contains="领导评价").exists()

    # The rounds list now shows the round with its counts.
    listing = text_of(office.get(unit_url(finance)))
    assert "财政局上半年测评" in listing


def test_the_forms_show_refusals_not_tracebacks(office, finance):
    category = Category.objects.get(name="一般干部")
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = office.post(
        unit_url(finance), {"what": f"{category.pk}-1", "name": "", "opens_at": now, "closes_at": now}
    )
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert not RatingRound.objects.exists()
    round_ = open_round(office, finance)
    zhang = entry("000101")
    issue(office, round_, group="同事互评", kind="bound", holders=[zhang.pk])
    # 张三 already holds a code of 同事互评; a group outside the scheme is not offered.
    response = office.post(
        unit_url(finance, f"{round_.pk}/issue/"),
        {"group": group("同事互评").pk, "kind": "bound", "holders": [zhang.pk], "scope": "all"},
    )
    assert response.status_code == 200
    assert "张三" in text_of(response) and 'class="errorlist' in response.content.decode()
    # Listed to score only themself: nobody to score.
    response = office.post(
        unit_url(finance, f"{round_.pk}/issue/"),
        {
            "group": group("领导评价").pk,
            "kind": "bound",
            "holders": [zhang.pk],
            "scope": "listed",
            "rated": [zhang.pk],
        },
    )
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert RatingCode.objects.count() == 1


# ----------------------------------------------------------------------------------------
# The slips: PDF and .xlsx, only of codes the office holds
# ----------------------------------------------------------------------------------------


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "slips.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.split("\f")[:-1]


def pdf_qr_codes(data: bytes, tmp_path) -> list[list[str]]:
    """The QR codes of each page, rendered at 150 dpi and decoded."""
    path = tmp_path / "qr.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = []
    for png in sorted(tmp_path.glob("page-*.png")):
        with Image.open(png) as image:
            assert image.size == (1241, 1754)  # A4 at 150 dpi (210 × 297 mm)
            pages.append([code.text for code in zxingcpp.read_barcodes(image)])
    return pages


def test_the_slips_pdf_lists_every_slip_with_its_qr_code(office, finance, tmp_path):
    round_ = open_round(office, finance)
    response, issued = issue(office, round_, count="13")
    assert len(issued) == 13
    pdf = office.post(unit_url(finance, f"{round_.pk}/slips.pdf"), {"codes": codes_field(response)})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "no-store"
    data = b"".join(pdf.streaming_content)
    pages = pdf_pages(data, tmp_path)
    # Ten slips a sheet: 13 codes make two pages, the last with three; none dropped.
    assert len(pages) == 2
    numbers = [[int(n) for n in re.findall(r"第\s*(\d+)\s*号", page)] for page in pages]
    assert numbers == [list(range(1, 11)), [11, 12, 13]]
    for page, expected in zip(pages, (issued[:10], issued[10:]), strict=True):
        assert re.findall(r"[A-Z0-9]{4}-[A-Z0-9]{4}", page) == expected
        assert page.count(f"/rate/{round_.key}/") == len(expected)
        assert page.count("请勿转借") == len(expected)
    base = "http://testserver"
    assert [sorted(page) for page in pdf_qr_codes(data, tmp_path)] == [
        sorted(f"{base}/rate/{round_.key}/?code={code}" for code in part)
        for part in (issued[:10], issued[10:])
    ]


def test_the_holders_name_is_on_their_slip(office, finance, tmp_path):
    round_ = open_round(office, finance)
    response, issued = issue(
        office, round_, group="同事互评", kind="bound", all_holders="on", scope="all", label="办公室"
    )
    assert len(issued) == 2
    data = b"".join(
        office.post(
            unit_url(finance, f"{round_.pk}/slips.pdf"), {"codes": codes_field(response)}
        ).streaming_content
    )
    (page,) = pdf_pages(data, tmp_path)
    assert "持有人：张三" in page and "持有人：李四" in page and "办公室" in page


def test_the_slips_list_as_xlsx(office, finance):
    round_ = open_round(office, finance)
    response, leaders = issue(office, round_, count="2", label="=HYPERLINK(1)")
    zhang, li = entry("000101"), entry("000102")
    # A name that starts like a formula stays text in the list.
    type(zhang.person).objects.filter(pk=zhang.person_id).update(name="=SUM(A1)")
    response_bound, bound = issue(
        office, round_, group="同事互评", kind="bound", holders=[zhang.pk], scope="listed", rated=[li.pk]
    )
    both = f"{codes_field(response)} {codes_field(response_bound)}"
    xlsx = office.post(unit_url(finance, f"{round_.pk}/slips.xlsx"), {"codes": both})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == ["序号", "考核码", "评价主体", "持有人", "评价范围", "评分地址"]
    assert len(rows) == 1 + 3
    address = f"http://testserver/rate/{round_.key}/?code="
    assert rows[1] == [
        1,
        leaders[0],
        "领导评价（=HYPERLINK(1)）",
        None,
        "市财政局全体一般干部",
        address + leaders[0],
    ]
    assert rows[2][:2] == [2, leaders[1]]
    assert rows[3] == [3, bound[0], "同事互评", "'=SUM(A1)", "市财政局：李四", address + bound[0]]
    sheet = workbook.worksheets[0]
    assert all(
        cell.data_type == "s" for row in sheet.iter_rows(min_row=2, min_col=2) for cell in row if cell.value
    )


def test_slips_are_made_only_of_usable_codes_of_the_round(office, finance, city):
    round_ = open_round(office, finance)
    start_now(round_)
    response, issued = issue(office, round_, count="3")
    url = unit_url(finance, f"{round_.pk}/slips.pdf")
    forged = codes.shown(codes.new_code())
    for sent in (
        f"{issued[0]} {forged}",  # a code nobody issued
        "",  # no code at all
        f"{issued[0]} ABCD-EF0O",  # not a code
    ):
        refused = office.post(url, {"codes": sent})
        assert refused.status_code == 302 and refused["Location"] == unit_url(finance, f"{round_.pk}/")
        assert refused["Content-Type"].startswith("text/html")
    page = text_of(office.get(refused["Location"]))
    assert "no slips were made" in page or "未生成" in page
    # A code of another round is not this round's.
    other = actions.create_round(
        period=round_.period,
        category=round_.category,
        unit=finance,
        name="另一轮",
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        acting_user=actions_user(finance),
    )
    (elsewhere,) = actions.issue_codes(
        other, group=group("领导评价"), count=1, acting_user=actions_user(finance)
    )
    assert office.post(url, {"codes": elsewhere.shown}).status_code == 302
    # A submitted code and a re-issued one can no longer be printed.
    submit_scores(issued[0], city)
    assert office.post(url, {"codes": issued[0]}).status_code == 302
    actions.reissue_code(round_, 2, acting_user=actions_user(finance))
    assert office.post(url, {"codes": issued[1]}).status_code == 302
    assert office.post(url, {"codes": issued[2]}).status_code == 200


def actions_user(unit):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="renshike")


def submit_scores(code_text: str, city, scores=(8000, 9000)) -> RatingCode:
    """A rater opens the code, scores everyone on its sheet and submits (the rater actions)."""
    code = actions.open_code(code_text, address=ADDRESS)
    sheet = actions.save_draft(code, {})
    actions.save_draft(
        code,
        {
            (person.pk, indicator.pk): scores[n % 2]
            for person in sheet.people
            for n, indicator in enumerate(sheet.indicators)
        },
    )
    actions.submit(code)
    return code


# ----------------------------------------------------------------------------------------
# Progress, re-issue, closing time, counting
# ----------------------------------------------------------------------------------------


@given(st.sets(st.integers(min_value=1, max_value=60)))
def test_missing_slips_read_as_runs(numbers):
    runs = slip_ranges(sorted(numbers))
    expanded = []
    for run in runs:
        first, _, last = run.partition("–")
        expanded += range(int(first), int(last or first) + 1)
    assert expanded == sorted(numbers)
    # Runs are as long as they can be: no two touch.
    assert all(int(b.split("–")[0]) > int(a.split("–")[-1]) + 1 for a, b in itertools.pairwise(runs))


def test_progress_counts_issued_opened_and_submitted(office, finance, city):
    round_ = open_round(office, finance)
    start_now(round_)
    _response, leaders = issue(office, round_, count="3")
    zhang, li = entry("000101"), entry("000102")
    _response, colleagues = issue(office, round_, group="同事互评", kind="bound", holders=[zhang.pk, li.pk])
    actions.open_code(leaders[0], address=ADDRESS)
    submit_scores(leaders[1], city, scores=(7777, 6666))
    submit_scores(colleagues[0], city, scores=(5555, 4444))

    for url in (unit_url(finance, f"{round_.pk}/"), unit_url(finance, f"{round_.pk}/progress/")):
        response = office.get(url)
        assert response.status_code == 200
        html = re.search(r'<section id="progress".*?</section>', response.content.decode(), re.S).group(0)
        rows = re.findall(r"<tr>\s*<td>(领导评价|同事互评)</td>(.*?)</tr>", html, re.S)
        counts = {
            name: [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', cells)]
            for name, cells in rows
        }
        assert counts == {"领导评价": [3, 2, 1], "同事互评": [2, 1, 1]}
        missing = dict((name, text_of_html(cells).split("%")[-1].strip()) for name, cells in rows)
        # Anonymous slips by number; a bound slip with its holder, who got it from the office.
        assert missing["领导评价"] in ("1，3", "1, 3")
        assert missing["同事互评"] in ("5（李四）", "5 (李四)")
        # Never a score.
        for score in ("77.77", "66.66", "55.55", "44.44", "7777", "5555"):
            assert score not in html
    assert (
        'hx-get="' + unit_url(finance, f"{round_.pk}/progress/")
        in office.get(unit_url(finance, f"{round_.pk}/")).content.decode()
    )


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def test_a_lost_slip_is_reissued_and_its_old_code_dies(office, finance, city):
    round_ = open_round(office, finance)
    start_now(round_)
    _response, (first, lost) = issue(office, round_, count="2")
    response = office.post(unit_url(finance, f"{round_.pk}/reissue/"), {"slip": "2"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    (new,) = SLIP_CODE.findall(response.content.decode())
    assert new not in (first, lost)
    assert re.search(r"第\s*2\s*号|Slip 2", text_of(response))
    with pytest.raises(Refused) as refused:
        actions.open_code(lost, address=ADDRESS)
    assert refused.value.code == RatingRefusal.CODE_UNKNOWN
    assert actions.open_code(new, address=ADDRESS).slip_number == 2
    # Its slip can be downloaded; the lost one's cannot.
    url = unit_url(finance, f"{round_.pk}/slips.pdf")
    assert office.post(url, {"codes": codes_field(response)}).status_code == 200
    assert office.post(url, {"codes": lost}).status_code == 302
    # A slip that does not exist, or was submitted, is refused with the reason.
    refused = office.post(unit_url(finance, f"{round_.pk}/reissue/"), {"slip": "9"}, follow=True)
    assert "9" in text_of(refused) and 'class="error"' in refused.content.decode()
    submit_scores(first, city)
    refused = office.post(unit_url(finance, f"{round_.pk}/reissue/"), {"slip": "1"}, follow=True)
    assert 'class="error"' in refused.content.decode()
    assert RatingCode.objects.get(round=round_, slip_number=1).issue == 1


def test_the_round_is_extended_or_closed_early(office, finance):
    round_ = open_round(office, finance)
    start_now(round_)
    _response, (code,) = issue(office, round_, count="1")
    later = timezone.localtime() + datetime.timedelta(days=10)
    response = office.post(
        unit_url(finance, f"{round_.pk}/closing/"), {"closes_at": later.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    round_.refresh_from_db()
    assert timezone.localtime(round_.closes_at).strftime("%Y-%m-%d %H:%M") == later.strftime("%Y-%m-%d %H:%M")
    response = office.post(unit_url(finance, f"{round_.pk}/closing/"), {"now": "1"})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.closes_at <= timezone.now()
    with pytest.raises(Refused) as refused:
        actions.open_code(code, address=ADDRESS)
    assert refused.value.code == RatingRefusal.ROUND_CLOSED
    page = office.get(unit_url(finance, f"{round_.pk}/")).content.decode()
    assert 'name="now"' not in page  # closed: only a new closing time is offered
    # Closing before it opened is refused, with the reason.
    before = (round_.opens_at - datetime.timedelta(days=1)).astimezone(timezone.get_current_timezone())
    response = office.post(
        unit_url(finance, f"{round_.pk}/closing/"),
        {"closes_at": before.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert 'class="error"' in response.content.decode()


def test_counting_writes_the_rater_scores_and_shows_the_result(office, finance, city):
    round_ = open_round(office, finance)
    start_now(round_)
    _response, leaders = issue(office, round_, count="3")
    zhang, li = entry("000101"), entry("000102")
    _response, colleagues = issue(office, round_, group="同事互评", kind="bound", holders=[zhang.pk, li.pk])
    for code, scores in zip(leaders, [(9000, 8000), (8500, 9500), (7000, 6000)], strict=True):
        submit_scores(code, city, scores)
    submit_scores(colleagues[0], city, (8800, 8200))  # 张三 scores 李四

    # The unit's scores are locked: the count asks why.
    UnitLock.objects.create(period=round_.period, unit=finance, locked_by="test")
    page = office.get(unit_url(finance, f"{round_.pk}/")).content.decode()
    assert '<textarea name="reason"' in page
    refused = office.post(unit_url(finance, f"{round_.pk}/count/"), {"reason": ""}, follow=True)
    assert 'class="error"' in refused.content.decode()
    assert RatingRound.objects.get(pk=round_.pk).state == RoundState.OPEN

    response = office.post(unit_url(finance, f"{round_.pk}/count/"), {"reason": "补充在线测评结果"})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.state == RoundState.COUNTED
    scores = RaterScore.objects.filter(entry__in=[zhang, li])
    # 3 leaders × 2 people × 2 indicators, and 张三's 2 scores of 李四.
    assert scores.count() == 14
    li_de = sorted(
        s.score_cents for s in scores.filter(entry=li, group=group("领导评价"), indicator__name="德")
    )
    assert li_de == [7000, 8500, 9000]
    page = office.get(response["Location"])
    text = text_of(page)
    assert re.search(r"\b4\D+5\b|\b5\D+4\b", text)  # 4 of 5 codes submitted
    assert "14" in text
    assert f'href="/periods/{PERIOD}/units/{finance.pk}/"' in page.content.decode()
    # Nothing left to do with a counted round but look at it.
    html = page.content.decode()
    assert f'action="{unit_url(finance, f"{round_.pk}/count/")}"' not in html
    assert office.post(unit_url(finance, f"{round_.pk}/count/"), {}, follow=True).status_code == 200
    assert RaterScore.objects.filter(entry__in=[zhang, li]).count() == 14


def test_a_count_the_import_refuses_shows_its_problems(office, finance, city):
    round_ = open_round(office, finance)
    start_now(round_)
    _response, (code,) = issue(office, round_, count="1")
    submit_scores(code, city)
    # The scheme changed after the scores were given: 德 is now scored by the unit.
    Indicator.objects.filter(scheme=city["一般干部"], name="德").update(method=ScoringMethod.UNIT)
    response = office.post(unit_url(finance, f"{round_.pk}/count/"), {})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="problems"' in html and "德" in text_of(response)
    assert RatingRound.objects.get(pk=round_.pk).state == RoundState.OPEN
    assert not RaterScore.objects.exists()


# ----------------------------------------------------------------------------------------
# Who reaches what
# ----------------------------------------------------------------------------------------


def test_only_the_units_office_and_the_city_reach_its_rounds(client, city, finance):
    town = Unit.objects.get(name="城关镇")
    assessor = make_user("renshike", RoleKind.ASSESSOR, finance)
    client.force_login(assessor)
    round_ = open_round(client, finance)
    response, issued = issue(client, round_, count="2")
    pages = [
        unit_url(finance),
        *(unit_url(finance, f"{round_.pk}/{tail}") for tail in ("", "progress/", "issue/")),
    ]
    posts = [
        unit_url(finance, f"{round_.pk}/{tail}") for tail in ("reissue/", "closing/", "count/", "slips.pdf")
    ]
    others = {
        "town_assessor": make_user("town", RoleKind.ASSESSOR, town),
        "secretary": make_user("secretary", RoleKind.SECRETARY, finance),
        "staff": make_user("zhangsan", RoleKind.STAFF, finance, entry("000101").person),
    }
    for name, user in others.items():
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 404, (name, url)
        for url in posts:
            data = {"slip": "1", "now": "1", "codes": codes_field(response)}
            assert client.post(url, data).status_code == 404, (name, url)
        # The round under the other unit's address does not exist either.
        assert client.get(unit_url(town, f"{round_.pk}/")).status_code == 404
        assert client.get(f"/periods/{PERIOD}/rating/").status_code == 403
    assert RatingCode.objects.get(slip_number=1).issue == 1
    assert RatingRound.objects.get().closes_at > timezone.now()
    # The town's own office sees its own (empty) list, not 市财政局's round.
    client.force_login(others["town_assessor"])
    assert "财政局上半年测评" not in text_of(client.get(unit_url(town)))

    admin = make_user("kaoheban", RoleKind.CITY_ADMIN)
    client.force_login(admin)
    overview = client.get(f"/periods/{PERIOD}/rating/")
    assert overview.status_code == 200
    assert "财政局上半年测评" in text_of(overview)
    assert unit_url(finance, f"{round_.pk}/") in overview.content.decode()
    assert client.get(unit_url(finance, f"{round_.pk}/")).status_code == 200


def test_the_city_runs_a_city_wide_round(client, city):
    admin = make_user("kaoheban", RoleKind.CITY_ADMIN)
    client.force_login(admin)
    url = f"/periods/{PERIOD}/rating/"
    page = client.get(url).content.decode()
    category = Category.objects.get(name="一般干部")
    opens = re.search(r'name="opens_at" value="([^"]+)"', page).group(1)
    closes = re.search(r'name="closes_at" value="([^"]+)"', page).group(1)
    response = client.post(
        url, {"what": f"{category.pk}-1", "name": "", "opens_at": opens, "closes_at": closes}
    )
    assert response.status_code == 302
    round_ = RatingRound.objects.get()
    assert round_.unit is None and "一般干部" in round_.name
    start_now(round_)
    town = Unit.objects.get(name="城关镇")
    finance = Unit.objects.get(name="市财政局")
    issue_url = f"{url}{round_.pk}/issue/"
    response = client.post(
        issue_url,
        {
            "group": group("同事互评").pk,
            "unit": finance.pk,
            "kind": "bound",
            "holder_ids": "000101 000102",
            "scope": "all",
        },
    )
    assert response.status_code == 200
    bound = SLIP_CODE.findall(response.content.decode())
    assert len(bound) == 2 and "张三" in text_of(response)
    response = client.post(
        issue_url,
        {"group": group("领导评价").pk, "unit": town.pk, "kind": "anonymous", "count": "2", "scope": "all"},
    )
    town_codes = SLIP_CODE.findall(response.content.decode())
    assert len(town_codes) == 2
    # An unknown staff ID is named on the form.
    response = client.post(
        issue_url,
        {
            "group": group("领导评价").pk,
            "unit": town.pk,
            "kind": "bound",
            "holder_ids": "000101",
            "scope": "all",
        },
    )
    assert response.status_code == 200 and "000101" in text_of(response)
    assert RatingCode.objects.count() == 4

    submit_scores(town_codes[0], city)
    progress = client.get(f"{url}{round_.pk}/").content.decode()
    rows = re.findall(r"<tr>\s*<td>(市财政局|城关镇)</td>\s*<td>(领导评价|同事互评)</td>", progress)
    assert rows == [("市财政局", "同事互评"), ("城关镇", "领导评价")]
    # A unit's office does not reach the city's pages, nor the city's round under its unit.
    client.force_login(make_user("town", RoleKind.ASSESSOR, town))
    assert client.get(f"{url}{round_.pk}/").status_code == 403
    assert client.get(unit_url(town, f"{round_.pk}/")).status_code == 404
