"""The report's charts (matplotlib, Agg): grey-scale first, drawn from the suppressed numbers only.

A withheld cell is drawn as a gap (line), an empty hatched bar, or a hatched
square (heat map), never at its true height: the picture says no more than the
table and the CSV do. Shapes, dashes and hatching tell series apart without colour.
"""

from __future__ import annotations

import io
import math

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
    }
)


def _number(shown: str) -> float:
    return float(shown) if publishable(shown) and shown != "" else math.nan


def _png(figure: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


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
    axes.legend(frameon=False)
    axes.grid(axis="y", color="0.85")
    return _png(figure)


def bar_chart(labels: list[str], current: list[str], previous: list[str], names: tuple[str, str]) -> bytes:
    """Paired horizontal bars: this period solid dark, previous light with hatching; withheld bars outlined."""
    height = max(1.4, 0.42 * len(labels) + 0.6)
    figure, axes = plt.subplots(figsize=(7, height))
    y = np.arange(len(labels))
    for offset, values, face, hatch, name in (
        (-0.2, current, "0.15", None, names[0]),
        (0.2, previous, "0.8", "///", names[1]),
    ):
        numbers = [_number(v) for v in values] + [math.nan] * (len(labels) - len(values))
        shown = [0 if math.isnan(n) else n for n in numbers]
        axes.barh(y + offset, shown, height=0.38, color=face, hatch=hatch, edgecolor="black", linewidth=0.6, label=name)
        for index, value in enumerate(values):
            if not publishable(value):
                axes.text(0, index + offset, f" {value} (withheld)", va="center", fontsize=7)
    axes.set_yticks(y, labels)
    axes.invert_yaxis()
    axes.set_xlabel("count")
    axes.legend(frameon=False, loc="lower right")
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
