"""The Jumio Netverify Retrieval client against the simulator (and hostile servers) over loopback."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from reviewdesk.api import errors as e
from reviewdesk.api.jumio import (
    JumioClient,
    JumioCredentials,
    JumioHosts,
    MissingUserAgentError,
    parse_image_entries,
    parse_image_list,
)
from reviewdesk.api.redact import install_log_redaction, redact
from support.jumio import USER_AGENT, client, credentials, jumio_requests
from support.odd_server import OddServer, response

PREFIX = "/api/netverify/v2"


async def test_every_retrieval_endpoint_of_the_reference(sim) -> None:
    async with client(sim) as c:
        assert (await c.status("netverify", "liveness-1")).status == "DONE"
        data = await c.data("netverify", "liveness-1")
        assert {"document", "transaction", "verification", "scanReference"} <= set(data)
        for section in ("document", "transaction", "verification"):
            assert (await c.data("netverify", "liveness-1", section))["scanReference"] == "liveness-1"
        listing = await c.image_list("netverify", "liveness-1")
        for side in ("front", "face"):
            assert (await c.netverify_image("liveness-1", side)).format == "JPEG"
        assert (await c.netverify_liveness("liveness-1", 3)).data[:2] == b"\xff\xd8"
        for link in (*listing.images, *listing.liveness):
            await c.fetch_link("netverify", "liveness-1", link)
        assert (await c.status("authentication", "auth-passed-1")).status == "PASSED"
        assert (await c.authentication_image("auth-passed-1")).format == "JPEG"
        assert (await c.authentication_liveness("auth-passed-1", 7)).format == "JPEG"
        assert (await c.document_status("dv-bs-1")).status == "DONE"
        assert (await c.data("document", "dv-bs-1"))["document"]["type"] == "BS"
        assert (await c.data("document", "dv-bs-1", "document"))["type"] == "BS"
        assert (await c.data("document", "dv-bs-1", "transaction"))["source"] == "DOC_UPLOAD"
        pages = await c.image_list("document", "dv-bs-1")
        assert [link.number for link in pages.images] == [1, 2]  # listed 2, 1
        assert (await c.document_page("dv-bs-1", 2)).format == "JPEG"
    paths = {r["path"] for r in jumio_requests(sim)}
    for tail in (
        "/scans/liveness-1",
        "/scans/liveness-1/data",
        "/scans/liveness-1/data/document",
        "/scans/liveness-1/data/transaction",
        "/scans/liveness-1/data/verification",
        "/scans/liveness-1/images",
        "/scans/liveness-1/images/front",
        "/scans/liveness-1/images/face",
        "/scans/liveness-1/images/liveness/3",
        "/authentications/auth-passed-1",
        "/authentications/auth-passed-1/images/face",
        "/authentications/auth-passed-1/images/liveness/7",
        "/documents/dv-bs-1",
        "/documents/dv-bs-1/data",
        "/documents/dv-bs-1/data/document",
        "/documents/dv-bs-1/data/transaction",
        "/documents/dv-bs-1/pages",
        "/documents/dv-bs-1/pages/2",
    ):
        assert PREFIX + tail in paths


async def test_basic_credentials_user_agent_and_accept_go_with_every_request(sim) -> None:
    async with client(sim) as c:
        await c.status("netverify", "done-id-1")
        await c.netverify_image("done-id-1", "front")
    requests = jumio_requests(sim)
    assert len(requests) == 2
    assert all(r["basic"] and r["user_agent"] == USER_AGENT for r in requests)
    assert requests[0]["accept"] == "application/json"
    assert requests[1]["accept"] == "image/jpeg, image/png"


async def test_maskhint_unmasked_is_never_requested(sim) -> None:
    async with client(sim) as c:
        for link in (await c.image_list("document", "dv-cc-1")).images:
            await c.fetch_link("document", "dv-cc-1", link)
        await c.netverify_image("done-id-1", "front")
    requests = jumio_requests(sim)
    assert requests and all("maskhint" not in r["query"] for r in requests)


@pytest.mark.parametrize("agent", [None, "", "   "])
async def test_no_request_at_all_without_a_user_agent(sim, agent) -> None:
    async with client(sim, user_agent=agent) as c:
        with pytest.raises(MissingUserAgentError) as info:
            await c.status("netverify", "done-id-1")
    message = str(info.value)
    assert "jumio_user_agent" in message and "REVIEWDESK_JUMIO_USER_AGENT" in message
    assert info.value.exit_code == 2
    assert jumio_requests(sim) == [] and sim.requests_log() == []


async def test_the_simulator_refuses_a_request_without_user_agent(sim) -> None:
    import httpx

    auth = "Basic " + base64.b64encode(b"demo-jumio-token:demo-jumio-secret").decode()
    async with httpx.AsyncClient() as raw:
        request = raw.build_request(
            "GET", f"{sim.base_url}{PREFIX}/scans/done-id-1", headers={"Authorization": auth}
        )
        del request.headers["User-Agent"]
        assert (await raw.send(request)).status_code == 400


async def test_wrong_secret_is_401_exit_3_and_the_secret_is_nowhere_in_the_message(sim) -> None:
    creds = JumioCredentials(sim.config.jumio_token, "not-the-secret-42")
    async with client(sim, creds=creds) as c:
        with pytest.raises(e.UnauthorizedError) as info:
            await c.status("netverify", "done-id-1")
    message = str(info.value)
    assert info.value.exit_code == 3 and "401" in message and "REVIEWDESK_JUMIO_TOKEN" in message
    assert (
        "not-the-secret-42" not in message
        and base64.b64encode(b"demo-jumio-token:").decode()[:8] not in message
    )


async def test_unknown_reference_is_404_exit_4(sim) -> None:
    async with client(sim) as c:
        for kind, ref in (
            ("netverify", "nobody-1"),
            ("authentication", "done-id-1"),
            ("document", "auth-passed-1"),
        ):
            with pytest.raises(e.NotFoundError) as info:
                await c.status(kind, ref)
            assert info.value.exit_code == 4 and ref in str(info.value)


async def test_unknown_or_missing_status_is_a_clear_protocol_error(sim) -> None:
    async with client(sim) as c:
        with pytest.raises(e.ProtocolError, match="unknown status 'PROCESSING'.*PENDING, DONE, FAILED"):
            await c.status("netverify", "weird-1")
        with pytest.raises(e.ProtocolError, match="no `status` field"):
            await c.status("netverify", "nostatus-1")


async def test_pending_turns_done_after_n_status_polls(sim) -> None:
    async with client(sim) as c:
        seen = [(await c.status("netverify", "pending-2-a")).status for _ in range(3)]
    assert seen == ["PENDING", "PENDING", "DONE"]


async def test_liveness_images_come_in_number_order_whatever_the_list_order(sim) -> None:
    async with client(sim) as c:
        listing = await c.image_list("netverify", "liveness-4")
    assert [link.number for link in listing.liveness] == [1, 2, 3, 4, 5, 6, 7]
    assert [link.classifier for link in listing.images] == ["back", "front", "face"][1:]  # passport: no back


async def test_image_link_to_another_host_is_refused_and_the_credentials_never_go_there(sim) -> None:
    # A Jumio stand-in whose image list points at another server (the simulator, on another port).
    listing = {
        "scanReference": "r-1",
        "images": [{"classifier": "front", "href": f"{sim.base_url}{PREFIX}/scans/r-1/images/front"}],
    }

    def images(method, target, headers):
        return response(200, json.dumps(listing).encode(), {"Content-Type": "application/json"})

    with OddServer({f"{PREFIX}/scans/r-1/images": images}) as jumio:
        async with JumioClient(JumioHosts.single(jumio.base_url), credentials(sim), USER_AGENT) as c:
            (link,) = (await c.image_list("netverify", "r-1")).images
            with pytest.raises(e.ServerURLRefusedError, match="another host") as info:
                await c.fetch_link("netverify", "r-1", link)
    assert info.value.exit_code == 5 and "front image of Netverify transaction r-1" in str(info.value)
    assert sim.requests_log() == []  # nothing, credentials included, reached the other host


async def test_image_link_outside_the_transaction_is_refused(sim) -> None:
    async with client(sim) as c:
        (link, *_rest) = (await c.image_list("netverify", "done-id-1")).images
        bad = type(link)(link.classifier, f"{sim.base_url}{PREFIX}/scans/done-id-2/images/front")
        with pytest.raises(e.ServerURLRefusedError, match="not under this transaction"):
            await c.fetch_link("netverify", "done-id-1", bad)


async def test_huge_and_broken_images_are_refused_with_a_message(sim) -> None:
    async with client(sim) as c:
        with pytest.raises(e.ImageTooLargeError, match="megapixels") as huge:
            await c.netverify_image("huge-1", "front")
        with pytest.raises(e.NotAnImageError, match="damaged") as broken:
            await c.netverify_image("broken-1", "front")
        # The other images of those transactions still come.
        assert (await c.netverify_image("huge-1", "back")).format == "JPEG"
    assert huge.value.exit_code == 5 and broken.value.exit_code == 5


async def test_a_body_over_the_cap_is_not_read_to_the_end(sim) -> None:
    async with client(sim, max_image_bytes=1000) as c:
        with pytest.raises(e.ImageTooLargeError, match="larger than"):
            await c.netverify_image("done-id-1", "front")


async def test_card_numbers_in_the_answer_are_masked(sim) -> None:
    async with client(sim) as c:
        details = await c.netverify_details("card-1")
    assert details["document"]["personalNumber"] == "XXXXXXXXXXXX1111"
    assert "4111" not in json.dumps(details).replace("XXXXXXXXXXXX1111", "")


async def test_details_read_missing_sections_from_their_own_endpoints(sim) -> None:
    async with client(sim) as c:
        details = await c.netverify_details("partial-1")
    assert details["verification"]["identityVerification"]["similarity"] == "MATCH"
    assert details["document"]["status"] == "APPROVED_VERIFIED" and "timestamp" not in details["document"]
    paths = [r["path"] for r in jumio_requests(sim)]
    assert paths == [
        f"{PREFIX}/scans/partial-1/data",
        f"{PREFIX}/scans/partial-1/data/document",
        f"{PREFIX}/scans/partial-1/data/verification",
    ]


async def test_503_with_retry_after_and_a_dropped_connection_are_network_errors(sim) -> None:
    async with client(sim) as c:
        sim.config.failure_rate = 1.0
        with pytest.raises(e.ServerError) as unavailable:
            await c.status("netverify", "done-id-1")
        sim.config.failure_rate, sim.config.drop_rate = 0.0, 1.0
        with pytest.raises(e.NetworkError, match="dropped"):
            await c.status("netverify", "done-id-1")
    assert unavailable.value.retry_after == 1.0 and unavailable.value.exit_code == 5


def test_region_hosts_and_the_one_base_override() -> None:
    us, eu = JumioHosts.for_region("us"), JumioHosts.for_region("eu")
    c = JumioClient(eu, None, USER_AGENT)
    assert c.url("netverify", "abc") == "https://lon.netverify.com/api/netverify/v2/scans/abc"
    assert c.url("authentication", "abc") == "https://lon.netverify.com/api/netverify/v2/authentications/abc"
    assert (
        c.url("document", "abc", "pages")
        == "https://retrieval.lon.netverify.com/api/netverify/v2/documents/abc/pages"
    )
    assert (
        us.base_for("document") == "https://retrieval.netverify.com"
        and us.base_for("netverify") == "https://netverify.com"
    )
    one = JumioHosts.single("http://127.0.0.1:9/")
    assert one.base_for("document") == one.base_for("netverify") == "http://127.0.0.1:9"
    with pytest.raises(e.UsageError):
        JumioHosts.for_region("mars")
    with pytest.raises(e.InsecureURLError):
        JumioHosts.single("http://example.com")
    with pytest.raises(e.UsageError):
        JumioHosts.single("https://user:pw@example.com")
    # A reference is one path segment, whatever it holds.
    assert JumioClient(us, None, USER_AGENT).url("netverify", "a/../b").endswith("/scans/a%2F..%2Fb")


def test_image_lists_in_every_shape_the_reference_allows() -> None:
    as_list, _ = parse_image_entries([{"classifier": "front", "href": "https://h/x/front"}], "t")
    one, _ = parse_image_entries({"classifier": "face", "href": "https://h/x/face"}, "t")
    mapping, _ = parse_image_entries(
        {"front": "https://h/x/front", "back": {"href": "https://h/x/back"}}, "t"
    )
    pages, _ = parse_image_entries([{"href": "https://h/x/pages/3"}], "t")
    assert [link.classifier for link in as_list + one + mapping] == ["front", "face", "front", "back"]
    assert pages[0].number == 3
    links, problems = parse_image_entries(
        [{"classifier": "front"}, "junk", {"classifier": "../x", "href": "h"}], "t"
    )
    assert links == [] and len(problems) == 3
    listing = parse_image_list({"livenessImages": ["https://h/l/2", "https://h/l/x", "https://h/l/1"]}, "t")
    assert [link.number for link in listing.liveness] == [1, 2] and len(listing.problems) == 1
    assert parse_image_list({"images": 42}, "t").problems


async def test_basic_credentials_never_reach_a_log_line_or_a_message(sim, caplog) -> None:
    secret_b64 = base64.b64encode(f"{sim.config.jumio_token}:{sim.config.jumio_secret}".encode()).decode()

    def echo(method, target, headers):  # a server that quotes the Authorization header back
        body = json.dumps({"message": f"bad header Authorization: {headers.get('authorization')}"}).encode()
        return response(500, body, {"Content-Type": "application/json"})

    install_log_redaction()
    caplog.set_level(logging.DEBUG)
    with OddServer({f"{PREFIX}/scans/r-1": echo}) as jumio:
        async with JumioClient(JumioHosts.single(jumio.base_url), credentials(sim), USER_AGENT) as c:
            with pytest.raises(e.ServerError) as info:
                await c.status("netverify", "r-1")
        logging.getLogger("reviewdesk.api.jumio").info("headers %s", {"Authorization": f"Basic {secret_b64}"})
    assert "server said: bad header Authorization: <redacted>" in str(info.value)  # the echo was read
    everything = str(info.value) + "\n" + "\n".join(r.getMessage() for r in caplog.records)
    for secret in (secret_b64, sim.config.jumio_secret, sim.config.jumio_token):
        assert secret not in everything
    assert "Basic <redacted>" not in redact("basic authentication is used")  # prose stays
    assert secret_b64 not in redact(f"Authorization: Basic {secret_b64}")


async def test_slow_body_knob_applies_to_jumio_images(sim) -> None:
    import time

    sim.config.slow_body = 0.3
    async with client(sim) as c:
        started = time.monotonic()
        image = await c.netverify_image("done-id-1", "front")
    assert image.format == "JPEG" and time.monotonic() - started >= 0.25
