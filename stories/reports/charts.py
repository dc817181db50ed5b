"""Server-drawn SVG charts (no scripts, no CDN), each with a title, a description and the numbers in text."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 560, 240, 40, 40, 20


def _bins(values: Any, start: float, stop: float, width: float) -> list[int]:
    """How many values fall in each band (the first and last bands take anything beyond them)."""
    import numpy as np

    count = int((stop - start) / width)
    index = np.clip(np.floor_divide(values - start, width), 0, count - 1).astype(np.int64)
    return [int(n) for n in np.bincount(index, minlength=count)]


def _floats(values: Sequence[float | Decimal] | Any) -> Any:
    import numpy as np

    return np.asarray([float(v) for v in values] if isinstance(values, list) else values, dtype=float)


def _frame(title: str, description: str, body: str, x_label: str) -> Markup:
    return Markup(
        f'<svg role="img" viewBox="0 0 {WIDTH} {HEIGHT + 20}" class="chart" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>{body}"
        f'<text x="{WIDTH / 2}" y="{HEIGHT + 15}" text-anchor="middle" class="axis-label">{escape(x_label)}</text></svg>'
    )


def before_after(baseline: Sequence[float | Decimal], follow_up: Sequence[float | Decimal]) -> Markup:
    """Two histograms of metric scores (7 to 35, in 2-point bands): before in purple, after in green."""
    start, stop, width = 7.0, 35.0, 2.0
    before = _bins(_floats(baseline), start, stop, width)
    after = _bins(_floats(follow_up), start, stop, width)
    tallest = max(before + after + [1])
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(before)
    parts = []
    for i, (b, a) in enumerate(zip(before, after)):
        x = LEFT + i * slot
        for offset, value, css in ((0.1, b, "bar-before"), (0.5, a, "bar-after")):
            h = plot_h * value / tallest
            parts.append(
                f'<rect class="{css}" x="{x + slot * offset:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.4:.1f}" height="{h:.1f}"></rect>'
            )
        label = f"{int(start + i * width)}"
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" class="tick">{label}</text>'
        )
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 10}" y2="{TOP + plot_h}" class="axis"></line>')
    parts.append(
        f'<text x="{LEFT}" y="{TOP - 6}" class="legend"><tspan class="key-before">■ before</tspan>  <tspan class="key-after">■ follow-up</tspan>  (tallest bar: {tallest} people)</text>'
    )
    description = (
        "Number of people in each 2-point band of metric score. Before: "
        + ", ".join(f"{int(start + i * width)}–{int(start + (i + 1) * width)}: {n}" for i, n in enumerate(before) if n)
        + ". Follow-up: "
        + ", ".join(f"{int(start + i * width)}–{int(start + (i + 1) * width)}: {n}" for i, n in enumerate(after) if n)
        + "."
    )
    return _frame("Wellbeing scores before and at follow-up", description, "".join(parts), "Metric SWEMWBS score")


def changes(values: Sequence[float | Decimal], threshold: Decimal) -> Markup:
    """Histogram of each person's change, with the meaningful-change lines marked."""
    floats = _floats(values)
    low = min(-10.0, float(int(min(float(floats.min()) if len(floats) else 0.0, 0.0)) - 1))
    high = max(10.0, float(int(max(float(floats.max()) if len(floats) else 0.0, 0.0)) + 2))
    bins = _bins(floats, low, high, 1.0)
    tallest = max(bins + [1])
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(bins)

    def x_of(value: float) -> float:
        return LEFT + (value - low) / (high - low) * plot_w

    parts = []
    for i, n in enumerate(bins):
        h = plot_h * n / tallest
        parts.append(
            f'<rect class="bar-change" x="{LEFT + i * slot + 1:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot - 2:.1f}" height="{h:.1f}"></rect>'
        )
    for value in range(int(low), int(high) + 1, 2):
        parts.append(
            f'<text x="{x_of(value):.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" class="tick">{value:+d}</text>'
        )
    for mark in (-float(threshold), float(threshold)):
        parts.append(
            f'<line x1="{x_of(mark):.1f}" y1="{TOP}" x2="{x_of(mark):.1f}" y2="{TOP + plot_h}" class="threshold"></line>'
        )
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 10}" y2="{TOP + plot_h}" class="axis"></line>')
    parts.append(
        f'<text x="{LEFT}" y="{TOP - 6}" class="legend">Dashed lines: a change of {threshold} points either way (tallest bar: {tallest} people)</text>'
    )
    description = (
        "Number of people by change in metric score, in 1-point bands: "
        + ", ".join(f"{low + i:+.0f} to {low + i + 1:+.0f}: {n}" for i, n in enumerate(bins) if n)
        + "."
    )
    return _frame(
        "Change in each person's wellbeing score",
        description,
        "".join(parts),
        "Change in metric score (follow-up minus before)",
    )
