"""reviewdesk.ui.image_strip: the multi-image strip, offscreen: layout, order, keys, drawing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage

from reviewdesk.sources.base import ImageRef
from reviewdesk.ui.image_strip import ONE_AT_A_TIME, SIDE_BY_SIDE, ImageStrip

COLOURS = {
    "front": QColor(220, 40, 40),
    "back": QColor(40, 200, 40),
    "face": QColor(40, 40, 220),
    "liveness-1": QColor(240, 240, 0),
    "liveness-2": QColor(0, 240, 240),
    "liveness-3": QColor(240, 0, 240),
}


def solid(colour: QColor) -> QImage:
    image = QImage(QSize(120, 80), QImage.Format.Format_RGB32)
    image.fill(colour)
    return image


@pytest.fixture
def strip(qtbot):
    widget = ImageStrip()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    # Given out of order, as a server may list them.
    refs = [
        ImageRef("liveness-3", "Liveness 3", "liveness", 3),
        ImageRef("face", "Face", "document", 2),
        ImageRef("liveness-1", "Liveness 1", "liveness", 1),
        ImageRef("front", "Front", "document", 0),
        ImageRef("liveness-2", "Liveness 2", "liveness", 2),
        ImageRef("back", "Back", "document", 1),
    ]
    widget.set_refs(refs)
    for key, colour in COLOURS.items():
        widget.set_image(key, solid(colour))
    return widget


def pixel_at_centre(widget: ImageStrip, key: str) -> QColor:
    rect = widget.layout_rects()[key]
    image = ImageStrip.image_rect(rect, QSize(120, 80))
    grab = widget.grab().toImage()
    ratio = grab.width() / widget.width()
    return QColor(grab.pixel(int(image.center().x() * ratio), int(image.center().y() * ratio)))


def test_side_by_side_in_order_with_the_liveness_filmstrip_below(strip) -> None:
    assert strip.main_keys() == ["front", "back", "face"]
    assert strip.filmstrip_keys() == ["liveness-1", "liveness-2", "liveness-3"]
    rects = strip.layout_rects()
    main = [rects[k] for k in strip.main_keys()]
    film = [rects[k] for k in strip.filmstrip_keys()]
    assert [r.x() for r in main] == sorted(r.x() for r in main)
    assert all(a.right() <= b.left() for a, b in zip(main, main[1:], strict=False))
    assert len({round(r.width()) for r in main}) == 1
    assert all(f.top() >= max(m.bottom() for m in main) for f in film)
    assert [r.x() for r in film] == sorted(r.x() for r in film)
    assert all(f.height() < main[0].height() for f in film)
    for key, colour in COLOURS.items():  # each image is drawn in its own cell
        assert pixel_at_centre(strip, key) == colour


def test_a_key_switches_to_one_at_a_time_and_brackets_step(strip, qtbot) -> None:
    strip.setFocus()
    qtbot.keyClick(strip, Qt.Key.Key_V)
    assert strip.mode == ONE_AT_A_TIME and list(strip.layout_rects()) == ["front"]
    assert pixel_at_centre(strip, "front") == COLOURS["front"]
    qtbot.keyClick(strip, Qt.Key.Key_BracketRight)
    qtbot.keyClick(strip, Qt.Key.Key_BracketRight)
    assert strip.current_key() == "face" and pixel_at_centre(strip, "face") == COLOURS["face"]
    qtbot.keyClick(strip, Qt.Key.Key_BracketRight)
    assert strip.current_key() == "liveness-1"
    qtbot.keyClick(strip, Qt.Key.Key_BracketLeft)
    assert strip.current_key() == "face"
    qtbot.keyClick(strip, Qt.Key.Key_V)
    assert strip.mode == SIDE_BY_SIDE and len(strip.layout_rects()) == 6


def test_a_failed_image_shows_its_message_and_the_others_stay(strip) -> None:
    strip.set_message("back", "<b>not</b> fetched: another host")
    assert strip.message("back") == "<b>not</b> fetched: another host"
    assert pixel_at_centre(strip, "front") == COLOURS["front"]
    assert pixel_at_centre(strip, "back") != COLOURS["back"]
    strip.set_image("back", QImage())
    assert strip.message("back") == "The image is empty"


def test_pages_only_and_an_empty_strip() -> None:
    widget = ImageStrip()
    widget.resize(600, 400)
    widget.set_refs([ImageRef("page-2", "Page 2", "pages", 2), ImageRef("page-1", "Page 1", "pages", 1)])
    assert widget.main_keys() == ["page-1", "page-2"] and widget.filmstrip_keys() == []
    assert widget.layout_rects()["page-1"].bottom() > 300  # no filmstrip row taken
    widget.clear()
    assert widget.layout_rects() == {} and widget.current_key() == ""
    widget.step(1)  # nothing to step through: no error
