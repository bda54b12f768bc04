"""Accessible SVG charts rendered on the server (no JavaScript, no CDN).

Colours are the Okabe–Ito palette, distinguishable with the common colour-vision
deficiencies; series also differ in their markers and dash patterns, and every chart has a
title and description for screen readers. Pages always show the data table next to it.
Shared by reports, the comparison and the impact analysis.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from saas.core.formatting import format_fixed

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
MARKERS = ("circle", "square", "diamond", "triangle")

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 56


@dataclass
class Series:
    """One line or bar series; values align with the chart's x labels (None = gap)."""

    name: str
    values: list[float | None]
    reference: bool = False  # drawn as a thin dashed line (e.g. the national value)
    extra: dict[str, str] = field(default_factory=dict)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return float(top)
    return float(value)


def _fmt(value: float, locale: str) -> str:
    return format_fixed(value, 1 if value % 1 else 0, locale)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
            f'{x - 5:.1f},{y:.1f}" fill="{colour}"/>'
        )
    if kind == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} '
            f'{x - 5:.1f},{y + 4:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def _frame(title: str, description: str, body: list[str], legend: list[str]) -> Markup:
    ident = f"c{zlib.crc32(f'{title}|{description}'.encode()):08x}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{HEIGHT + 24 * ((len(legend) + 2) // 3)}" role="img" class="chart" '
        f'aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
        *body,
        *legend,
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above  # nosec B704


def _axes(
    x_labels: list[str], top: float, locale: str, bottom: float = 0.0
) -> tuple[list[str], float, float]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = []
    for i in range(5):
        value = bottom + (top - bottom) * i / 4
        y = TOP + plot_h - plot_h * i / 4
        body.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#d0d5dd" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#1d2330">{escape(_fmt(value, locale))}</text>'
        )
    step = plot_w / max(len(x_labels), 1)
    every = max(1, len(x_labels) // 12)
    for i, label in enumerate(x_labels):
        if i % every == 0:
            x = LEFT + step * (i + 0.5)
            body.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" '
                f'font-size="12" fill="#1d2330">{escape(label)}</text>'
            )
    return body, step, plot_h


def _legend(series: list[Series]) -> list[str]:
    items = []
    for i, s in enumerate(series):
        colour = "#4f5a6b" if s.reference else PALETTE[i % len(PALETTE)]
        x = LEFT + (i % 3) * 220
        y = HEIGHT + 4 + 24 * (i // 3)
        dash = "4 3" if s.reference else DASHES[i % len(DASHES)]
        items.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="{colour}" '
            f'stroke-width="3" stroke-dasharray="{dash}"/>'
        )
        items.append(
            f'<text x="{x + 30}" y="{y + 4}" font-size="12" fill="#1d2330">'
            f"{escape(s.name[:34])}</text>"
        )
    return items


def line_chart(
    title: str,
    x_labels: list[str],
    series: list[Series],
    *,
    description: str = "",
    locale: str = "de",
    mark_x: int | None = None,
    mark_label: str = "",
) -> Markup:
    """A line chart; ``mark_x`` draws a vertical marker (e.g. an office's opening year).

    Lines whose values all lie far from zero (an index around 100) get an axis that starts
    near their minimum, so the trends stay visible; the axis labels say where it starts.
    """
    values = [v for s in series for v in s.values if v is not None]
    top = _nice_max(max(values) if values else 1.0)
    bottom = 0.0
    if values and min(values) > 0.5 * top:
        span = _nice_max(top - min(values)) or 1.0
        bottom = max(0.0, top - 2 * span)
    body, step, plot_h = _axes(x_labels, top, locale, bottom)
    if mark_x is not None:
        x = LEFT + step * (mark_x + 0.5)
        body.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" '
            f'stroke="#1d2330" stroke-dasharray="3 3"/>'
        )
        body.append(
            f'<text x="{x + 4:.1f}" y="{TOP + 12}" font-size="12" fill="#1d2330">'
            f"{escape(mark_label)}</text>"
        )
    for i, s in enumerate(series):
        colour = "#4f5a6b" if s.reference else PALETTE[i % len(PALETTE)]
        points = [
            (LEFT + step * (j + 0.5), TOP + plot_h - plot_h * ((v - bottom) / (top - bottom)))
            for j, v in enumerate(s.values)
            if v is not None
        ]
        if not points:
            continue
        dash = "4 3" if s.reference else DASHES[i % len(DASHES)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{1.5 if s.reference else 2.5}" stroke-dasharray="{dash}"/>'
        )
        if not s.reference:
            body.extend(_marker(MARKERS[i % len(MARKERS)], x, y, colour) for x, y in points)
    return _frame(title, description or title, body, _legend(series))


def bar_chart(
    title: str,
    x_labels: list[str],
    series: list[Series],
    *,
    description: str = "",
    locale: str = "de",
) -> Markup:
    """Grouped vertical bars, one group per x label."""
    values = [v for s in series for v in s.values if v is not None]
    top = _nice_max(max(values) if values else 1.0)
    body, step, plot_h = _axes(x_labels, top, locale)
    width = step * 0.8 / max(len(series), 1)
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        for j, v in enumerate(s.values):
            if v is None:
                continue
            height = plot_h * (v / top)
            x = LEFT + step * j + step * 0.1 + width * i
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{colour}"/>'
            )
    return _frame(title, description or title, body, _legend(series))


# -- sparklines (dashboard) -------------------------------------------------------------------

SPARK_W, SPARK_H, SPARK_PAD = 160, 40, 4


def sparkline(
    title: str,
    values: list[float | None],
    *,
    reference: list[float | None] | None = None,
    description: str = "",
) -> Markup:
    """A small inline line (no axes) for a trend beside its number; ``reference`` (e.g. the
    comparison ring) is drawn thin and dashed on the same scale. The last point is marked.
    The numbers themselves stand next to it on the page; title and description say them
    for screen readers."""
    known = [v for v in [*values, *(reference or [])] if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1.0
    step = (SPARK_W - 2 * SPARK_PAD) / max(len(values) - 1, 1)

    def points(series: list[float | None]) -> list[tuple[float, float]]:
        return [
            (
                SPARK_PAD + step * i,
                SPARK_H - SPARK_PAD - (SPARK_H - 2 * SPARK_PAD) * (v - low) / span,
            )
            for i, v in enumerate(series)
            if v is not None
        ]

    body = []
    if reference:
        ref = points(reference)
        if ref:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in ref)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="#4f5a6b" stroke-width="1.5" '
                f'stroke-dasharray="4 3"/>'
            )
    own = points(values)
    if own:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in own)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2.5"/>'
        )
        x, y = own[-1]
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[0]}"/>')
    ident = f"s{zlib.crc32(f'{title}|{description}|{values}'.encode()):08x}"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SPARK_W} {SPARK_H}" '
        f'role="img" class="sparkline" aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description or title)}</desc>{"".join(body)}</svg>'
    )
    return Markup(svg)  # noqa: S704 - the only texts are escaped above  # nosec B704
