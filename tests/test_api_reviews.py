"""The Reviews API client against the simulator over real loopback sockets."""

from __future__ import annotations

import time

import pytest

from reviewdesk.api import errors as e
from reviewdesk.api.auth import AdminKey, ReviewerToken
from reviewdesk.api.images import ImageResolver
from reviewdesk.api.retry import NO_RETRY, RetryPolicy
from reviewdesk.api.reviews import ReviewsClient

JPEG_SOI = b"\xff\xd8"


def admin(sim, **kw) -> ReviewsClient:
    return ReviewsClient(sim.base_url, AdminKey(sim.config.admin_key), **kw)


def reviewer(sim, lifetime: float | None = None, **kw) -> ReviewsClient:
    return ReviewsClient(sim.base_url, ReviewerToken.parse(sim.mint_token("rita", lifetime)), **kw)


def api_calls(sim, path: str) -> list[tuple[str, str, int]]:
    return [r for r in sim.requests_log() if r[1] == path]


# -- admin flavour -----------------------------------------------------------------------------


async def test_admin_mints_a_reviewer_token_that_the_server_accepts(sim) -> None:
    async with admin(sim) as client:
        token = await client.authorize("review1")
    parsed = ReviewerToken.parse(token)
    assert parsed.reviewer == "review1"
    assert 3500 < parsed.seconds_left() <= 3600
    async with ReviewsClient(sim.base_url, parsed) as client:
        info = await client.temporary_url("ready-1")
    assert info.url.url.startswith(sim.base_url)


async def test_admin_image_url_has_status_and_expiry(sim) -> None:
    async with admin(sim) as client:
        ready = await client.image_info("ready-1", expires_in=600)
        missing = await client.image_info("missing-1")
        uploading = await client.image_info("uploading-1")
    assert (ready.status, missing.status, uploading.status) == ("READY", "FILENOTFOUND", "UPLOADING")
    assert 590 <= ready.url.seconds_left() <= 601
    assert missing.url.url  # imageSrc is always defined, even for a missing image


async def test_admin_jpeg_endpoint_and_tight_crop(sim) -> None:
    async with admin(sim) as client:
        full = await client.image_jpeg("ready-7")
        tight = await client.image_jpeg("ready-7", tight=True)
        only_tight = await client.image_jpeg("tight-7")
        with pytest.raises(e.ImageNotAvailableError) as info:
            await client.image_jpeg("missing-7")
    assert full.startswith(JPEG_SOI) and tight.startswith(JPEG_SOI) and only_tight.startswith(JPEG_SOI)
    assert full != tight
    assert info.value.exit_code == e.EXIT_NOT_FOUND


@pytest.mark.parametrize("mode", ["reviewer-id", "review-id", "both"])
async def test_admin_key_reaches_servers_that_read_either_header(sim, mode: str) -> None:
    sim.config.admin_header_mode = mode
    async with admin(sim) as client:
        assert await client.authorize("x")
        await client.send_feedback("ready-2", "approved", {"k": "v"})
    assert sim.feedback()[-1].auth_kind == "admin"


async def test_wrong_admin_key_is_403_and_never_echoed(sim) -> None:
    async with ReviewsClient(sim.base_url, AdminKey("not-the-key-xyz")) as client:
        with pytest.raises(e.ForbiddenError) as info:
            await client.authorize("x")
    assert "not-the-key-xyz" not in str(info.value)
    assert info.value.exit_code == e.EXIT_AUTH


# -- reviewer flavour --------------------------------------------------------------------------


async def test_reviewer_gets_a_temporary_url_and_downloads_without_sending_credentials(sim) -> None:
    async with reviewer(sim) as client:
        info = await client.temporary_url("ready-3")
        data = await client.download(info.url, "ready-3")
    assert info.status is None  # /reviews/b documents only imageSrc
    assert data.startswith(JPEG_SOI)
    assert "X-Amz-Signature" not in str(info.url) and "X-Amz-Signature" not in repr(info.url)


async def test_b_endpoint_falls_back_to_post_once_and_remembers(sim) -> None:
    sim.config.b_verb_mode = "post"
    async with reviewer(sim) as client:
        for scan in ("ready-1", "ready-2", "ready-3"):
            await client.temporary_url(scan)
    verbs = [(m, s) for m, _, s in api_calls(sim, "/reviews/b")]
    assert verbs == [("GET", 405), ("POST", 200), ("POST", 200), ("POST", 200)]


async def test_b_endpoint_get_only_server(sim) -> None:
    sim.config.b_verb_mode = "get"
    async with reviewer(sim) as client:
        await client.temporary_url("ready-1")
    assert [m for m, _, _ in api_calls(sim, "/reviews/b")] == ["GET"]


async def test_bearer_is_sent_without_colon(sim) -> None:
    sim.config.bearer_colon_form_accepted = False  # a strict server: only "Bearer <token>"
    async with reviewer(sim) as client:
        await client.send_feedback("ready-4", "denied_fake_card", {"note": "n"})
    record = sim.feedback()[-1]
    assert (record.auth_kind, record.reviewer, record.shortcode) == ("reviewer", "rita", "denied_fake_card")
    assert record.annotation_info == {"note": "n"}


async def test_missing_status_lets_the_download_decide(sim) -> None:
    async with reviewer(sim) as client:
        resolver = ImageResolver(client)
        ok = await resolver.fetch("ready-5")
        with pytest.raises(e.ImageNotAvailableError) as info:
            await resolver.fetch("missing-5")
    assert ok.data.startswith(JPEG_SOI) and ok.status is None
    assert info.value.image_status is None


async def test_status_when_present_spares_the_download(sim) -> None:
    sim.config.b_includes_status = True
    async with reviewer(sim) as client:
        with pytest.raises(e.ImageNotAvailableError) as info:
            await ImageResolver(client).fetch("missing-6")
    assert info.value.image_status == "FILENOTFOUND"
    assert not [r for r in sim.requests_log() if r[1].startswith("/blackout-images/")]


async def test_uploading_becomes_ready(sim) -> None:
    sim.config.uploading_seconds = 0.3
    async with admin(sim) as client:
        resolver = ImageResolver(client)
        with pytest.raises(e.ImageNotAvailableError) as info:
            await resolver.fetch("uploading-9")
        assert info.value.image_status == "UPLOADING"
        deadline = time.monotonic() + 5
        while True:
            try:
                image = await resolver.fetch("uploading-9")
                break
            except e.ImageNotAvailableError:
                assert time.monotonic() < deadline
                await __import__("asyncio").sleep(0.1)
    assert image.data.startswith(JPEG_SOI) and image.status == "READY"


# -- expiry ------------------------------------------------------------------------------------


async def test_expired_token_is_refused_before_anything_is_sent(sim) -> None:
    async with reviewer(sim, clock=lambda: time.time() + 7200) as client:
        with pytest.raises(e.TokenExpiredError) as info:
            await client.send_feedback("ready-1", "approved")
    assert "rita" in str(info.value) and "sign in" in str(info.value)
    assert not api_calls(sim, "/reviews/feedback")


async def test_token_the_server_considers_expired_gives_403(sim) -> None:
    async with reviewer(sim, lifetime=60) as client:
        sim.config.clock_offset = 120
        with pytest.raises(e.ForbiddenError) as info:
            await client.temporary_url("ready-1")
    assert client.credential is not None
    assert client.credential.token not in str(info.value)  # type: ignore[union-attr]


async def test_url_is_refreshed_before_it_expires(sim) -> None:
    sim.config.url_lifetime = 120
    now = [time.time()]
    async with reviewer(sim, clock=lambda: now[0]) as client:
        resolver = ImageResolver(client, margin=60)
        await resolver.fetch("ready-1")
        await resolver.fetch("ready-1")  # fresh: reused
        assert len(api_calls(sim, "/reviews/b")) == 1
        now[0] += 70  # within the refresh margin of its 120 s
        await resolver.fetch("ready-1")
    assert len(api_calls(sim, "/reviews/b")) == 2


async def test_url_expired_at_the_host_is_refreshed_once_after_403(sim) -> None:
    async with reviewer(sim, lifetime=7200) as client:
        resolver = ImageResolver(client)
        await resolver.fetch("ready-2")
        sim.config.clock_offset = 3700  # an hour later for the server; the cached URL has expired
        image = await resolver.fetch("ready-2")
    assert image.data.startswith(JPEG_SOI)
    host = [s for _, p, s in sim.requests_log() if p.startswith("/blackout-images/")]
    assert host == [200, 403, 200]


@pytest.mark.parametrize("style", ["sigv4", "sigv2"])
async def test_expiry_is_read_from_either_url_style(sim, style: str) -> None:
    sim.config.url_style = style
    sim.config.url_lifetime = 900
    async with reviewer(sim) as client:
        info = await client.temporary_url("ready-1")
    assert 880 <= info.url.seconds_left() <= 901


# -- errors ------------------------------------------------------------------------------------


async def test_400_from_feedback_is_a_bad_request_with_the_server_message(sim) -> None:
    sim.config.fail_feedback_codes = {"ready-bad": 400}
    async with reviewer(sim) as client:
        with pytest.raises(e.BadRequestError) as info:
            await client.send_feedback("ready-bad", "approved")
    assert "rejected" in str(info.value)


async def test_unknown_shortcode_is_refused_before_sending(sim) -> None:
    async with reviewer(sim) as client:
        with pytest.raises(e.UsageError, match="valid shortcodes are: approved, denied_bin_mismatch"):
            await client.send_feedback("ready-1", "ABC")
    assert not api_calls(sim, "/reviews/feedback")


async def test_404_for_a_wrong_base_path(sim) -> None:
    async with ReviewsClient(sim.base_url + "/nope", AdminKey(sim.config.admin_key)) as client:
        with pytest.raises(e.NotFoundError) as info:
            await client.authorize("x")
    assert info.value.exit_code == e.EXIT_NOT_FOUND


async def test_500_and_503_are_server_errors_and_retryable(sim) -> None:
    async with admin(sim, retry=NO_RETRY) as client:
        with pytest.raises(e.ServerError) as info:
            await client.image_info("error500-1")
        assert info.value.status == 500 and info.value.retryable
        sim.config.failure_rate = 1.0
        with pytest.raises(e.ServerError) as info:
            await client.authorize("x")
    assert info.value.status == 503 and info.value.retry_after == 1.0
    assert info.value.exit_code == e.EXIT_NETWORK


async def test_dropped_connection_is_a_network_error(sim) -> None:
    sim.config.drop_rate = 1.0
    async with reviewer(sim) as client:
        with pytest.raises(e.NetworkError) as info:
            await client.send_feedback("ready-1", "approved")
    assert info.value.retryable and info.value.exit_code == e.EXIT_NETWORK


async def test_server_down_is_a_network_error(sim) -> None:
    sim.stop()
    async with admin(sim, retry=RetryPolicy(base_delay=0.01, max_delay=0.02)) as client:
        with pytest.raises(e.NetworkError, match="cannot reach"):
            await client.authorize("x")


async def test_image_over_the_cap_is_refused(sim) -> None:
    async with admin(sim, max_image_bytes=1000) as client:
        with pytest.raises(e.ImageTooLargeError):
            await client.image_jpeg("ready-1")


@pytest.mark.parametrize("scan_id", ["", " x", "a" * 129, "bad\nid", "tab\tid"])
async def test_bad_scan_ids_never_reach_the_server(sim, scan_id: str) -> None:
    async with admin(sim) as client:
        with pytest.raises(e.UsageError, match="invalid scan id"):
            await client.image_info(scan_id)
    assert not sim.requests_log()


async def test_path_like_scan_id_cannot_change_the_request_path(sim) -> None:
    async with admin(sim) as client:
        data = await client.image_jpeg("../authorize")
    assert data.startswith(JPEG_SOI)
    assert not api_calls(sim, "/reviews/authorize")


async def test_proxy_settings_in_the_environment_are_ignored(sim, monkeypatch) -> None:
    # A proxy would see the token on a plain-http loopback URL: the client never uses one.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    async with reviewer(sim) as client:
        await client.send_feedback("ready-1", "approved")
    assert len(sim.feedback()) == 1


def test_admin_keys_with_invisible_characters_are_refused() -> None:
    from reviewdesk.api.errors import AuthError

    for bad in ("key\u200b", "k\u00e9y", "two words\n"):
        with pytest.raises(AuthError, match="invisible characters"):
            AdminKey(bad)


def test_base_url_with_credentials_is_refused() -> None:
    with pytest.raises(e.UsageError, match="user name or password"):
        ReviewsClient("https://user:pass@api.example.com", AdminKey("k-1234"))
