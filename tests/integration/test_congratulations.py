"""喜报 on the database: one image per published exemplar and a unit's batch zipped, made from
the published data only, opened with Pillow and scanned as a phone scans them.

The city of ``test_showcase``: 市财政局 (A) published, its exemplars A's 1st and 2nd by rank
and its 5th by special nomination (A's 1st with a photo, the others without); 城关镇 (B) in
publicity, so nothing of B may be drawn.
"""

import io
import re
import zipfile
from urllib.parse import unquote

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageStat

from jixiao.core.models import BackgroundJob, JobState
from jixiao.org.models import RoleKind
from jixiao.showcase import congratulations, jobs, profiles
from jixiao.showcase.public import published_exemplars
from jixiao.showcase.rendering import profile_url, published_on
from tests.integration.test_showcase import (
    BASE_URL,
    DEEDS,
    EXEMPLARS_A,
    SPECIAL,
    candidate,
    publish_a,
    unit_of,
)
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

pytestmark = pytest.mark.django_db


def image_url(city, spec, number: int, unit_spec=None) -> str:
    unit = unit_of(city, unit_spec or spec)
    return f"/periods/{PERIOD}/units/{unit.pk}/profiles/{city.person(staff_id(spec, number)).pk}/congratulation.png"


def zip_url(city, spec) -> str:
    return f"/periods/{PERIOD}/units/{unit_of(city, spec).pk}/showcase/congratulations.zip"


def as_office(client, city, spec=UNIT_A, kind=RoleKind.ASSESSOR):
    client.force_login(make_user(f"{kind}-{spec.prefix}", kind, unit_of(city, spec)))
    return client


def png_of(response) -> Image.Image:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def layout_of(city, number: int) -> congratulations.Layout:
    """The layout the image of A's person was drawn with (the same input, the same layout)."""
    exemplar = exemplar_of(city, number)
    issued = congratulations._issued(city.period, {exemplar.unit_id})[exemplar.unit_id]
    return congratulations.layout(congratulations.congratulation_of(city.period, exemplar, issued, BASE_URL))


def exemplar_of(city, number: int):
    return next(e for e in published_exemplars(city.period) if e.name == person_name(UNIT_A, number))


def scanned(image: Image.Image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.fixture
def city(tmp_path, capsys):
    """A published, B in publicity; A's first exemplar has a published photo, the second none."""
    city = build_city(tmp_path, capsys)
    publish_a(city)
    to_publicity(city, unit_of(city, UNIT_B))
    write_profile(candidate(city, UNIT_A, 1), portrait="A1")
    return city


def test_each_published_exemplar_gets_a_portrait_png_whose_qr_code_opens_their_profile(
    client, city, settings
):
    settings.JIXIAO_PUBLIC_URL = BASE_URL
    as_office(client, city)
    for number in EXEMPLARS_A:
        response = client.get(image_url(city, UNIT_A, number))
        image = png_of(response)
        assert image.size == (1080, 1920) and image.mode == "RGB"
        name = f"市财政局-{person_name(UNIT_A, number)}-喜报.png"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("inline;")
        assert unquote(re.search(r"filename\*=utf-8''(\S+)", disposition).group(1)) == name
        # Not blank: the red paper, gold, white text, a photo or its placeholder.
        assert len(image.getcolors(1080 * 1920)) > 500
        assert ImageStat.Stat(image).stddev[0] > 20
        exemplar = exemplar_of(city, number)
        assert scanned(image) == [profile_url(BASE_URL, city.period, exemplar)]
        page = client.get(scanned(image)[0].removeprefix(BASE_URL.rstrip("/")))
        assert page.status_code == 200 and exemplar.name in page.content.decode()


def test_the_photo_is_drawn_where_there_is_one_and_a_placeholder_where_not(client, city):
    as_office(client, city)
    with_photo = png_of(client.get(image_url(city, UNIT_A, 1))).convert("RGB")
    without = png_of(client.get(image_url(city, UNIT_A, 2))).convert("RGB")
    box = layout_of(city, 1).photo
    assert box == layout_of(city, 2).photo  # the same place for both
    region = (box.x, box.y, box.right, box.bottom)
    photo, placeholder = with_photo.crop(region), without.crop(region)
    # The placeholder is a flat drawing in the card's reds; the photo is the portrait.
    assert len(placeholder.getcolors(box.width * box.height)) < 400
    assert ImageStat.Stat(ImageChops.difference(photo, placeholder)).mean[0] > 40
    stored = congratulations.portrait(exemplar_of(city, 1).photo).resize((box.width, box.height))
    assert max(ImageStat.Stat(ImageChops.difference(photo, stored)).mean) < 12
    # Outside the photo the two images are the same paper.
    assert with_photo.getpixel((20, 960)) == without.getpixel((20, 960))


def test_the_honour_reads_the_route_and_the_special_exemplars_published_achievements(city):
    rank, special = layout_of(city, 1), layout_of(city, SPECIAL)
    assert rank.text("route").lines == ("排名前10%",) and rank.panel is None
    assert special.text("route").lines == ("突出贡献",)
    assert "".join(special.text("achievements").lines) == REASON
    assert special.text("awarded").lines == ("荣获2025年上半年",)
    assert special.text("unit").lines == ("市财政局",)
    assert special.text("issuer").lines == ("中共市财政局委员会",)
    # Dated as the poster is: the day the city published the list.
    assert special.text("date").lines == (published_on(city.period, unit_of(city, UNIT_A)),)
    # 事迹 the unit rewrote are drawn as rewritten; those it chose not to publish, not at all.
    special_candidate = candidate(city, UNIT_A, SPECIAL)
    write_profile(special_candidate, profiles.ProfileText("科员", DEEDS, ""))
    assert "".join(layout_of(city, SPECIAL).text("achievements").lines) == DEEDS
    write_profile(special_candidate, profiles.ProfileText("科员", DEEDS, "", show_achievements=False))
    assert layout_of(city, SPECIAL).panel is None


def test_the_same_data_makes_the_same_bytes(client, city):
    as_office(client, city)
    url = image_url(city, UNIT_A, 1)
    first = b"".join(client.get(url).streaming_content)
    assert b"".join(client.get(url).streaming_content) == first
    assert b"tIME" not in first  # no timestamp chunk


def test_the_units_batch_is_one_png_per_published_exemplar(client, city):
    as_office(client, city, kind=RoleKind.SECRETARY)
    response = client.get(zip_url(city, UNIT_A))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    expected = sorted(f"市财政局-{person_name(UNIT_A, n)}-喜报.png" for n in EXEMPLARS_A)
    assert sorted(archive.namelist()) == expected
    for name in expected:
        image = Image.open(io.BytesIO(archive.read(name)))
        assert image.size == (1080, 1920) and image.format == "PNG"
    # Nobody of B (in publicity) and nobody of A who is not an exemplar.
    listing = " ".join(archive.namelist())
    assert not any(person_name(UNIT_B, n) in listing for n in range(1, UNIT_B.size + 1))
    assert not any(
        person_name(UNIT_A, n) in listing for n in range(1, UNIT_A.size + 1) if n not in EXEMPLARS_A
    )
    # The same in the queue: one document of the unit.
    jobs_made = BackgroundJob.objects.filter(kind=jobs.CONGRATULATIONS)
    assert [(j.unit_id, j.state) for j in jobs_made] == [(unit_of(city, UNIT_A).pk, JobState.DONE)]


def test_a_unit_with_nothing_published_gets_nothing(client, city):
    as_office(client, city, UNIT_B)
    for url in (zip_url(city, UNIT_B), image_url(city, UNIT_B, 1)):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].endswith(f"/units/{unit_of(city, UNIT_B).pk}/profiles/")
        assert "城关镇 2025H1 尚无已发布的绩效标兵。" in response.content.decode()
    assert not BackgroundJob.objects.filter(kind=jobs.CONGRATULATIONS).exists()


def test_other_units_staff_and_strangers_are_refused(client, city):
    url = image_url(city, UNIT_A, 1)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    # B's office reaches neither A's images nor A's batch, nor B's person under A's unit.
    as_office(client, city, UNIT_B)
    for refused in (url, zip_url(city, UNIT_A)):
        assert client.get(refused).status_code == 404
    # A's staff member: A's pages do not exist for them.
    staff = make_user("staff-a", RoleKind.STAFF, unit_of(city, UNIT_A), city.person(staff_id(UNIT_A, 1)))
    client.force_login(staff)
    assert client.get(url).status_code == 404 and client.get(zip_url(city, UNIT_A)).status_code == 404
    # A's office: B's person under A's unit, and A's people who are not exemplars, are not found.
    as_office(client, city)
    assert client.get(image_url(city, UNIT_B, 1, unit_spec=UNIT_A)).status_code == 404
    assert client.get(image_url(city, UNIT_A, 3)).status_code == 404
    assert client.post(url).status_code == 405
    # The city office reaches every unit's.
    client.force_login(make_user("city", RoleKind.CITY_ADMIN))
    assert client.get(url).status_code == 200 and client.get(zip_url(city, UNIT_A)).status_code == 200


def test_the_profiles_page_offers_them_once_published(client, city):
    as_office(client, city)
    html = client.get(f"/periods/{PERIOD}/units/{unit_of(city, UNIT_A).pk}/profiles/").content.decode()
    assert zip_url(city, UNIT_A) in html
    for number in EXEMPLARS_A:
        assert image_url(city, UNIT_A, number) in html
    as_office(client, city, UNIT_B)
    html = client.get(f"/periods/{PERIOD}/units/{unit_of(city, UNIT_B).pk}/profiles/").content.decode()
    assert "congratulation.png" not in html and "congratulations.zip" not in html


def test_a_large_batch_goes_through_the_queue_with_its_progress_page(client, city, settings):
    settings.JIXIAO_EXPORTS_IN_BACKGROUND = True
    as_office(client, city)
    response = client.get(zip_url(city, UNIT_A))
    assert response.status_code == 302
    progress = response["Location"]
    assert re.fullmatch(r"/exports/[0-9a-f]{24}/", progress), progress
    job = BackgroundJob.objects.get(kind=jobs.CONGRATULATIONS)
    assert job.state == JobState.QUEUED and job.filename == "市财政局2025年上半年绩效标兵喜报.zip"
    jobs.make_document.call(job.key)  # what a worker does
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.DONE, 3, 3)
    assert "/file" in client.get(progress, headers={"HX-Request": "true"}).content.decode()
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(progress + "file").streaming_content)))
    assert len(archive.namelist()) == 3
    as_office(client, city, UNIT_B)
    assert client.get(progress).status_code == 404
