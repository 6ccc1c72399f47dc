"""Every decision with its audit fields, as CSV or JSON (`reviewdesk export`, *File → Export…*).

Pure Python over the audit records (store/audit.py): a row per `decision` / `re-decision` record,
joined with what the server answered (`answer` records) and whether it was undone (`undo`
records), matched by idempotency key. Local decisions of sources without a feedback endpoint are
decisions like any other here. A CSV cell that a spreadsheet would run as a formula (it begins
with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a `'` in front.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from reviewdesk.atomic import write_atomic
from reviewdesk.store.audit import ANSWER, DECISION_ACTIONS, EXPORT, UNDO, AuditRecord, AuditStore

FORMATS = ("csv", "json")
COLUMNS = (
    "seq",
    "at",
    "reviewer",
    "action",
    "source",
    "item",
    "shortcode",
    "note",
    "seconds",
    "image_shown",
    "zoom",
    "crop",
    "facts",
    "server",
    "answer",
    "answer_message",
    "answered_at",
    "undone",
    "key",
    "hash",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs: `'` before a formula's first character."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def decision_rows(records: Iterable[AuditRecord], *, source: str | None = None) -> list[dict[str, Any]]:
    """One row per decision record (of `source` only, if given), in the log's order."""
    records = list(records)
    answers: dict[str, AuditRecord] = {}
    undone: set[str] = set()
    for r in records:
        key = str(r.detail.get("key", ""))
        if r.action == ANSWER and key:
            answers[key] = r
        elif r.action == UNDO and key:
            undone.add(key)
    rows = []
    for r in records:
        if r.action not in DECISION_ACTIONS or (source and r.source != source):
            continue
        d = r.detail
        key = str(d.get("key", ""))
        raw_shown = d.get("shown")
        shown: dict[str, Any] = raw_shown if isinstance(raw_shown, dict) else {}
        answer = answers.get(key)
        rows.append(
            {
                "seq": r.seq,
                "at": r.at,
                "reviewer": r.reviewer,
                "action": r.action,
                "source": r.source,
                "item": r.item,
                "shortcode": d.get("shortcode", ""),
                "note": d.get("note", ""),
                "seconds": d.get("seconds"),
                "image_shown": shown.get("image"),
                "zoom": shown.get("zoom"),
                "crop": shown.get("crop"),
                "facts": d.get("facts", {}),
                "server": d.get("server", ""),
                # A local decision (Jumio, Preventor) is never sent: nobody answers it.
                "answer": answer.detail.get("answer", "") if answer else ("local" if d.get("local") else ""),
                "answer_message": answer.detail.get("message", "") if answer else "",
                "answered_at": answer.at if answer else "",
                "undone": key in undone,
                "key": key,
                "hash": r.hash,
            }
        )
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return neutralise(str(value))


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in COLUMNS])
    return out.getvalue()


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n"


def render(rows: Sequence[dict[str, Any]], fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv or json")
    return to_csv(rows) if fmt == "csv" else to_json(rows)


def export_decisions(
    store: AuditStore,
    path: Path,
    fmt: str,
    *,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    reviewer: str = "",
    now: float | None = None,
) -> int:
    """Write the decisions to `path` (whole or not at all, owner-only), then append the export's
    own audit record. Returns how many decisions were written."""
    # Answers and undos may come after the window: read from `since` to the end, then filter.
    records = store.audit_records(since=since)
    rows = [r for r in decision_rows(records, source=source) if not until or r["at"] < until]
    write_atomic(path, render(rows, fmt))
    store.audit(
        EXPORT,
        now=time.time() if now is None else now,
        reviewer=reviewer,
        detail={
            "file": path.name,
            "format": fmt,
            "decisions": len(rows),
            "since": since or "",
            "until": until or "",
            "source": source or "",
        },
    )
    return len(rows)
