"""The `reviewdesk` command (console script `reviewdesk.cli:main`, and `python -m reviewdesk`). Never
imports Qt: plain `reviewdesk` hands over to `reviewdesk.app` (`cli/window.py`).

The package, top to bottom (its layers: pyproject.toml and docs/ARCHITECTURE.md):

- `__init__`: `main`: which parser, logging, dispatch, and each error as its message and exit code;
- `parser`: the parsers and `COMMANDS`, the table of every command and the function that runs it;
- `login`, `recover`, `window`: login/logout, recover, and the hand-over to the window;
- `reviews`, `outbox`, `jumio`, `preventor`, `bouncer`: each source's or the outbox's commands;
- `common`: what they share (`CliError`, the server and the credential of a command).

A new command goes in a module of its own here, `reviewdesk/cli/<name>.py`, with `add_parser(sub)`
and `cmd_<name>(args)`; register it with one line in `parser.build_parser` and one in
`parser.COMMANDS`, and add the module to the commands' layer of the `reviewdesk.cli` contract in
pyproject.toml. A module written before this package as `reviewdesk/cli_<name>.py` (registered from
the old `cli.py`, as record.py did) moves here as `cli/<name>.py`: `reviewdesk.cli_common` becomes
`reviewdesk.cli.common`, and its lines in the old `cli.py` go to `cli/parser.py`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from reviewdesk.cli.common import CliError
from reviewdesk.cli.names import COMMAND_NAMES, PROG
from reviewdesk.cli.window import build_window_parser, cmd_window

__all__ = ["main"]


def setup_logging(verbosity: int) -> None:
    from reviewdesk.api.redact import install_log_redaction

    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)  # the window's log file may take more than the terminal shows
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    install_log_redaction()


def names_a_command(argv: Sequence[str]) -> bool:
    """Whether argv asks for a command (rather than the window), skipping global option values."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in ("--base-url", "--data-dir"):
            skip = True
        elif token in ("-h", "--help"):
            return True
        elif not token.startswith("-"):
            return token in COMMAND_NAMES
    return False


def unknown_argument(files: Sequence[str]) -> str:
    """Why the window should not open on these "files": one that is neither a command nor an
    existing file (a mistyped command, or one this version does not have); "" when all are fine."""
    import difflib

    commands = list(COMMAND_NAMES)
    for name in files:
        if os.path.exists(name):
            continue
        close = difflib.get_close_matches(name, commands, n=1)
        hint = f"did you mean `{PROG} {close[0]}`? " if close else ""
        return (
            f"{name!r} is neither a command nor an existing file; {hint}"
            f"the commands are: {', '.join(commands)} (see `{PROG} --help`)"
        )
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--window-help" in argv:
        build_window_parser().print_help()
        return 0
    if names_a_command(argv):  # only then every command's module (the window starts without them)
        from reviewdesk.cli.parser import COMMANDS, build_parser

        parser = build_parser()
        run = COMMANDS
    else:
        parser = build_window_parser()
        run = {None: cmd_window}
    args = parser.parse_args(argv)
    if args.command is None:
        problem = unknown_argument(args.files)
        if problem:
            print(f"{PROG}: {problem}", file=sys.stderr)
            return 2
    setup_logging(args.verbose)
    from reviewdesk.api.errors import ReviewDeskError
    from reviewdesk.api.redact import redact
    from reviewdesk.errors import EXIT_STORE
    from reviewdesk.store.errors import StoreError

    try:
        return run[args.command](args)
    except CliError as exc:
        print(f"{PROG}: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except ReviewDeskError as exc:
        print(f"{PROG}: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except StoreError as exc:  # the local database: locked, unusable, or the disk is full
        print(f"{PROG}: {redact(str(exc))}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
