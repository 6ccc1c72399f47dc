"""The image pane: a decoded scan image with zoom, fit, 1:1, rotation and pan, or a state message.

A custom-painted widget: the image is kept as the decoded `QImage` (already in a fast format, see
image_decode) and drawn with one transform per paint, so a cached image shows within a frame.
Zoom and rotation stay when a new image comes, except in fit mode, where the new image is fitted.
Geometry (zoom, pan, fit) is in pixels of the *whole* image: a preview (a large JPEG decoded at a
fraction of its size, see image_decode) is drawn stretched to the whole image's size, so when the
full decode replaces it nothing moves, whatever the zoom, pan and rotation.
While a non-ready state is shown no image is drawn, so the pane never shows the previous scan's
image under the next scan's id.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from reviewdesk.ui.image_decode import full_size
from reviewdesk.ui.image_state import ImageState

BACKGROUND = QColor(38, 40, 43)
TEXT = QColor(230, 230, 230)
DIM_TEXT = QColor(160, 164, 168)
OVERLAY_BG = QColor(0, 0, 0, 150)
OVERLAY_TEXT = QColor(220, 220, 220)
ACCENTS: dict[str, QColor] = {
    "loading": QColor(207, 216, 220),
    "checking": QColor(207, 216, 220),
    "uploading": QColor(128, 216, 255),
    "retrying": QColor(255, 209, 128),
    "not_found": QColor(255, 209, 128),
    "too_large": QColor(255, 209, 128),
    "error": QColor(255, 138, 128),
    "ready": QColor(207, 216, 220),
}
TITLES: dict[str, str] = {
    "loading": "Loading image…",
    "checking": "Checking whether the image exists…",
    "uploading": "Image still uploading",
    "retrying": "Server trouble: retrying by itself",
    "not_found": "No image for this scan",
    "too_large": "Image too large to show",
    "error": "Image could not be shown",
    "ready": "",
}

MIN_ZOOM = 0.02
MAX_ZOOM = 32.0
ZOOM_STEP = 1.25
#: Above this zoom pixels are drawn sharp (nearest) so single pixels can be inspected.
SMOOTH_UP_TO = 4.0
PAN_STEP = 60.0


class ImageView(QWidget):
    """Shows one image (or one state message). The window owns what to show; this only draws."""

    #: The zoom factor changed (1.0 = 100 %).
    zoom_changed = Signal(float)
    #: Zoom, rotation, fit mode or pan changed.
    view_changed = Signal()
    #: The widget's new size in device pixels (what a preview of a large image is sized for).
    resized = Signal(QSize)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._size = QSize()  # the whole image's size (a preview's full size), in image pixels
        self._state: ImageState | None = None
        self._hint = ""
        self._zoom = 1.0
        self._rotation = 0
        self._fit = True
        self._offset = QPointF(0.0, 0.0)  # image centre minus widget centre, in widget pixels
        self._drag_from: QPointF | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self.setAccessibleName("Scan image")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(800, 520)

    # -- content -------------------------------------------------------------------------------

    def set_image(self, image: QImage) -> None:
        """Show `image`. In fit mode it is fitted; otherwise zoom, rotation and pan stay.

        A preview is laid out at its full size (image_decode.full_size), so the full image that
        follows takes exactly its place.
        """
        if image.isNull():
            self.set_state(ImageState("error", "The image is empty"))
            return
        self._image = image
        self._size = full_size(image)
        self._state = ImageState("ready")
        if self._fit:
            self._zoom = self._fit_zoom()
            self._offset = QPointF(0.0, 0.0)
            self.zoom_changed.emit(self._zoom)
        else:
            self._clamp_offset()
        self._update_cursor()
        self.update()

    def set_state(self, state: ImageState) -> None:
        """Show a state. Anything but "ready" removes the image and draws the message instead."""
        if state.kind == "ready":
            if self._image is not None:
                self._state = state
            return
        self._image = None
        self._state = state
        self._drag_from = None
        self._update_cursor()
        self.update()

    def set_hint(self, hint: str) -> None:
        """A line drawn under a state message, e.g. "Press Ctrl+R to retry"."""
        if hint != self._hint:
            self._hint = hint
            self.update()

    def clear(self) -> None:
        """Nothing to show (no scan selected)."""
        self._image = None
        self._state = None
        self._update_cursor()
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def image_size(self) -> QSize:
        """The size of the image shown, in its own pixels (a preview's full size); empty if none."""
        return QSize(self._size) if self._image is not None else QSize()

    @property
    def has_image(self) -> bool:
        return self._image is not None

    @property
    def state(self) -> ImageState | None:
        return self._state

    @property
    def hint(self) -> str:
        return self._hint

    def message_lines(self) -> tuple[str, ...]:
        """The lines drawn in the pane for the current state (empty while an image is shown)."""
        if self._image is not None or self._state is None or self._state.kind == "ready":
            return ()
        lines = [TITLES[self._state.kind]]
        if self._state.message and self._state.message != lines[0]:
            lines.append(self._state.message)
        if self._hint:
            lines.append(self._hint)
        return tuple(lines)

    def overlay_text(self) -> str:
        """The zoom (and rotation) shown in the corner, e.g. "Fit 63%" or "150% · 90°"."""
        text = f"{'Fit ' if self._fit else ''}{round(self._zoom * 100)}%"
        if self._rotation:
            text += f" · {self._rotation}°"
        return text

    # -- zoom, rotation, pan -------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        """Scale factor: 1.0 is one image pixel per (logical) screen pixel."""
        return self._zoom

    @zoom.setter
    def zoom(self, value: float) -> None:
        self.set_zoom(value)

    @property
    def rotation(self) -> int:
        """Clockwise rotation in degrees: 0, 90, 180 or 270."""
        return self._rotation

    @property
    def fit_mode(self) -> bool:
        return self._fit

    @property
    def offset(self) -> QPointF:
        """Where the image centre is, relative to the widget centre (widget pixels)."""
        return QPointF(self._offset)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to `zoom`, keeping the image point under `anchor` (default: the centre) in place."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, float(zoom)))
        self._fit = False
        if self._image is not None and anchor is not None and self._zoom > 0:
            centre = self._centre()
            k = zoom / self._zoom
            v = anchor - centre - self._offset
            self._offset = anchor - centre - v * k
        elif self._zoom > 0:
            self._offset = self._offset * (zoom / self._zoom)
        changed = not math.isclose(zoom, self._zoom)
        self._zoom = zoom
        self._clamp_offset()
        self._update_cursor()
        self.update()
        if changed:
            self.zoom_changed.emit(zoom)
        self.view_changed.emit()

    def zoom_in(self, anchor: QPointF | None = None) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP, anchor)

    def zoom_out(self, anchor: QPointF | None = None) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP, anchor)

    def actual_size(self) -> None:
        """1:1, keeping the centre of the view on the same image point."""
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Fit mode: the whole image in the pane, refitted on resize and for each new image."""
        self._fit = True
        old = self._zoom
        self._zoom = self._fit_zoom()
        self._offset = QPointF(0.0, 0.0)
        self._update_cursor()
        self.update()
        if not math.isclose(old, self._zoom):
            self.zoom_changed.emit(self._zoom)
        self.view_changed.emit()

    def rotate(self, degrees: int = 90) -> None:
        """Rotate clockwise by a multiple of 90 degrees (negative: anticlockwise)."""
        if degrees % 90:
            raise ValueError("rotation must be a multiple of 90 degrees")
        self._rotation = (self._rotation + degrees) % 360
        if self._fit:
            self.fit()
            return
        # Turn the pan with the image, so the point at the centre of the view stays there.
        turn = math.radians(degrees)
        x, y = self._offset.x(), self._offset.y()
        cos, sin = round(math.cos(turn)), round(math.sin(turn))
        self._offset = QPointF(x * cos - y * sin, x * sin + y * cos)
        self._clamp_offset()
        self._update_cursor()
        self.update()
        self.view_changed.emit()

    def reset_rotation(self) -> None:
        if self._rotation:
            self.rotate(-self._rotation)

    def pan(self, dx: float, dy: float) -> bool:
        """Move the image by (dx, dy) widget pixels, as dragging it does. False if nothing moved."""
        before = QPointF(self._offset)
        self._offset = self._offset + QPointF(dx, dy)
        self._clamp_offset()
        moved = self._offset != before
        if moved:
            self.update()
            self.view_changed.emit()
        return moved

    def can_pan(self) -> tuple[bool, bool]:
        """Whether the image overflows the pane horizontally, vertically."""
        limit = self._pan_limit()
        return limit.x() > 0.5, limit.y() > 0.5

    # -- geometry ------------------------------------------------------------------------------

    def _centre(self) -> QPointF:
        return QPointF(self.width() / 2.0, self.height() / 2.0)

    def _rotated_size(self) -> tuple[float, float]:
        if self._image is None:
            return 0.0, 0.0
        w, h = float(self._size.width()), float(self._size.height())
        return (h, w) if self._rotation in (90, 270) else (w, h)

    def _fit_zoom(self) -> float:
        w, h = self._rotated_size()
        if w <= 0 or h <= 0 or self.width() <= 0 or self.height() <= 0:
            return self._zoom
        return min(MAX_ZOOM, max(MIN_ZOOM, min(self.width() / w, self.height() / h)))

    def _pan_limit(self) -> QPointF:
        w, h = self._rotated_size()
        return QPointF(
            max(0.0, (w * self._zoom - self.width()) / 2.0), max(0.0, (h * self._zoom - self.height()) / 2.0)
        )

    def _clamp_offset(self) -> None:
        limit = self._pan_limit()
        self._offset = QPointF(
            min(limit.x(), max(-limit.x(), self._offset.x())),
            min(limit.y(), max(-limit.y(), self._offset.y())),
        )

    def _update_cursor(self) -> None:
        if self._drag_from is not None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._image is not None and any(self.can_pan()):
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()

    # -- events --------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        ratio = self.devicePixelRatioF()
        self.resized.emit(QSize(round(self.width() * ratio), round(self.height() * ratio)))
        if self._fit and self._image is not None:
            old = self._zoom
            self._zoom = self._fit_zoom()
            self._offset = QPointF(0.0, 0.0)
            if not math.isclose(old, self._zoom):
                self.zoom_changed.emit(self._zoom)
        else:
            self._clamp_offset()
        self._update_cursor()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        if self._image is None:
            event.ignore()
            return
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            event.ignore()
            return
        self.set_zoom(self._zoom * ZOOM_STEP**steps, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        step = PAN_STEP * (4 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
        moves = {
            Qt.Key.Key_Left: (step, 0.0),
            Qt.Key.Key_Right: (-step, 0.0),
            Qt.Key.Key_Up: (0.0, step),
            Qt.Key.Key_Down: (0.0, -step),
        }
        move = moves.get(Qt.Key(event.key()))
        # Arrow keys scroll the view (Right shows more of the right side). When there is nothing
        # to scroll the key goes on to the window.
        if move is not None and self._image is not None and self.pan(*move):
            event.accept()
            return
        event.ignore()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self._image is not None:
            self._drag_from = event.position()
            self._update_cursor()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.pan(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self._drag_from is not None:
            self._drag_from = None
            self._update_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Double-click: fit <-> 100 % at the point clicked."""
        if event.button() == Qt.MouseButton.LeftButton and self._image is not None:
            if self._fit:
                self.set_zoom(1.0, event.position())
            else:
                self.fit()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), BACKGROUND)
            if self._image is not None:
                self._paint_image(painter)
                self._paint_overlay(painter)
            elif self._state is not None:
                self._paint_message(painter)
        finally:
            painter.end()

    def _paint_image(self, painter: QPainter) -> None:
        assert self._image is not None
        image = self._image
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._zoom < SMOOTH_UP_TO)
        painter.save()
        painter.translate(self._centre() + self._offset)
        painter.rotate(self._rotation)
        # A preview is stretched to the whole image's size (1.0 for the full image).
        sx = self._size.width() / image.width() if image.width() else 1.0
        sy = self._size.height() / image.height() if image.height() else 1.0
        painter.scale(self._zoom * sx, self._zoom * sy)
        painter.translate(-image.width() / 2.0, -image.height() / 2.0)
        painter.drawImage(QPointF(0.0, 0.0), self._image)
        painter.restore()

    def _paint_overlay(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        text = self.overlay_text()
        metrics = QFontMetricsF(font)
        pad = 5.0
        w = metrics.horizontalAdvance(text) + 2 * pad
        h = metrics.height() + pad
        box = QRectF(self.width() - w - 8.0, self.height() - h - 8.0, w, h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(OVERLAY_BG)
        painter.drawRoundedRect(box, 4.0, 4.0)
        painter.setPen(OVERLAY_TEXT)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_message(self, painter: QPainter) -> None:
        lines = self.message_lines()
        if not lines or self._state is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        base = QFont(self.font())
        title_font = QFont(base)
        title_font.setPointSizeF(base.pointSizeF() * 1.5)
        title_font.setBold(True)
        hint_font = QFont(base)
        hint_font.setItalic(True)
        width = max(80.0, min(self.width() - 40.0, 640.0))
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
        blocks: list[tuple[str, QFont, QColor]] = [
            (lines[0], title_font, ACCENTS[self._state.kind]),
        ]
        rest = list(lines[1:])
        if self._hint and rest and rest[-1] == self._hint:
            hint = rest.pop()
            blocks += [(line, base, TEXT) for line in rest]
            blocks.append((hint, hint_font, DIM_TEXT))
        else:
            blocks += [(line, base, TEXT) for line in rest]
        gap = 10.0
        sized = []
        for text, font, color in blocks:
            rect = QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 10_000), int(flags), text)
            sized.append((text, font, color, rect.height()))
        total = sum(s[3] for s in sized) + gap * (len(sized) - 1)
        y = max(8.0, (self.height() - total) / 2.0)
        x = (self.width() - width) / 2.0
        for text, font, color, height in sized:
            painter.setFont(font)
            painter.setPen(color)
            painter.drawText(QRectF(x, y, width, height), int(flags), text)
            y += height + gap
