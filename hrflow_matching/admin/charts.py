"""Stacked bar charts of deliveries per hour, drawn on the server as inline SVG.

Why SVG from Python: the admin page must work offline and behind a strict CSP, so there is no
CDN and no JavaScript charting library to vendor and keep patched; a few hundred ``<rect>``
elements are all a chart of 24 or 720 hours needs. Empty hours draw nothing, so the size of a
chart follows the activity, not the period. Each non-empty hour carries a ``<title>``
(the browser's tooltip) with its exact counts, and the ``<svg>`` an ``aria-label`` with the
totals, so the figures are readable without the picture.
"""

from __future__ import annotations

import datetime as dt
import math

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ..health import OUTCOMES, Series

COLOURS = {"delivered": "#2e7d32", "retrying": "#f2a900", "failed": "#c62828"}
#: Margins of the plot inside the picture: room for the y labels (left) and the x labels.
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 22


def nice_ceiling(value: int) -> int:
    """The smallest "round" number ≥ ``value`` (1, 2, 5 × 10ⁿ) for the top of the y axis."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover  (the loop ends at 10 × power ≥ value)


def _n(value: float) -> str:
    """A coordinate, two decimals at most (``format_html`` takes strings, not format specs)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _x_label(start: dt.datetime, hourly: bool) -> str:
    return start.strftime("%H:%M") if hourly else start.strftime("%b %d")


def bar_chart(series: Series, *, width: int = 720, height: int = 180, title: str) -> SafeString:
    """A stacked bar per hour (delivered at the bottom, then retrying, then failed).

    Hourly labels (every 3 hours) when the series spans a day or less; otherwise a label at
    every fifth midnight (UTC).
    """
    n = len(series.hours)
    totals = [sum(series.counts[o][i] for o in OUTCOMES) for i in range(n)]
    top = nice_ceiling(max(totals, default=0))
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    step = plot_w / max(n, 1)
    bar_w = max(step * 0.8, 1.0) if n <= 48 else max(step, 2.0)  # a lone hour stays visible
    sums = series.totals()
    label = f"{title}: {sums.delivered} delivered, {sums.retrying} retrying, {sums.failed} failed"
    parts = [
        format_html(
            '<svg class="hm-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
            'width="{}" height="{}" role="img" aria-label="{}">',
            width,
            height,
            width,
            height,
            label,
        )
    ]
    for fraction in (0, 0.5, 1):  # grid lines and y labels
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ccc" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#666">{}</text>',
                LEFT,
                width - RIGHT,
                _n(y),
                _n(y),
                LEFT - 4,
                _n(y + 3),
                f"{top * fraction:g}",
            )
        )
    hourly = n <= 24
    for i, start in enumerate(series.hours):
        x = LEFT + i * step
        if (hourly and start.hour % 3 == 0) or (not hourly and start.hour == 0 and i % 120 < 24):
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" fill="#666">{}</text>',
                    _n(x),
                    height - 6,
                    _x_label(start, hourly),
                )
            )
        if not totals[i]:
            continue
        y = TOP + plot_h
        counts = {o: series.counts[o][i] for o in OUTCOMES}
        tip = f"{start:%Y-%m-%d %H:00} UTC: " + ", ".join(f"{counts[o]} {o}" for o in OUTCOMES)
        parts.append(format_html("<g><title>{}</title>", tip))
        for outcome in OUTCOMES:
            if not counts[outcome]:
                continue
            h = plot_h * counts[outcome] / top
            y -= h
            parts.append(
                format_html(
                    '<rect class="hm-{}" x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    outcome,
                    _n(x),
                    _n(y),
                    _n(bar_w),
                    _n(h),
                    COLOURS[outcome],
                )
            )
        parts.append(mark_safe("</g>"))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))


def legend() -> SafeString:
    """The key of the colours (classes, not inline styles: a strict CSP forbids those)."""
    items = (
        format_html(
            '<span class="hm-legend-item"><span class="hm-swatch-{}"></span>{}</span>', o, o
        )
        for o in OUTCOMES
    )
    return mark_safe('<p class="hm-legend">' + "".join(items) + "</p>")
