"""Every exemplar is on the poster, and every page has its footer, for any number of people
on either paper — read back the way a print shop's software shows it (pdftotext, page by
page), not by the HTML that went in.

The cards are the fullest a card gets: a long post and 事迹 cut at the paper's length.
"""

import base64
import shutil
import subprocess
from functools import cache

import pytest

from jixiao.showcase import posters
from jixiao.showcase.photos import placeholder_portrait, portrait_from_upload
from jixiao.showcase.rendering import qr_data_uri, render_document

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

ISSUER = "中共某某市财政局党组"
PUBLISHED_ON = "2025年10月11日"
DEEDS = (
    "该同志牵头完成全市营商环境评价迎检工作，统筹协调各成员单位扎实推进重点任务，相关指标进入全省前列；"
    "同时认真落实党风廉政建设责任，团结带领科室同志攻坚克难，工作作风扎实，群众评价良好。"
) * 3


@cache
def photo() -> str:
    """A portrait as the profile page stores it (3:4 JPEG), inline."""
    image = portrait_from_upload(placeholder_portrait("poster"))
    return "data:image/jpeg;base64," + base64.b64encode(image.data).decode()


def name_of(number: int) -> str:
    return f"测试标兵{number:02d}号"


def board_of(count: int, paper: posters.Paper) -> posters.Board:
    cards = [
        posters.PosterCard(
            name=name_of(n),
            post="市财政局预算科四级主任科员（主持全面工作）",
            unit="市财政局",
            category="一般干部",
            route_label="突出贡献" if n % 5 == 0 else "排名前10%",
            special=n % 5 == 0,
            achievements=posters.shorten(DEEDS, paper.achievements_chars),
            photo=photo() if n % 3 else "",
            qr=qr_data_uri(f"https://jixiao.example.gov.cn/exemplars/2025H1/key{n:03d}/"),
        )
        for n in range(1, count + 1)
    ]
    pages = [
        posters.PosterPage("市财政局", cards[start : start + paper.per_page], paper.columns)
        for start in range(0, count, paper.per_page)
    ]
    return posters.Board(unit="市财政局", issuer=ISSUER, published_on=PUBLISHED_ON, pages=pages)


class Period:
    title = "2025年上半年"


def pages_text(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "poster.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return ["".join(page.split()) for page in text.split("\f")[:-1]]


@needs_poppler
@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_every_person_and_every_footer_is_on_the_poster_for_1_to_13_people(paper, tmp_path):
    paper = posters.PAPERS[paper]
    for count in range(1, 14):
        board = board_of(count, paper)
        pdf = render_document(posters.board_html(Period(), board, paper)).write_pdf()
        pages = pages_text(pdf, tmp_path)
        expected_pages = -(-count // paper.per_page)
        assert len(pages) == expected_pages, (paper.name, count, len(pages))
        for number, page in enumerate(pages, start=1):
            assert f"{ISSUER}·{PUBLISHED_ON}·第{number}页/共{expected_pages}页" in page, (
                paper.name,
                count,
                number,
            )
            first = (number - 1) * paper.per_page + 1
            on_page = range(first, min(count, first + paper.per_page - 1) + 1)
            assert [n for n in on_page if name_of(n) not in page] == [], (paper.name, count, number)
