"""Plain `reviewdesk [FILE ...]`: the hand-over to the review window. The one path from the command line
to Qt: `cmd_window` imports `reviewdesk.app` (or `reviewdesk.selftest` for --self-test) only when no
command is given (the exception named in the Qt contract of pyproject.toml; docs/ARCHITECTURE.md)."""

from __future__ import annotations

import argparse
import os

from reviewdesk.cli.common import DEFAULT_BASE_URL, CliError
from reviewdesk.cli.names import COMMAND_NAMES, PROG


def cmd_window(args: argparse.Namespace) -> int:
    from reviewdesk.deadline import DEFAULT_SECONDS, hard_deadline

    ends = bool(
        getattr(args, "self_test", False) or args.screenshot or getattr(args, "exit_after_start", False)
    )
    limit = getattr(args, "timeout", None)
    seconds = (limit if limit is not None else DEFAULT_SECONDS) if ends else None
    what = (
        "--self-test"
        if getattr(args, "self_test", False)
        else "--screenshot"
        if args.screenshot
        else "start-up"
    )
    with hard_deadline(seconds, what):
        if getattr(args, "self_test", False):
            from reviewdesk.selftest import run_self_test

            return run_self_test(args)
        try:
            from reviewdesk.app import run_app  # the only path from here to Qt
        except ImportError as exc:
            if "reviewdesk.app" not in str(exc):
                raise
            raise CliError(
                "the review window is not available in this build; see `reviewdesk --help`"
            ) from None
        return run_app(args)


def global_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--base-url",
        default=os.environ.get("REVIEWDESK_BASE_URL"),
        help=f"Reviews API base URL (env REVIEWDESK_BASE_URL; default {DEFAULT_BASE_URL})",
    )
    parent.add_argument(
        "--data-dir",
        default=os.environ.get("REVIEWDESK_DATA_DIR"),
        help="folder for all local state (env REVIEWDESK_DATA_DIR; default: the platform's folders)",
    )
    parent.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    return parent


def build_window_parser() -> argparse.ArgumentParser:
    """Plain `reviewdesk [FILE ...]`: the review window, with queue files to import."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[global_options()],
        description="Open the ReviewDesk review window. Commands: "
        + ", ".join(COMMAND_NAMES)
        + " (see `reviewdesk COMMAND --help`).",
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="CSV, JSON or text files of scan ids to queue"
    )
    parser.add_argument(
        "--demo", action="store_true", help="run against the built-in simulator with 50 scans"
    )
    parser.add_argument(
        "--screenshot", metavar="FILE", help="save a PNG of the window once it shows, then exit"
    )
    parser.add_argument(
        "--exit-after-start",
        action="store_true",
        help="start as usual, print `shown` once the window is painted and `ready` once its queue is "
        "in, then quit "
        "(to time start-up, e.g. of the frozen bundle)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="offscreen: review 5 demo scans against the built-in simulator and check the install",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        default=None,
        help="with --screenshot, --exit-after-start or --self-test: the whole run ends within S seconds "
        "(default 120), exit code 7 if it could not finish",
    )
    parser.set_defaults(command=None)
    return parser
