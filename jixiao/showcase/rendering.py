"""What the printed and exported channels share: public URLs, QR codes, portraits for
print, Chinese dates, and WeasyPrint fenced in to the images it is given.

The documents are built from :mod:`jixiao.showcase.public` rows only. WeasyPrint fetches
nothing from the network or the disk: a portrait is ``portrait:<sha256>`` (a published
photo, read from the database and scaled for print), a QR code is a ``data:`` URI.
"""

import functools
import io
import ipaddress
from urllib.parse import urljoin, urlsplit

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from jixiao.assessment.models import Period
from jixiao.core.text import chinese_date
from jixiao.selection.models import Proposal, ProposalState
from jixiao.showcase.models import Portrait
from jixiao.showcase.photos import encode_jpeg
from jixiao.showcase.public import PublicExemplar

PORTRAIT_SCHEME = "portrait:"
# Half the stored size is over 300 dpi on a poster card and keeps a city's PDF light.
PRINT_PORTRAIT_SIZE = (450, 600)


def published_on(period: Period, unit=None) -> str:
    """The date the unit's list (or the city's last list) was published, in Chinese."""
    proposals = Proposal.objects.filter(period=period, state=ProposalState.PUBLISHED)
    if unit is not None:
        proposals = proposals.filter(unit=unit)
    last = proposals.order_by("-published_at").values_list("published_at", flat=True).first()
    return chinese_date(timezone.localdate(last) if last else timezone.localdate())


def public_base_url(request=None) -> str:
    """Where the public site lives, for QR codes and links in documents: the setting
    ``JIXIAO_PUBLIC_URL`` when given (the address people outside can reach), else the
    address of the request, else the local demo server."""
    if settings.JIXIAO_PUBLIC_URL:
        return settings.JIXIAO_PUBLIC_URL.rstrip("/") + "/"
    if request is not None:
        return request.build_absolute_uri("/")
    return "http://127.0.0.1:8000/"


def is_local_address(base_url: str) -> bool:
    """Whether the address reaches only this computer (localhost, 127.0.0.1, ::1, 0.0.0.0):
    a QR code on a poster pointing there leads the public nowhere."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def period_url(base_url: str, period: Period) -> str:
    return urljoin(base_url, reverse("showcase:period", args=[period.code]))


def profile_url(base_url: str, period: Period, exemplar: PublicExemplar) -> str:
    if not exemplar.key:
        return period_url(base_url, period)
    return urljoin(base_url, reverse("showcase:profile", args=[period.code, exemplar.key]))


@functools.lru_cache(maxsize=4096)
def qr_data_uri(url: str) -> str:
    """A QR code of the URL as an SVG data URI (segno; medium error correction survives a
    bulletin board's scratches and glare). Kept per address: the A4 and A3 posters, the
    city's and each unit's, draw the same codes."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2, dark="#1f2328")


def print_portrait(sha256: str) -> bytes | None:
    """The portrait at print size, or None when there is no such portrait."""
    try:
        return _print_portrait(sha256)
    except Portrait.DoesNotExist:
        return None


@functools.lru_cache(maxsize=512)
def _print_portrait(sha256: str) -> bytes:
    """Kept per content (a changed photo has another SHA-256) for the next poster; the JPEG
    is decoded straight at half scale, which the print size is."""
    data = Portrait.objects.filter(sha256=sha256).values_list("image", flat=True).first()
    if data is None:
        raise Portrait.DoesNotExist(sha256)  # not kept: the portrait may come
    with Image.open(io.BytesIO(bytes(data))) as image:
        image.draft("RGB", PRINT_PORTRAIT_SIZE)
        # Bicubic after a first reduction by whole factors: as sharp in print, a third faster.
        image.thumbnail(PRINT_PORTRAIT_SIZE, Image.Resampling.BICUBIC, reducing_gap=2.0)
        return encode_jpeg(image.convert("RGB"))


def render_document(html: str):
    """Lay out HTML with WeasyPrint (a ``weasyprint.Document``), with portraits from the
    database and nothing else fetched."""
    from weasyprint import HTML  # slow to import; only the documents need it
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PortraitFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(PORTRAIT_SCHEME):
                data = print_portrait(url.removeprefix(PORTRAIT_SCHEME))
                if data is None:
                    raise ValueError(f"no portrait {url}")
                return URLFetcherResponse(url, data, {"Content-Type": "image/jpeg"})
            return super().fetch(url, headers)

    fetcher = PortraitFetcher(allowed_protocols=["data"])
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher).render()
