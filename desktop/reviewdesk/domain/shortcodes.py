"""The 16 feedback shortcodes of the Reviews API, loaded once from `resources/shortcodes.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from reviewdesk.errors import EXIT_USAGE, Error
from reviewdesk.resources import resource_path


class Group(StrEnum):
    APPROVE = "approve"
    DENY = "deny"
    NO_ACTION = "no_action"

    @property
    def label(self) -> str:
        return {"approve": "Approve", "deny": "Deny", "no_action": "No action"}[self.value]


@dataclass(frozen=True, slots=True)
class Shortcode:
    code: str
    group: Group
    description: str


class UnknownShortcode(Error, ValueError):  # a ValueError too, as before
    exit_code = EXIT_USAGE

    def __init__(self, code: str) -> None:
        self.code = code
        valid = ", ".join(s.code for s in all_shortcodes())
        super().__init__(f"unknown shortcode {code!r}; valid shortcodes are: {valid}")


@cache
def all_shortcodes() -> tuple[Shortcode, ...]:
    data = json.loads(resource_path("shortcodes.json").read_text(encoding="utf-8"))
    return tuple(
        Shortcode(code=item["code"], group=Group(item["group"]), description=item["description"])
        for item in data["shortcodes"]
    )


def by_code() -> dict[str, Shortcode]:
    return {s.code: s for s in all_shortcodes()}


def get(code: str) -> Shortcode:
    """The shortcode named `code`, or UnknownShortcode listing the valid ones."""
    try:
        return by_code()[code]
    except KeyError:
        raise UnknownShortcode(code) from None


def in_group(group: Group) -> tuple[Shortcode, ...]:
    return tuple(s for s in all_shortcodes() if s.group is group)


def needs_image(code: str) -> bool:
    """Whether the decision is a judgement of the card in the image (approve, deny): made on a scan
    whose image was never shown, it asks for a second press. No-action reasons do not."""
    known = by_code().get(code)
    return known is not None and known.group is not Group.NO_ACTION
