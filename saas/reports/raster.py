"""A chart's SVG as a PNG (for the DOCX): svglib's drawing of the SVG, painted with Pillow.

reportlab's own bitmap renderer (renderPM) needs a backend (rlPyCairo or rl_renderPM) that
is not installed; Pillow is. The charts use few shapes — lines, polylines, polygons,
rectangles, circles and text, under the affine transforms svglib puts around them — so they
are painted here directly: at twice the size, then scaled down, which smooths the edges.
Text is set in the Helvetica-metric Type 1 font that ships with reportlab (Nimbus Sans), so
every label is exactly as wide as the chart's layout measured it (:mod:`saas.core.charts`).
"""

from __future__ import annotations

import io
import math
import os
from functools import cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
SUPERSAMPLE = 2


def _compose(m: Matrix, n: Matrix) -> Matrix:
    """``m`` after ``n`` (reportlab's (a, b, c, d, e, f) order)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


@cache
def _font(size: int) -> Any:
    import reportlab

    path = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "_a______.pfb")
    return ImageFont.truetype(path, size)


def _rgb(colour: Any) -> tuple[int, int, int] | None:
    if colour is None:
        return None
    return tuple(round(255 * v) for v in colour.rgb())


class _Painter:
    def __init__(self, drawing: Any, scale: float) -> None:
        self.scale = scale * SUPERSAMPLE
        self.height = drawing.height
        size = (math.ceil(drawing.width * self.scale), math.ceil(drawing.height * self.scale))
        self.image = Image.new("RGB", size, "white")
        self.draw = ImageDraw.Draw(self.image)

    def point(self, m: Matrix, x: float, y: float) -> tuple[float, float]:
        """Drawing coordinates (y up) → pixels (y down)."""
        px, py = _apply(m, x, y)
        return px * self.scale, (self.height - py) * self.scale

    def width(self, m: Matrix, stroke: float) -> int:
        return max(1, round(stroke * math.sqrt(abs(m[0] * m[3] - m[1] * m[2])) * self.scale))

    def stroke(self, m: Matrix, shape: Any, points: list[tuple[float, float]]) -> None:
        colour = _rgb(getattr(shape, "strokeColor", None))
        if colour is None or len(points) < 2:
            return
        pixels = [self.point(m, x, y) for x, y in points]
        width = self.width(m, shape.strokeWidth or 1)
        dashes = [d * self.scale * math.sqrt(abs(m[0] * m[3])) for d in shape.strokeDashArray or []]
        if not dashes or not any(dashes):
            self.draw.line(pixels, fill=colour, width=width, joint="curve")
            return
        for (x0, y0), (x1, y1) in zip(pixels, pixels[1:], strict=False):
            self._dashed(x0, y0, x1, y1, dashes, colour, width)

    def _dashed(
        self, x0: float, y0: float, x1: float, y1: float, dashes: list[float], colour: Any, w: int
    ) -> None:
        length = math.hypot(x1 - x0, y1 - y0)
        pos, k = 0.0, 0
        while pos < length:
            step = dashes[k % len(dashes)] or 1.0
            if k % 2 == 0:
                end = min(pos + step, length)
                self.draw.line(
                    [
                        (x0 + (x1 - x0) * pos / length, y0 + (y1 - y0) * pos / length),
                        (x0 + (x1 - x0) * end / length, y0 + (y1 - y0) * end / length),
                    ],
                    fill=colour,
                    width=w,
                )
            pos += step
            k += 1

    def fill(self, m: Matrix, shape: Any, points: list[tuple[float, float]]) -> None:
        colour = _rgb(getattr(shape, "fillColor", None))
        if colour is not None:
            self.draw.polygon([self.point(m, x, y) for x, y in points], fill=colour)

    def text(self, m: Matrix, shape: Any) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        width = stringWidth(shape.text, "Helvetica", shape.fontSize)
        shift = {"middle": width / 2, "end": width}.get(shape.textAnchor, 0.0)
        x, y = self.point(m, shape.x - shift, shape.y)
        ex, ey = self.point(m, shape.x - shift + 1, shape.y)
        angle = math.degrees(math.atan2(-(ey - y), ex - x))
        unit = math.hypot(ex - x, ey - y)
        font = _font(max(1, round(shape.fontSize * unit)))
        room = round(width * unit + 4 * font.size)
        layer = Image.new("L", (2 * room, 2 * room), 0)
        ImageDraw.Draw(layer).text((room, room), shape.text, font=font, fill=255, anchor="ls")
        if angle:
            layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, center=(room, room))
        colour = _rgb(shape.fillColor) or (0, 0, 0)
        self.image.paste(
            Image.new("RGB", layer.size, colour), (round(x) - room, round(y) - room), layer
        )

    def paint(self, node: Any, m: Matrix) -> None:
        from reportlab.graphics import shapes

        for shape in getattr(node, "contents", []):
            if isinstance(shape, shapes.Group):
                self.paint(shape, _compose(m, tuple(shape.transform)))
            elif isinstance(shape, shapes.Rect):
                x, y, w, h = shape.x, shape.y, shape.width, shape.height
                corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
                self.fill(m, shape, corners)
                self.stroke(m, shape, [*corners, corners[0]])
            elif isinstance(shape, shapes.Circle):
                steps = 24
                ring = [
                    (
                        shape.cx + shape.r * math.cos(2 * math.pi * k / steps),
                        shape.cy + shape.r * math.sin(2 * math.pi * k / steps),
                    )
                    for k in range(steps)
                ]
                self.fill(m, shape, ring)
            elif isinstance(shape, shapes.Line):
                self.stroke(m, shape, [(shape.x1, shape.y1), (shape.x2, shape.y2)])
            elif isinstance(shape, (shapes.Polygon, shapes.PolyLine)):
                p = shape.points
                points = list(zip(p[0::2], p[1::2], strict=True))
                if isinstance(shape, shapes.Polygon):
                    self.fill(m, shape, points)
                    self.stroke(m, shape, [*points, points[0]])
                else:
                    self.stroke(m, shape, points)
            elif isinstance(shape, shapes.String):
                self.text(m, shape)


def drawing_png(drawing: Any, dpi: int = 200) -> bytes:
    """The drawing (its size in points) as a PNG of ``dpi``."""
    painter = _Painter(drawing, dpi / 72)
    painter.paint(drawing, tuple(drawing.transform))
    image = painter.image
    size = (max(1, image.width // SUPERSAMPLE), max(1, image.height // SUPERSAMPLE))
    out = io.BytesIO()
    image.resize(size, Image.Resampling.LANCZOS).save(out, "PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()
