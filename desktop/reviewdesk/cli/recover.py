"""`reviewdesk recover FILE [--yes]`: the undelivered decisions readable in a damaged database that was
moved aside, listed, and with --yes queued in the outbox (docs/ARCHITECTURE.md). Its parser is in
`reviewdesk.cli.outbox`."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

from reviewdesk.cli.common import CliError
from reviewdesk.cli.outbox import open_store
from reviewdesk.domain.route import Route
from reviewdesk.errors import EXIT_OK, EXIT_STORE
from reviewdesk.store import OutboxEntry, Store
from reviewdesk.store.audit import RECOVERY
from reviewdesk.store.errors import StoreError, StoreLockedError


def cmd_recover(args: argparse.Namespace) -> int:
    """List what a moved-aside database still holds; with --yes, queue it. Nothing is sent here:
    the decisions go out with the next `reviewdesk sync` or window, after they were shown."""
    from pathlib import Path

    from reviewdesk.paths import resolve_paths
    from reviewdesk.store.salvage import salvage_outbox

    source = Path(args.file).expanduser()
    database = resolve_paths(args.data_dir).database
    if source.exists() and database.exists() and source.resolve() == database.resolve():
        raise CliError(f"{source} is the database in use; name the damaged copy that was moved aside", 2)
    try:
        found = salvage_outbox(source)
    except StoreError as exc:
        raise CliError(str(exc), EXIT_STORE) from None
    newest: dict[str, OutboxEntry] = {}
    for entry in found.entries:  # oldest first: a later decision on a scan replaces an earlier one
        newest[entry.scan_id] = entry
    store: Store | None = None  # listing only, and no database yet: nothing to compare or create
    if args.yes:
        store = open_store(args.data_dir)
    elif database.exists():
        store = _open_to_read(database)
    try:
        plan = [(entry, _recover_state(store, entry)) for entry in newest.values()]
        to_queue = [entry for entry, state in plan if state == "recover"]
        _print_plan(source, found.unreadable, len(found.entries) - len(newest), plan)
        if not to_queue:
            return EXIT_OK if found.entries or not found.unreadable else EXIT_STORE
        if store is None or not args.yes:
            print(
                f"nothing was changed. To queue the {len(to_queue)} decision(s) marked `recover`: "
                f"reviewdesk recover {args.file} --yes (they are sent by `reviewdesk sync` or the window)"
            )
            return EXIT_OK
        for entry in to_queue:
            store.record_decision(
                entry.scan_id,
                entry.shortcode,
                entry.annotation_info,
                note=entry.note,
                hold_seconds=0.0,
                route=_recovered_route(entry, args),
                local=entry.local,  # a local decision stays local (never sent)
                shown={"recoveredFrom": source.name},
            )
        store.audit(RECOVERY, now=time.time(), detail={"file": source.name, "decisions": len(to_queue)})
    finally:
        if store is not None:
            store.close()
    print(f"queued {len(to_queue)} decision(s); `reviewdesk sync` sends them now")
    return EXIT_OK


def _recovered_route(entry: OutboxEntry, args: argparse.Namespace) -> Route:
    """Where a recovered decision goes: where it was made, as the damaged database says; for a
    database from before decisions recorded that, the command's server (--base-url, else the one
    the window remembers) and the reviewer named in the decision. The reviewer saw the list and
    said --yes: that is the confirmation. Without a reviewer's name it stays unattributed, to be
    confirmed in the window (docs/OUTBOX_ROUTING.md)."""
    from reviewdesk.cli.common import base_url_of
    from reviewdesk.domain.route import reviewer_identity

    if entry.route.known:
        return entry.route
    reviewer = entry.annotation_info.get("reviewer")
    if not isinstance(reviewer, str) or not reviewer:
        return Route()
    return Route(entry.route.server or base_url_of(args), reviewer_identity(reviewer))


def _open_to_read(path: Any) -> Store:
    """The store to compare with, read-only while the window has it open."""
    try:
        return Store(path)
    except StoreLockedError:
        try:
            return Store(path, read_only=True)
        except StoreError as exc:
            raise CliError(str(exc), EXIT_STORE) from None
    except StoreError as exc:
        raise CliError(str(exc), EXIT_STORE) from None


def _recover_state(store: Store | None, entry: OutboxEntry) -> str:
    """`recover`, or why not: the outbox has it already, or the scan was decided again since."""
    current = store.entries_for_scan(entry.scan_id) if store is not None else []
    if any(e.idempotency_key == entry.idempotency_key for e in current):
        return "already queued"
    if current:
        return "decided again since"
    return "recover"


def _print_plan(
    source: Any, unreadable: int, superseded: int, plan: Sequence[tuple[OutboxEntry, str]]
) -> None:
    rows = [
        (
            state,
            entry.scan_id,
            entry.shortcode,
            str(entry.annotation_info.get("decidedAt", "")),
            " ".join(entry.note.split())[:60],
        )
        for entry, state in plan
    ]
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(4)]
    for row in rows:
        print("  ".join(row[i].ljust(widths[i]) for i in range(4)) + ("  " + row[4] if row[4] else ""))
    summary = f"{len(plan)} undelivered decision(s) read from {source}"
    if superseded:
        summary += f" ({superseded} earlier one(s) replaced by a later decision on the same scan)"
    if unreadable:
        summary += f"; {unreadable} row(s) could not be read (damaged)"
    print(summary)
