"""CLI command start: `reviewdesk --data-dir X queue` (empty outbox) against `python -c "import httpx"`,
whole processes, alternating, medians. The budget also asks that no Qt is imported: checked once
with `python -X importtime`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from _common import (
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


def run(command: list[str]) -> float:
    env = quiet_env()
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{command} exited {done.returncode}: {done.stderr.strip()[:300]}")
    return elapsed


def imported_modules(command: list[str]) -> list[str]:
    """The modules `command` (a Python script and its arguments) imports, by `python -X importtime`."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", *command], capture_output=True, text=True, env=quiet_env(), timeout=60
    )
    return [
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    ]


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--repeat", type=int, help="runs of each (default 15, quick 7)")
    args = parser.parse_args()
    repeat = args.repeat or (7 if args.quick else 15)
    folder = workdir(args.workdir)
    data = folder / "cli-data"
    script = Path(sys.executable).with_name("reviewdesk")
    cli = [str(script), "--data-dir", str(data), "queue"]
    floor_cmd = [PYTHON, "-c", "import httpx"]
    for command in (floor_cmd, cli):  # warm-up (page cache, .pyc, the data dir)
        run(command)
    times: dict[str, list[float]] = {"cli": [], "floor": []}
    for _ in range(repeat):
        times["floor"].append(run(floor_cmd))
        times["cli"].append(run(cli))
    modules = imported_modules(cli)
    qt = sorted({m.split(".")[0] for m in modules if m.startswith(("PySide6", "shiboken6", "qasync"))})
    heavy = [
        m
        for m in ("reviewdesk.sim.runner", "uvicorn", "starlette", "PIL", "jwt", "cryptography")
        if m in modules
    ]
    if not modules:
        raise RuntimeError("python -X importtime listed no module")
    floor = median(times["floor"])
    value = median(times["cli"])
    r = ratio(value, floor)
    emit(
        Row(
            figure="CLI command start (`reviewdesk queue`)",
            value=f"median {ms(value)}",
            floor=f"`import httpx` {ms(floor)}",
            ratio=fmt_ratio(r),
            budget="<= 1.5x (no Qt import)",
            verdict=verdict(r <= 1.5 and not qt),
            notes=(
                f"{repeat} runs each, alternating; {len(modules)} modules imported; "
                f"Qt imported: {', '.join(qt) if qt else 'no'}; "
                f"also imported: {', '.join(heavy) or 'none of the sim'}"
            ),
            data={k: [x * 1000 for x in v] for k, v in times.items()},
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
