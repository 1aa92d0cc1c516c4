"""The showcase on the database: profiles written by the unit, the public pages and the big
screen's data, the poster PDF, the WeChat article and its long image, and the command.

The city: 市财政局 (A) published — its exemplars are A's 1st and 2nd by rank and its 5th by
special nomination; 城关镇 (B) in publicity, so none of B's people may show anywhere public.
Documents are checked as their readers see them: PDFs through poppler (pdfinfo, pdftotext,
pdftoppm), the article as HTML, the zip and the PNG as files.
"""

import datetime
import io
import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser

import pytest
import zxingcpp
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from jixiao.core.audit import AuditAction, AuditEntry
from jixiao.core.models import BackgroundJob, JobState
from jixiao.org.access import Operator
from jixiao.org.models import RoleKind
from jixiao.selection import actions
from jixiao.selection.models import Candidate, Proposal
from jixiao.showcase import posters, profiles
from jixiao.showcase.models import Portrait, Profile
from jixiao.showcase.public import published_exemplars
from jixiao.showcase.rendering import chinese_date, profile_url, published_on
from jixiao.showcase.wechat import article_html
from tests.files import jixiao, jixiao_ok
from tests.servers import run_worker
from tests.workflow_city import (
    PERIOD,
    REASON,
    UNIT_A,
    UNIT_B,
    build_city,
    make_user,
    person_name,
    staff_id,
    to_publicity,
    write_profile,
)

PUBLISHED_ON = datetime.date(2025, 10, 11)  # the day after the notice ends
SPECIAL = 5  # A's special nominee
EXEMPLARS_A = (1, 2, SPECIAL)
BASE_URL = "https://jixiao.example.gov.cn/"
HIDDEN_POST = "财政监督科科长"
DEEDS = "该同志牵头完成全市预算绩效管理改革，" + "建立覆盖全部部门的绩效目标体系，" * 5 + "成效明显。"

CJK_FONT = r"WenQuanYi|Noto.*CJK|SourceHan|Source-Han"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def unit_of(city, spec):
    return city.units[spec.name]


def publish_a(city):
    city.nominate(staff_id(UNIT_A, SPECIAL))
    proposal, _notice, _objection = to_publicity(city, unit_of(city, UNIT_A))
    return actions.publish(proposal, acting_user=Operator("city"), today=PUBLISHED_ON)


def candidate(city, spec, number) -> Candidate:
    return Candidate.objects.select_related("proposal", "person").get(
        proposal__unit=unit_of(city, spec), person__staff_id=staff_id(spec, number)
    )


def b_names() -> list[str]:
    return [person_name(UNIT_B, n) for n in range(1, UNIT_B.size + 1)]


@pytest.fixture
def city(tmp_path, capsys):
    city = build_city(tmp_path, capsys)
    publish_a(city)
    to_publicity(city, unit_of(city, UNIT_B))
    return city


def assert_no_unpublished_person(text: str) -> None:
    for name in b_names():
        assert name not in text
    for number in range(1, UNIT_A.size + 1):
        if number not in EXEMPLARS_A:
            assert person_name(UNIT_A, number) not in text
    assert "99.00" not in text and "98.00" not in text  # never a score


# ----------------------------------------------------------------------------------------
# Profiles
# ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_publication_gives_every_exemplar_a_profile(city):
    period = city.period
    rows = Profile.objects.filter(period=period).select_related("person")
    assert sorted(p.person.staff_id for p in rows) == [staff_id(UNIT_A, n) for n in EXEMPLARS_A]
    special = rows.get(person__staff_id=staff_id(UNIT_A, SPECIAL))
    assert special.achievements == REASON  # the nomination's reason as first draft
    assert all(p.post == "科员" for p in rows)
    # Keys are random and distinct: nothing to count or guess in a URL.
    assert len({p.public_key for p in rows}) == 3 and all(len(p.public_key) == 12 for p in rows)


@pytest.mark.django_db
def test_profile_changes_are_checked_and_audited(city):
    first_candidate = candidate(city, UNIT_A, 1)
    with pytest.raises(profiles.ShowcaseRefused):
        write_profile(first_candidate, profiles.ProfileText("科长", "太短的事迹。", ""))
    write_profile(first_candidate, profiles.ProfileText(HIDDEN_POST, DEEDS, "干一行爱一行"))
    write_profile(first_candidate, portrait="x", filename="照片.jpg")
    first = Portrait.objects.get()
    write_profile(first_candidate, portrait="y", filename="新照片.png")
    assert Portrait.objects.count() == 1 and Portrait.objects.get().pk != first.pk  # the old one is gone
    entries = AuditEntry.objects.filter(action=AuditAction.PROFILE).order_by("id")
    assert [e.summary for e in entries] == [
        f"修改了{person_name(UNIT_A, 1)}的宣传资料",
        f"更换了{person_name(UNIT_A, 1)}的照片",
        f"更换了{person_name(UNIT_A, 1)}的照片",
    ]
    assert entries[0].before["post"] == "科员" and entries[0].after["post"] == HIDDEN_POST
    assert entries[2].before["portrait"] == first.sha256
    # Saving the same text again records nothing.
    write_profile(first_candidate, profiles.ProfileText(HIDDEN_POST, DEEDS, "干一行爱一行"))
    assert AuditEntry.objects.filter(action=AuditAction.PROFILE).count() == 3


@pytest.mark.django_db
def test_only_approved_candidates_of_a_decided_list_get_a_profile(city):
    a_vetoed = city.person(staff_id(UNIT_A, 4))
    with pytest.raises(profiles.ShowcaseRefused) as refused:
        profiles.candidate_for(city.period, unit_of(city, UNIT_A), a_vetoed)
    assert "经党委（党组）同意的人选" in refused.value.message
    # B's list is decided (in publicity): its office may write profiles before publication.
    assert profiles.candidate_for(city.period, unit_of(city, UNIT_B), city.person(staff_id(UNIT_B, 1)))


# ----------------------------------------------------------------------------------------
# Public pages and the big screen's data
# ----------------------------------------------------------------------------------------


def hide_everything_of_the_first(city) -> Profile:
    first = candidate(city, UNIT_A, 1)
    write_profile(first, portrait="hidden")
    return write_profile(
        first, profiles.ProfileText(HIDDEN_POST, DEEDS, "不公开的格言", False, False, False, False)
    )


@pytest.mark.django_db
def test_public_pages_show_only_published_exemplars_and_public_fields(client, city):
    hidden = hide_everything_of_the_first(city)
    # An unpublished unit's profile, written before publication, exists but is not public.
    b_profile = write_profile(candidate(city, UNIT_B, 1))

    assert client.get("/exemplars/").status_code == 302  # one period: straight to it
    listing = client.get(f"/exemplars/{PERIOD}/").content.decode()
    for number in EXEMPLARS_A:
        assert person_name(UNIT_A, number) in listing
    assert_no_unpublished_person(listing)
    assert HIDDEN_POST not in listing and "不公开的格言" not in listing
    assert f"/exemplars/{PERIOD}/{hidden.public_key}/photo.jpg" not in listing

    page = client.get(f"/exemplars/{PERIOD}/{hidden.public_key}/").content.decode()
    assert person_name(UNIT_A, 1) in page and UNIT_A.name in page
    assert HIDDEN_POST not in page and DEEDS not in page and "不公开的格言" not in page
    assert client.get(f"/exemplars/{PERIOD}/{hidden.public_key}/photo.jpg").status_code == 404
    assert client.get(f"/exemplars/{PERIOD}/{b_profile.public_key}/").status_code == 404
    assert client.get(f"/exemplars/{PERIOD}/not-a-key/").status_code == 404
    # Odd filters are ignored, never an error page.
    for odd in ({"unit": "²"}, {"category": "9" * 5000}, {"unit": "-1"}, {"page": "x"}, {"route": "<b>"}):
        assert client.get(f"/exemplars/{PERIOD}/", odd).status_code == 200, odd
    # Searching a hidden field finds nothing; a name finds its person.
    assert "共找到 0 名" in client.get(f"/exemplars/{PERIOD}/", {"q": HIDDEN_POST}).content.decode()
    found = client.get(f"/exemplars/{PERIOD}/", {"q": person_name(UNIT_A, 2)}).content.decode()
    assert "共找到 1 名" in found and person_name(UNIT_A, 2) in found

    data = client.get(f"/screen/{PERIOD}/data.json").json()
    assert [c["name"] for c in data["cards"]] == [person_name(UNIT_A, n) for n in EXEMPLARS_A]
    assert data["counters"] == {"exemplars": 3, "by_rank": 2, "special": 1, "units": 1}
    assert data["charts"]["by_route"] == [["排名前10%", 2], ["突出贡献", 1]]
    assert set(data["cards"][0]) == {
        "name", "unit", "category", "route", "route_label", "post", "achievements", "quote", "photo", "url"
    }  # fmt: skip
    raw = json.dumps(data, ensure_ascii=False)
    assert_no_unpublished_person(raw)
    assert HIDDEN_POST not in raw and "staff" not in raw and staff_id(UNIT_A, 1) not in raw
    # B's own screen is empty: nothing of B is published.
    b_screen = client.get(f"/screen/{PERIOD}/units/{unit_of(city, UNIT_B).pk}/data.json").json()
    assert b_screen["cards"] == [] and b_screen["counters"]["exemplars"] == 0


@pytest.mark.django_db
def test_a_period_without_publication_has_no_public_page(client, city):
    Proposal.objects.filter(unit=unit_of(city, UNIT_A)).update(state="publicity")
    assert client.get(f"/exemplars/{PERIOD}/").status_code == 404
    assert client.get("/exemplars/").status_code == 200  # the index says nothing is published
    assert client.get(f"/screen/{PERIOD}/data.json").json()["cards"] == []


@pytest.mark.django_db
def test_public_pages_answer_304_until_something_changes(client, city):
    url = f"/exemplars/{PERIOD}/"
    first = client.get(url)
    etag = first["ETag"]
    # Private: what a browser keeps, not a shared cache (the language is in a cookie).
    assert set(first["Cache-Control"].split(", ")) == {"private", "max-age=60"}
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    data = client.get(f"/screen/{PERIOD}/data.json")
    assert (
        client.get(f"/screen/{PERIOD}/data.json", headers={"If-None-Match": data["ETag"]}).status_code == 304
    )
    # An edit changes what the public sees: a new version, a full page.
    write_profile(candidate(city, UNIT_A, 2), profiles.ProfileText("副科长", DEEDS, ""))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "副科长" in changed.content.decode()


@pytest.mark.django_db
def test_a_public_page_is_the_same_for_every_visitor_and_chooses_its_language_by_get(client, city):
    url = f"/exemplars/{PERIOD}/"
    first, second = client.get(url), Client().get(url)
    # Nothing of the visitor in it, so one rendering serves everyone (kept per version).
    assert first.content == second.content
    assert "csrfmiddlewaretoken" not in first.content.decode() and "csrftoken" not in first.cookies
    switched = client.get("/language/", {"language": "en", "next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    english = client.get(url).content.decode()
    assert 'lang="en"' in english and english != first.content.decode()
    # Only this site's paths: anything else goes home; an unknown language changes nothing.
    assert client.get("/language/", {"language": "en", "next": "https://evil.example/"})["Location"] == "/"
    assert "django_language" not in client.get("/language/", {"language": "xx", "next": url}).cookies
    # A change the public sees is there at once, not after the kept copy expires.
    write_profile(candidate(city, UNIT_A, 2), profiles.ProfileText("副处长", DEEDS, ""))
    assert "副处长" in Client().get(f"/exemplars/{PERIOD}/").content.decode()


@pytest.mark.django_db
def test_a_published_photo_is_served_with_a_versioned_url(client, city):
    profile = write_profile(candidate(city, UNIT_A, 2), portrait="p")
    exemplar = next(e for e in published_exemplars(city.period) if e.key == profile.public_key)
    url = f"/exemplars/{PERIOD}/{profile.public_key}/photo.jpg"
    assert f'{url}?v={exemplar.photo[:12]}"' in client.get(f"/exemplars/{PERIOD}/").content.decode()
    response = client.get(url, {"v": exemplar.photo[:12]})
    assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"] == "max-age=86400"
    assert response.content == bytes(profile.portrait.image)
    assert client.get(url, {"v": "old"})["Cache-Control"] == "max-age=60"


# ----------------------------------------------------------------------------------------
# The unit's profile pages
# ----------------------------------------------------------------------------------------


def png_upload(size=(1200, 1600), fmt="PNG", name="照片.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 30, 40)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def profile_form(**overrides) -> dict:
    form = {
        "post": "科员",
        "achievements": DEEDS,
        "quote": "岗位就是责任",
        "crop": "auto",
        "show_photo": "on",
        "show_post": "on",
        "show_achievements": "on",
        "show_quote": "on",
    }
    return {**form, **overrides}


@pytest.mark.django_db
def test_the_assessor_writes_a_profile_with_a_photo(client, city):
    unit = unit_of(city, UNIT_A)
    client.force_login(make_user("assessor", RoleKind.ASSESSOR, unit))
    listing = client.get(f"/periods/{PERIOD}/units/{unit.pk}/profiles/").content.decode()
    assert all(person_name(UNIT_A, n) in listing for n in EXEMPLARS_A) and "未填" in listing
    url = f"/periods/{PERIOD}/units/{unit.pk}/profiles/{city.person(staff_id(UNIT_A, 1)).pk}/"
    response = client.post(url, {**profile_form(), "photo": png_upload()})
    assert response.status_code == 302
    profile = Profile.objects.select_related("portrait").get(person__staff_id=staff_id(UNIT_A, 1))
    assert profile.achievements == DEEDS and profile.quote == "岗位就是责任"
    photo = Image.open(io.BytesIO(bytes(profile.portrait.image)))
    assert photo.format == "JPEG" and photo.size == (900, 1200)
    assert profile.portrait.source_name == "照片.png" and profile.portrait.source_format == "PNG"
    assert client.get(f"{url}photo.jpg").status_code == 200


@pytest.mark.django_db
def test_a_refused_profile_changes_nothing(client, city):
    unit = unit_of(city, UNIT_A)
    client.force_login(make_user("assessor", RoleKind.ASSESSOR, unit))
    url = f"/periods/{PERIOD}/units/{unit.pk}/profiles/{city.person(staff_id(UNIT_A, 2)).pk}/"
    assert client.post(url, {**profile_form(), "photo": png_upload()}).status_code == 302
    before = list(Profile.objects.values()), list(Portrait.objects.values_list("sha256", flat=True))
    entries = AuditEntry.objects.count()
    gif = client.post(url, {**profile_form(post="新职务"), "photo": png_upload(fmt="GIF", name="a.gif")})
    assert gif.status_code == 200
    assert "照片为 GIF 格式，只接受 JPEG、PNG 和 WebP 格式。" in gif.content.decode()
    # A good photo with too short a text: neither is kept.
    short = client.post(url, {**profile_form(achievements="事迹太短。"), "photo": png_upload((600, 800))})
    assert "主要事迹应为 100 至 500 字（现为 5 字）。" in short.content.decode()
    small = client.post(url, {**profile_form(), "photo": png_upload((200, 200))})
    assert "至少需要 240×320 像素" in small.content.decode()
    after = list(Profile.objects.values()), list(Portrait.objects.values_list("sha256", flat=True))
    assert after == before and AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_the_secretary_reads_profiles_and_other_units_reach_none(client, city):
    unit_a, unit_b = unit_of(city, UNIT_A), unit_of(city, UNIT_B)
    url = f"/periods/{PERIOD}/units/{unit_a.pk}/profiles/{city.person(staff_id(UNIT_A, 1)).pk}/"
    client.force_login(make_user("secretary", RoleKind.SECRETARY, unit_a))
    assert client.get(url).status_code == 200
    assert client.post(url, profile_form()).status_code == 404
    client.force_login(make_user("assessor_b", RoleKind.ASSESSOR, unit_b))
    assert client.get(url).status_code == 404
    # B's own person under B's unit: yes; a person who is no candidate: no.
    b_url = f"/periods/{PERIOD}/units/{unit_b.pk}/profiles/{city.person(staff_id(UNIT_B, 1)).pk}/"
    assert client.get(b_url).status_code == 200
    not_candidate = city.person(staff_id(UNIT_B, 9)).pk
    assert client.get(f"/periods/{PERIOD}/units/{unit_b.pk}/profiles/{not_candidate}/").status_code == 404
    assert not Profile.objects.filter(unit=unit_b).exists()  # looking created nothing


# ----------------------------------------------------------------------------------------
# Documents: poster, article, long image
# ----------------------------------------------------------------------------------------


def pdf_info(data: bytes, tmp_path) -> dict:
    path = tmp_path / "poster.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return {
        "pages": int(fields["Pages"]),
        "size": fields["Page size"].strip(),
        "text": text.stdout,
        "fonts": [line.split()[0] for line in fonts.splitlines()[2:]],
        "embedded": all(" yes " in line for line in fonts.splitlines()[2:]),
    }


@needs_poppler
@pytest.mark.django_db
def test_the_unit_poster_is_a_printable_pdf_with_chinese_text_and_qr_codes(city, tmp_path):
    write_profile(candidate(city, UNIT_A, 1), profiles.ProfileText("预算科科长", DEEDS, ""))
    write_profile(candidate(city, UNIT_A, 1), portrait="poster")
    unit = unit_of(city, UNIT_A)
    published = published_on(city.period, unit)  # the day the city published the list
    assert published == chinese_date(timezone.localdate(Proposal.objects.get(unit=unit).published_at))
    for paper, size in (("A4", "595.276 x 841.89 pts (A4)"), ("A3", "841.89 x 1190.55 pts (A3)")):
        data = posters.poster_pdf(city.period, unit, posters.PAPERS[paper], BASE_URL)
        info = pdf_info(data, tmp_path)
        assert info["pages"] == 1 and info["size"] == size
        # The Chinese is drawn with an embedded CJK font, not boxes of a font without it.
        assert info["embedded"] and any(re.search(CJK_FONT, font) for font in info["fonts"]), info["fonts"]
        flat = re.sub(r"\s+", "", info["text"])
        assert "绩效标兵光荣榜" in flat and f"{UNIT_A.name}·2025年上半年" in flat
        assert all(person_name(UNIT_A, n) in flat for n in EXEMPLARS_A)
        assert "预算科科长" in flat and "排名前10%" in flat and "突出贡献" in flat
        assert f"中共{UNIT_A.name}委员会·{published}·第1页/共1页" in flat
        assert_no_unpublished_person(flat)
    # Rendered to a picture as a print shop would: an A4 page at 50 dpi.
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(tmp_path / "poster.pdf"), str(tmp_path / "page")], check=True)  # fmt: skip
    assert Image.open(tmp_path / "page.png").size == (585, 827)  # A3 at 50 dpi


@needs_poppler
@pytest.mark.django_db
def test_every_qr_code_on_the_poster_scans_to_its_exemplars_public_page(city, tmp_path, client):
    """Scanned as a phone scans the printed board (zxing-cpp on the page drawn at 150 dpi):
    one code per card, each the exemplar's own profile, and each address opens their page."""
    unit = unit_of(city, UNIT_A)
    for paper in ("A4", "A3"):
        pdf = tmp_path / f"poster-{paper}.pdf"
        pdf.write_bytes(posters.poster_pdf(city.period, unit, posters.PAPERS[paper], BASE_URL))
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / paper)], check=True)  # fmt: skip
        scanned = [code.text for code in zxingcpp.read_barcodes(Image.open(tmp_path / f"{paper}.png"))]
        expected = {profile_url(BASE_URL, city.period, e): e.name for e in published_exemplars(city.period)}
        assert sorted(scanned) == sorted(expected), paper
        for url, name in expected.items():
            assert url.startswith(f"{BASE_URL}exemplars/{PERIOD}/")
            page = client.get(url.removeprefix(BASE_URL.rstrip("/")))
            assert page.status_code == 200 and name in page.content.decode()


@needs_poppler
@pytest.mark.django_db
def test_the_city_poster_gives_each_unit_its_own_pages(city, tmp_path):
    proposal_b = Proposal.objects.get(unit=unit_of(city, UNIT_B))
    actions.publish(proposal_b, acting_user=Operator("city"), today=PUBLISHED_ON)
    steps = []
    data = posters.poster_pdf(
        city.period, None, posters.PAPERS["A4"], BASE_URL, lambda d, t: steps.append((d, t))
    )
    info = pdf_info(data, tmp_path)
    assert info["pages"] == 2 and steps == [(1, 2), (2, 2)]
    first, second = info["text"].split("\f")[:2]
    assert UNIT_A.name in first and person_name(UNIT_B, 1) not in first
    assert UNIT_B.name in second and person_name(UNIT_B, 1) in second
    # Every exemplar of the city is on it, and every page has its footer (numbered per unit).
    flat = ["".join(page.split()) for page in info["text"].split("\f")[:2]]
    assert [
        e.name for e in published_exemplars(city.period) if not any(e.name in page for page in flat)
    ] == []
    assert all("第1页/共1页" in page for page in flat)


@pytest.mark.django_db
def test_nothing_published_is_refused_before_any_work(city):
    with pytest.raises(posters.ShowcaseRefused) as refused:
        posters.poster_pdf(city.period, unit_of(city, UNIT_B), posters.PAPERS["A4"], BASE_URL)
    assert refused.value.message == f"{UNIT_B.name} {PERIOD} 尚无已发布的绩效标兵。"


class InlineStyleOnly(HTMLParser):
    """Collects what the WeChat editor would drop: style blocks, scripts, classes, ids."""

    def __init__(self):
        super().__init__()
        self.dropped, self.images = [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "link"):
            self.dropped.append(tag)
        for name, value in attrs:
            if name in ("class", "id") or name.startswith("on"):
                self.dropped.append(f"{tag}[{name}]")
            if tag == "img" and name == "src":
                self.images.append(value)


@pytest.mark.django_db
def test_the_wechat_article_has_inline_styles_only_and_its_photos_beside_it(client, city, settings):
    for number in (1, SPECIAL):
        write_profile(
            candidate(city, UNIT_A, number), profiles.ProfileText("科员", DEEDS, ""), portrait=str(number)
        )
    unit = unit_of(city, UNIT_A)
    client.force_login(make_user("assessor", RoleKind.ASSESSOR, unit))
    response = client.get(f"/periods/{PERIOD}/units/{unit.pk}/showcase/wechat.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert names[:2] == ["article.html", "使用说明.txt"]
    page = archive.read("article.html").decode()
    body = page.split("<body>", 1)[1]
    parser = InlineStyleOnly()
    parser.feed(body)
    assert parser.dropped == []
    assert sorted(parser.images) == sorted(n for n in names if n.startswith("images/"))
    assert parser.images == [
        f"images/001-{person_name(UNIT_A, 1)}.jpg",
        f"images/003-{person_name(UNIT_A, SPECIAL)}.jpg",
    ]
    for name in parser.images:
        assert Image.open(io.BytesIO(archive.read(name))).format == "JPEG"
    assert "共评选出绩效标兵<span" in body and ">3</span>名" in body
    assert all(person_name(UNIT_A, n) in body for n in EXEMPLARS_A)
    assert_no_unpublished_person(body)


@pytest.mark.django_db
def test_the_city_article_lists_every_unit_and_features_outstanding_contributions(city):
    html = article_html(city.period, None, BASE_URL)
    assert f"{UNIT_A.name}（3名）" in html
    names = f"{person_name(UNIT_A, 1)}（科员）、{person_name(UNIT_A, 2)}（科员）、{person_name(UNIT_A, SPECIAL)}（科员）"
    assert names in html
    assert "突出贡献绩效标兵事迹" in html and REASON in html
    assert_no_unpublished_person(html)


@pytest.mark.django_db
def test_the_long_image_is_the_article_as_one_png(city):
    from jixiao.showcase.wechat import long_image_png

    data = long_image_png(city.period, unit_of(city, UNIT_A), BASE_URL)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.width == 1500
    assert 1000 < image.height < 12_000
    assert image.convert("RGB").getpixel((20, 20)) == (180, 35, 42)  # the red title band
    # Cut at the article's end: the last rows are the article's background, not a blank page.
    bottom = image.convert("RGB").crop((0, image.height - 4, image.width, image.height))
    assert bottom.getcolors(4096)[0][1] == (253, 246, 233)


@needs_poppler
@pytest.mark.django_db
def test_the_long_image_shows_every_exemplar_down_to_the_articles_end(city, tmp_path):
    """The long image is drawn from one tall page: that page (read back through pdftotext)
    names every published exemplar of the unit and nobody else, and the image reaches the
    page's end anchor, so no one below is cut off."""
    from jixiao.showcase.rendering import render_document
    from jixiao.showcase.wechat import END_ANCHOR, LONG_IMAGE_SCALE, long_image_png

    unit = unit_of(city, UNIT_A)
    document = render_document(article_html(city.period, unit, BASE_URL, for_print=True))
    path = tmp_path / "long.pdf"
    path.write_bytes(document.write_pdf())
    text = "".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert [e.name for e in published_exemplars(city.period) if e.name not in text] == []
    assert_no_unpublished_person(text)
    content_px = document.pages[0].anchors[END_ANCHOR][1]
    image = Image.open(io.BytesIO(long_image_png(city.period, unit, BASE_URL)))
    assert abs(image.height - content_px * LONG_IMAGE_SCALE) <= 2


# ----------------------------------------------------------------------------------------
# Downloads through the background job, as a browser gets them
# ----------------------------------------------------------------------------------------


def download(client, url: str, params=None) -> tuple:
    """The file a browser ends up with: sent at once, or after the progress page (polled as
    htmx polls it) says it is ready, a worker (``jixiao worker --batch``, in this process)
    having made it from the queue. Returns the response and its bytes."""
    response = client.get(url, params)
    if response.status_code == 302:
        progress = response["Location"]
        assert re.fullmatch(r"/exports/[0-9a-f]{24}/", progress), progress
        waiting = client.get(progress, headers={"HX-Request": "true"}).content.decode()
        assert "等待后台进程" in waiting and 'hx-trigger="every 1s"' in waiting, waiting
        run_worker()
        bar = client.get(progress, headers={"HX-Request": "true"}).content.decode()
        assert "文件已生成" in bar, bar
        response = client.get(progress + "file")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


# Committed for real (a worker reads the data as another process would); serialized_rollback
# so the data the migrations seed is restored for the tests after it, whatever runs next.
@needs_poppler
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_poster_downloads_are_queued_for_a_worker_and_reach_their_unit_only(
    client, tmp_path, capsys, settings
):
    settings.JIXIAO_EXPORTS_IN_BACKGROUND = True
    city = build_city(tmp_path, capsys)
    publish_a(city)
    unit = unit_of(city, UNIT_A)
    client.force_login(make_user("assessor", RoleKind.ASSESSOR, unit))
    url = f"/periods/{PERIOD}/units/{unit.pk}/showcase/poster.pdf"
    response, data = download(client, url, {"paper": "A3"})
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    info = pdf_info(data, tmp_path)
    assert info["pages"] == 1 and "(A3)" in info["size"]
    # Asked again: the file already made is sent at once, and nothing new is queued.
    again = client.get(url, {"paper": "A3"})
    assert again.status_code == 200 and b"".join(again.streaming_content) == data
    own = list(BackgroundJob.objects.filter(unit_id=unit.pk, filename__endswith="-A3.pdf"))
    assert len(own) == 1 and own[0].state == JobState.DONE and bytes(own[0].result) == data
    assert DBTaskResult.objects.count() == 1
    # Neither another unit's office nor the unit's staff reach the unit's documents.
    client.force_login(make_user("assessor_b", RoleKind.ASSESSOR, unit_of(city, UNIT_B)))
    assert client.get(f"/exports/{own[0].key}/").status_code == 404
    assert client.get(f"/exports/{own[0].key}/file").status_code == 404


# Committed for real: the worker, as in production, runs outside any open transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_documents_a_user_starts_are_bounded(client, city, settings):
    """At most JIXIAO_JOBS_AT_ONCE documents waiting or being made per user, and
    JIXIAO_JOBS_PER_HOUR an hour; one already made is sent again without counting."""
    settings.JIXIAO_EXPORTS_IN_BACKGROUND = True
    settings.JIXIAO_JOBS_AT_ONCE, settings.JIXIAO_JOBS_PER_HOUR = 2, 3
    unit = unit_of(city, UNIT_A)
    client.force_login(make_user("assessor", RoleKind.ASSESSOR, unit))
    base = f"/periods/{PERIOD}/units/{unit.pk}/showcase/"
    # Queued, no worker: two wait, the third is refused with the limit named.
    assert client.get(base + "poster.pdf", {"paper": "A4"}).status_code == 302
    assert client.get(base + "poster.pdf", {"paper": "A3"}).status_code == 302
    refused = client.get(base + "wechat.zip", follow=True)
    assert "正在生成的文件已有2个，同时最多2个" in refused.content.decode()
    assert BackgroundJob.objects.count() == 2
    # Asking again for one that is waiting is no new document.
    assert client.get(base + "poster.pdf", {"paper": "A4"}).status_code == 302
    run_worker()
    assert client.get(base + "poster.pdf", {"paper": "A4"}).status_code == 200
    assert client.get(base + "wechat.zip").status_code == 302  # the third of the hour
    run_worker()
    refused = client.get(base + "long-image.png", follow=True)
    assert "最近一小时内已开始生成3个文件，每小时最多3个" in refused.content.decode()
    # Another user is not held back by the first one's documents.
    client.force_login(make_user("assessor_2", RoleKind.ASSESSOR, unit))
    assert client.get(base + "long-image.png").status_code in (200, 302)


# ----------------------------------------------------------------------------------------
# The command
# ----------------------------------------------------------------------------------------


@needs_poppler
@pytest.mark.django_db
def test_the_showcase_command_writes_each_channel(city, tmp_path, capsys, settings):
    poster = tmp_path / "光荣榜.pdf"
    settings.JIXIAO_PUBLIC_URL = BASE_URL
    out = jixiao_ok(
        capsys, "showcase", "poster", "--period", PERIOD, "--unit", UNIT_A.name, "--paper", "a3", "-o", poster
    ).out
    assert "已写入" in out and pdf_info(poster.read_bytes(), tmp_path)["pages"] == 1
    article = tmp_path / "文章.zip"
    jixiao_ok(capsys, "showcase", "wechat", "--period", PERIOD, "--base-url", BASE_URL, "-o", article)
    assert BASE_URL in zipfile.ZipFile(article).read("article.html").decode()
    image = tmp_path / "长图.png"
    jixiao_ok(capsys, "showcase", "long-image", "--period", PERIOD, "--unit", UNIT_A.name, "-o", image)
    assert Image.open(image).format == "PNG"


@pytest.mark.django_db
def test_a_poster_whose_qr_codes_would_lead_to_this_computer_is_refused(city, tmp_path, capsys, settings):
    settings.JIXIAO_PUBLIC_URL = ""
    poster = tmp_path / "光荣榜.pdf"
    for channel, path in (
        ("poster", poster),
        ("wechat", tmp_path / "a.zip"),
        ("long-image", tmp_path / "a.png"),
    ):
        run = jixiao(capsys, "showcase", channel, "--period", PERIOD, "-o", path)
        assert run.status == 1 and "http://127.0.0.1:8000/" in run.err and "JIXIAO_PUBLIC_URL" in run.err
        assert not path.exists()
    # Given on purpose (a trial print), a local address is used, with a warning.
    run = jixiao_ok(
        capsys,
        "showcase",
        "poster",
        "--period",
        PERIOD,
        "--unit",
        UNIT_A.name,
        "--base-url",
        "http://localhost:8000",
        "-o",
        poster,
    )
    assert "仅本机" in run.err and poster.exists()


@pytest.mark.django_db
def test_the_showcase_command_refuses_bad_requests_in_chinese(city, tmp_path, capsys, settings):
    settings.JIXIAO_PUBLIC_URL = BASE_URL
    cases = [
        (("poster", "-o", tmp_path / "x.txt"), "poster 文件的扩展名应为 .pdf"),
        (("poster", "--paper", "B5", "-o", tmp_path / "x.pdf"), "未知的纸张规格 B5"),
        (("poster", "--unit", "不存在的局", "-o", tmp_path / "x.pdf"), "没有名为不存在的局的单位"),
        (
            ("wechat", "--unit", UNIT_B.name, "-o", tmp_path / "x.zip"),
            f"{UNIT_B.name} {PERIOD} 尚无已发布的绩效标兵",
        ),
        (("poster", "-o", tmp_path / "missing" / "x.pdf"), "不存在"),
    ]
    for args, message in cases:
        run = jixiao(capsys, "showcase", args[0], "--period", PERIOD, *args[1:])
        assert run.status != 0 and message in run.err, run.err
        assert "Traceback" not in run.err
    assert list(tmp_path.glob("x.*")) == []


@pytest.mark.django_db
def test_a_deleted_profile_takes_its_photo_with_it(city):
    profile = write_profile(candidate(city, UNIT_A, 1), portrait="gone")
    assert Portrait.objects.count() == 1
    profile.delete()
    assert not Portrait.objects.exists()


def test_article_image_names_are_never_paths():
    from jixiao.showcase.wechat import image_name

    for name, expected in (
        ("张三", "images/007-张三.jpg"),
        ("../etc/x", "images/007-___etc_x.jpg"),
        ("", "images/007-photo.jpg"),
    ):
        stand_in = type("Exemplar", (), {"name": name})()
        assert image_name(7, stand_in) == expected
