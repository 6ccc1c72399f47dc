"""DynetiSource against the simulator over loopback: the Reviews API's image states become the
source interface's (sources/base.py), and the registry tells which source an item comes from."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from reviewdesk.api.auth import AdminKey, ReviewerToken
from reviewdesk.api.images import ImageResolver
from reviewdesk.api.reviews import ReviewsClient
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from reviewdesk.sources.base import (
    ImageMissingError,
    ImageNotYetError,
    ItemKey,
    Source,
    SourceAuthError,
    SourceError,
)
from reviewdesk.sources.dyneti import FRONT, DynetiSource
from reviewdesk.sources.registry import SourceRegistry


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(uploading_seconds=60.0, seed=3)) as server:
        yield server


def fetch(sim: SimServer, scan_id: str, *, reviewer: bool = False, admin_key: str | None = None) -> bytes:
    async def go() -> bytes:
        credential = (
            ReviewerToken.parse(sim.mint_token("tester"))
            if reviewer
            else AdminKey(admin_key or sim.config.admin_key)
        )
        async with ReviewsClient(sim.base_url, credential) as client:
            resolver = ImageResolver(client)
            source = DynetiSource(lambda: resolver)
            assert [r.key for r in await source.images(scan_id)] == ["front"]
            return await source.fetch_image(scan_id, FRONT)

    return asyncio.run(go())


def test_a_ready_scan_gives_its_image(sim):
    assert fetch(sim, "ready-s1")[:2] == b"\xff\xd8"


def test_uploading_is_an_image_not_yet_there_that_is_told(sim):
    with pytest.raises(ImageNotYetError) as caught:
        fetch(sim, "uploading-s2")
    assert caught.value.told


def test_a_missing_image_for_an_admin_is_missing_for_good(sim):
    with pytest.raises(ImageMissingError):
        fetch(sim, "missing-s3")


def test_a_bare_404_for_a_reviewer_is_not_yet_and_not_told(sim):
    with pytest.raises(ImageNotYetError) as caught:
        fetch(sim, "missing-s4", reviewer=True)
    assert not caught.value.told


def test_a_refused_credential_names_the_credential_for_the_sign_in_prompt(sim):
    with pytest.raises(SourceAuthError) as caught:
        fetch(sim, "ready-s5", admin_key="not-the-admin-key")
    assert caught.value.credential is not None and caught.value.exit_code == 3


def test_signed_out_says_so():
    source = DynetiSource(lambda: None)
    with pytest.raises(SourceError, match="Not signed in"):
        asyncio.run(source.fetch_image("ready-x", FRONT))


def test_the_registry_tells_the_source_of_an_item():
    dyneti = DynetiSource(lambda: None)
    registry = SourceRegistry(dyneti)
    assert isinstance(dyneti, Source)
    assert registry.source_of("abc") == (dyneti, "abc")
    assert registry.key_of("jumio:REF-1") == ItemKey("jumio", "REF-1")
    assert str(registry.key_of("jumio:document:R2")) == "jumio:document:R2"
    assert registry.key_of("preventor:T9") == ItemKey("preventor", "T9")
    # Jumio is not configured here: its items keep their meaning, and have no source.
    assert registry.source_of("jumio:REF-1") == (None, "REF-1")
    assert registry.label_of("jumio:REF-1") == "Jumio" and registry.label_of("s1") == "Dyneti"
    assert registry.key_of("urn:x") == ItemKey("dyneti", "urn:x")  # an unknown prefix is a scan id
