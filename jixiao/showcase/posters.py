"""Bulletin-board posters (公示栏 / 光荣榜): A4 or A3 portrait PDFs of published exemplars.

Each page has a title band with the period and the unit, a grid of cards (photo, name,
post, 事迹 shortened to fit, a QR code to the public profile) and a footer with the
issuing unit and page number. A city poster is every unit's poster in the city's order,
each unit starting on a page of its own, so each unit's board can be printed from it.
"""

from dataclasses import dataclass
from itertools import groupby

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period
from jixiao.core import glossary
from jixiao.core.jobs import Progress
from jixiao.core.text import chinese_date
from jixiao.org.models import Unit
from jixiao.selection.models import Proposal, ProposalState
from jixiao.showcase.errors import ShowcaseRefusal, ShowcaseRefused
from jixiao.showcase.public import PublicExemplar, of_unit, published_exemplars
from jixiao.showcase.rendering import PORTRAIT_SCHEME, profile_url, qr_data_uri, render_document


@dataclass(frozen=True)
class Paper:
    name: str
    columns: int
    rows: int
    # The 事迹 on a card are cut to this many characters (the QR code leads to the rest).
    achievements_chars: int

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


PAPERS = {"A4": Paper("A4", 2, 3, 96), "A3": Paper("A3", 3, 4, 110)}


def paper_named(name: str) -> Paper:
    paper = PAPERS.get((name or "A4").strip().upper())
    if paper is None:
        raise ShowcaseRefused(ShowcaseRefusal.UNKNOWN_PAPER, paper=name)
    return paper


def shorten(text: str, limit: int) -> str:
    """The text in at most ``limit`` characters, cut at the end of a sentence where one
    ends late enough, else with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(mark) for mark in "。！？；")
    if end >= limit * 2 // 3:
        return cut[: end + 1]
    return cut[: limit - 1] + "…"


@dataclass(frozen=True)
class PosterCard:
    name: str
    post: str
    unit: str
    category: str
    route_label: str
    special: bool
    achievements: str
    photo: str  # a ``portrait:`` URL, or "" for the drawn placeholder
    qr: str


@dataclass(frozen=True)
class PosterPage:
    unit: str
    cards: list[PosterCard]
    columns: int

    @property
    def rows(self) -> list[list[PosterCard | None]]:
        """The cards in rows of the paper's columns, the last row padded with ``None``."""
        cells = [*self.cards, *[None] * (-len(self.cards) % self.columns)]
        return [cells[i : i + self.columns] for i in range(0, len(cells), self.columns)]


def exemplars_of(period: Period, unit: Unit | None) -> list[PublicExemplar]:
    """The unit's (or the city's) published exemplars; refused when there are none."""
    exemplars = of_unit(published_exemplars(period), unit.pk if unit is not None else None)
    if not exemplars:
        where = unit.name if unit is not None else _("Whole city")
        raise ShowcaseRefused(ShowcaseRefusal.NOTHING_PUBLISHED, where=where, period=period.code)
    return exemplars


@dataclass(frozen=True)
class Board:
    """One unit's poster: the pages of its bulletin board."""

    unit: str
    issuer: str
    published_on: str
    pages: list[PosterPage]


def poster_boards(period: Period, unit: Unit | None, paper: Paper, base_url: str) -> list[Board]:
    """The boards of the unit, or of every unit with published exemplars, in the city's order."""
    # The body that issued the unit's notice issues its poster too, dated by the publication.
    published = {
        row["unit__name"]: row
        for row in Proposal.objects.filter(period=period, state=ProposalState.PUBLISHED).values(
            "unit__name", "notice__issuing_body", "published_at"
        )
    }
    boards = []
    with translation.override("zh-hans"):
        for unit_name, group in groupby(exemplars_of(period, unit), key=lambda e: e.unit):
            cards = [
                PosterCard(
                    name=e.name,
                    post=e.post,
                    unit=e.unit,
                    category=e.category,
                    route_label=str(e.route_label),
                    special=e.route == "special",
                    achievements=shorten(e.achievements, paper.achievements_chars),
                    photo=PORTRAIT_SCHEME + e.photo if e.photo else "",
                    qr=qr_data_uri(profile_url(base_url, period, e)),
                )
                for e in group
            ]
            row = published.get(unit_name, {})
            at = row.get("published_at")
            pages = [
                PosterPage(unit_name, cards[start : start + paper.per_page], paper.columns)
                for start in range(0, len(cards), paper.per_page)
            ]
            boards.append(
                Board(
                    unit=unit_name,
                    issuer=row.get("notice__issuing_body") or unit_name,
                    published_on=chinese_date(timezone.localdate(at) if at else timezone.localdate()),
                    pages=pages,
                )
            )
    return boards


def board_html(period: Period, board: Board, paper: Paper) -> str:
    with translation.override("zh-hans"):
        period_title = str(period.title)
    return render_to_string(
        "showcase/poster.html",
        {"paper": paper, "period_title": period_title, "board": board, "terms": glossary},
    )


def poster_pdf(
    period: Period, unit: Unit | None, paper: Paper, base_url: str, progress: Progress | None = None
) -> bytes:
    """The poster of a unit (or with ``unit=None`` of the whole city, each unit on pages of
    its own, numbered within the unit) as one PDF; ``progress(done, total)`` after each unit."""
    boards = poster_boards(period, unit, paper, base_url)
    documents = []
    for done, board in enumerate(boards, start=1):
        documents.append(render_document(board_html(period, board, paper)))
        if progress is not None:
            progress(done, len(boards))
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def poster_filename(period: Period, unit: Unit | None, paper: Paper) -> str:
    with translation.override("zh-hans"):
        period_title = str(period.title)
    where = unit.name if unit is not None else "全市"
    return f"{where}{period_title}{glossary.EXEMPLAR}{glossary.POSTER}-{paper.name}.pdf"
