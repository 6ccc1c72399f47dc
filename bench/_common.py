"""Shared pieces of the figure scripts: environment, a qasync loop driven synchronously, timing
helpers, the simulator in a child process, and the one-line JSON result that run.py collects.

Every figure script is run as its own process by run.py (clean start-up and memory, and a crash
loses one figure only). A script prints its rows as `BENCH-RESULT {json}` lines on stdout.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
RESULT_PREFIX = "BENCH-RESULT "


def quiet_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Offscreen Qt, no keyring, no REVIEWDESK_* from the caller: the same set-up as tests/conftest.py."""
    env = dict(os.environ if env is None else env)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    # Bytecode as an installed program has it (pip compiles on install; the bundle is compiled):
    # with PYTHONDONTWRITEBYTECODE set, every start would compile ~80 modules (~130 ms). Kept
    # outside the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "reviewdesk-bench-pycache")
    for name in ("REVIEWDESK_BASE_URL", "REVIEWDESK_DATA_DIR", "REVIEWDESK_ADMIN_KEY", "REVIEWDESK_TOKEN"):
        env.pop(name, None)
    return env


def apply_quiet_env() -> None:
    env = quiet_env()
    os.environ.clear()
    os.environ.update(env)


# -- results ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table. `verdict` is PASS, MISS, reported, or not measured."""

    figure: str
    value: str
    floor: str = ""
    ratio: str = ""
    budget: str = ""
    verdict: str = "reported"
    notes: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def emit(row: Row) -> None:
    print(RESULT_PREFIX + json.dumps(asdict(row)), flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ms(seconds: float) -> str:
    value = seconds * 1000.0
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def ratio(value: float, floor: float) -> float:
    return value / floor if floor > 0 else math.inf


def fmt_ratio(r: float) -> str:
    return "inf" if math.isinf(r) else f"{r:.2f}x"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def rss_kib() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in KiB, from /proc/self/status (psutil is not installed)."""
    rss = hwm = 0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


# -- Qt and the qasync loop --------------------------------------------------------------------------


class QtDriver:
    """A QApplication and a qasync loop made the running asyncio loop, driven from plain code.

    The loop is never run with run_forever: the script spins Qt (nested QEventLoop.exec, as
    pytest-qt's waits do), and Qt runs the asyncio callbacks. Same recipe as tests/conftest.py.
    """

    def __init__(self) -> None:
        apply_quiet_env()
        import asyncio

        import qasync
        from PySide6.QtWidgets import QApplication

        self.app = QApplication.instance() or QApplication([sys.argv[0]])
        self.loop = qasync.QEventLoop(self.app)
        asyncio.set_event_loop(self.loop)
        asyncio.events._set_running_loop(self.loop)

    def spin(self, milliseconds: float) -> None:
        """Run the event loop for `milliseconds`."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(max(0, round(milliseconds)), loop.quit)
        loop.exec()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 30.0, step_ms: float = 2.0) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            self.spin(step_ms)
        return True

    def run(self, awaitable: Any, timeout: float = 120.0) -> Any:
        import asyncio

        future = asyncio.ensure_future(awaitable)
        if not self.wait_until(future.done, timeout):
            future.cancel()
            raise TimeoutError(f"did not finish in {timeout:g} s")
        return future.result()

    def drain_events(self, rounds: int = 3) -> None:
        from PySide6.QtCore import QCoreApplication

        for _ in range(rounds):
            QCoreApplication.sendPostedEvents()
            QCoreApplication.processEvents()

    def close(self) -> None:
        import asyncio

        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for task in pending:
            task.cancel()
        for _ in range(200):
            if all(t.done() for t in pending):
                break
            self.app.processEvents()
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        timer = getattr(self.loop, "_timer", None)
        self.loop.close()
        if timer is not None:
            import shiboken6

            shiboken6.delete(timer)


def close_within(driver: QtDriver, closing: Any, timeout: float) -> str:
    """Run the window's close (`app.close(built)`); "" when it ended, else a note saying it did not.
    The figures are printed whatever happens here: a hang at close must not lose them."""
    try:
        driver.run(closing, timeout=timeout)
    except TimeoutError:
        return f"closing the window did not finish in {timeout:g} s (the figures above were taken before)"
    return ""


def window_args(data_dir: Path, base_url: str | None = None) -> Any:
    import argparse

    return argparse.Namespace(
        data_dir=str(data_dir), base_url=base_url, demo=False, files=[], screenshot=None
    )


def activate(driver: QtDriver, window: Any) -> None:
    from PySide6.QtWidgets import QApplication

    window.show()
    window.raise_()
    window.activateWindow()
    driver.wait_until(lambda: QApplication.activeWindow() is window, timeout=10)
    window.setFocus()
    driver.drain_events()


# -- the simulator in its own process ----------------------------------------------------------------


class SimProcess:
    """`bench/sim_proc.py` in a child process: the server does not share this process's GIL (a real
    server is on another machine). `base_url`, `token` (a reviewer token) and `admin_key`."""

    def __init__(self, latency: float = 0.0, seed: int = 1) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, str(BENCH / "sim_proc.py"), "--latency", str(latency), "--seed", str(seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=quiet_env(),
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        info = json.loads(line)
        self.base_url: str = info["base_url"]
        self.token: str = info["token"]
        self.admin_key: str = info["admin_key"]

    def stats(self) -> dict[str, Any]:
        """Ask the child how many feedback records it holds."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.close()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- fake image resolver (bytes in memory, for the figures that are not about the network) -----------


class _FakeClient:
    is_admin = False


@dataclass
class _Fetched:
    scan_id: str
    data: bytes
    status: str | None = "READY"


class MemoryResolver:
    """Stands in for `ImageResolver`: returns bytes from a dict at once (no network)."""

    def __init__(self, images: Callable[[str], bytes]) -> None:
        self.client = _FakeClient()
        self._images = images

    def forget(self, scan_id: str | None = None) -> None:
        pass

    async def fetch(self, scan_id: str) -> _Fetched:
        return _Fetched(scan_id, self._images(scan_id))


# -- command-line arguments shared by the figure scripts ---------------------------------------------


def figure_parser(description: str) -> Any:
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smaller counts")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one)")
    return parser


def workdir(path: Path | None) -> Path:
    import tempfile

    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix="reviewdesk-bench-"))
