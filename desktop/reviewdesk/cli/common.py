"""What the command-line modules share: the error they raise, where the server and the credential
come from, and small helpers. It imports no other module of `reviewdesk.cli`, so every command
module can import it (the package's layers: docs/ARCHITECTURE.md)."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewdesk.errors import EXIT_USAGE, Error

if TYPE_CHECKING:
    from reviewdesk.api.auth import Credential
    from reviewdesk.domain.route import Route

DEFAULT_BASE_URL = "https://api.dyneti.com"


class CliError(Error):
    """A command's error: its message for stderr, and the exit code (usage unless said)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def base_url_of(args: argparse.Namespace) -> str:
    """--base-url (or REVIEWDESK_BASE_URL), else the server the window remembers, else the default."""
    from reviewdesk.api.errors import UsageError
    from reviewdesk.api.reviews import normalize_base_url

    if not args.base_url:
        remembered = remembered_base_url(getattr(args, "data_dir", None))
        if remembered:
            return remembered
    try:
        return normalize_base_url(args.base_url or DEFAULT_BASE_URL)
    except UsageError as exc:
        raise CliError(f"--base-url: {exc}") from None


def remembered_base_url(data_dir: str | None) -> str:
    """The server the review window last signed in to (its settings file), or ''."""
    from reviewdesk.paths import resolve_paths
    from reviewdesk.settings import Settings, remembered_server

    return remembered_server(Settings.load(resolve_paths(data_dir).settings_file))


def credential_of(base_url: str, *, want_admin: bool = False) -> Credential:
    """Env first (REVIEWDESK_ADMIN_KEY / REVIEWDESK_TOKEN), then the OS keyring."""
    from reviewdesk import keychain
    from reviewdesk.api.auth import AdminKey, ReviewerToken
    from reviewdesk.api.errors import EXIT_AUTH, AuthError

    admin = os.environ.get("REVIEWDESK_ADMIN_KEY")
    token = os.environ.get("REVIEWDESK_TOKEN")
    if not admin and not token:
        try:
            admin = keychain.load(keychain.ADMIN_KEY, base_url)
            token = None if admin else keychain.load(keychain.REVIEWER_TOKEN, base_url)
        except keychain.KeyringUnavailable:
            pass
    try:
        if admin and (want_admin or not token):
            return AdminKey(admin)
        if token:
            return ReviewerToken.parse(token)
    except AuthError as exc:
        raise CliError(str(exc), EXIT_AUTH) from None
    raise CliError(
        "no credential: set REVIEWDESK_TOKEN (reviewer) or REVIEWDESK_ADMIN_KEY (admin), "
        "or store one with `reviewdesk login`",
        EXIT_AUTH,
    )


def credential_for_route(route: Route, command_server: str) -> Credential | None:
    """A credential of `route`'s identity for `route`'s server, or None. The environment's
    credentials belong to the server of this command (`command_server`); the keyring's to the
    server they were stored for. A credential is never sent to another server."""
    from reviewdesk import keychain
    from reviewdesk.api.auth import AdminKey, ReviewerToken
    from reviewdesk.api.errors import AuthError
    from reviewdesk.domain.route import ADMIN

    want_admin = route.identity == ADMIN
    candidates: list[str | None] = []
    if route.server == command_server:
        candidates.append(os.environ.get("REVIEWDESK_ADMIN_KEY" if want_admin else "REVIEWDESK_TOKEN"))
    with contextlib.suppress(keychain.KeyringUnavailable):
        kind = keychain.ADMIN_KEY if want_admin else keychain.REVIEWER_TOKEN
        candidates.append(keychain.load(kind, route.server))
    for secret in candidates:
        if not secret:
            continue
        try:
            credential: Credential = AdminKey(secret) if want_admin else ReviewerToken.parse(secret)
        except AuthError:
            continue
        if credential.identity == route.identity:
            return credential
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """`data` to `path` whole or not at all, owner-only (reviewdesk/atomic.py)."""
    from reviewdesk.atomic import write_atomic

    try:
        write_atomic(path, data)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}", 5) from None


def parse_info(pairs: Sequence[str]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--info takes KEY=VALUE, got {pair!r}")
        info[key.strip()] = value
    return info


ENV_VARS = {True: "REVIEWDESK_ADMIN_KEY", False: "REVIEWDESK_TOKEN"}


def env_hint(var: str) -> str:
    return (
        f"give it in the environment variable {var} instead, typed without echo so that no shell "
        f"history keeps it: `read -rs {var} && export {var}`"
    )
