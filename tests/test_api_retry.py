"""Every request retries transient failures, honours Retry-After and gives up at its deadline;
every answer is read with a limit (issue 11, issue 12 items 1-2). Real sockets: the simulator,
and a hostile raw-socket server."""

from __future__ import annotations

import json
import logging
import time

import pytest

from reviewdesk import limits
from reviewdesk.api import errors as e
from reviewdesk.api.auth import AdminKey, ReviewerToken
from reviewdesk.api.images import ImageResolver
from reviewdesk.api.presigned import PresignedURL
from reviewdesk.api.retry import NO_RETRY, RetryPolicy
from reviewdesk.api.reviews import ReviewsClient
from support.odd_server import OddServer, endless, response, streamed

KEY = "hostile-key"
FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)


def statuses(sim, path: str) -> list[int]:
    return [status for _, p, status in sim.requests_log() if p == path or p.startswith(path)]


@pytest.mark.parametrize(
    ("path", "call"),
    [
        ("/reviews/authorize", lambda c, r: c["admin"].authorize("ana")),
        ("/reviews/image", lambda c, r: c["admin"].image_info("ready-1")),
        ("/reviews/image/", lambda c, r: c["admin"].image_jpeg("ready-1")),
        ("/reviews/b", lambda c, r: c["reviewer"].temporary_url("ready-1")),
        ("/blackout-images/", lambda c, r: r.fetch("ready-1")),
    ],
    ids=["authorize", "image-link", "jpeg", "reviews-b", "download"],
)
async def test_one_503_with_retry_after_is_waited_for_and_retried(sim, path, call) -> None:
    sim.config.unavailable = {path: 1}
    sim.config.unavailable_retry_after = 0.4
    admin = ReviewsClient(sim.base_url, AdminKey(sim.config.admin_key))
    reviewer = ReviewsClient(sim.base_url, ReviewerToken.parse(sim.mint_token("rita")))
    resolver = ImageResolver(reviewer)
    if path == "/blackout-images/":
        await resolver.info("ready-1")  # the link first, so that the 503 falls on the download
    try:
        start = time.monotonic()
        result = await call({"admin": admin, "reviewer": reviewer}, resolver)
        took = time.monotonic() - start
    finally:
        await admin.aclose()
        await reviewer.aclose()
    assert result
    assert statuses(sim, path)[:2] == [503, 200]
    assert 0.4 <= took < 3.0  # the wait the server asked for, not a guess of ours


async def test_a_retry_after_longer_than_a_request_waits_fails_at_once_and_says_when(sim) -> None:
    sim.config.unavailable = {"/reviews/authorize": 5}
    sim.config.unavailable_retry_after = 120
    async with ReviewsClient(sim.base_url, AdminKey(sim.config.admin_key)) as client:
        start = time.monotonic()
        with pytest.raises(e.ServerError, match="asked to wait 120 s"):
            await client.authorize("ana")
    assert time.monotonic() - start < 2 and statuses(sim, "/reviews/authorize") == [503]


async def test_retries_give_up_at_the_overall_deadline(sim) -> None:
    sim.config.failure_rate = 1.0  # every answer a 503 with Retry-After: 1
    async with ReviewsClient(sim.base_url, AdminKey(sim.config.admin_key), api_deadline=2.5) as client:
        start = time.monotonic()
        with pytest.raises(e.ServerError, match=r"gave up after 3 tries"):
            await client.authorize("ana")
    assert time.monotonic() - start < 3.0


async def test_a_dropped_server_is_retried_with_jitter_and_a_500_is_not(sim) -> None:
    async with ReviewsClient(sim.base_url, AdminKey(sim.config.admin_key), retry=FAST) as client:
        with pytest.raises(e.ServerError):
            await client.image_info("error500-1")
        assert statuses(sim, "/reviews/image") == [500]  # a 500 is an answer: not tried again
        sim.stop()
        with pytest.raises(e.NetworkError, match=r"cannot reach.*gave up after 6 tries"):
            await client.authorize("ana")


async def test_a_server_dribbling_a_byte_at_a_time_is_given_up_at_the_deadline() -> None:
    body = json.dumps({"token": "x" * 400}).encode()
    with OddServer() as srv:
        srv.routes["/reviews/authorize"] = lambda *_: streamed(
            200, (body[i : i + 1] for i in range(len(body))), {"Content-Type": "application/json"}, 0.2
        )
        async with ReviewsClient(srv.base_url, AdminKey(KEY), api_deadline=1.0, retry=NO_RETRY) as client:
            start = time.monotonic()
            with pytest.raises(e.TimeoutError_, match="took longer than 1 s"):
                await client.authorize("ana")
            assert time.monotonic() - start < 2.0


async def test_an_image_host_dribbling_is_given_up_at_the_image_deadline() -> None:
    with OddServer() as srv:
        srv.routes["/img.jpg"] = lambda *_: streamed(200, endless(b"\xff", 10_000), {}, 0.2)
        url = PresignedURL.parse(f"{srv.base_url}/img.jpg?X-Amz-Date=20990101T000000Z&X-Amz-Expires=60")
        async with ReviewsClient(srv.base_url, AdminKey(KEY), image_deadline=1.0, retry=NO_RETRY) as client:
            start = time.monotonic()
            with pytest.raises(
                e.TimeoutError_, match="downloading the image of scan s1 took longer than 1 s"
            ):
                await client.download(url, "s1")
            assert time.monotonic() - start < 2.0


HUGE = 256 * 1024 * 1024  # what the hostile server offers; the client must stop long before
READ_AHEAD = 16 * 1024 * 1024  # socket buffers: what the server may have pushed beyond the client's read


async def test_a_huge_json_answer_is_cut_off_at_its_limit() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/authorize"] = lambda *_: streamed(
            200, endless(b'{"token": "' + b"x" * 65536, HUGE), {"Content-Type": "application/json"}
        )
        async with ReviewsClient(srv.base_url, AdminKey(KEY), retry=NO_RETRY) as client:
            with pytest.raises(e.ResponseTooLargeError, match="larger than 1 MiB"):
                await client.authorize("ana")
        assert srv.wait_hung_up("/reviews/authorize")  # the client stopped reading and hung up
    assert srv.sent["/reviews/authorize"] < limits.MAX_JSON_BYTES + READ_AHEAD


async def test_a_huge_error_body_is_read_only_in_part_and_the_status_still_speaks() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/image"] = lambda *_: streamed(500, endless(b"E" * 65536, HUGE))
        async with ReviewsClient(srv.base_url, AdminKey(KEY), retry=NO_RETRY) as client:
            with pytest.raises(e.ServerError, match="server error 500"):
                await client.image_info("s1")
        assert srv.wait_hung_up("/reviews/image")
    assert srv.sent["/reviews/image"] < limits.MAX_ERROR_BODY_BYTES + READ_AHEAD


async def test_a_huge_403_from_the_image_host_is_read_once_and_capped() -> None:
    with OddServer() as srv:
        srv.routes["/img.jpg"] = lambda *_: streamed(403, endless(b"<Error>" + b"A" * 65536, HUGE))
        url = PresignedURL.parse(f"{srv.base_url}/img.jpg?X-Amz-Date=20990101T000000Z&X-Amz-Expires=60")
        async with ReviewsClient(srv.base_url, AdminKey(KEY), retry=NO_RETRY) as client:
            with pytest.raises(e.ImageURLRejectedError):
                await client.download(url, "s1")
        assert srv.wait_hung_up("/img.jpg")
    assert [target for _, target, _ in srv.seen].count(
        "/img.jpg?X-Amz-Date=20990101T000000Z&X-Amz-Expires=60"
    ) == 1
    assert srv.sent["/img.jpg"] < limits.MAX_ERROR_BODY_BYTES + READ_AHEAD


async def test_an_html_page_for_a_feedback_answer_is_not_a_delivery(sim) -> None:
    sim.config.html_feedback = 1
    async with ReviewsClient(sim.base_url, ReviewerToken.parse(sim.mint_token("rita"))) as client:
        with pytest.raises(e.UnexpectedAnswerError, match="unexpected answer from 127.0.0.1"):
            await client.send_feedback("ready-1", "approved")
        assert sim.feedback() == []  # the portal took it, the API did not
        await client.send_feedback("ready-1", "approved")
    assert [r.scan_id for r in sim.feedback()] == ["ready-1"]


def test_odd_server_answers_plainly(tmp_path) -> None:
    """The raw server itself: a canned answer goes out whole (a baseline for the streamed ones)."""
    import urllib.request

    with OddServer() as srv:
        srv.routes["/x"] = lambda *_: response(200, b"hello")
        assert urllib.request.urlopen(f"{srv.base_url}/x", timeout=5).read() == b"hello"


def test_one_command_gives_up_at_its_deadline(monkeypatch, capsys, data_dir) -> None:
    """`reviewdesk url` against a server that dribbles: the command's own deadline ends it (the
    deadline shortened here; by default it is limits.COMMAND_DEADLINE)."""
    from reviewdesk import cli

    body = json.dumps({"imageSrc": "https://x.invalid/a.jpg", "status": "READY"}).encode()
    with OddServer() as srv:
        srv.routes["/reviews/image"] = lambda *_: streamed(
            200, (body[i : i + 1] for i in range(len(body))), {}, 0.3
        )
        monkeypatch.setattr(limits, "COMMAND_DEADLINE", 1.0)
        monkeypatch.setenv("REVIEWDESK_ADMIN_KEY", KEY)
        handlers = list(logging.getLogger().handlers)
        start = time.monotonic()
        try:
            code = cli.main(["--base-url", srv.base_url, "url", "s1"])
        finally:  # main() adds a handler on this test's captured stderr: not for the tests after
            for handler in logging.getLogger().handlers[:]:
                if handler not in handlers:
                    logging.getLogger().removeHandler(handler)
        took = time.monotonic() - start
    assert code == 5 and took < 3.0
    assert "gave up after 1 s" in capsys.readouterr().err
