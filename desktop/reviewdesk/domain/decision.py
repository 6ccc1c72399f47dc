"""What goes into `annotationInfo` with a decision."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reviewdesk.ids import uuid4_text
from reviewdesk.limits import MAX_CARD_FACTS, MAX_FACT_LENGTH


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_annotation_info(
    *,
    reviewer: str,
    note: str | None = None,
    extra: Mapping[str, Any] | None = None,
    seconds_on_scan: float | None = None,
    card_facts: Mapping[str, Any] | None = None,
    decided_at: str | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """The annotationInfo object: the reviewer's extras first, then ReviewDesk's own fields."""
    from reviewdesk import __version__

    info: dict[str, Any] = dict(extra or {})
    if note:
        info["note"] = note
    info["reviewer"] = reviewer
    info["client"] = f"ReviewDesk/{__version__}"
    info["decidedAt"] = decided_at or utc_now_iso()
    if seconds_on_scan is not None:
        info["secondsOnScan"] = round(seconds_on_scan, 1)
    if card_facts:
        # Bounded whatever the queue holds (a database from before the import limit, say).
        info["cardFacts"] = {
            str(k)[:MAX_FACT_LENGTH]: v[:MAX_FACT_LENGTH] if isinstance(v, str) else v
            for k, v in list(card_facts.items())[:MAX_CARD_FACTS]
            if v not in (None, "")
        }
    info["idempotencyKey"] = idempotency_key or uuid4_text()
    return info
