"""The `reviewdesk` command's parsers and its table of commands: which module adds each command's
parser, and which function runs it (`COMMANDS`). A new command is one `add_parser` line in
`build_parser` and one entry in `COMMANDS` (see `reviewdesk/cli/__init__.py`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from reviewdesk.cli import bouncer, jumio, login, outbox, preventor, record, recover, reviews, window
from reviewdesk.cli.names import PROG
from reviewdesk.cli.window import build_window_parser, global_options

__all__ = ["COMMANDS", "PROG", "build_parser", "build_window_parser"]


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
