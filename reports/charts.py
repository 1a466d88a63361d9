"""Every chart the hotline draws (matplotlib, Agg): the quarterly report's (PNG) and the dashboard's (SVG).

One way of drawing: the same style, axis titles on both axes, the value written on
each bar, legends above the plot (never over the data), and an empty state that
says so in words. The report's charts are drawn from the suppressed numbers only:
a withheld cell is a gap (line), an empty hatched bar, or a hatched square (heat
map), never at its true height. Shapes, dashes and hatching tell series apart
without colour.
"""

from __future__ import annotations

import io
import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from reports.suppression import publishable

DPI = 110
plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "voice-report",
        # Real <text> in the dashboard's SVG: read by screen readers, found by the page's search.
        "svg.fonttype": "none",
    }
)


def _number(shown: str) -> float:
    return float(shown) if publishable(shown) and shown != "" else math.nan


def _png(figure: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def _svg(figure: plt.Figure, name: str, label: str) -> str:
    """The figure as an inline ``<svg>`` element: ids made unique to ``name``, labelled for screen readers."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # Two charts on one page must not share ids (matplotlib numbers them from 1 in every figure).
    text = re.sub(r'id="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", text)
    text = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{name}-\1"', text)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)


def _legend_above(axes: plt.Axes, columns: int = 2) -> None:
    # Above the plotting area, outside it: a legend never hides a bar or a point.
    axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=columns, borderaxespad=0.3)


def _empty(axes: plt.Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, transform=axes.transAxes, ha="center", va="center", fontsize=11, color="0.2")
    axes.set_ylim(0, 1)
    axes.set_yticks([])


def column_chart(
    labels: list[str],
    series: list[tuple[str, list[int]]],
    *,
    x_title: str,
    y_title: str,
    empty: str,
    name: str,
    label: str,
) -> str:
    """Vertical bars for the dashboard (SVG): one or two series side by side, each bar with its value."""
    figure, axes = plt.subplots(figsize=(7, 2.6))
    x = np.arange(len(labels))
    total = sum(sum(values) for _, values in series)
    width = 0.8 / max(len(series), 1)
    styles = (("0.2", None), ("0.75", "///"))
    if total:
        for index, (title, values) in enumerate(series):
            face, hatch = styles[index % len(styles)]
            offset = (index - (len(series) - 1) / 2) * width
            bars = axes.bar(
                x + offset, values, width=width * 0.95, color=face, hatch=hatch, edgecolor="black", linewidth=0.6,
                label=title,
            )  # fmt: skip
            axes.bar_label(bars, padding=2, fontsize=8)
        axes.set_ylim(0, max(max(values) for _, values in series) * 1.2 + 0.5)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.grid(axis="y", color="0.85")
        axes.set_axisbelow(True)
        if len(series) > 1:
            _legend_above(axes, len(series))
    else:
        _empty(axes, empty)
    axes.set_xticks(x, labels)
    axes.set_xlabel(x_title)
    axes.set_ylabel(y_title)
    return _svg(figure, name, label)


def line_chart(labels: list[str], current: list[str], previous: list[str], names: tuple[str, str]) -> bytes:
    """This period (solid, circles) against the previous one (dashed, squares), by position."""
    figure, axes = plt.subplots(figsize=(7, 2.6))
    x = np.arange(1, len(labels) + 1)
    axes.plot(x, [_number(v) for v in current], color="black", marker="o", linestyle="-", label=names[0])
    px = np.arange(1, len(previous) + 1)
    axes.plot(px, [_number(v) for v in previous], color="0.45", marker="s", linestyle="--", label=names[1])
    axes.set_xticks(x)
    axes.set_xlabel("week of the period")
    axes.set_ylabel("calls")
    axes.set_ylim(bottom=0)
    _legend_above(axes)
    axes.grid(axis="y", color="0.85")
    return _png(figure)


def bar_chart(labels: list[str], current: list[str], previous: list[str], names: tuple[str, str]) -> bytes:
    """Paired horizontal bars: this period solid dark, previous light with hatching; withheld bars outlined."""
    height = max(1.4, 0.3 * len(labels) + 0.8)
    figure, axes = plt.subplots(figsize=(7, height))
    y = np.arange(len(labels))
    for offset, values, face, hatch, name in (
        (-0.2, current, "0.15", None, names[0]),
        (0.2, previous, "0.8", "///", names[1]),
    ):
        numbers = [_number(v) for v in values] + [math.nan] * (len(labels) - len(values))
        shown = [0 if math.isnan(n) else n for n in numbers]
        bars = axes.barh(
            y + offset, shown, height=0.38, color=face, hatch=hatch, edgecolor="black", linewidth=0.6, label=name
        )
        # The value at the end of each bar; a withheld one says so instead of a number.
        written = [v if publishable(v) else f"{v} (withheld)" for v in values]
        axes.bar_label(bars, labels=written + [""] * (len(labels) - len(values)), padding=2, fontsize=7)
    axes.set_yticks(y, labels)
    axes.invert_yaxis()
    axes.set_xlabel("count")
    axes.set_xlim(0, max([1.0] + [_number(v) for v in [*current, *previous] if publishable(v) and v != ""]) * 1.15)
    _legend_above(axes)
    axes.grid(axis="x", color="0.85")
    return _png(figure)


def heat_map(cells: list[str], weekdays: tuple[str, ...]) -> bytes:
    """Hour × weekday, darker = more calls (grey scale); withheld cells hatched."""
    grid = np.array([_number(v) for v in cells], dtype=float).reshape(7, 24)
    figure, axes = plt.subplots(figsize=(7.2, 2.6))
    masked = np.ma.masked_invalid(grid)
    image = axes.imshow(masked, cmap="Greys", aspect="auto", vmin=0)
    for day in range(7):
        for hour in range(24):
            if math.isnan(grid[day, hour]):
                axes.add_patch(
                    plt.Rectangle((hour - 0.5, day - 0.5), 1, 1, fill=False, hatch="xxx", edgecolor="0.5", linewidth=0)
                )
    axes.set_yticks(range(7), weekdays)
    axes.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    axes.set_xlabel("hour of the day (local time); hatched: withheld")
    figure.colorbar(image, ax=axes, label="calls", fraction=0.03)
    return _png(figure)
