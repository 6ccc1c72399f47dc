"""User settings in a small JSON file under the config folder. Never a secret in here."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from reviewdesk.atomic import write_atomic
from reviewdesk.limits import DIR_MODE, MAX_CONFIG_BYTES

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
    #: Jumio requires a User-Agent naming the customer's company and application (docs/JUMIO.md):
    #: no request goes to Jumio until it is set (or REVIEWDESK_JUMIO_USER_AGENT is).
    jumio_user_agent: str = ""
    jumio_region: str = "us"  # "us" or "eu": Jumio's data centre
    #: One base for every Jumio path (a proxy, the simulator), as `reviewdesk jumio --url` does for
    #: the command line; empty: the region's hosts. The same for Preventor (empty: its own host).
    jumio_url: str = ""
    preventor_url: str = ""
    #: The privacy screen (ui/privacy_screen.py): hides the image and facts after this long without
    #: input (0: never); and, when not 0, asks for a sign-in after this long away (e.g. 900).
    privacy_idle_seconds: float = 300.0
    privacy_sign_in_after_seconds: float = 0.0

    @classmethod
    def load(cls, path: Path) -> Settings:
        """The saved settings; defaults when the file is absent; a broken file is kept aside."""
        return cls.load_checked(path)[0]

    @classmethod
    def load_checked(cls, path: Path) -> tuple[Settings, str]:
        """The settings, and what was wrong with the file ("" if nothing): a broken file (not JSON,
        too large, nested too deeply) is moved aside and the defaults are used."""
        try:
            if path.stat().st_size > MAX_CONFIG_BYTES:
                raise ValueError(f"larger than {MAX_CONFIG_BYTES // 1024} KB")
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(), ""
        except (OSError, ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else _reason(exc)
            aside = path.with_suffix(".json.broken")
            log.warning("settings file unreadable (%s); moved to %s", why, aside.name)
            with contextlib.suppress(OSError):
                os.replace(path, aside)
            return cls(), (
                f"The settings file {path} could not be used ({why}); it was moved to {aside.name} and "
                "the default settings are used."
            )
        if not isinstance(raw, dict):
            return cls(), f"The settings file {path} does not hold a JSON object; the defaults are used."
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        defaults = cls()
        for name in known:
            default = getattr(defaults, name)
            if name in raw and isinstance(raw[name], type(default)):
                values[name] = raw[name]
            elif isinstance(default, float) and type(raw.get(name)) is int:  # 300 for 300.0
                values[name] = float(raw[name])
        settings = cls(**values)
        settings.prefetch = max(0, min(settings.prefetch, 20))
        settings.cache_mb = max(16, min(settings.cache_mb, 4096))
        settings.undo_grace_seconds = max(0.0, min(settings.undo_grace_seconds, 60.0))
        settings.privacy_idle_seconds = _seconds_or_off(settings.privacy_idle_seconds, 10.0)
        settings.privacy_sign_in_after_seconds = _seconds_or_off(settings.privacy_sign_in_after_seconds, 60.0)
        if settings.jumio_region not in ("us", "eu"):
            settings.jumio_region = "us"
        return settings, ""

    def save(self, path: Path) -> None:
        """Write the settings (owner-only, whatever the folder) and replace the file in one step."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        write_atomic(path, json.dumps(asdict(self), indent=2, sort_keys=True))


def _seconds_or_off(value: float, least: float) -> float:
    """0 (or less, or not a number) is off; anything else at least `least`, at most a day."""
    if not value > 0:
        return 0.0
    return max(least, min(value, 86_400.0))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at line {exc.lineno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__


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
