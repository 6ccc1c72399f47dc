"""Logging to a rotating file under the log folder, with every record redacted."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from reviewdesk.api.redact import RedactingFilter, install_log_redaction

LOG_NAME = "reviewdesk.log"


def setup_file_logging(folder: Path, level: str = "INFO") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # qasync logs each executor call with its arguments at DEBUG: the image bytes being decoded.
    logging.getLogger("qasync").setLevel(logging.INFO)
    install_log_redaction()
    return path
