"""Dyneti's Reviews API as a review source: one image per scan (the blackout image), the card facts
as its details, the feedback shortcodes as its decisions, sent to Dyneti (`remote_decisions`).

Item ids are bare scan ids. The session's `ImageResolver` (api/images.py) is asked for on every
fetch (`resolver_provider`), so a new sign-in is picked up without telling the source; it keeps the
presigned URLs and refreshes them before they expire, and once after the storage refuses one.

What the Reviews API says about a missing image becomes the image states of sources/base.py, so the
window's image pipeline treats them without knowing the Reviews API (docs/REVIEWS_API.md):
`UPLOADING` is `ImageNotYetError(told=True)`, `FILENOTFOUND` is `ImageMissingError`, and a bare 404
(a reviewer session is often not told the status) is `ImageNotYetError(told=False)`, after an admin
session has asked the status once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from reviewdesk.api import errors as e
from reviewdesk.domain import shortcodes
from reviewdesk.domain.scan import CARD_FACTS
from reviewdesk.sources.base import (
    DEFAULT_SOURCE,
    DecisionOption,
    DetailNode,
    Details,
    ImageMissingError,
    ImageNotYetError,
    ImageRef,
    SourceError,
)
from reviewdesk.sources.errors import from_api

if TYPE_CHECKING:
    from reviewdesk.api.images import ImageResolver

NAME = DEFAULT_SOURCE
#: The one image of a scan: the redacted card ("blackout image").
FRONT = ImageRef("front", "Blackout image")
NOT_SIGNED_IN = "Not signed in: sign in to see images"


class DynetiSource:
    name = NAME
    label = "Dyneti scan"
    remote_decisions = True
    #: The images every item has, known without asking the server: the window shows (and paints
    #: from its cache) at once, with no listing round trip.
    fixed_images: tuple[ImageRef, ...] = (FRONT,)

    def __init__(
        self,
        resolver_provider: Callable[[], ImageResolver | None],
        *,
        facts: Callable[[str], Mapping[str, str] | None] | None = None,
    ) -> None:
        self._provider = resolver_provider
        self._facts = facts
        #: Admin sessions: the tight crop (`/reviews/image/{id}.jpg?tight=true`) instead.
        self.tight = False

    def decisions(self) -> Sequence[DecisionOption]:
        return tuple(
            DecisionOption(s.code, s.group.value, s.description) for s in shortcodes.all_shortcodes()
        )

    async def images(self, item_id: str) -> Sequence[ImageRef]:
        return self.fixed_images

    def forget(self, item_id: str) -> None:
        """Fetch from a fresh presigned URL next time."""
        resolver = self._provider()
        if resolver is not None:
            resolver.forget(item_id)

    async def fetch_image(self, item_id: str, ref: ImageRef) -> bytes:
        if ref.key != FRONT.key:
            raise ImageMissingError(f"scan {item_id} has no image {ref.key!r}")
        resolver = self._provider()
        if resolver is None:
            raise SourceError(NOT_SIGNED_IN, e.EXIT_AUTH)
        try:
            client = resolver.client
            if self.tight and client.is_admin:
                return await client.image_jpeg(item_id, tight=True)
            return (await resolver.fetch(item_id)).data
        except e.ImageNotAvailableError as exc:
            status = exc.image_status or await self._status_after_404(resolver, item_id)
            if status == "UPLOADING":
                raise ImageNotYetError(str(exc), told=True) from None
            if status == "FILENOTFOUND":
                raise ImageMissingError(str(exc)) from None
            raise ImageNotYetError(str(exc), told=False) from None
        except e.ReviewDeskError as exc:
            raise from_api(exc, credential=resolver) from None

    async def _status_after_404(self, resolver: ImageResolver, item_id: str) -> str | None:
        """After a 404 that does not say why: an admin may ask the status (UPLOADING or missing)."""
        if not resolver.client.is_admin:
            return None
        try:
            return (await resolver.info(item_id, refresh=True)).status
        except e.ReviewDeskError:
            return None

    async def details(self, item_id: str) -> Details:
        """The card facts the queue knows for the scan (the Reviews API has no details endpoint)."""
        facts = dict((self._facts(item_id) if self._facts else None) or {})
        tree = tuple(DetailNode(label, facts[key]) for key, label in CARD_FACTS if facts.get(key))
        return Details(f"Dyneti scan {item_id}", tree, facts=facts)
