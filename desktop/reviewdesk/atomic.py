"""Writing a file whole or not at all, owner-only: settings, keymap, a saved image, an outbox export.

Plain standard library (and `limits`): the domain layer may use it. No Qt here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from reviewdesk.limits import FILE_MODE


def write_atomic(path: Path | str, data: bytes | str, *, mode: int = FILE_MODE) -> None:
    """Write `data` (text as UTF-8) to `path` in one step: to a new temporary file beside it
    (`.<name>.….part`), flushed to disk, then renamed over `path`. A reader sees the old file or the
    new one, never a part of one; on any error `path` is as it was, the temporary file is removed and
    the error is raised. The file gets `mode` (owner-only by default), whatever the umask or the
    mode of the file it replaces. The folder must exist."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    # mkstemp: a fresh name (O_EXCL, mode 0o600), never a leftover or a link someone put there.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with open(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
