"""reviewdesk.atomic: a file is written whole or not at all, owner-only."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from reviewdesk import atomic
from reviewdesk.atomic import write_atomic


def test_text_is_written_as_utf8_and_bytes_as_they_are(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.json", '{"name": "Zoë"}\n')
    write_atomic(tmp_path / "b.jpg", b"\xff\xd8\x00")
    assert (tmp_path / "a.json").read_bytes() == '{"name": "Zoë"}\n'.encode()
    assert (tmp_path / "b.jpg").read_bytes() == b"\xff\xd8\x00"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.jpg"]  # no part left


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_file_is_owner_only_whatever_the_umask_and_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("old")
    path.chmod(0o644)
    old = os.umask(0o022)
    try:
        write_atomic(path, "new")
        write_atomic(tmp_path / "fresh.json", "x")
    finally:
        os.umask(old)
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "fresh.json").stat().st_mode) == 0o600


def test_a_write_that_fails_leaves_the_old_file_and_no_part(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "keymap.json"
    path.write_text("old")

    def full(fd: int) -> None:  # a full disk shows at the flush to disk; no socket can show it
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keymap.json"]


def test_a_target_that_cannot_be_replaced_leaves_no_part(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.mkdir()
    (target / "inside").write_text("kept")
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert (target / "inside").read_text() == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
