"""The WeChat public-account article: HTML with inline styles only, its photos beside it in a
zip, and the same article as one long PNG for sharing in chats.

The WeChat editor keeps inline ``style`` attributes and drops ``<style>`` blocks, classes,
scripts and outside links, so the article is written with nothing else. A unit's article
shows every exemplar with photo and 事迹; the city's names every unit's exemplars and
shows those of outstanding contribution in full, as the city's reports do.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from itertools import groupby

from django.template.loader import render_to_string
from django.utils import translation

from jixiao.assessment.models import Period
from jixiao.core import glossary
from jixiao.org.models import Unit
from jixiao.selection.models import Route
from jixiao.showcase.models import Portrait
from jixiao.showcase.posters import exemplars_of
from jixiao.showcase.public import PublicExemplar, counts, share_of
from jixiao.showcase.rendering import PORTRAIT_SCHEME, period_url, profile_url, published_on, render_document

# The width WeChat shows an article at, and long images are made for (CSS pixels).
ARTICLE_WIDTH_PX = 750
# The long image is drawn at twice that, sharp on a phone's screen, unless that would make
# it taller than chat apps show (a long list is drawn smaller instead).
LONG_IMAGE_SCALE = 2
LONG_IMAGE_MAX_HEIGHT = 24_000
# The article's end, marked in the template: how tall the long image is.
END_ANCHOR = "article-end"
PT_PER_PX = 0.75


@dataclass(frozen=True)
class ArticleEntry:
    exemplar: PublicExemplar
    image: str  # the src of the photo ("" without one)
    url: str


@dataclass(frozen=True)
class ArticleUnit:
    name: str
    names: list[str]


def image_name(number: int, exemplar: PublicExemplar) -> str:
    """``images/003-张三.jpg``: numbered in the article's order, the name kept readable but
    never a path (no separators, no dots, no control characters)."""
    name = re.sub(r'[\\/:*?"<>|.\x00-\x1f]', "_", exemplar.name).strip() or "photo"
    return f"images/{number:03d}-{name}.jpg"


def _article_parts(period: Period, unit: Unit | None, base_url: str, *, for_print: bool):
    exemplars = exemplars_of(period, unit)
    featured = exemplars if unit is not None else [e for e in exemplars if e.route == Route.SPECIAL]
    entries, images = [], {}
    for number, exemplar in enumerate(featured, start=1):
        src = ""
        if exemplar.photo:
            src = PORTRAIT_SCHEME + exemplar.photo if for_print else image_name(number, exemplar)
            images[image_name(number, exemplar)] = exemplar.photo
        entries.append(ArticleEntry(exemplar, src, profile_url(base_url, period, exemplar)))
    units = []
    if unit is None:
        units = [
            ArticleUnit(name, [f"{e.name}（{e.post}）" if e.post else e.name for e in group])
            for name, group in groupby(exemplars, key=lambda e: e.unit)
        ]
    return exemplars, entries, units, images


def article_html(period: Period, unit: Unit | None, base_url: str, *, for_print: bool = False) -> str:
    """The article. With ``for_print`` it is a whole page for the long image (photos read
    from the database); without, the fragment to paste, photos named as in the zip."""
    exemplars, entries, units, _images = _article_parts(period, unit, base_url, for_print=for_print)
    share = share_of(period)
    figures = counts(exemplars, share)
    with translation.override("zh-hans"):
        period_title = str(period.title)
        return render_to_string(
            "showcase/wechat_article.html",
            {
                "period_title": period_title,
                "where": unit.name if unit is not None else "全市",
                "city": unit is None,
                "figures": figures,
                "terms": glossary,
                "rank_route": glossary.top_share(share),
                "entries": entries,
                "units": units,
                "published_on": published_on(period, unit),
                "list_url": period_url(base_url, period),
                "for_print": for_print,
                "width": ARTICLE_WIDTH_PX,
                # Taller than the article can be: the long image is cut at its end.
                "page_height": 1500 + 1200 * len(entries) + 160 * len(units) + 3 * len(exemplars),
            },
        )


README = """公众号文章使用说明

1. 用浏览器打开 article.html，全选（Ctrl+A）并复制，粘贴到公众号后台的图文编辑器中。
   文字、标题和版式（均为行内样式）会保留。
2. 公众号编辑器不会带入本地图片：请在每位标兵姓名上方的图片位置，
   上传 images 文件夹中编号相同的照片（文件名含序号和姓名）。
3. 发布前请再核对一遍姓名、职务和事迹。
"""


def article_zip(period: Period, unit: Unit | None, base_url: str) -> bytes:
    """``article.html``, ``images/NNN-姓名.jpg`` and a short how-to, zipped."""
    _exemplars, _entries, _units, images = _article_parts(period, unit, base_url, for_print=False)
    html = article_html(period, unit, base_url)
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>公众号文章</title></head>'
        f"<body>\n{html}\n</body></html>\n"
    )
    photos = dict(Portrait.objects.filter(sha256__in=set(images.values())).values_list("sha256", "image"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("article.html", page)
        archive.writestr("使用说明.txt", README)
        for name, sha256 in images.items():
            if sha256 in photos:
                # JPEG is compressed already: stored as it is.
                archive.writestr(name, bytes(photos[sha256]), compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def long_image_png(period: Period, unit: Unit | None, base_url: str) -> bytes:
    """The article as one PNG, 1500 pixels wide (less for a very long list), as tall as the
    article: laid out on one very tall page, then drawn down to the article's end only."""
    import pypdfium2  # only the long image needs it

    document = render_document(article_html(period, unit, base_url, for_print=True))
    first = document.pages[0]
    content_px = first.anchors[END_ANCHOR][1] if END_ANCHOR in first.anchors else first.height
    scale = max(1.0, min(LONG_IMAGE_SCALE, LONG_IMAGE_MAX_HEIGHT / content_px))
    pdf = pypdfium2.PdfDocument(document.write_pdf())
    try:
        page = pdf[0]
        unused_pt = max(0.0, page.get_height() - content_px * PT_PER_PX)
        # pdfium's scale is pixels per point; crop is (left, bottom, right, top) in points.
        bitmap = page.render(scale=scale / PT_PER_PX, crop=(0, unused_pt, 0, 0))
        image = bitmap.to_pil().convert("RGB")
    finally:
        pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def article_filename(period: Period, unit: Unit | None, extension: str) -> str:
    with translation.override("zh-hans"):
        period_title = str(period.title)
    where = unit.name if unit is not None else "全市"
    return f"{where}{period_title}{glossary.EXEMPLAR}风采.{extension}"
