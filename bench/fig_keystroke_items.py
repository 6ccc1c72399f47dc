"""Keystroke to the next multi-image item's first image painted: Jumio transactions, in process.

The real window, offscreen, with the simulator's Jumio (in its own process, adding 150 ms to every
request; the window gets it as `--demo` does: `Services.configure_sources(demo_base=...)`). The
queue holds only Jumio transactions, alternating an ID (front, back, face) and a liveness check
(front, back, face and a filmstrip of frames). The reviewer presses `A` (Jumio's approve) on the
window (QTest.keyClick: the real QShortcut path); the time is taken until ImageStrip.paintEvent has
drawn the next item with its first image in place (wrapped at class level, in this process only).
A key on an item whose image was never shown asks for a second press (README "Reviewing"): the
next key is only sent once the item is painted, and any second press is counted.

Reported beside it: whether every image of the next item was already decoded in the cache at the
keystroke (prefetch covers all images of the next items), and whether all of them were in the
first paint. Phases: paced (a key every PACE_MS) and bursts (BURST_KEYS at 5 keys a second after
BURST_LOOK_MS), prefetch on. Floor: the same strip, repainted with its images already in place.
The end-to-end form of this figure (Xvfb) is `fig_keystroke_x11.py`, for Dyneti scans: the
window takes Jumio's hosts from its region setting only, so the real process cannot be pointed
at the bench's slow simulator.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from _common import (
    QtDriver,
    Row,
    SimProcess,
    activate,
    close_within,
    emit,
    figure_parser,
    fmt_ratio,
    ms,
    percentile,
    ratio,
    verdict,
    window_args,
    workdir,
)

LATENCY = 0.15
PACE_MS = 600
BURST_KEYS = 20
BURST_PACE_MS = 200
BURST_LOOK_MS = 1500
WARMUP = 3
TIMEOUT_S = 20.0
BUDGET_S = 0.016


@dataclass
class Probe:
    """What the wrapped ImageStrip.paintEvent sees."""

    controller: Any = None
    expected: str | None = None
    painted_at: float | None = None
    all_images: bool = False
    ignore: bool = False
    loop: Any = None

    def painted(self, strip: Any) -> None:
        if self.ignore or self.painted_at is not None or self.expected is None:
            return
        cells = strip._cells  # the bench reads the strip's cells: what this paint drew
        if self.controller.current == self.expected and cells and cells[0].image is not None:
            self.painted_at = time.perf_counter()
            self.all_images = all(c.image is not None for c in cells)
            if self.loop is not None:
                self.loop.quit()


@dataclass
class Phase:
    name: str
    paint: list[float] = field(default_factory=list)
    covered: list[bool] = field(default_factory=list)  # every image of the next item decoded at the key
    all_painted: list[bool] = field(default_factory=list)
    keys: int = 0
    timeouts: int = 0


def install_probe() -> Probe:
    from reviewdesk.ui import image_strip

    probe = Probe()
    original = image_strip.ImageStrip.paintEvent

    def paint_event(self: Any, event: Any) -> None:
        original(self, event)
        probe.painted(self)

    image_strip.ImageStrip.paintEvent = paint_event  # type: ignore[method-assign]
    return probe


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--decisions", type=int, help="paced keys (default 80, quick 30)")
    parser.add_argument("--bursts", type=int, help=f"bursts of {BURST_KEYS} (default 3, quick 1)")
    args = parser.parse_args()
    n_paced = args.decisions or (30 if args.quick else 80)
    n_bursts = args.bursts if args.bursts is not None else (1 if args.quick else 3)
    folder = workdir(args.workdir)

    driver = QtDriver()
    probe = install_probe()

    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    from reviewdesk.app import build, close
    from reviewdesk.domain.importer import ImportResult
    from reviewdesk.domain.scan import Scan
    from reviewdesk.session import SignInRequest

    with SimProcess(latency=LATENCY) as sim:
        built = driver.run(build(window_args(folder / "data", sim.base_url)), timeout=60)
        controller, window, services = built.controller, built.window, built.services
        probe.controller = controller
        strip = window.item_images
        driver.run(services.session.sign_in(SignInRequest(sim.base_url, token=sim.token, remember=False)))
        driver.run(services.configure_sources(demo_base=sim.base_url))
        controller.dismiss_sign_in()
        total = n_paced + WARMUP + n_bursts * BURST_KEYS + 5
        kinds = ("done-id", "liveness")
        ids = [f"jumio:{kinds[i % 2]}-bench-{i:05d}" for i in range(total)]
        controller.import_result(ImportResult(scans=[Scan(i, {}) for i in ids], problems=[], source="bench"))
        driver.wait_until(lambda: len(controller.model) == total and controller.current is not None, 60)
        activate(driver, window)
        probe.expected = controller.current
        driver.wait_until(lambda: probe.painted_at is not None, TIMEOUT_S)
        driver.spin(500)
        timer = QTimer()
        timer.setSingleShot(True)
        floor: list[float] = []

        def keystroke(phase: Phase, record: bool) -> bool:
            nxt = controller.model.next_to_review(controller.current)
            if nxt is None:
                return False
            refs = controller.images.images_of(nxt)
            covered = refs is not None and all(controller.images.cached(nxt, r.key) is not None for r in refs)
            probe.expected, probe.painted_at = nxt, None
            t0 = time.perf_counter()
            for _press in range(2):  # a second press when the item shown was never seen
                loop = QEventLoop()
                probe.loop = loop
                timer.timeout.connect(loop.quit)
                timer.start(round(TIMEOUT_S * 1000 / 2))
                QTest.keyClick(window, Qt.Key.Key_A)
                phase.keys += record
                if probe.painted_at is None:
                    loop.exec()
                timer.stop()
                timer.timeout.disconnect(loop.quit)
                probe.loop = None
                if probe.painted_at is not None or controller.current == nxt:
                    break
            if probe.painted_at is None:
                driver.wait_until(lambda: probe.painted_at is not None, TIMEOUT_S)
            if probe.painted_at is None:
                phase.timeouts += 1
                return True
            if record:
                phase.paint.append(probe.painted_at - t0)
                phase.covered.append(covered)
                phase.all_painted.append(probe.all_images)
            probe.ignore = True
            f0 = time.perf_counter()
            strip.repaint()
            floor.append(time.perf_counter() - f0)
            probe.ignore = False
            return True

        paced = Phase(f"paced, a key every {PACE_MS} ms, prefetch on")
        for i in range(n_paced + WARMUP):
            due = time.perf_counter() + PACE_MS / 1000
            if not keystroke(paced, record=i >= WARMUP):
                break
            driver.spin(max(0.0, due - time.perf_counter()) * 1000)
        burst = Phase(f"burst of {BURST_KEYS} at {1000 // BURST_PACE_MS} keys/s, prefetch on")
        for _ in range(n_bursts):
            driver.spin(BURST_LOOK_MS)
            for _ in range(BURST_KEYS):
                due = time.perf_counter() + BURST_PACE_MS / 1000
                if not keystroke(burst, record=True):
                    break
                driver.spin(max(0.0, due - time.perf_counter()) * 1000)
        cache_mb = services.settings.cache_mb
        closed = close_within(driver, close(built), 60)
        window.allow_close()
        window.close()

    floor_p95 = percentile(floor, 95)
    for phase in (paced, burst):
        p50, p95 = percentile(phase.paint, 50), percentile(phase.paint, 95)
        n = max(1, len(phase.paint))
        decisions = len(phase.paint)
        notes = (
            f"n={len(phase.paint)}; max {ms(max(phase.paint, default=0.0))}; every image of the next item "
            f"decoded at the keystroke: {sum(phase.covered) / n:.0%}; all of its images in the first paint: "
            f"{sum(phase.all_painted) / n:.0%}; {phase.keys} keys for {decisions} decisions; Jumio items "
            f"(ID: 3 images, liveness: 3 + frames); simulator adding {LATENCY * 1000:.0f} ms a request"
        )
        notes += f"; image cache {cache_mb} MB"
        if closed:
            notes += f"; {closed}"
        if phase.timeouts:
            notes += f"; {phase.timeouts} timed out"
        emit(
            Row(
                figure=f"keystroke to next Jumio item's first image painted ({phase.name})",
                value=f"p50 {ms(p50)} / p95 {ms(p95)}",
                floor=f"strip repaint p95 {ms(floor_p95)}",
                ratio=fmt_ratio(ratio(p95, floor_p95)),
                budget="p95 <= 16 ms",
                verdict=verdict(p95 <= BUDGET_S and not phase.timeouts),
                notes=notes,
                data={
                    "paint_ms": [round(x * 1000, 3) for x in phase.paint],
                    "covered": phase.covered,
                    "all_painted": phase.all_painted,
                    "floor_ms": [round(x * 1000, 3) for x in floor],
                },
            )
        )
    driver.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
