"""The reviewer's record on the command line: `reviewdesk audit verify`, `reviewdesk export`,
`reviewdesk stats` and `reviewdesk queue-import FILE [--share K/N]` (issue 17; docs/AUDIT.md).

Registered from `reviewdesk.cli` (`add_parsers`, `COMMANDS`). No Qt, no network: everything here
reads or writes the local database.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from reviewdesk.cli.common import CliError
from reviewdesk.errors import EXIT_OK, EXIT_STORE, EXIT_TAMPERED, EXIT_USAGE


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("audit", help="the audit trail: `audit verify` checks its hash chain")
    p.add_argument(
        "action", choices=["verify"], help="verify: check that no record was edited, deleted or moved"
    )

    p = sub.add_parser("export", help="write every decision with its audit fields to a CSV or JSON file")
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="csv (default) or json")
    p.add_argument("--since", metavar="DATE", help="from this UTC date (YYYY-MM-DD) on")
    p.add_argument(
        "--until",
        metavar="DATE",
        help="up to this UTC date, that day included (YYYY-MM-DD; with a time: before it)",
    )
    p.add_argument("--source", metavar="NAME", help="one source only: dyneti, jumio, preventor")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")

    p = sub.add_parser("stats", help="decisions per hour, time per item, shortcodes, undo rate")
    p.add_argument("--since", metavar="DATE", help="from this UTC date (YYYY-MM-DD) on")

    p = sub.add_parser(
        "queue-import", help="queue the scans of a CSV, JSON or text file (or one share of it)"
    )
    p.add_argument("file", metavar="FILE", help="a .csv, .json or .txt file of scan ids")
    p.add_argument(
        "--share",
        metavar="K/N",
        help="take only share K of N (a stable hash of the scan id): N reviewers with 1/N … N/N "
        "cover every scan once",
    )


def parse_date(text: str | None, option: str) -> str | None:
    """A UTC date or date-time as the audit log's `at` compares: "2026-11-29" or "2026-11-29T10:00"."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is not None:  # the log is in UTC, without an offset
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat(timespec="milliseconds")
    except ValueError:
        raise CliError(f"{option}: {text!r} is not a date (YYYY-MM-DD)", EXIT_USAGE) from None


def _reviewer(args: argparse.Namespace) -> str:
    from reviewdesk.cli.outbox import _settings

    return _settings(args.data_dir).reviewer_name


def cmd_audit(args: argparse.Namespace) -> int:
    from reviewdesk.cli.outbox import open_store

    store = open_store(args.data_dir)
    try:
        check = store.verify_audit()
    finally:
        store.close()
    if not check.ok:
        where = f" at record {check.broken_at}" if check.broken_at else ""
        print(
            f"reviewdesk: the audit trail is broken{where}: {check.reason} "
            f"({check.count} record(s) before it are intact)",
            file=sys.stderr,
        )
        return EXIT_TAMPERED
    print(f"the audit trail is intact: {check.count} record(s)")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from reviewdesk.cli.outbox import open_store
    from reviewdesk.store.export import export_decisions

    since = parse_date(args.since, "--since")
    until = parse_date(args.until, "--until")
    if until is not None and len(until) == 10:  # a day: up to its end
        until = (date.fromisoformat(until) + timedelta(days=1)).isoformat()
    path = Path(args.output).expanduser()
    if not path.parent.is_dir():
        raise CliError(f"-o: the folder {path.parent} does not exist", EXIT_USAGE)
    store = open_store(args.data_dir)
    try:
        n = export_decisions(
            store, path, args.format, since=since, until=until, source=args.source, reviewer=_reviewer(args)
        )
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}", EXIT_STORE) from None
    finally:
        store.close()
    print(f"exported {n} decision(s) to {path}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from reviewdesk.cli.outbox import open_store
    from reviewdesk.store.stats import compute, format_stats

    since = parse_date(args.since, "--since")
    store = open_store(args.data_dir)
    try:
        stats = compute(store.iter_audit(since=since))
    finally:
        store.close()
    if not stats.total.decisions and not stats.total.undos:
        print("no decisions" + (f" since {since}" if since else ""))
        return EXIT_OK
    print("\n".join(format_stats(stats)))
    return EXIT_OK


def cmd_queue_import(args: argparse.Namespace) -> int:
    from reviewdesk.cli.outbox import open_store
    from reviewdesk.domain.importer import ImportFailed, parse_file
    from reviewdesk.domain.share import BadShare, parse_share, take_share
    from reviewdesk.store.audit import IMPORT

    try:
        k, n = parse_share(args.share) if args.share else (1, 1)
    except BadShare as exc:
        raise CliError(f"--share: {exc}", EXIT_USAGE) from None
    path = Path(args.file).expanduser()
    try:
        result = parse_file(path)
    except ImportFailed as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    for problem in result.problems:  # the same per-line report as the window's
        where = f"line {problem.line}: " if problem.line else ""
        print(f"{path.name}: {where}{problem.message}", file=sys.stderr)
    mine = take_share(result, k, n)
    if not result.scans:
        print(result.summary())
        return EXIT_USAGE if result.problems else EXIT_OK
    store = open_store(args.data_dir)
    try:
        summary = store.add_scans(mine.scans)
        store.audit(
            IMPORT,
            now=time.time(),
            reviewer=_reviewer(args),
            detail={
                "file": path.name,
                "scans": len(mine.scans),
                "added": summary.added,
                "merged": summary.merged,
                "share": f"{k}/{n}" if n > 1 else "",
                "badRows": result.bad_rows,
            },
        )
    finally:
        store.close()
    share = f" (share {k}/{n} of {len(result.scans)} scans in the file)" if n > 1 else ""
    print(
        f"queued {len(mine.scans)} scan(s){share}: {summary.added} new, {summary.merged} already queued"
        + (f"; {result.bad_rows} line(s) with a problem, listed above" if result.problems else "")
    )
    return EXIT_OK


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "audit": cmd_audit,
    "export": cmd_export,
    "stats": cmd_stats,
    "queue-import": cmd_queue_import,
}
