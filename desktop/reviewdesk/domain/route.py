"""Where a decision goes: the server it was made against and the identity it was made under.

A decision is delivered only to its own server, with a credential of its own identity: a
reviewer token of the same reviewer, or the admin key (docs/OUTBOX_ROUTING.md).
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN = "admin"
REVIEWER_PREFIX = "reviewer:"


def reviewer_identity(name: str) -> str:
    return REVIEWER_PREFIX + name


@dataclass(frozen=True, slots=True)
class Route:
    """`server`: the normalized base URL ('' when unknown); `identity`: "admin" or "reviewer:NAME"."""

    server: str = ""
    identity: str = ""

    @property
    def known(self) -> bool:
        return bool(self.server and self.identity)

    @property
    def who(self) -> str:
        """The identity as a person reads it: the reviewer's name, "admin", or "an unknown reviewer"."""
        if self.identity == ADMIN:
            return "admin"
        if self.identity.startswith(REVIEWER_PREFIX):
            return self.identity[len(REVIEWER_PREFIX) :]
        return "an unknown reviewer"

    @property
    def where(self) -> str:
        return self.server or "an unknown server"

    def describe(self) -> str:
        """`ana on https://api.example.com`."""
        return f"{self.who} on {self.where}"

    def sign_in_hint(self) -> str:
        if self.identity == ADMIN:
            return f"sign in with the admin key of {self.where} to send them"
        if self.identity.startswith(REVIEWER_PREFIX):
            return f"sign in as {self.who} on {self.where} to send them"
        return "made while signed out: sign in as the reviewer who made them and confirm them in the Outbox"


UNATTRIBUTED = Route("", "")
