"""The publicity notice (公示) as Word and PDF files: read back the way another program would
(python-docx; poppler's pdftotext, pdfinfo and pdffonts), it names exactly the approved
people still on the list, in order, with 男/女 and the route — and never a score."""

import datetime
import io
import re
import subprocess
import zipfile
from decimal import Decimal

import docx
import pytest
from django.utils import timezone
from docx.oxml.ns import qn

from jixiao.assessment.actions import get_or_create_period
from jixiao.org.access import Operator
from jixiao.org.models import Category, Gender, Person, Unit
from jixiao.selection.models import (
    Candidate,
    Meeting,
    MeetingKind,
    Notice,
    Proposal,
    ProposalState,
    Route,
    Verdict,
)
from jixiao.selection.notice_documents import notice_content, notice_docx, notice_html, notice_pdf
from jixiao.selection.publicity import publicity_end
from tests.office import as_printed, needs_libreoffice

pytestmark = pytest.mark.django_db

D = datetime.date
TITLE = "关于市财政局2025年上半年绩效标兵拟表彰人选的公示"
DEEDS = "在防汛抗旱工作中连续奋战一线，组织转移群众三百余人，表现突出。"
HEADER = ["单位", "姓名", "性别", "职务", "推荐类型", "主要事迹"]
# Totals no document may show, in any spelling.
TOTALS = [
    Decimal("98.16"),
    Decimal("97.35"),
    Decimal("96.42"),
    Decimal("81.27"),
    Decimal("95.53"),
    Decimal("94.71"),
]
FORBIDDEN = [*(str(t) for t in TOTALS), *(str(t).replace(".", "") for t in TOTALS), "总分", "得分", "名次"]


def make_notice(*, rows: int | None = None, share=Decimal("10"), unit_name: str = "市财政局") -> Notice:
    """市财政局, 2025H1, committee approved: by rank 李四 (一般干部 #1), 张三 (一般干部 #2),
    王五 (中层干部 #1, gender not recorded); special 赵六 with 事迹. Not on the notice:
    钱七 (rejected), 孙八 (approved, removed after an objection), 周九 (pending).
    With ``rows``, instead that many approved by-rank people."""
    period, _ = get_or_create_period("2025H1", acting_user=Operator("test"))
    if share != period.rules.share_percent:
        period.rules.share_percent = share
        period.rules.save()
    unit = Unit.objects.create(name=unit_name)
    # Created first but sorted second: the notice follows the sort order, not the id.
    general = Category.objects.create(name="一般干部", sort_order=2)
    middle = Category.objects.create(name="中层干部", sort_order=1)
    proposal = Proposal.objects.create(period=period, unit=unit, state=ProposalState.PUBLICITY)
    Meeting.objects.create(
        proposal=proposal,
        kind=MeetingKind.PARTY_GROUP,
        date=D(2025, 9, 20),
        minutes_number="2025-18",
        members=7,
        present=7,
        recorded_by="办公室",
    )

    def candidate(staff_id, name, gender, category, post, route, total, rank, verdict, **extra):
        person = Person.objects.create(staff_id=staff_id, name=name, gender=gender)
        return Candidate.objects.create(
            proposal=proposal,
            person=person,
            name=name,
            gender=gender,
            category=category,
            post=post,
            route=route,
            total=total,
            rank=rank,
            group_size=20,
            verdict=verdict,
            **extra,
        )

    if rows is None:
        a, s = Verdict.APPROVED, Route.SPECIAL
        candidate("F0002", "张三", Gender.MALE, general, "科员", Route.BY_RANK, TOTALS[1], 2, a)
        candidate("F0009", "赵六", Gender.FEMALE, general, "四级主任科员", s, TOTALS[3], 9, a, reason=DEEDS)
        candidate("F0001", "李四", Gender.FEMALE, general, "一级科员", Route.BY_RANK, TOTALS[0], 1, a)
        candidate("F0021", "王五", "", middle, "预算科科长", Route.BY_RANK, TOTALS[2], 1, a)
        candidate(
            "F0003", "钱七", Gender.MALE, general, "科员", Route.BY_RANK, TOTALS[4], 3, Verdict.REJECTED
        )
        candidate(
            "F0004",
            "孙八",
            Gender.MALE,
            general,
            "科员",
            Route.BY_RANK,
            TOTALS[5],
            4,
            a,
            removed_at=timezone.now(),
        )
        candidate(
            "F0010",
            "周九",
            Gender.MALE,
            general,
            "科员",
            s,
            Decimal("80.05"),
            10,
            Verdict.PENDING,
            reason=DEEDS,
        )
    else:
        for i in range(1, rows + 1):
            gender = Gender.MALE if i % 2 else Gender.FEMALE
            total = Decimal("99.99") - Decimal(i) / 100
            candidate(
                f"L{i:04d}", f"干部{i}号", gender, general, "科员", Route.BY_RANK, total, i, Verdict.APPROVED
            )
    start = D(2025, 9, 28)
    return Notice.objects.create(
        proposal=proposal,
        start=start,
        working_days=5,
        end=publicity_end(start, 5),
        issuing_body="中共某某市财政局党组",
        issued_on=D(2025, 9, 26),
        receiving_body="市财政局机关党委",
        phone="0571-87654321",
        address="某某市人民路1号市财政局306室",
        created_by="人事科",
    )


EXPECTED_ROWS = [
    ["市财政局", "王五", "", "预算科科长", "排名前10%", ""],
    ["市财政局", "李四", "女", "一级科员", "排名前10%", ""],
    ["市财政局", "张三", "男", "科员", "排名前10%", ""],
    ["市财政局", "赵六", "女", "四级主任科员", "突出贡献", DEEDS],
]


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs + section.header.paragraphs]
    return "\n".join(parts)


def assert_no_scores(text: str) -> None:
    for forbidden in FORBIDDEN:
        assert forbidden not in text, forbidden


def east_asian_font(run) -> str | None:
    fonts = run._r.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


def test_the_content_names_the_approved_people_in_order_and_no_scores():
    content = notice_content(make_notice())
    assert content.title == TITLE
    assert [list(row.cells) for row in content.rows] == EXPECTED_ROWS
    assert content.opening.startswith(
        "根据全员绩效考核和绩效标兵评选有关规定，经个人绩效考核排名推荐和市财政局党组会议研究"
    )
    assert "确定4名同志为2025年上半年绩效标兵拟表彰人选" in content.opening
    assert (content.start, content.end, content.working_days) == (D(2025, 9, 28), D(2025, 10, 10), 5)
    assert content.dates_line == "公示时间：2025年9月28日至2025年10月10日（5个工作日）。"
    assert "请于2025年10月10日前" in content.objection
    assert "向市财政局机关党委反映" in content.objection
    assert "真实姓名" in content.objection
    assert content.contacts == ("联系电话：0571-87654321", "通信地址：某某市人民路1号市财政局306室")
    assert content.issued_on_text == "2025年9月26日"
    assert_no_scores(content.text)
    for left_out in ("钱七", "孙八", "周九"):
        assert left_out not in content.text


def test_the_share_is_written_as_people_write_it_and_an_email_is_labelled_as_such():
    notice = make_notice(share=Decimal("12.50"))
    notice.address = "rsk@czj.example.gov.cn"
    notice.save()
    content = notice_content(notice)
    assert {row.route for row in content.rows} == {"排名前12.5%", "突出贡献"}
    assert content.contacts[-1] == "电子邮箱：rsk@czj.example.gov.cn"


def test_the_content_is_chinese_whatever_the_users_language(settings):
    from django.utils import translation

    notice = make_notice()
    with translation.override("en"):
        content = notice_content(notice)
    assert content.title == TITLE


def test_the_word_file_reads_back_with_title_table_dates_and_fonts():
    document = docx.Document(io.BytesIO(notice_docx(make_notice())))
    paragraphs = [p for p in document.paragraphs if p.text]
    title = paragraphs[0]
    assert title.text == TITLE
    assert title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size.pt == 22
    assert title.runs[0].font.bold
    assert east_asian_font(title.runs[0]) == "黑体"

    body = paragraphs[1]
    assert body.text.startswith("根据全员绩效考核")
    assert body.runs[0].font.size.pt == 16
    assert east_asian_font(body.runs[0]) == "仿宋"
    assert body.paragraph_format.first_line_indent.pt == 32
    assert body.paragraph_format._element.pPr.ind.get(qn("w:firstLineChars")) == "200"

    (table,) = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [HEADER, *EXPECTED_ROWS]
    # The header row repeats on every page.
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None

    texts = [p.text for p in paragraphs]
    assert "公示时间：2025年9月28日至2025年10月10日（5个工作日）。" in texts
    assert texts[-2:] == ["中共某某市财政局党组", "2025年9月26日"]
    for signature in paragraphs[-2:]:
        assert signature.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert document.core_properties.title == TITLE

    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    everything = docx_text(document)
    assert_no_scores(everything)
    assert not re.search(r"\d+\.\d+", everything)
    for left_out in ("钱七", "孙八", "周九"):
        assert left_out not in everything


def pdf_tool(*args) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_has_extractable_chinese_in_an_embedded_cjk_font(tmp_path):
    path = tmp_path / "notice.pdf"
    path.write_bytes(notice_pdf(make_notice()))
    text = squeeze(pdf_tool("pdftotext", "-enc", "UTF-8", str(path), "-"))
    assert TITLE in text
    for name in ("王五", "李四", "张三", "赵六", "排名前10%", "突出贡献", "主要事迹"):
        assert name in text, name
    # The 事迹 wraps inside its cell, so pdftotext may interleave its lines with others.
    for fragment in ("在防汛抗旱工作中", "组织转移群众", "表现突出"):
        assert fragment in text, fragment
    assert "2025年9月28日至2025年10月10日" in text
    assert "中共某某市财政局党组2025年9月26日" in text
    assert "□" not in text
    assert_no_scores(text)
    for left_out in ("钱七", "孙八", "周九"):
        assert left_out not in text

    info = pdf_tool("pdfinfo", str(path))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages >= 1
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert (round(float(size.group(1))), round(float(size.group(2)))) == (595, 842)  # A4 portrait

    fonts = pdf_tool("pdffonts", str(path)).splitlines()[2:]
    cjk = [line for line in fonts if re.search(r"WenQuanYi|Noto|FangSong|SimHei|Hei|Song", line, re.I)]
    assert cjk, fonts
    # Column "emb" (embedded) is "yes" for each of them.
    assert all(" yes " in line for line in cjk), cjk


def test_a_long_list_runs_over_pages_with_the_table_header_repeated(tmp_path):
    path = tmp_path / "long.pdf"
    path.write_bytes(notice_pdf(make_notice(rows=60)))
    pages = int(re.search(r"^Pages:\s+(\d+)", pdf_tool("pdfinfo", str(path)), re.M).group(1))
    assert pages > 1
    second = pdf_tool("pdftotext", "-layout", "-enc", "UTF-8", "-f", "2", "-l", "2", str(path), "-")
    first_line = next(line for line in second.splitlines() if line.strip())
    assert first_line.split() == HEADER
    assert "关于市财政局" not in second
    everything = squeeze(pdf_tool("pdftotext", "-enc", "UTF-8", str(path), "-"))
    # Every row once, in rank order.
    positions = [everything.index(f"干部{i}号") for i in range(1, 61)]
    assert positions == sorted(positions)
    assert all(everything.count(f"干部{i}号") == 1 for i in range(1, 61))

    document = docx.Document(io.BytesIO(notice_docx(Notice.objects.get())))
    assert len(document.tables[0].rows) == 61
    assert "确定60名同志" in document.paragraphs[1].text


def test_the_html_embeds_as_an_article_for_an_on_screen_preview():
    notice = make_notice()
    page = notice_html(notice)
    assert page.startswith("<!DOCTYPE html>")
    assert "@page" in page
    fragment = notice_html(notice, embed=True)
    assert fragment.lstrip().startswith('<article class="notice-doc"')
    assert "<html" not in fragment and "@page" not in fragment
    assert TITLE in fragment and "赵六" in fragment
    assert_no_scores(page)


@needs_libreoffice
def test_the_word_notice_reads_right_in_libreoffice(tmp_path):
    """As a WPS or Word user sees it (LibreOffice prints the .docx): numbers and percentages
    never broken across lines, a six-character unit name on one line of its cell, and the
    signature (落款) never alone on a page."""
    notice = make_notice(unit_name="市发展改革委")
    path = tmp_path / "公示.docx"
    path.write_bytes(notice_docx(notice))
    # The fonts it names are the Chinese ones, with their English names; no Japanese defaults.
    with zipfile.ZipFile(path) as archive:
        fonts = archive.read("word/fontTable.xml").decode()
        defaults = archive.read("word/styles.xml").decode()
    assert 'w:name="仿宋"' in fonts and 'w:val="FangSong"' in fonts and 'w:name="黑体"' in fonts
    assert "ＭＳ" not in fonts
    assert 'w:lang w:val="en-US" w:eastAsia="zh-CN"' in defaults
    pages = as_printed(path, tmp_path)
    lines = [line.strip() for page in pages for line in page.splitlines() if line.strip()]
    # The running text's lines (a table's row has its cells apart by runs of spaces).
    text_lines = [line for line in lines if "   " not in line]
    for before, after in zip(text_lines, text_lines[1:], strict=False):
        # A line ending in a digit followed by one that goes on with the number ("202 / 3",
        # "10 / %").
        assert not (re.search(r"\d$", before) and re.match(r"[\d%．.]", after)), (before, after)
    flat = ["".join(page.split()) for page in pages]
    assert "2025年上半年" in flat[0] and "排名前10%" in flat[0]
    # The unit's name in the table, on one line (its cell does not wrap it).
    assert any(re.search(r"(^|\s)市发展改革委(\s|$)", line) for line in lines)
    # The signature stands with the text before it.
    last = flat[-1]
    assert last.endswith("中共某某市财政局党组2025年9月26日—" + str(len(pages)) + "—")
    assert len(last) > len("中共某某市财政局党组2025年9月26日") + 10, last
