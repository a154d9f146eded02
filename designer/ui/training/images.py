"""Image grids: many small arrays (samples, feature maps, filters) laid out as one picture, and
the widget that shows it scaled with crisp pixels.

``mosaic`` does the layout in NumPy (RGB uint8, a gap between tiles); ``ImageGrid`` paints it
scaled to its size, keeping the aspect ratio, with nearest-neighbour scaling so that a 5×5
filter shows its 25 weights as squares.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from .widgets import PaintedWidget

# Colour maps as 256×3 uint8 tables.
_VIRIDIS_KEYS = np.array([
    [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]], dtype=float)
_DIVERGING_KEYS = np.array([[33, 102, 172], [146, 197, 222], [247, 247, 247],
                            [244, 165, 130], [178, 24, 43]], dtype=float)


def _table(keys: np.ndarray) -> np.ndarray:
    pos = np.linspace(0, 1, len(keys))
    t = np.linspace(0, 1, 256)
    return np.stack([np.interp(t, pos, keys[:, c]) for c in range(3)], axis=1).round().astype(np.uint8)


VIRIDIS = _table(_VIRIDIS_KEYS)
DIVERGING = _table(_DIVERGING_KEYS)
GRAY = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)


def normalise(a: np.ndarray, symmetric: bool = False) -> np.ndarray:
    """``a`` scaled to [0, 1]: by its min and max, or (``symmetric``) so that 0 maps to ½."""
    a = np.nan_to_num(np.asarray(a, dtype=np.float64))
    if symmetric:
        m = float(np.abs(a).max()) if a.size else 0.0
        return np.full(a.shape, 0.5) if m == 0 else 0.5 + a / (2 * m)
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    return np.zeros(a.shape) if hi <= lo else (a - lo) / (hi - lo)


def colourise(a01: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (any shape) -> RGB uint8 (shape + (3,)) through a 256-entry table."""
    idx = np.clip(np.asarray(a01) * 255 + 0.5, 0, 255).astype(np.intp)
    return table[idx]


def tiles_rgb(arrays: np.ndarray, table: np.ndarray = GRAY, per_tile: bool = True,
              symmetric: bool = False, already_01: bool = False) -> np.ndarray:
    """(n, h, w) values or (n, 3, h, w) colour channels -> (n, h, w, 3) uint8 tiles.

    Values are normalised per tile (``per_tile``) or over all tiles together, unless
    ``already_01`` says they are in [0, 1] (images)."""
    a = np.asarray(arrays, dtype=np.float64)
    if a.ndim == 4:  # colour: channels first -> last
        if a.shape[1] != 3:
            raise ValueError(f"colour tiles need 3 channels, not {a.shape[1]}")
        a = np.moveaxis(a, 1, -1)
        if not already_01:
            a = np.stack([normalise(t, symmetric) for t in a]) if per_tile else normalise(a, symmetric)
        return np.clip(a * 255 + 0.5, 0, 255).astype(np.uint8)
    if not already_01:
        a = np.stack([normalise(t, symmetric) for t in a]) if per_tile and len(a) else normalise(a, symmetric)
    return colourise(a, table)


def grid_shape(n: int, aspect: float = 1.0) -> tuple:
    """(rows, cols) for ``n`` tiles, about ``aspect`` times as wide as tall."""
    if n <= 0:
        return 0, 0
    cols = max(1, min(n, int(math.ceil(math.sqrt(n * aspect)))))
    return int(math.ceil(n / cols)), cols


def mosaic(tiles: np.ndarray, cols: int, gap: int = 1, background=(40, 40, 40)) -> np.ndarray:
    """(n, h, w, 3) uint8 tiles -> one (H, W, 3) uint8 picture of ``cols`` columns with ``gap``
    pixels between them."""
    n, h, w = tiles.shape[:3]
    cols = max(1, min(cols, n))
    rows = int(math.ceil(n / cols))
    out = np.empty((rows * h + (rows + 1) * gap, cols * w + (cols + 1) * gap, 3), dtype=np.uint8)
    out[:] = background
    for k in range(n):
        r, c = divmod(k, cols)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        out[y:y + h, x:x + w] = tiles[k]
    return out


def to_qimage(rgb: np.ndarray) -> QImage:
    """An (H, W, 3) uint8 array as a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ImageGrid(PaintedWidget):
    """Shows tiles as a grid that fills the widget: the number of columns is chosen for the
    widget's shape so that the tiles come out as large as possible; pixels stay crisp.
    ``count`` is the number of tiles shown."""

    def __init__(self, placeholder: str = "", parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.placeholder = placeholder
        self.tiles: Optional[np.ndarray] = None
        self.image: Optional[QImage] = None
        self.count = 0
        self.grid = (0, 0)
        self._cols: Optional[int] = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(48, 48)

    def set_tiles(self, tiles: np.ndarray) -> None:
        """Show (n, h, w, 3) uint8 tiles; the columns follow the widget's shape."""
        self.count = int(len(tiles))
        if self.count == 0:
            self.clear()
            return
        self.tiles = tiles
        self._relayout(force=True)

    def best_cols(self) -> int:
        """Columns that make the tiles largest in the widget's current size."""
        n, h, w = self.tiles.shape[:3]
        best, best_scale = 1, -1.0
        for cols in range(1, n + 1):
            rows = -(-n // cols)
            scale = min(self.width() / (cols * (w + 1) + 1), self.height() / (rows * (h + 1) + 1))
            if scale > best_scale + 1e-9:
                best, best_scale = cols, scale
        return best

    def _relayout(self, force: bool = False) -> None:
        if self.tiles is None:
            return
        cols = self.best_cols()
        if cols == self._cols and not force:
            return
        self._cols = cols
        picture = mosaic(self.tiles, cols)
        rows = -(-self.count // cols)
        self.grid = (rows, min(cols, self.count))
        self.image = to_qimage(picture)
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def clear(self, placeholder: Optional[str] = None) -> None:
        if placeholder is not None:
            self.placeholder = placeholder
        self.tiles, self.image, self.count, self.grid, self._cols = None, None, 0, (0, 0), None
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(240, 160)

    def _paint(self, p: QPainter) -> None:
        if self.image is None:
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        iw, ih = self.image.width(), self.image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        # Enlarged: nearest neighbour, so that each weight or pixel stays a sharp square.
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        p.drawImage(target, self.image)
