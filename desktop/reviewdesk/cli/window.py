"""Plain `reviewdesk [FILE ...]`: the hand-over to the review window. The one path from the command line
to Qt: `cmd_window` imports `reviewdesk.app` (or `reviewdesk.selftest` for --self-test) only when no
command is given (the exception named in the Qt contract of pyproject.toml; docs/ARCHITECTURE.md)."""

from __future__ import annotations

import argparse

from reviewdesk.cli.common import CliError


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
