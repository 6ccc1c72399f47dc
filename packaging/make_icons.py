"""Render the application icon from resources/icons/reviewdesk.svg (run once; commit the outputs).

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

Writes resources/icons/reviewdesk-<N>.png for every size in SIZES (Qt's SVG renderer),
reviewdesk.ico (Windows: 16-256 px in one file) and reviewdesk.icns (macOS: 16-1024 px), both
with Pillow. The SVG is the source; the rest are derived, so edit the SVG and run this again.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SVG = ICONS / "reviewdesk.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(size: int) -> bytes:
    """The SVG rendered at `size` x `size` pixels, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    written = []
    for size in SIZES:
        path = ICONS / f"reviewdesk-{size}.png"
        path.write_bytes(render(size))
        written.append(path)

    big = Image.open(io.BytesIO(render(1024))).convert("RGBA")
    # Each ICO entry from its own render (crisper at 16 px than a downscale of 1024).
    ico_images = [Image.open(io.BytesIO(render(s))).convert("RGBA") for s in ICO_SIZES]
    ico = ICONS / "reviewdesk.ico"
    ico_images[-1].save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=ico_images[:-1])
    written.append(ico)
    icns = ICONS / "reviewdesk.icns"
    big.save(icns, format="ICNS")
    written.append(icns)
    for path in written:
        print(f"wrote {path.relative_to(ICONS.parents[1])} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
