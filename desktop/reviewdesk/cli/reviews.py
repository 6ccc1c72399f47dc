"""The Reviews API's own commands: `authorize`, `url`, `image` and `shortcodes`, and `run_with_client`,
which runs a command's body with a `ReviewsClient` for the command's server and credential."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewdesk.cli.common import CliError, base_url_of, credential_of, write_atomically

if TYPE_CHECKING:
    from reviewdesk.api.reviews import ReviewsClient


def add_parsers(sub: Any) -> None:
    """`authorize`, `url` and `image`."""
    p = sub.add_parser("authorize", help="(admin) mint a reviewer token and print it")
    p.add_argument("--reviewer", required=True, help="how the reviewer is identified")

    p = sub.add_parser("url", help="print a scan's image URL (admin: imageSrc and status)")
    p.add_argument("scan_id", metavar="SCAN_ID")
    p.add_argument("--expires-in", type=int, default=3600, metavar="S", help="URL lifetime (admin)")

    p = sub.add_parser("image", help="save a scan's blackout image as a JPEG file")
    p.add_argument("scan_id", metavar="SCAN_ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the JPEG")
    p.add_argument("--tight", action="store_true", help="ask for the tight crop (admin)")


def add_shortcodes_parser(sub: Any) -> None:
    sub.add_parser("shortcodes", help="list the accepted shortcodes")


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
