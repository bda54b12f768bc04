"""Accessible SVG charts rendered on the server (no JavaScript, no CDN).

Colours are the Okabe–Ito palette, distinguishable with the common colour-vision
deficiencies; series also differ in their markers and dash patterns, and every chart has a
title and description for screen readers. Pages always show the data table next to it.
Shared by reports, the comparison and the impact analysis; the report PDF and DOCX draw the
very same SVG (:mod:`saas.reports.pdf`).

The layout is measured, not guessed: every label's width is taken from the Helvetica
metrics (:func:`text_width`), which Arial and Liberation Sans share — the SVG asks for these
fonts — so the axis is as wide as its longest number (``20.000.000``), category labels wrap at
spaces and hyphens (``Drewer-`` / ``Nord``) or turn by 45° when they still do not fit, and
the legend wraps into as many rows and lines as its names need instead of cutting them.
The height of a chart follows from what it has to hold. Bars are horizontal: the names of
areas and offices stand in full beside their bars, with the value at the bar's end.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from saas.core.formatting import format_fixed

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
MARKERS = ("circle", "square", "diamond", "triangle")
REFERENCE_COLOUR = "#4f5a6b"
INK, GRID = "#1d2330", "#d0d5dd"

FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"
SIZE = 12  # font size of every label
LINE = 15  # line height of wrapped labels
WIDTH = 720
PAD = 8  # free space at the edges of the drawing
PLOT_HEIGHT = 220  # height of a line chart's plot area
MAX_LABEL_WIDTH = 210  # category labels of bar charts wrap beyond this
NARROW_WIDTH = 360  # the layout for phones: drawn 1:1 at 360 px, its labels stay 11–12 px tall


@dataclass
class Series:
    """One line or bar series; values align with the chart's x labels (None = gap)."""

    name: str
    values: list[float | None]
    reference: bool = False  # drawn as a thin dashed line (e.g. the national value)
    extra: dict[str, str] = field(default_factory=dict)


# -- measuring text ---------------------------------------------------------------------------


def text_width(text: str, size: float = SIZE) -> float:
    """The width of ``text`` in Helvetica at ``size`` (the metrics of Arial too)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, "Helvetica", size))


def _w(text: str, size: float = SIZE) -> float:
    """The room a label needs: its Helvetica width and 6 % to spare, since the fonts a
    browser or Word substitutes run up to a few per cent wider."""
    return text_width(text, size) * 1.06


def _tokens(text: str) -> list[str]:
    """Pieces a line may break after: words (the space dropped), and after a hyphen. A
    hyphen with nothing before it (the minus of "-3") stays with what follows."""
    pieces: list[str] = []
    for word in text.split():
        parts = word.split("-")
        carry = ""
        for part in parts[:-1]:
            if part:
                pieces.append(f"{carry}{part}-")
                carry = ""
            else:
                carry += "-"
        if carry + parts[-1]:
            pieces.append(carry + parts[-1])
    return pieces


def _pieces(word: str, width: float, size: float) -> list[str]:
    """A word too long for a line, broken between letters into pieces that fit."""
    pieces = []
    while _w(word, size) > width and len(word) > 1:
        cut = max((n for n in range(1, len(word)) if _w(word[:n], size) <= width), default=1)
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def wrap(text: str, width: float, size: float = SIZE, *, hard: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width`` where it can break; with ``hard`` a word
    longer than a line is broken too (legends must never run out of the drawing)."""
    tokens = _tokens(text)
    if hard:
        tokens = [piece for token in tokens for piece in _pieces(token, width, size)]
    lines: list[str] = []
    for token in tokens:
        joined = ""
        if lines:
            joined = lines[-1] + token if lines[-1].endswith("-") else f"{lines[-1]} {token}"
        if lines and _w(joined, size) <= width:
            lines[-1] = joined
        else:
            lines.append(token)
    return lines or [""]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: float = SIZE,
    rotate: float | None = None,
) -> str:
    turn = f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size:g}" '
        f'fill="{INK}"{turn}>{escape(text)}</text>'
    )


# -- scales -----------------------------------------------------------------------------------


def ticks(low: float, high: float, count: int = 4) -> tuple[list[float], int]:
    """About ``count`` intervals of a round step (1, 2, 2.5 or 5 × 10ⁿ) covering low…high,
    and the decimals the step needs (2.5 → 1)."""
    high = max(high, low + 0.01)  # figures carry at most two decimals
    raw = (high - low) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    values = [round(n * step, 10) for n in range(first, last + 1)]
    decimals = next((d for d in range(6) if abs(round(step, d) - step) < 1e-9 * step), 6)
    return values, decimals


def _decimals(values: list[float | None]) -> int:
    """The decimals a series is shown with: one where any of its values has a fraction."""
    return 1 if any(v is not None and v % 1 for v in values) else 0


def _fmt(value: float, locale: str, decimals: int | None = None) -> str:
    if decimals is None:
        decimals = 1 if value % 1 else 0
    return format_fixed(value, decimals, locale)


# -- pieces -------------------------------------------------------------------------------------


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


def _colour(i: int, s: Series) -> str:
    return REFERENCE_COLOUR if s.reference else PALETTE[i % len(PALETTE)]


def _swatch(kind: str, i: int, s: Series, x: float, y: float) -> list[str]:
    """The legend's sample of a series, 24 wide, centred on ``y``."""
    colour = _colour(i, s)
    if kind == "bar":
        return [f'<rect x="{x:.1f}" y="{y - 6:.1f}" width="24" height="12" fill="{colour}"/>']
    dash = "4 3" if s.reference else DASHES[i % len(DASHES)]
    parts = [
        f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 24:.1f}" y2="{y:.1f}" stroke="{colour}" '
        f'stroke-width="3" stroke-dasharray="{dash}"/>'
    ]
    if not s.reference:
        parts.append(_marker(MARKERS[i % len(MARKERS)], x + 12, y, colour))
    return parts


def _legend(
    series: list[Series], top: float, kind: str, width: int = WIDTH
) -> tuple[list[str], float]:
    """The legend in a grid of equal columns from ``top``; names wrap, never cut. Returns
    the parts and the height used."""
    if not series:
        return [], 0.0
    available = width - 2 * PAD
    gap, sample = 24, 30
    widest = max(_w(s.name) for s in series) + sample + gap
    columns = max(1, min(len(series), int((available + gap) // min(widest, available))))
    column_width = (available + gap) / columns
    text_room = column_width - sample - gap
    parts: list[str] = []
    y = top
    for start in range(0, len(series), columns):
        row = series[start : start + columns]
        lines = [wrap(s.name, text_room, hard=True) for s in row]
        for k, (s, name_lines) in enumerate(zip(row, lines, strict=True)):
            x = PAD + k * column_width
            parts += _swatch(kind, start + k, s, x, y + LINE / 2 - 1)
            parts += [
                _text(x + sample, y + 11 + n * LINE, line) for n, line in enumerate(name_lines)
            ]
        y += LINE * max(len(n) for n in lines) + 8
    return parts, y - top


def _frame(
    title: str, description: str, height: float, body: list[str], width: int = WIDTH
) -> Markup:
    own = "" if width == WIDTH else f"|{width}"  # both layouts of a chart on one page
    ident = f"c{zlib.crc32(f'{title}|{description}{own}'.encode()):08x}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {math.ceil(height)}" '
        f'role="img" class="chart" font-family="{escape(FONT)}" '
        f'aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above  # nosec B704


# -- line chart -------------------------------------------------------------------------------


def _upright(labels: list[str], step: float) -> list[list[str]] | None:
    """The labels wrapped onto at most two lines if each fits under its point, else None."""
    wrapped = [wrap(label, step - 6) for label in labels]
    if all(len(w) <= 2 and all(_w(x) <= step - 6 for x in w) for w in wrapped):
        return wrapped
    return None


HALF = math.sqrt(0.5)  # cos 45° = sin 45°: turned labels reach this much left and down


def _turned(labels: list[str], width: int) -> list[list[str]]:
    """Labels turned by 45°, each wrapped onto lines no longer than about half the drawing,
    so that a long name still reaches no further left than the plot's first point."""
    return [wrap(label, width * 0.45, hard=True) for label in labels]


def _turned_reach(lines: list[str]) -> float:
    """How far left of its anchor a turned, wrapped label reaches: line ``n`` stands
    ``n`` line heights further down and right, its top corner 0.8 font sizes up and left."""
    return max((_w(t) - n * LINE) * HALF for n, t in enumerate(lines)) + 0.8 * SIZE * HALF


def _x_labels(
    labels: list[str], left: float, step: float, top: float, width: int
) -> tuple[list[str], float]:
    """Labels centred under their points: on one line, wrapped onto two, or turned by 45°
    (and wrapped if very long) when even that is too wide; thinned out when turned labels
    would still touch."""
    wrapped = _upright(labels, step)
    parts: list[str] = []
    if wrapped is not None:
        for i, lines in enumerate(wrapped):
            x = left + step * (i + 0.5)
            parts += [
                _text(x, top + 14 + n * LINE, t, anchor="middle") for n, t in enumerate(lines)
            ]
        return parts, 4 + LINE * max((len(w) for w in wrapped), default=1)
    turned = _turned(labels, width)
    deepest = max(len(lines) for lines in turned)
    # turned labels stand LINE·√2 apart at least, a label of k lines k - 1 lines more
    every = max(1, math.ceil(LINE * (deepest + 0.5) / step))
    lowest = 0.0
    for i, lines in enumerate(turned):
        if i % every:
            continue
        x = left + step * (i + 0.5) + 4
        for n, t in enumerate(lines):
            shift = n * LINE * HALF
            parts.append(_text(x + shift, top + 12 + shift, t, anchor="end", rotate=-45))
            lowest = max(lowest, (_w(t) + n * LINE) * HALF)
    return parts, 16 + lowest


def line_chart(
    title: str,
    x_labels: list[str],
    series: list[Series],
    *,
    description: str = "",
    locale: str = "de",
    mark_x: int | None = None,
    mark_label: str = "",
    width: int = WIDTH,
) -> Markup:
    """A line chart; ``mark_x`` draws a vertical marker (e.g. an office's opening year);
    ``width`` the drawing's width (:data:`NARROW_WIDTH` for phones).

    Lines whose values all lie far from zero (an index around 100) get an axis that starts
    near their minimum, so the trends stay visible; the axis labels say where it starts.
    """
    values = [v for s in series for v in s.values if v is not None]
    high = max(values) if values else 1.0
    low = min(min(values), 0.0) if values else 0.0
    if values and min(values) > 0.5 * high:
        low = max(0.0, min(values) - max(high - min(values), 0.25 * high))
    scale, decimals = ticks(low, high)
    low, high = scale[0], scale[-1]
    labels = [_fmt(v, locale, decimals) for v in scale]
    left = PAD + max(_w(t) for t in labels) + 8
    right: float = PAD + 4
    step = (width - left - right) / max(len(x_labels), 1)
    if x_labels and _upright(x_labels, step) is None:
        # turned labels hang left of their points; label i's anchor stands at
        # left + step·(i + ½) + 4 with step = (width - right - left) / n, so the margin that
        # keeps it inside the drawing is solved for each label and the largest taken (the
        # anchor's 4 px are left over as a gap to the edge)
        n = len(x_labels)
        turned = _turned(x_labels, width)
        right = max(right, PAD + 4 + (max(len(t) for t in turned) - 1) * LINE * HALF)
        for i, lines in enumerate(turned):
            share = (i + 0.5) / n
            need = PAD + _turned_reach(lines) - share * (width - right)
            left = max(left, need / (1 - share))
        step = (width - left - right) / n
    top = PAD + (LINE + 4 if mark_x is not None and mark_label else 4)

    def y_of(value: float) -> float:
        return top + PLOT_HEIGHT - PLOT_HEIGHT * (value - low) / (high - low)

    body: list[str] = []
    for value, text in zip(scale, labels, strict=True):
        y = y_of(value)
        body.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - right:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, text, anchor="end"))
    bottom = top + PLOT_HEIGHT
    if low < 0 < high:  # effects below zero (the impact's event study): the zero line
        y = y_of(0.0)
        body.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - right:.1f}" y2="{y:.1f}" '
            f'stroke="{INK}" stroke-width="1"/>'
        )
    if mark_x is not None:
        x = left + step * (mark_x + 0.5)
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
            f'stroke="{INK}" stroke-dasharray="3 3"/>'
        )
        if mark_label:
            fits_right = x + 4 + _w(mark_label) <= width - PAD
            body.append(
                _text(
                    x + 4 if fits_right else x - 4,
                    top - 8,
                    mark_label,
                    anchor="start" if fits_right else "end",
                )
            )
    for i, s in enumerate(series):
        colour = _colour(i, s)
        points = [
            (left + step * (j + 0.5), y_of(v)) for j, v in enumerate(s.values) if v is not None
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
    label_parts, label_height = _x_labels(x_labels, left, step, bottom, width)
    body += label_parts
    legend, legend_height = _legend(series, bottom + label_height + 12, "line", width)
    body += legend
    height = bottom + label_height + 12 + legend_height + PAD
    return _frame(title, description or title, height, body, width)


# -- bar chart --------------------------------------------------------------------------------


def bar_chart(
    title: str,
    x_labels: list[str],
    series: list[Series],
    *,
    description: str = "",
    locale: str = "de",
    missing: str = "",
    width: int = WIDTH,
) -> Markup:
    """Horizontal bars, one group per label (an area, an office), a bar per series, the
    value at the end of each bar (``missing`` where there is none); the labels stand in full
    (wrapped) to the left."""
    values = [v for s in series for v in s.values if v is not None]
    narrow = width < WIDTH  # names take at most a third of a phone's width, long words break
    names = [
        wrap(label, width / 3 if narrow else MAX_LABEL_WIDTH, hard=narrow) for label in x_labels
    ]
    label_width = max((_w(line) for lines in names for line in lines), default=0.0)
    left = PAD + label_width + 8
    value_texts = [
        [_fmt(v, locale, _decimals(s.values)) if v is not None else missing for v in s.values]
        for s in series
    ]
    widest_value = max((_w(t, SIZE - 1) for ts in value_texts for t in ts), default=0.0)
    # As many ticks as stand apart on the plot's width: long labels leave less of it.
    for count in (5, 4, 3, 2, 1):
        scale, decimals = ticks(min([*values, 0.0]), max([*values, 0.0]) or 1.0, count=count)
        tick_labels = [_fmt(v, locale, decimals) for v in scale]
        right = PAD + max(widest_value + 6, _w(tick_labels[-1]) / 2)
        plot_w = width - left - right
        gap = plot_w / max(len(scale) - 1, 1)
        if max(_w(t) for t in tick_labels) * 1.1 + 8 <= gap:
            break
    low, high = scale[0], scale[-1]
    bar = 16.0 if len(series) <= 1 else 13.0

    def x_of(value: float) -> float:
        return left + plot_w * (value - low) / (high - low)

    zero = x_of(0.0)
    top = float(PAD)
    body: list[str] = []
    y = top
    for j, lines in enumerate(names):
        height = max(bar * len(series), LINE * len(lines)) + 10
        middle = y + height / 2
        first = middle - LINE * (len(lines) - 1) / 2 + 4
        body += [_text(PAD, first + n * LINE, line) for n, line in enumerate(lines)]
        bars_top = middle - bar * len(series) / 2
        for i, s in enumerate(series):
            v = s.values[j] if j < len(s.values) else None
            label = value_texts[i][j] if j < len(s.values) else ""
            end = x_of(v if v is not None else 0.0)
            if v is not None:
                body.append(
                    f'<rect x="{min(zero, end):.1f}" y="{bars_top + i * bar + 1:.1f}" '
                    f'width="{abs(end - zero):.1f}" height="{bar - 2:.1f}" '
                    f'fill="{_colour(i, s)}"/>'
                )
            if label:
                body.append(
                    _text(
                        max(zero, end) + 4,
                        bars_top + i * bar + bar / 2 + 4,
                        label,
                        size=SIZE - 1,
                    )
                )
        y += height
    bottom = y
    grid = []
    for value, text in zip(scale, tick_labels, strict=True):
        x = x_of(value)
        grid.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        grid.append(_text(x, bottom + 16, text, anchor="middle"))
    legend, legend_height = _legend(series, bottom + 30, "bar", width)
    height = bottom + 30 + legend_height + PAD
    return _frame(title, description or title, height, [*grid, *body, *legend], width)


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
