"""The command-line side of the outbox: `reviewdesk decide`, `reviewdesk queue`, `reviewdesk sync`.

Wired into `reviewdesk.cli` there: `add_parsers(sub)` after the other sub-commands (it also gives
the existing `decide` parser its `--hold` option), and `cmd_decide`/`cmd_queue`/`cmd_sync` in
`COMMANDS`. Functions import `reviewdesk.cli` lazily (no import cycle).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reviewdesk.store import AsyncStore, OutboxEntry, OutboxStatus, Store
from reviewdesk.store.errors import StoreCorruptError, StoreError, StoreLockedError

if TYPE_CHECKING:
    from reviewdesk.api.auth import Credential
    from reviewdesk.sync.worker import DeliveryStatus

EXIT_OK = 0
EXIT_STORE = 1  # the local database is locked (ReviewDesk running) or unusable
DEFAULT_SYNC_TIMEOUT = 30.0
DECIDE_TIMEOUT = 60.0
MAX_HOLD = 3600.0


# -- parsers -----------------------------------------------------------------------------------


def add_parsers(subparsers: Any) -> None:
    """Add `queue` and `sync`; add `--hold` to an existing `decide` parser."""
    p = subparsers.add_parser("queue", help="list the decisions not yet delivered (pending and failed)")
    p = subparsers.add_parser("sync", help="deliver the queued decisions now")
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_SYNC_TIMEOUT,
        metavar="S",
        help=f"give up retrying after S seconds (default {DEFAULT_SYNC_TIMEOUT:g})",
    )
    p = subparsers.add_parser(
        "recover",
        help="list the undelivered decisions readable in a damaged database that was moved aside; "
        "--yes queues them",
    )
    p.add_argument("file", metavar="FILE", help="the moved-aside database (reviewdesk.sqlite3.corrupt-…)")
    p.add_argument(
        "--yes", action="store_true", help="queue the listed decisions in the outbox (nothing is sent here)"
    )
    decide = getattr(subparsers, "choices", {}).get("decide")
    if decide is not None:
        add_decide_arguments(decide)


def add_decide_arguments(parser: argparse.ArgumentParser) -> None:
    if "--hold" in parser._option_string_actions:
        return
    parser.add_argument(
        "--hold",
        type=float,
        default=0.0,
        metavar="S",
        help="keep the decision S seconds before sending it; Ctrl-C in that time undoes it",
    )


# -- helpers -----------------------------------------------------------------------------------


def _cli_error(message: str, code: int) -> Exception:
    from reviewdesk.cli import CliError

    return CliError(message, code)


def open_store(data_dir: str | None) -> Store:
    """The store of the data folder; a damaged file is moved aside (and said so) and a fresh one made."""
    from reviewdesk.paths import resolve_paths

    path = resolve_paths(data_dir).database
    try:
        try:
            return Store(path)
        except StoreCorruptError as exc:
            print(f"reviewdesk: warning: {exc}", file=sys.stderr)
            return Store(path)
    except StoreLockedError as exc:
        raise _cli_error(str(exc), EXIT_STORE) from None
    except StoreError as exc:
        raise _cli_error(str(exc), EXIT_STORE) from None


def _state_of(entry: OutboxEntry, now: float) -> str:
    if entry.status is OutboxStatus.PENDING:
        if entry.not_before > now:
            return "held"
        return "retrying" if entry.attempts else "pending"
    return {OutboxStatus.IN_FLIGHT: "sending", OutboxStatus.FAILED: "failed"}.get(
        entry.status, entry.status.value
    )


def format_entries(entries: Sequence[OutboxEntry], now: float | None = None) -> list[str]:
    """One aligned line per entry: scan id, shortcode, state, attempts, last error."""
    now = time.time() if now is None else now
    rows = [
        (e.scan_id, e.shortcode, _state_of(e, now), str(e.attempts), " ".join((e.last_error or "-").split()))
        for e in entries
    ]
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]


def _reason(entry: OutboxEntry | None, status: DeliveryStatus) -> str:
    if entry is not None and entry.last_error:
        return entry.last_error
    if status.last_error:
        return status.last_error
    if entry is not None and entry.not_before > time.time():
        return "held for undo"
    return "waiting for an earlier decision to be sent"


async def _deliver(
    store: Store,
    base_url: str,
    credential: Credential,
    *,
    once: bool,
    timeout: float | None,
) -> tuple[bool, list[OutboxEntry], list[OutboxEntry], DeliveryStatus, AsyncStore]:
    """Run one drain; returns (empty, before, after, status, astore) with the store still open."""
    from reviewdesk.api.reviews import ReviewsClient
    from reviewdesk.sync.worker import DeliveryWorker

    astore = AsyncStore(store)
    try:
        before = await astore.pending_entries()
        async with ReviewsClient(base_url, credential) as client:
            worker = DeliveryWorker(astore, lambda: client)
            empty = await worker.drain(timeout, once=once)
        after = await astore.pending_entries()
    except BaseException:
        await astore.close()
        raise
    return empty, before, after, worker.status, astore


# -- commands ----------------------------------------------------------------------------------


def cmd_decide(args: argparse.Namespace) -> int:
    """Commit the decision to the outbox, then try to deliver it (and anything queued) once."""
    from reviewdesk.api.errors import EXIT_USAGE
    from reviewdesk.cli import base_url_of, credential_of, parse_info
    from reviewdesk.domain import shortcodes
    from reviewdesk.domain.decision import build_annotation_info
    from reviewdesk.domain.scan_id import InvalidScanId, validate_scan_id

    try:
        shortcodes.get(args.shortcode)
    except shortcodes.UnknownShortcode as exc:
        raise _cli_error(str(exc), EXIT_USAGE) from None
    try:
        scan_id = validate_scan_id(args.scan_id)
    except InvalidScanId as exc:
        raise _cli_error(f"invalid scan id: {exc}", EXIT_USAGE) from None
    extra = parse_info(getattr(args, "info", None) or [])
    hold = float(getattr(args, "hold", 0.0) or 0.0)
    if not 0.0 <= hold <= MAX_HOLD:
        raise _cli_error(f"--hold must be between 0 and {MAX_HOLD:g} seconds", EXIT_USAGE)
    base_url = base_url_of(args)
    credential = credential_of(base_url)  # no credential: refuse before storing (reviewer unknown)
    note = getattr(args, "note", None) or ""
    info = build_annotation_info(reviewer=credential.who, note=note or None, extra=extra)

    store = open_store(args.data_dir)
    try:
        entry = store.record_decision(scan_id, args.shortcode, info, note=note, hold_seconds=hold)
        if hold > 0:
            print(f"recorded; sending in {hold:g} s (Ctrl-C to undo)", flush=True)
            try:
                time.sleep(hold)
            except KeyboardInterrupt:
                store.undo_decision(entry.id)
                print(f"undone: nothing was sent for scan {scan_id}")
                return EXIT_OK
        return asyncio.run(_decide_deliver(store, base_url, credential, entry.id))
    finally:
        store.close()


async def _decide_deliver(store: Store, base_url: str, credential: Credential, entry_id: int) -> int:
    from reviewdesk.api.errors import EXIT_USAGE

    _, _, _, status, astore = await _deliver(store, base_url, credential, once=True, timeout=DECIDE_TIMEOUT)
    try:
        entry = await astore.get_entry(entry_id)
    finally:
        await astore.close()
    if entry is None or entry.status is OutboxStatus.DELIVERED:
        print(f"delivered: {entry.scan_id if entry else ''} {entry.shortcode if entry else ''}".rstrip())
        return EXIT_OK
    if entry.status is OutboxStatus.FAILED:
        print(f"failed: {entry.last_error}")
        print(
            "the decision is kept; fix it and send it again (`reviewdesk decide` with another "
            "shortcode replaces it)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(f"queued: {' '.join(_reason(entry, status).split())}")
    return EXIT_OK


def cmd_queue(args: argparse.Namespace) -> int:
    """List pending and failed decisions; works (read-only) while the window is open."""
    from reviewdesk.paths import resolve_paths

    path = resolve_paths(args.data_dir).database
    if not path.exists():
        print("nothing queued")
        return EXIT_OK
    try:
        try:
            store = Store(path)
        except StoreLockedError:
            store = Store(path, read_only=True)
        except StoreCorruptError as exc:
            raise _cli_error(str(exc), EXIT_STORE) from None
    except StoreError as exc:
        raise _cli_error(str(exc), EXIT_STORE) from None
    try:
        entries = store.pending_entries()
    finally:
        store.close()
    lines = format_entries(entries)
    for line in lines:
        print(line)
    if not lines:
        print("nothing queued")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    """Deliver now. Exit 0: nothing left; 3: paused (sign in again); 5: network/server; 2: refused."""
    from reviewdesk.api.errors import EXIT_AUTH, EXIT_NETWORK, EXIT_USAGE
    from reviewdesk.cli import base_url_of, credential_of

    base_url = base_url_of(args)
    credential = credential_of(base_url)
    timeout = getattr(args, "timeout", DEFAULT_SYNC_TIMEOUT)
    store = open_store(args.data_dir)
    try:
        empty, before, after, status = asyncio.run(_sync(store, base_url, credential, timeout))
    finally:
        store.close()
    left_ids = {e.id for e in after}
    delivered = [e for e in before if e.id not in left_ids]
    for entry in delivered:
        print(f"delivered: {entry.scan_id} {entry.shortcode}")
    for line in format_entries(after):
        print(f"left: {line}")
    queued = sum(1 for e in after if e.status is not OutboxStatus.FAILED)
    failed = len(after) - queued
    summary = f"{len(delivered)} delivered, {queued} queued, {failed} failed"
    if queued and status.last_error:
        summary += f" ({' '.join(status.last_error.split())})"
    print(summary)
    if queued:
        return EXIT_AUTH if status.state == "paused" else EXIT_NETWORK
    if failed:
        return EXIT_USAGE
    return EXIT_OK if empty else EXIT_NETWORK


async def _sync(
    store: Store, base_url: str, credential: Credential, timeout: float | None
) -> tuple[bool, list[OutboxEntry], list[OutboxEntry], DeliveryStatus]:
    empty, before, after, status, astore = await _deliver(
        store, base_url, credential, once=False, timeout=timeout
    )
    await astore.close()
    return empty, before, after, status


def cmd_recover(args: argparse.Namespace) -> int:
    """List what a moved-aside database still holds; with --yes, queue it. Nothing is sent here:
    the decisions go out with the next `reviewdesk sync` or window, after they were shown."""
    from pathlib import Path

    from reviewdesk.paths import resolve_paths
    from reviewdesk.store.salvage import salvage_outbox

    source = Path(args.file).expanduser()
    database = resolve_paths(args.data_dir).database
    if source.exists() and database.exists() and source.resolve() == database.resolve():
        raise _cli_error(f"{source} is the database in use; name the damaged copy that was moved aside", 2)
    try:
        found = salvage_outbox(source)
    except StoreError as exc:
        raise _cli_error(str(exc), EXIT_STORE) from None
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
                entry.scan_id, entry.shortcode, entry.annotation_info, note=entry.note, hold_seconds=0.0
            )
    finally:
        if store is not None:
            store.close()
    print(f"queued {len(to_queue)} decision(s); `reviewdesk sync` sends them now")
    return EXIT_OK


def _open_to_read(path: Any) -> Store:
    """The store to compare with, read-only while the window has it open."""
    try:
        return Store(path)
    except StoreLockedError:
        try:
            return Store(path, read_only=True)
        except StoreError as exc:
            raise _cli_error(str(exc), EXIT_STORE) from None
    except StoreError as exc:
        raise _cli_error(str(exc), EXIT_STORE) from None


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
