"""The product's terms: one name for each thing, on every page, document and export.

Documents (the publicity notice, the half-year summary, the WeChat article, the posters)
and exported files (their column headers and labels, a data format other programs read)
are fixed Chinese and take their words from the constants below. The interface is
translated: its msgids are English and their zh-hans translations use the same words;
the ``*_LABEL`` constants are those msgids for the terms a model or a page shows as a label
(``tests/unit/test_glossary.py`` checks that each translates to its Chinese term).

=================  ==========================  ==============================================
中文               English                     what it names
=================  ==========================  ==============================================
考核期             period                      a half-year of assessment (2023H1 …)
花名册             roster                      the people assessed in a period, by unit; never
                                               "名册"
人员类别           personnel category          一般干部, 中层干部 …: people compete only within
                                               their category
同类人员           peer group                  the people of a period in the same unit (or unit
                                               tree, or city) and category; a column names
                                               rank and size in it 组内排名 / 组内人数
分数 / 总分        scores / total              what a person was given; the period total;
                                               never "成绩"
否决               vetoed                      a veto reason removes a person from both routes
                                               (否决事由: the reason)
排名前10%          top 10% by rank             the route by rank, with the period's own share
                                               (排名前12.5% …): wherever a person's route or
                                               result is shown and the period is known
排名前列           top by rank                 the same route where no share is at hand: the
                                               heading of a count of such people, a choice
                                               label; never 排名入选 / 排名靠前
突出贡献           outstanding contribution    the other route, by special nomination
                                               (突出贡献推荐, with its written reason)
未入选             not selected                ranked, not vetoed, outside the top share
推荐类型           route                       the column that names the route
绩效标兵           performance exemplar        approved, through the publicity, published;
                                               never "标兵" alone
党委（党组）       (party) committee           the unit's committee that decides the list;
                                               its meeting is a 党委会 or a 党组会
公示               publicity                   the notice that runs N working days
光荣榜             bulletin-board poster       the A4/A3 PDF of exemplars; never "海报"
滚动大屏           big screen                  the full-screen rotating page
=================  ==========================  ==============================================

This module is at the bottom of the layers: it imports nothing of the other apps.
"""

from decimal import Decimal

from django.utils.translation import gettext, gettext_lazy

from jixiao.core.text import plain_decimal

# ---------------------------------------------------------------------------------------
# The terms in fixed Chinese: documents and exported files
# ---------------------------------------------------------------------------------------

PERIOD = "考核期"
ROSTER = "花名册"
CATEGORY = "人员类别"
PEER_GROUP = "同类人员"
RANK_IN_GROUP = "组内排名"
GROUP_SIZE = "组内人数"
TOTAL = "总分"
VETOED = "否决"
VETO_REASON = "否决事由"
TOP_BY_RANK = "排名前列"
SPECIAL = "突出贡献"
NOT_SELECTED = "未入选"
ROUTE = "推荐类型"
EXEMPLAR = "绩效标兵"
COMMITTEE = "党委（党组）"
PUBLICITY = "公示"
POSTER = "光荣榜"
BIG_SCREEN = "滚动大屏"


def top_share(share_percent) -> str:
    """``排名前10%``: the route by rank with the period's share, written as people write it
    (``12.5``, not ``12.50``)."""
    return f"排名前{_share(share_percent)}%"


def route(by_rank: bool, share_percent=None) -> str:
    """The route of a person in a document or an export: ``排名前10%`` (``排名前列`` without
    a share) or ``突出贡献``."""
    if not by_rank:
        return SPECIAL
    return TOP_BY_RANK if share_percent is None else top_share(share_percent)


# ---------------------------------------------------------------------------------------
# The same terms in the interface (msgids; their zh-hans translation is the term above)
# ---------------------------------------------------------------------------------------

PERIOD_LABEL = gettext_lazy("period")
ROSTER_LABEL = gettext_lazy("roster")
CATEGORY_LABEL = gettext_lazy("personnel category")
VETOED_LABEL = gettext_lazy("vetoed")
TOP_BY_RANK_LABEL = gettext_lazy("top by rank")
# The ranking's result "eligible by rank" is the same route, with the same Chinese term.
ELIGIBLE_BY_RANK_LABEL = gettext_lazy("eligible by rank")
SPECIAL_LABEL = gettext_lazy("outstanding contribution")
NOT_SELECTED_LABEL = gettext_lazy("not selected")
ROUTE_LABEL = gettext_lazy("route")
EXEMPLAR_LABEL = gettext_lazy("Performance exemplar")

# Each label and the Chinese it translates to.
TERMS = (
    (PERIOD_LABEL, PERIOD),
    (ROSTER_LABEL, ROSTER),
    (CATEGORY_LABEL, CATEGORY),
    (VETOED_LABEL, VETOED),
    (TOP_BY_RANK_LABEL, TOP_BY_RANK),
    (ELIGIBLE_BY_RANK_LABEL, TOP_BY_RANK),
    (SPECIAL_LABEL, SPECIAL),
    (NOT_SELECTED_LABEL, NOT_SELECTED),
    (ROUTE_LABEL, ROUTE),
    (EXEMPLAR_LABEL, EXEMPLAR),
)


# Words the product does not use, with what it writes instead (checked over the catalogue, the
# documents and the exported headers by tests/unit/test_glossary.py).
AVOIDED = (
    (r"排名入选|排名靠前", f"{TOP_BY_RANK} / 排名前10%"),
    (r"(?<!花)名册", ROSTER),
    (r"(?<!绩效)标兵", EXEMPLAR),
    (r"党委(?!（党组）|会)", COMMITTEE),
    (r"成绩", "分数"),
    (r"海报", POSTER),
)


def top_share_label(share_percent) -> str:
    """``排名前10%`` in the interface's language (``top 10% by rank``)."""
    return gettext("top %(share)s%% by rank") % {"share": _share(share_percent)}


def route_label(by_rank: bool, share_percent=None) -> str:
    """The route of a person on a page: with the period's share where it is known."""
    if not by_rank:
        return str(SPECIAL_LABEL)
    return str(TOP_BY_RANK_LABEL) if share_percent is None else top_share_label(share_percent)


def _share(share_percent) -> str:
    if isinstance(share_percent, Decimal):
        return plain_decimal(share_percent)
    return str(share_percent)
