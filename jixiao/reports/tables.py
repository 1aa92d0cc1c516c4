"""The statistics as tables: the same rows for the pages, the .xlsx downloads and the
half-year summary. Headers are fixed Chinese (a data format offices file and compare), as
in the other exports."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jixiao.assessment.models import Period
from jixiao.core import glossary
from jixiao.reports import exports, statistics
from jixiao.reports.exports import ExportColumn

PERCENT = "0.0"
COUNT = "0"
POINTS = "0.00"


@dataclass(frozen=True)
class Table:
    slug: str  # the download's name: units.xlsx
    title: str  # the sheet's and the section's title
    columns: tuple[ExportColumn, ...]
    rows: Callable[..., Iterable[tuple]]


def _breakdown_rows(rows: list[statistics.Row]) -> Iterable[tuple]:
    for row in [*rows, statistics.city_total(rows)]:
        yield (
            row.name or "合计",
            row.headcount,
            row.scored,
            row.coverage,
            row.vetoed,
            row.exemplars,
            row.by_rank,
            row.special,
            row.share,
        )


BREAKDOWN_COLUMNS = (
    ExportColumn("在册人数", 9, COUNT),
    ExportColumn("已考核", 8, COUNT),
    ExportColumn("考核覆盖率%", 11, PERCENT),
    ExportColumn(glossary.VETOED, 6, COUNT),
    ExportColumn(glossary.EXEMPLAR, 9, COUNT),
    ExportColumn(glossary.TOP_BY_RANK, 9, COUNT),
    ExportColumn(glossary.SPECIAL, 9, COUNT),
    ExportColumn("占在册人数%", 11, PERCENT),
)


def _box_rows(period: Period) -> Iterable[tuple]:
    for box in statistics.score_boxes(period):
        yield (
            box.category,
            box.count,
            box.minimum,
            box.lower_quartile,
            box.median,
            box.upper_quartile,
            box.maximum,
        )


def _histogram_rows(period: Period) -> Iterable[tuple]:
    width = statistics.HISTOGRAM_WIDTH
    for bar in statistics.score_histogram(period):
        yield bar.category, f"{bar.start}≤分<{bar.start + width}", bar.count


PERIOD_TABLES = {
    table.slug: table
    for table in (
        Table(
            "units",
            "按单位统计",
            (ExportColumn("单位", 30), *BREAKDOWN_COLUMNS),
            lambda period: _breakdown_rows(statistics.by_unit(period)),
        ),
        Table(
            "categories",
            f"按{glossary.CATEGORY}统计",
            (ExportColumn(glossary.CATEGORY, 14), *BREAKDOWN_COLUMNS),
            lambda period: _breakdown_rows(statistics.by_category(period)),
        ),
        Table(
            "vetoes",
            f"{glossary.VETO_REASON}统计",
            (ExportColumn(glossary.VETO_REASON, 36), ExportColumn("人数", 8, COUNT)),
            lambda period: ((t.label, t.count) for t in statistics.vetoes_by_reason(period)),
        ),
        Table(
            "distribution",
            "分数分布（箱线图）",
            (
                ExportColumn(glossary.CATEGORY, 14),
                ExportColumn("人数", 8, COUNT),
                ExportColumn("最低分", 9, POINTS),
                ExportColumn("下四分位", 9, POINTS),
                ExportColumn("中位数", 9, POINTS),
                ExportColumn("上四分位", 9, POINTS),
                ExportColumn("最高分", 9, POINTS),
            ),
            _box_rows,
        ),
        Table("exemplars", f"{glossary.EXEMPLAR}名单", exports.EXEMPLAR_COLUMNS, exports.exemplar_rows),
        Table("candidates", "候选人名单", exports.CANDIDATE_COLUMNS, exports.candidate_rows),
        Table("ranking", f"{glossary.PEER_GROUP}排名", exports.RANKING_COLUMNS, exports.ranking_rows),
        Table(
            "histogram",
            "分数分布（分段人数）",
            (ExportColumn(glossary.CATEGORY, 14), ExportColumn("分数段", 10), ExportColumn("人数", 8, COUNT)),
            _histogram_rows,
        ),
    )
}


def trend_rows(rows: list[statistics.PeriodRow]) -> Iterable[tuple]:
    for row in rows:
        yield (
            row.period.code,
            row.headcount,
            row.scored,
            row.coverage,
            row.exemplars,
            row.by_rank,
            row.special,
            row.share,
            row.units_with_exemplars,
        )


def _trend_rows(unit=None) -> Iterable[tuple]:
    return trend_rows(statistics.trend(unit))


TREND_COLUMNS = (
    ExportColumn(glossary.PERIOD, 10),
    ExportColumn("在册人数", 9, COUNT),
    ExportColumn("已考核", 8, COUNT),
    ExportColumn("考核覆盖率%", 11, PERCENT),
    ExportColumn(glossary.EXEMPLAR, 9, COUNT),
    ExportColumn(glossary.TOP_BY_RANK, 9, COUNT),
    ExportColumn(glossary.SPECIAL, 9, COUNT),
    ExportColumn("占在册人数%", 11, PERCENT),
    ExportColumn(f"有{glossary.EXEMPLAR}的单位数", 17, COUNT),
)

TREND_TABLES = {
    table.slug: table
    for table in (
        Table("trend", f"历次{glossary.PERIOD}统计", TREND_COLUMNS, _trend_rows),
        Table(
            "units-without",
            f"从未产生{glossary.EXEMPLAR}的单位",
            (
                ExportColumn("单位", 30),
                ExportColumn(f"参加{glossary.PERIOD}数", 12, COUNT),
                ExportColumn("累计考核人次", 12, COUNT),
                ExportColumn(f"名单未完成的{glossary.PERIOD}", 20),
            ),
            lambda: (
                (u.unit, u.periods, u.assessed, "、".join(u.in_progress))
                for u in statistics.units_never_with_exemplars()
            ),
        ),
        Table(
            "units-in-progress",
            f"尚无{glossary.EXEMPLAR}、名单未完成的单位",
            (ExportColumn("单位", 30), ExportColumn(f"名单未完成的{glossary.PERIOD}", 20)),
            lambda: ((u.unit, "、".join(u.in_progress)) for u in statistics.units_still_in_progress()),
        ),
        Table(
            "repeat-exemplars",
            f"多次获评{glossary.EXEMPLAR}人员",
            (
                ExportColumn("工号", 12, "@"),
                ExportColumn("姓名", 10),
                ExportColumn("单位", 30),
                ExportColumn("次数", 6, COUNT),
                ExportColumn(glossary.PERIOD, 30),
            ),
            lambda: (
                (p.staff_id, p.name, p.unit, p.times, "、".join(p.periods))
                for p in statistics.repeat_exemplars()
            ),
        ),
    )
}
