"""A real X display for the end-to-end figures: Xvfb, XTEST key presses and pixel reads (python-xlib),
and the real `reviewdesk` process on it. The bench's own copy of what tests/e2e/xdisplay.py does
(the bench never imports from tests/), cut down to what a figure needs, and made fast: keys go
through the XTEST extension on the bench's own connection (no xdotool process per key), and the
screen is read with one XGetImage of a small region.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import PYTHON, quiet_env

SCREEN = (1366, 768)


def tools_missing() -> str:
    """What is missing for a real display ("" when nothing): scripts/system-deps.sh --tests installs it."""
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    try:
        import Xlib  # noqa: F401
    except ImportError:
        missing.append("python-xlib")
    return ", ".join(missing)


class Screen:
    """One X connection to the display: windows, XTEST keys, pixels."""

    def __init__(self, number: int) -> None:
        from Xlib import display

        self.name = f":{number}"
        self.x = display.Display(self.name)
        self.root = self.x.screen().root
        self.env = {**quiet_env(), "DISPLAY": self.name, "QT_QPA_PLATFORM": "xcb"}
        self._net_name = self.x.intern_atom("_NET_WM_NAME")
        self._utf8 = self.x.intern_atom("UTF8_STRING")

    # -- keys ---------------------------------------------------------------------------------------

    def keycode(self, keysym_name: str) -> int:
        from Xlib import XK

        return int(self.x.keysym_to_keycode(XK.string_to_keysym(keysym_name)))

    def press(self, keycode: int) -> None:
        """One key press and release through XTEST, flushed: X delivers it to whatever has the focus."""
        from Xlib import X
        from Xlib.ext import xtest

        xtest.fake_input(self.x, X.KeyPress, keycode)
        xtest.fake_input(self.x, X.KeyRelease, keycode)
        self.x.flush()

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, capture_output=True, timeout=60, check=False)

    # -- windows ------------------------------------------------------------------------------------

    def title(self, window: Any) -> str:
        prop = window.get_full_property(self._net_name, self._utf8)
        if prop is not None and prop.value:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = window.get_wm_name()
        return str(name) if name else ""

    def windows(self) -> list[tuple[Any, str, int, int, int, int]]:
        """(window, title, x, y, width, height) of every mapped top-level window with a title."""
        found = []
        for child in self.root.query_tree().children:
            try:
                attrs = child.get_attributes()
                title = self.title(child)
                geo = child.get_geometry()
            except Exception:  # a window that went away meanwhile
                continue
            if attrs.map_state == 2 and title and geo.width > 10:  # IsViewable
                found.append((child, title, geo.x, geo.y, geo.width, geo.height))
        return found

    def window(self, prefix: str, *, not_prefix: str = "\0") -> tuple[Any, str, int, int, int, int] | None:
        for entry in self.windows():
            if entry[1].startswith(prefix) and not entry[1].startswith(not_prefix):
                return entry
        return None

    def focused_title(self) -> str:
        focus = self.x.get_input_focus().focus
        window = focus
        for _ in range(5):  # the focus may be on a child of the top-level window
            if isinstance(window, int) or window is None:
                return ""
            try:
                title = self.title(window)
                if title:
                    return title
                tree = window.query_tree()
            except Exception:
                return ""
            if tree.parent is None or tree.parent == tree.root:
                return ""
            window = tree.parent
        return ""

    # -- pixels -------------------------------------------------------------------------------------

    def region(self, box: tuple[int, int, int, int]) -> bytes:
        """The raw pixels of `box` (x, y, w, h on the screen): one XGetImage round trip."""
        from Xlib import X

        x, y, w, h = box
        return bytes(self.root.get_image(x, y, w, h, X.ZPixmap, 0xFFFFFFFF).data)

    def digest(self, box: tuple[int, int, int, int]) -> bytes:
        return hashlib.blake2b(self.region(box), digest_size=8).digest()

    def save(self, path: Path, box: tuple[int, int, int, int] | None = None) -> None:
        from PIL import Image

        x, y, w, h = box or (0, 0, *SCREEN)
        Image.frombytes("RGB", (w, h), self.region((x, y, w, h)), "raw", "BGRX").save(path)

    def close(self) -> None:
        self.x.close()


@contextmanager
def xvfb() -> Iterator[Screen]:
    """An Xvfb of SCREEN size on a free display number (no window manager), stopped afterwards."""
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
        screen = Screen(number)
        screen.xdotool("mousemove", str(SCREEN[0] - 2), str(SCREEN[1] - 2))  # keys go by focus only
        try:
            yield screen
        finally:
            screen.close()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class App:
    """The real `reviewdesk` process on the display, its output in `log`."""

    def __init__(self, screen: Screen, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "reviewdesk", *args],
            env={**screen.env, **(env or {})},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log_file.close()


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.02) -> Any:
    """Poll until `condition()` is truthy; raise naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
