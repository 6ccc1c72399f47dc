"""Deterministic traits of a scan id: its status, its crop, and the card drawn in its image.

Everything is derived from sha256 of the id, so a scan looks the same on every run. Test prefixes
(`missing-`, `uploading-`, `ready-`, `tight-`, `corrupt-`, `huge-`, `error500-`) and the demo
catalogue ids override the hashing.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache

from reviewdesk.sim.state import SimState


class Kind(StrEnum):
    NORMAL = "normal"
    TIGHT_ONLY = "tight-only"
    MISSING = "missing"
    UPLOADING = "uploading"
    CORRUPT = "corrupt"
    HUGE = "huge"
    ERROR500 = "error500"


PREFIXES: dict[str, Kind] = {
    "missing-": Kind.MISSING,
    "uploading-": Kind.UPLOADING,
    "ready-": Kind.NORMAL,
    "tight-": Kind.TIGHT_ONLY,
    "corrupt-": Kind.CORRUPT,
    "huge-": Kind.HUGE,
    "error500-": Kind.ERROR500,
}

READY = "READY"
UPLOADING = "UPLOADING"
FILENOTFOUND = "FILENOTFOUND"

DEMO_COUNT = 50
DEMO_UPLOADING = (3, 17, 31)
DEMO_MISSING = (11, 42)
#: Demo entries whose image shows other last four digits than the catalogue (a bin mismatch).
DEMO_MISMATCH = (5, 27)

_FIRST = ("Alex", "Maria", "John", "Wei", "Fatima", "Lucas", "Olga", "Priya", "Kenji", "Sofia")
_LAST = ("Smith", "Garcia", "Chen", "Kowalski", "Okafor", "Rossi", "Nguyen", "Larsen", "Haddad")
_CARD_COLORS = (
    (18, 42, 92),
    (25, 25, 30),
    (176, 141, 60),
    (150, 155, 165),
    (20, 90, 60),
    (110, 20, 40),
    (10, 110, 120),
    (70, 40, 120),
)
_BACKGROUNDS = ((120, 82, 50), (90, 90, 95), (225, 222, 215), (45, 50, 60), (160, 170, 150))


@dataclass(frozen=True)
class CardFacts:
    number: str
    expiry: str
    cardholder: str
    network: str

    @property
    def bin(self) -> str:
        return self.number[:6]

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class ScanTraits:
    scan_id: str
    kind: Kind
    width: int
    blurred: bool
    facts: CardFacts
    #: The last four digits the image shows (differs from facts.last4 for a mismatch).
    drawn_last4: str
    card_color: tuple[int, int, int]
    background: tuple[int, int, int]
    seed: int

    @property
    def only_tight(self) -> bool:
        return self.kind is Kind.TIGHT_ONLY


def demo_scan_id(index: int) -> str:
    digest = hashlib.sha256(f"reviewdesk-sim-demo-{index}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


@cache
def _demo_index() -> dict[str, int]:
    return {demo_scan_id(i): i for i in range(DEMO_COUNT)}


def _luhn_complete(partial: str) -> str:
    total = 0
    for position, char in enumerate(reversed(partial)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return partial + str((10 - total % 10) % 10)


def _facts(rnd: random.Random) -> CardFacts:
    if rnd.random() < 0.5:
        network, prefix = "visa", "4"
    else:
        network, prefix = "mastercard", f"5{rnd.randint(1, 5)}"
    body = prefix + "".join(str(rnd.randrange(10)) for _ in range(15 - len(prefix)))
    expiry = f"{rnd.randint(1, 12):02d}/{rnd.randint(27, 31):02d}"
    name = f"{rnd.choice(_FIRST)} {rnd.choice(_LAST)}"
    return CardFacts(_luhn_complete(body), expiry, name, network)


def _hashed_kind(digest: bytes) -> Kind:
    bucket = int.from_bytes(digest[:2], "big") % 100
    if bucket < 5:
        return Kind.MISSING
    if bucket < 10:
        return Kind.UPLOADING
    if bucket < 20:
        return Kind.TIGHT_ONLY
    return Kind.NORMAL


def _kind(scan_id: str, digest: bytes) -> Kind:
    for prefix, kind in PREFIXES.items():
        if scan_id.startswith(prefix):
            return kind
    index = _demo_index().get(scan_id)
    if index is None:
        return _hashed_kind(digest)
    if index in DEMO_UPLOADING:
        return Kind.UPLOADING
    if index in DEMO_MISSING:
        return Kind.MISSING
    return Kind.TIGHT_ONLY if _hashed_kind(digest) is Kind.TIGHT_ONLY else Kind.NORMAL


@lru_cache(maxsize=1024)
def traits_of(scan_id: str) -> ScanTraits:
    digest = hashlib.sha256(scan_id.encode("utf-8", "surrogatepass")).digest()
    seed = int.from_bytes(digest, "big")
    rnd = random.Random(seed)
    facts = _facts(rnd)
    drawn_last4 = facts.last4
    if _demo_index().get(scan_id) in DEMO_MISMATCH:
        drawn_last4 = f"{(int(facts.last4) + 1 + rnd.randrange(9998)) % 10000:04d}"
    return ScanTraits(
        scan_id=scan_id,
        kind=_kind(scan_id, digest),
        width=640 + rnd.randrange(961),
        blurred=rnd.random() < 0.15,
        facts=facts,
        drawn_last4=drawn_last4,
        card_color=rnd.choice(_CARD_COLORS),
        background=rnd.choice(_BACKGROUNDS),
        seed=seed,
    )


def status_of(state: SimState, scan_id: str) -> str:
    """READY, UPLOADING or FILENOTFOUND, as the API reports it now."""
    kind = traits_of(scan_id).kind
    if kind is Kind.MISSING:
        return FILENOTFOUND
    if kind is Kind.UPLOADING:
        since = state.seen_since(scan_id)
        if state.now() - since < state.config.uploading_seconds:
            return UPLOADING
    return READY


def is_error500(scan_id: str) -> bool:
    return traits_of(scan_id).kind is Kind.ERROR500
