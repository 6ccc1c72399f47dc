"""The Reviews API simulator, over real loopback sockets (httpx), as a client would see it.

Covers the reviewdesk.sim package (app, routes, catalog, traits, runner) through HTTP.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from PIL import Image, UnidentifiedImageError

from reviewdesk.sim import cli
from reviewdesk.sim.app import create_app
from reviewdesk.sim.catalog import demo_catalog
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from reviewdesk.sim.traits import Kind, traits_of

KEY = "demo-admin-key"
ADMIN = {"X-REVIEWER-ID": KEY, "X-REVIEW-ID": KEY}
CARD_RATIO = 1.586
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=7, uploading_seconds=0.3)) as sim:
        yield sim


@pytest.fixture
def client(server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def image_url(client: httpx.Client, scan_id: str, **params: str) -> str:
    response = client.get("/reviews/image", params={"scanId": scan_id, **params}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return str(response.json()["imageSrc"])


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_card_ratio(image: Image.Image) -> None:
    assert image.width / image.height == pytest.approx(CARD_RATIO, rel=0.01)


def s3_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    match = re.search(r"<Code>(\w+)</Code>", response.text)
    assert match, response.text
    return match.group(1)


# -- /reviews/authorize and the JWT ------------------------------------------------------------


def test_authorize_returns_a_jwt_with_the_reference_claims(server: SimServer, client) -> None:
    response = client.get("/reviews/authorize", params={"reviewer": "alice"}, headers=ADMIN)
    assert response.status_code == 200
    token = response.json()["token"]
    claims = jwt.decode(token, server.config.jwt_secret, algorithms=["HS256"])
    assert set(claims) == {"revier_id", "review_account", "user_id", "authorizedFor_id", "iat", "exp"}
    assert claims["revier_id"] == "alice" and claims["review_account"] == "admin"
    assert isinstance(claims["user_id"], int) and isinstance(claims["authorizedFor_id"], str)
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 5


def test_authorize_uses_the_server_clock_and_lifetime(server: SimServer, client) -> None:
    server.config.token_lifetime = 60
    server.config.clock_offset = 1000
    token = client.get("/reviews/authorize", params={"reviewer": "a"}, headers=ADMIN).json()["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60
    assert abs(claims["iat"] - (time.time() + 1000)) < 5
    minted = jwt.decode(server.mint_token("rita", lifetime=90), options={"verify_signature": False})
    assert minted["revier_id"] == "rita" and minted["exp"] - minted["iat"] == 90


@pytest.mark.parametrize(
    ("headers", "params", "status"),
    [
        ({}, {"reviewer": "a"}, 403),
        ({"X-REVIEWER-ID": "wrong"}, {"reviewer": "a"}, 403),
        ({"X-REVIEWER-ID": ""}, {"reviewer": "a"}, 403),
        (ADMIN, {}, 400),
        (ADMIN, {"reviewer": ""}, 400),
    ],
)
def test_authorize_errors(client, headers, params, status: int) -> None:
    response = client.get("/reviews/authorize", params=params, headers=headers)
    assert response.status_code == status
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("mode", "header", "status"),
    [
        ("both", "X-REVIEWER-ID", 200),
        ("both", "X-REVIEW-ID", 200),
        ("reviewer-id", "X-REVIEWER-ID", 200),
        ("reviewer-id", "X-REVIEW-ID", 403),
        ("review-id", "X-REVIEW-ID", 200),
        ("review-id", "X-REVIEWER-ID", 403),
    ],
)
def test_admin_header_modes(server: SimServer, client, mode: str, header: str, status: int) -> None:
    server.config.admin_header_mode = mode
    for path, params in (
        ("/reviews/authorize", {"reviewer": "a"}),
        ("/reviews/image", {"scanId": "ready-1"}),
    ):
        assert client.get(path, params=params, headers={header: KEY}).status_code == status
    assert client.get("/reviews/image", params={"scanId": "ready-1"}, headers=ADMIN).is_success


# -- /reviews/image (presigned URL) and the image host ------------------------------------------


def test_image_url_shape_and_download_without_credentials(server: SimServer, client) -> None:
    response = client.get("/reviews/image", params={"scanId": "ready-1", "ExpiresIn": "120"}, headers=ADMIN)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "READY"
    url = body["imageSrc"]
    assert url.startswith(server.base_url + "/blackout-images/")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert re.fullmatch(r"SIMKEY/\d{8}/us-east-1/s3/aws4_request", query["X-Amz-Credential"][0])
    assert re.fullmatch(r"\d{8}T\d{6}Z", query["X-Amz-Date"][0])
    assert query["X-Amz-Expires"] == ["120"] and query["X-Amz-SignedHeaders"] == ["host"]
    assert re.fullmatch(r"[0-9a-f]{64}", query["X-Amz-Signature"][0])
    # The image host is anonymous: a bare client gets it, a stray Authorization is ignored.
    for headers in ({}, {"Authorization": "Bearer nonsense", "X-REVIEWER-ID": "wrong"}):
        with httpx.Client(timeout=5) as bare:
            image = bare.get(url, headers=headers)
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
        assert_card_ratio(decode(image.content))
    default = parse_qs(urlsplit(image_url(client, "ready-1")).query)
    assert default["X-Amz-Expires"] == ["3600"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"scanId": ""}, 400),
        ({"scanId": "ready-1", "ExpiresIn": "abc"}, 400),
        ({"scanId": "ready-1", "ExpiresIn": "0"}, 400),
        ({"scanId": "ready-1", "ExpiresIn": "-5"}, 400),
        ({"scanId": "ready-1", "ExpiresIn": "1.5"}, 400),
        ({"scanId": "ready-1", "ExpiresIn": "604801"}, 400),
        ({"scanId": "ready-1", "ExpiresIn": "604800"}, 200),
    ],
)
def test_image_url_parameter_checks(client, params, status: int) -> None:
    assert client.get("/reviews/image", params=params, headers=ADMIN).status_code == status


def test_image_url_needs_the_admin_key(client) -> None:
    response = client.get("/reviews/image", params={"scanId": "ready-1"}, headers={"X-REVIEW-ID": "x"})
    assert response.status_code == 403 and "message" in response.json()


def test_missing_scan_still_gets_an_image_src(client) -> None:
    body = client.get("/reviews/image", params={"scanId": "missing-1"}, headers=ADMIN).json()
    assert body["status"] == "FILENOTFOUND" and body["imageSrc"].startswith("http://127.0.0.1:")
    assert s3_code(httpx.get(body["imageSrc"])) == "NoSuchKey"
    assert client.get("/reviews/image/missing-1.jpg", headers=ADMIN).status_code == 404


def test_sigv4_url_expires_and_rejects_tampering(server: SimServer, client) -> None:
    url = image_url(client, "ready-2", ExpiresIn="60")
    assert httpx.get(url).status_code == 200
    tampered = [
        re.sub(r"X-Amz-Signature=([0-9a-f])", lambda m: "X-Amz-Signature=" + "0123"[m.group(1) == "0"], url),
        url.replace("X-Amz-Expires=60", "X-Amz-Expires=6000"),
        re.sub(r"&X-Amz-Signature=[0-9a-f]+", "", url),
        url.split("?")[0],
        url.replace("/ready-2.jpg", "/ready-3.jpg"),
        url + "&tight=true",
    ]
    for bad in tampered:
        response = httpx.get(bad)
        assert response.status_code == 403 and s3_code(response) == "SignatureDoesNotMatch", bad
    server.config.clock_offset = 61
    expired = httpx.get(url)
    assert expired.status_code == 403 and s3_code(expired) == "AccessDenied"
    assert "<Message>Request has expired</Message>" in expired.text


def test_sigv2_url_expires_and_rejects_tampering(server: SimServer, client) -> None:
    server.config.url_style = "sigv2"
    server.config.url_lifetime = 30
    token = server.mint_token()
    url = client.get("/reviews/b", params={"scanId": "ready-2"}, headers=bearer(token)).json()["imageSrc"]
    query = parse_qs(urlsplit(url).query)
    assert set(query) == {"AWSAccessKeyId", "Expires", "Signature"}
    assert query["AWSAccessKeyId"] == ["SIMKEY"]
    assert abs(int(query["Expires"][0]) - (time.time() + 30)) < 5
    assert re.fullmatch(r"[A-Za-z0-9_\-]+=*", query["Signature"][0])
    assert httpx.get(url).status_code == 200
    expires = query["Expires"][0]
    for bad in (
        url.replace(f"Expires={expires}", f"Expires={int(expires) + 1000}"),
        re.sub(r"&Signature=[^&]+", "", url),
        url.replace("Signature=", "Signature=A"),
    ):
        response = httpx.get(bad)
        assert response.status_code == 403 and s3_code(response) == "SignatureDoesNotMatch", bad
    server.config.clock_offset = 31
    expired = httpx.get(url)
    assert expired.status_code == 403 and s3_code(expired) == "AccessDenied"
    assert "Request has expired" in expired.text


# -- /reviews/b -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "allowed"), [("both", {"GET", "POST"}), ("get", {"GET"}), ("post", {"POST"})]
)
def test_b_verb_modes(server: SimServer, client, mode: str, allowed: set[str]) -> None:
    server.config.b_verb_mode = mode
    headers = bearer(server.mint_token())
    for verb in ("GET", "POST", "PUT", "DELETE"):
        response = client.request(verb, "/reviews/b", params={"scanId": "ready-1"}, headers=headers)
        if verb in allowed:
            assert response.status_code == 200
            assert set(response.json()) == {"imageSrc"}
        else:
            assert response.status_code == 405
            assert set(response.headers["allow"].split(", ")) == allowed


def test_b_status_field_is_optional(server: SimServer, client) -> None:
    headers = bearer(server.mint_token())
    assert "status" not in client.get("/reviews/b", params={"scanId": "ready-1"}, headers=headers).json()
    server.config.b_includes_status = True
    body = client.get("/reviews/b", params={"scanId": "missing-4"}, headers=headers).json()
    assert body["status"] == "FILENOTFOUND" and body["imageSrc"]


def test_b_credential_errors(server: SimServer, client) -> None:
    token = server.mint_token("rita")
    other = jwt.encode({"revier_id": "x", "exp": time.time() + 60}, "another-secret-" * 3)
    cases = [
        ({}, 401),
        ({"Authorization": ""}, 401),
        ({"Authorization": f"Basic {token}"}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": f"Bearer: {token}"}, 401),
        ({"Authorization": f"Bearer {token} extra"}, 401),
        ({"Authorization": "Bearer not.a.jwt"}, 403),
        ({"Authorization": f"Bearer {other}"}, 403),
        (ADMIN, 401),
        ({"Authorization": f"bearer {token}"}, 200),
    ]
    for headers, status in cases:
        response = client.get("/reviews/b", params={"scanId": "ready-1"}, headers=headers)
        assert response.status_code == status, headers
        if status == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/reviews/b", headers=bearer(token)).status_code == 400
    server.config.bearer_colon_form_accepted = True
    colon = {"Authorization": f"Bearer: {token}"}
    assert client.get("/reviews/b", params={"scanId": "ready-1"}, headers=colon).status_code == 200


def test_b_token_expiry_follows_the_server_clock(server: SimServer, client) -> None:
    headers = bearer(server.mint_token(lifetime=60))
    assert client.get("/reviews/b", params={"scanId": "ready-1"}, headers=headers).status_code == 200
    server.config.clock_offset = 61
    response = client.get("/reviews/b", params={"scanId": "ready-1"}, headers=headers)
    assert response.status_code == 403 and response.json()["message"]


# -- /reviews/image/{id}.jpg ------------------------------------------------------------------


def test_jpg_full_and_tight_crop(client) -> None:
    full = client.get("/reviews/image/ready-7.jpg", headers=ADMIN)
    tight = client.get("/reviews/image/ready-7.jpg", params={"tight": "true"}, headers=ADMIN)
    assert full.headers["content-type"] == tight.headers["content-type"] == "image/jpeg"
    assert int(full.headers["content-length"]) == len(full.content)
    full_image, tight_image = decode(full.content), decode(tight.content)
    assert_card_ratio(full_image)
    assert_card_ratio(tight_image)
    assert tight_image.width < full_image.width
    # Redaction: a good share of (nearly) black pixels.
    gray = full_image.convert("L").resize((160, 100))
    dark = sum(gray.histogram()[:30])
    assert dark > 0.03 * 160 * 100


def test_only_tight_crop_is_returned_even_without_tight(client) -> None:
    plain = client.get("/reviews/image/tight-3.jpg", headers=ADMIN)
    tight = client.get("/reviews/image/tight-3.jpg?tight=true", headers=ADMIN)
    assert plain.status_code == tight.status_code == 200
    assert plain.content == tight.content
    assert traits_of("tight-3").only_tight


def test_jpg_errors_and_percent_encoded_ids(client) -> None:
    assert client.get("/reviews/image/ready-1.jpg").status_code == 403
    assert client.get("/reviews/image/missing-2.jpg", headers=ADMIN).status_code == 404
    assert client.get("/reviews/image/uploading-2.jpg", headers=ADMIN).status_code == 404
    assert client.get("/reviews/image/ready-1.png", headers=ADMIN).status_code == 404
    encoded = client.get("/reviews/image/ready-a%2Fb%20c.jpg", headers=ADMIN)
    assert encoded.status_code == 200 and decode(encoded.content)
    assert client.get("/reviews/image/ready-a/b.jpg", headers=ADMIN).status_code == 404
    url = image_url(client, "ready-a/b c?d")
    assert "ready-a%2Fb%20c%3Fd.jpg?" in url
    assert httpx.get(url).status_code == 200


def test_uploading_then_ready(server: SimServer, client) -> None:
    server.config.uploading_seconds = 60.0  # uploading until the server's clock says otherwise
    url = image_url(client, "uploading-5")
    body = client.get("/reviews/image", params={"scanId": "uploading-5"}, headers=ADMIN).json()
    assert body["status"] == "UPLOADING"
    assert client.get("/reviews/image/uploading-5.jpg", headers=ADMIN).status_code == 404
    assert s3_code(httpx.get(url)) == "NoSuchKey"
    server.config.clock_offset += 61.0  # the server's clock moves past the upload
    body = client.get("/reviews/image", params={"scanId": "uploading-5"}, headers=ADMIN).json()
    assert body["status"] == "READY"
    assert httpx.get(url).status_code == 200
    assert client.get("/reviews/image/uploading-5.jpg", headers=ADMIN).status_code == 200


def test_corrupt_image_does_not_decode(client) -> None:
    response = client.get("/reviews/image/corrupt-1.jpg", headers=ADMIN)
    assert response.status_code == 200 and response.content.startswith(b"\xff\xd8")
    with pytest.raises((UnidentifiedImageError, OSError)):
        decode(response.content)


def _sof0_size(data: bytes) -> tuple[int, int]:
    pos = 2
    while data[pos] == 0xFF:
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if data[pos + 1] == 0xC0:
            height = int.from_bytes(data[pos + 5 : pos + 7], "big")
            return int.from_bytes(data[pos + 7 : pos + 9], "big"), height
        pos += 2 + length
    raise AssertionError("no SOF0")


def test_huge_image_claims_20000_square_in_a_small_body(client) -> None:
    data = client.get(image_url(client, "huge-1")).content
    assert len(data) < 20_000 and data.startswith(b"\xff\xd8")
    assert _sof0_size(data) == (20000, 20000)
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data))


def test_slow_body_streams_in_chunks(server: SimServer, client) -> None:
    server.config.slow_body = 0.4
    started = time.monotonic()
    with client.stream("GET", "/reviews/image/ready-9.jpg", headers=ADMIN) as response:
        chunks = list(response.iter_raw())
    assert time.monotonic() - started >= 0.35
    assert len(chunks) > 1 and decode(b"".join(chunks))


# -- /reviews/feedback ------------------------------------------------------------------------


def test_feedback_is_recorded_for_admin_and_reviewer(server: SimServer, client) -> None:
    payload = {"scanId": "s-1", "annotationShortCode": "approved", "annotationInfo": {"k": "v"}}
    response = client.post("/reviews/feedback", json=payload, headers=ADMIN)
    assert response.status_code == 200
    assert response.json() == {"scanId": "s-1", "annotationShortCode": "approved", "received": True}
    token = server.mint_token("rita")
    for _ in range(2):  # duplicates are all kept
        payload = {"scanId": "s-2", "annotationShortCode": "denied_other"}
        assert client.post("/reviews/feedback", json=payload, headers=bearer(token)).is_success
    first, second, third = server.feedback()
    assert (first.scan_id, first.shortcode, first.annotation_info) == ("s-1", "approved", {"k": "v"})
    assert (first.auth_kind, first.reviewer) == ("admin", None)
    assert (second.auth_kind, second.reviewer, second.annotation_info) == ("reviewer", "rita", {})
    assert replace(third, received_at=second.received_at) == second
    assert abs(first.received_at - time.time()) < 5
    listed = client.get("/_sim/feedback").json()
    assert [r["scan_id"] for r in listed] == ["s-1", "s-2", "s-2"]
    assert listed[0]["annotation_info"] == {"k": "v"} and listed[1]["reviewer"] == "rita"
    server.clear_feedback()
    assert server.feedback() == [] and client.get("/_sim/feedback").json() == []


def test_feedback_unique_dedups_by_idempotency_key(server: SimServer, client) -> None:
    for key, code in (("k1", "approved"), ("k1", "denied_other"), ("k2", "approved"), (None, "approved")):
        info = {"idempotencyKey": key} if key else {}
        body = {"scanId": "s", "annotationShortCode": code, "annotationInfo": info}
        assert client.post("/reviews/feedback", json=body, headers=ADMIN).is_success
    assert len(server.feedback()) == 4
    unique = server.feedback_unique()
    assert [(r.annotation_info.get("idempotencyKey"), r.shortcode) for r in unique] == [
        ("k1", "approved"),
        ("k2", "approved"),
        (None, "approved"),
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2]",
        b'{"annotationShortCode": "approved"}',
        b'{"scanId": "", "annotationShortCode": "approved"}',
        b'{"scanId": "s", "annotationShortCode": "ABC"}',
        b'{"scanId": "s"}',
        b'{"scanId": "s", "annotationShortCode": "approved", "annotationInfo": "x"}',
        b'{"scanId": "s", "annotationShortCode": "approved", "annotationInfo": [1]}',
    ],
)
def test_feedback_bad_bodies_are_400(server: SimServer, client, content: bytes) -> None:
    response = client.post("/reviews/feedback", content=content, headers=ADMIN)
    assert response.status_code == 400 and response.json()["message"]
    assert server.feedback() == []


def test_feedback_credentials(server: SimServer, client) -> None:
    body = {"scanId": "s", "annotationShortCode": "approved"}
    expired = server.mint_token(lifetime=10)
    cases = [
        ({}, 401),
        ({"X-REVIEWER-ID": "wrong"}, 403),
        ({"Authorization": "Bearer garbage"}, 403),
        ({"Authorization": "Token x"}, 401),
        ({"X-REVIEW-ID": KEY}, 200),
        (bearer(expired), 200),
    ]
    for headers, status in cases:
        assert client.post("/reviews/feedback", json=body, headers=headers).status_code == status
    server.config.clock_offset = 11
    assert client.post("/reviews/feedback", json=body, headers=bearer(expired)).status_code == 403
    server.config.admin_header_mode = "reviewer-id"
    assert client.post("/reviews/feedback", json=body, headers={"X-REVIEW-ID": KEY}).status_code == 401


def test_feedback_forced_failures(server: SimServer, client) -> None:
    server.config.fail_feedback_codes = {"bad-1": 400, "busy-1": 503}
    for scan_id, status in (("bad-1", 400), ("busy-1", 503), ("error500-1", 500), ("ok-1", 200)):
        body = {"scanId": scan_id, "annotationShortCode": "approved"}
        response = client.post("/reviews/feedback", json=body, headers=ADMIN)
        assert response.status_code == status and response.json()
    assert (
        client.post(
            "/reviews/feedback", json={"scanId": "busy-1", "annotationShortCode": "approved"}, headers=ADMIN
        ).headers["retry-after"]
        == "1"
    )
    assert [r.scan_id for r in server.feedback()] == ["ok-1"]


# -- 5xx, chaos, unknown paths ----------------------------------------------------------------


def test_error500_scans_make_every_api_endpoint_fail(server: SimServer, client) -> None:
    sid = "error500-x"
    headers = bearer(server.mint_token())
    responses = [
        client.get("/reviews/image", params={"scanId": sid}, headers=ADMIN),
        client.get(f"/reviews/image/{sid}.jpg", headers=ADMIN),
        client.get("/reviews/b", params={"scanId": sid}, headers=headers),
        client.post("/reviews/b", params={"scanId": sid}, headers=headers),
        client.post(
            "/reviews/feedback", json={"scanId": sid, "annotationShortCode": "approved"}, headers=ADMIN
        ),
    ]
    assert [r.status_code for r in responses] == [500] * 5
    assert all(r.json()["message"] for r in responses)


def test_unknown_paths_are_404(client) -> None:
    response = client.get("/reviews/nothing-here", headers=ADMIN)
    assert response.status_code == 404 and response.json()["message"]
    assert client.get("/").status_code == 404
    host = client.get("/blackout-images/zz/whatever")
    assert host.status_code == 404 and s3_code(host) == "NoSuchKey"
    assert client.post("/reviews/image", headers=ADMIN).status_code == 405


def test_failure_rate_gives_503_with_retry_after(server: SimServer, client) -> None:
    url = image_url(client, "ready-1")
    server.config.failure_rate = 1.0
    api = client.get("/reviews/authorize", params={"reviewer": "a"}, headers=ADMIN)
    assert api.status_code == 503 and api.headers["retry-after"] == "1" and api.json()["message"]
    host = httpx.get(url)
    assert host.status_code == 503 and host.headers["retry-after"] == "1" and s3_code(host) == "SlowDown"
    assert client.get("/_sim/catalog").status_code == 200  # test endpoints are never failed


def test_failures_are_reproducible_with_a_seed() -> None:
    def statuses() -> list[int]:
        with SimServer(SimConfig(seed=42, failure_rate=0.5)) as sim, httpx.Client() as http:
            return [http.get(f"{sim.base_url}/reviews/nothing").status_code for _ in range(16)]

    first = statuses()
    assert first == statuses()
    assert {503, 404} <= set(first)


async def test_dropped_connection_is_a_transport_error(server: SimServer) -> None:
    server.config.drop_rate = 1.0
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/reviews/authorize", params={"reviewer": "a"}, headers=ADMIN)
        with pytest.raises(httpx.TransportError):
            await http.post("/reviews/feedback", json={"scanId": "s"}, headers=ADMIN)
        server.config.drop_rate = 0.0
        assert (await http.get("/reviews/authorize", params={"reviewer": "a"}, headers=ADMIN)).is_success
    assert [status for _, _, status in server.requests_log()] == [0, 0, 200]
    assert server.feedback() == []


def test_latency_is_added(server: SimServer, client) -> None:
    server.config.latency = 0.2
    started = time.monotonic()
    assert client.get("/reviews/authorize", params={"reviewer": "a"}, headers=ADMIN).is_success
    assert time.monotonic() - started >= 0.19


def test_requests_log_holds_no_query_or_credentials(server: SimServer, client) -> None:
    token = server.mint_token()
    client.get("/reviews/b", params={"scanId": "ready-secret"}, headers=bearer(token))
    client.get(image_url(client, "ready-1"))
    log = server.requests_log()
    assert log[0] == ("GET", "/reviews/b", 200)
    assert log[-1][0] == "GET" and log[-1][1].startswith("/blackout-images/") and log[-1][2] == 200
    text = repr(log)
    assert "?" not in text and "secret" not in text and token not in text and KEY not in text


def test_stop_then_start_reuses_the_port(server: SimServer) -> None:
    port = server.port
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        body = {"scanId": "s", "annotationShortCode": "approved"}
        assert http.post("/reviews/feedback", json=body, headers=ADMIN).is_success  # keep-alive
        server.stop()
        with pytest.raises(httpx.TransportError):
            http.get("/_sim/catalog")
        server.start()
        assert server.port == port and server.base_url == f"http://127.0.0.1:{port}"
        assert http.get("/_sim/catalog").status_code == 200
    assert len(server.feedback()) == 1  # the simulated backend kept its state
    server.stop()
    server.stop()  # idempotent


# -- catalogue, traits, in-process app --------------------------------------------------------


def test_demo_catalog(client) -> None:
    entries = demo_catalog()
    assert entries == demo_catalog() and len(entries) == 50
    assert len({e["scanId"] for e in entries}) == 50
    for entry in entries:
        assert re.fullmatch(UUID4, entry["scanId"])
        assert re.fullmatch(r"\d{6}", entry["bin"]) and re.fullmatch(r"\d{4}", entry["last4"])
        assert re.fullmatch(r"(0[1-9]|1[0-2])/\d\d", entry["expiry"])
        assert re.fullmatch(r"\d+\.\d\d", entry["amount"]) and entry["currency"] == "USD"
        assert entry["merchantRef"].startswith("ORD-") and entry["cardholder"]
    assert client.get("/_sim/catalog").json() == entries
    statuses = [
        client.get("/reviews/image", params={"scanId": e["scanId"]}, headers=ADMIN).json()["status"]
        for e in entries
    ]
    assert 2 <= statuses.count("UPLOADING") <= 3 and statuses.count("FILENOTFOUND") == 2
    assert statuses.count("READY") == 50 - statuses.count("UPLOADING") - 2


def test_hashed_traits_have_the_documented_shares() -> None:
    kinds = [traits_of(f"scan-{i}").kind for i in range(4000)]
    share = {kind: kinds.count(kind) / len(kinds) for kind in Kind}
    assert 0.03 < share[Kind.MISSING] < 0.07 and 0.03 < share[Kind.UPLOADING] < 0.07
    assert 0.07 < share[Kind.TIGHT_ONLY] < 0.13
    assert sum(traits_of(f"scan-{i}").blurred for i in range(4000)) / 4000 == pytest.approx(0.15, abs=0.03)
    widths = {traits_of(f"scan-{i}").width for i in range(400)}
    assert min(widths) >= 640 and max(widths) <= 1600
    assert traits_of("ready-x").kind is Kind.NORMAL and traits_of("huge-x").kind is Kind.HUGE


async def test_create_app_in_process() -> None:
    config = SimConfig()
    transport = httpx.ASGITransport(app=create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim.test") as http:
        token = (await http.get("/reviews/authorize?reviewer=a", headers=ADMIN)).json()["token"]
        response = await http.get("/reviews/b", params={"scanId": "ready-1"}, headers=bearer(token))
        assert response.json()["imageSrc"].startswith("http://sim.test/blackout-images/")
        image = await http.get("/reviews/image/ready-a%2Fb.jpg?tight=true", headers=ADMIN)
        assert image.status_code == 200 and decode(image.content)


# -- CLI ----------------------------------------------------------------------------------------


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_arguments_build_the_config() -> None:
    args = _parse("--port", "0", "--admin-key", "k", "--failure-rate", "0.25", "--drop-rate", "0.1")
    config = cli.config_from_args(args)
    assert (config.admin_key, config.failure_rate, config.drop_rate) == ("k", 0.25, 0.1)
    args = _parse("--admin-header", "review-id", "--b-verb", "post", "--url-style", "sigv2")
    config = cli.config_from_args(args)
    assert (config.admin_header_mode, config.b_verb_mode, config.url_style) == ("review-id", "post", "sigv2")
    assert args.port == cli.DEFAULT_PORT and args.reviewer == "demo-reviewer"
    assert len(cli.config_from_args(_parse()).admin_key) >= 20  # random when omitted
    with pytest.raises(SystemExit):
        _parse("--url-style", "sigv3")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--failure-rate", "1.5"), "failure-rate must be between 0 and 1"),
        (("--drop-rate", "-0.1"), "drop-rate must be between 0 and 1"),
        (("--token-lifetime", "0"), "token-lifetime must be > 0"),
        (("--url-lifetime", "-1"), "url-lifetime must be > 0"),
        (("--latency", "-1"), "latency must be >= 0"),
        (("--port", "70000"), "port must be between 0 and 65535"),
    ],
)
def test_cli_rejects_bad_knobs(capsys, argv: tuple[str, ...], message: str) -> None:
    assert cli.run(_parse(*argv)) == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(os.name == "nt", reason="SIGTERM delivery differs on Windows")
def test_cli_runs_until_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "reviewdesk.sim", "--port", "0", "--admin-key", "cli-key"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: dict[str, str] = {}
        while "hint" not in lines:
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else "no output"
            key, _, value = line.strip().partition(": ")
            lines[key] = value
        assert lines["admin-key"] == "cli-key"
        assert "REVIEWDESK_BASE_URL=" in lines["hint"] and "REVIEWDESK_TOKEN=" in lines["hint"]
        base = lines["base-url"]
        response = httpx.get(
            f"{base}/reviews/b", params={"scanId": "ready-1"}, headers=bearer(lines["reviewer-token"])
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
