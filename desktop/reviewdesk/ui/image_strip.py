"""Several images of one item: side by side, or one at a time, with a filmstrip for a sequence.

For sources whose items have more than one image (a Jumio transaction: front, back and face; its
liveness images; Document Verification pages; a Preventor ticket's document and selfie, then its
portrait, ghost portrait and signature). Side by side, the images of one group are laid out in
their order (a Jumio document's front, back and face; DV pages one after another; Preventor's
document beside the selfie), and `step` goes to the next group (Preventor's portrait, then its
ghost portrait, then its signature); one at a time, `step` goes through every image. A "liveness"
group runs as a filmstrip of small frames under them, in number order. `toggle_mode` switches.
A cell whose image could not be had shows its message instead, as plain text; an item with no
images yet shows a placeholder message. The widget only draws: the window decides what to load
and when, and its action registry gives the keys (`next_image`, `previous_image`,
`toggle_side_by_side`); the keys below are the widget's own, when used on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

if TYPE_CHECKING:  # (the sources' modules: not before the window is painted)
    from reviewdesk.sources.base import ImageRef

FILMSTRIP_GROUPS = ("liveness",)
SIDE_BY_SIDE = "side_by_side"
ONE_AT_A_TIME = "one_at_a_time"
TOGGLE_KEY = Qt.Key.Key_V
NEXT_KEY = Qt.Key.Key_BracketRight
PREVIOUS_KEY = Qt.Key.Key_BracketLeft
GAP = 8.0
LABEL_HEIGHT = 18.0
FILMSTRIP_SHARE = 0.22  # of the height, when there is a filmstrip
BACKGROUND = QColor(48, 48, 48)


@dataclass
class _Cell:
    ref: ImageRef
    image: QImage | None = None
    message: str = "Loading…"


class ImageStrip(QWidget):
    #: The mode changed (SIDE_BY_SIDE or ONE_AT_A_TIME).
    mode_changed = Signal(str)
    #: The image shown on its own changed (its key).
    current_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cells: list[_Cell] = []
        self._mode = SIDE_BY_SIDE
        self._current = 0
        self._group = 0  # side by side: which group of the main images is shown
        self._placeholder = ""
        self._hint = ""
        #: Whether the widget answers to its own keys (TOGGLE_KEY, NEXT_KEY, PREVIOUS_KEY); the
        #: window turns this off and gives the keymap's keys through its action registry.
        self.own_keys = True
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.setAccessibleName("Item images")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(800, 520)

    # -- content ---------------------------------------------------------------------------------

    def set_refs(self, refs: Sequence[ImageRef]) -> None:
        """The item's images, each "Loading…" until its image or message comes. Main groups
        first, then the filmstrip; each in its `order`."""
        ordered = sorted(refs, key=lambda r: (r.group in FILMSTRIP_GROUPS, r.order, r.key))
        self._cells = [_Cell(ref) for ref in ordered]
        self._current = 0
        self._group = 0
        self.update()

    def set_placeholder(self, message: str) -> None:
        """What to say while the item has no images to show (plain text)."""
        self._placeholder = message
        self.update()

    def placeholder(self) -> str:
        return self._placeholder

    def set_hint(self, hint: str) -> None:
        """One short line over the images' top right: where the reviewer is, and which keys move."""
        self._hint = hint
        self.update()

    def hint(self) -> str:
        return self._hint

    def position(self) -> tuple[int, int]:
        """(1-based index, count) of the group shown side by side, or of the image shown alone."""
        if self._mode == ONE_AT_A_TIME:
            return (self._current + 1, len(self._cells)) if self._cells else (0, 0)
        groups = self.groups()
        return ((self._group % len(groups)) + 1, len(groups)) if groups else (0, 0)

    def set_image(self, key: str, image: QImage) -> None:
        cell = self._cell(key)
        if cell is not None:
            cell.image, cell.message = (None, "The image is empty") if image.isNull() else (image, "")
            self.update()

    def set_message(self, key: str, message: str) -> None:
        """Show `message` (plain text) in the image's place: it could not be fetched or decoded."""
        cell = self._cell(key)
        if cell is not None:
            cell.image, cell.message = None, message
            self.update()

    def clear(self) -> None:
        self.set_refs(())

    def _cell(self, key: str) -> _Cell | None:
        return next((c for c in self._cells if c.ref.key == key), None)

    # -- state -----------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode

    def keys(self) -> list[str]:
        return [c.ref.key for c in self._cells]

    def groups(self) -> list[str]:
        """The groups of the main images, in their order (each shown side by side on its own)."""
        found: list[str] = []
        for cell in self._cells:
            if cell.ref.group not in FILMSTRIP_GROUPS and cell.ref.group not in found:
                found.append(cell.ref.group)
        return found

    def current_group(self) -> str:
        groups = self.groups()
        return groups[self._group % len(groups)] if groups else ""

    def main_keys(self) -> list[str]:
        """The main images shown side by side: those of the current group."""
        group = self.current_group()
        return [c.ref.key for c in self._cells if c.ref.group == group]

    def filmstrip_keys(self) -> list[str]:
        return [c.ref.key for c in self._cells if c.ref.group in FILMSTRIP_GROUPS]

    def current_key(self) -> str:
        return self._cells[self._current].ref.key if self._cells else ""

    def has_image(self, key: str) -> bool:
        cell = self._cell(key)
        return cell is not None and cell.image is not None

    def message(self, key: str) -> str:
        cell = self._cell(key)
        return cell.message if cell else ""

    def set_mode(self, mode: str) -> None:
        if mode not in (SIDE_BY_SIDE, ONE_AT_A_TIME) or mode == self._mode:
            return
        self._mode = mode
        self.mode_changed.emit(mode)
        self.update()

    def toggle_mode(self) -> None:
        self.set_mode(ONE_AT_A_TIME if self._mode == SIDE_BY_SIDE else SIDE_BY_SIDE)

    def step(self, delta: int) -> None:
        """Side by side: the next (or previous) group, if there are several; else, and one at a time,
        the next (or previous) image, filmstrip included, wrapping around."""
        if not self._cells:
            return
        if self._mode == SIDE_BY_SIDE:
            groups = self.groups()
            if len(groups) > 1:
                self._group = (self._group + delta) % len(groups)
                self.current_changed.emit(self.main_keys()[0])
                self.update()
                return
            self.set_mode(ONE_AT_A_TIME)
            if delta > 0 and self._current == 0 and self.current_key() in self.main_keys():
                self.current_changed.emit(self.current_key())  # the first one first
                return
        self._current = (self._current + delta) % len(self._cells)
        self.current_changed.emit(self.current_key())
        self.update()

    def show_key(self, key: str) -> None:
        keys = self.keys()
        if key in keys:
            self._current = keys.index(key)
            self.set_mode(ONE_AT_A_TIME)
            self.current_changed.emit(key)
            self.update()

    # -- layout ----------------------------------------------------------------------------------

    def layout_rects(self) -> dict[str, QRectF]:
        """Where each shown image's cell is (widget coordinates): the images themselves are fitted
        inside, above their label."""
        rects: dict[str, QRectF] = {}
        hint = LABEL_HEIGHT if self._hint else 0.0  # the hint's line, over the images
        width, height = float(self.width()), float(self.height()) - hint
        if not self._cells:
            return rects
        if self._mode == ONE_AT_A_TIME:
            rects[self.current_key()] = QRectF(GAP, hint + GAP, width - 2 * GAP, height - 2 * GAP)
            return rects
        main, strip = self.main_keys(), self.filmstrip_keys()
        strip_height = height * FILMSTRIP_SHARE if strip and main else (height - 2 * GAP if strip else 0.0)
        main_height = height - strip_height - (3 if strip and main else 2) * GAP if main else 0.0
        for keys, top, row_height in (
            (main, hint + GAP, main_height),
            (strip, hint + height - strip_height - GAP, strip_height),
        ):
            if not keys or row_height <= 0:
                continue
            cell_width = (width - GAP * (len(keys) + 1)) / len(keys)
            for i, key in enumerate(keys):
                rects[key] = QRectF(GAP + i * (cell_width + GAP), top, cell_width, row_height)
        return rects

    @staticmethod
    def image_rect(cell: QRectF, image_size: QSize) -> QRectF:
        """`image_size` fitted (aspect kept, never enlarged past 4x) and centred above the label."""
        area = QRectF(cell.x(), cell.y(), cell.width(), max(1.0, cell.height() - LABEL_HEIGHT))
        if image_size.isEmpty():
            return area
        scale = min(area.width() / image_size.width(), area.height() / image_size.height(), 4.0)
        w, h = image_size.width() * scale, image_size.height() * scale
        return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)

    # -- drawing and keys ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        text = self.palette().color(QPalette.ColorRole.BrightText)
        text = text if text.lightness() > 128 else QColor(235, 235, 235)
        if not self._cells and self._placeholder:
            painter.setPen(text)
            area = QRectF(self.rect()).adjusted(3 * GAP, 3 * GAP, -3 * GAP, -3 * GAP)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
        if self._hint and self._cells:
            metrics = painter.fontMetrics()
            width = min(metrics.horizontalAdvance(self._hint) + 2 * GAP, self.width() - 2 * GAP)
            box = QRectF(self.width() - width - GAP, GAP / 2, width, LABEL_HEIGHT)
            painter.fillRect(box, QColor(0, 0, 0, 160))
            painter.setPen(text)
            painter.drawText(
                box,
                Qt.AlignmentFlag.AlignCenter,
                metrics.elidedText(self._hint, Qt.TextElideMode.ElideRight, int(width - GAP)),
            )
        for key, rect in self.layout_rects().items():
            cell = self._cell(key)
            if cell is None:
                continue
            label = QRectF(rect.x(), rect.bottom() - LABEL_HEIGHT, rect.width(), LABEL_HEIGHT)
            painter.setPen(text)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, cell.ref.label)  # drawText: plain text
            if cell.image is not None:
                painter.drawImage(self.image_rect(rect, cell.image.size()), cell.image)
            else:
                area = QRectF(rect.x(), rect.y(), rect.width(), rect.height() - LABEL_HEIGHT)
                painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, cell.message)
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self.own_keys:  # in the window: the action registry's keys, from the keymap
            super().keyPressEvent(event)
            return
        if event.isAutoRepeat():
            event.accept()
            return
        key = event.key()
        if key == TOGGLE_KEY and not event.modifiers():
            self.toggle_mode()
        elif key == NEXT_KEY:
            self.step(1)
        elif key == PREVIOUS_KEY:
            self.step(-1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()
