"""Start-up with 10,000 scans queued, whole process, against the same-parts floor in the same run
(alternating, several repetitions, medians).

Two times per run, from just before the child process is spawned: to the line `shown` (the window
painted with its panes, the queue maybe not read yet) and to `ready` (its queue loaded, the first
scan shown, the event loop gone round once). The app side is the product itself:
`reviewdesk --data-dir DIR --exit-after-start` (the venv's console script, and with `--bundle` the
frozen executable). The floor is the bare window after importing the Qt parts reviewdesk uses, and
qasync (`READY`); a bare QMainWindow (bench/entry_bare.py) is reported too. Signed out
(no keyring here): the window shows its sign-in prompt over the 10,000-scan list, as on a reviewer's
first start of the day.
"""

from __future__ import annotations

import ast
import subprocess
import time
from pathlib import Path

from _common import (
    BENCH,
    PYTHON,
    ROOT,
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


def write_qt_classes_entry(path: Path) -> int:
    """A second, reported floor: the bare window, after importing every Qt class, function and enum
    namespace that reviewdesk imports (PySide6 builds each Python type and its enums on first
    import), and qasync. What any window made of the same parts pays before its own code runs.
    Returns how many names it imports."""
    names: dict[str, set[str]] = {}
    for source in (ROOT / "desktop" / "reviewdesk").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6."):
                names.setdefault(str(node.module), set()).update(a.name for a in node.names)
    lines = [f"from {module} import {', '.join(sorted(n))}" for module, n in sorted(names.items())]
    tail = [
        "import qasync",
        "from PySide6.QtCore import QTimer",
        "from PySide6.QtWidgets import QApplication, QMainWindow",
        "app = QApplication(sys.argv[:1])",
        "window = QMainWindow()",
        "window.resize(1440, 880)",
        "window.show()",
        "QTimer.singleShot(0, lambda: (print('READY', flush=True), os._exit(0)))",
        "app.exec()",
    ]
    path.write_text("\n".join(["import os, sys", *lines, *tail]) + "\n", encoding="utf-8")
    return sum(len(n) for n in names.values())


def to_line(command: list[str], needle: str, timeout: float = 120.0) -> float:
    """Seconds from spawning `command` to a stdout line containing `needle`; the child is then stopped."""
    return to_lines(command, (needle,), timeout)[0]


def to_lines(command: list[str], needles: tuple[str, ...], timeout: float = 120.0) -> list[float]:
    """Seconds from spawning `command` to each of `needles` (lines, in that order); then stopped."""
    env = quiet_env()
    t0 = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    found: list[float] = []
    try:
        assert proc.stdout is not None
        deadline = t0 + timeout
        for line in proc.stdout:
            if needles[len(found)] in line:
                found.append(time.monotonic() - t0)
                if len(found) == len(needles):
                    return found
            if time.monotonic() > deadline:
                break
        raise RuntimeError(f"{command[0]} never printed {needles[len(found)]!r}")
    finally:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--repeat", type=int, help="runs of each (default 9, quick 9)")
    parser.add_argument("--bundle", type=Path, help="the frozen bundle's executable (also timed)")
    args = parser.parse_args()
    # Nine even when quick (~15 s): one process's start here varies by up to ~100 ms from run to
    # run (the floor's nine runs of one pass went from 164 to 266 ms), and a median of three
    # moved a ratio by 0.1x from one pass to the next (docs/PERFORMANCE.md).
    repeat = args.repeat or 9
    folder = workdir(args.workdir)
    data = folder / "start-data"
    prepare(data)
    flags = ["--data-dir", str(data), "--exit-after-start"]
    qt_entry = folder / "entry_qt_classes.py"
    qt_names = write_qt_classes_entry(qt_entry)
    commands = {
        "bare": [PYTHON, str(BENCH / "entry_bare.py")],
        "qt": [PYTHON, str(qt_entry)],
        "app": [str(Path(PYTHON).with_name("reviewdesk")), *flags],
    }
    bundle = args.bundle
    if bundle is not None and bundle.exists():
        commands["bundle"] = [str(bundle), *flags]
    needle = {"bare": ("READY",), "qt": ("READY",), "app": ("shown", "ready"), "bundle": ("shown", "ready")}
    for name, command in commands.items():  # warm the page cache before timing
        to_lines(command, needle[name])
    times: dict[str, list[float]] = {name: [] for name in commands}
    shown: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            lines = to_lines(command, needle[name])
            times[name].append(lines[-1])
            shown[name].append(lines[0])
    b = median(times["bare"])
    q = median(times["qt"])
    for name, label in (("app", "from the venv"), ("bundle", "frozen bundle")):
        if name not in times:
            continue
        for what, series, budget in (
            ("the window with its panes painted", shown[name], 1.5),
            (f"interactive, {QUEUED:,} scans queued", times[name], 2.0),
        ):
            a = median(series)
            r = ratio(a, q)
            emit(
                Row(
                    figure=f"start-up: {what} ({label})",
                    value=f"median {ms(a)}",
                    floor=f"same Qt parts {ms(q)}",
                    ratio=fmt_ratio(r),
                    budget=f"<= {budget:g}x",
                    verdict=verdict(r <= budget),
                    notes=f"{repeat} runs each, alternating; {name} {', '.join(ms(x) for x in series)}; "
                    f"same-parts floor {', '.join(ms(x) for x in times['qt'])}; best of each "
                    f"{fmt_ratio(ratio(min(series), min(times['qt'])))}; "
                    f"{fmt_ratio(ratio(a, b))} a bare QMainWindow ({ms(b)})",
                    data={f"{name}_ms": [x * 1000 for x in series], "qt_ms": [x * 1000 for x in times["qt"]]},
                )
            )
    emit(
        Row(
            figure="start-up floor: the bare window after importing the Qt parts reviewdesk uses",
            value=f"median {ms(q)}",
            floor=f"bare QMainWindow {ms(b)}",
            ratio=fmt_ratio(ratio(q, b)),
            budget="reported",
            verdict="reported",
            notes=f"{qt_names} PySide6 names from reviewdesk's imports, and qasync; the app is "
            f"{fmt_ratio(ratio(median(times['app']), q))} of this",
        )
    )
    if "bundle" not in times:
        why = "no --bundle given" if bundle is None else f"{bundle} does not exist"
        emit(
            Row(
                figure="start-up, frozen bundle",
                value="not measured",
                budget="<= 2x",
                verdict="not measured",
                notes=f"{why}: build it with `python packaging/build.py`, then `bench/run.py --bundle "
                "dist/reviewdesk/reviewdesk`",
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
