"""A layer block on the canvas: a rounded rectangle coloured by family showing the type, the key
settings, the output volume (larger), the parameter count, and a small 3-D box whose sides are
log-scaled to W, H and D. Red outline and badge for an error, amber for a warning.

Everything shown is computed in ``set_state`` (from the Network's report); ``paint`` only draws.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from ...model import KINDS, format_shape, human_count
from ..theme import CanvasColours, escape, mix, text_on
from .layout import BLOCK_H, BLOCK_W

HEADER_H = 24.0
PAD = 8.0
BOX_AREA_W = 54.0
TEXT_W = BLOCK_W - 2 * PAD - BOX_AREA_W


VOLUME_PX, SMALLEST_VOLUME_PX = 17, 12
PORT_R, PORT_HIT = 5.0, 11.0  # the output port's radius, and how near a press must be


class Fonts:
    """Pixel-sized fonts, so that a block's contents fit whatever the desktop's font size."""

    def __init__(self):
        self.header = _font(12, bold=True)
        self.brief = _font(12)
        self.volume = _font(VOLUME_PX, bold=True)
        self.params = _font(11)
        self.badge = _font(13, bold=True)
        self.metrics = {name: QFontMetricsF(getattr(self, name))
                        for name in ("header", "brief", "volume", "params")}
        self._elided: dict = {}
        self._volumes: dict = {VOLUME_PX: self.volume}

    def fit_volume(self, text: str, width: float) -> tuple[str, int]:
        """The volume text and the pixel size at which it fits ``width`` (a VGG block's
        112×112×128 does not at full size), down to SMALLEST_VOLUME_PX, then elided."""
        key = ("fit-volume", text, width)
        if key not in self._elided:
            pixels = VOLUME_PX
            metrics = self.metrics["volume"]
            while pixels > SMALLEST_VOLUME_PX and metrics.horizontalAdvance(text) > width:
                pixels -= 1
                metrics = QFontMetricsF(self.volume_font(pixels))
            self._elided[key] = (metrics.elidedText(text, Qt.TextElideMode.ElideRight, width), pixels)
        return self._elided[key]

    def volume_font(self, pixels: int) -> QFont:
        if pixels not in self._volumes:
            self._volumes[pixels] = _font(pixels, bold=True)
        return self._volumes[pixels]

    def elide(self, which: str, text: str, width: float) -> str:
        key = (which, text, width)
        if key not in self._elided:  # most texts repeat ("relu", "no params"): measure each once
            if len(self._elided) > 5000:
                self._elided.clear()
            self._elided[key] = self.metrics[which].elidedText(text, Qt.TextElideMode.ElideRight, width)
        return self._elided[key]


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


class Style:
    """What every block shares: fonts and colours (rebuilt when the palette changes)."""

    def __init__(self):
        self.fonts = Fonts()
        self.colours = CanvasColours()


_RECT = QRectF(0, 0, BLOCK_W, BLOCK_H)
_PATHS: dict = {}


def _outline() -> QPainterPath:
    if "outline" not in _PATHS:
        path = QPainterPath()
        path.addRoundedRect(_RECT, 9, 9)
        _PATHS["outline"] = path
    return _PATHS["outline"]


def _header_band() -> QPainterPath:
    """The top of the rounded rectangle, as deep as the header."""
    if "band" not in _PATHS:
        band = QPainterPath()
        band.addRoundedRect(_RECT.adjusted(1, 1, -1, 0), 8, 8)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, BLOCK_W, HEADER_H))
        _PATHS["band"] = band.intersected(clip)
    return _PATHS["band"]


def box_sides(shape) -> tuple[float, float, float] | None:
    """Front width, front height and depth offset of the 3-D box for an output shape (log-scaled)."""
    if not shape:
        return None
    if len(shape) == 3:
        w, h, d = shape
        return 4 + 11 * math.log10(max(w, 1)), 4 + 11 * math.log10(max(h, 1)), 2 + 4.5 * math.log10(max(d, 1))
    n = shape[0]
    return 6.0, 4 + 12 * math.log10(max(n, 1)), 3.0


class BlockItem(QGraphicsItem):
    def __init__(self, uid: int, style: Style):
        super().__init__()
        self.uid = uid
        self.style = style
        self.index = -1
        self.state: tuple = ()  # what is drawn
        self._raw: tuple = ()  # what it was drawn from
        self._source = None  # (kind, layer, info, brief) for the tooltip
        self.group = None  # (layers, parameters) when this block stands for a collapsed group
        self.port = QPointF(BLOCK_W / 2, BLOCK_H)  # where connections are dragged from
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(False)

    # ------------------------------------------------------------------ state
    def set_state(self, index: int, layer, info) -> bool:
        """Take the layer's settings and its LayerInfo; repaint only if what is shown changed."""
        kind = KINDS[layer.type]
        brief = kind.brief(layer.resolved())  # the document's settings are checked: a failure is a bug
        title = layer.type + (f" · {layer.name}" if layer.name else "")
        params_shown = info.param_count
        if self.group:
            label = layer.id or layer.name
            title = f"{label} · {self.group[0]} layers" if label else f"{self.group[0]} layers"
            brief = "collapsed block"  # double-click to expand (canvas/view.py)
            params_shown = self.group[1]
        raw = (index, kind.family, title, brief, info.output, params_shown, tuple(info.errors),
               tuple(info.warnings))
        self.index = index
        self._source = (kind, layer, info, brief)
        if raw == self._raw:
            return False
        self._raw = raw
        fonts = self.style.fonts
        status = "error" if info.errors else "warning" if info.warnings else ""
        volume = format_shape(info.output) if info.output is not None else "—"
        volume, volume_px = fonts.fit_volume(volume, TEXT_W)
        if not info.param_count_known:
            params = "params unknown"
        else:
            params = f"{params_shown:,} params" if params_shown else "no params"
        if fonts.metrics["params"].horizontalAdvance(params) > TEXT_W:  # 822,087,680 params
            params = f"{human_count(params_shown)} params"  # 822.1 M params
        self.state = (index, kind.family, fonts.elide("header", title, BLOCK_W - 2 * PAD - 26),
                      fonts.elide("brief", brief, TEXT_W), volume,
                      fonts.elide("params", params, TEXT_W), status, info.output,
                      tuple(info.errors), tuple(info.warnings), volume_px)
        self.update()
        return True

    def set_group(self, group) -> None:
        """Show this block as a collapsed group of ``group = (layers, parameters)``, or not (None)."""
        if group == self.group:
            return
        self.group = group
        self._raw = ()
        if self._source:
            _kind, layer, info, _brief = self._source
            self.set_state(self.index, layer, info)

    def set_port(self, point: QPointF) -> None:
        if point != self.port:
            self.port = point
            self.update()

    def port_hit(self, local: QPointF) -> bool:
        d = local - self.port
        return d.x() * d.x() + d.y() * d.y() <= PORT_HIT * PORT_HIT

    @property
    def volume_text(self) -> str:
        return self.state[4] if self.state else ""

    @property
    def status(self) -> str:
        """"error", "warning" or ""."""
        return self.state[6] if self.state else ""

    def toolTip(self) -> str:  # noqa: N802 (Qt's name) — built when asked, not on every edit
        return self._tooltip(*self._source) if self._source else ""

    def _tooltip(self, kind, layer, info, brief) -> str:
        colours = self.style.colours
        lines = [f"<b>{escape(kind.label)}</b> ({layer.type})"
                 + (f" — {escape(layer.name)}" if layer.name else "")]
        if brief:
            lines.append(escape(brief))
        if len(info.inputs) > 1:  # a merge: every input's shape, with the layer it comes from
            shape_in = " + ".join(f"#{s} {format_shape(shape)}" for s, shape in zip(info.sources, info.inputs))
        else:
            shape_in = format_shape(info.input) if info.input is not None else None
        out = format_shape(info.output)
        lines.append(f"{shape_in} → {out}" if shape_in else f"output {out}")
        lines.append(f"{info.param_count:,} parameters")
        lines += [f"<span style='color:{colours.error.name()}'>error: {escape(e)}</span>"
                  for e in info.errors]
        lines += [f"<span style='color:{colours.warning.name()}'>warning: {escape(w)}</span>"
                  for w in info.warnings]
        lines += [f"note: {escape(n)}" for n in info.notes]  # a rounding the design means
        lines.append(f"<i>{escape(kind.help)}</i>")
        return "<p style='white-space:pre-wrap'>" + "<br>".join(lines) + "</p>"

    # ------------------------------------------------------------------ drawing
    def boundingRect(self) -> QRectF:
        return QRectF(-6, -12, BLOCK_W + 18, BLOCK_H + 22)

    def shape(self) -> QPainterPath:
        return _outline()

    def invalidate(self) -> None:
        """Forget what was drawn (colours or fonts changed): the next set_state repaints."""
        self._raw = ()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.state:
            return
        _, family, title, brief, volume, params, status, output, _, _, volume_px = self.state
        colours = self.style.colours
        fonts = self.style.fonts
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rect = _RECT
        header = colours.header(family)
        if self.isSelected():
            painter.setPen(QPen(colours.highlight, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 12, 12)
        outline = {"error": QPen(colours.error, 2.5), "warning": QPen(colours.warning, 2.2)}.get(
            status, QPen(header, 1.2))
        painter.setPen(outline)
        painter.setBrush(colours.fill(family))
        painter.drawRoundedRect(rect, 9, 9)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(header)
        painter.drawPath(_header_band())
        painter.setPen(text_on(header))
        painter.setFont(fonts.header)
        painter.drawText(QRectF(PAD, 0, BLOCK_W - 2 * PAD, HEADER_H),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title)
        painter.setFont(fonts.params)
        painter.drawText(QRectF(PAD, 0, BLOCK_W - 2 * PAD - (10 if status else 0), HEADER_H),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, f"#{self.index}")
        # body text
        painter.setPen(colours.text)
        painter.setFont(fonts.brief)
        painter.drawText(QRectF(PAD, HEADER_H + 4, TEXT_W, 18), Qt.AlignmentFlag.AlignVCenter, brief)
        painter.setPen(colours.error if status == "error" and output is None else colours.text)
        painter.setFont(fonts.volume_font(volume_px))
        painter.drawText(QRectF(PAD, HEADER_H + 24, TEXT_W, 26), Qt.AlignmentFlag.AlignVCenter, volume)
        painter.setPen(colours.dim_text)
        painter.setFont(fonts.params)
        painter.drawText(QRectF(PAD, HEADER_H + 54, TEXT_W, 18), Qt.AlignmentFlag.AlignVCenter, params)
        self._paint_box(painter, output, header)
        painter.setPen(QPen(header.darker(130), 1.2))
        painter.setBrush(colours.base)
        painter.drawEllipse(self.port, PORT_R, PORT_R)
        if self.group:  # a stack of cards behind: more layers than one
            painter.setPen(QPen(header, 1.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawLine(QPointF(6, BLOCK_H + 3), QPointF(BLOCK_W - 6, BLOCK_H + 3))
            painter.drawLine(QPointF(12, BLOCK_H + 6), QPointF(BLOCK_W - 12, BLOCK_H + 6))
        if status:
            self._paint_badge(painter, status)

    def _paint_box(self, painter: QPainter, output, colour) -> None:
        sides = box_sides(output)
        if sides is None:
            return
        fw, fh, d = sides
        dx, dy = d * 0.8, d * 0.6
        cx = BLOCK_W - PAD - BOX_AREA_W / 2
        cy = HEADER_H + (BLOCK_H - HEADER_H) / 2
        x0 = cx - (fw + dx) / 2
        y0 = cy - (fh - dy) / 2  # top-left of the front face
        front = QRectF(x0, y0, fw, fh)
        top = QPolygonF([QPointF(x0, y0), QPointF(x0 + dx, y0 - dy), QPointF(x0 + fw + dx, y0 - dy),
                         QPointF(x0 + fw, y0)])
        side = QPolygonF([QPointF(x0 + fw, y0), QPointF(x0 + fw + dx, y0 - dy),
                          QPointF(x0 + fw + dx, y0 + fh - dy), QPointF(x0 + fw, y0 + fh)])
        edge = QPen(mix(colour, self.style.colours.text, 0.5), 0.8)
        painter.setPen(edge)
        painter.setBrush(QBrush(mix(colour, self.style.colours.base, 0.55)))
        painter.drawPolygon(top)
        painter.setBrush(QBrush(mix(colour, self.style.colours.text, 0.25)))
        painter.drawPolygon(side)
        painter.setBrush(QBrush(mix(colour, self.style.colours.base, 0.25)))
        painter.drawRect(front)

    def _paint_badge(self, painter: QPainter, status: str) -> None:
        colours = self.style.colours
        colour = colours.error if status == "error" else colours.warning
        centre = QPointF(BLOCK_W - 2, 0)
        painter.setPen(QPen(colours.base, 1.5))
        painter.setBrush(colour)
        if status == "error":
            painter.drawEllipse(centre, 10, 10)
        else:
            painter.drawPolygon(QPolygonF([centre + QPointF(0, -11), centre + QPointF(11, 9),
                                           centre + QPointF(-11, 9)]))
        painter.setPen(text_on(colour))
        painter.setFont(self.style.fonts.badge)
        painter.drawText(QRectF(centre.x() - 10, centre.y() - 9 + (1 if status != "error" else 0), 20, 20),
                         Qt.AlignmentFlag.AlignCenter, "!")

