"""Rater quality pages: the city office sees the whole city (units ranked by leniency, the
flagged rater groups and raters), each unit's office its own unit (its leniency per category,
every rater group and rater); both with their charts and .xlsx downloads, and a line on the
statistics dashboard with what is flagged, so that the city office sees it before it trusts
a ranking."""

from collections.abc import Iterable

from django.shortcuts import get_object_or_404, render

from jixiao.assessment.models import Period
from jixiao.org.access import UNIT_OFFICE, city_admin_required, unit_role_required
from jixiao.reports import quality_charts, quality_flags, rater_quality
from jixiao.reports.exports import ExportColumn
from jixiao.reports.quality_flags import export_text
from jixiao.reports.rater_quality import Report
from jixiao.reports.tables import COUNT, PERCENT, Table
from jixiao.reports.views import xlsx_response

# The units the leniency chart names: the furthest from the city on either side.
CHART_UNITS = 24
# Flagged raters listed on the city's page (all of them in the .xlsx).
PAGE_RATERS = 300
POINTS = "+0.0;-0.0;0.0"


def _period(code: str) -> Period:
    return get_object_or_404(Period, code=code)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _share(value: float | None) -> float | None:
    return _round(value)


# ---------------------------------------------------------------------------------------
# The tables, as the pages show them and as .xlsx (headers in fixed Chinese, as every export)

UNIT_COLUMNS = (
    ExportColumn("单位", 28),
    ExportColumn("人员类别", 12),
    ExportColumn("被评价人数", 10, COUNT),
    ExportColumn("比较的评价得分数", 14, COUNT),
    ExportColumn("本单位平均得分率%", 16, PERCENT),
    ExportColumn("全市其他单位同类平均得分率%", 24, PERCENT),
    ExportColumn("宽严度（百分点）", 15, POINTS),
    ExportColumn("评价人数", 9, COUNT),
    ExportColumn("需核查的评价人", 13, COUNT),
    ExportColumn("需核查的评价主体", 15, COUNT),
    ExportColumn("核查提示", 30),
)
GROUP_COLUMNS = (
    ExportColumn("单位", 28),
    ExportColumn("评价主体", 14),
    ExportColumn("评价人数", 9, COUNT),
    ExportColumn("被评价人数", 10, COUNT),
    ExportColumn("评价得分数", 10, COUNT),
    ExportColumn("平均得分率%", 11, PERCENT),
    ExportColumn("与其他评价主体之差（百分点）", 26, POINTS),
    ExportColumn("标准差（百分点）", 15, PERCENT),
    ExportColumn("满分占比%", 10, PERCENT),
    ExportColumn("去掉的唯一最高分", 15, COUNT),
    ExportColumn("去掉的唯一最低分", 15, COUNT),
    ExportColumn("分数无差别的评价人", 17, COUNT),
    ExportColumn("需核查的评价人", 13, COUNT),
    ExportColumn("核查提示", 24),
)
RATER_COLUMNS = (
    ExportColumn("单位", 28),
    ExportColumn("评价主体", 14),
    ExportColumn("评价人", 14, "@"),
    ExportColumn("被评价人数", 10, COUNT),
    ExportColumn("评价得分数", 10, COUNT),
    ExportColumn("平均得分率%", 11, PERCENT),
    ExportColumn("与同组其他评价人之差（百分点）", 28, POINTS),
    ExportColumn("标准差（百分点）", 15, PERCENT),
    ExportColumn("最低得分率%", 11, PERCENT),
    ExportColumn("最高得分率%", 11, PERCENT),
    ExportColumn("满分占比%", 10, PERCENT),
    ExportColumn("参与去分的得分数", 15, COUNT),
    ExportColumn("去掉的唯一最高分", 15, COUNT),
    ExportColumn("去掉的唯一最低分", 15, COUNT),
    ExportColumn("随机情况下的期望次数", 19, "0.0"),
    ExportColumn("核查提示", 30),
)


def unit_rows(report: Report) -> Iterable[tuple]:
    for row in report.units + report.categories:
        yield (
            row.unit,
            row.category or "合计",
            row.people,
            row.scores,
            _round(row.mean_score),
            _round(row.city_mean),
            _round(row.leniency),
            row.raters if not row.category else None,
            row.flagged_raters if not row.category else None,
            row.flagged_groups if not row.category else None,
            export_text(row.flags),
        )


def group_rows(report: Report, groups) -> Iterable[tuple]:
    for g in groups:
        yield (
            report.unit_name(g.unit_id),
            report.group_name(g.group_id),
            g.raters,
            g.people,
            g.scores,
            _round(g.mean_score),
            _round(g.mean_offset),
            _round(g.spread),
            _share(g.full_marks_share),
            g.single_highest,
            g.single_lowest,
            g.identical_raters,
            g.flagged_raters,
            export_text(g.flags),
        )


def rater_rows(report: Report, raters) -> Iterable[tuple]:
    for r in raters:
        yield (
            report.unit_name(r.unit_id),
            report.group_name(r.group_id),
            r.rater,
            r.people,
            r.scores,
            _round(r.mean_score),
            _round(r.mean_offset),
            _round(r.spread),
            _round(r.lowest),
            _round(r.highest),
            _share(r.full_marks_share),
            r.trimmable,
            r.single_highest,
            r.single_lowest,
            _round(r.chance),
            export_text(r.flags),
        )


UNITS_TABLE = Table("units", "评分质量-单位宽严度", UNIT_COLUMNS, unit_rows)
GROUPS_TABLE = Table("groups", "评分质量-评价主体", GROUP_COLUMNS, group_rows)
RATERS_TABLE = Table("raters", "评分质量-评价人", RATER_COLUMNS, rater_rows)


def _all_raters(period: Period, report: Report, unit=None):
    """Every rater of the city (or the unit), the flagged ones first: read again from the
    database, the report keeps only the flagged ones of a city."""
    with rater_quality.measured(period, None if unit is None else [unit.pk]) as measured:
        flagged = [r for r in measured.raters() if r.flags]
        yield from rater_rows(report, flagged)
        yield from rater_rows(report, (r for r in measured.raters() if not r.flags))


# ---------------------------------------------------------------------------------------
# The pages


def _named(report: Report, items) -> list[dict]:
    """Raters or groups for a template: their figures, their unit's and group's names."""
    return [
        {
            **{name: getattr(item, name) for name in item.__dataclass_fields__},
            "unit": report.unit_name(item.unit_id),
            "group": report.group_name(item.group_id),
            "full_marks_share": item.full_marks_share,
        }
        for item in items
    ]


def _charts(report: Report, *, units: bool) -> dict:
    charts = {}
    if report.histogram:
        charts["offsets"] = quality_charts.offset_histogram(
            report.histogram,
            width=rater_quality.HISTOGRAM_WIDTH,
            limit=quality_flags.OFFSET_POINTS,
            outer=rater_quality.HISTOGRAM_LIMIT,
        )
    compared = [u for u in report.units if u.leniency is not None]
    if units and compared:
        furthest = sorted(compared, key=lambda u: -abs(u.leniency))[:CHART_UNITS]
        furthest.sort(key=lambda u: -u.leniency)
        charts["leniency"] = quality_charts.leniency_bars(
            [(u.unit, u.leniency, bool(u.flags)) for u in furthest],
            limit=quality_flags.UNIT_LENIENCY_POINTS,
        )
    return charts


def _thresholds() -> dict:
    return {
        name.lower(): getattr(quality_flags, name)
        for name in (
            "MIN_PEOPLE",
            "MIN_COMPARED",
            "OFFSET_POINTS",
            "FULL_MARKS_SHARE",
            "MIN_TRIMMABLE",
            "EXTREME_RATIO",
            "EXTREME_Z",
            "GROUP_OFFSET_POINTS",
            "UNIT_LENIENCY_POINTS",
        )
    }


@city_admin_required
def city(request, code):
    period = _period(code)
    report = rater_quality.report(period)
    return render(
        request,
        "reports/rater_quality_city.html",
        {
            "period": period,
            "periods": Period.objects.order_by("-start"),
            "report": report,
            "units": report.units,
            "raters": _named(report, report.raters[:PAGE_RATERS]),
            "groups": _named(report, report.groups),
            "more_raters": max(0, len(report.raters) - PAGE_RATERS),
            "charts": _charts(report, units=True),
            "thresholds": _thresholds(),
        },
    )


@unit_role_required(*UNIT_OFFICE)
def unit_page(request, code, unit):
    period = _period(code)
    report = rater_quality.report(period, unit)
    total = report.units[0] if report.units else None
    return render(
        request,
        "reports/rater_quality_unit.html",
        {
            "period": period,
            "unit": unit,
            "report": report,
            "total": total,
            "categories": report.categories,
            "groups": _named(report, report.groups),
            "raters": _named(report, report.raters),
            "charts": _charts(report, units=False),
            "thresholds": _thresholds(),
        },
    )


@city_admin_required
def dashboard_line(request, code):
    """What the statistics dashboard says of rater quality (loaded into it by htmx)."""
    period = _period(code)
    return render(
        request,
        "reports/_rater_quality_line.html",
        {"period": period, "report": rater_quality.report(period)},
    )


@unit_role_required(*UNIT_OFFICE)
def unit_line(request, code, unit):
    """What a unit's pages say of its rater quality (for its ranking page, by htmx)."""
    period = _period(code)
    report = rater_quality.report(period, unit)
    return render(
        request,
        "reports/_rater_quality_unit_line.html",
        {
            "period": period,
            "unit": unit,
            "report": report,
            "total": report.units[0] if report.units else None,
        },
    )


@city_admin_required
def city_units(request, code):
    period = _period(code)
    report = rater_quality.report(period)
    return xlsx_response(UNITS_TABLE, unit_rows(report), f"{period.code}{UNITS_TABLE.title}.xlsx")


@city_admin_required
def city_raters(request, code):
    period = _period(code)
    report = rater_quality.report(period)
    return xlsx_response(RATERS_TABLE, _all_raters(period, report), f"{period.code}{RATERS_TABLE.title}.xlsx")


@unit_role_required(*UNIT_OFFICE)
def unit_raters(request, code, unit):
    period = _period(code)
    report = rater_quality.report(period, unit)
    rows = rater_rows(report, sorted(report.raters, key=lambda r: not r.flags))
    return xlsx_response(RATERS_TABLE, rows, f"{period.code}{unit.name}{RATERS_TABLE.title}.xlsx")


@unit_role_required(*UNIT_OFFICE)
def unit_groups(request, code, unit):
    period = _period(code)
    report = rater_quality.report(period, unit)
    return xlsx_response(
        GROUPS_TABLE, group_rows(report, report.groups), f"{period.code}{unit.name}{GROUPS_TABLE.title}.xlsx"
    )
