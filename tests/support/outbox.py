"""Helpers shared by the outbox/sync tests (not a test module)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reviewdesk.api.auth import ReviewerToken
from reviewdesk.api.reviews import ReviewsClient
from reviewdesk.domain.decision import build_annotation_info
from reviewdesk.domain.route import Route
from reviewdesk.sim.state import FeedbackRecord

FAST = {"base_delay": 0.05, "max_delay": 0.5}


def info(key: str | None = None, **extra: Any) -> dict[str, Any]:
    return build_annotation_info(reviewer="tester", extra=extra or None, idempotency_key=key)


class ClientHolder:
    """What the window does: one current client, swapped on sign-in; the worker asks each time."""

    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url = base_url
        self.client: ReviewsClient | None = None
        self._old: list[ReviewsClient] = []
        if token:
            self.sign_in(token)

    def sign_in(self, token: str) -> None:
        if self.client is not None:
            self._old.append(self.client)
        self.client = ReviewsClient(self.base_url, ReviewerToken.parse(token))

    def __call__(self) -> ReviewsClient | None:
        return self.client

    @property
    def route(self) -> Route:
        """Where the decisions of the client signed in now go."""
        assert self.client is not None
        return self.client.route

    async def aclose(self) -> None:
        for client in [*self._old, *([self.client] if self.client else [])]:
            await client.aclose()


async def wait_for(predicate: Callable[[], bool], timeout: float = 20.0, step: float = 0.01) -> None:
    """Poll a cheap condition (no sleeping as synchronisation where an event exists)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)


class Ticker:
    """Measures the longest gap between 10 ms sleeps: how long the event loop was stalled.

    Also records the longest garbage-collector pause seen meanwhile (for the diagnosis of a gap).
    """

    def __init__(self, period: float = 0.01) -> None:
        self.period = period
        self.max_gap = 0.0
        self.gaps: list[float] = []
        self.max_gc = 0.0
        self._gc_start = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(self.period)
            now = loop.time()
            gap = now - last - self.period
            self.gaps.append(gap)
            self.max_gap = max(self.max_gap, gap)
            last = now

    def _on_gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.max_gc = max(self.max_gc, time.perf_counter() - self._gc_start)

    def start(self) -> Ticker:
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def stop(self) -> float:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        return self.max_gap

    def summary(self) -> str:
        worst = sorted(self.gaps, reverse=True)[:3]
        return (
            f"max loop gap {self.max_gap * 1000:.1f} ms (worst {[round(g * 1000, 1) for g in worst]} ms, "
            f"{len(self.gaps)} ticks), longest GC pause {self.max_gc * 1000:.1f} ms"
        )


def keys_of(records: list[FeedbackRecord]) -> list[str]:
    return [r.annotation_info.get("idempotencyKey", "") for r in records]


def per_scan_first_arrivals(records: list[FeedbackRecord]) -> dict[str, list[str]]:
    """scan id -> idempotency keys in the order they first reached the server."""
    seen: set[str] = set()
    out: dict[str, list[str]] = {}
    for r in records:
        key = r.annotation_info["idempotencyKey"]
        if key in seen:
            continue
        seen.add(key)
        out.setdefault(r.scan_id, []).append(key)
    return out


def last_received(records: list[FeedbackRecord]) -> dict[str, str]:
    """scan id -> key of the last request the server received for it."""
    return {r.scan_id: r.annotation_info["idempotencyKey"] for r in records}


def database_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("reviewdesk.sqlite3*")) if p.is_file())
