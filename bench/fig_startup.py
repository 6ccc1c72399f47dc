"""Start-up to an interactive window with 10,000 scans queued, whole process, against a bare PySide6
QMainWindow start in the same run (alternating, several repetitions, medians).

Time = from just before the child process is spawned to the `READY` it prints once the window is
shown and the event loop has gone round once (CLOCK_MONOTONIC is the same clock in both processes).
The app side is bench/entry_window.py (the real reviewdesk.cli.main path, with only the run-until-quit
part replaced); the floor is bench/entry_bare.py. Signed out (no keyring here): the window shows its
sign-in prompt over the 10,000-scan list, as on a reviewer's first start of the day.

The frozen bundle (`--bundle PATH`) cannot be told to exit once its window is up; as a proxy, the
time to the "PASS window active" line of `--self-test` is taken for the bundle and for this venv's
`reviewdesk` (the self-test's window is the demo one: simulator and 50 scans), then the child is
stopped. Without a bundle the row says "not measured" (see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from _common import (
    BENCH,
    PYTHON,
    Row,
    emit,
    figure_parser,
    fmt_ratio,
    median,
    ms,
    quiet_env,
    ratio,
    verdict,
    workdir,
)

QUEUED = 10_000


def prepare(data: Path) -> None:
    from reviewdesk.domain.scan import Scan
    from reviewdesk.paths import resolve_paths
    from reviewdesk.store.store import Store

    paths = resolve_paths(data).ensure()
    with Store(paths.database) as store:
        store.add_scans(
            Scan(f"ready-start-{i:05d}", {"bin": "411111", "last4": f"{i % 10000:04d}", "amount": "12.50"})
            for i in range(QUEUED)
        )


def start(command: list[str], timeout: float = 120.0) -> float:
    env = quiet_env()
    t0 = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    for line in out.splitlines():
        if line.startswith("READY "):
            return float(line.split()[1]) - t0
    raise RuntimeError(f"{command[1]} printed no READY (exit {proc.returncode})")


def to_line(command: list[str], needle: str, timeout: float = 120.0) -> float:
    """Seconds from spawning `command` to a stdout line containing `needle`; the child is then stopped."""
    env = quiet_env()
    t0 = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    try:
        assert proc.stdout is not None
        deadline = t0 + timeout
        for line in proc.stdout:
            if needle in line:
                return time.monotonic() - t0
            if time.monotonic() > deadline:
                break
        raise RuntimeError(f"{command[0]} never printed {needle!r}")
    finally:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--repeat", type=int, help="runs of each (default 7, quick 3)")
    parser.add_argument("--bundle", type=Path, help="the frozen bundle's executable (not measured: see docs)")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 7)
    folder = workdir(args.workdir)
    data = folder / "start-data"
    prepare(data)
    app_cmd = [PYTHON, str(BENCH / "entry_window.py"), "--data-dir", str(data)]
    bare_cmd = [PYTHON, str(BENCH / "entry_bare.py")]
    lazy_cmd = [PYTHON, str(BENCH / "entry_window_lazy.py"), "--data-dir", str(data)]
    for command in (bare_cmd, app_cmd, lazy_cmd):  # warm the page cache before timing
        start(command)
    app_times: list[float] = []
    bare_times: list[float] = []
    lazy_times: list[float] = []
    for _ in range(repeat):
        bare_times.append(start(bare_cmd))
        app_times.append(start(app_cmd))
        lazy_times.append(start(lazy_cmd))
    a, b = median(app_times), median(bare_times)
    r = ratio(a, b)
    emit(
        Row(
            figure=f"start-up to an interactive window, {QUEUED:,} scans queued",
            value=f"median {ms(a)}",
            floor=f"bare QMainWindow {ms(b)}",
            ratio=fmt_ratio(r),
            budget="<= 2x",
            verdict=verdict(r <= 2.0),
            notes=f"{repeat} runs each, alternating; app {', '.join(ms(x) for x in app_times)}; "
            f"bare {', '.join(ms(x) for x in bare_times)}",
            data={"app_ms": [x * 1000 for x in app_times], "bare_ms": [x * 1000 for x in bare_times]},
        )
    )
    lazy = median(lazy_times)
    emit(
        Row(
            figure="start-up, proposed fixes (bench-local emulation)",
            value=f"median {ms(lazy)}",
            floor=f"bare QMainWindow {ms(b)}",
            ratio=fmt_ratio(ratio(lazy, b)),
            budget="<= 2x",
            verdict="reported",
            notes="bench/entry_window_lazy.py: literal __version__, no httpx CLI imports, no PyJWT, "
            f"TLS context made in a thread; {', '.join(ms(x) for x in lazy_times)}",
        )
    )
    bundle = args.bundle
    flag = "needs a way to exit once the window is up (e.g. --exit-after-start); see docs/PERFORMANCE.md"
    if bundle is None or not bundle.exists():
        why = "no --bundle given" if bundle is None else f"{bundle} does not exist"
        emit(
            Row(
                figure="start-up, frozen bundle",
                value="not measured",
                budget="<= 2x",
                verdict="not measured",
                notes=f"{why}; {flag}",
            )
        )
        return 0
    # The bundle cannot be told to stop once its window is up, but `--self-test` prints
    # "PASS window active" once its (demo) window is built, shown and active: time to that line,
    # for the bundle and for this venv's `reviewdesk`, then stop the child.
    venv_cli = [str(Path(PYTHON).with_name("reviewdesk")), "--self-test"]
    bundle_cli = [str(bundle), "--self-test"]
    to_line(venv_cli, "window active")
    to_line(bundle_cli, "window active")
    venv_times, bundle_times, bare2 = [], [], []
    for _ in range(repeat):
        bare2.append(start(bare_cmd))
        venv_times.append(to_line(venv_cli, "window active"))
        bundle_times.append(to_line(bundle_cli, "window active"))
    bb, vv, b2 = median(bundle_times), median(venv_times), median(bare2)
    r = ratio(bb, b2)
    emit(
        Row(
            figure="start-up, frozen bundle (to `--self-test`'s window active)",
            value=f"median {ms(bb)}",
            floor=f"bare QMainWindow {ms(b2)}",
            ratio=fmt_ratio(r),
            budget="<= 2x",
            verdict=verdict(r <= 2.0),
            notes=f"the self-test's window: demo simulator started and signed in, 50 demo scans; the same "
            f"from this venv {ms(vv)} ({fmt_ratio(ratio(bb, vv))} of it); a proxy, {flag}",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
