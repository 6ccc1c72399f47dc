"""ReviewDesk's latency budget, measured: one table row per figure, with its floor, ratio and budget.

    .venv/bin/python bench/run.py [--quick] [--only NAME ...] [--bundle dist/reviewdesk/reviewdesk]

Each figure runs in its own process (clean start-up and memory; a crash loses one figure only) and
is compared with a floor measured in the same run, because absolute times on a shared machine are
noisy. This is a benchmark, not a test: it exits 0 whatever the verdicts (2 only for bad arguments).
`--quick` takes about 4 minutes on 2 cores (limit: 5); the full run about 12 (not timed as a
whole since the end-to-end figures). See docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from _common import PYTHON, RESULT_PREFIX, quiet_env  # noqa: E402

#: name -> (script, what it measures)
FIGURES: dict[str, tuple[str, str]] = {
    "keystroke": ("fig_keystroke.py", "keystroke to next image painted (prefetch on / unpaced / off)"),
    "keystroke_x11": ("fig_keystroke_x11.py", "keystroke to next image on screen, Xvfb + XTEST (end to end)"),
    "keystroke_items": ("fig_keystroke_items.py", "keystroke to next Jumio item's first image painted"),
    "outbox": ("fig_outbox.py", "decision to durable in the outbox"),
    "startup": ("fig_startup.py", "start-up to an interactive window with 10,000 scans"),
    "cli": ("fig_cli.py", "CLI command start (reviewdesk queue)"),
    "import": ("fig_import.py", "import 100,000 scan ids from CSV"),
    "filter": ("fig_filter.py", "filter or search over 100,000 rows"),
    "drain": ("fig_drain.py", "outbox drain to the simulator"),
    "jpeg": ("fig_jpeg.py", "a 6000x4000 JPEG: first paint and frames"),
    "memory": ("fig_memory.py", "memory: 100,000 rows and a full image cache"),
    "growth": ("fig_growth.py", "growth with the queue: 10,000 / 100,000 / 1,000,000 scans"),
}
TIMEOUT_S = {"keystroke": 1200, "drain": 1200, "growth": 1800}
COLUMNS = ("figure", "value", "floor", "ratio", "budget", "verdict")


def machine() -> dict[str, str]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kib = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
            mem = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    qt = subprocess.run(
        [PYTHON, "-c", "import PySide6, PySide6.QtCore as c; print(PySide6.__version__, c.qVersion())"],
        capture_output=True,
        text=True,
        env=quiet_env(),
    ).stdout.split()
    load = ""
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "pyside6": qt[0] if qt else "?",
        "qt": qt[1] if len(qt) > 1 else "?",
        "platform": platform.platform(),
        "load average at start": load,
    }


def run_figure(name: str, args: argparse.Namespace, workdir: Path) -> tuple[list[dict[str, object]], float]:
    script, what = FIGURES[name]
    command = [PYTHON, str(BENCH / script), "--workdir", str(workdir / name)]
    if args.quick:
        command.append("--quick")
    if name == "startup" and args.bundle:
        command += ["--bundle", str(args.bundle)]
    t0 = time.monotonic()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=quiet_env(), timeout=TIMEOUT_S.get(name, 900)
        )
        out, err, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err, code = f"timed out after {exc.timeout:g} s", -1
    elapsed = time.monotonic() - t0
    rows = [
        json.loads(line[len(RESULT_PREFIX) :]) for line in out.splitlines() if line.startswith(RESULT_PREFIX)
    ]
    if code != 0 or not rows:
        lines = [line for line in err.splitlines() if line.strip() and "does not support" not in line]
        rows.append(
            {
                "figure": what,
                "value": "error",
                "verdict": "ERROR",
                "notes": f"exit {code}: {lines[-1][:300] if lines else 'no output'}",
            }
        )
    return rows, elapsed


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [str(row.get(c, "") or "").replace("|", "\\|") for c in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller counts: under 5 minutes on 2 cores")
    parser.add_argument("--only", nargs="+", choices=sorted(FIGURES), metavar="NAME", help=", ".join(FIGURES))
    parser.add_argument("--bundle", type=Path, help="the frozen bundle's executable (start-up figure)")
    parser.add_argument("--json", type=Path, help="also write every row, with its raw data, to this file")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a new temporary one)")
    args = parser.parse_args()
    names = args.only or list(FIGURES)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="reviewdesk-bench-"))
    info = machine()
    print(f"# ReviewDesk benchmark ({'quick' if args.quick else 'full'} run)", flush=True)
    for key, value in info.items():
        print(f"- {key}: {value}", flush=True)
    print(flush=True)
    all_rows: list[dict[str, object]] = []
    started = time.monotonic()
    for name in names:
        print(f"... {name}", file=sys.stderr, flush=True)
        rows, elapsed = run_figure(name, args, workdir)
        for row in rows:
            row["seconds"] = round(elapsed, 1)
            print(
                f"    {row.get('figure')}: {row.get('value')} [{row.get('verdict')}]",
                file=sys.stderr,
                flush=True,
            )
        all_rows += rows
    total = time.monotonic() - started
    print(table(all_rows))
    print()
    print("Notes:")
    for row in all_rows:
        if row.get("notes"):
            print(f"- {row['figure']}: {row['notes']}")
    print(f"\nTotal {total:.0f} s. Scratch data in {workdir}.")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "quick": args.quick, "rows": all_rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
