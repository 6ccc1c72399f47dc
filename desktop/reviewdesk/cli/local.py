"""The command line's side of local decisions (Jumio transactions, Preventor tickets): their
sources have no feedback endpoint, so `reviewdesk decide` records them in the store and sends
nothing, `reviewdesk queue --all` lists them, and `reviewdesk sync` says they are not sent
(docs/JUMIO.md, "Decisions").
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime

from reviewdesk.errors import EXIT_OK, EXIT_USAGE
from reviewdesk.sources.local import SOURCE_NAMES, UnknownDecision, local_decision, source_of
from reviewdesk.store import OutboxEntry, Store

NOTHING_SENT = "kept here, never sent: Jumio and Preventor take no decisions"


def _cli_error(message: str, code: int) -> Exception:
    from reviewdesk.cli.common import CliError

    return CliError(message, code)


def decide_locally(args: argparse.Namespace, store_of: object) -> int:
    """`reviewdesk decide jumio:REF reject_fraud`: record the decision locally (no server, no
    credential needed); `store_of(data_dir)` opens the store."""
    from reviewdesk.cli.common import parse_info
    from reviewdesk.domain.decision import build_annotation_info

    item = args.scan_id
    try:
        option = local_decision(item, args.shortcode)
    except UnknownDecision as exc:
        raise _cli_error(str(exc), EXIT_USAGE) from None
    note = getattr(args, "note", None) or ""
    extra = {**parse_info(getattr(args, "info", None) or []), "source": source_of(item)}
    info = build_annotation_info(reviewer=_reviewer(args), note=note or None, extra=extra)
    assert callable(store_of)
    store: Store = store_of(args.data_dir)
    try:
        try:
            store.record_decision(item, option.code, info, note=note, local=True)
        except ValueError as exc:
            raise _cli_error(
                f"the decision {option.code} for {item} was not recorded: {exc}", EXIT_USAGE
            ) from None  # noqa: E501
    finally:
        store.close()
    print(f"recorded locally: {item} {option.code} ({NOTHING_SENT})")
    return EXIT_OK


def _reviewer(args: argparse.Namespace) -> str:
    """Who decides, as far as the command line knows: the reviewer of a credential at hand (the
    environment or the keyring), else the one the window remembers. None is needed: nothing is sent."""
    from reviewdesk.cli.common import CliError, base_url_of, credential_of
    from reviewdesk.paths import resolve_paths
    from reviewdesk.settings import Settings

    try:
        return credential_of(base_url_of(args)).who
    except CliError:
        pass
    settings = Settings.load(resolve_paths(args.data_dir).settings_file)
    return settings.reviewer_name or "unknown"


def local_lines(entries: Sequence[OutboxEntry]) -> list[str]:
    """One aligned line per local decision: item, code, "local", source, time (UTC), note."""
    rows = [
        (
            e.scan_id,
            e.shortcode,
            "local",
            SOURCE_NAMES.get(source_of(e.scan_id), source_of(e.scan_id)),
            datetime.fromtimestamp(e.created_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            " ".join(e.note.split())[:60],
        )
        for e in entries
    ]
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return [("  ".join(r[i].ljust(widths[i]) for i in range(5)) + "  " + r[5]).rstrip() for r in rows]


def print_local(store: Store) -> None:
    """`queue --all`: the local decisions after the queue, and how many."""
    entries = store.local_decisions()
    for line in local_lines(entries):
        print(line)
    n = len(entries)
    print(f"{n} local decision{'s' if n != 1 else ''} ({NOTHING_SENT})")


def sync_note(store: Store) -> str:
    """What `sync` says about local decisions: nothing is sent for them ("" when there are none)."""
    n = store.count_local()
    if not n:
        return ""
    return f"{n} local decision{'s' if n != 1 else ''} (Jumio, Preventor): nothing is sent for them"
