"""An undelivered decision's state as a word, and every undelivered decision written to a JSON file:
what `reviewdesk queue` lists and `--export` writes, and what the window's Outbox exports
(docs/ARCHITECTURE.md). No Qt, no command line."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from reviewdesk.atomic import write_atomic
from reviewdesk.store import OutboxEntry, OutboxStatus


def state_of(entry: OutboxEntry, now: float) -> str:
    """unconfirmed, held, retrying, pending, sending or failed."""
    if entry.status is OutboxStatus.PENDING:
        if entry.unconfirmed:
            return "unconfirmed"
        if entry.not_before > now:
            return "held"
        return "retrying" if entry.attempts else "pending"
    return {OutboxStatus.IN_FLIGHT: "sending", OutboxStatus.FAILED: "failed"}.get(
        entry.status, entry.status.value
    )


def export_entries(path: Path, entries: Sequence[OutboxEntry]) -> int:
    """Every undelivered decision with where it goes, as JSON (no credential: there is none).
    Written whole or not at all, owner-only; returns how many. The window's Outbox uses it too."""
    data = [
        {
            "scanId": e.scan_id,
            "annotationShortCode": e.shortcode,
            "annotationInfo": e.annotation_info,
            "server": e.route.server,
            "reviewer": e.route.who,
            "state": state_of(e, time.time()),
            "lastError": e.last_error,
        }
        for e in entries
    ]
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return len(data)
