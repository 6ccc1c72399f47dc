"""The privacy screen's settings (settings.py): defaults, whole numbers for seconds, and bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.settings import Settings


def _load(tmp_path: Path, **values: object) -> Settings:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(values))
    return Settings.load(path)


def test_the_privacy_screen_defaults_to_five_minutes_and_no_sign_in(tmp_path: Path) -> None:
    settings = _load(tmp_path)
    assert settings.privacy_idle_seconds == 300.0 and settings.privacy_sign_in_after_seconds == 0.0


@pytest.mark.parametrize(
    ("idle", "sign_in", "expected"),
    [
        (120, 900, (120.0, 900.0)),  # whole numbers, as a person writes them
        (0, 0, (0.0, 0.0)),  # off
        (1, 5, (10.0, 60.0)),  # too short to be meant: the least
        (10**9, 10**9, (86_400.0, 86_400.0)),
        (-5, "900", (0.0, 0.0)),  # negative: off; a string: the default (off)
        (True, None, (300.0, 0.0)),  # not a number: the defaults
    ],
)
def test_privacy_times_are_bounded(tmp_path: Path, idle, sign_in, expected) -> None:
    settings = _load(tmp_path, privacy_idle_seconds=idle, privacy_sign_in_after_seconds=sign_in)
    assert (settings.privacy_idle_seconds, settings.privacy_sign_in_after_seconds) == expected
