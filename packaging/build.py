"""Build the ReviewDesk bundle with PyInstaller, then measure it.

    .venv/bin/pip install -e '.[packaging]'     # PyInstaller; this script installs nothing
    .venv/bin/python packaging/build.py           # one folder: dist/reviewdesk/reviewdesk
    .venv/bin/python packaging/build.py --onefile # one file:   dist/reviewdesk (self-extracting)

Prints the bundle's size and the build time, and fails when the bundle is over the size budget
(150 MB on Linux). Then `dist/reviewdesk/reviewdesk --self-test` proves the bundle works, and
on Linux `dist/reviewdesk/install.sh` installs it (program, command, menu entry, icons).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "reviewdesk.spec"
BUDGET_MB = 150.0


def tree_size(path: Path) -> int:
    """Bytes of every regular file under `path` (or of `path` itself), symlinks not followed."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            p = Path(folder) / name
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def largest(path: Path, count: int = 8) -> list[tuple[int, Path]]:
    if path.is_file():
        return [(path.stat().st_size, path)]
    sizes = [(p.stat().st_size, p) for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sorted(sizes, reverse=True)[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--onefile", action="store_true", help="one self-extracting executable")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's work folder"
    )
    parser.add_argument("--budget-mb", type=float, default=BUDGET_MB, help="fail above this size (Linux)")
    parser.add_argument("--clean", action="store_true", help="ignore PyInstaller's cache")
    args = parser.parse_args(argv)

    if importlib.util.find_spec("PyInstaller") is None:
        print(
            "build: PyInstaller is not installed in this environment; run "
            f"`{sys.executable} -m pip install -e '.[packaging]'` first",
            file=sys.stderr,
        )
        return 2
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC),
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(args.dist),
        "--workpath",
        str(args.work),
    ]
    if args.clean:
        command.append("--clean")
    if args.onefile:
        command += ["--", "--onefile"]
    print("build: " + " ".join(command), flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        print(f"build: PyInstaller failed (exit {result.returncode}) after {elapsed:.0f} s", file=sys.stderr)
        return result.returncode

    name = "reviewdesk.exe" if sys.platform == "win32" else "reviewdesk"
    target = args.dist / (name if args.onefile else "reviewdesk")
    executable = target if args.onefile else target / name
    if not executable.exists():
        print(f"build: {executable} was not made", file=sys.stderr)
        return 1
    if sys.platform.startswith("linux") and not args.onefile:
        installer = target / "install.sh"  # unpack the folder on a workstation, run ./install.sh
        shutil.copyfile(ROOT / "packaging" / "install-linux.sh", installer)
        installer.chmod(0o755)
    size = tree_size(target)
    mb = size / 1_000_000
    print(f"build: built {executable.relative_to(ROOT) if executable.is_relative_to(ROOT) else executable}")
    print("build: largest files:")
    for nbytes, path in largest(target):
        print(f"  {nbytes / 1_000_000:7.1f} MB  {path.relative_to(target) if path != target else path.name}")
    print(f"build: bundle size {mb:.1f} MB ({size} bytes) in {target}; build took {elapsed:.0f} s")
    if sys.platform.startswith("linux") and mb > args.budget_mb:
        print(f"build: over the {args.budget_mb:.0f} MB budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
