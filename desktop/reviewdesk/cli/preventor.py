"""`reviewdesk preventor ticket|images`: Preventor IDV tickets from the command line (docs/PREVENTOR.md).

Credentials: REVIEWDESK_PREVENTOR_TOKEN and REVIEWDESK_PREVENTOR_API_KEY, else the OS keyring
(service "ReviewDesk", accounts "preventor-token@BASE" and "preventor-api-key@BASE"). Never imports Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

TOKEN_ENV = "REVIEWDESK_PREVENTOR_TOKEN"
API_KEY_ENV = "REVIEWDESK_PREVENTOR_API_KEY"
KEYRING_TOKEN = "preventor-token"
KEYRING_API_KEY = "preventor-api-key"
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}


def add_parser(subparsers: Any) -> None:
    """`preventor` and its two commands; `args.command` is "preventor", `args.preventor_command` which."""
    from reviewdesk.api.preventor import DEFAULT_BASE_URL

    group = subparsers.add_parser("preventor", help="Preventor IDV tickets: details and images")
    sub = group.add_subparsers(dest="preventor_command", metavar="COMMAND", required=True)
    url_help = f"Preventor API base URL (default {DEFAULT_BASE_URL})"
    p = sub.add_parser("ticket", help="print a ticket's details as JSON")
    p.add_argument("ticket", metavar="TICKET")
    p.add_argument("--url", default=DEFAULT_BASE_URL, metavar="BASE", help=url_help)
    p = sub.add_parser("images", help="save a ticket's images as DIR/<TYPE>-<n>.<ext>, one path per line")
    p.add_argument("ticket", metavar="TICKET")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to save the images in")
    p.add_argument(
        "--type",
        default="ALL",
        metavar="T1,T2",
        help="SELF_PORTRAITS, DOCUMENT, DOCUMENT_PORTRAIT, DOCUMENT_SIGNATURE, DOCUMENT_GHOST_PORTRAIT "
        "or ALL (default), comma-separated",
    )
    p.add_argument("--url", default=DEFAULT_BASE_URL, metavar="BASE", help=url_help)


def _secret(env: str, kind: str, base_url: str) -> str | None:
    from reviewdesk import keychain

    value = os.environ.get(env)
    if value:
        return value
    try:
        return keychain.load(kind, base_url)
    except keychain.KeyringUnavailable:
        return None


def _client(args: argparse.Namespace) -> Any:
    from reviewdesk.api import errors as e
    from reviewdesk.api.preventor import PreventorClient, PreventorCredential
    from reviewdesk.api.reviews import normalize_base_url
    from reviewdesk.cli.common import CliError, env_hint

    try:
        base_url = normalize_base_url(args.url)
    except e.UsageError as exc:
        raise CliError(f"--url: {exc}") from None
    token = _secret(TOKEN_ENV, KEYRING_TOKEN, base_url)
    if not token:
        raise CliError(
            f"no Preventor token (and {API_KEY_ENV} if you have a key); {env_hint(TOKEN_ENV)}", e.EXIT_AUTH
        )
    try:
        credential = PreventorCredential(token, _secret(API_KEY_ENV, KEYRING_API_KEY, base_url))
    except e.AuthError as exc:
        raise CliError(str(exc), e.EXIT_AUTH) from None
    return PreventorClient(base_url, credential)


def cmd_preventor(args: argparse.Namespace) -> int:
    if args.preventor_command == "ticket":
        return asyncio.run(_ticket(args))
    return _images(args)


async def _ticket(args: argparse.Namespace) -> int:
    async with _client(args) as client:
        data = await client.ticket(args.ticket)
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


def _output_dir(raw: str) -> Path:
    from reviewdesk.cli.common import CliError

    folder = Path(raw)
    if folder.exists() and not folder.is_dir():
        raise CliError(f"{folder} is a file; -o takes a folder")
    if not folder.exists():
        if not folder.parent.is_dir():
            raise CliError(f"the folder {folder.parent} does not exist")
        try:
            folder.mkdir(mode=0o700)
        except OSError as exc:
            raise CliError(f"cannot create {folder}: {exc.strerror}", 5) from None
    return folder


def _images(args: argparse.Namespace) -> int:
    from reviewdesk.api.preventor_images import type_parameter

    types = type_parameter([args.type])  # a wrong type is a usage error before anything is sent
    folder = _output_dir(args.output)
    return asyncio.run(_save_images(args, types.split(","), folder))


async def _save_images(args: argparse.Namespace, types: list[str], folder: Path) -> int:
    from reviewdesk.api import errors as e
    from reviewdesk.api.redact import redact
    from reviewdesk.cli.common import write_atomically

    worst = 0
    async with _client(args) as client:
        images = await client.images(args.ticket, types)
        if not images:
            print(
                f"reviewdesk: ticket {args.ticket} has no images of type {','.join(types)}", file=sys.stderr
            )
            return e.EXIT_NOT_FOUND
        for image in images:
            try:
                data, kind = await client.image_bytes(args.ticket, image)
            except e.ReviewDeskError as exc:  # one bad image does not cost the others
                print(f"reviewdesk: {redact(str(exc))}", file=sys.stderr)
                worst = max(worst, exc.exit_code)
                continue
            path = folder / f"{image.name}.{EXTENSIONS[kind]}"
            write_atomically(path, data)
            print(path)
    return worst
