"""The `reviewdesk` command. Never imports Qt: plain `reviewdesk` hands over to `reviewdesk.app`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reviewdesk import cli_bouncer, cli_jumio, cli_preventor
from reviewdesk.cli_common import (
    DEFAULT_BASE_URL,
    ENV_VARS,
    CliError,
    base_url_of,
    credential_of,
    env_hint,
    write_atomically,
)
from reviewdesk.sync import commands as outbox

if TYPE_CHECKING:
    from reviewdesk.api.reviews import ReviewsClient

PROG = "reviewdesk"


# -- parser ------------------------------------------------------------------------------------


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

    p = sub.add_parser("authorize", help="(admin) mint a reviewer token and print it")
    p.add_argument("--reviewer", required=True, help="how the reviewer is identified")

    p = sub.add_parser("url", help="print a scan's image URL (admin: imageSrc and status)")
    p.add_argument("scan_id", metavar="SCAN_ID")
    p.add_argument("--expires-in", type=int, default=3600, metavar="S", help="URL lifetime (admin)")

    p = sub.add_parser("image", help="save a scan's blackout image as a JPEG file")
    p.add_argument("scan_id", metavar="SCAN_ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the JPEG")
    p.add_argument("--tight", action="store_true", help="ask for the tight crop (admin)")

    p = sub.add_parser("decide", help="record a decision in the outbox and send it")
    p.add_argument("scan_id", metavar="SCAN_ID")
    p.add_argument("shortcode", metavar="SHORTCODE")
    p.add_argument("--info", action="append", default=[], metavar="KEY=VALUE", help="annotationInfo entry")
    p.add_argument("--note", help="free-text note, sent in annotationInfo")

    sub.add_parser("shortcodes", help="list the accepted shortcodes")

    p = sub.add_parser("login", help="store a reviewer token or the admin key in the OS keyring")
    p.add_argument("--admin", action="store_true", help="store the admin key instead of a token")
    sub.add_parser("logout", help="remove the stored token and admin key for this base URL")

    outbox.add_parsers(sub)  # queue, sync, and --hold on decide
    cli_preventor.add_parser(sub)
    cli_bouncer.add_parser(sub)
    cli_jumio.add_parsers(sub)  # jumio status|details|images|wait, and --jumio on login

    p = sub.add_parser("sim", help="run the Reviews API simulator on 127.0.0.1")
    from reviewdesk.sim.cli import add_arguments

    add_arguments(p)
    return parser


# -- credentials -------------------------------------------------------------------------------


def run_with_client(
    args: argparse.Namespace, body: Callable[[ReviewsClient], Awaitable[int]], *, want_admin: bool = False
) -> int:
    from reviewdesk import limits
    from reviewdesk.api.errors import EXIT_NETWORK
    from reviewdesk.api.reviews import ReviewsClient

    base_url = base_url_of(args)
    credential = credential_of(base_url, want_admin=want_admin)

    async def go() -> int:
        # Each request has its own deadline (retries included); the command has one in all.
        try:
            async with (
                asyncio.timeout(limits.COMMAND_DEADLINE),
                ReviewsClient(base_url, credential) as client,
            ):
                return await body(client)
        except TimeoutError:
            raise CliError(
                f"gave up after {limits.COMMAND_DEADLINE:g} s: the server or the network is too slow; "
                "try again",
                EXIT_NETWORK,
            ) from None

    return asyncio.run(go())


# -- commands ----------------------------------------------------------------------------------


def cmd_authorize(args: argparse.Namespace) -> int:
    async def body(client: ReviewsClient) -> int:
        print(await client.authorize(args.reviewer))
        return 0

    return run_with_client(args, body, want_admin=True)


def cmd_url(args: argparse.Namespace) -> int:
    async def body(client: ReviewsClient) -> int:
        info = await client.image_url(args.scan_id, args.expires_in)
        # The URL is what the user asked for: it goes to stdout, never to a log.
        print(info.url.url)
        if client.is_admin:
            print(f"status: {info.status or 'unknown'}")
        return 0

    return run_with_client(args, body, want_admin=True)


def cmd_image(args: argparse.Namespace) -> int:
    from reviewdesk.api.images import ImageResolver, check_image

    output = Path(args.output)
    if output.is_dir():
        raise CliError(f"{output} is a folder; name a file, e.g. {output / (args.scan_id + '.jpg')}")
    if not output.parent.exists():
        raise CliError(f"the folder {output.parent} does not exist")

    async def body(client: ReviewsClient) -> int:
        if args.tight and not client.is_admin:
            raise CliError("--tight needs the admin key (REVIEWDESK_ADMIN_KEY)")
        if client.is_admin:
            data = await client.image_jpeg(args.scan_id, tight=args.tight)
        else:
            data = (await ImageResolver(client).fetch(args.scan_id)).data
        kind = check_image(data, args.scan_id)  # never save an HTML page or an SVG as a .jpg
        write_atomically(output, data)
        print(f"saved {len(data)} bytes ({kind}) to {output}")
        return 0

    return run_with_client(args, body, want_admin=True)


def cmd_shortcodes(args: argparse.Namespace) -> int:
    from reviewdesk.domain import shortcodes

    for group in shortcodes.Group:
        print(f"{group.label}:")
        for s in shortcodes.in_group(group):
            print(f"  {s.code:<40} {s.description}")
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    import getpass

    from reviewdesk import keychain
    from reviewdesk.api.auth import AdminKey, ReviewerToken
    from reviewdesk.api.errors import AuthError

    if getattr(args, "jumio", False):
        return cli_jumio.cmd_login_jumio(args)
    base_url = base_url_of(args)
    what = "admin key" if args.admin else "reviewer token"
    var = ENV_VARS[bool(args.admin)]
    if keychain.backend_name() is None:  # say so before anyone pastes a secret for nothing
        raise CliError(f"no OS keyring is available here, so the {what} cannot be stored; {env_hint(var)}", 3)
    secret = getpass.getpass(f"Paste the {what} for {base_url}: ").strip()
    try:
        if args.admin:
            AdminKey(secret)
        else:
            token = ReviewerToken.parse(secret)
            token.check_usable()
            secret = token.token
    except AuthError as exc:
        raise CliError(str(exc), 3) from None
    try:
        keychain.store(keychain.ADMIN_KEY if args.admin else keychain.REVIEWER_TOKEN, base_url, secret)
    except keychain.KeyringUnavailable as exc:
        raise CliError(f"{exc}; {env_hint(var)}", 3) from None
    print(f"stored the {what} in the OS keyring")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    from reviewdesk import keychain

    if getattr(args, "jumio", False):
        return cli_jumio.cmd_logout_jumio(args)
    base_url = base_url_of(args)
    try:
        keychain.delete(keychain.ADMIN_KEY, base_url)
        keychain.delete(keychain.REVIEWER_TOKEN, base_url)
    except keychain.KeyringUnavailable as exc:
        raise CliError(
            f"{exc}, so no credential is stored here; ReviewDesk takes them from the environment "
            "variables REVIEWDESK_TOKEN and REVIEWDESK_ADMIN_KEY: `unset REVIEWDESK_TOKEN "
            "REVIEWDESK_ADMIN_KEY` forgets them",
            3,
        ) from None
    print("removed stored credentials for " + base_url)
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    from reviewdesk.sim.cli import run

    return run(args)


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


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "authorize": cmd_authorize,
    "url": cmd_url,
    "image": cmd_image,
    "decide": outbox.cmd_decide,
    "queue": outbox.cmd_queue,
    "sync": outbox.cmd_sync,
    "recover": outbox.cmd_recover,
    "shortcodes": cmd_shortcodes,
    "login": cmd_login,
    "logout": cmd_logout,
    "sim": cmd_sim,
    "preventor": cli_preventor.cmd_preventor,
    "bouncer": cli_bouncer.cmd_bouncer,
    "jumio": cli_jumio.cmd_jumio,
    None: cmd_window,
}


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
            return token in COMMANDS
    return False


def unknown_argument(files: Sequence[str]) -> str:
    """Why the window should not open on these "files": one that is neither a command nor an
    existing file (a mistyped command, or one this version does not have); "" when all are fine."""
    import difflib

    commands = [c for c in COMMANDS if c]
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
    parser = build_parser() if names_a_command(argv) else build_window_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        problem = unknown_argument(args.files)
        if problem:
            print(f"{PROG}: {problem}", file=sys.stderr)
            return 2
    setup_logging(args.verbose)
    from reviewdesk.api.errors import ReviewDeskError
    from reviewdesk.api.redact import redact
    from reviewdesk.store.errors import StoreError

    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"{PROG}: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except ReviewDeskError as exc:
        print(f"{PROG}: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except StoreError as exc:  # the local database: locked, unusable, or the disk is full
        print(f"{PROG}: {redact(str(exc))}", file=sys.stderr)
        return outbox.EXIT_STORE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
