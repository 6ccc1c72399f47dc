"""`reviewdesk login` and `reviewdesk logout`: the reviewer token or the admin key of a Reviews API
server in the OS keyring, and with --jumio the Jumio API token and secret (`reviewdesk.cli.jumio`)."""

from __future__ import annotations

import argparse
from typing import Any

from reviewdesk.cli import jumio
from reviewdesk.cli.common import ENV_VARS, CliError, base_url_of, env_hint


def add_parsers(sub: Any) -> None:
    """`login` and `logout`, each with --jumio."""
    p = sub.add_parser("login", help="store a reviewer token or the admin key in the OS keyring")
    p.add_argument("--admin", action="store_true", help="store the admin key instead of a token")
    jumio.add_login_argument(p)
    p = sub.add_parser("logout", help="remove the stored token and admin key for this base URL")
    jumio.add_logout_argument(p)


def cmd_login(args: argparse.Namespace) -> int:
    import getpass

    from reviewdesk import keychain
    from reviewdesk.api.auth import AdminKey, ReviewerToken
    from reviewdesk.api.errors import AuthError

    if getattr(args, "jumio", False):
        return jumio.cmd_login_jumio(args)
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
        return jumio.cmd_logout_jumio(args)
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
