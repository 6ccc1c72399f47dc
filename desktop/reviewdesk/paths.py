"""Where local state lives. With --data-dir / REVIEWDESK_DATA_DIR everything goes under that one folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reviewdesk.limits import DIR_MODE

APP_NAME = "ReviewDesk"
APP_AUTHOR = "ReviewDesk"


@dataclass(frozen=True, slots=True)
class Paths:
    data: Path
    config: Path
    logs: Path

    @property
    def database(self) -> Path:
        return self.data / "reviewdesk.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def keymap_file(self) -> Path:
        return self.config / "keymap.json"

    def ensure(self) -> Paths:
        """Create the folders (owner-only); StoreError when one cannot be made or is not a folder."""
        from reviewdesk.store.errors import StoreError

        for folder in (self.data, self.config, self.logs):
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder {folder} ({exc.strerror}); ReviewDesk needs a folder it "
                    "can write to (choose another with --data-dir)"
                ) from None
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> Paths:
    """Paths from an explicit folder, else REVIEWDESK_DATA_DIR, else the platform's own folders."""
    chosen = data_dir or os.environ.get("REVIEWDESK_DATA_DIR")
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return Paths(data=root, config=root / "config", logs=root / "logs")
    import platformdirs

    return Paths(
        data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
        config=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
    )
