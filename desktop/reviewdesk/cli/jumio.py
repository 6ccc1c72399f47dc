"""`reviewdesk jumio status|details|images|wait REF`: Jumio Netverify Retrieval from the command line.

Credentials from REVIEWDESK_JUMIO_TOKEN and REVIEWDESK_JUMIO_SECRET or the OS keyring
(`reviewdesk login --jumio`); the User-Agent from REVIEWDESK_JUMIO_USER_AGENT or
`jumio_user_agent` in settings.json. Exit codes: 0 ok, 2 usage, 3 credentials refused (401/403),
4 unknown reference (404), 5 network or server, 6 still pending after the tenth try (`wait`).
Never imports Qt. See docs/JUMIO.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reviewdesk import errors

if TYPE_CHECKING:
    from reviewdesk.api.jumio import JumioClient, JumioCredentials

EXIT_PENDING = errors.EXIT_PENDING
KEYRING_ACCOUNT = "jumio"  # one Jumio account per user, whatever the region
KEYRING_TOKEN = "jumio-token"
KEYRING_SECRET = "jumio-secret"
KINDS = ("netverify", "authentication", "document")


def add_login_argument(login: argparse.ArgumentParser) -> None:
    """`--jumio` on `reviewdesk login` (reviewdesk.cli.login)."""
    login.add_argument("--jumio", action="store_true", help="store the Jumio API token and secret instead")


def add_logout_argument(logout: argparse.ArgumentParser) -> None:
    """`--jumio` on `reviewdesk logout` (reviewdesk.cli.login)."""
    logout.add_argument("--jumio", action="store_true", help="remove the stored Jumio API token and secret")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `jumio` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("reference", metavar="REF", help="the Jumio transaction reference")
    common.add_argument("--kind", choices=KINDS, default="netverify", help="the kind of transaction")
    common.add_argument(
        "--url",
        metavar="BASE",
        help="one base URL for every Jumio path (the simulator, a proxy); default: the region's hosts",
    )
    common.add_argument(
        "--region",
        choices=("us", "eu"),
        help="Jumio's data centre (default: jumio_region in settings.json, else us)",
    )
    p = sub.add_parser("jumio", help="Jumio Netverify Retrieval: status, details, images, wait")
    actions = p.add_subparsers(dest="jumio_command", metavar="ACTION", required=True)
    actions.add_parser("status", parents=[common], help="print `REF STATUS` (Authentication: its result)")
    actions.add_parser("details", parents=[common], help="print the details as one JSON object")
    images = actions.add_parser("images", parents=[common], help="save every image into DIR, print each path")
    images.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the images")
    wait = actions.add_parser(
        "wait", parents=[common], help="poll the status on Jumio's schedule until final"
    )
    wait.add_argument(
        "--schedule-scale", type=float, default=1.0, metavar="F", help="multiply each wait by F (tests)"
    )
    wait.add_argument(
        "--since",
        type=float,
        default=0.0,
        metavar="S",
        help="the transaction's images were acquired S seconds ago (default 0: now)",
    )


# -- configuration ---------------------------------------------------------------------------------


class _Config:
    def __init__(self, user_agent: str, region: str) -> None:
        self.user_agent = user_agent
        self.region = region


def _config(args: argparse.Namespace) -> _Config:
    from reviewdesk.api.jumio import USER_AGENT_ENV, check_user_agent
    from reviewdesk.paths import resolve_paths
    from reviewdesk.settings import Settings

    settings, problem = Settings.load_checked(resolve_paths(getattr(args, "data_dir", None)).settings_file)
    if problem:
        print(f"reviewdesk: {problem}", file=sys.stderr)
    agent = os.environ.get(USER_AGENT_ENV) or settings.jumio_user_agent
    return _Config(check_user_agent(agent), args.region or settings.jumio_region or "us")


def credentials() -> JumioCredentials:
    """Env first, then the OS keyring; a clear message naming the variables otherwise."""
    from reviewdesk import keychain
    from reviewdesk.api.errors import EXIT_AUTH, NoCredentialError
    from reviewdesk.api.jumio import SECRET_ENV, TOKEN_ENV, JumioCredentials
    from reviewdesk.cli.common import CliError

    token, secret = os.environ.get(TOKEN_ENV), os.environ.get(SECRET_ENV)
    if bool(token) != bool(secret):
        raise CliError(f"set both {TOKEN_ENV} and {SECRET_ENV}: only one of them is set", EXIT_AUTH)
    if not token:
        try:
            token = keychain.load(KEYRING_TOKEN, KEYRING_ACCOUNT)
            secret = keychain.load(KEYRING_SECRET, KEYRING_ACCOUNT)
        except keychain.KeyringUnavailable:
            raise CliError(
                f"no Jumio API credentials: set {TOKEN_ENV} and {SECRET_ENV} (no OS keyring is available "
                "here to keep them)",
                EXIT_AUTH,
            ) from None
    if not token or not secret:
        raise CliError(
            f"no Jumio API credentials: set {TOKEN_ENV} and {SECRET_ENV}, or store them with "
            "`reviewdesk login --jumio`",
            EXIT_AUTH,
        )
    try:
        return JumioCredentials(token, secret)
    except NoCredentialError as exc:
        raise CliError(str(exc), EXIT_AUTH) from None


def _run(args: argparse.Namespace, body: Callable[[JumioClient], Awaitable[int]]) -> int:
    from reviewdesk.api.jumio import JumioClient, JumioHosts

    config = _config(args)  # the User-Agent first: nothing is sent without it
    creds = credentials()
    hosts = JumioHosts.single(args.url) if args.url else JumioHosts.for_region(config.region)

    async def go() -> int:
        async with JumioClient(hosts, creds, config.user_agent) as client:
            return await body(client)

    return asyncio.run(go())


# -- commands --------------------------------------------------------------------------------------


def cmd_jumio(args: argparse.Namespace) -> int:
    handler = {"status": _status, "details": _details, "images": _images, "wait": _wait}[args.jumio_command]
    return handler(args)


def _status(args: argparse.Namespace) -> int:
    async def body(client: JumioClient) -> int:
        info = await client.status(args.kind, args.reference)
        print(f"{info.reference} {info.status}")
        return 0

    return _run(args, body)


def _details(args: argparse.Namespace) -> int:
    async def body(client: JumioClient) -> int:
        data = await client.details(args.kind, args.reference)
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0

    return _run(args, body)


def _images(args: argparse.Namespace) -> int:
    from reviewdesk.api.errors import ReviewDeskError
    from reviewdesk.cli.common import CliError, write_atomically
    from reviewdesk.sources.jumio import image_refs

    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise CliError(f"{folder} is a file; name a folder for the images")
    if not folder.parent.exists():
        raise CliError(f"the folder {folder.parent} does not exist")
    folder.mkdir(exist_ok=True)

    async def body(client: JumioClient) -> int:
        listing = await client.image_list(args.kind, args.reference)
        for problem in listing.problems:
            print(f"reviewdesk: {problem}", file=sys.stderr)
        failed = 0
        refs = image_refs(args.kind, listing)
        if not refs:
            print(f"reviewdesk: Jumio lists no images for {args.reference}", file=sys.stderr)
        for ref, link in refs:
            try:
                image = await client.fetch_link(args.kind, args.reference, link)
            except ReviewDeskError as exc:  # one bad image does not stop the others
                print(f"reviewdesk: {exc}", file=sys.stderr)
                failed = failed or exc.exit_code
                continue
            path = folder / f"{ref.key}.{image.extension}"
            write_atomically(path, image.data)
            print(path)
        return failed

    return _run(args, body)


def _wait(args: argparse.Namespace) -> int:
    from reviewdesk.api import errors as e
    from reviewdesk.cli.common import CliError
    from reviewdesk.domain import jumio_schedule as schedule
    from reviewdesk.sources.jumio import is_open

    scale = args.schedule_scale
    if not 0 < scale <= 1000 or args.since < 0:
        raise CliError("--schedule-scale must be above 0 (at most 1000) and --since at least 0")

    async def body(client: JumioClient) -> int:
        acquired = time.time() - args.since
        last: float | None = None
        failure: e.ReviewDeskError | None = None
        status = ""
        for tries in range(schedule.MAX_SCHEDULED_TRIES):
            due = schedule.next_poll(acquired, tries, last_try_at=last, scale=scale)
            await asyncio.sleep(max(0.0, due - time.time()))
            last = time.time()
            head = (
                f"try {tries + 1} of {schedule.MAX_SCHEDULED_TRIES} (+{schedule.SCHEDULE[tries] * scale:g} s)"
            )
            try:
                status = (await client.status(args.kind, args.reference)).status
            except e.ReviewDeskError as exc:
                if not exc.retryable:
                    raise
                print(f"{head}: {exc}", flush=True)
                failure = exc
                continue
            failure = None
            print(f"{head}: {args.reference} {status}", flush=True)
            if not is_open(args.kind, status):
                print(f"{args.reference} {status}")
                return 0
        if failure is not None:
            raise failure
        later = schedule.next_poll(acquired, schedule.MAX_SCHEDULED_TRIES, last_try_at=last, scale=scale)
        print(
            f"reviewdesk: {args.reference} is still {status} after {schedule.MAX_SCHEDULED_TRIES} tries; "
            f"Jumio allows one more status request a day ({schedule.describe_next(later)})",
            file=sys.stderr,
        )
        return EXIT_PENDING

    return _run(args, body)


def cmd_login_jumio(args: argparse.Namespace) -> int:
    import getpass

    from reviewdesk import keychain
    from reviewdesk.api.errors import EXIT_AUTH, NoCredentialError
    from reviewdesk.api.jumio import SECRET_ENV, TOKEN_ENV, JumioCredentials
    from reviewdesk.cli.common import CliError

    hint = (
        f"set {TOKEN_ENV} and {SECRET_ENV} instead, typed without echo so that no shell history keeps "
        f"them: `read -rs {TOKEN_ENV} && export {TOKEN_ENV}`, and the same for {SECRET_ENV}"
    )
    if keychain.backend_name() is None:
        raise CliError(
            f"no OS keyring is available here, so the Jumio API token and secret cannot be stored; {hint}", 3
        )
    token = getpass.getpass("Paste the Jumio API token: ").strip()
    secret = getpass.getpass("Paste the Jumio API secret: ").strip()
    try:
        JumioCredentials(token, secret)
    except NoCredentialError as exc:
        raise CliError(str(exc), EXIT_AUTH) from None
    try:
        keychain.store(KEYRING_TOKEN, KEYRING_ACCOUNT, token)
        keychain.store(KEYRING_SECRET, KEYRING_ACCOUNT, secret)
    except keychain.KeyringUnavailable as exc:
        raise CliError(f"{exc}; {hint}", EXIT_AUTH) from None
    print("stored the Jumio API token and secret in the OS keyring")
    return 0


def cmd_logout_jumio(args: argparse.Namespace) -> int:
    from reviewdesk import keychain
    from reviewdesk.api.jumio import SECRET_ENV, TOKEN_ENV
    from reviewdesk.cli.common import CliError

    try:
        keychain.delete(KEYRING_TOKEN, KEYRING_ACCOUNT)
        keychain.delete(KEYRING_SECRET, KEYRING_ACCOUNT)
    except keychain.KeyringUnavailable as exc:
        raise CliError(
            f"{exc}, so no Jumio credential is stored here; ReviewDesk takes them from {TOKEN_ENV} and "
            f"{SECRET_ENV}: `unset {TOKEN_ENV} {SECRET_ENV}` forgets them",
            3,
        ) from None
    print("removed the stored Jumio API token and secret")
    return 0
