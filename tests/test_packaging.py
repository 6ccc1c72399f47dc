"""Packaging: the self-test from source, the desktop-integration files, one version, and the rules
that trim the PyInstaller bundle. (CI also builds the bundle and runs its self-test: .ci/run.)

Covers packaging/ and the self-test (reviewdesk.selftest), not one module.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from PIL import Image

from support.process import queued_data_dir

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
PACKAGING = ROOT / "packaging"


def _load(name: str):  # packaging/ is scripts, not a package: load them by path, under private names
    spec = importlib.util.spec_from_file_location(f"_reviewdesk_packaging_{name}", PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bundle_filter = _load("bundle_filter")
make_icons = _load("make_icons")
build = _load("build")

# -- the self-test ----------------------------------------------------------------------------------


def test_self_test_from_source_reviews_five_scans_and_passes(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "REVIEWDESK_DATA_DIR": str(tmp_path / "mine")}
    result = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "--self-test"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for check in ("version", "resources", "keyring", "tls trust store", "image plugins", "window icon"):
        assert f"PASS {check}" in out
    assert "PASS delivery: simulator received 5 of 5 decisions" in out
    assert "PASS no secrets at rest" in out
    assert "FAIL" not in out and out.rstrip().endswith("self-test passed")
    # It used a throwaway folder, never the user's data folder.
    assert not (tmp_path / "mine").exists()


def test_self_test_fails_when_a_check_fails(monkeypatch, capsys) -> None:
    from reviewdesk import selftest

    report = selftest.Report()
    report.check("one", True)
    report.check("two", False, "broken")
    assert not report.passed
    assert "FAIL two: broken" in capsys.readouterr().out
    assert not selftest.Report().passed  # nothing checked is not a pass


# -- one version ------------------------------------------------------------------------------------


def test_the_version_has_one_source() -> None:
    import reviewdesk

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "desktop/reviewdesk/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+", reviewdesk.__version__)
    assert version("reviewdesk") == reviewdesk.__version__  # the installed metadata agrees
    spec = (PACKAGING / "reviewdesk.spec").read_text()
    assert 'copy_metadata("reviewdesk")' in spec  # the frozen __version__ comes from the same metadata


def test_the_packaging_extra_holds_pyinstaller_and_pyside6_stays_capped() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(r.startswith("pyinstaller") for r in project["optional-dependencies"]["packaging"])
    assert any(r.startswith("PySide6-Essentials") and "<6.12" in r for r in project["dependencies"])


# -- resources and desktop integration --------------------------------------------------------------


def test_resources_load_from_the_frozen_layout(tmp_path, monkeypatch) -> None:
    from reviewdesk import resources

    bundled = tmp_path / "reviewdesk" / "_resources"
    bundled.mkdir(parents=True)
    (bundled / "shortcodes.json").write_text("{}")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_dir() == bundled
    monkeypatch.delattr(sys, "_MEIPASS")
    assert resources.resource_dir() == ROOT / "resources"
    # The spec puts resources/ exactly there.
    assert '"reviewdesk/_resources"' in (PACKAGING / "reviewdesk.spec").read_text()


def test_icons_exist_in_every_size() -> None:
    svg = (ICONS / "reviewdesk.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and 'viewBox="0 0 512 512"' in svg
    for size in make_icons.SIZES:
        with Image.open(ICONS / f"reviewdesk-{size}.png") as png:
            assert png.size == (size, size) and png.mode == "RGBA"
    with Image.open(ICONS / "reviewdesk.ico") as ico:
        assert {(s, s) for s in make_icons.ICO_SIZES} <= set(ico.info["sizes"])
    with Image.open(ICONS / "reviewdesk.icns") as icns:
        assert icns.format == "ICNS" and (512, 512, 2) in icns.info["sizes"]


def test_icons_are_up_to_date_with_the_svg(qapp) -> None:
    """The committed PNGs are what make_icons renders from the SVG now (run it after editing the SVG).

    Compared pixel by pixel with a tolerance of a few levels, not byte for byte: the rasteriser's
    anti-aliasing may differ by one level between machines (seen: one byte on a machine with other
    fonts and libraries), while an edited SVG changes whole shapes."""
    import io

    from PIL import ImageChops

    for size in (32, 256):
        fresh = Image.open(io.BytesIO(make_icons.render(size))).convert("RGBA")
        with Image.open(ICONS / f"reviewdesk-{size}.png") as committed:
            diff = ImageChops.difference(committed.convert("RGBA"), fresh)
            worst = max(high for _, high in diff.getextrema())
            changed = sum(1 for value in diff.tobytes() if value > 0)
            assert worst <= 4 and changed <= size * size * 4 // 100, (size, worst, changed)


def test_desktop_entry() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(ROOT / "resources" / "reviewdesk.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "ReviewDesk"
    assert entry["Exec"] == "reviewdesk %F" and entry["Icon"] == "reviewdesk"
    assert entry["Categories"].split(";")[:2] == ["Office", "Finance"] and entry["Categories"].endswith(";")
    assert "text/csv" in entry["MimeType"]


def test_the_window_icon_loads_from_the_resources(qapp) -> None:
    from PySide6.QtGui import QIcon

    from reviewdesk.resources import resource_path

    assert not QIcon(str(resource_path("icons/reviewdesk.svg"))).pixmap(64, 64).isNull()


# -- what goes into the bundle ----------------------------------------------------------------------

Q = "PySide6/Qt/"


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        (Q + "plugins/platforms/libqxcb.so", True),
        (Q + "plugins/platforms/libqoffscreen.so", True),
        (Q + "plugins/platforms/libqwayland.so", True),
        (Q + "plugins/platforms/libqeglfs.so", False),
        (Q + "plugins/platforms/libqvnc.so", False),
        (Q + "plugins/imageformats/libqjpeg.so", True),
        (Q + "plugins/imageformats/libqsvg.so", True),
        (Q + "plugins/imageformats/libqpdf.so", False),
        (Q + "plugins/imageformats/libqtiff.so", False),
        (Q + "plugins/iconengines/libqsvgicon.so", True),
        (Q + "plugins/platformthemes/libqgtk3.so", False),
        (Q + "plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        (Q + "plugins/xcbglintegrations/libqxcb-glx-integration.so", False),
        (Q + "plugins/generic/libqevdevmouseplugin.so", False),
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),  # Windows wheels: no Qt/ level
        ("PySide6\\plugins\\imageformats\\qjpeg.dll", True),
        ("PySide6\\plugins\\imageformats\\qwebp.dll", False),
        (Q + "lib/libQt6Core.so.6", True),
        (Q + "lib/libQt6Gui.so.6", True),
        (Q + "lib/libQt6Widgets.so.6", True),
        (Q + "lib/libQt6Svg.so.6", True),
        (Q + "lib/libQt6Test.so.6", True),
        (Q + "lib/libQt6DBus.so.6", True),
        (Q + "lib/libQt6XcbQpa.so.6", True),
        (Q + "lib/libQt6WaylandClient.so.6", True),
        (Q + "lib/libicudata.so.73", True),
        (Q + "lib/libQt6Quick.so.6", False),
        (Q + "lib/libQt6Qml.so.6", False),
        (Q + "lib/libQt6Network.so.6", False),
        (Q + "lib/libQt6Pdf.so.6", False),
        (Q + "lib/libQt6OpenGL.so.6", False),
        (Q + "lib/libQt6EglFsKmsSupport.so.6", False),
        ("libQt6Network.so.6", False),  # the top-level symlink too
        ("Qt6Quick.dll", False),
        (Q + "translations/qtbase_de.qm", False),
        ("PySide6/QtWidgets.abi3.so", True),
        ("reviewdesk/_resources/shortcodes.json", True),
        ("libcrypto.so.3", True),
    ],
)
def test_bundle_keeps_only_what_runs(dest: str, kept: bool) -> None:
    assert bundle_filter.keep(dest) is kept


def test_unused_qt_modules_are_excluded_at_python_level() -> None:
    excluded = set(bundle_filter.PYTHON_EXCLUDES)
    assert {"PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "tkinter"} <= excluded
    assert not {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg"} & excluded
    assert "PySide6.QtTest" not in excluded  # the self-test presses keys with it


def test_libraries_only_dropped_parts_needed_are_pruned() -> None:
    toc = [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        ("libX11.so.6", "/src/libX11.so.6", "BINARY"),
        ("libxcb.so.1", "/src/libxcb.so.1", "BINARY"),
        ("libcairo.so.2", "/src/libcairo.so.2", "BINARY"),  # was for the dropped GTK theme
        ("libpixman-1.so.0", "/src/libpixman-1.so.0", "BINARY"),  # only cairo needs it
        ("libpython3.11.so.1.0", "/src/libpython3.11.so.1.0", "BINARY"),  # always kept
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),  # symlinks left alone
    ]
    needs = {
        "/src/libqxcb.so": {"libX11.so.6", "libc.so.6"},
        "/src/libX11.so.6": {"libxcb.so.1"},
        "/src/libcairo.so.2": {"libpixman-1.so.0", "libX11.so.6"},
    }
    kept, dropped = bundle_filter.prune_unreachable(toc, lambda src: needs.get(src, set()))
    assert dropped == ["libcairo.so.2", "libpixman-1.so.0"]
    assert [e[0] for e in kept] == [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "libX11.so.6",
        "libxcb.so.1",
        "libpython3.11.so.1.0",
        "libQt6Core.so.6",
    ]


def test_build_measures_files_not_symlinks(tmp_path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 1000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"y" * 234)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert build.tree_size(tmp_path) == 1234
    assert build.BUDGET_MB == 150


def test_ci_builds_the_bundle_and_runs_its_self_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    commands = [line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    steps = [
        "bash scripts/test.sh",
        "'.[packaging]'",
        "packaging/build.py",
        "reviewdesk/reviewdesk --self-test",
    ]
    positions = [next(i for i, line in enumerate(commands) if step in line) for step in steps]
    assert positions == sorted(positions)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux installer")
def test_linux_installer_installs_and_removes_a_bundle(tmp_path) -> None:
    import shutil

    bundle = tmp_path / "reviewdesk"
    resources = bundle / "_internal" / "reviewdesk" / "_resources"
    shutil.copytree(ROOT / "resources", resources)
    (bundle / "reviewdesk").write_text("#!/bin/sh\necho frozen\n")
    (bundle / "reviewdesk").chmod(0o755)
    shutil.copy(PACKAGING / "install-linux.sh", bundle / "install.sh")
    prefix = tmp_path / "prefix"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PREFIX": str(prefix)}
    run = subprocess.run(["sh", str(bundle / "install.sh")], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    target = prefix / "opt" / "reviewdesk"
    assert subprocess.run([str(prefix / "bin" / "reviewdesk")], capture_output=True, text=True).stdout == (
        "frozen\n"
    )
    assert not (target / "install.sh").exists()
    entry = (prefix / "share" / "applications" / "reviewdesk.desktop").read_text()
    assert f"Exec={target}/reviewdesk %F" in entry and "Icon=reviewdesk" in entry
    icons = prefix / "share" / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "reviewdesk.svg").is_file()
    assert {p.parts[-3] for p in icons.glob("*/apps/reviewdesk.png")} == {
        f"{s}x{s}" for s in make_icons.SIZES
    }
    run = subprocess.run(["sh", str(bundle / "install.sh"), "--uninstall"], env=env, capture_output=True)
    assert run.returncode == 0
    assert not target.exists() and not (prefix / "bin" / "reviewdesk").exists()
    assert not list(icons.glob("*/apps/reviewdesk.*"))


# -- modules of the start beside the executable -------------------------------------------------------

START_SPY = textwrap.dedent(
    """
    import builtins, json, sys, sysconfig
    stdlib = sysconfig.get_paths()["stdlib"]
    real_print = builtins.print

    def spy(*args, **kwargs):
        if args and args[0] == "shown":
            names = set()
            for name, module in list(sys.modules.items()):
                path = getattr(module, "__file__", None) or ""
                if path.endswith(".py") and (path.startswith(stdlib) or "qasync" in path):
                    if "site-packages" not in path or "qasync" in path:
                        names.add(name.split(".")[0])
            real_print("PURE", json.dumps(sorted(names)), flush=True)
        real_print(*args, **kwargs)

    builtins.print = spy
    sys.argv = ["reviewdesk", "--data-dir", sys.argv[1], "--exit-after-start"]
    from reviewdesk.cli import main
    sys.exit(main())
    """
)
#: Not read from the archive: the interpreter's own frozen import machinery, and what only a venv's
#: start imports (the bundle's Python has no site).
VENV_ONLY = {
    "_frozen_importlib",
    "_frozen_importlib_external",
    "importlib",
    "zipimport",
    "site",
    "sysconfig",
    "_sitebuiltins",
    "_distutils_hack",
}


def test_the_modules_of_the_start_are_collected_beside_the_executable(tmp_path) -> None:
    # bundle_filter.START_MODULES are kept out of the bundle's compressed archive (the window is
    # painted ~14 ms sooner, docs/PERFORMANCE.md): a module the window comes to import before its
    # first frame must be added there, or it is read and inflated from the archive again.
    spy = tmp_path / "spy.py"
    spy.write_text(START_SPY, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWDESK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, str(spy), str(queued_data_dir(tmp_path, 20))],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("PURE ")]
    imported = {n for n in json.loads(line.split(" ", 1)[1]) if not n.startswith("_sysconfigdata")}
    assert "asyncio" in imported and "qasync" in imported  # (the spy sees them)
    missing = imported - set(bundle_filter.START_MODULES) - bundle_filter.BASE_LIBRARY - VENV_ONLY
    assert not missing, f"add to packaging/bundle_filter.START_MODULES: {sorted(missing)}"
    # and none listed that the start no longer imports (but PyInstaller's own hooks' two)
    stale = set(bundle_filter.START_MODULES) - imported - {"ctypes", "pkgutil"}
    assert not stale, f"no longer imported before the first frame: {sorted(stale)}"


def test_the_base_library_is_pyinstallers() -> None:
    compat = pytest.importorskip("PyInstaller.compat")
    assert set(compat.PY3_BASE_MODULES) == bundle_filter.BASE_LIBRARY
