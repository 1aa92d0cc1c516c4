"""The half-year summary (.docx) the organisation department reports upward: the city's
figures in words, a table per breakdown and the charts as images, laid out as an official
document (title, numbered sections in 黑体, 仿宋 body). Its wording is Chinese, written
once here: it is a document, not the interface."""

import io

from django.conf import settings
from django.utils import timezone, translation
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Mm

from jixiao.assessment.models import Period
from jixiao.core import glossary
from jixiao.core.official_docx import (
    TABLE_HEADER_FONT,
    TITLE_FONT,
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
from jixiao.reports import charts, statistics
from jixiao.reports.tables import PERIOD_TABLES, TREND_TABLES, trend_rows
from jixiao.selection.models import share_percent_of

TABLE_PT = 10.5  # 五号: the breakdown tables have nine columns
CHART_WIDTH = Cm(15.5)
TEXT_WIDTH_MM = 156  # between the margins of an official document
NUMBERS = "一二三四五六七八九十"


def issuer() -> str:
    """The summary's signature: the city's organisation department and assessment office as
    the settings name them (市委组织部（市考核办） where they name none)."""
    organisation, office = settings.JIXIAO_ORGANISATION, settings.JIXIAO_ASSESSMENT_OFFICE
    if organisation and office:
        return f"{organisation}（{office}）"
    return organisation or office or "市委组织部（市考核办）"


def _period_title(period: Period) -> str:
    with translation.override("zh-hans"):
        return str(period.title)


def _number(value) -> str:
    return "—" if value is None else f"{value}"


def _heading(document, number: int, text: str) -> None:
    paragraph(document, f"{NUMBERS[number - 1]}、{text}", font=TITLE_FONT)


# At 五号 a Chinese character is 3.7 mm wide, a digit or letter about half that; a cell pads
# its text by 1.9 mm on either side.
CJK_MM, LATIN_MM, CELL_PADDING_MM = 3.7, 2.0, 3.8


def text_width_mm(text: str) -> float:
    return sum(CJK_MM if ord(ch) > 0x2E7F else LATIN_MM for ch in text)


def column_widths(headers: list[str], rows: list[list[str]]) -> list[float]:
    """Columns as wide as their longest entry asks (a header may take two lines), spread
    over the page's width; a table with more than fits shares the width in proportion."""
    needs = [
        max([text_width_mm(header) / 2, *(text_width_mm(row[index]) for row in rows)]) + CELL_PADDING_MM
        for index, header in enumerate(headers)
    ]
    return [TEXT_WIDTH_MM * need / sum(needs) for need in needs]


class Tables:
    """The document's tables, numbered in order: 表1, 表2 … (the text refers to them so)."""

    def __init__(self, document):
        self.document = document
        self.count = 0

    def next_number(self) -> int:
        return self.count + 1

    def add(self, table, rows) -> None:
        """A numbered, captioned breakdown table: columns as wide as their content asks (the
        sheet's widths, scaled to the page), a repeated header row, rows never split, numbers
        centred."""
        self.count += 1
        document = self.document
        caption = paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        run(caption, f"表{self.count}  {table.title}", font=TABLE_HEADER_FONT, size=TABLE_PT + 1.5)
        keep_with_next(caption)
        rows = [[_number(value) for value in values] for values in rows]
        widths = column_widths([column.header for column in table.columns], rows)
        grid = document.add_table(rows=1, cols=len(table.columns))
        grid.style = document.styles["Table Grid"]
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        grid.autofit = False
        repeat_as_header(grid.rows[0])
        for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            run(cell.paragraphs[0], column.header, font=TABLE_HEADER_FONT, size=TABLE_PT)
        for values in rows:
            row = grid.add_row()
            keep_row_together(row)
            for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.paragraphs[0].alignment = (
                    WD_ALIGN_PARAGRAPH.LEFT if index == 0 else WD_ALIGN_PARAGRAPH.CENTER
                )
                run(cell.paragraphs[0], value, size=TABLE_PT)
        for index, width in enumerate(widths):
            grid.columns[index].width = Mm(width)
            for cell in grid.columns[index].cells:
                cell.width = Mm(width)
        paragraph(document, indent=False)


def _chart(document, png: bytes) -> None:
    holder = paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    holder.paragraph_format.line_spacing = None  # an image needs its own height, not the pitch
    holder.add_run().add_picture(io.BytesIO(png), width=CHART_WIDTH)


def summary_docx(period: Period) -> bytes:
    title_period = _period_title(period)
    units = statistics.by_unit(period)
    categories = statistics.by_category(period)
    city = statistics.city_total(units)
    vetoes = statistics.vetoes_by_reason(period)
    boxes = statistics.score_boxes(period)
    # The comparison looks back: this period and the ones before it.
    history = [row for row in statistics.trend() if row.period.start <= period.start]
    share = glossary.top_share(share_percent_of(period))
    with_exemplars = sum(1 for unit in units if unit.exemplars)

    title = f"关于{title_period}全员绩效考核和{glossary.EXEMPLAR}评选情况的报告"
    document = official_document(title=title, author=issuer())
    tables = Tables(document)
    document_title(document, title)
    paragraph(
        document,
        f"按照全员绩效考核和{glossary.EXEMPLAR}评选有关规定，{title_period}全市各单位组织开展了全员绩效考核，"
        f"经个人绩效考核排名推荐、单位{glossary.COMMITTEE}研究决定和公示，评选产生了{glossary.EXEMPLAR}。现将有关情况报告如下。",
    )

    _heading(document, 1, "总体情况")
    paragraph(
        document,
        f"全市{len(units)}个单位共有在册人员{city.headcount}名，完成考核{city.scored}名，"
        f"考核覆盖率{_number(city.coverage)}%；因{glossary.VETO_REASON}不参加评选{city.vetoed}名。"
        f"共评选出{glossary.EXEMPLAR}{city.exemplars}名，占在册人数的{_number(city.share)}%，"
        f"其中{share}的{city.by_rank}名、{glossary.SPECIAL}的{city.special}名，分布在{with_exemplars}个单位。",
    )

    _heading(document, 2, "各单位情况")
    paragraph(document, f"各单位在册、考核和{glossary.EXEMPLAR}情况见表{tables.next_number()}。")
    tables.add(PERIOD_TABLES["units"], PERIOD_TABLES["units"].rows(period))
    top = sorted((u for u in units if u.exemplars), key=lambda u: (-u.exemplars, u.key))[:15]
    if top:
        _chart(
            document,
            charts.bar_chart(
                [u.name for u in top],
                [u.exemplars for u in top],
                title=f"{glossary.EXEMPLAR}人数（前15个单位）",
            ),
        )

    _heading(document, 3, f"分{glossary.CATEGORY}情况")
    paragraph(document, f"各{glossary.CATEGORY}的考核和{glossary.EXEMPLAR}情况见表{tables.next_number()}。")
    tables.add(PERIOD_TABLES["categories"], PERIOD_TABLES["categories"].rows(period))
    if categories:
        _chart(
            document,
            charts.stacked_bars(
                [c.name for c in categories],
                {share: [c.by_rank for c in categories], glossary.SPECIAL: [c.special for c in categories]},
                title=f"各{glossary.CATEGORY}{glossary.EXEMPLAR}人数",
            ),
        )

    _heading(document, 4, "否决情况")
    if vetoes:
        listed = "；".join(f"{t.label}{t.count}名" for t in vetoes)
        paragraph(
            document,
            f"全市因{glossary.VETO_REASON}不参加评选{city.vetoed}名，其中{listed}（见表{tables.next_number()}）。",
        )
        tables.add(PERIOD_TABLES["vetoes"], PERIOD_TABLES["vetoes"].rows(period))
    else:
        paragraph(document, f"本{glossary.PERIOD}全市无因{glossary.VETO_REASON}不参加评选的人员。")

    _heading(document, 5, "分数分布")
    paragraph(
        document,
        f"各{glossary.CATEGORY}考核总分的分布（最低分、四分位数、中位数、最高分）见表{tables.next_number()}。",
    )
    tables.add(PERIOD_TABLES["distribution"], PERIOD_TABLES["distribution"].rows(period))
    if boxes:
        stats = [
            {
                "whislo": float(b.minimum),
                "q1": float(b.lower_quartile),
                "med": float(b.median),
                "q3": float(b.upper_quartile),
                "whishi": float(b.maximum),
            }
            for b in boxes
        ]
        _chart(
            document,
            charts.box_plot([b.category for b in boxes], stats, title=f"各{glossary.CATEGORY}考核总分分布"),
        )

    if len(history) > 1:
        _heading(document, 6, f"历次{glossary.PERIOD}对比")
        paragraph(document, f"本{glossary.PERIOD}与此前各{glossary.PERIOD}的对比见表{tables.next_number()}。")
        tables.add(TREND_TABLES["trend"], trend_rows(history))
        _chart(
            document,
            charts.line_chart(
                [r.period.code for r in history],
                {
                    glossary.EXEMPLAR: [r.exemplars for r in history],
                    glossary.SPECIAL: [r.special for r in history],
                },
                title=f"历次{glossary.PERIOD}{glossary.EXEMPLAR}人数",
            ),
        )

    # The signature (落款) goes with what comes before it, never alone on a page.
    keep_with_next(document.paragraphs[-1])
    keep_with_next(paragraph(document, indent=False))
    signature = [
        paragraph(document, text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
        for text in (issuer(), chinese_date(timezone.localdate()))
    ]
    keep_with_next(signature[0])
    return docx_bytes(document)


def summary_filename(period: Period) -> str:
    return f"{_period_title(period)}全员绩效考核和{glossary.EXEMPLAR}评选情况报告.docx"
