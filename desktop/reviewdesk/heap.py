"""The C heap from the first file import on: blocks of 128 KiB and more are mapped, and unmapped
when freed.

glibc's malloc serves a big block from its heap once a block of that size has been freed (its
mmap threshold rises, up to 32 MB, with every big block it unmaps). An import of 1,000,000 rows
frees a part's text and lists every 25,000 rows while the queue's own lists and dicts grow
between them: the holes left behind kept ~140 MB of freed memory in the process, and the
import's peak at 612 MB (docs/PERFORMANCE.md). A fixed threshold (`mallopt(M_MMAP_THRESHOLD)`)
maps every such block on its own and gives it back to the system when it is freed: the same
import peaks at ~490 MB. Small blocks (Python's own allocator, most objects) are not affected.

Set once, for the rest of the process (glibc has no "back to the dynamic threshold"): big
blocks made after an import (a decoded image) are mapped on their own too, as glibc's default
threshold would until the first big block is freed. Only where the C library is glibc; elsewhere
(macOS, Windows, musl) nothing is changed.
"""

from __future__ import annotations

import os

MMAP_THRESHOLD = 128 * 1024  # glibc's default, kept from rising
_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h

_mapped = False


def map_big_blocks() -> bool:
    """Keep glibc's mmap threshold at `MMAP_THRESHOLD` from now on (for the whole process).
    True when it is (glibc), False where the C library is another one."""
    global _mapped
    if _mapped:
        return True
    try:
        libc_version = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):  # no such name here (not glibc, or not POSIX)
        return False
    if not libc_version.startswith("glibc"):
        return False
    import ctypes  # (only here: a window that imports nothing big never loads it)

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _mapped = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    return _mapped
