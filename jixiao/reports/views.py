"""The statistics pages: the city's dashboard of a period, the trends across periods, a
unit's history; every table also as .xlsx, the half-year summary as .docx.

Charts are drawn by ECharts from the same figures the tables show (``json_script``); the
tables stay on the page, so it reads without script and prints.
"""

import tempfile
from pathlib import Path

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from jixiao.assessment.models import Period
from jixiao.org.access import UNIT_OFFICE, city_admin_required, unit_role_required
from jixiao.reports import statistics
from jixiao.reports.exports import write_xlsx
from jixiao.reports.summary import summary_docx, summary_filename
from jixiao.reports.tables import PERIOD_TABLES, TREND_TABLES, Table
from jixiao.reports.unit_tables import UNIT_TABLES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The units and reasons a bar chart names (the rest are in the table below it).
CHART_UNITS = 20
CHART_REASONS = 15


def xlsx_response(table: Table, rows, filename: str) -> HttpResponse:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.xlsx"
        write_xlsx(path, table.columns, rows, title=table.title)
        response = HttpResponse(path.read_bytes(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _tally(items, label="label", count="count") -> list[list]:
    return [[getattr(item, label), getattr(item, count)] for item in items]


@city_admin_required
def dashboard(request, code):
    period = get_object_or_404(Period, code=code)
    units = statistics.by_unit(period)
    categories = statistics.by_category(period)
    city = statistics.city_total(units)
    vetoes = statistics.vetoes_by_reason(period)
    boxes = statistics.score_boxes(period)
    bars = statistics.score_histogram(period)
    top_units = sorted((u for u in units if u.exemplars), key=lambda u: (-u.exemplars, u.key))[:CHART_UNITS]
    charts = {
        "units": [[u.name, u.exemplars] for u in top_units],
        "categories": [[c.name, c.by_rank, c.special] for c in categories],
        "routes": [[_("top by rank"), city.by_rank], [_("outstanding contribution"), city.special]],
        "vetoes": _tally(vetoes[:CHART_REASONS]),
        "boxes": [
            [
                b.category,
                [
                    float(b.minimum),
                    float(b.lower_quartile),
                    float(b.median),
                    float(b.upper_quartile),
                    float(b.maximum),
                ],
            ]
            for b in boxes
        ],
        "histogram": {
            "width": statistics.HISTOGRAM_WIDTH,
            "bars": [[b.category, b.start, b.count] for b in bars],
        },
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "period": period,
            "periods": Period.objects.order_by("-start"),
            "city": city,
            "units": units,
            "categories": categories,
            "vetoes": vetoes,
            "boxes": boxes,
            "bands": _band_table(bars),
            "charts": charts,
        },
    )


def _band_table(bars: list[statistics.Bar]) -> dict:
    """The bands as a table: a column per band from the lowest to the highest (empty ones
    too), a row per category."""
    width = statistics.HISTOGRAM_WIDTH
    if not bars:
        return {"bands": [], "rows": []}
    starts = list(range(min(b.start for b in bars), max(b.start for b in bars) + width, width))
    counts: dict[str, dict[int, int]] = {}
    for bar in bars:
        counts.setdefault(bar.category, {})[bar.start] = bar.count
    return {
        "bands": [f"{start}–{start + width}" for start in starts],
        "rows": [(category, [row.get(start, 0) for start in starts]) for category, row in counts.items()],
    }


@city_admin_required
def period_table(request, code, table):
    period = get_object_or_404(Period, code=code)
    chosen = PERIOD_TABLES.get(table)
    if chosen is None:
        raise Http404
    return xlsx_response(chosen, chosen.rows(period), f"{period.code}{chosen.title}.xlsx")


@unit_role_required(*UNIT_OFFICE)
def unit_table(request, code, unit, table):
    """One of the unit's lists as .xlsx (``unit_tables``), for the unit's office."""
    period = get_object_or_404(Period, code=code)
    chosen = UNIT_TABLES.get(table)
    if chosen is None:
        raise Http404
    return xlsx_response(chosen, chosen.rows(period, unit), f"{period.code}{unit.name}{chosen.title}.xlsx")


def _trend_chart(rows: list[statistics.PeriodRow]) -> dict:
    return {
        "periods": [r.period.code for r in rows],
        "exemplars": [r.exemplars for r in rows],
        "special": [r.special for r in rows],
        "share": [float(r.share) if r.share is not None else None for r in rows],
        "labels": {
            "exemplars": _("Exemplars"),
            "special": _("outstanding contribution"),
            "share": _("Share of headcount") + " %",
        },
    }


@city_admin_required
def index(request):
    """The newest period's dashboard."""
    period = Period.objects.order_by("-start").first()
    if period is None:
        return redirect("selection:periods")
    return redirect("reports:dashboard", code=period.code)


@city_admin_required
def trends(request):
    rows = statistics.trend()
    charts = _trend_chart(rows)
    return render(
        request,
        "reports/trends.html",
        {
            "rows": rows,
            "without": statistics.units_never_with_exemplars(),
            "in_progress": statistics.units_still_in_progress(),
            "repeats": statistics.repeat_exemplars(),
            "charts": charts,
        },
    )


@city_admin_required
def trend_table(request, listing):
    chosen = TREND_TABLES.get(listing)
    if chosen is None:
        raise Http404
    return xlsx_response(chosen, chosen.rows(), f"{chosen.title}.xlsx")


@unit_role_required(*UNIT_OFFICE)
def unit_history(request, unit):
    rows = statistics.trend(unit)
    charts = _trend_chart(rows)
    if request.GET.get("format") == "xlsx":
        table = TREND_TABLES["trend"]
        return xlsx_response(table, table.rows(unit), f"{unit.name}{table.title}.xlsx")
    return render(request, "reports/unit_history.html", {"unit": unit, "rows": rows, "charts": charts})


@city_admin_required
def summary(request, code):
    period = get_object_or_404(Period, code=code)
    response = HttpResponse(summary_docx(period), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, summary_filename(period))
    return response
