"""Every sample request of the Reviews API reference (000_fe16c1dbb21da3f1.txt), sent as written
(only the host changed) to `reviewdesk sim`: the documented status and response shape.

Covers the reviewdesk.sim package against the Reviews API reference's samples.
"""

from __future__ import annotations

import httpx
import jwt
import pytest


@pytest.fixture
def base(sim) -> str:
    return sim.base_url


@pytest.fixture
def key(sim) -> str:
    return sim.config.admin_key


def test_get_image_presigned_url_sample(base, key) -> None:
    # requests.get(url, headers={"X-REVIEW-ID": ...}, params={"scanId": ..., "ExpiresIn": 3600})
    r = httpx.get(
        f"{base}/reviews/image",
        headers={"X-REVIEW-ID": key},
        params={"scanId": "your_scan_id", "ExpiresIn": 3600},
    )
    assert r.status_code == 200
    data = r.json()
    assert set(data) == {"imageSrc", "status"}
    assert data["status"] in ("READY", "UPLOADING", "FILENOTFOUND")
    assert data["imageSrc"].startswith(base)


@pytest.mark.parametrize("suffix", ["", "?tight=true"])
def test_get_image_jpeg_sample(base, key, suffix: str) -> None:
    # curl -H "X-REVIEW-ID: AccessToken" -o ${scanid}.jpg .../reviews/image/${scanid}.jpg[?tight=true]
    r = httpx.get(f"{base}/reviews/image/ready-scan.jpg{suffix}", headers={"X-REVIEW-ID": key})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/jpeg") and r.content[:2] == b"\xff\xd8"


def test_posting_feedback_sample(sim, base, key) -> None:
    payload = {"scanId": "123456", "annotationShortCode": "approved", "annotationInfo": {"key": "value"}}
    r = httpx.post(
        f"{base}/reviews/feedback",
        json=payload,
        headers={"Content-Type": "application/json", "X-REVIEW-ID": key},
    )
    assert r.status_code == 200
    (record,) = sim.feedback()
    assert (record.scan_id, record.shortcode, record.annotation_info) == (
        "123456",
        "approved",
        {"key": "value"},
    )


def test_posting_feedback_sample_with_placeholder_code_is_400(base, key) -> None:
    # The Node and curl samples send "ABC", which is not an accepted shortcode.
    payload = {"scanId": "123456", "annotationShortCode": "ABC", "annotationInfo": {"key": "value"}}
    r = httpx.post(f"{base}/reviews/feedback", json=payload, headers={"X-REVIEW-ID": key})
    assert r.status_code == 400


@pytest.mark.parametrize("header", ["X-REVIEW-ID", "X-REVIEWER-ID"])
def test_authorize_sample(base, key, header: str) -> None:
    # curl -X GET ".../reviews/authorize?reviewer=review1" -H "X-REVIEW-ID: ..." (prose: X-REVIEWER-ID)
    r = httpx.get(f"{base}/reviews/authorize", params={"reviewer": "review1"}, headers={header: key})
    assert r.status_code == 200
    assert set(r.json()) == {"token"}
    claims = jwt.decode(r.json()["token"], options={"verify_signature": False})
    assert {"revier_id", "review_account", "user_id", "authorizedFor_id", "iat", "exp"} <= set(claims)
    assert claims["revier_id"] == "review1"


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [({}, "good", 400), ({"reviewer": "r"}, None, 403), ({"reviewer": "r"}, "bad", 403)],
)
def test_authorize_documented_errors(base, key, params, headers, status) -> None:
    h = {} if headers is None else {"X-REVIEWER-ID": key if headers == "good" else "wrong"}
    assert httpx.get(f"{base}/reviews/authorize", params=params, headers=h).status_code == status


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_blackout_temporary_url_sample(sim, base, verb: str) -> None:
    # curl -H "authorization: Bearer eyJ..." -X GET ".../reviews/b?scanId=80881ebe-..." (heading: POST)
    token = sim.mint_token("review1")
    r = httpx.request(
        verb,
        f"{base}/reviews/b",
        params={"scanId": "80881ebe-0100-496f-8cc7-353026bd95b8"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200
    assert set(r.json()) == {"imageSrc"}
    image = httpx.get(r.json()["imageSrc"])
    assert image.status_code in (200, 404)  # 404 only if that id is one of the sim's missing images


@pytest.mark.parametrize(
    ("params", "auth", "status"),
    [
        ({}, "good", 400),
        ({"scanId": "x"}, None, 401),
        ({"scanId": "x"}, "Token abc", 401),
        ({"scanId": "x"}, "Bearer not-a-jwt", 403),
    ],
)
def test_blackout_documented_errors(sim, base, params, auth, status) -> None:
    headers = (
        {} if auth is None else {"authorization": f"Bearer {sim.mint_token()}" if auth == "good" else auth}
    )
    assert httpx.get(f"{base}/reviews/b", params=params, headers=headers).status_code == status
