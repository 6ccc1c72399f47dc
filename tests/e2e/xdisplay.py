"""A real X display for end-to-end tests: Xvfb, XTEST key presses (xdotool), pixels and windows
(python-xlib), and the real `reviewdesk` process on it.

No window manager runs: the program must give itself the keyboard (a desktop's window manager
would only make that easier). The pointer is parked in a corner outside the window, so keys reach
the window through X's input focus, never because the pointer happens to be over it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SCREEN = (1366, 768)
START_TIMEOUT = 30.0


def tools_missing() -> str:
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    try:
        import Xlib  # noqa: F401
    except ImportError:
        missing.append("python-xlib")
    return ", ".join(missing)


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> object:
    """Poll until `condition()` is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class XDisplay:
    def __init__(self, number: int, process: subprocess.Popen[bytes], shots: Path) -> None:
        self.name = f":{number}"
        self.process = process
        self.shots = shots
        self.env = {**os.environ, "DISPLAY": self.name}
        self.env.pop("QT_QPA_PLATFORM", None)
        self.env["QT_QPA_PLATFORM"] = "xcb"
        from Xlib import display

        self.x = display.Display(self.name)

    # -- keyboard and pointer ---------------------------------------------------------------------

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        return done.stdout.strip()

    def type(self, text: str) -> None:
        """Type `text` into whatever has the keyboard, as XTEST key events."""
        self.xdotool("type", "--delay", "4", "--clearmodifiers", text)

    def key(self, *keys: str, delay_ms: int = 60) -> None:
        """Press keys (X keysym names: "a", "Return", "ctrl+l") into whatever has the keyboard."""
        self.xdotool("key", "--delay", str(delay_ms), *keys)

    def park_pointer(self) -> None:
        self.xdotool("mousemove", str(SCREEN[0] - 2), str(SCREEN[1] - 2))

    # -- windows ----------------------------------------------------------------------------------

    def name_of(self, window) -> str:  # noqa: ANN001 - an Xlib window
        """The window's title: _NET_WM_NAME (UTF-8, what Qt sets for "ReviewDesk · …"), else WM_NAME."""
        net_name = self.x.intern_atom("_NET_WM_NAME")
        utf8 = self.x.intern_atom("UTF8_STRING")
        prop = window.get_full_property(net_name, utf8)
        if prop is not None and prop.value:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = window.get_wm_name()
        return str(name) if name else ""

    def focused_window_name(self) -> str:
        focus = self.x.get_input_focus().focus
        if isinstance(focus, int) or focus is None:
            return ""
        window = focus
        for _ in range(5):  # the focus may be on a child window of the top-level one
            try:
                name = self.name_of(window)
                if name:
                    return name
                tree = window.query_tree()
            except Exception:
                return ""
            if tree.parent is None or tree.parent == tree.root:
                return ""
            window = tree.parent
        return ""

    def windows(self) -> list[tuple[str, int, int, int, int]]:
        """(name, x, y, width, height) of every mapped top-level window with a name."""
        found = []
        root = self.x.screen().root
        for child in root.query_tree().children:
            try:
                attrs = child.get_attributes()
                name = self.name_of(child)
                geo = child.get_geometry()
            except Exception:
                continue
            if attrs.map_state == 2 and name and geo.width > 10:  # IsViewable
                found.append((str(name), geo.x, geo.y, geo.width, geo.height))
        return found

    def window(self, prefix: str) -> tuple[str, int, int, int, int] | None:
        for entry in self.windows():
            if entry[0].startswith(prefix):
                return entry
        return None

    # -- pixels -----------------------------------------------------------------------------------

    def grab(self, box: tuple[int, int, int, int] | None = None):  # -> PIL.Image
        from PIL import Image
        from Xlib import X

        root = self.x.screen().root
        x, y, w, h = box or (0, 0, *SCREEN)
        raw = root.get_image(x, y, w, h, X.ZPixmap, 0xFFFFFFFF)
        return Image.frombytes("RGB", (w, h), raw.data, "raw", "BGRX")

    def screenshot(self, name: str) -> Path:
        """The whole screen as a PNG beside the test's files (and in $REVIEWDESK_E2E_SHOTS)."""
        path = self.shots / f"{name}.png"
        self.grab().save(path)
        extra = os.environ.get("REVIEWDESK_E2E_SHOTS")
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / path.name)
        return path


@contextmanager
def xvfb(shots: Path) -> Iterator[XDisplay]:
    """An Xvfb of SCREEN size on a free display number, stopped afterwards."""
    read, write = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = int(pipe.readline().strip())
        shots.mkdir(parents=True, exist_ok=True)
        display = XDisplay(number, process, shots)
        display.park_pointer()
        yield display
        display.x.close()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class App:
    """The real `reviewdesk` process on the display."""

    def __init__(self, display: XDisplay, args: list[str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("wb")
        env = {k: v for k, v in display.env.items() if not k.startswith("REVIEWDESK_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reviewdesk", *args],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def colourful(image, threshold: int = 40) -> float:
    """The share of pixels with a clear hue (a drawn card), as opposed to the pane's greys and text."""
    small = image.convert("RGB").resize((64, 48))
    pixels = [small.getpixel((x, y)) for y in range(48) for x in range(64)]
    return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > threshold) / len(pixels)
