"""Scans in the review queue, their card facts and their review state."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

# Card-fact columns, in display order: (key, header)
CARD_FACTS: tuple[tuple[str, str], ...] = (
    ("bin", "BIN"),
    ("last4", "Last 4"),
    ("expiry", "Expiry"),
    ("cardholder", "Cardholder"),
    ("amount", "Amount"),
    ("merchantRef", "Merchant ref"),
)
CARD_FACT_KEYS = tuple(k for k, _ in CARD_FACTS)


class ScanState(StrEnum):
    TO_REVIEW = "to_review"
    DECIDED = "decided"  # decided here, not yet delivered (held for undo, queued or in flight)
    SENT = "sent"  # the server accepted the decision
    FAILED = "failed"  # the server refused it for good (400); editable and sendable again
    LOCAL = "local"  # decided and kept here: its source takes no decisions (Jumio, Preventor)

    @property
    def label(self) -> str:
        return {
            "to_review": "To review",
            "decided": "Decided",
            "sent": "Sent",
            "failed": "Failed",
            "local": "Local",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Scan:
    scan_id: str
    facts: dict[str, str] = field(default_factory=dict)
    state: ScanState = ScanState.TO_REVIEW
    shortcode: str | None = None
    note: str = ""
    error: str | None = None  # last delivery error, when FAILED or retrying

    def with_(self, **changes: object) -> Scan:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def reviewed(self) -> bool:
        return self.state is not ScanState.TO_REVIEW


def merge_facts(old: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    """Duplicates merge: a later import fills in facts, and never blanks a known one."""
    merged = dict(old)
    merged.update({k: v for k, v in new.items() if v not in (None, "")})
    return merged
