"""The slips of issued codes: on the page that issues them, as an A4 PDF of cut-apart slips
and as an .xlsx list for the unit.

A code exists in plain text only when it is issued: the page that issues it shows it and
carries the codes back in its download forms. A download is made only of codes that are,
right now, this round's usable codes (their keyed hash is stored for the round, they are not
submitted, not re-issued since): nobody makes slips of codes they do not hold, and nothing
plain is stored on the way — the QR codes are drawn for each request and kept nowhere.

The PDF and the .xlsx are printed Chinese documents for the raters and the unit's office:
their text is fixed Chinese, like the posters' and the exports' headers.
"""

import io
from dataclasses import dataclass, field
from urllib.parse import urljoin

import segno
import xlsxwriter
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from jixiao.core.sheets import print_setup
from jixiao.rating import codes
from jixiao.rating.actions import MAX_CODES_PER_BATCH
from jixiao.rating.models import BatchScope, RatingBatch, RatingCode, RatingRound, RoundState
from jixiao.reports.exports import escape_formula
from jixiao.showcase.rendering import render_document

SLIPS_PER_PAGE = 10  # two columns of five rows on an A4 sheet
COLUMNS = 2
SHEETS_PER_DOCUMENT = 10
LISTED_NAMES_SHOWN = 6
QR_SCALE = 5  # pixels a module: 165 pixels across for a URL's QR code, printed 24 mm wide  # a slip names at most this many of the people it scores
XLSX_HEADERS = ("序号", "考核码", "评价主体", "持有人", "评价范围", "评分地址")
XLSX_WIDTHS = (7, 13, 12, 10, 36, 52)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rating_address(base_url: str, round_: RatingRound) -> str:
    """The round's rating page (``/rate/<key>/``), as printed on the slips to type by hand."""
    return urljoin(base_url, reverse("rating:enter_round", args=[round_.key]))


def code_address(base_url: str, round_: RatingRound, text: str) -> str:
    """Where a slip's QR code leads: the rating page with the code filled in."""
    return f"{rating_address(base_url, round_)}?code={codes.shown(text)}"


@dataclass
class Slip:
    number: int
    code: str  # as printed: ABCD-EFGH
    group: str
    label: str
    unit: str
    category: str
    holder: str  # a bound code's holder, else ""
    everyone: bool  # scores everyone of the unit and category (else the people listed)
    listed: list[str] = field(default_factory=list)  # the names of the people listed
    url: str = ""  # the QR code's target

    @property
    def qr(self) -> str:
        """The QR code of the slip's address, made for this request only: a PNG data URI
        with 5 pixels a module, drawn with sharp edges (``image-rendering: pixelated``).
        WeasyPrint lays out and paints a PNG ten times faster than the same code as SVG."""
        return segno.make(self.url, error="m", micro=False).png_data_uri(scale=QR_SCALE, border=0)

    @property
    def listed_shown(self) -> str:
        names = "、".join(self.listed[:LISTED_NAMES_SHOWN])
        if len(self.listed) > LISTED_NAMES_SHOWN:
            names += f"等{len(self.listed)}人"
        return names

    def scope_text(self) -> str:
        """Whom the code scores, in the documents' Chinese."""
        if self.everyone:
            text = f"{self.unit}全体{self.category}"
            return text + "（本人除外）" if self.holder else text
        return f"{self.unit}：{self.listed_shown}"


class NotUsable(Exception):
    """Some codes sent back are not usable codes of the round: no file is made."""

    def __init__(self, count: int):
        self.count = count
        self.message = ngettext(
            "%(count)s of the codes is not a usable code of this round (mistyped, submitted or "
            "re-issued since): no slips were made.",
            "%(count)s of the codes are not usable codes of this round (mistyped, submitted or "
            "re-issued since): no slips were made.",
            count,
        ) % {"count": count}
        super().__init__(self.message)


def split_codes(text: str) -> list[str]:
    """The codes a download form carries (one field, the codes separated by spaces)."""
    return text.split()


def usable_codes(round_: RatingRound, texts: list[str]) -> list[tuple[RatingCode, str]]:
    """The codes sent back, each with its stored code, if every one is a usable code of the
    round (its hash stored for the round, not submitted); ``NotUsable`` otherwise."""
    if not texts or len(texts) > MAX_CODES_PER_BATCH:
        raise NotUsable(max(len(texts), 1))
    typed = [codes.normalize(text) for text in texts]
    wrong = sum(1 for text in typed if text is None)
    unique = list(dict.fromkeys(text for text in typed if text is not None))
    if round_.state == RoundState.COUNTED:
        raise NotUsable(len(texts))
    by_hash = {codes.code_hash(text): text for text in unique}
    found = list(
        RatingCode.objects.filter(round=round_, code_hash__in=list(by_hash), submitted_at__isnull=True)
        .select_related("batch__unit", "group", "person")
        .order_by("slip_number")
    )
    wrong += len(unique) - len(found)
    if wrong:
        raise NotUsable(wrong)
    return [(code, by_hash[code.code_hash]) for code in found]


def make_slips(round_: RatingRound, issued: list[tuple[RatingCode, str]], base_url: str) -> list[Slip]:
    """The slips of the codes (stored code, plain text), in the order of their numbers."""
    batch_ids = {code.batch_id for code, _text in issued}
    listed: dict[int, list[str]] = {}
    rated = (
        RatingBatch.rated.through.objects.filter(ratingbatch_id__in=batch_ids)
        .order_by("ratingbatch_id", "rosterentry_id")
        .values_list("ratingbatch_id", "rosterentry__name")
    )
    for batch_id, name in rated:
        listed.setdefault(batch_id, []).append(name)
    category = round_.category.name
    slips = [
        Slip(
            number=code.slip_number,
            code=codes.shown(text),
            group=code.group.name,
            label=code.batch.label,
            unit=code.batch.unit.name,
            category=category,
            holder=code.person.name if code.person_id else "",
            everyone=code.batch.scope == BatchScope.ALL,
            listed=listed.get(code.batch_id, []),
            url=code_address(base_url, round_, text),
        )
        for code, text in issued
    ]
    return sorted(slips, key=lambda slip: slip.number)


def slip_range(slips: list[Slip]) -> str:
    numbers = [slip.number for slip in slips]
    first, last = min(numbers), max(numbers)
    return str(first) if first == last else f"{first}-{last}"


# ----------------------------------------------------------------------------------------
# The PDF
# ----------------------------------------------------------------------------------------


def pages_of(slips: list[Slip]) -> list[list[list[Slip | None]]]:
    """The slips on A4 sheets: each sheet rows of ``COLUMNS``, the last row filled up."""
    pages = []
    for start in range(0, len(slips), SLIPS_PER_PAGE):
        page = slips[start : start + SLIPS_PER_PAGE]
        rows = [page[i : i + COLUMNS] for i in range(0, len(page), COLUMNS)]
        rows[-1] = rows[-1] + [None] * (COLUMNS - len(rows[-1]))
        pages.append(rows)
    return pages


def slips_pdf(round_: RatingRound, slips: list[Slip], base_url: str) -> bytes:
    """The slips on A4 sheets. Laid out ``SHEETS_PER_DOCUMENT`` sheets at a time and the
    pages put together, so that the time grows with the number of slips, no faster (one
    long document slows WeasyPrint down more than in proportion)."""
    context = {
        "round": round_,
        "address": rating_address(base_url, round_),
        "closes_at": timezone.localtime(round_.closes_at),
    }
    sheets = pages_of(slips)
    documents = [
        render_document(
            render_to_string(
                "rating/slips_print.html", {**context, "pages": sheets[start : start + SHEETS_PER_DOCUMENT]}
            )
        )
        for start in range(0, len(sheets), SHEETS_PER_DOCUMENT)
    ]
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def slips_filename(round_: RatingRound, slips: list[Slip], suffix: str) -> str:
    return f"{round_.name}-考核码{slip_range(slips)}.{suffix}"


# ----------------------------------------------------------------------------------------
# The .xlsx list
# ----------------------------------------------------------------------------------------


def slips_xlsx(round_: RatingRound, slips: list[Slip]) -> bytes:
    """One row per code: 序号, 考核码, 评价主体, 持有人, 评价范围, 评分地址 (the QR code's
    address, with the code). Text that a spreadsheet would run as a formula is escaped."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("考核码")
    header = workbook.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    mono = workbook.add_format({"num_format": "@", "font_name": "Consolas", "bold": True})
    for index, (title, width) in enumerate(zip(XLSX_HEADERS, XLSX_WIDTHS, strict=True)):
        sheet.set_column(index, index, width, mono if index == 1 else text)
        sheet.write_string(0, index, title, header)
    for row, slip in enumerate(slips, start=1):
        group = f"{slip.group}（{slip.label}）" if slip.label else slip.group
        sheet.write_number(row, 0, slip.number)
        for index, value in enumerate((slip.code, group, slip.holder, slip.scope_text(), slip.url), start=1):
            if value:
                sheet.write_string(row, index, escape_formula(value))
    sheet.freeze_panes(1, 0)
    closes = timezone.localtime(round_.closes_at).strftime("%Y-%m-%d %H:%M")
    print_setup(sheet, list(XLSX_WIDTHS), f"{round_.name} 考核码（截止 {closes}）")
    workbook.close()
    return buffer.getvalue()
