"""The publicity notice (公示) as a document: its content, a Word file and a PDF.

The notice is a Chinese official text (DESIGN.md rule 6), so its wording is written here in
Chinese, once, in :func:`notice_content`; the Word and PDF layouts only place that content.
It names the period, each person's unit, name, gender, post and route (with the 事迹 of a
special nomination), the dates, how to object and who issues it — never a score, a total or
a rank.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string
from django.utils import translation
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from jixiao.core import glossary
from jixiao.core.official_docx import (
    LINE_PT,
    TABLE_HEADER_FONT,
    TABLE_PT,
    document_title,
    docx_bytes,
    keep_row_together,
    keep_with_next,
    official_document,
    paragraph,
    repeat_as_header,
    run,
)
from jixiao.core.text import chinese_date
from jixiao.org.models import Gender
from jixiao.selection.models import (
    Candidate,
    MeetingKind,
    Notice,
    Route,
    share_percent_of,
)

# ----------------------------------------------------------------------------------------
# Content: every word of the notice
# ----------------------------------------------------------------------------------------

COLUMNS = ("单位", "姓名", "性别", "职务", glossary.ROUTE, "主要事迹")
GENDER_LABELS = {Gender.MALE: "男", Gender.FEMALE: "女"}
MEETING_NAMES = {MeetingKind.PARTY_COMMITTEE: "党委会议", MeetingKind.PARTY_GROUP: "党组会议"}
ANY_MEETING_NAME = f"{glossary.COMMITTEE}会议"


@dataclass(frozen=True)
class NoticeRow:
    unit: str
    name: str
    gender: str
    post: str
    route: str
    deeds: str

    @property
    def cells(self) -> tuple[str, ...]:
        """The row in the order of :data:`COLUMNS`."""
        return (self.unit, self.name, self.gender, self.post, self.route, self.deeds)


@dataclass(frozen=True)
class NoticeContent:
    title: str
    opening: str
    columns: tuple[str, ...]
    rows: tuple[NoticeRow, ...]
    start: datetime.date
    end: datetime.date
    working_days: int
    dates_line: str
    objection: str
    contacts: tuple[str, ...]
    issuing_body: str
    issued_on: datetime.date

    @property
    def issued_on_text(self) -> str:
        return chinese_date(self.issued_on)

    @property
    def closing(self) -> tuple[str, ...]:
        """The paragraphs after the table, in order."""
        return (self.dates_line, self.objection, *self.contacts)

    @property
    def text(self) -> str:
        """The whole notice as plain text (the table one row a line)."""
        lines = [self.title, self.opening, "\t".join(self.columns)]
        lines += ["\t".join(row.cells) for row in self.rows]
        lines += [*self.closing, self.issuing_body, self.issued_on_text]
        return "\n".join(lines)


def notice_candidates(notice: Notice):
    """The people the notice names: approved and not removed after an objection, by-rank
    first, then by category and rank."""
    return (
        Candidate.objects.kept()
        .filter(proposal_id=notice.proposal_id)
        .select_related("person", "category")
        .order_by(
            Case(When(route=Route.BY_RANK, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "category__sort_order",
            "category_id",
            "rank",
            "person__staff_id",
        )
    )


def notice_content(notice: Notice) -> NoticeContent:
    proposal = notice.proposal
    period, unit = proposal.period, proposal.unit
    with translation.override("zh-hans"):
        period_title = str(period.title)
    share = share_percent_of(period)
    rows = tuple(
        NoticeRow(
            unit=unit.name,
            name=candidate.name,
            gender=GENDER_LABELS.get(candidate.gender, ""),
            post=candidate.post,
            route=glossary.route(candidate.route == Route.BY_RANK, share),
            deeds=candidate.reason.strip() if candidate.route == Route.SPECIAL else "",
        )
        for candidate in notice_candidates(notice)
    )
    meeting = proposal.meetings.first()
    meeting_name = MEETING_NAMES.get(meeting.kind, ANY_MEETING_NAME) if meeting else ANY_MEETING_NAME
    start, end = chinese_date(notice.start), chinese_date(notice.end)
    contacts = [f"联系电话：{notice.phone}"]
    if notice.address:
        label = "电子邮箱" if "@" in notice.address else "通信地址"
        contacts.append(f"{label}：{notice.address}")
    return NoticeContent(
        title=f"关于{unit.name}{period_title}{glossary.EXEMPLAR}拟表彰人选的公示",
        opening=(
            f"根据全员绩效考核和{glossary.EXEMPLAR}评选有关规定，经个人绩效考核排名推荐和{unit.name}{meeting_name}"
            f"研究，确定{len(rows)}名同志为{period_title}{glossary.EXEMPLAR}拟表彰人选。"
            "为充分发扬民主、广泛接受监督，现将有关情况予以公示。"
        ),
        columns=COLUMNS,
        rows=rows,
        start=notice.start,
        end=notice.end,
        working_days=notice.working_days,
        dates_line=f"公示时间：{start}至{end}（{notice.working_days}个工作日）。",
        objection=(
            f"公示期间，如对公示人选有异议，请于{end}前以来电、来信或来访等方式向{notice.receiving_body}反映。"
            "反映情况应实事求是、客观公正，须署真实姓名并提供联系方式，匿名反映不予受理；"
            "对反映人和反映内容严格保密。"
        ),
        contacts=tuple(contacts),
        issuing_body=notice.issuing_body,
        issued_on=notice.issued_on,
    )


def notice_filename(notice: Notice, extension: str) -> str:
    """The title as a file name, e.g. ``关于市财政局2023年上半年绩效标兵拟表彰人选的公示.docx``."""
    title = notice_content(notice).title
    return "".join(c for c in title if c not in '\\/:*?"<>|') + "." + extension


# ----------------------------------------------------------------------------------------
# Word (.docx), laid out as a Chinese government notice (GB/T 9704 in spirit)
# ----------------------------------------------------------------------------------------

# Fonts every Windows, WPS and Office installation has; the notice is opened there.
# Column widths in millimetres, together the 156 mm between the margins.
# 单位 takes seven characters on one line, 姓名 four, 推荐类型 "排名前10%" (with the space
# Word and WPS put between Chinese and digits); the 事迹 wrap.
COLUMN_WIDTHS_MM = (34, 21, 13, 24, 28, 36)


def notice_docx(notice: Notice) -> bytes:
    """The notice as a Word document (.docx)."""

    content = notice_content(notice)
    document = official_document(title=content.title, author=content.issuing_body)
    document_title(document, content.title)

    paragraph(document, content.opening)

    table = document.add_table(rows=1, cols=len(content.columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    repeat_as_header(header)
    for cell, heading in zip(header.cells, content.columns, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(cell.paragraphs[0], heading, font=TABLE_HEADER_FONT, size=TABLE_PT)
    for row_content in content.rows:
        row = table.add_row()
        for index, (cell, text) in enumerate(zip(row.cells, row_content.cells, strict=True)):
            cell_paragraph = cell.paragraphs[0]
            # Short fields centred, the 事迹 as running text.
            cell_paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if index == 5 else WD_ALIGN_PARAGRAPH.CENTER
            if text:
                run(cell_paragraph, text, size=TABLE_PT)
        # A row is never split over two pages (the 事迹 of the notice are short).
        keep_row_together(row)
    for row in table.rows:
        for cell, width in zip(row.cells, COLUMN_WIDTHS_MM, strict=True):
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for column, width in zip(table.columns, COLUMN_WIDTHS_MM, strict=True):
        column.width = Mm(width)

    spacer = paragraph(document, indent=False)
    spacer.paragraph_format.line_spacing = Pt(LINE_PT / 2)
    closing = [paragraph(document, text) for text in content.closing]
    # The signature (落款) goes with the last lines of the text, never alone on a page.
    signature = [paragraph(document, indent=False), paragraph(document, indent=False)]
    signature += [
        paragraph(document, text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
        for text in (content.issuing_body, content.issued_on_text)
    ]
    for kept in [*closing[-2:], *signature[:-1]]:
        keep_with_next(kept)

    return docx_bytes(document)


# ----------------------------------------------------------------------------------------
# PDF, through the print template (also usable as an on-screen preview)
# ----------------------------------------------------------------------------------------

PRINT_TEMPLATE = "selection/notice_print.html"


def notice_html(notice: Notice, *, embed: bool = False) -> str:
    """The notice as HTML: a whole page for printing, or with ``embed`` only the
    ``<article>`` to place inside another page as a preview."""
    return render_to_string(PRINT_TEMPLATE, {"content": notice_content(notice), "embed": embed})


def notice_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF with the Chinese fonts embedded."""
    from weasyprint import HTML  # slow to import; only the PDF needs it

    html = notice_html(notice)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
