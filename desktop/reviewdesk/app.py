"""Start-up: QApplication, the asyncio loop on Qt (qasync), the services, then the window.

`build()` makes the real window the same way the product does, without running it, so tests and
the frozen self-test drive exactly what a reviewer gets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("reviewdesk.app")

SCREENSHOT_TIMEOUT = 60.0


def phase(name: str) -> None:
    """A step of the start, in the log (`reviewdesk -vv` shows it): milliseconds since the process
    began running ReviewDesk's code (docs/PERFORMANCE.md, "Start-up")."""
    if log.isEnabledFor(logging.DEBUG):
        import time

        from reviewdesk import STARTED

        log.debug("start-up: %s at %.1f ms", name, (time.monotonic() - STARTED) * 1000)


@dataclass
class Built:
    app: Any  # QApplication
    window: Any  # MainWindow
    controller: Any  # ReviewController
    services: Any  # Services
    sim: Any = None  # SimServer of --demo
    keymap_problem: str = ""
    keymap_box: Any = None  # the dialog naming bindings that were left out, if any
    settings_problem: str = ""
    loaded: Any = None  # with build(load_later=True): a future, done once the queue is in the window


def make_qapp(args: argparse.Namespace) -> Any:
    if getattr(args, "screenshot", None):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from reviewdesk.resources import resource_path

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ReviewDesk")
    app.setOrganizationName("ReviewDesk")
    app.setDesktopFileName("reviewdesk")  # ties the window to resources/reviewdesk.desktop
    app.setQuitOnLastWindowClosed(False)  # the controller decides when to quit (outbox first)
    icon = resource_path("icons/reviewdesk.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def install_excepthook(window_getter: Any) -> None:
    """An unexpected error is logged and shown in a dialog, never a silent crash. One dialog at a
    time: errors while it is open are logged and counted in it, never stacked in more boxes."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from reviewdesk.api.redact import redact

    shown: dict[str, Any] = {"box": None, "more": 0, "text": ""}

    def closed(_: int = 0) -> None:
        shown.update(box=None, more=0)

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        text = redact("".join(traceback.format_exception(kind, value, tb)))
        log.error("unexpected error:\n%s", text)
        window = window_getter()
        if window is None:
            sys.__excepthook__(kind, value, tb)
            return
        box = shown["box"]
        if box is not None:
            shown["more"] += 1
            box.setText(f"{shown['text']}\n\n{shown['more']} more error(s) since; see the log.")
            return
        box = QMessageBox(window)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("ReviewDesk: unexpected error")
        box.setTextFormat(Qt.TextFormat.PlainText)
        shown["text"] = (
            f"Something went wrong: {redact(str(value)) or kind.__name__}\nYour decisions are safe."
        )
        box.setText(shown["text"])
        box.setDetailedText(text)
        box.finished.connect(closed)
        box.finished.connect(box.deleteLater)
        shown["box"] = box
        box.open()

    sys.excepthook = hook


async def build(
    args: argparse.Namespace,
    *,
    paths: Any = None,
    delivery: dict[str, float] | None = None,
    load_later: bool = False,
    shown: Callable[[Any], Awaitable[None]] | None = None,
    network: bool = True,
) -> Built:
    """Window, services and controller, signed in when it can be; the loop must be running.

    In the order a reviewer needs them (docs/PERFORMANCE.md, "Start-up"): the window; `shown(window)`
    if given (the product shows it there, before the database and the network stack are loaded;
    input to it is held until the controller is wired); the services and the controller; the queue;
    then the network: the sign-in kept in the keyring, the sources with credentials, whether the
    keyring works, and the sign-in prompt if no one is signed in. `load_later`: the queue and the
    network come after this returns (`Built.loaded` is done once the queue is in the window).
    `network=False` leaves the network part to the caller (`connect`): the product starts it once
    the queue is painted."""
    from reviewdesk.domain.keymap import Keymap
    from reviewdesk.logs import setup_file_logging
    from reviewdesk.paths import resolve_paths
    from reviewdesk.settings import Settings
    from reviewdesk.ui.main_window import MENU_KEYS, MainWindow

    app = make_qapp(args)
    if paths is None:
        paths = resolve_paths(args.data_dir)
        if getattr(args, "demo", False) and not args.data_dir:
            paths = resolve_paths(paths.data / "demo")  # the demo never touches the real queue
    paths.ensure()
    settings, settings_problem = Settings.load_checked(paths.settings_file)
    if args.base_url:
        settings.base_url = args.base_url  # what the user said now wins over what was remembered
    setup_file_logging(paths.logs, settings.log_level)
    # A bad binding disables only itself; the rest of the reviewer's keys stay (see Keymap.load_lenient).
    keymap, keymap_notes = Keymap.load_lenient(paths.keymap_file, reserved=MENU_KEYS)
    keymap_problem = "\n".join(keymap_notes)
    phase("window modules imported")
    window = MainWindow(keymap)
    window.restore_layout(settings.window_geometry, settings.window_state)
    hold = None
    if shown is not None:
        from reviewdesk.ui.input_hold import InputHold

        hold = InputHold(window)
        phase("window made")
        await shown(window)
        phase("window painted")

    from reviewdesk.services import Services
    from reviewdesk.ui.controller import ReviewController

    phase("services imported")
    services = Services(paths, settings)
    reading = None
    try:
        await services.open(network=False, **(delivery or {}))
        if load_later and not getattr(args, "demo", False):  # (the demo queues its scans first)
            # The queue's read, asked for before the controller is made: it goes to the store's
            # thread at the loop's next turn, and runs while the window repaints what the
            # controller set (docs/PERFORMANCE.md, "Start-up").
            reading = asyncio.ensure_future(services.read_queue())
        controller = ReviewController(window, services, keymap)
        phase("services open, controller made")
    finally:
        if hold is not None:
            hold.release(window)
    built = Built(
        app, window, controller, services, keymap_problem=keymap_problem, settings_problem=settings_problem
    )
    files = [Path(f) for f in getattr(args, "files", []) or []]
    if load_later:
        built.loaded = controller.spawn(arrive(built, args, files, reading))
        if network:
            controller.spawn(connect_after(built, args, built.loaded))
    else:
        await arrive(built, args, files)
        if network:
            await connect(built, args)
    problems = [p for p in (services.startup_warning, settings_problem) if p]
    if settings_problem:  # (the store logs its own)
        log.warning("%s", settings_problem)
    if problems:  # one message, so that none replaces another
        window.status.show_message("  |  ".join(" ".join(p.split("\n")) for p in problems), 30000)
    if keymap_problem:
        log.warning("%s", keymap_problem)
        show_keymap_problem(built, keymap_notes)
    return built


async def arrive(
    built: Built, args: argparse.Namespace, files: list[Path], reading: asyncio.Future[Any] | None = None
) -> None:
    """The queue into the window (the demo's first: it signs in to the simulator and queues its
    scans), then the files named on the command line (parsed off the GUI thread). `reading`: the
    queue's read, if already under way."""
    if getattr(args, "demo", False):
        await start_demo(built, screenshot=bool(getattr(args, "screenshot", None)))
    await built.controller.load(reading)
    phase("queue in the window")
    if files:
        built.controller.import_files(files)


async def connect_after(built: Built, args: argparse.Namespace, loaded: asyncio.Future[None]) -> None:
    """`connect` once the queue is in and painted (whether or not it could be read: the sign-in is
    still needed)."""
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.shield(loaded)
    await started()
    await connect(built, args)


async def connect(built: Built, args: argparse.Namespace) -> None:
    """The network part of the start: the HTTP client, the sign-in kept in the keyring, the sources
    whose credentials are set (Jumio, Preventor), whether the keyring works, and, if no one is signed
    in, the sign-in prompt."""
    from reviewdesk import keychain

    services, controller, settings = built.services, built.controller, built.services.settings
    phase("network part begins")
    # Whether the OS keyring works: asked in a worker thread (importing keyring alone takes ~100
    # ms), learnt whenever it answers; nothing below waits for it.
    probe = asyncio.get_running_loop().run_in_executor(None, keychain.backend_name)
    controller.spawn(controller.learn_keyring(probe))
    if not getattr(args, "demo", False):  # (the demo signed in to its simulator already)
        # Each step's failure is said and the next goes on: the reviewer can still sign in (the
        # dialog tries the HTTP client again) and decide; decisions wait in the outbox.
        try:
            await services.connect()
        except Exception as exc:
            _start_problem(built, "The network part could not start", exc)
        else:
            server = args.base_url or settings.base_url
            if server and await services.session.restore(
                server, settings.reviewer_name, settings.sign_in_mode
            ):
                controller.after_sign_in()
            try:
                if await services.configure_sources():  # Jumio and Preventor, where their credentials are set
                    controller.sources_added()
            except Exception as exc:
                _start_problem(built, "Jumio and Preventor could not be set up", exc)
    if not services.session.signed_in and not getattr(args, "screenshot", None):
        controller.prompt_sign_in("")


def _start_problem(built: Built, what: str, exc: Exception) -> None:
    """A step of the start's network part failed: in the log and the status bar, never a secret."""
    from reviewdesk.api.redact import redact

    log.error("%s: %s", what, redact(f"{type(exc).__name__}: {exc}"))
    built.window.status.show_message(f"{what}: {redact(str(exc)) or type(exc).__name__}", 30000)


def show_keymap_problem(built: Built, notes: list[str]) -> None:
    """Name each binding that was dropped, in a dialog that does not take the keyboard, and a banner
    that offers the key editor."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    window = built.window
    count = len(notes)
    window.notices.show_notice(
        "keymap",
        f"{count} of your key bindings could not be used and were left out; the other keys work.",
        level="warn",
        action="Edit keys…",
        callback=built.controller.edit_keymap,
    )
    box = QMessageBox(window)
    box.setObjectName("keymapProblemBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Some keys were not used")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(
        "These key bindings from your keymap file could not be used. Each is left out on its own "
        "(its action keeps the default key); every other key works:\n\n" + "\n\n".join(notes)
    )
    box.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)  # opened by itself: no key goes to it
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.finished.connect(lambda _=0: window.focus_review())
    built.keymap_box = box
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, box.show)  # after the window it belongs to is on screen


async def start_demo(built: Built, *, screenshot: bool = False) -> None:
    """The simulator in the background, a demo reviewer signed in, the 50 demo scans queued and
    some Jumio and Preventor items after them; for a screenshot, a Jumio item is shown first."""
    from reviewdesk.domain.importer import ImportResult
    from reviewdesk.domain.scan import Scan
    from reviewdesk.session import SignInRequest
    from reviewdesk.sim.catalog import DEMO_SCREENSHOT_ITEM, DEMO_SOURCE_ITEMS, demo_catalog
    from reviewdesk.sim.config import SimConfig
    from reviewdesk.sim.runner import SimServer

    sim = SimServer(SimConfig(latency=0.05, uploading_seconds=8.0))
    await asyncio.get_running_loop().run_in_executor(None, sim.start)
    built.sim = sim
    await built.services.session.sign_in(
        SignInRequest(sim.base_url, token=sim.mint_token("demo-reviewer"), remember=False)
    )
    scans = [
        Scan(item["scanId"], {k: str(v) for k, v in item.items() if k != "scanId" and v is not None})
        for item in demo_catalog()
    ]
    scans += [Scan(item) for item in DEMO_SOURCE_ITEMS]
    await built.services.import_scans(ImportResult(scans=scans, problems=[], source="demo catalogue"))
    await built.services.configure_sources(demo_base=sim.base_url)
    if screenshot:  # the picture shows what is new: a Jumio transaction
        await built.services.set_position(DEMO_SCREENSHOT_ITEM)


async def close(built: Built) -> None:
    settings = built.services.settings
    layout = built.window.layout_state()
    settings.window_geometry = layout["window_geometry"]
    settings.window_state = layout["window_state"]
    try:
        settings.save(built.services.paths.settings_file)
    except OSError as exc:
        log.warning("could not save settings: %s", exc)
    built.controller.stop_polling()
    await built.controller.settle()
    await built.services.close()
    if built.sim is not None:
        built.sim.stop()


async def take_screenshot(built: Built, path: Path) -> int:
    """Wait for the first image to be painted, then save the window as a PNG."""

    window, controller = built.window, built.controller
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    if window.image_view.has_image:
        done.set_result(None)
    else:
        controller.image_shown.connect(lambda _id: done.done() or done.set_result(None))
    try:
        await asyncio.wait_for(done, SCREENSHOT_TIMEOUT)
    except TimeoutError:
        print("reviewdesk: no image was shown in time; no screenshot taken", file=sys.stderr)
        return 1
    for _ in range(5):  # let layouts and the repaint settle: the qasync loop runs Qt's events
        # (never processEvents() here: it would run other tasks' steps inside this one's)
        await asyncio.sleep(0.05)
    if not window.grab().save(str(path)):
        print(f"reviewdesk: cannot write {path}", file=sys.stderr)
        return 1
    print(f"saved a screenshot to {path}")
    return 0


async def started() -> None:
    """Until the event loop has gone round once after the window was shown (its first frame)."""
    from PySide6.QtCore import QTimer

    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    QTimer.singleShot(0, lambda: done.done() or done.set_result(None))
    await done


async def main_async(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[int] = loop.create_future()
    timing = getattr(args, "exit_after_start", False)

    async def show(window: Any) -> None:
        """The window on screen with its panes, before the services (docs/PERFORMANCE.md)."""
        from PySide6.QtCore import QCoreApplication

        install_excepthook(lambda: window)
        window.show()
        # The layouts' requests posted while the window was made, handled now: before, the first
        # frame was painted as soon as the window system exposed it and then, once they had
        # resized the panes, painted again whole (docs/PERFORMANCE.md, "Start-up").
        QCoreApplication.sendPostedEvents()
        await started()
        if timing:
            print("shown", flush=True)  # the window and its panes painted, the queue not yet

    if args.screenshot:  # everything in place first: a screenshot never waits on a person
        built = await build(args)
        install_excepthook(lambda: built.window)
        built.window.show()
    else:
        built = await build(args, load_later=True, shown=show, network=False)
    built.controller.quit_ready.connect(lambda: finished.done() or finished.set_result(0))
    if args.screenshot:
        built.controller.dismiss_sign_in()
        code = await take_screenshot(built, Path(args.screenshot))
        finished.done() or finished.set_result(code)
    else:
        # The network part (the HTTP stack, the keyring, the sign-in) once the queue is painted:
        # the reviewer can look and decide meanwhile; decisions wait in the outbox.
        try:
            await built.loaded
        except Exception:  # shown by the controller; the reviewer may still sign in and import
            if timing:
                raise
        await started()
        if timing:
            print("ready", flush=True)  # the queue in the window, the first scan shown
            finished.done() or finished.set_result(0)  # (and quit: no network part)
        else:
            built.controller.spawn(connect(built, args))
    code = await finished
    await close(built)
    return code


def lighten_pyside_import_hook() -> None:
    """PySide6's import hook decides, for every module imported after it, whether the module names
    PySide6 (for its `__feature__` switches), by reading the module's source with `inspect.getsource`
    (linecache, every line split and joined): ~0.13 ms a module, ~10 ms of the window's start and
    more of the services'. The same question answered by one read of the file's bytes: the same
    answer (a module without a source file does not name it either way). docs/PERFORMANCE.md,
    "Start-up". If PySide6 changes this private part, nothing is changed."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return

    def uses_pyside(module: Any) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return False
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return False

    feature._mod_uses_pyside = uses_pyside


def run_app(args: argparse.Namespace) -> int:
    """The product: a window on a qasync loop until the reviewer quits."""
    import shiboken6  # noqa: F401 - PySide6's import hook, lightened before the Qt modules load

    lighten_pyside_import_hook()
    import qasync

    from reviewdesk.store.errors import StoreError

    app = make_qapp(args)
    phase("Qt application made")
    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return runner.run(main_async(args))
    except StoreError as exc:  # locked by another ReviewDesk, or unreadable: say so where seen
        print(f"reviewdesk: {exc}", file=sys.stderr)
        if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(None, "ReviewDesk cannot start", str(exc))
        return 1
