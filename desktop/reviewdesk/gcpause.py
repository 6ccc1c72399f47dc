"""Pausing Python's cyclic garbage collector during a bulk operation.

Importing 100,000 scans allocates some 300,000 containers (rows, facts dicts, `Scan`s) that all
survive: every few thousand of them Python runs a collection that walks the whole heap for nothing,
about a fifth of an import's time. `paused_gc()` turns the collector off for the duration (nested
and from several threads: it is back on when the last pause ends, and only if it was on before).
Reference counting still frees everything else at once; only cycles wait for the end of the pause.

`short_gil_turns()` is for the same imports: a file is parsed in a worker thread while the window
goes on, and every call from Qt into Python (a timer, a model's `data()` as a row is painted) waits
for the parser to give up the GIL, up to `sys.getswitchinterval()` (5 ms) each time. With turns of
1 ms the longest stall of the window during a 1,000,000-row import fell from 58-98 ms to 42-63 ms,
the import ~5% slower (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


#: The GIL's turn while a worker thread parses an import, in seconds (CPython's default: 0.005).
IMPORT_SWITCH_INTERVAL = 0.001

_turns_lock = threading.Lock()
_turns_depth = 0
_turns_before = 0.0


@contextmanager
def short_gil_turns(interval: float = IMPORT_SWITCH_INTERVAL) -> Iterator[None]:
    """`sys.setswitchinterval(interval)` for the duration (nested: the interval from before the
    first is back when the last ends). Process-wide, as the interval is."""
    global _turns_depth, _turns_before
    with _turns_lock:
        if _turns_depth == 0:
            _turns_before = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, _turns_before))
        _turns_depth += 1
    try:
        yield
    finally:
        with _turns_lock:
            _turns_depth -= 1
            if _turns_depth == 0:
                sys.setswitchinterval(_turns_before)
