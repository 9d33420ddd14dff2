"""A stacked bar chart as inline SVG, written by hand (pure; no plotting library).

The audit's report must be one self-contained HTML file that opens anywhere, and its notebook
must show the same picture: a small SVG of rectangles and text does both, with no dependency and
the same bytes every run (so the notebook's reference output stays stable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Series:
    """One stacked part of every bar: its label, its colour, a value per category."""

    label: str
    color: str
    values: tuple[float, ...]


TICKS = 4
"""Gridlines above the axis."""
MIN_PLOT_WIDTH = 360
"""The bars' area keeps at least this width; a long legend makes the picture wider instead."""


def nice_maximum(value: float, *, whole: bool) -> float:
    """Return an axis maximum at or above ``value`` whose ``TICKS`` steps are round numbers:
    whole steps for counts (0, 3, 6, 9, 12), else 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return float(TICKS)
    if whole:
        return float(math.ceil(value / TICKS) * TICKS)
    power = 10 ** math.floor(math.log10(value / TICKS))
    step = next(factor * power for factor in (1, 2, 2.5, 5, 10) if factor * power * TICKS >= value)
    return step * TICKS


def number(value: float) -> str:
    """Return a value for a label: whole numbers without decimals, others with up to two."""
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def stacked_bar_chart(
    title: str,
    categories: list[str],
    series: list[Series],
    *,
    unit: str = "",
    width: int = 640,
    height: int = 300,
) -> str:
    """Return an SVG document of one bar per category, each stacked from ``series``.

    Args:
        title: The chart's title (also its accessible name).
        categories: The bars, left to right.
        series: The stacked parts, bottom to top; each has one value per category.
        unit: Written after the axis maximum and the totals (``USD``).
    """
    left, right, top, bottom = 48, 16, 32, 44
    legend_width = max(110, 36 + 7 * max((len(part.label) for part in series), default=0))  # ~7 px a character
    width = max(width, left + right + MIN_PLOT_WIDTH + legend_width)
    plot_width = width - left - right - legend_width
    plot_height = height - top - bottom
    totals = [sum(part.values[index] for part in series) for index in range(len(categories))]
    whole = all(float(value).is_integer() for part in series for value in part.values)
    maximum = nice_maximum(max(totals, default=0), whole=whole)
    slot = plot_width / max(len(categories), 1)
    bar = slot * 0.6
    suffix = f" {unit}" if unit else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in range(TICKS + 1):
        value = maximum * tick / TICKS
        y = top + plot_height - plot_height * tick / TICKS
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{number(value)}</text>')
    for index, category in enumerate(categories):
        x = left + slot * index + (slot - bar) / 2
        base = top + plot_height
        for part in series:
            value = part.values[index]
            if value <= 0:
                continue
            size = plot_height * value / maximum
            base -= size
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{size:.1f}" fill="{part.color}">'
                f"<title>{escape(category)}: {escape(part.label)} {number(value)}{escape(suffix)}</title></rect>"
            )
        if totals[index] > 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{base - 4:.1f}" text-anchor="middle">'
                         f"{number(totals[index])}{escape(suffix)}</text>")
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_height + 16}" text-anchor="middle">{escape(category)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" y2="{top + plot_height}" stroke="#333"/>')
    legend_x = width - legend_width + 8
    for index, part in enumerate(reversed(series)):
        y = top + 8 + index * 20
        parts.append(f'<rect x="{legend_x}" y="{y - 10}" width="12" height="12" fill="{part.color}"/>')
        parts.append(f'<text x="{legend_x + 18}" y="{y}">{escape(part.label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
