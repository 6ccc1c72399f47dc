"""Secrets in the OS keyring, never in a plain file.

Where no keyring backend exists (a headless Linux box) the calls say so with KeyringUnavailable
and the caller keeps the secret in memory for the session only. These calls block: from a
running event loop, run them in an executor thread.
"""

from __future__ import annotations

from reviewdesk.errors import EXIT_AUTH, Error

SERVICE = "ReviewDesk"
ADMIN_KEY = "admin-key"
REVIEWER_TOKEN = "reviewer-token"


class KeyringUnavailable(Error, RuntimeError):
    """No OS keyring here (or it refused): the secret stays in memory, or comes from the
    environment."""

    exit_code = EXIT_AUTH


def _account(kind: str, base_url: str) -> str:
    return f"{kind}@{base_url.rstrip('/')}"


def _keyring():  # type: ignore[no-untyped-def]
    try:
        import keyring
        from keyring.backends import fail
    except Exception as exc:  # pragma: no cover - broken installs
        raise KeyringUnavailable(f"the keyring module cannot load ({type(exc).__name__})") from None
    try:
        backend = keyring.get_keyring()
        # `priority` is computed on each read by some backends (D-Bus on Linux) and may raise.
        usable = not isinstance(backend, fail.Keyring) and backend.priority > 0
    except Exception as exc:
        raise KeyringUnavailable(f"the OS keyring is not usable ({type(exc).__name__})") from None
    if not usable:
        raise KeyringUnavailable("no OS keyring is available on this machine")
    return keyring


def backend_name() -> str | None:
    """The keyring backend in use, or None if there is none."""
    try:
        return type(_keyring().get_keyring()).__name__
    except KeyringUnavailable:
        return None


def load(kind: str, base_url: str) -> str | None:
    kr = _keyring()
    try:
        return kr.get_password(SERVICE, _account(kind, base_url))
    except Exception as exc:
        raise KeyringUnavailable(f"the keyring could not be read ({type(exc).__name__})") from None


def store(kind: str, base_url: str, secret: str) -> None:
    kr = _keyring()
    try:
        kr.set_password(SERVICE, _account(kind, base_url), secret)
    except Exception as exc:
        raise KeyringUnavailable(f"the keyring could not be written ({type(exc).__name__})") from None


def delete(kind: str, base_url: str) -> None:
    kr = _keyring()
    try:
        kr.delete_password(SERVICE, _account(kind, base_url))
    except Exception:  # absent already: nothing to delete
        return
