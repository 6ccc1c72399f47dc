"""What every review source offers: the one small interface the window, the image pipeline, the
history and the outbox are written against.

A *source* is a vendor's API seen as a queue of items to review: Dyneti card scans (the Reviews
API), Jumio Netverify transactions, Preventor IDV tickets. An item lists its images, fetches one,
fetches its details, and takes a decision, either by sending it to the vendor (the Reviews API's
feedback shortcodes) or, where the vendor has no endpoint for it, by keeping it locally (Jumio,
Preventor): `Source.remote_decisions` tells which.

Items are identified across sources by an `ItemKey` ("jumio:REF"); a Dyneti scan's key is its bare
scan id, so queues and outboxes made before there were sources keep their meaning.

Pure Python, no Qt, no HTTP here: each source's module brings its client (under `reviewdesk.api`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reviewdesk.errors import EXIT_AUTH, EXIT_NETWORK, EXIT_NOT_FOUND, Error

DEFAULT_SOURCE = "dyneti"
SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class ItemKey:
    """Which source an item comes from, and its id there."""

    source: str
    item_id: str

    def __str__(self) -> str:
        return self.item_id if self.source == DEFAULT_SOURCE else f"{self.source}{SEPARATOR}{self.item_id}"

    @classmethod
    def parse(cls, text: str, known: Sequence[str] = ()) -> ItemKey:
        """ "jumio:abc" -> (jumio, abc) when "jumio" is a known source; anything else is a Dyneti scan."""
        head, sep, rest = text.partition(SEPARATOR)
        if sep and rest and head in known and head != DEFAULT_SOURCE:
            return cls(head, rest)
        return cls(DEFAULT_SOURCE, text)


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One image of an item: `key` is stable and unique within the item ("front", "liveness-3",
    "page-2"); `label` is what the window shows; `group` puts images side by side ("document"
    images together, "liveness" as a filmstrip in `order`)."""

    key: str
    label: str
    group: str = "main"
    order: int = 0


@dataclass(frozen=True, slots=True)
class DetailNode:
    """One line of an item's details: a label and a value, or a label and children (a section)."""

    label: str
    value: str = ""
    children: tuple[DetailNode, ...] = ()
    level: str = ""  # "", "ok", "warn", "bad": how the window may colour the value


@dataclass(frozen=True, slots=True)
class Details:
    """An item's details as a tree, plus a one-line summary for the list; `state` is the vendor's
    processing state ("DONE", "PENDING"...) and `next_poll` a wall-clock time (epoch seconds) when
    a still-pending item is asked again, if any."""

    summary: str
    tree: tuple[DetailNode, ...] = ()
    state: str = ""
    next_poll: float | None = None
    facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DecisionOption:
    """A decision a source takes: `code` is what is stored and sent (a shortcode, or a local code
    such as "reject_fraud"), `group` one of "approve", "deny" (reject), "no_action" (escalate)."""

    code: str
    group: str
    description: str


class SourceError(Error):
    """A source could not answer: `message` is for the reviewer, plain text, no secret in it;
    `exit_code` for the command line (3 auth, 4 not found, 5 network or server). `transient`: the
    server was busy or could not be reached, and asking again later may work (the window does, by
    itself); `reason` says what went wrong in a few words ("Server error 503")."""

    def __init__(
        self, message: str, exit_code: int = EXIT_NETWORK, *, transient: bool = False, reason: str = ""
    ) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.transient = transient
        self.reason = reason or message


# What `Source.fetch_image` may raise besides a plain SourceError: the states of an image the
# window's image pipeline treats each in its own way (ui/image_service.py, docs/ARCHITECTURE.md).


class ImageNotYetError(SourceError):
    """No image (yet). `told`: the vendor says it is on its way (Dyneti's UPLOADING): asked again
    with backoff while the item is shown. Not told (a bare 404): looked at again a few times, then
    shown as not found."""

    def __init__(self, message: str, *, told: bool) -> None:
        super().__init__(message, EXIT_NOT_FOUND)
        self.told = told


class ImageMissingError(SourceError):
    """The item has no such image, for good (remembered; a retry asks again)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_NOT_FOUND)


class ImageTooLargeError(SourceError):
    """The image is too large to fetch or decode safely (remembered)."""


class SourceAuthError(SourceError):
    """The credential was refused. `credential` identifies it when the window can ask for a new one
    (Dyneti's sign-in: the prompt comes once per credential); None when it cannot (Jumio and
    Preventor keep theirs in the keyring or the environment): the message says what to do."""

    def __init__(self, message: str, *, credential: object | None = None) -> None:
        super().__init__(message, EXIT_AUTH)
        self.credential = credential


@runtime_checkable
class Source(Protocol):
    name: str  # "dyneti", "jumio", "preventor": the prefix of its item keys
    label: str  # "Dyneti scan", "Jumio transaction"
    remote_decisions: bool  # True: decisions go to the vendor; False: kept locally

    def decisions(self) -> Sequence[DecisionOption]: ...

    async def images(self, item_id: str) -> Sequence[ImageRef]: ...

    async def fetch_image(self, item_id: str, ref: ImageRef) -> bytes: ...

    async def details(self, item_id: str) -> Details: ...
