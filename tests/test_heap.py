"""reviewdesk.heap: with glibc, a big block freed is given back to the system even after a bigger
one was freed before it (glibc's own threshold would have risen and kept it in the heap)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from reviewdesk import heap

# In a child process: the threshold is process-wide, and the test process may have set it already.
PROBE = """
import ctypes, sys
from reviewdesk.heap import map_big_blocks
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "tuned":
    assert map_big_blocks() and map_big_blocks()
libc.free(libc.malloc(8 << 20))  # an 8 MB block freed: glibc's own threshold rises to 8 MB
before = libc.mallinfo2().hblkhd
block = libc.malloc(1 << 20)
mapped = libc.mallinfo2().hblkhd - before  # bytes mapped for the 1 MB block (0: from the heap)
libc.free(block)
print(mapped)
"""


def _mapped_bytes(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)  # (glibc's own defaults, whatever this shell set)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def _glibc_version() -> tuple[int, ...]:
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        return ()
    name, _, number = text.partition(" ")
    return tuple(int(n) for n in number.split(".") if n.isdigit()) if name == "glibc" else ()


# (mallinfo2, which the probe reads, came with glibc 2.33)
glibc = pytest.mark.skipif(_glibc_version() < (2, 33), reason="glibc 2.33 or later only")


@glibc
def test_a_big_block_is_mapped_on_its_own_once_tuned() -> None:
    assert _mapped_bytes("default") == 0  # glibc as it is: from the heap, where holes stay
    assert _mapped_bytes("tuned") >= 1 << 20


def test_elsewhere_nothing_is_changed(monkeypatch) -> None:
    monkeypatch.setattr(heap, "_mapped", False)
    monkeypatch.setattr(heap.os, "confstr", lambda name: "musl")
    assert heap.map_big_blocks() is False
