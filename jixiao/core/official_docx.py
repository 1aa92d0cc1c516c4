"""Word documents laid out as Chinese government offices write them (GB/T 9704 in spirit):
A4, 仿宋 三号 body on a fixed 28 pt pitch, 黑体 titles, tables in 小四, page numbers as
``— 1 —``. Fonts are named with an explicit ``w:eastAsia``, which Word and WPS read for
Chinese text (python-docx's ``font.name`` sets only the Latin ones).
"""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

# Fonts every Windows, WPS and Office installation has; the documents are opened there.
TITLE_FONT = "黑体"  # 方正小标宋简体 is not installed everywhere; 黑体 in bold stands in.
BODY_FONT = "仿宋"
TABLE_HEADER_FONT = "黑体"
LATIN_FONT = "Times New Roman"
TITLE_PT = 22  # 二号
BODY_PT = 16  # 三号
TABLE_PT = 12  # 小四
FOOTER_PT = 14  # 四号
LINE_PT = 28  # fixed line pitch of the body


def set_fonts(element, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set the run or style fonts with an explicit ``w:eastAsia`` name, which Word and WPS
    read for Chinese text (python-docx's ``font.name`` sets only the Latin ones)."""

    r_pr = element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, fonts)
    for attribute, value in (("ascii", latin), ("hAnsi", latin), ("cs", latin), ("eastAsia", east_asian)):
        fonts.set(qn(f"w:{attribute}"), value)
    fonts.set(qn("w:hint"), "eastAsia")


def run(paragraph, text: str, *, font: str = BODY_FONT, size: int = BODY_PT, bold: bool = False):
    """A run of text in the paragraph, in the font and size given (body: 仿宋 三号)."""
    added = paragraph.add_run(text)
    added.font.size = Pt(size)
    added.font.bold = bold
    set_fonts(added._r, font)
    return added


def paragraph(
    container, text: str = "", *, indent: bool = True, align=None, right_chars: int = 0, **run_args
):
    """A body paragraph on the fixed line pitch, indented two characters unless told not."""
    new = container.add_paragraph()
    layout = new.paragraph_format
    layout.space_before = layout.space_after = Pt(0)
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = Pt(LINE_PT)
    size = run_args.get("size", BODY_PT)
    if indent:
        layout.first_line_indent = Pt(2 * size)
        # In characters too, so the indent follows the font size in Word and WPS.
        layout._element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
    if right_chars:
        layout.right_indent = Pt(right_chars * size)
    if align is not None:
        new.alignment = align
    if text:
        run(new, text, **run_args)
    return new


def repeat_as_header(row) -> None:
    """The table row is repeated at the top of every page the table runs over."""
    tr_pr = row._tr.get_or_add_trPr()
    header = tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    tr_pr.append(header)


def keep_with_next(paragraph_) -> None:
    """The paragraph stays on the page of the one after it (a signature never stands alone)."""
    paragraph_.paragraph_format.keep_with_next = True


def keep_row_together(row) -> None:
    """The row is never split across two pages."""
    row._tr.get_or_add_trPr().append(row._tr.makeelement(qn("w:cantSplit"), {qn("w:val"): "true"}))


def page_number_footer(section) -> None:
    """``— 1 —`` centred at the foot of every page."""
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(footer, "— ", font="宋体", size=FOOTER_PT)
    field = footer._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): "PAGE"})
    footer._p.append(field)
    number = run(footer, "1", font="宋体", size=FOOTER_PT)
    field.append(number._r)  # moves the run inside the field as its cached result
    run(footer, " —", font="宋体", size=FOOTER_PT)


# The font table Word, WPS and LibreOffice read to find (or stand in for) each font: the
# Chinese fonts of official documents with their GB2312 charset and English names, in place
# of the template's Japanese defaults.
FONT_TABLE = (
    ("Times New Roman", "", "00", "roman", "02020603050405020304"),
    ("仿宋", "FangSong", "86", "modern", "02010609060101010101"),
    ("黑体", "SimHei", "86", "modern", "02010609060101010101"),
    ("宋体", "SimSun", "86", "auto", "02010600030101010101"),
)


def font_table_xml() -> bytes:
    entries = "".join(
        f'<w:font w:name="{name}">'
        + (f'<w:altName w:val="{alternative}"/>' if alternative else "")
        + f'<w:panose1 w:val="{panose}"/><w:charset w:val="{charset}"/><w:family w:val="{family}"/>'
        '<w:pitch w:val="variable"/></w:font>'
        for name, alternative, charset, family, panose in FONT_TABLE
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"{entries}</w:fonts>"
    ).encode()


def chinese_defaults(document) -> None:
    """The document's defaults Chinese: fonts (the template's East Asian theme font is
    Japanese), the languages (Latin text, digits among it, as en-US: under zh-CN LibreOffice
    breaks a line inside "2025" or before the "%" of "10%"; Chinese text as zh-CN), and the
    font table."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:rFonts", "w:lang"):
        for old in run_defaults.findall(qn(tag)):
            run_defaults.remove(old)
    fonts = run_defaults.makeelement(qn("w:rFonts"), {})
    for attribute, value in (
        ("ascii", LATIN_FONT),
        ("hAnsi", LATIN_FONT),
        ("cs", LATIN_FONT),
        ("eastAsia", BODY_FONT),
    ):
        fonts.set(qn(f"w:{attribute}"), value)
    run_defaults.insert(0, fonts)
    run_defaults.append(
        run_defaults.makeelement(qn("w:lang"), {qn("w:val"): "en-US", qn("w:eastAsia"): "zh-CN"})
    )
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            rel.target_part._blob = font_table_xml()


def official_document(*, title: str, author: str):
    """A new A4 portrait document with the margins and the Normal style of an official
    document, its properties set, and ``— n —`` page numbers in the footer."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)

    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element, BODY_FONT)
    # The template's defaults (10 pt after every paragraph, 1.15 lines, English) would
    # pad every table cell; the body paragraphs set their own fixed pitch.
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    # Latin text (digits among it) in English, Chinese in Chinese: see chinese_defaults.
    language = normal.element.get_or_add_rPr().makeelement(
        qn("w:lang"), {qn("w:val"): "en-US", qn("w:eastAsia"): "zh-CN"}
    )
    normal.element.get_or_add_rPr().append(language)
    chinese_defaults(document)

    properties = document.core_properties
    properties.title = title
    properties.author = author
    properties.comments = ""
    page_number_footer(section)
    return document


def document_title(document, text: str) -> None:
    """The centred 二号 黑体 title, a line's space under it."""
    title = paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title.paragraph_format.line_spacing = Pt(TITLE_PT * 1.6)
    title.paragraph_format.space_after = Pt(LINE_PT)
    run(title, text, font=TITLE_FONT, size=TITLE_PT, bold=True)


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
