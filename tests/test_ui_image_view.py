"""The image pane: fit, zoom, rotation, pan (real key presses), state messages drawn, previews."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from reviewdesk.ui.image_decode import FULL_SIZE_KEY, is_preview
from reviewdesk.ui.image_service import ImageState
from reviewdesk.ui.image_view import BACKGROUND, PAN_STEP, ImageView


def solid(width: int, height: int, color: QColor | None = None) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(color or QColor(200, 60, 40))
    return image


@pytest.fixture
def view(qtbot):
    widget = ImageView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def non_background_pixels(image: QImage, step: int = 3) -> int:
    bg = BACKGROUND.rgb()
    return sum(
        1
        for y in range(0, image.height(), step)
        for x in range(0, image.width(), step)
        if image.pixel(x, y) != bg
    )


def test_fit_mode_is_the_default_and_fits_each_new_image(view):
    assert view.fit_mode
    view.set_image(solid(800, 300))
    assert view.zoom == pytest.approx(0.5)  # width-bound: 400 / 800
    view.set_image(solid(100, 150))
    assert view.zoom == pytest.approx(2.0)  # height-bound: 300 / 150
    assert view.offset == QPointF(0, 0)
    assert view.overlay_text() == "Fit 200%"


def test_fit_mode_refits_on_resize(view, qtbot):
    view.set_image(solid(800, 600))
    assert view.zoom == pytest.approx(0.5)
    view.resize(200, 300)
    qtbot.waitUntil(lambda: view.zoom == pytest.approx(0.25))
    assert view.fit_mode


def test_zoom_and_rotation_stay_across_new_images_outside_fit_mode(view):
    view.set_image(solid(800, 600))
    view.actual_size()
    assert not view.fit_mode and view.zoom == 1.0
    view.zoom_in()
    view.rotate(90)
    zoom = view.zoom
    assert zoom == pytest.approx(1.25)
    view.set_image(solid(300, 200, QColor(10, 200, 10)))
    assert view.zoom == zoom
    assert view.rotation == 90
    assert not view.fit_mode
    assert view.overlay_text() == "125% · 90°"


def test_rotation_stays_in_fit_mode_and_the_rotated_image_is_fitted(view):
    view.set_image(solid(800, 200))
    assert view.zoom == pytest.approx(0.5)
    view.rotate(90)  # now 200 wide, 800 high: height-bound 300 / 800
    assert view.rotation == 90
    assert view.fit_mode
    assert view.zoom == pytest.approx(300 / 800)
    view.set_image(solid(800, 200))
    assert view.rotation == 90 and view.zoom == pytest.approx(300 / 800)
    view.rotate(-90)
    assert view.rotation == 0 and view.zoom == pytest.approx(0.5)
    view.rotate(270)
    view.rotate(180)
    assert view.rotation == 90
    with pytest.raises(ValueError):
        view.rotate(45)


def test_zoom_in_out_limits_and_fit_again(view):
    view.set_image(solid(400, 300))
    assert view.zoom == pytest.approx(1.0)
    view.zoom_in()
    view.zoom_in()
    assert view.zoom == pytest.approx(1.5625)
    view.zoom_out()
    assert view.zoom == pytest.approx(1.25)
    for _ in range(100):
        view.zoom_out()
    assert view.zoom > 0
    view.fit()
    assert view.fit_mode and view.zoom == pytest.approx(1.0)


def test_arrow_keys_pan_when_zoomed(view, qtbot):
    view.set_image(solid(400, 300))
    view.set_zoom(4.0)  # 1600 x 1200 in a 400 x 300 pane
    assert view.can_pan() == (True, True)
    start = view.offset
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.offset.x() == pytest.approx(start.x() - PAN_STEP)  # shows more of the right side
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.offset.y() == pytest.approx(start.y() - PAN_STEP)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.offset == start
    # Panning stops at the edge of the image.
    for _ in range(50):
        qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert view.offset.x() == pytest.approx((1600 - 400) / 2)
    view.pan(-10_000, -10_000)
    assert view.offset == QPointF(-(1600 - 400) / 2, -(1200 - 300) / 2)


def test_arrow_keys_go_to_the_window_when_there_is_nothing_to_pan(qtbot):
    seen = []

    class Window(QWidget):  # records the keys the pane passes on
        def keyPressEvent(self, event):  # noqa: N802
            seen.append(event.key())

    window = Window()
    qtbot.addWidget(window)
    view = ImageView(window)
    window.resize(400, 300)
    view.resize(400, 300)
    window.show()
    qtbot.waitExposed(window)
    view.set_image(solid(100, 100))
    view.set_zoom(1.0)  # smaller than the pane: nothing to pan
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.offset == QPointF(0, 0)
    assert seen == [Qt.Key.Key_Right]
    view.set_zoom(8.0)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.offset.x() == pytest.approx(-PAN_STEP)
    assert seen == [Qt.Key.Key_Right]  # used by the pane this time


def test_pan_follows_rotation(view):
    view.set_image(solid(400, 300))
    view.set_zoom(4.0)
    view.pan(-100, 0)  # looking right of the centre
    view.rotate(90)  # that point is now below the centre
    assert view.offset.x() == pytest.approx(0, abs=1e-6)
    assert view.offset.y() == pytest.approx(-100)


def test_mouse_drag_pans_and_wheel_zooms_at_the_cursor(view):
    view.set_image(solid(400, 300))
    view.set_zoom(2.0)

    def mouse(kind, x, y, buttons):
        event = QMouseEvent(
            kind,
            QPointF(x, y),
            view.mapToGlobal(QPointF(x, y)),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(view, event)

    mouse(QMouseEvent.Type.MouseButtonPress, 200, 150, Qt.MouseButton.LeftButton)
    mouse(QMouseEvent.Type.MouseMove, 230, 140, Qt.MouseButton.LeftButton)
    mouse(QMouseEvent.Type.MouseButtonRelease, 230, 140, Qt.MouseButton.NoButton)
    assert view.offset == QPointF(30, -10)

    # Wheel one notch up at (300, 150): zoom x1.25, the image point under the cursor stays put.
    cursor = QPointF(300, 150)
    centre = QPointF(200, 150)
    before = (cursor - centre - view.offset) / view.zoom
    wheel = QWheelEvent(
        cursor,
        view.mapToGlobal(cursor),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, wheel)
    assert view.zoom == pytest.approx(2.5)
    after = (cursor - centre - view.offset) / view.zoom
    assert math.isclose(after.x(), before.x()) and math.isclose(after.y(), before.y())


def test_state_messages_are_drawn_in_the_pane(view, qtbot):
    view.set_image(solid(400, 300))
    view.set_state(ImageState("not_found", "scan missing-1 has no image (FILENOTFOUND)"))
    view.set_hint("No image: press X for no_action_no_image_available")
    assert not view.has_image  # the previous scan's image is never shown under a state
    assert view.message_lines() == (
        "No image for this scan",
        "scan missing-1 has no image (FILENOTFOUND)",
        "No image: press X for no_action_no_image_available",
    )
    shot = view.grab().toImage()
    assert non_background_pixels(shot) > 50  # text was drawn
    # The corners stay background: the message is centred.
    assert shot.pixelColor(2, 2) == BACKGROUND
    assert shot.pixelColor(shot.width() - 3, shot.height() - 3) == BACKGROUND


@pytest.mark.parametrize("kind", ["loading", "uploading", "error", "too_large"])
def test_every_state_draws_a_title(view, kind):
    view.set_state(ImageState(kind, "details"))
    assert view.message_lines()[0]
    assert non_background_pixels(view.grab().toImage()) > 20


def test_an_image_repaints_at_once_and_ready_state_keeps_it(view):
    view.set_state(ImageState("loading"))
    image = solid(400, 300, QColor(0, 120, 255))
    view.set_image(image)
    view.set_state(ImageState("ready"))
    assert view.has_image and view.message_lines() == ()
    shot = view.grab().toImage()
    assert shot.pixelColor(100, 100) == QColor(0, 120, 255)
    view.clear()
    assert not view.has_image and view.state is None


# -- a preview, then the full image ----------------------------------------------------------------

QUADRANTS = (QColor(220, 40, 40), QColor(40, 200, 60), QColor(40, 80, 220), QColor(230, 210, 40))


def quadrants(width: int, height: int) -> QImage:
    """Four colours, one a quadrant, so where the image lies in the pane shows in a grab."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    for i, color in enumerate(QUADRANTS):
        x, y = (i % 2) * width // 2, (i // 2) * height // 2
        painter.fillRect(x, y, width - width // 2, height - height // 2, color)
    painter.end()
    return image


def preview_of(full: QImage, scale: int) -> QImage:
    """What image_decode makes of a large JPEG for a first look: fewer pixels, the full size noted."""
    preview = full.scaled(full.width() // scale, full.height() // scale)
    preview.setText(FULL_SIZE_KEY, f"{full.width()}x{full.height()}")
    assert is_preview(preview)
    return preview


def differing(a: QImage, b: QImage, step: int = 3, tolerance: int = 60) -> float:
    """The share of sampled pixels whose colours differ by more than `tolerance` (sum of channels)."""
    assert a.size() == b.size()
    total = bad = 0
    for y in range(0, a.height(), step):
        for x in range(0, a.width(), step):
            ca, cb = a.pixelColor(x, y), b.pixelColor(x, y)
            total += 1
            diff = abs(ca.red() - cb.red()) + abs(ca.green() - cb.green()) + abs(ca.blue() - cb.blue())
            bad += diff > tolerance
    return bad / total


def test_a_preview_is_laid_out_at_the_full_images_size(view):
    full = quadrants(1600, 1200)
    view.set_image(preview_of(full, 4))  # 400x300 pixels, standing for 1600x1200
    assert view.image_size() == QSize(1600, 1200)
    assert view.zoom == pytest.approx(0.25)  # fitted as the full image: 400 / 1600
    assert view.overlay_text() == "Fit 25%"
    preview_shot = view.grab().toImage()
    view.set_image(full)
    assert view.zoom == pytest.approx(0.25) and view.fit_mode
    assert differing(preview_shot, view.grab().toImage()) < 0.01  # the same picture


def test_the_full_image_replaces_the_preview_keeping_zoom_pan_and_rotation(view):
    full = quadrants(1600, 1200)
    view.set_image(preview_of(full, 4))
    view.set_zoom(0.3, QPointF(250, 120))  # zoomed at a point off centre
    view.rotate(90)  # 360 x 480 in the 400 x 300 pane: pans vertically
    assert view.pan(0, -50)
    zoom, offset, rotation, text = view.zoom, view.offset, view.rotation, view.overlay_text()
    assert offset.y() != 0
    preview_shot = view.grab().toImage()
    changes: list[str] = []
    view.view_changed.connect(lambda: changes.append("view"))
    view.zoom_changed.connect(lambda z: changes.append(f"zoom {z}"))
    view.set_image(full)
    assert (view.zoom, view.offset, view.rotation) == (zoom, offset, rotation)
    assert view.overlay_text() == text and not view.fit_mode and changes == []
    assert view.image_size() == QSize(1600, 1200) and view.can_pan() == (False, True)
    full_shot = view.grab().toImage()
    assert differing(preview_shot, full_shot) < 0.01  # no jump: the quadrants stay where they were
    # and the picture is not trivially uniform: all four colours are in the pane
    seen = {full_shot.pixelColor(x, y).rgb() for x in range(0, 400, 10) for y in range(0, 300, 10)}
    assert all(color.rgb() in seen for color in QUADRANTS)


def test_a_preview_with_rounded_up_size_covers_exactly_the_full_image(view):
    # libjpeg rounds up: 1601 / 4 -> 401. The preview is stretched to 1601, not to 1604.
    preview = QImage(401, 301, QImage.Format.Format_RGB32)
    preview.fill(QColor(0, 120, 255))
    preview.setText(FULL_SIZE_KEY, "1601x1203")
    view.set_image(preview)
    assert view.image_size() == QSize(1601, 1203)
    view.set_zoom(1.0)
    assert view.pan(-10_000, 0) and view.offset.x() == pytest.approx(-(1601 - 400) / 2)
    shot = view.grab().toImage()
    assert shot.pixelColor(shot.width() - 1, 150) == QColor(0, 120, 255)  # reaches the right edge
