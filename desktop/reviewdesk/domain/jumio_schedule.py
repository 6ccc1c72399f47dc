"""When to ask Jumio again about a transaction that is still PENDING (docs/JUMIO.md, "Polling").

The reference's best practice: ask for the status (only the status) until it is no longer
PENDING; at most 10 tries, at 40, 60, 100, 160, 240, 340, 460, 600, 760 and 940 seconds after the
images were acquired; after that, once a day. Details and images are fetched once, when the status
is DONE or FAILED. Pure functions: the source, the command line and the tests share them.
"""

from __future__ import annotations

import time

#: Seconds after acquisition of the 1st to 10th status request.
SCHEDULE: tuple[int, ...] = (40, 60, 100, 160, 240, 340, 460, 600, 760, 940)
MAX_SCHEDULED_TRIES = len(SCHEDULE)
DAY = 24 * 3600

PENDING = "PENDING"
FINAL_STATES = ("DONE", "FAILED")
STATES = (PENDING, *FINAL_STATES)


def next_poll(
    acquired_at: float, tries: int, *, last_try_at: float | None = None, scale: float = 1.0
) -> float:
    """Wall-clock time (epoch seconds) of the next status request for an item acquired at
    `acquired_at` that has been asked `tries` times (the last one at `last_try_at`, if known).

    Tries 1-10 follow SCHEDULE; later ones come once a day after the 10th. A try that came late
    (the program was closed) does not make the following ones crowd in: each waits at least the
    schedule's own gap after the previous one. `scale` shrinks every wait (tests, `--schedule-scale`).
    """
    if tries < 0:
        raise ValueError("tries must be >= 0")
    if tries < MAX_SCHEDULED_TRIES:
        due = acquired_at + SCHEDULE[tries] * scale
        gap = (SCHEDULE[tries] - SCHEDULE[tries - 1]) * scale if tries > 0 else 0.0
    else:
        due = acquired_at + (SCHEDULE[-1] + (tries - MAX_SCHEDULED_TRIES + 1) * DAY) * scale
        gap = DAY * scale
    if last_try_at is not None and tries > 0:
        due = max(due, last_try_at + gap)
    return due


def is_final(status: str) -> bool:
    return status in FINAL_STATES


def describe_next(next_at: float | None, now: float | None = None) -> str:
    """ "next poll in 1 min 40 s (at 14:03:20)" for the list and the details pane."""
    if next_at is None:
        return ""
    now = time.time() if now is None else now
    left = max(0, round(next_at - now))
    clock = time.strftime("%H:%M:%S", time.localtime(next_at))
    if left == 0:
        return f"next poll now (due {clock})"
    if left < 60:
        span = f"{left} s"
    elif left < 3600:
        span = f"{left // 60} min {left % 60} s" if left % 60 else f"{left // 60} min"
    else:
        span = f"{left // 3600} h {left % 3600 // 60} min"
    return f"next poll in {span} (at {clock})"
