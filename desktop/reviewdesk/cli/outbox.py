"""The outbox's commands: `reviewdesk decide`, `reviewdesk queue`, `reviewdesk sync` (and the parser of
`recover`, whose command is `reviewdesk.cli.recover`). Registered in `reviewdesk.cli.parser`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewdesk import limits
from reviewdesk.cli.common import CliError
from reviewdesk.domain.route import Route
from reviewdesk.errors import EXIT_OK, EXIT_STORE
from reviewdesk.store import AsyncStore, OutboxEntry, OutboxStatus, RouteSummary, Store
from reviewdesk.store.errors import StoreCorruptError, StoreError, StoreLockedError
from reviewdesk.sync.export import export_entries, state_of

if TYPE_CHECKING:
    from reviewdesk.api.auth import Credential
    from reviewdesk.settings import Settings
    from reviewdesk.sync.status import DeliveryStatus

DEFAULT_SYNC_TIMEOUT = limits.SYNC_TIMEOUT
DECIDE_TIMEOUT = limits.DECIDE_TIMEOUT
MAX_TIMEOUT = 3600.0
MAX_HOLD = 3600.0


# -- parsers -----------------------------------------------------------------------------------


def add_decide_parser(subparsers: Any) -> None:
    """`decide SCAN_ID SHORTCODE` with --info, --note, --hold and --timeout."""
    p = subparsers.add_parser(
        "decide",
        help="record a decision in the outbox and send it (a jumio:REF or preventor:TICKET item: "
        "record it locally, nothing is sent)",
    )
    p.add_argument("scan_id", metavar="SCAN_ID", help="a scan id, or jumio:REF / preventor:TICKET")
    p.add_argument(
        "shortcode", metavar="SHORTCODE", help="a shortcode; for Jumio and Preventor items their own code"
    )
    p.add_argument("--info", action="append", default=[], metavar="KEY=VALUE", help="annotationInfo entry")
    p.add_argument("--note", help="free-text note, sent in annotationInfo")
    p.add_argument(
        "--hold",
        type=float,
        default=0.0,
        metavar="S",
        help="keep the decision S seconds before sending it; Ctrl-C in that time undoes it",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DECIDE_TIMEOUT,
        metavar="S",
        help=f"retry sending for up to S seconds, then leave it queued (default {DECIDE_TIMEOUT:g})",
    )


def add_parsers(subparsers: Any) -> None:
    """`queue`, `sync` and `recover`."""
    p = subparsers.add_parser(
        "queue",
        help="list the decisions not yet delivered (pending and failed), and for whom and where they wait",
    )
    p.add_argument("--export", metavar="FILE", help="write every undelivered decision to FILE (JSON)")
    p.add_argument(
        "--discard",
        metavar="WHO@SERVER",
        help="delete the undelivered decisions of one reviewer (or `admin`) on one server, e.g. "
        "ana@https://api.example.com (needs --yes)",
    )
    p.add_argument(
        "--confirm",
        action="store_true",
        help="decisions from an earlier version: confirm they go to the server and reviewer listed "
        "(needs --yes)",
    )
    p.add_argument("--yes", action="store_true", help="confirm --discard or --confirm")
    p.add_argument(
        "--all",
        action="store_true",
        help="also list the local decisions (Jumio and Preventor items: kept here, never sent)",
    )
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


# -- helpers -----------------------------------------------------------------------------------


def open_store(data_dir: str | None) -> Store:
    """The store of the data folder; a damaged file is moved aside (and said so) and a fresh one
    made. Decisions from before routes were recorded are attributed to the remembered server."""
    from reviewdesk.paths import resolve_paths

    paths = resolve_paths(data_dir)
    try:
        try:
            store = Store(paths.database)
        except StoreCorruptError as exc:
            print(f"reviewdesk: warning: {exc}", file=sys.stderr)
            store = Store(paths.database)
    except StoreLockedError as exc:
        raise CliError(str(exc), EXIT_STORE) from None
    except StoreError as exc:
        raise CliError(str(exc), EXIT_STORE) from None
    _attribute(store, data_dir)
    # Holds for undo belong to the process that made them; this one holds the lock now, so that
    # process is gone (and a hold left far ahead by a clock set back must not stall delivery).
    store.end_holds(time.time())
    return store


def _attribute(store: Store, data_dir: str | None) -> None:
    """Decisions from before routes were recorded: to the remembered server, unconfirmed."""
    from reviewdesk.settings import remembered_server

    settings = _settings(data_dir)
    server = remembered_server(settings)
    if server:
        store.attribute_unknown(server, admin=settings.sign_in_mode == "admin")


def _settings(data_dir: str | None) -> Settings:
    from reviewdesk.paths import resolve_paths
    from reviewdesk.settings import Settings

    return Settings.load(resolve_paths(data_dir).settings_file)


def format_entries(entries: Sequence[OutboxEntry], now: float | None = None) -> list[str]:
    """One aligned line per entry: scan id, shortcode, state, attempts, for whom, last error."""
    now = time.time() if now is None else now
    rows = [
        (
            e.scan_id,
            e.shortcode,
            state_of(e, now),
            str(e.attempts),
            e.route.who,
            " ".join((e.last_error or "-").split()),
        )
        for e in entries
    ]
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return ["  ".join(r[i].ljust(widths[i]) for i in range(5)) + "  " + r[5] for r in rows]


def route_lines(summaries: Sequence[RouteSummary], sendable: Collection[Route] = ()) -> list[str]:
    """Per server and identity: how many decisions wait there, and what sends them (`sendable`:
    the routes a credential is at hand for)."""
    from reviewdesk.sync.status import waiting_line

    lines = []
    for summary in summaries:
        if summary.unconfirmed or summary.route not in sendable:
            lines.append(waiting_line(summary) if summary.pending else "")
        else:
            n = summary.pending
            lines.append(f"{n} decision{'s' if n != 1 else ''} for {summary.route.describe()}")
        if summary.failed:
            lines.append(
                f"{summary.failed} refused decision{'s' if summary.failed != 1 else ''} for "
                f"{summary.route.describe()}: change and resend them in the window's Outbox"
            )
    return [line for line in lines if line]


def parse_route(text: str) -> Route:
    """`ana@https://host`, `admin@https://host` as a Route."""
    from reviewdesk.api.errors import EXIT_USAGE, UsageError
    from reviewdesk.api.reviews import normalize_base_url
    from reviewdesk.domain.route import ADMIN, reviewer_identity

    who, sep, server = text.partition("@")
    if not sep or not who or not server:
        raise CliError(
            f"--discard takes WHO@SERVER (as `reviewdesk queue` lists them), got {text!r}", EXIT_USAGE
        )
    try:
        server = normalize_base_url(server)
    except UsageError as exc:
        raise CliError(f"--discard: {exc}", EXIT_USAGE) from None
    return Route(server, ADMIN if who == "admin" else reviewer_identity(who))


def _reason(
    entry: OutboxEntry, status: DeliveryStatus, entries: Sequence[OutboxEntry], server_wait: float
) -> str:
    """Why this decision is still queued: about this decision, never another scan's error."""
    if entry.last_error:
        if server_wait > 0:
            return f"{entry.last_error}; it goes out in {server_wait:.0f} s (at {_when(server_wait)})"
        return entry.last_error
    if status.state == "paused" and status.last_error:
        return status.last_error  # the credential: it holds back every decision alike
    earlier = [
        e
        for e in entries
        if e.id < entry.id and e.scan_id == entry.scan_id and e.route.server == entry.route.server
    ]
    if earlier:
        return f"waiting for the earlier decision for scan {entry.scan_id} to be sent"
    if entry.not_before > time.time():
        return "held for undo"
    if server_wait > 0:
        return f"the server asked to wait; it goes out in {server_wait:.0f} s (at {_when(server_wait)})"
    before = sum(1 for e in entries if e.id < entry.id and e.route == entry.route)
    ahead = f"{before} earlier decision{'s' if before != 1 else ''} go{'es' if before == 1 else ''} first"
    server = entry.route.server
    if status.state == "offline":
        return f"not sent yet: the server {server} cannot be reached; {ahead}"
    if status.state == "server_error":
        code = f" {status.server_status}" if status.server_status else ""
        return f"not sent yet: the server {server} answers with an error{code}; {ahead}"
    if before:
        return f"not sent yet: the time ran out while {ahead}"
    return "not sent yet: the time ran out"


def _when(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(time.time() + seconds))


async def _deliver(
    astore: AsyncStore, base_url: str, credential: Credential, *, once: bool, timeout: float | None
) -> tuple[bool, DeliveryStatus, float]:
    """Run one drain of the decisions made on `base_url` under `credential`'s identity; returns
    (nothing of that route left, the status, seconds of a Retry-After still in force)."""
    from reviewdesk.api.reviews import ReviewsClient
    from reviewdesk.sync.worker import DeliveryWorker

    async with ReviewsClient(base_url, credential) as client:
        worker = DeliveryWorker(astore, lambda: client)
        empty = await worker.drain(timeout, once=once)
    return empty, worker.status, worker.server_wait_left()


# -- commands ----------------------------------------------------------------------------------


def cmd_decide(args: argparse.Namespace) -> int:
    """Commit the decision to the outbox, then try to deliver it (and what is queued before it)
    until it is delivered or its timeout."""
    from reviewdesk.api.errors import EXIT_USAGE
    from reviewdesk.cli.common import base_url_of, credential_of, parse_info
    from reviewdesk.cli.local import decide_locally
    from reviewdesk.domain import shortcodes
    from reviewdesk.domain.decision import build_annotation_info
    from reviewdesk.domain.scan_id import InvalidScanId, validate_scan_id
    from reviewdesk.sources.local import is_local

    if is_local(args.scan_id):  # a Jumio or Preventor item: recorded here, nothing is sent
        return decide_locally(args, open_store)
    try:
        shortcodes.get(args.shortcode)
    except shortcodes.UnknownShortcode as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    try:
        scan_id = validate_scan_id(args.scan_id)
    except InvalidScanId as exc:
        raise CliError(f"invalid scan id: {exc}", EXIT_USAGE) from None
    extra = parse_info(getattr(args, "info", None) or [])
    hold = float(getattr(args, "hold", 0.0) or 0.0)
    if not 0.0 <= hold <= MAX_HOLD:
        raise CliError(f"--hold must be between 0 and {MAX_HOLD:g} seconds", EXIT_USAGE)
    timeout = float(getattr(args, "timeout", DECIDE_TIMEOUT))
    if not 0.0 < timeout <= MAX_TIMEOUT:
        raise CliError(f"--timeout must be between 0 and {MAX_TIMEOUT:g} seconds", EXIT_USAGE)
    base_url = base_url_of(args)
    credential = credential_of(base_url)  # no credential: refuse before storing (reviewer unknown)
    note = getattr(args, "note", None) or ""
    info = build_annotation_info(reviewer=credential.who, note=note or None, extra=extra)
    route = Route(base_url, credential.identity)

    store = open_store(args.data_dir)
    try:
        entry = store.record_decision(
            scan_id, args.shortcode, info, note=note, hold_seconds=hold, route=route
        )
        if hold > 0:
            print(f"recorded; sending in {hold:g} s (Ctrl-C to undo)", flush=True)
            try:
                time.sleep(hold)
            except KeyboardInterrupt:
                store.undo_decision(entry.id)
                print(f"undone: nothing was sent for scan {scan_id}")
                return EXIT_OK
        return asyncio.run(_decide_deliver(store, base_url, credential, entry.id, timeout))
    finally:
        store.close()


async def _decide_deliver(
    store: Store, base_url: str, credential: Credential, entry_id: int, timeout: float
) -> int:
    from reviewdesk.api.errors import EXIT_USAGE

    astore = AsyncStore(store)
    try:
        _, status, server_wait = await _deliver(astore, base_url, credential, once=False, timeout=timeout)
        entry = await astore.run(Store.get_entry, entry_id)
        entries = await astore.run(Store.pending_entries)
    finally:
        await astore.close()
    if entry is None or entry.status is OutboxStatus.DELIVERED:
        print(f"delivered: {entry.scan_id if entry else ''} {entry.shortcode if entry else ''}".rstrip())
        return EXIT_OK
    if entry.status is OutboxStatus.FAILED:
        print(f"failed: the decision for scan {entry.scan_id}: {entry.last_error}")
        print(
            "the decision is kept; fix it and send it again (`reviewdesk decide` with another "
            "shortcode replaces it)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    reason = " ".join(_reason(entry, status, entries, server_wait).split())
    print(f"queued: the decision for scan {entry.scan_id} ({entry.shortcode}): {reason}")
    return EXIT_OK


def cmd_queue(args: argparse.Namespace) -> int:
    """List pending and failed decisions and where they wait; works (read-only) while the window
    is open. --export writes them to a file; --discard and --confirm change the outbox."""
    from reviewdesk.paths import resolve_paths

    changing = bool(args.discard or args.confirm) if hasattr(args, "discard") else False
    if changing and not args.yes:
        what = (
            f"delete the undelivered decisions of {args.discard}"
            if args.discard
            else ("send the decisions from an earlier version to the server and reviewer listed")
        )
        raise CliError(f"this would {what}; add --yes to confirm (see `reviewdesk queue` first)", 2)
    path = resolve_paths(args.data_dir).database
    if not path.exists():
        print("nothing queued")
        if getattr(args, "all", False):
            from reviewdesk.cli.local import NOTHING_SENT

            print(f"0 local decisions ({NOTHING_SENT})")
        return EXIT_OK
    if changing:
        store = open_store(args.data_dir)
    else:
        try:
            try:
                store = Store(path)
                _attribute(store, args.data_dir)
            except StoreLockedError:
                store = Store(path, read_only=True)  # the window has it: it attributed them
            except StoreCorruptError as exc:
                raise CliError(str(exc), EXIT_STORE) from None
        except StoreError as exc:
            raise CliError(str(exc), EXIT_STORE) from None
    try:
        if changing:
            _change_queue(store, args)
        entries = store.pending_entries()
        summaries = store.routes()
        if getattr(args, "export", None):
            _export(Path(args.export), entries)
        lines = format_entries(entries)
        for line in lines:
            print(line)
        if not lines:
            print("nothing queued")
        for line in route_lines(summaries, _sendable(args, summaries)) if lines else []:
            print(f"-> {line}")
        if getattr(args, "all", False):
            from reviewdesk.cli.local import print_local

            print_local(store)
    finally:
        store.close()
    return EXIT_OK


def _sendable(args: argparse.Namespace, summaries: Sequence[RouteSummary]) -> set[Route]:
    """The routes this command has a credential for (environment or keyring)."""
    from reviewdesk.cli.common import base_url_of, credential_for_route

    try:
        command_server = base_url_of(args)
    except CliError:
        command_server = ""
    return {s.route for s in summaries if credential_for_route(s.route, command_server) is not None}


def _change_queue(store: Store, args: argparse.Namespace) -> None:
    if args.discard:
        route = parse_route(args.discard)
        gone = store.discard(route)
        print(f"discarded {len(gone)} undelivered decision(s) for {route.describe()}")
    if args.confirm:
        n = store.confirm()
        print(f"confirmed {n} decision(s): each goes to the server and reviewer listed")


def _export(path: Path, entries: Sequence[OutboxEntry]) -> None:
    try:
        n = export_entries(path, entries)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}", 5) from None
    print(f"exported {n} undelivered decision(s) to {path}")


def cmd_sync(args: argparse.Namespace) -> int:
    """Deliver now, each decision to its own server with a credential of its own identity.
    With --base-url (or REVIEWDESK_BASE_URL) only that server's decisions are sent.
    Exit 0: nothing left; 3: a sign-in is needed; 5: network/server; 2: refused."""
    from reviewdesk.api.errors import EXIT_AUTH, EXIT_NETWORK, EXIT_USAGE
    from reviewdesk.cli.common import base_url_of

    command_server = base_url_of(args)
    only = command_server if args.base_url else None
    timeout = getattr(args, "timeout", DEFAULT_SYNC_TIMEOUT)
    store = open_store(args.data_dir)
    try:
        from reviewdesk.cli.local import sync_note

        local_note = sync_note(store)  # (sync never touches them)
        outcome = asyncio.run(_sync(store, command_server, only, timeout))
    finally:
        store.close()
    before, after, summaries, results = outcome
    left_ids = {e.id for e in after}
    delivered = [e for e in before if e.id not in left_ids]
    for entry in delivered:
        print(f"delivered: {entry.scan_id} {entry.shortcode}")
    for line in format_entries(after):
        print(f"left: {line}")
    waiting_for_sign_in = False
    for summary in summaries:
        result = results.get(summary.route)
        if not summary.pending:
            continue
        if result is None or summary.unconfirmed:
            waiting_for_sign_in = True  # the reviewer must act: sign in there, or confirm
            print(f"waiting: {route_lines([summary])[0]}")
        elif result.server_wait > 0:
            print(
                f"waiting: the server {summary.route.server} asked to wait (Retry-After); "
                f"{summary.pending} decision(s) go out at {_when(result.server_wait)} "
                f"(in {result.server_wait:.0f} s): run `reviewdesk sync` again then"
            )
    queued = sum(1 for e in after if e.status is not OutboxStatus.FAILED)
    failed = len(after) - queued
    summary_line = f"{len(delivered)} delivered, {queued} queued, {failed} failed"
    errors = [r.status.last_error for r in results.values() if r.status.last_error and not r.empty]
    if queued and errors:
        summary_line += f" ({' '.join(errors[0].split())})"
    print(summary_line)
    if local_note:
        print(local_note)
    if queued:
        paused = waiting_for_sign_in or any(r.status.state == "paused" for r in results.values())
        return EXIT_AUTH if paused else EXIT_NETWORK
    if failed:
        return EXIT_USAGE
    return EXIT_OK


@dataclass(frozen=True, slots=True)
class _RouteResult:
    empty: bool
    status: DeliveryStatus
    server_wait: float


async def _sync(
    store: Store, command_server: str, only: str | None, timeout: float | None
) -> tuple[list[OutboxEntry], list[OutboxEntry], list[RouteSummary], dict[Route, _RouteResult]]:
    from reviewdesk.cli.common import credential_for_route

    astore = AsyncStore(store)
    results: dict[Route, _RouteResult] = {}
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    try:
        before = await astore.run(Store.pending_entries)
        for summary in await astore.run(Store.routes):
            route = summary.route
            if not summary.pending or (only is not None and route.server != only):
                continue  # (unconfirmed decisions are never claimed: the others of the route go)
            credential = credential_for_route(route, command_server)
            if credential is None:
                continue
            left = None if deadline is None else max(0.1, deadline - loop.time())
            empty, status, server_wait = await _deliver(
                astore, route.server, credential, once=False, timeout=left
            )
            results[route] = _RouteResult(empty, status, server_wait)
        after = await astore.run(Store.pending_entries)
        summaries = await astore.run(Store.routes)
    finally:
        await astore.close()
    return before, after, summaries, results
