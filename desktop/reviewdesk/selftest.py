"""`reviewdesk --self-test`: prove that this build runs, offscreen, without touching the user's data.

It starts the built-in simulator, signs in, reviews five scans with synthetic key presses, waits
until the simulator holds the five decisions, and checks what a bundle can silently lose: the
keyring backends, the JPEG and PNG image plugins, the window icon, the TLS trust store, the
package version and the resources. One line per check (PASS / FAIL); exit 0 only if all passed.

Everything happens in a temporary data folder that is removed afterwards; the demo reviewer is
signed in for this process only (nothing is stored in the keyring).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REVIEWS = 5
#: Keys pressed for the first five demo scans, and the shortcodes they should deliver.
PLAN = ("A", "D, B", "A", "N, Q", "A")
IMAGE_TIMEOUT = 30.0  # demo index 3 is UPLOADING for 8 s before its image exists
DELIVERY_TIMEOUT = 60.0
NATIVE_KEYRING_MODULES = {
    "linux": ("keyring.backends.SecretService", "secretstorage", "jeepney"),
    "win32": ("keyring.backends.Windows", "win32ctypes.pywin32.win32cred"),
    "darwin": ("keyring.backends.macOS", "keyring.backends.macOS.api"),
}
#: Offscreen platform chatter that says nothing about this build.
QUIET_QT_MESSAGES = ("This plugin does not support",)


class Report:
    def __init__(self, out: Any = None) -> None:
        self.out = out or sys.stdout
        self.results: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        print(
            f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", file=self.out, flush=True
        )
        return ok

    def info(self, text: str) -> None:
        print(f"INFO {text}", file=self.out, flush=True)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(ok for _, ok, _ in self.results)


async def wait_until(predicate: Callable[[], object], timeout: float, step: float = 0.02) -> bool:
    """Poll `predicate` while the qasync loop keeps Qt and asyncio running."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


# -- checks that need no window ------------------------------------------------------------------


def check_version(report: Report) -> None:
    from importlib.metadata import PackageNotFoundError, version

    import reviewdesk

    try:
        installed = version("reviewdesk")
    except PackageNotFoundError:
        installed = None
    report.check(
        "version",
        installed is not None and installed == reviewdesk.__version__,
        f"reviewdesk {reviewdesk.__version__} (package metadata: {installed or 'missing'})",
    )


def check_resources(report: Report) -> None:
    from reviewdesk.domain import shortcodes
    from reviewdesk.domain.keymap import Keymap
    from reviewdesk.resources import resource_dir, resource_path

    try:
        folder = resource_dir()
        count = len(shortcodes.all_shortcodes())
        Keymap.defaults()
        icons = [resource_path(f"icons/{n}").is_file() for n in ("reviewdesk.svg", "reviewdesk-256.png")]
    except Exception as exc:
        report.check("resources", False, f"{type(exc).__name__}: {exc}")
        return
    detail = f"{folder}, {count} shortcodes, keymap defaults" + ("" if all(icons) else ", icons MISSING")
    report.check("resources", count > 0 and all(icons), detail)


def check_keyring(report: Report) -> None:
    """The keyring module and its backends load; which one is in use (none on a headless Linux box)."""
    try:
        import keyring
        from keyring.backend import get_all_keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
        viable = sorted({f"{type(k).__module__}.{type(k).__name__}" for k in get_all_keyring()})
        # The platform's own backend and what it needs are bundled, usable on this machine or not
        # (the backends import their dependencies guarded, so importing the backend is not enough).
        for module in NATIVE_KEYRING_MODULES.get(sys.platform, ()):
            importlib.import_module(module)
    except Exception as exc:
        report.check("keyring", False, f"{type(exc).__name__}: {exc}")
        return
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring | null.Keyring) or getattr(backend, "priority", 1) <= 0:
        note = "no usable OS keyring here: secrets would stay in memory"
    else:
        note = "secrets go to the OS keyring"
    report.check("keyring", True, f"backend {name} ({note}); viable: {', '.join(viable) or 'none'}")


def check_image_plugins(report: Report) -> None:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage, QImageReader

    formats = {bytes(f.data()).decode().lower() for f in QImageReader.supportedImageFormats()}
    ok = {"jpeg", "png"} <= formats
    # A round trip through each codec, so a plugin that is listed but cannot load is caught too.
    for fmt in ("JPEG", "PNG"):
        image = QImage(8, 8, QImage.Format.Format_RGB32)
        image.fill(QColor(40, 120, 200))
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        written = image.save(buffer, fmt)
        buffer.close()
        ok = ok and written and not QImage.fromData(data, fmt).isNull()
    report.check("image plugins", ok, "supported: " + ", ".join(sorted(formats)))


def check_tls(report: Report) -> None:
    try:
        import httpx

        context = httpx.create_ssl_context()
        count = context.cert_store_stats().get("x509_ca", 0)
    except Exception as exc:
        report.check("tls trust store", False, f"{type(exc).__name__}: {exc}")
        return
    report.check("tls trust store", count > 0, f"{count} CA certificates")


# -- the review ----------------------------------------------------------------------------------


async def review(report: Report, data_dir: Path) -> None:
    from PySide6.QtCore import QKeyCombination
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from reviewdesk.app import build, close
    from reviewdesk.sim.catalog import demo_catalog

    args = argparse.Namespace(data_dir=str(data_dir), base_url=None, demo=True, files=[], screenshot=None)
    started = time.monotonic()
    built = await build(args, delivery={"base_delay": 0.1, "max_delay": 1.0})
    try:
        report.check(
            "simulator and sign-in",
            built.sim is not None and built.services.session.signed_in,
            f"{built.sim.base_url if built.sim else 'no simulator'} as "
            f"{built.services.session.reviewer or 'nobody'}",
        )
        app = QApplication.instance()
        report.check("window icon", not app.windowIcon().isNull())
        built.services.settings.undo_grace_seconds = 0  # send at once; nothing to take back here
        window, controller = built.window, built.controller
        keymap = window.decision_pane.keymap()
        window.show()
        window.activateWindow()
        active = await wait_until(lambda: QApplication.activeWindow() is window, 10)
        window.setFocus()
        if not report.check("window active", active):
            return

        ids = [entry["scanId"] for entry in demo_catalog()][:REVIEWS]
        intended: dict[str, str] = {}
        for scan_id, keys in zip(ids, PLAN, strict=True):
            shown = await wait_until(
                lambda s=scan_id: controller.current == s and window.image_view.has_image, IMAGE_TIMEOUT
            )
            if not shown:
                report.check("review", False, f"no image for {scan_id} within {IMAGE_TIMEOUT:.0f} s")
                return
            sequence = QKeySequence.fromString(keys, QKeySequence.SequenceFormat.PortableText)
            for i in range(sequence.count()):
                combo: QKeyCombination = sequence[i]
                QTest.keyClick(window, combo.key(), combo.keyboardModifiers())
            intended[scan_id] = keymap.name_for(keys) or f"<unbound {keys}>"
        report.check("review", True, f"{REVIEWS} scans decided by key presses")

        sim = built.sim

        def delivered() -> dict[str, str]:
            return {r.scan_id: r.shortcode for r in sim.feedback()}

        arrived = await wait_until(lambda: delivered() == intended, DELIVERY_TIMEOUT, 0.05)
        got = delivered()
        report.check(
            "delivery",
            arrived and len(sim.feedback()) == REVIEWS,
            f"simulator received {len(got)} of {REVIEWS} decisions"
            + ("" if arrived else f" (expected {intended}, got {got})"),
        )
        token = built.services.session.token.token if built.services.session.token else ""
    finally:
        await close(built)
        built.window.allow_close()
        built.window.close()
    check_no_secrets_on_disk(report, data_dir, [token, built.sim.config.admin_key if built.sim else ""])
    report.info(f"start-up, review and delivery took {time.monotonic() - started:.1f} s")


def check_no_secrets_on_disk(report: Report, folder: Path, secrets: list[str]) -> None:
    """The session's token and the admin key are in none of the files it left (log, DB, settings)."""
    secrets = [s for s in secrets if s]
    files = [p for p in folder.rglob("*") if p.is_file()]
    leaks = [str(p.relative_to(folder)) for p in files if any(s.encode() in p.read_bytes() for s in secrets)]
    report.check(
        "no secrets at rest",
        bool(secrets) and bool(files) and not leaks,
        f"{len(files)} files checked" + (f"; found in {', '.join(leaks)}" if leaks else ""),
    )


def _detach_file_logging(folder: Path) -> None:
    """Close the log handlers that write into the temporary folder (it is about to be removed)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        name = getattr(handler, "baseFilename", "")
        if name and Path(name).resolve().is_relative_to(folder.resolve()):
            root.removeHandler(handler)
            handler.close()


def run_self_test(args: argparse.Namespace) -> int:
    """The self-test; `args.data_dir` is ignored on purpose: a throwaway folder is used instead."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    import qasync
    from PySide6.QtCore import qInstallMessageHandler

    from reviewdesk.app import make_qapp

    def quiet(_mode: Any, _context: Any, message: str) -> None:
        if not message.startswith(QUIET_QT_MESSAGES):
            print(message, file=sys.stderr)

    qInstallMessageHandler(quiet)
    report = Report()
    frozen = getattr(sys, "frozen", False)
    print(
        f"ReviewDesk self-test ({'frozen bundle' if frozen else 'from source'}, {sys.platform})", flush=True
    )
    check_version(report)
    check_resources(report)
    check_keyring(report)
    check_tls(report)
    with tempfile.TemporaryDirectory(prefix="reviewdesk-selftest-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp) / "data"
        app = make_qapp(argparse.Namespace(screenshot=None))
        check_image_plugins(report)
        try:
            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                runner.run(review(report, folder))
        except Exception as exc:
            traceback.print_exc()
            report.check("review", False, f"{type(exc).__name__}: {exc}")
        finally:
            _detach_file_logging(Path(tmp))
    ok = report.passed
    print(f"self-test {'passed' if ok else 'FAILED'}", flush=True)
    return 0 if ok else 1
