"""The rater-quality charts, drawn on the server with matplotlib as SVG and put into the page
itself: they need no script, print with the page, and name their units in the page's font.
The same CJK font and colours as the documents' charts (``reports.charts``)."""

import functools
import io
import re

import matplotlib
from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from jixiao.reports.charts import GREY, RED, cjk_font

INK = "#1f2328"


def _styled(chart):
    """Draw the chart in the CJK font, its text kept as text in the SVG. (matplotlib's settings
    are global: they hold only while the chart is drawn.)"""

    @functools.wraps(chart)
    def wrapper(*args, **kwargs):
        family = cjk_font()
        with matplotlib.rc_context(
            {
                "font.family": [family] if family else ["sans-serif"],
                "axes.unicode_minus": False,
                "svg.fonttype": "none",
                "svg.hashsalt": "jixiao-rater-quality",
            }
        ):
            return chart(*args, **kwargs)

    return wrapper


def _figure(width_in: float, height_in: float):
    figure = Figure(figsize=(width_in, height_in))
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _svg(figure, label: str) -> str:
    """The figure as an ``<svg>`` element for the page: text kept as text (in the page's CJK
    font), no XML prologue, no ``<style>`` element (the content security policy allows
    style attributes only), scaled to the width of its box."""
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.S)
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    title = label.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return svg.replace("<svg", f'<svg role="img" aria-label="{title}" style="width: 100%; height: auto"', 1)


@_styled
def leniency_bars(rows: list[tuple[str, float, bool]], *, limit: float) -> str:
    """Horizontal bars of units' leniency (points above the rest of the city, negative
    below), most lenient at the top; flagged units red, a dashed line at ``limit``."""
    height = max(2.4, 0.22 * len(rows) + 1.0)
    figure, axes = _figure(7.5, height)
    labels = [label for label, _value, _flagged in rows]
    values = [value for _label, value, _flagged in rows]
    positions = list(range(len(rows)))
    axes.barh(positions, values, color=[RED if flagged else GREY for *_x, flagged in rows], height=0.7)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.invert_yaxis()
    for position, value in zip(positions, values, strict=True):
        axes.annotate(
            f"{value:+.1f}",
            (value, position),
            xytext=(3 if value >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=7,
            color=INK,
        )
    axes.axvline(0, color=INK, linewidth=0.8)
    axes.axvline(limit, color=RED, linewidth=0.8, linestyle="--")
    widest = max([abs(v) for v in values] + [limit]) * 1.25
    axes.set_xlim(-widest, widest)
    axes.set_xlabel(_("Points above (+) or below (−) the rest of the city"), fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    return _svg(figure, _("Units' leniency against the rest of the city"))


@_styled
def offset_histogram(bands: dict[int, int], *, width: int, limit: float, outer: int) -> str:
    """How many raters score how far from their colleagues: a bar per band of ``width``
    points (the outermost bands open-ended at ±``outer``); bands beyond ±``limit`` red."""
    figure, axes = _figure(7.5, 2.8)
    starts = list(range(-outer, outer, width))
    counts = [bands.get(start, 0) for start in starts]
    colours = [RED if start >= limit or start + width <= -limit else GREY for start in starts]
    axes.bar([s + width / 2 for s in starts], counts, width=width * 0.9, color=colours)
    # The few raters beyond the lines are what the chart is for: their bars get their number.
    for start, count, colour in zip(starts, counts, colours, strict=True):
        if count and colour == RED:
            axes.annotate(
                str(count),
                (start + width / 2, count),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color=RED,
            )
    for x in (limit, -limit):
        axes.axvline(x, color=RED, linewidth=0.8, linestyle="--")
    axes.set_xlim(-outer, outer)
    axes.set_xlabel(_("Mean offset from the other raters of the same people (points)"), fontsize=8)
    axes.set_ylabel(_("Raters"), fontsize=8)
    axes.tick_params(labelsize=8)
    return _svg(figure, _("Raters by their mean offset from their colleagues"))
