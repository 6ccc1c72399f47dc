"""Validation of scan ids: they travel in URL paths and query strings, so they are checked early."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from reviewdesk.errors import EXIT_USAGE, Error

MAX_SCAN_ID_LENGTH = 128


class InvalidScanId(Error, ValueError):  # a ValueError too, as before
    """A scan id that cannot be sent: empty, too long, or holding control characters."""

    exit_code = EXIT_USAGE


def validate_scan_id(value: object) -> str:
    """Return `value` as a scan id, or raise InvalidScanId with a message a reviewer understands."""
    if not isinstance(value, str):
        raise InvalidScanId("a scan id must be text")
    if not value or not value.strip():
        raise InvalidScanId("the scan id is empty")
    if len(value) > MAX_SCAN_ID_LENGTH:
        raise InvalidScanId(
            f"the scan id is {len(value)} characters long; at most {MAX_SCAN_ID_LENGTH} are allowed"
        )
    if value != value.strip():
        raise InvalidScanId("the scan id has leading or trailing spaces")
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            raise InvalidScanId(f"the scan id contains a control character (U+{ord(ch):04X})")
    return value


def quote_path_segment(scan_id: str) -> str:
    """Percent-encode a (validated) scan id for use as one URL path segment: `/`, `.` runs included."""
    encoded = quote(scan_id, safe="")
    # "." and ".." are path navigation even when alone in a segment; encode them so they stay literal.
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded
