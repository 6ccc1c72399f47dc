"""Logging to a rotating file under the log folder, with every record redacted."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import stat
import sys
from pathlib import Path
from typing import IO, Any

from reviewdesk.api.redact import RedactingFilter, install_log_redaction
from reviewdesk.limits import DIR_MODE, FILE_MODE

LOG_NAME = "reviewdesk.log"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Owner-only log files; a failing write (the disk is full) is said once on stderr, not once per
    record with a traceback ("--- Logging error ---"), until a write succeeds again."""

    failing = False  # the last write failed, and that was said
    _failed = False  # the record being written failed

    def _open(self) -> IO[Any]:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        mode = os.fstat(fd).st_mode
        if os.name == "posix" and stat.S_ISREG(mode) and mode & 0o077:
            os.fchmod(fd, FILE_MODE)  # a log an older version left readable to others
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115

    def emit(self, record: logging.LogRecord) -> None:
        self._failed = False
        super().emit(record)
        if not self._failed:
            self.failing = False

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the last buffered line cannot be written either: said
            super().close()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self._failed = True
        if self.failing:
            return
        self.failing = True
        exc = sys.exc_info()[1]
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.write(f"reviewdesk: cannot write the log {self.baseFilename}: {reason}\n")


def setup_file_logging(folder: Path, level: str = "INFO") -> Path:
    """Log to `folder`/reviewdesk.log; a folder that cannot be written is said on stderr, and
    ReviewDesk goes on without a log file."""
    path = folder / LOG_NAME
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            handler = PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(
                f"reviewdesk: cannot write the log {path} ({exc.strerror}); not logging to a file\n"
            )
            return path
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    # The settings' level, or more when the command line asked for more (`reviewdesk -vv`).
    wanted = getattr(logging, level.upper(), logging.INFO)
    root.setLevel(min(wanted, root.level) if root.level != logging.NOTSET else wanted)
    # qasync logs each executor call with its arguments at DEBUG: the image bytes being decoded.
    logging.getLogger("qasync").setLevel(logging.INFO)
    install_log_redaction()
    return path
