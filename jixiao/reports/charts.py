"""The statistics as chart images (PNG) for documents, drawn with matplotlib in the CJK font
the setup installs. (The web pages draw the same figures with ECharts in the browser.)"""

import io
import shutil
import subprocess
from functools import cache

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure

RED, GOLD, GREY = "#b4232a", "#e6b44c", "#8a8f98"
# Fonts tried in order; the first fontconfig knows is used.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei")
DPI = 150


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font, registered with matplotlib (None: none)."""
    if shutil.which("fc-match") is None:
        return None
    for family in CJK_FONTS:
        found = subprocess.run(
            ["fc-match", "-f", "%{family[0]}\n%{file}", family], capture_output=True, text=True, check=False
        ).stdout.splitlines()
        if len(found) == 2 and found[0] == family:
            font_manager.fontManager.addfont(found[1])
            return family
    return None


@cache
def _configure() -> None:
    """Once per process: the CJK font for every chart. (Figures are made without pyplot,
    whose global state the web server's threads would share.)"""
    family = cjk_font()
    matplotlib.rcParams["font.family"] = [family] if family else ["sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False


def _figure(width_cm: float, height_cm: float):
    _configure()
    figure = Figure(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=DPI)
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def bar_chart(labels: list[str], values: list[int], *, title: str, width_cm=15.5, height_cm=8.0) -> bytes:
    """Horizontal bars, largest at the top, each with its number."""
    figure, axes = _figure(width_cm, max(height_cm, 0.55 * len(labels) + 2))
    positions = range(len(labels))
    axes.barh(list(positions), values, color=RED)
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.invert_yaxis()
    for position, value in zip(positions, values, strict=True):
        axes.annotate(
            str(value), (value, position), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
        )
    axes.set_title(title, fontsize=11)
    axes.xaxis.set_visible(False)
    return _png(figure)


def stacked_bars(labels: list[str], series: dict[str, list[int]], *, title: str) -> bytes:
    """Vertical bars per label, the series stacked (e.g. by rank and special)."""
    figure, axes = _figure(15.5, 8)
    bottoms = [0] * len(labels)
    for (name, values), colour in zip(series.items(), (RED, GOLD, GREY), strict=False):
        axes.bar(labels, values, bottom=bottoms, color=colour, label=name)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.legend(fontsize=8, frameon=False)
    axes.tick_params(axis="x", labelsize=8, labelrotation=20)
    axes.set_title(title, fontsize=11)
    return _png(figure)


def box_plot(labels: list[str], stats: list[dict], *, title: str) -> bytes:
    """Box plots from given quartiles (``bxpstats``: med, q1, q3, whislo, whishi)."""
    figure, axes = _figure(15.5, 8)
    axes.bxp(
        [{**s, "label": label, "fliers": []} for label, s in zip(labels, stats, strict=True)],
        showfliers=False,
        patch_artist=True,
        boxprops={"facecolor": "#f7e3c0", "edgecolor": RED},
        medianprops={"color": RED},
    )
    axes.tick_params(axis="x", labelsize=8, labelrotation=20)
    axes.set_title(title, fontsize=11)
    return _png(figure)


def line_chart(periods: list[str], series: dict[str, list[int]], *, title: str) -> bytes:
    figure, axes = _figure(15.5, 7)
    for (name, values), colour in zip(series.items(), (RED, GOLD, GREY), strict=False):
        axes.plot(periods, values, marker="o", color=colour, label=name)
    axes.legend(fontsize=8, frameon=False)
    axes.tick_params(axis="x", labelsize=8)
    axes.set_title(title, fontsize=11)
    return _png(figure)
