"""A 6000x4000 JPEG: time to first paint, and frame time while zooming and panning.

The real main window (MainWindow) offscreen, and an ImageService whose resolver hands over the JPEG
bytes at once (no network: this figure is about decoding and drawing), wired as ReviewController
wires it. First paint = from `images.show(id)` (decode in the executor, the cache, `image_ready`,
`view.set_image`) until ImageView.paintEvent has drawn the image (paintEvent wrapped at class
level, this process only): for this JPEG that is the preview the service decodes first (1/4 size
for the pane), so the time until the full-resolution image is painted is reported too, and each
run waits for it. Floor: decoding the same bytes alone at the preview's size (QImageReader
setScaledSize) on this thread; the whole decode (`QImage.fromData`) is in the notes.

Frames, once the full image is in: zoom in from fit to 400% in wheel steps around a point off
centre, pan in 60 px steps (the arrow keys' step) right, down, left, up at 100% and at 400%, zoom
back out to fit; each step is the view call plus a forced `repaint()`. Floor: the same repaint of
the same view showing an image already the size of the view at 100% (no scaling).
"""

from __future__ import annotations

import io
import time
from typing import Any

from _common import (
    MemoryResolver,
    QtDriver,
    Row,
    activate,
    emit,
    figure_parser,
    fmt_ratio,
    ms,
    percentile,
    ratio,
    verdict,
)

WIDTH, HEIGHT = 6000, 4000


def make_jpeg() -> bytes:
    """A photo-like 6000x4000 JPEG (noise over gradients and shapes: no easy compression)."""
    from PIL import Image, ImageDraw, ImageFilter

    base = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    noise = Image.effect_noise((WIDTH, HEIGHT), 40)
    other = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    image = Image.merge("RGB", (base, noise, other))
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 797) % WIDTH, (i * 331) % HEIGHT
        draw.rectangle((x, y, x + 600, y + 380), outline=(255, 255, 255), width=12)
    image = image.filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def decode_scaled(data: bytes, factor: int) -> float:
    """Seconds to decode `data` at 1/factor of its size (QImageReader.setScaledSize: for a JPEG,
    libjpeg scales in the DCT, so most of the decoding work is skipped). What a first paint needs."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QImageReader

    t0 = time.perf_counter()
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setScaledSize(QSize(WIDTH // factor, HEIGHT // factor))
    image = reader.read()
    elapsed = time.perf_counter() - t0
    assert image.width() == WIDTH // factor
    return elapsed


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--repeat", type=int, help="first-paint runs (default 5, quick 3)")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 5)
    data = make_jpeg()
    driver = QtDriver()

    from PySide6.QtCore import QEventLoop, QPointF, QTimer
    from PySide6.QtGui import QImage

    from reviewdesk.domain.keymap import Keymap
    from reviewdesk.ui import image_view
    from reviewdesk.ui.image_service import ImageService
    from reviewdesk.ui.main_window import MainWindow

    state: dict[str, Any] = {"painted": None, "full": None, "first_width": 0, "loop": None}
    original = image_view.ImageView.paintEvent

    def paint_event(self: Any, event: Any) -> None:
        original(self, event)
        image = self.image()
        if image is None:
            return
        now = time.perf_counter()
        if state["painted"] is None:
            state["painted"] = now
            state["first_width"] = image.width()
        if state["full"] is None and image.width() == WIDTH:
            state["full"] = now
            if state["loop"] is not None:
                state["loop"].quit()

    image_view.ImageView.paintEvent = paint_event  # type: ignore[method-assign]

    window = MainWindow(Keymap.defaults())
    view = window.image_view
    activate(driver, window)
    resolver = MemoryResolver(lambda _id: data)
    service = ImageService(lambda: resolver, prefetch=0)
    service.image_ready.connect(lambda _id, image: view.set_image(image))

    first: list[float] = []
    full: list[float] = []
    floor_decode: list[float] = []
    scaled_decode: list[float] = []
    factors: set[int] = set()
    for i in range(repeat):
        view.clear()
        driver.drain_events()
        service.clear()
        state.update(painted=None, full=None, first_width=0)
        loop = QEventLoop()
        state["loop"] = loop
        QTimer.singleShot(60_000, loop.quit)
        t0 = time.perf_counter()
        service.show(f"big-{i}")
        if state["full"] is None:
            loop.exec()  # until the full image is painted: the next run starts with nothing under way
        state["loop"] = None
        if state["painted"] is not None:
            first.append(state["painted"] - t0)
            factors.add(max(1, round(WIDTH / max(1, state["first_width"]))))
        if state["full"] is not None:
            full.append(state["full"] - t0)
        f0 = time.perf_counter()
        decoded = QImage.fromData(data)
        floor_decode.append(time.perf_counter() - f0)
        assert decoded.width() == WIDTH
        scaled_decode.append(decode_scaled(data, max(factors or {1})))
    image = view.image()
    assert image is not None and image.width() == WIDTH  # the frames are timed on the full image

    def frame(action: Any) -> float:
        t0 = time.perf_counter()
        action()
        view.repaint()
        return time.perf_counter() - t0

    frames: list[float] = []
    view.fit()
    view.repaint()
    anchor = QPointF(view.width() * 0.6, view.height() * 0.4)
    while view.zoom < 4.0:
        frames.append(frame(lambda: view.set_zoom(view.zoom * 1.25, anchor)))
    for zoom in (1.0, 4.0):
        view.set_zoom(zoom)
        view.repaint()
        for dx, dy in ((-60, 0), (0, -60), (60, 0), (0, 60)):
            for _ in range(8):
                frames.append(frame(lambda dx=dx, dy=dy: view.pan(dx, dy)))
    while view.zoom > 0.12:
        frames.append(frame(lambda: view.set_zoom(view.zoom / 1.25, anchor)))
    frames.append(frame(view.fit))

    # the floor: an image already the size of the view, at 100%
    small = image.scaled(view.size()).convertToFormat(image.format())
    view.set_image(small)
    view.set_zoom(1.0)
    view.repaint()
    floor_frames = [frame(lambda: None) for _ in range(len(frames))]
    window.close()
    driver.close()

    fp50, fmax = percentile(first, 50), max(first) if first else float("inf")
    d50, s50 = percentile(floor_decode, 50), percentile(scaled_decode, 50)
    factor = "/".join(f"1/{f}" for f in sorted(factors)) or "?"
    emit(
        Row(
            figure=f"a {WIDTH}x{HEIGHT} JPEG: time to first paint",
            value=f"median {ms(fp50)} / max {ms(fmax)}",
            floor=f"decode at {factor} alone {ms(s50)}",
            ratio=fmt_ratio(ratio(fp50, s50)),
            budget="<= 300 ms",
            verdict=verdict(bool(first) and fmax <= 0.300),
            notes=f"{len(first)} runs; JPEG {len(data) / 1e6:.1f} MB; "
            f"view {view.width()}x{view.height()} px; first paint is the {factor} preview; "
            f"full image painted after median {ms(percentile(full, 50))} ({len(full)} runs); "
            f"the whole decode alone takes {ms(d50)}",
            data={"first": first, "full": full, "decode": floor_decode, "scaled_decode": scaled_decode},
        )
    )
    p50, p95, worst = percentile(frames, 50), percentile(frames, 95), max(frames)
    g50, g95 = percentile(floor_frames, 50), percentile(floor_frames, 95)
    emit(
        Row(
            figure=f"a {WIDTH}x{HEIGHT} JPEG: frame time zooming and panning",
            value=f"p50 {ms(p50)} / p95 {ms(p95)} / max {ms(worst)}",
            floor=f"p50 {ms(g50)} / p95 {ms(g95)}",
            ratio=fmt_ratio(ratio(p95, g95)),
            budget="<= 16 ms",
            verdict=verdict(p95 <= 0.016),
            notes=f"{len(frames)} frames (zoom fit..400% and back, pans at 100% and 400%); "
            "floor = repaint of a view-sized image at 100%",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
