"""Filter or search over 100,000 rows, per keystroke.

The real main window (MainWindow, no services needed) shown offscreen, its scan list holding 100,000
scans (a quarter decided). Each keystroke is a QTest.keyClick into the search box (or a change of
the state filter), then Qt's posted events are processed until the table has re-laid out and
repainted: the time is until then. The sequence types a query letter by letter (each narrows the
rows), deletes it again with Backspace (each widens them: a full recompute), and switches the state
filter to "Decided" and back, with the query typed and without.

Floor: for each keystroke, the least work a filter can do: one list comprehension over the
100,000 pre-lowered ids with the same query (`[r for r, s in enumerate(ids) if q in s]`).
"""

from __future__ import annotations

import random
import time

from _common import QtDriver, Row, activate, emit, figure_parser, fmt_ratio, ms, percentile, ratio, verdict

ROWS = 100_000
QUERIES = ("a3f0", "_0999", "9c")


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rounds", type=int, help="times through the sequence (default 5, quick 2)")
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    driver = QtDriver()

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from reviewdesk.domain.keymap import Keymap
    from reviewdesk.domain.scan import Scan, ScanState
    from reviewdesk.ui.main_window import MainWindow

    rnd = random.Random(3)
    scans = []
    for i in range(args.rows):
        state = ScanState.DECIDED if i % 4 == 0 else ScanState.TO_REVIEW
        facts = {"bin": f"{rnd.randrange(400000, 560000)}", "last4": f"{rnd.randrange(10000):04d}"}
        scans.append(
            Scan(
                f"scan_{rnd.getrandbits(64):016x}_{i:06d}",
                facts,
                state,
                "approved" if state is ScanState.DECIDED else None,
            )
        )
    window = MainWindow(Keymap.defaults())
    pane = window.scan_list
    pane.set_scans(scans)
    activate(driver, window)
    pane.select(scans[len(scans) // 2].scan_id)
    pane.search_box.setFocus()
    driver.drain_events()
    lowered = [s.scan_id.lower() for s in scans]

    times: list[float] = []
    floor: list[float] = []
    kinds: dict[str, list[float]] = {"narrowing": [], "widening": [], "state filter": []}

    in_call: list[float] = []  # the synchronous part: filter computed, proxy reset

    def timed(kind: str, action: object, query: str) -> None:
        t0 = time.perf_counter()
        action()  # type: ignore[operator]
        in_call.append(time.perf_counter() - t0)
        driver.drain_events()
        driver.wait_until(lambda: not pane.proxy.searching, timeout=60, step_ms=1)  # (over 200,000 rows)
        elapsed = time.perf_counter() - t0
        times.append(elapsed)
        kinds[kind].append(elapsed)
        f0 = time.perf_counter()
        _ = [r for r, s in enumerate(lowered) if query in s]
        floor.append(time.perf_counter() - f0)

    for _ in range(rounds):
        for query in QUERIES:
            for n, ch in enumerate(query):
                timed("narrowing", lambda c=ch: QTest.keyClick(pane.search_box, c), query[: n + 1])
            timed("state filter", lambda: pane.set_state_filter(ScanState.DECIDED), query)
            timed("state filter", lambda: pane.set_state_filter(None), query)
            for n in range(len(query)):
                timed(
                    "widening",
                    lambda: QTest.keyClick(pane.search_box, Qt.Key.Key_Backspace),
                    query[: len(query) - n - 1],
                )
        timed("state filter", lambda: pane.set_state_filter(ScanState.DECIDED), "")
        timed("state filter", lambda: pane.set_state_filter(None), "")
    visible = pane.proxy.visible_count()
    window.close()
    driver.close()

    p50, p95, worst = percentile(times, 50), percentile(times, 95), max(times)
    f50, f95 = percentile(floor, 50), percentile(floor, 95)
    detail = "; ".join(f"{k} p95 {ms(percentile(v, 95))}" for k, v in kinds.items() if v)
    emit(
        Row(
            figure=f"filter or search over {args.rows:,} rows, per keystroke",
            value=f"p50 {ms(p50)} / p95 {ms(p95)} / max {ms(worst)}",
            floor=f"p50 {ms(f50)} / p95 {ms(f95)}",
            ratio=fmt_ratio(ratio(p95, f95)),
            budget="<= 50 ms",
            verdict=verdict(p95 <= 0.050),
            notes=f"{len(times)} keystrokes; {detail}; filter + reset (before the repaint) p50 "
            f"{ms(percentile(in_call, 50))} / p95 {ms(percentile(in_call, 95))}; "
            f"{visible:,} rows visible at the end",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
