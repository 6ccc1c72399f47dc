"""One way to find bundled resources, from a source tree, an installed wheel or a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resource_dir() -> Path:
    """The folder holding `shortcodes.json`, the keymap defaults, icons and the stylesheet."""
    candidates = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "reviewdesk" / "_resources")
    candidates += [_HERE / "_resources", _HERE.parents[1] / "resources"]
    for candidate in candidates:
        if (candidate / "shortcodes.json").is_file():
            return candidate
    raise FileNotFoundError(
        "ReviewDesk resources are missing (looked in: " + ", ".join(map(str, candidates)) + ")"
    )


def resource_path(name: str) -> Path:
    return resource_dir() / name
