"""Growth with the queue: 10,000, 100,000 and 1,000,000 scans (quick: 10,000 and 100,000).

For each size, in a fresh process each (clean memory):
- **import**: the real window (`build`, signed out) on a fresh data dir; N rows with 7 card facts in
  CSV files of at most 500,000 rows (64 MB is the most one file may hold), handed over as one drop
  (`ScanListPane.files_chosen`); wall time until the table holds every
  row and the controller has no task left; the longest GUI-thread stall meanwhile (gaps of a 5 ms
  heartbeat timer); RSS at the end and its peak (VmHWM).
- **filter**: in that window, search strings typed into the search box one key at a time
  (`QTest.keyClick`, each until Qt's posted events are processed and its rows are shown: a search
  over more than 200,000 rows is made in steps), Backspace back, and the state filter switched:
  p50, p95 and max per keystroke, and the longest GUI-thread stall meanwhile (the budget's figure).
- **restart**: the product itself, `reviewdesk --data-dir DIR --exit-after-start` on the data dir the
  import made (N scans queued): spawn to `ready` (window shown, queue loaded, first scan shown, the
  loop gone round once), median of runs; its peak RSS (`ru_maxrss` of the child).
- **restart stall**: `build()` on that data dir in a fresh process with the heartbeat running, the
  window shown as soon as it returns (as the product does): the longest GUI-thread stall from the
  window shown until the queue is loaded (and, in the notes, while the window is being built).

Floors from the same run: for the import, `list(csv.reader(file))`; for the restart, a bare PySide6
QMainWindow process (`entry_bare.py`) - the same floors as the import and start-up figures.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    BENCH,
    PYTHON,
    QtDriver,
    Row,
    emit,
    figure_parser,
    fmt_ratio,
    median,
    mib,
    ms,
    percentile,
    quiet_env,
    ratio,
    rss_kib,
    verdict,
    window_args,
    workdir,
)

SIZES_QUICK = (10_000, 100_000)
SIZES_FULL = (10_000, 100_000, 1_000_000)
CHILD_PREFIX = "GROWTH-CHILD "
STALL_BUDGET = 0.100
RESTART_BUDGET_1M = 2.0
MEMORY_BUDGET_1M_MB = 600  # megabytes (10^6 bytes: 572 MiB)
PART_ROWS = 500_000


def _heartbeat() -> tuple[Any, list[float]]:
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    return timer, ticks


def _longest_gap(ticks: list[float], since: float) -> float:
    marks = [since, *[t for t in ticks if t >= since], time.perf_counter()]
    return max((b - a for a, b in zip(marks, marks[1:], strict=False)), default=0.0)


def child_import(size: int, folder: Path) -> dict[str, Any]:
    """Import N rows into a fresh window, then time filter keystrokes in it."""
    from fig_import import write_csv

    # Files of at most PART_ROWS rows: one file may hold 64 MB (limits.MAX_IMPORT_FILE_BYTES), and
    # 1,000,000 rows with card facts are 84 MB. They are dropped together, as a reviewer would.
    paths = []
    for part, at in enumerate(range(0, size, PART_ROWS)):
        path = folder / f"queue-{size}-{part}.csv"
        if not path.exists():
            write_csv(path, min(PART_ROWS, size - at), seed=7 + part)
        paths.append(path)
    data = folder / f"data-{size}"
    shutil.rmtree(data, ignore_errors=True)  # a fresh queue: with a --workdir used before, not a re-import
    driver = QtDriver()
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from reviewdesk.app import build, close
    from reviewdesk.domain.scan import ScanState

    built = driver.run(build(window_args(data)), timeout=120)
    controller, window = built.controller, built.window
    controller.dismiss_sign_in()
    window.resize(1440, 880)
    window.show()
    driver.spin(100)
    model = window.scan_list.model
    timer, ticks = _heartbeat()
    driver.spin(20)
    t0 = time.perf_counter()
    window.scan_list.files_chosen.emit(paths)
    finished = driver.wait_until(
        lambda: len(model) == size and not controller._tasks, timeout=900, step_ms=20
    )
    whole = time.perf_counter() - t0
    import_stall = _longest_gap(ticks, t0)
    timer.stop()
    driver.spin(50)
    rss, hwm = rss_kib()

    pane = window.scan_list
    pane.search_box.setFocus()
    times: list[float] = []
    timer, ticks = _heartbeat()
    driver.spin(20)
    filter_t0 = time.perf_counter()

    def timed(action: Any) -> None:
        # Keystroke to its rows shown: a search over many rows is made a step at a time, the loop
        # turning in between (ScanFilterProxy.searching).
        t = time.perf_counter()
        action()
        driver.drain_events()
        driver.wait_until(lambda: not pane.proxy.searching, timeout=60, step_ms=1)
        times.append(time.perf_counter() - t)

    for query in ("7a", "0f3", "_01"):
        for ch in query:
            timed(lambda c=ch: QTest.keyClick(pane.search_box, c))
        for _ in query:
            timed(lambda: QTest.keyClick(pane.search_box, Qt.Key.Key_Backspace))
    proxy = pane.proxy
    for state in (ScanState.TO_REVIEW, None, ScanState.DECIDED, None):
        timed(lambda s=state: proxy.set_filter(state=s))
    filter_stall = _longest_gap(ticks, filter_t0)
    timer.stop()
    driver.run(close(built), timeout=300)
    window.allow_close()
    window.close()
    driver.close()
    # The floor last: its own peak (every row as csv's lists) must not count in the import's.
    t0 = time.perf_counter()
    for path in paths:
        with open(path, newline="") as fh:
            records = list(csv.reader(fh))
        del records
    floor = time.perf_counter() - t0
    return {
        "size": size,
        "import_s": whole,
        "finished": finished,
        "rows": len(model),
        "import_stall_s": import_stall,
        "csv_floor_s": floor,
        "rss_kib": rss,
        "hwm_kib": hwm,
        "filter_ms": [t * 1000 for t in times],
        "filter_stall_s": filter_stall,
    }


def child_restart_stall(size: int, folder: Path) -> dict[str, Any]:
    """`build()` on the data dir with N scans, the heartbeat running from before it starts."""
    data = folder / f"data-{size}"
    driver = QtDriver()
    from reviewdesk.app import build, close

    timer, ticks = _heartbeat()
    t0 = time.perf_counter()
    import inspect

    later = {"load_later": True} if "load_later" in inspect.signature(build).parameters else {}
    built = driver.run(build(window_args(data), **later), timeout=120)  # as the product starts
    built.controller.dismiss_sign_in()
    built.window.show()
    shown_at = time.perf_counter()
    loaded = driver.wait_until(
        lambda: len(built.window.scan_list.model) == size and built.controller.current is not None,
        timeout=120,
        step_ms=5,
    )
    whole = time.perf_counter() - t0
    stall = _longest_gap(ticks, shown_at)
    build_stall = max(
        (b - a for a, b in zip([t0, *ticks], [*ticks, shown_at], strict=True) if b <= shown_at), default=0.0
    )
    timer.stop()
    rss, hwm = rss_kib()
    driver.run(close(built), timeout=120)
    built.window.allow_close()
    built.window.close()
    driver.close()
    return {
        "loaded": loaded,
        "in_process_s": whole,
        "stall_s": stall,
        "build_stall_s": build_stall,
        "rss_kib": rss,
        "hwm_kib": hwm,
    }


def spawn_to_ready(command: list[str], needle: str, timeout: float = 300.0) -> tuple[float, int]:
    """(seconds from spawn to a line containing `needle`, the child's peak RSS in KiB)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=quiet_env(), text=True
    )
    took = float("inf")
    assert proc.stdout is not None
    for line in proc.stdout:
        if needle in line:
            took = time.monotonic() - t0
            break
        if time.monotonic() - t0 > timeout:
            break
    proc.stdout.close()
    if took == float("inf"):
        proc.kill()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return took, int(usage.ru_maxrss)


def run_child(mode: str, size: int, folder: Path) -> dict[str, Any]:
    command = [PYTHON, __file__, "--child", mode, "--size", str(size), "--workdir", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, env=quiet_env(), timeout=1800)
    for line in done.stdout.splitlines():
        if line.startswith(CHILD_PREFIX):
            return dict(json.loads(line[len(CHILD_PREFIX) :]))
    tail = [line for line in done.stderr.splitlines() if line.strip()][-3:]
    raise RuntimeError(f"{mode} {size}: exit {done.returncode}: {' / '.join(tail)}")


def growth_note(values: dict[int, float]) -> str:
    """How a figure grows from size to size: the factor per 10x more scans."""
    sizes = sorted(values)
    steps = [
        f"x{values[b] / values[a]:.1f}" if values[a] > 0 else "n/a"
        for a, b in zip(sizes, sizes[1:], strict=False)
    ]
    return ", ".join(steps)


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--child", choices=("import", "restart-stall"))
    parser.add_argument("--size", type=int)
    parser.add_argument("--sizes", type=int, nargs="+", help="instead of the default sizes")
    parser.add_argument("--repeat", type=int, default=3, help="restart runs per size")
    args = parser.parse_args()
    folder = workdir(args.workdir)
    if args.child:
        fn = child_import if args.child == "import" else child_restart_stall
        print(CHILD_PREFIX + json.dumps(fn(args.size, folder)), flush=True)
        return 0
    sizes = tuple(args.sizes or (SIZES_QUICK if args.quick else SIZES_FULL))
    bare = [PYTHON, str(BENCH / "entry_bare.py")]
    imports: dict[int, dict[str, Any]] = {}
    restarts: dict[int, dict[str, Any]] = {}
    for size in sizes:
        imports[size] = run_child("import", size, folder)
        product = [str(Path(PYTHON).with_name("reviewdesk")), "--data-dir", str(folder / f"data-{size}")]
        spawn_to_ready([*product, "--exit-after-start"], "ready")  # warm the page cache
        app_runs, bare_runs, peaks = [], [], []
        for _ in range(args.repeat):
            took, peak = spawn_to_ready([*product, "--exit-after-start"], "ready")
            app_runs.append(took)
            peaks.append(peak)
            bare_runs.append(spawn_to_ready(bare, "READY")[0])
        stall = run_child("restart-stall", size, folder)
        restarts[size] = {"app": app_runs, "bare": bare_runs, "peak_kib": max(peaks), **stall}

    for size in sizes:
        imp, rst = imports[size], restarts[size]
        filt = imp["filter_ms"]
        big = size >= 1_000_000
        stall_ok = max(imp["import_stall_s"], rst["stall_s"], imp["filter_stall_s"]) <= STALL_BUDGET
        emit(
            Row(
                figure=f"growth {size:,}: import from CSV (7 card facts, end to end)",
                value=ms(imp["import_s"]) if imp["finished"] else f"unfinished ({imp['rows']:,} rows)",
                floor=f"csv.reader {ms(imp['csv_floor_s'])}",
                ratio=fmt_ratio(ratio(imp["import_s"], imp["csv_floor_s"])),
                budget="GUI stall <= 100 ms",
                verdict=verdict(imp["finished"] and imp["import_stall_s"] <= STALL_BUDGET),
                notes=f"longest GUI-thread stall {ms(imp['import_stall_s'])}; "
                f"RSS after {mib(imp['rss_kib'])}, peak {mib(imp['hwm_kib'])}",
                data=imp,
            )
        )
        app, bare_s = median(rst["app"]), median(rst["bare"])
        restart_ok = rst["stall_s"] <= STALL_BUDGET and (not big or app <= RESTART_BUDGET_1M)
        emit(
            Row(
                figure=f"growth {size:,}: restart to interactive (from the venv)",
                value=f"median {ms(app)}",
                floor=f"bare QMainWindow {ms(bare_s)}",
                ratio=fmt_ratio(ratio(app, bare_s)),
                budget="<= 2 s at 1,000,000; GUI stall <= 100 ms" if big else "GUI stall <= 100 ms",
                verdict=verdict(restart_ok),
                notes=f"{len(rst['app'])} runs: {', '.join(ms(x) for x in rst['app'])}; longest GUI-thread "
                f"stall from the window shown to the queue loaded {ms(rst['stall_s'])} (before the window "
                f"shows, building it: {ms(rst.get('build_stall_s', 0.0))}); "
                f"in process {ms(rst['in_process_s'])}",
                data=rst,
            )
        )
        # The budget covers both: the window importing the queue and the product restarted with it.
        peak_mb = max(rst["peak_kib"], imp["hwm_kib"]) * 1024 / 1e6
        emit(
            Row(
                figure=f"growth {size:,}: memory, peak RSS (the import; a restart)",
                value=f"{mib(imp['hwm_kib'])}; {mib(rst['peak_kib'])}",
                floor=f"in process after load {mib(rst['rss_kib'])}",
                budget=f"<= {MEMORY_BUDGET_1M_MB} MB at 1,000,000" if big else "reported",
                verdict=verdict(peak_mb <= MEMORY_BUDGET_1M_MB) if big else "reported",
                notes=f"RSS once the import is done {mib(imp['rss_kib'])}",
            )
        )
        emit(
            Row(
                figure=f"growth {size:,}: filter or search, keystroke to its rows shown",
                value=f"p50 {percentile(filt, 50):.1f} ms / p95 {percentile(filt, 95):.1f} ms "
                f"/ max {max(filt):.1f} ms",
                budget="GUI stall <= 100 ms",
                verdict=verdict(imp["filter_stall_s"] <= STALL_BUDGET),
                notes=f"{len(filt)} keystrokes and state switches; longest GUI-thread stall meanwhile "
                f"{ms(imp['filter_stall_s'])}; every GUI stall at this size within "
                f"100 ms: {'yes' if stall_ok else 'no'}",
            )
        )
    if len(sizes) > 1:
        notes = {
            "import": growth_note({s: imports[s]["import_s"] for s in sizes}),
            "import stall": growth_note({s: imports[s]["import_stall_s"] for s in sizes}),
            "restart": growth_note({s: median(restarts[s]["app"]) for s in sizes}),
            "restart stall": growth_note({s: restarts[s]["stall_s"] for s in sizes}),
            "peak RSS": growth_note({s: restarts[s]["peak_kib"] for s in sizes}),
            "filter p95": growth_note({s: percentile(imports[s]["filter_ms"], 95) for s in sizes}),
        }
        emit(
            Row(
                figure="growth: factor per step " + " -> ".join(f"{s:,}" for s in sizes),
                value="see notes",
                notes="; ".join(f"{k} {v}" for k, v in notes.items()),
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
