"""The client against a server that misbehaves in ways the simulator does not: raw loopback HTTP.

Covers reviewdesk.api.reviews, reviewdesk.api.http, reviewdesk.api.presigned against a raw loopback server.
"""

from __future__ import annotations

import json

import httpx
import pytest

from reviewdesk.api import errors as e
from reviewdesk.api.auth import AdminKey, ReviewerToken
from reviewdesk.api.http import make_http_client
from reviewdesk.api.presigned import PresignedURL
from reviewdesk.api.retry import NO_RETRY
from reviewdesk.api.reviews import ReviewsClient
from support.odd_server import OddServer, response

KEY = "admin-key-that-must-stay-secret"
TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyZXZpZXJfaWQiOiJ0ZXN0aWQiLCJleHAiOjQxMDI0NDQ4MDB9."
    "c2lnbmF0dXJlLWlzLW5vdC1jaGVja2VkLWJ5LXRoZS1jbGllbnQ"
)


def jsonr(status: int, obj: object, **headers: str) -> bytes:
    return response(status, json.dumps(obj).encode(), {"Content-Type": "application/json", **headers})


def test_sample_token_of_the_test_is_valid() -> None:
    assert ReviewerToken.parse(TOKEN).reviewer == "testid"


async def test_redirect_to_another_host_is_refused() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/authorize"] = lambda *_: response(
            302, headers={"Location": f"http://localhost:{srv.port}/steal"}
        )
        async with ReviewsClient(srv.base_url, AdminKey(KEY)) as client:
            with pytest.raises(e.RedirectRefusedError, match="another host"):
                await client.authorize("x")
        assert [t for _, t, _ in srv.seen] == ["/reviews/authorize?reviewer=x"]


async def test_redirect_on_the_same_host_is_followed() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/authorize"] = lambda *_: response(302, headers={"Location": "/v2/authorize"})
        srv.routes["/v2/authorize"] = lambda *_: jsonr(200, {"token": TOKEN})
        async with ReviewsClient(srv.base_url, AdminKey(KEY)) as client:
            assert await client.authorize("x") == TOKEN


async def test_401_and_405_from_both_verbs_are_typed() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/feedback"] = lambda *_: jsonr(
            401, {"message": "Missing or bad authorization header"}
        )
        srv.routes["/reviews/b"] = lambda *_: response(405, headers={"Allow": "PUT"})
        async with ReviewsClient(srv.base_url, ReviewerToken.parse(TOKEN)) as client:
            with pytest.raises(e.UnauthorizedError) as info:
                await client.send_feedback("s1", "approved")
            assert "Missing or bad authorization header" in str(info.value)
            assert info.value.exit_code == e.EXIT_AUTH
            with pytest.raises(e.MethodNotAllowedError):
                await client.temporary_url("s1")
        assert [m for m, t, _ in srv.seen if t.startswith("/reviews/b")] == ["GET", "POST"]


async def test_429_carries_retry_after() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/feedback"] = lambda *_: jsonr(
            429, {"message": "slow down"}, **{"Retry-After": "7"}
        )
        async with ReviewsClient(srv.base_url, AdminKey(KEY)) as client:
            with pytest.raises(e.RateLimitedError) as info:
                await client.send_feedback("s1", "approved")
    assert info.value.retry_after == 7.0 and info.value.retryable


async def test_answers_that_are_not_json_are_protocol_errors() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/authorize"] = lambda *_: response(200, b"<html>login page</html>")
        srv.routes["/reviews/image"] = lambda *_: jsonr(200, {"status": "READY"})
        async with ReviewsClient(srv.base_url, AdminKey(KEY), retry=NO_RETRY) as client:
            with pytest.raises(e.UnexpectedAnswerError, match="unexpected answer from 127.0.0.1"):
                await client.authorize("x")
            with pytest.raises(e.ProtocolError, match="no imageSrc"):
                await client.image_info("s1")


async def test_plain_http_image_src_to_another_host_is_refused() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/b"] = lambda *_: jsonr(
            200, {"imageSrc": "http://images.example.com/x.jpg?sig=1"}
        )
        async with ReviewsClient(srv.base_url, ReviewerToken.parse(TOKEN)) as client:
            with pytest.raises(e.InsecureURLError) as info:
                await client.temporary_url("s1")
    assert "sig=1" not in str(info.value)


def test_plain_http_base_url_to_another_host_is_refused() -> None:
    with pytest.raises(e.InsecureURLError, match="only https"):
        ReviewsClient("http://api.example.com", AdminKey(KEY))


async def test_image_host_gets_no_credential_and_lying_length_is_refused() -> None:
    with OddServer() as srv:
        srv.routes["/img.jpg"] = lambda *_: response(200, b"\xff\xd8" + b"x" * 100, length=10**9)
        async with ReviewsClient(srv.base_url, ReviewerToken.parse(TOKEN)) as client:
            url = PresignedURL.parse(f"{srv.base_url}/img.jpg?X-Amz-Signature=abc")
            with pytest.raises(e.ImageTooLargeError):
                await client.download(url)
        ((_, _, headers),) = srv.seen
        assert "authorization" not in headers and "x-review-id" not in headers


async def test_a_server_that_never_answers_times_out() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/authorize"] = lambda *_: None
        http = make_http_client(timeout=httpx.Timeout(0.5))
        async with ReviewsClient(srv.base_url, AdminKey(KEY), http=http, retry=NO_RETRY) as client:
            with pytest.raises(e.TimeoutError_, match="timed out"):
                await client.authorize("x")
        await http.aclose()


async def test_server_error_text_is_redacted() -> None:
    with OddServer() as srv:
        srv.routes["/reviews/feedback"] = lambda *_: jsonr(
            500, {"message": f"bad key {KEY} for Bearer {TOKEN}"}
        )
        async with ReviewsClient(srv.base_url, AdminKey(KEY)) as client:
            with pytest.raises(e.ServerError) as info:
                await client.send_feedback("s1", "approved")
    assert KEY not in str(info.value) and TOKEN not in str(info.value)
    assert "server error 500" in str(info.value)


async def test_scan_id_is_percent_encoded_in_the_path_and_query() -> None:
    with OddServer() as srv:
        async with ReviewsClient(srv.base_url, AdminKey(KEY)) as client:
            with pytest.raises(e.ImageNotAvailableError):
                await client.image_jpeg("../authorize")
            with pytest.raises(e.NotFoundError):
                await client.image_info("a&b=c#d")
    targets = [t for _, t, _ in srv.seen]
    assert targets[0] == "/reviews/image/..%2Fauthorize.jpg"
    assert targets[1].startswith("/reviews/image?scanId=a%26b%3Dc%23d&")
