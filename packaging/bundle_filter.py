"""What of Qt goes into the bundle: the rules the spec applies to PyInstaller's binaries and datas.

PyInstaller's Qt hooks collect, per imported Qt module, every plugin of the kinds that module
may use (all image formats, all platforms, eglfs, evdev, ...) and its translations. Python-level
`excludes` cannot drop single plugin files, so the spec filters the collected TOC with `keep()`.

ReviewDesk uses QtCore, QtGui, QtWidgets (the window), QtSvg through the icon plugins (the SVG
window icon) and QtTest (the self-test's synthetic key presses). Nothing else of Qt: no QML,
Quick, Network (the app talks HTTP through httpx), OpenGL, printing, SQL (SQLite is Python's),
PDF, WebEngine, 3D, Multimedia, Designer, Charts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

#: Python modules never to bundle (PyInstaller `excludes`).
PYTHON_EXCLUDES = [
    # Qt bindings modules the app never imports (a stray import would pull their libraries)
    *(
        f"PySide6.{name}"
        for name in (
            "QtNetwork",
            "QtQml",
            "QtQuick",
            "QtQuickControls2",
            "QtQuickTest",
            "QtQuickWidgets",
            "QtOpenGL",
            "QtOpenGLWidgets",
            "QtPrintSupport",
            "QtSql",
            "QtXml",
            "QtDesigner",
            "QtHelp",
            "QtUiTools",
            "QtConcurrent",
            "QtDBus",
            "QtSvgWidgets",
        )
    ),
    "PyQt5",
    "PyQt6",
    "PySide2",
    # Pillow's optional codecs the simulator does not use (AVIF alone brings a 5 MB library); the
    # plugins import them guarded, so JPEG and PNG work without them.
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL._webp",
    "PIL._imagingcms",
    "PIL.ImageTk",
    "PIL._imagingtk",
    "PIL.ImageQt",
    # httpx imports its own command line (httpx._main) when click, rich and pygments are all there,
    # and falls back quietly when one is missing; the app never uses it (~70 ms of start-up).
    # click stays: uvicorn (the built-in simulator) needs it.
    "rich",
    "pygments",
    # development tools that an import of an import might reach
    "tkinter",
    "_tkinter",
    "numpy",
    "pytest",
    "_pytest",
    "hypothesis",
    "mypy",
    "IPython",
    "pydoc_data",
    # httpx's optional command line (`httpx._main`, import-guarded) and what it pulls
    "rich",
    "pygments",
    "markdown_it",
    "mdurl",
]

#: Qt plugins kept, as "<kind>/<stem>" (stem without "lib" prefix, "q" kept), or "<kind>/*".
KEEP_PLUGINS = {
    # offscreen for the self-test and CI; xcb for X11 (and Wayland sessions through XWayland);
    # wayland for native Wayland sessions, with what that platform plugin loads at run time.
    "platforms/qoffscreen",
    "platforms/qxcb",
    "platforms/qwayland",
    "platforms/qwindows",
    "platforms/qcocoa",
    "wayland-shell-integration/xdg-shell",
    "wayland-decoration-client/*",
    # JPEG is what the reviewer looks at; PNG is built into QtGui; SVG for the icon.
    "imageformats/qjpeg",
    "imageformats/qsvg",
    "iconengines/qsvgicon",
    # native dialogs through the desktop portal, and input methods (dead keys and IMEs while typing
    # a note). Not the GTK 3 theme: it would pull half of the build machine's GTK stack (cairo,
    # pango, gdk-pixbuf) into the bundle, to run against another version of GTK on the workstation.
    "platformthemes/qxdgdesktopportal",
    "platforminputcontexts/composeplatforminputcontextplugin",
    "platforminputcontexts/ibusplatforminputcontextplugin",
    "styles/*",
}

#: Qt shared libraries never bundled, whoever pulls them (matched on the file name).
DROP_QT_LIBS = re.compile(
    r"Qt6?(Quick|Qml|Pdf|WebEngine|WebChannel|WebSockets|WebView|3D|Multimedia|Spatial|Designer|Charts"
    r"|DataVisualization|Graphs|VirtualKeyboard|Labs|Lottie|Help|UiTools|Sql|Network|OpenGL|PrintSupport"
    r"|Positioning|Location|Sensors|SerialPort|SerialBus|Bluetooth|Nfc|TextToSpeech|RemoteObjects|Scxml"
    r"|StateMachine|HttpServer|Concurrent|Xml|SvgWidgets|EglFS|EglFs|WaylandCompositor|WaylandEgl|WlShell"
    r"|ShaderTools)",
)


def _posix(path: str) -> PurePosixPath:
    return PurePosixPath(path.replace("\\", "/"))


def plugin_id(dest: str) -> str | None:
    """'platforms/qxcb' for '.../Qt/plugins/platforms/libqxcb.so' (or '...\\qxcb.dll'); None if no plugin."""
    parts = _posix(dest).parts
    if "plugins" not in parts:
        return None
    i = len(parts) - 1 - parts[::-1].index("plugins")
    rest = parts[i + 1 :]
    if len(rest) < 2:
        return None
    stem = rest[-1].split(".")[0]
    if stem.startswith("lib"):
        stem = stem[3:]
    return "/".join((*rest[:-1], stem))


def keep_plugin(pid: str) -> bool:
    kind = pid.rsplit("/", 1)[0]
    return pid in KEEP_PLUGINS or f"{kind}/*" in KEEP_PLUGINS


def keep(dest: str) -> bool:
    """Whether a collected file (its destination path in the bundle) stays."""
    path = _posix(dest)
    parts = path.parts
    if "PySide6" in parts:
        pid = plugin_id(dest)
        if pid is not None:
            return keep_plugin(pid)
        if "translations" in parts or "qml" in parts or "metatypes" in parts or "libexec" in parts:
            return False  # English-only UI, no QML
    return not DROP_QT_LIBS.search(path.name)


#: PyInstaller's run-time hooks that ReviewDesk has no use for, dropped from the bundle's start:
#: each ran before ReviewDesk's first line, ~10 ms together (docs/PERFORMANCE.md, "Start-up").
#: - pyi_rth_inspect lets `inspect.getsource` find frozen modules' files (and imports zipfile, bz2
#:   and lzma to list base_library.zip): nothing in the bundle reads its own source (PySide6's
#:   import hook asked, and is answered without it: reviewdesk/app.py, lighten_pyside_import_hook);
#: - pyi_rth_multiprocessing keeps child processes of `multiprocessing` from running the program
#:   again (and imports multiprocessing): ReviewDesk starts no such process (the simulator that
#:   uvicorn serves runs in a thread of the same process).
UNUSED_RUNTIME_HOOKS = frozenset({"pyi_rth_inspect", "pyi_rth_multiprocessing"})

#: Pure-Python modules (packages: with every submodule) that the window imports before its first
#: frame, besides ReviewDesk's own and those PyInstaller keeps in base_library.zip
#: (`BASE_LIBRARY`): collected as .pyc files beside the executable (`module_collection_mode`)
#: rather than in the compressed archive, where each is read by opening the executable again and
#: inflated. Alternating runs of the two bundles: the window painted ~14 ms sooner (medians of 15),
#: for +1.9 MB (docs/PERFORMANCE.md). tests/test_packaging.py checks this list against what the
#: window imports before it is painted.
START_MODULES = (
    "__future__",
    "_compat_pickle",
    "_compression",
    "argparse",
    "ast",
    "asyncio",
    "base64",
    "bisect",
    "bz2",
    "concurrent",
    "contextlib",
    "contextvars",
    "copy",
    "ctypes",  # (imported by PyInstaller's own ctypes hook at every start)
    "dataclasses",
    "difflib",
    "dis",
    "fnmatch",
    "gettext",
    "inspect",
    "ipaddress",
    "json",
    "logging",
    "lzma",
    "opcode",
    "pathlib",
    "pickle",
    "pkgutil",  # (imported by PyInstaller's pkgutil run-time hook)
    "qasync",
    "queue",
    "random",
    "selectors",
    "shutil",
    "signal",
    "socket",
    "ssl",
    "string",
    "struct",
    "subprocess",
    "tempfile",
    "textwrap",
    "threading",
    "token",
    "tokenize",
    "typing",
    "urllib",
    "zipfile",
)

#: What PyInstaller puts in base_library.zip (`PyInstaller.compat.PY3_BASE_MODULES`, checked by
#: tests/test_packaging.py when PyInstaller is installed): read from there, uncompressed.
BASE_LIBRARY = frozenset(
    {
        "_collections_abc",
        "_weakrefset",
        "abc",
        "codecs",
        "collections",
        "copyreg",
        "encodings",
        "enum",
        "functools",
        "genericpath",
        "heapq",
        "io",
        "keyword",
        "linecache",
        "locale",
        "ntpath",
        "operator",
        "os",
        "posixpath",
        "re",
        "reprlib",
        "sre_compile",
        "sre_constants",
        "sre_parse",
        "stat",
        "traceback",
        "types",
        "warnings",
        "weakref",
    }
)


def drop_runtime_hooks(scripts: list[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(the Analysis' scripts without `UNUSED_RUNTIME_HOOKS`, the names dropped)."""
    return filter_toc(scripts, lambda name: name not in UNUSED_RUNTIME_HOOKS)


def filter_toc(
    toc: list[tuple[str, str, str]], keeps: Callable[[str], bool] = keep
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(kept entries, dropped destination names) of a PyInstaller TOC list; `keeps(name)` decides
    (by default `keep`: the Qt parts the app uses)."""
    kept: list[tuple[str, str, str]] = []
    dropped: list[str] = []
    for entry in toc:
        if keeps(entry[0]):
            kept.append(entry)
        else:
            dropped.append(entry[0])
    return kept, dropped


def prune_unreachable(
    toc: list[tuple[str, str, str]], imports: Callable[[str], set[str]]
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Drop top-level shared libraries (Linux) that no kept binary links to any more.

    PyInstaller resolves the libraries of every collected binary before the spec can filter, so
    the libraries that only a dropped plugin needed (GTK's cairo and pango for the GTK theme,
    Kerberos for QtNetwork) would stay. `imports(source_path)` gives a binary's NEEDED names.
    The roots are everything that is not such a library (extension modules, Qt libraries and
    plugins, the interpreter); a library stays if a root or a kept library needs it.
    """

    def candidate(entry: tuple[str, str, str]) -> bool:
        name = _posix(entry[0])
        return (
            len(name.parts) == 1
            and name.name.startswith("lib")
            and ".so" in name.name
            and not name.name.startswith("libpython")
            and entry[2] != "SYMLINK"
        )

    libraries = {_posix(e[0]).name: e for e in toc if candidate(e)}
    roots = [e for e in toc if not candidate(e) and e[2] != "SYMLINK"]
    reached: set[str] = set()
    pending = [e[1] for e in roots]
    while pending:
        for name in imports(pending.pop()):
            if name in libraries and name not in reached:
                reached.add(name)
                pending.append(libraries[name][1])
    dropped = sorted(set(libraries) - reached)
    kept = [e for e in toc if _posix(e[0]).name not in dropped or not candidate(e)]
    return kept, dropped
