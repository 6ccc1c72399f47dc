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


#: The demo queue's items of the other sources, after the 50 scans (queue keys, sources/base.py
#: ItemKey): Jumio transactions done (an ID card; one with liveness images), rejected as fraud,
#: failed, still pending (done after a few polls) and a Document Verification with two pages; two
#: Preventor tickets. The simulator answers each as its prefix says (sim/jumio.py, sim/preventor.py).
DEMO_SOURCE_ITEMS: tuple[str, ...] = (
    "jumio:done-id-demo-7Q2X",
    "jumio:liveness-demo-K81A",
    "jumio:fraud-demo-3MZP",
    "jumio:failed-demo-Q0W4",
    "jumio:pending-3-demo-5TRV",
    "jumio:document:dv-bs-demo-8HNE",
    "preventor:TCK-demo-20417",
    "preventor:TCK-demo-20418",
)
#: The item `--demo --screenshot` shows: a Jumio transaction, front, back and face side by side.
DEMO_SCREENSHOT_ITEM = DEMO_SOURCE_ITEMS[0]
