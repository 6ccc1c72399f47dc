"""Keystroke to next image on screen, end to end: the real `reviewdesk` process on a real X display.

Xvfb (no window manager), the simulator in its own process adding 150 ms to every request, and
`reviewdesk --data-dir D --base-url URL queue.txt` signed in by typing the token into its dialog.
Each `a` goes through XTEST on this process's own X connection, to whatever has the focus. From
the moment the key is sent, a small region in the middle of the image area is read back with
XGetImage (a 400x24 strip, ~0.1-0.3 ms a read) every POLL_MS, until it differs from the previous
card, has stayed the same for STABLE_MS and the window's title names the next scan; then every
5 ms until the next key. The card is "on screen" at the first read from which the region stays as
it finally is (a grey "Loading…" or a preview stretched to size on the way is not the card, and is
counted). The resolution is the time between two reads (reported with the time one read takes).
Reads with no pause at all make this process and Xvfb take both cores of a 2-core machine from
the window being measured (p95 42-48 ms paced, 93-109 ms in bursts, against 11 and 8 ms with a
1 ms pause: docs/PERFORMANCE.md); `--poll-ms 0` shows it.

Phases, prefetch on (the product's default): paced (a key every PACE_MS, like a reviewer at 1-2
cards a second), then bursts (the reviewer looks at a card for BURST_LOOK_MS, then clears
BURST_KEYS obvious ones at 5 keys a second). A key is never sent before the card it decides is on
screen (the second-press rule: approving a scan whose image was never shown takes two presses);
the keys sent per decision delivered to the simulator are reported.

Floor, from the same run and the same display: a key with no action (`Shift`) sent the same way,
the X server's answer awaited, then one read of the region: the cost of sending a key and seeing
the screen once, with nothing to draw. The figure's ratio is against it.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import Row, SimProcess, emit, figure_parser, fmt_ratio, ms, percentile, ratio, verdict, workdir
from _xscreen import App, Screen, tools_missing, wait_for, xvfb

LATENCY = 0.15
PACE_MS = 600  # a key every 0.6 s: 1.7 cards a second
BURST_KEYS = 20
BURST_PACE_MS = 200  # 5 keys a second
BURST_LOOK_MS = 1500
WARMUP = 3
STABLE_MS = 30
POLL_MS = 1.0  # between reads: a read loop with no pause takes a whole core from the 2 the machine has
SLOW_POLL_S = 0.005
KEY_TIMEOUT_S = 15.0
START_TIMEOUT_S = 60.0
MAIN = "ReviewDesk"
SIGN_IN = "Sign in to ReviewDesk"


@dataclass
class Phase:
    name: str
    budget_s: float
    shown: list[float] = field(default_factory=list)  # key sent -> the card on screen
    settled: list[float] = field(default_factory=list)  # key sent -> stable and the title right
    between: int = 0  # something else (a "Loading…", a preview) was on screen before the card
    late: int = 0  # the region changed again after it looked settled
    timeouts: int = 0


@dataclass
class Probe:
    screen: Screen
    window: object
    box: tuple[int, int, int, int]
    poll_s: float = POLL_MS / 1000
    reads: list[float] = field(default_factory=list)  # seconds one XGetImage round trip took
    gaps: list[float] = field(default_factory=list)  # seconds between two reads after a key (the resolution)

    def read(self) -> tuple[float, bytes]:
        t = time.perf_counter()
        d = self.screen.digest(self.box)
        end = time.perf_counter()
        self.reads.append(end - t)
        return end, d

    def title(self) -> str:
        return self.screen.title(self.window)


def image_box(x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    """A 400x24 strip across the image area, where the card's number is drawn (digits, the redaction
    and the card's edge differ from scan to scan; a flat patch of two cards of one colour would not)."""
    cx, cy = x + int(w * 0.47), y + int(h * 0.57)
    return (cx - 200, cy - 12, 400, 24)


def keystroke(
    probe: Probe, keycode: int, previous: bytes, expected: str, due: float
) -> tuple[float, float, bytes, bool]:
    """Send the key; return (shown, settled) seconds after it, the region's final digest, and whether
    something other than the previous card and the final one was on screen in between.

    Raises TimeoutError when the next card is not on screen within KEY_TIMEOUT_S."""
    samples: list[tuple[float, bytes]] = []
    t0 = time.perf_counter()
    probe.screen.press(keycode)
    changed_at, current, last = t0, previous, t0
    while True:  # fast: a read every poll_s
        if probe.poll_s:
            time.sleep(probe.poll_s)
        t, d = probe.read()
        probe.gaps.append(t - last)
        last = t
        samples.append((t, d))
        if d != current:
            current, changed_at = d, t
        elif d != previous and t - changed_at >= STABLE_MS / 1000 and expected in probe.title():
            break
        if t - t0 > KEY_TIMEOUT_S:
            raise TimeoutError(expected)
    settled = time.perf_counter() - t0
    while time.perf_counter() < due:  # slowly, until the next key (a late change is seen)
        time.sleep(SLOW_POLL_S)
        samples.append(probe.read())
    final = samples[-1][1]
    first = len(samples)
    while first > 0 and samples[first - 1][1] == final:
        first -= 1
    between = any(d not in (previous, final) for _, d in samples[:first])
    return samples[first][0] - t0, settled, final, between


def run_phase(
    probe: Probe,
    phase: Phase,
    keycode: int,
    ids: list[str],
    start: int,
    count: int,
    pace_s: float,
    warmup: int,
) -> tuple[int, int]:
    """`count` keys from queue position `start`, the first `warmup` not recorded; returns (next
    position, keys sent)."""
    previous = probe.read()[1]
    due = time.perf_counter()
    position, sent = start, 0
    for i in range(count):
        if position + 1 >= len(ids):
            break
        while time.perf_counter() < due:
            time.sleep(0.001)
        due = time.perf_counter() + pace_s
        try:
            shown, settled, previous, between = keystroke(probe, keycode, previous, ids[position + 1], due)
        except TimeoutError:
            phase.timeouts += 1
            sent += 1
            break
        sent += 1
        position += 1
        if i < warmup:
            continue
        if shown > settled:
            phase.late += 1
        phase.between += between
        phase.shown.append(shown)
        phase.settled.append(settled)
    return position, sent


def sign_in(screen: Screen, token: str) -> None:
    wait_for(lambda: screen.window(SIGN_IN), START_TIMEOUT_S, "the sign-in dialog")
    wait_for(lambda: screen.focused_title().startswith(SIGN_IN), 30, "the sign-in dialog to have the keys")
    screen.xdotool("type", "--delay", "2", token)
    screen.xdotool("key", "Return")
    wait_for(lambda: screen.window(SIGN_IN) is None, 30, "the sign-in dialog to close")


def floor_of(probe: Probe, samples: int) -> list[float]:
    """A key with no action (Shift) sent the same way, and one read: what the figure cannot go under."""
    shift = probe.screen.keycode("Shift_L")
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        probe.screen.press(shift)
        probe.screen.x.sync()
        probe.read()
        out.append(time.perf_counter() - t0)
        time.sleep(0.02)
    return out


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--decisions", type=int, help="paced keys (default 100, quick 30)")
    parser.add_argument("--bursts", type=int, help=f"bursts of {BURST_KEYS} (default 4, quick 2)")
    parser.add_argument("--poll-ms", type=float, default=POLL_MS, help="pause between two reads (0: none)")
    parser.add_argument("--shots", type=Path, help="save a screenshot of the window here (PNG)")
    args = parser.parse_args()
    missing = tools_missing()
    if missing:
        emit(
            Row(
                figure="keystroke to next image on screen (Xvfb, XTEST)",
                value="not measured",
                verdict="not measured",
                notes=f"needs {missing} (scripts/system-deps.sh --tests)",
            )
        )
        return 0
    n_paced = args.decisions or (30 if args.quick else 100)
    n_bursts = args.bursts if args.bursts is not None else (2 if args.quick else 4)
    folder = workdir(args.workdir)
    ids = [f"ready-x11-{i:05d}" for i in range(n_paced + n_bursts * BURST_KEYS + 10)]
    queue = folder / "queue.txt"
    queue.write_text("\n".join(ids) + "\n")
    paced = Phase(f"paced, a key every {PACE_MS} ms, prefetch on", 0.033)
    burst = Phase(f"burst of {BURST_KEYS} at {1000 // BURST_PACE_MS} keys/s, prefetch on", 0.016)

    with SimProcess(latency=LATENCY) as sim, xvfb() as screen:
        app = App(
            screen,
            ["--data-dir", str(folder / "data"), "--base-url", sim.base_url, str(queue)],
            folder / "reviewdesk.log",
        )
        try:
            sign_in(screen, sim.token)
            entry = wait_for(
                lambda: screen.window(MAIN + " · " + ids[0]), 30, "the main window on the first scan"
            )
            wait_for(
                lambda: screen.focused_title().startswith(MAIN + " · "),
                30,
                "the main window to have the keys",
            )
            window, _, x, y, w, h = entry
            probe = Probe(screen, window, image_box(x, y, w, h), args.poll_ms / 1000)
            first = probe.read()[1]
            blank = wait_for(lambda: probe.read()[1] != first or None, 30, "the first card")  # noqa: F841
            time.sleep(1.0)
            if args.shots:
                screen.save(args.shots)
                screen.save(args.shots.with_name(args.shots.stem + "-region.png"), probe.box)
            keycode = screen.keycode("a")
            floor = floor_of(probe, 40)
            position, sent = run_phase(
                probe, paced, keycode, ids, 0, n_paced + WARMUP, PACE_MS / 1000, WARMUP
            )
            for _ in range(n_bursts):
                time.sleep(BURST_LOOK_MS / 1000)
                position, more = run_phase(
                    probe, burst, keycode, ids, position, BURST_KEYS, BURST_PACE_MS / 1000, 0
                )
                sent += more
            floor += floor_of(probe, 40)
            # Decisions go after the undo delay (5 s): wait for every one at the simulator.
            decided = position
            with contextlib.suppress(TimeoutError):
                wait_for(
                    lambda: sim.stats()["feedback"] >= decided, 30, "the decisions at the simulator", 0.25
                )
            delivered = sim.stats()["feedback"]
        finally:
            app.stop()

    reads, gaps = probe.reads, probe.gaps
    floor_p50, floor_p95 = percentile(floor, 50), percentile(floor, 95)
    per_decision = sent / delivered if delivered else float("inf")
    for phase in (paced, burst):
        p50, p95, top = (
            percentile(phase.shown, 50),
            percentile(phase.shown, 95),
            max(phase.shown, default=0.0),
        )
        r = ratio(p95, floor_p95)
        notes = (
            f"n={len(phase.shown)}; max {ms(top)}; settled (stable {STABLE_MS} ms and the title right) p95 "
            f"{ms(percentile(phase.settled, 95))}; resolution: a read every {ms(percentile(gaps, 50))} "
            f"(p95 {ms(percentile(gaps, 95))}), one read taking {ms(percentile(reads, 50))} "
            f"(p95 {ms(percentile(reads, 95))}); "
            f"{sent} keys for {delivered} decisions delivered: "
            f"{per_decision:.2f} keys a decision; simulator adding {LATENCY * 1000:.0f} ms a request"
        )
        notes += f"; something else on screen before the card (not prefetched): {phase.between}"
        if phase.late:
            notes += f"; {phase.late} changed again after they looked settled"
        if phase.timeouts:
            notes += f"; {phase.timeouts} timed out"
        emit(
            Row(
                figure=f"keystroke to next image on screen, Xvfb + XTEST ({phase.name})",
                value=f"p50 {ms(p50)} / p95 {ms(p95)} / max {ms(top)}",
                floor=f"key + one read p50 {ms(floor_p50)} / p95 {ms(floor_p95)}",
                ratio=fmt_ratio(r),
                budget=f"p95 <= {phase.budget_s * 1000:.0f} ms",
                verdict=verdict(p95 <= phase.budget_s and not phase.timeouts),
                notes=notes,
                data={
                    "shown_ms": [round(v * 1000, 3) for v in phase.shown],
                    "settled_ms": [round(v * 1000, 3) for v in phase.settled],
                    "read_ms_p50": round(percentile(reads, 50) * 1000, 3),
                    "read_ms_p95": round(percentile(reads, 95) * 1000, 3),
                    "read_every_ms_p50": round(percentile(gaps, 50) * 1000, 3),
                    "read_every_ms_p95": round(percentile(gaps, 95) * 1000, 3),
                    "floor_ms": [round(v * 1000, 3) for v in floor],
                    "keys": sent,
                    "delivered": delivered,
                },
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
