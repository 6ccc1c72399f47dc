"""User settings in a small JSON file under the config folder. Never a secret in here."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

log = logging.getLogger("reviewdesk.settings")


@dataclass
class Settings:
    base_url: str = ""
    reviewer_name: str = ""
    sign_in_mode: str = "token"  # "token" (reviewer) or "admin"
    prefetch: int = 3
    cache_mb: int = 256
    undo_grace_seconds: float = 5.0
    log_level: str = "INFO"
    window_geometry: str = ""  # Qt's saveGeometry(), base64
    window_state: str = ""

    @classmethod
    def load(cls, path: Path) -> Settings:
        """The saved settings; defaults when the file is absent; a broken file is kept aside."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            aside = path.with_suffix(".json.broken")
            log.warning("settings file unreadable (%s); moved to %s", type(exc).__name__, aside.name)
            with contextlib.suppress(OSError):
                os.replace(path, aside)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        defaults = cls()
        for name in known:
            if name in raw and isinstance(raw[name], type(getattr(defaults, name))):
                values[name] = raw[name]
        settings = cls(**values)
        settings.prefetch = max(0, min(settings.prefetch, 20))
        settings.cache_mb = max(16, min(settings.cache_mb, 4096))
        settings.undo_grace_seconds = max(0.0, min(settings.undo_grace_seconds, 60.0))
        return settings

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


def remembered_server(settings: Settings) -> str:
    """The server the window last signed in to, normalized ('' when none or unusable)."""
    if not settings.base_url:
        return ""
    from reviewdesk.api.errors import UsageError
    from reviewdesk.api.reviews import normalize_base_url

    try:
        return normalize_base_url(settings.base_url)
    except UsageError:
        return ""
