"""The 50 deterministic demo scans a fresh simulator offers (also at GET /_sim/catalog)."""

from __future__ import annotations

import hashlib
import random
from functools import cache

from reviewdesk.sim.traits import DEMO_COUNT, demo_scan_id, traits_of


def _entry(index: int) -> dict[str, str]:
    scan_id = demo_scan_id(index)
    facts = traits_of(scan_id).facts
    rnd = random.Random(int.from_bytes(hashlib.sha256(f"order-{scan_id}".encode()).digest(), "big"))
    return {
        "scanId": scan_id,
        "bin": facts.bin,
        "last4": facts.last4,
        "expiry": facts.expiry,
        "cardholder": facts.cardholder,
        "amount": f"{rnd.randint(500, 250_000) / 100:.2f}",
        "currency": "USD",
        "merchantRef": f"ORD-{rnd.randrange(16**8):08X}",
    }


@cache
def _catalog() -> tuple[dict[str, str], ...]:
    return tuple(_entry(i) for i in range(DEMO_COUNT))


def demo_catalog() -> list[dict[str, str]]:
    """A fresh copy of the demo entries (callers may mutate it)."""
    return [dict(entry) for entry in _catalog()]
