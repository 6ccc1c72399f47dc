"""The `reviewdesk` command's parsers and its table of commands: which module adds each command's
parser, and which function runs it (`COMMANDS`). A new command is one `add_parser` line in
`build_parser` and one entry in `COMMANDS` (see `reviewdesk/cli/__init__.py`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from reviewdesk.cli import bouncer, jumio, login, outbox, preventor, record, recover, reviews, window
from reviewdesk.cli.common import DEFAULT_BASE_URL

PROG = "reviewdesk"


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
        + ", ".join(c for c in COMMANDS if c)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[global_options()],
        description="ReviewDesk: review Dyneti blackout images and send feedback shortcodes. "
        "Without a command it opens the review window (see `reviewdesk --window-help`).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    reviews.add_parsers(sub)  # authorize, url, image
    outbox.add_decide_parser(sub)  # decide
    reviews.add_shortcodes_parser(sub)  # shortcodes
    login.add_parsers(sub)  # login, logout (with --jumio)
    outbox.add_parsers(sub)  # queue, sync, recover
    preventor.add_parser(sub)
    bouncer.add_parser(sub)
    jumio.add_parsers(sub)  # jumio status|details|images|wait
    record.add_parsers(sub)  # audit verify, export, stats, queue-import

    p = sub.add_parser("sim", help="run the Reviews API simulator on 127.0.0.1")
    from reviewdesk.sim.cli import add_arguments

    add_arguments(p)
    return parser


def cmd_sim(args: argparse.Namespace) -> int:
    from reviewdesk.sim.cli import run

    return run(args)


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "authorize": reviews.cmd_authorize,
    "url": reviews.cmd_url,
    "image": reviews.cmd_image,
    "decide": outbox.cmd_decide,
    "queue": outbox.cmd_queue,
    "sync": outbox.cmd_sync,
    "recover": recover.cmd_recover,
    "shortcodes": reviews.cmd_shortcodes,
    "login": login.cmd_login,
    "logout": login.cmd_logout,
    "sim": cmd_sim,
    "preventor": preventor.cmd_preventor,
    "bouncer": bouncer.cmd_bouncer,
    "jumio": jumio.cmd_jumio,
    **record.COMMANDS,
    None: window.cmd_window,
}
