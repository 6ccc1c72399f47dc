"""Random identifiers (idempotency keys) without the `uuid` module, which imports `platform` and
was ~3 ms of the start (docs/PERFORMANCE.md, "Start-up")."""

from __future__ import annotations

import os


def uuid4_text() -> str:
    """A random UUID (version 4, the RFC 4122 variant) as text: what `str(uuid.uuid4())` gives,
    from the same source (`os.urandom`)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # variant 10xx
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
