"""What the simulated backend remembers: feedback, a request log, when scans were first seen."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from reviewdesk.sim.config import SimConfig

AuthKind = Literal["admin", "reviewer"]


@dataclass(frozen=True)
class FeedbackRecord:
    scan_id: str
    shortcode: str
    annotation_info: dict[str, Any]
    auth_kind: AuthKind
    reviewer: str | None
    received_at: float


@dataclass
class SimState:
    """Shared between the server thread and the test thread; every list/dict is guarded by `lock`."""

    config: SimConfig
    lock: threading.Lock = field(default_factory=threading.Lock)
    records: list[FeedbackRecord] = field(default_factory=list)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    first_seen: dict[str, float] = field(default_factory=dict)
    #: The Jumio routes' own memory (sim/jumio.py): status polls per reference, requests seen.
    jumio: dict[str, Any] = field(default_factory=dict)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.config.seed)

    def now(self) -> float:
        """The server's clock: wall time plus `config.clock_offset`."""
        return time.time() + self.config.clock_offset

    def chance(self, rate: float) -> bool:
        # Always draw, so a seeded run gives the same sequence whatever the rates are.
        return self.rng.random() < rate

    def add_feedback(self, record: FeedbackRecord) -> None:
        with self.lock:
            self.records.append(record)

    def feedback(self) -> list[FeedbackRecord]:
        with self.lock:
            return list(self.records)

    def clear_feedback(self) -> None:
        with self.lock:
            self.records.clear()

    def log_request(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.log.append((method, path, status))

    def requests_log(self) -> list[tuple[str, str, int]]:
        with self.lock:
            return list(self.log)

    def take_scripted(self, path: str) -> tuple[str, float] | None:
        """The scripted answer due for `path` (config.unavailable, config.html_feedback), counted
        off, as (kind, Retry-After seconds), or None. `reviewdesk.sim.app` turns it into a response
        (this module imports no app module, so the simulator has no import cycle)."""
        config = self.config
        with self.lock:
            for key, left in config.unavailable.items():
                if left > 0 and (path == key or (key.endswith("/") and path.startswith(key))):
                    config.unavailable[key] = left - 1
                    return ("unavailable", config.unavailable_retry_after)
            if path == "/reviews/feedback" and config.html_feedback > 0:
                config.html_feedback -= 1
                return ("html", 0.0)
        return None

    def seen_since(self, scan_id: str) -> float:
        """When `scan_id` was first asked about (now, if this is the first time)."""
        with self.lock:
            return self.first_seen.setdefault(scan_id, self.now())


def unique_feedback(records: list[FeedbackRecord]) -> list[FeedbackRecord]:
    """Records deduplicated by `annotationInfo.idempotencyKey` (first wins); keyless ones all kept."""
    seen: set[str] = set()
    unique: list[FeedbackRecord] = []
    for record in records:
        key = record.annotation_info.get("idempotencyKey")
        if key is not None:
            marker = json.dumps(key, sort_keys=True)
            if marker in seen:
                continue
            seen.add(marker)
        unique.append(record)
    return unique
