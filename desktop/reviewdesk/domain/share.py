"""A queue split across a team without a server: reviewer K of N takes the scans whose id hashes
to share K. The hash is SHA-256 of the scan id (UTF-8) taken modulo N: the same on every machine,
in every process and every Python version (unlike `hash()`), so N reviewers importing the same
file with shares 1/N … N/N cover every scan exactly once.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import TYPE_CHECKING

from reviewdesk.errors import EXIT_USAGE, Error

if TYPE_CHECKING:
    from reviewdesk.domain.importer import ImportResult

MAX_SHARES = 1000


class BadShare(Error, ValueError):
    """A share that is not `K/N` with 1 <= K <= N."""

    exit_code = EXIT_USAGE


def parse_share(text: str) -> tuple[int, int]:
    """ "2/3" (or "2 of 3") -> (2, 3)."""
    cleaned = text.strip().lower().replace(" of ", "/").replace(" ", "")
    k_text, sep, n_text = cleaned.partition("/")
    if not sep or not k_text.isdigit() or not n_text.isdigit():
        raise BadShare(f"the share {text!r} is not K/N (e.g. 2/3: the second of three reviewers)")
    k, n = int(k_text), int(n_text)
    if not 1 <= n <= MAX_SHARES or not 1 <= k <= n:
        raise BadShare(f"the share {text!r} needs 1 <= K <= N <= {MAX_SHARES}")
    return k, n


def share_of(scan_id: str, n: int) -> int:
    """Which of `n` shares (1 … n) the scan belongs to."""
    digest = hashlib.sha256(scan_id.encode("utf-8")).digest()
    return int.from_bytes(digest, "big") % n + 1


def take_share(result: ImportResult, k: int, n: int) -> ImportResult:
    """The import's scans of share k of n (the problems and counts of the whole file stay)."""
    if n == 1:
        return result
    return replace(result, scans=[s for s in result.scans if share_of(s.scan_id, n) == k])
