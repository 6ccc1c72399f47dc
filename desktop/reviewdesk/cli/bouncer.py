"""`reviewdesk bouncer verify|verify-web FILE.json`: send a CardVerify body, print the token
(docs/BOUNCER.md). Key from REVIEWDESK_BOUNCER_KEY, else the OS keyring (service "ReviewDesk",
account "bouncer-key@BASE"). A body that fails the checks exits 2 before anything is sent. No Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
from typing import Any

KEY_ENV = "REVIEWDESK_BOUNCER_KEY"
KEYRING_KEY = "bouncer-key"
MAX_BODY_BYTES = 16 * 1024 * 1024


def add_parser(subparsers: Any) -> None:
    from reviewdesk.api.bouncer import DEFAULT_BASE_URL

    group = subparsers.add_parser("bouncer", help="Bouncer CardVerify: send a verify body, print the token")
    sub = group.add_subparsers(dest="bouncer_command", metavar="COMMAND", required=True)
    for name, path in (("verify", "/v1/card/verify"), ("verify-web", "/v1/card/verify_web")):
        p = sub.add_parser(name, help=f"POST the body in FILE.json to {path} and print the token")
        p.add_argument("file", metavar="FILE.json", help="the request body, a JSON object")
        p.add_argument(
            "--url",
            default=DEFAULT_BASE_URL,
            metavar="BASE",
            help=f"Bouncer base URL (default {DEFAULT_BASE_URL})",
        )


def _read_body(name: str) -> Any:
    from reviewdesk.cli.common import CliError

    path = Path(name)
    try:
        if path.stat().st_size > MAX_BODY_BYTES:
            raise CliError(f"{name} is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{name} does not exist") from None
    except IsADirectoryError:
        raise CliError(f"{name} is a folder, not a file") from None
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CliError(f"{name} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:  # the position only: the text may hold card data
        raise CliError(
            f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError):
        raise CliError(f"{name} is not usable JSON") from None


def _key(base_url: str) -> str:
    from reviewdesk import keychain
    from reviewdesk.api.errors import EXIT_AUTH
    from reviewdesk.cli.common import CliError, env_hint

    key = os.environ.get(KEY_ENV)
    if not key:
        try:
            key = keychain.load(KEYRING_KEY, base_url)
        except keychain.KeyringUnavailable:
            key = None
    if not key:
        raise CliError(f"no Bouncer key; {env_hint(KEY_ENV)}", EXIT_AUTH)
    return key


def cmd_bouncer(args: argparse.Namespace) -> int:
    from reviewdesk.api import errors as e
    from reviewdesk.api.bouncer import BouncerClient, InvalidCardVerifyBody, body_problems
    from reviewdesk.api.reviews import normalize_base_url
    from reviewdesk.cli.common import CliError
    from reviewdesk.domain.cardverify import VERIFY, VERIFY_WEB

    kind = VERIFY if args.bouncer_command == "verify" else VERIFY_WEB
    body = _read_body(args.file)
    problems = body_problems(kind, body)  # before the key or the network is touched
    if problems:
        raise CliError(str(InvalidCardVerifyBody(f"{args.file}", problems)))
    try:
        base_url = normalize_base_url(args.url)
    except e.UsageError as exc:
        raise CliError(f"--url: {exc}") from None
    key = _key(base_url)

    async def go() -> str:
        async with BouncerClient(base_url, key) as client:
            return await (client.verify(body) if kind == VERIFY else client.verify_web(body))

    try:
        print(asyncio.run(go()))
    except e.NoCredentialError as exc:
        raise CliError(str(exc), e.EXIT_AUTH) from None
    return 0
