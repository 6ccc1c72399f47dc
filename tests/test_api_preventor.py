"""Preventor IDV tickets: the client and the source against the simulator on loopback, in each answer
shape the simulator serves (docs/PREVENTOR.md); the command line is in test_cli_preventor.py.

Covers reviewdesk.api.preventor, reviewdesk.api.preventor_images, reviewdesk.sources.preventor and
the simulator's Preventor paths.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from reviewdesk.api import errors as e
from reviewdesk.api.images import image_format
from reviewdesk.api.preventor import PreventorClient, PreventorCredential
from reviewdesk.api.preventor_images import TicketImage, decode_base64, read_images, type_parameter
from reviewdesk.sources.base import DetailNode, Source, SourceError
from reviewdesk.sources.preventor import PreventorSource, details_tree

TOKEN = "demo-preventor-token"
ORDER = [
    "DOCUMENT-1",
    "SELF_PORTRAITS-1",
    "DOCUMENT_PORTRAIT-1",
    "DOCUMENT_GHOST_PORTRAIT-1",
    "DOCUMENT_SIGNATURE-1",
]


def client(sim, token: str = TOKEN, api_key: str | None = None) -> PreventorClient:
    return PreventorClient(sim.base_url, PreventorCredential(token, api_key))


def downloads(sim) -> list[dict]:
    return httpx.get(sim.base_url + "/_sim/preventor/files").json()


# -- each shape --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "sections", "state"),
    [
        (
            "list",
            ["Summary", "Personal data", "Document", "Lexical data", "Device", "Process flow"],
            "COMPLETED",
        ),
        (
            "object",
            [
                "Ticket summary",
                "Process flow",
                "Personal information",
                "Document information",
                "Tracked device",
            ],
            "DONE",
        ),
    ],
)
async def test_each_shape_gives_the_sections_in_their_order_and_every_image(
    sim, shape, sections, state
) -> None:
    sim.config.preventor_shape = shape
    async with client(sim) as c:
        source = PreventorSource(c)
        details = await source.details("T-100")
        refs = await source.images("T-100")
        pictures = {ref.key: await source.fetch_image("T-100", ref) for ref in refs}
    assert [node.label for node in details.tree] == sections
    assert details.state == state and details.summary == f"Ticket T-100: {state}"
    assert [ref.key for ref in refs] == ORDER  # the document beside the selfie, then the extracted ones
    assert [ref.group for ref in refs[:2]] == ["main", "main"]
    assert [ref.label for ref in refs] == ["Document", "Selfie", "Portrait", "Ghost portrait", "Signature"]
    kinds = {key: image_format(data) for key, data in pictures.items()}
    assert kinds == {
        "DOCUMENT-1": "JPEG",
        "SELF_PORTRAITS-1": "JPEG",
        "DOCUMENT_PORTRAIT-1": "PNG",
        "DOCUMENT_GHOST_PORTRAIT-1": "PNG",
        "DOCUMENT_SIGNATURE-1": "PNG",
    }


async def test_a_shape_the_client_cannot_read_names_its_top_level_keys(sim) -> None:
    sim.config.preventor_shape = "unknown"
    async with client(sim) as c:
        with pytest.raises(e.ProtocolError) as caught:
            await c.images("T-1")
        with pytest.raises(SourceError) as from_source:
            await PreventorSource(c).images("T-1")
    assert "top-level keys: status, payload, version" in str(caught.value)
    assert "T-1" in str(caught.value)
    assert from_source.value.exit_code == e.EXIT_NETWORK


async def test_the_type_parameter_is_comma_joined_and_filters(sim) -> None:
    async with client(sim) as c:
        found = await c.images("T-2", ["document_portrait, SELF_PORTRAITS"])
    assert sorted(i.name for i in found) == ["DOCUMENT_PORTRAIT-1", "SELF_PORTRAITS-1"]
    assert type_parameter(["DOCUMENT", "SELF_PORTRAITS,DOCUMENT"]) == "DOCUMENT,SELF_PORTRAITS"
    assert type_parameter([]) == "ALL"
    with pytest.raises(e.UsageError, match="unknown image type 'FRONT'"):
        type_parameter(["FRONT"])


# -- errors ------------------------------------------------------------------------------------


async def test_a_ticket_that_does_not_exist_is_not_found_exit_4(sim) -> None:
    async with client(sim) as c:
        with pytest.raises(e.NotFoundError, match="ticket missing-7 was not found"):
            await c.ticket("missing-7")
        with pytest.raises(e.NotFoundError):
            await c.images("missing-7")
        with pytest.raises(SourceError) as caught:
            await PreventorSource(c).details("missing-7")
    assert caught.value.exit_code == 4


async def test_a_401_names_the_credentials_and_never_echoes_them(sim) -> None:
    async with client(sim, token="wrong-token-123") as c:
        with pytest.raises(e.UnauthorizedError) as caught:
            await c.ticket("T-1")
    assert caught.value.exit_code == 3
    assert "REVIEWDESK_PREVENTOR_TOKEN" in str(caught.value)
    assert "wrong-token-123" not in str(caught.value)


async def test_the_api_key_is_sent_when_configured(sim) -> None:
    sim.config.preventor_api_key = "key-abc-123"
    async with client(sim) as c:
        with pytest.raises(e.UnauthorizedError):
            await c.ticket("T-1")
    async with client(sim, api_key="key-abc-123") as c:
        assert await c.ticket("T-1")


async def test_an_image_that_will_not_decode_names_the_image_and_the_ticket(sim) -> None:
    async with client(sim) as c:
        found = {i.name: i for i in await c.images("broken-1")}
        with pytest.raises(
            e.NotAnImageError, match="image DOCUMENT-1 of ticket broken-1 .*cannot be decoded"
        ):
            await c.image_bytes("broken-1", found["DOCUMENT-1"])
        with pytest.raises(e.NotAnImageError, match="image SELF_PORTRAITS-1 of ticket broken-1.*HTML page"):
            await c.image_bytes("broken-1", found["SELF_PORTRAITS-1"])
        data, kind = await c.image_bytes("broken-1", found["DOCUMENT_SIGNATURE-1"])  # the rest still work
    assert kind == "PNG" and data


async def test_credentials_go_only_to_the_apis_own_host(sim) -> None:
    sim.config.preventor_api_key = "key-abc-123"
    async with client(sim, api_key="key-abc-123") as c:
        found = {i.name: i for i in await c.images("T-3")}
        await c.image_bytes("T-3", found["DOCUMENT-1"])  # on 127.0.0.1, the API's host
        await c.image_bytes("T-3", found["DOCUMENT_PORTRAIT-1"])  # on localhost: another host
    seen = {d["path"].rsplit("/", 1)[1]: d for d in downloads(sim)}
    assert seen["DOCUMENT"]["host"] == "127.0.0.1" and seen["DOCUMENT"]["authorization"]
    assert seen["DOCUMENT_PORTRAIT"]["host"] == "localhost"
    assert not seen["DOCUMENT_PORTRAIT"]["authorization"] and not seen["DOCUMENT_PORTRAIT"]["apiKey"]


async def test_plain_http_to_another_machine_is_refused_before_anything_is_sent(sim) -> None:
    image = TicketImage("DOCUMENT", 1, url="http://images.example.com/doc.jpg?sig=s")
    async with client(sim) as c:
        with pytest.raises(e.ServerURLRefusedError, match="only https"):
            await c.image_bytes("T-1", image)


def test_the_source_keeps_decisions_locally() -> None:
    source = PreventorSource(
        PreventorClient("https://api-sandbox.preventor.com", PreventorCredential("t0ken"))
    )
    assert isinstance(source, Source)
    assert source.remote_decisions is False
    groups = {d.group for d in source.decisions()}
    assert groups == {"approve", "deny", "no_action"}
    assert [d.code for d in source.decisions() if d.group != "deny"] == ["approve", "escalate"]


# -- reading shapes (pure) ---------------------------------------------------------------------

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_images_as_a_list_or_an_object_of_urls_or_base64() -> None:
    b64 = base64.b64encode(PNG).decode()
    urlsafe = base64.urlsafe_b64encode(PNG).decode().rstrip("=")
    shapes = [
        [{"imageType": "DOCUMENT", "base64": b64}, {"type": "selfie", "uri": "https://cdn.example/s.jpg"}],
        {"data": [{"kind": "DOCUMENT", "content": f"data:image/png;base64,{b64}"}]},
        {"DOCUMENT": b64, "selfPortraits": ["https://cdn.example/s.jpg"]},
        {"images": {"document": {"value": urlsafe}}},
        {"type": "DOCUMENT", "image": b64},
    ]
    for shape in shapes:
        found = read_images(shape, "T")
        assert found[0].name == "DOCUMENT-1" and found[0].data == PNG, shape
    listed = read_images(shapes[0], "T")
    assert listed[1].name == "SELF_PORTRAITS-1" and listed[1].url == "https://cdn.example/s.jpg"
    assert "cdn.example" not in repr(listed[1])  # a URL may be presigned
    assert read_images([], "T") == []
    numbered = read_images({"DOCUMENT": [b64, b64]}, "T")
    assert [i.name for i in numbered] == ["DOCUMENT-1", "DOCUMENT-2"]


def test_unreadable_shapes_name_what_was_found() -> None:
    with pytest.raises(e.ProtocolError, match="a JSON str"):
        read_images("hello", "T")
    with pytest.raises(e.ProtocolError, match="none of its 2 items"):
        read_images([{"type": "DOCUMENT"}, 7], "T")
    with pytest.raises(ValueError):
        decode_base64("not base64!")


def test_details_tree_hides_long_values_and_link_signatures() -> None:
    tree = details_tree(
        {
            "data": {
                "summary": {"status": "DONE", "photo": "A" * 5000},
                "links": {"selfie": "https://cdn.example/a.jpg?X-Amz-Signature=abc"},
                "flow": [{"step": "ONE"}, {"step": "TWO"}],
                "tags": ["a", "b"],
                "ok": True,
            }
        }
    )
    assert tree[0] == DetailNode(
        "Summary",
        children=(DetailNode("Status", "DONE"), DetailNode("Photo", "(5000 characters, not shown)")),
    )
    assert tree[1].children[0].value == "https://cdn.example/a.jpg?<redacted>"
    assert [c.label for c in tree[2].children] == ["1", "2"]
    assert tree[3].value == "a, b" and tree[4].value == "yes"


# -- hostile answers (a purpose-built server) --------------------------------------------------


async def test_odd_answers_are_refused_with_a_message_and_no_credential_leaves_the_host() -> None:
    from support.odd_server import OddServer, response

    base = "/id/v1/identity/transactions"
    with OddServer() as other, OddServer() as srv:
        srv.routes[f"{base}/html"] = lambda *_: response(200, b"<html>login</html>")
        srv.routes[f"{base}/away"] = lambda *_: response(302, headers={"Location": other.base_url + "/x"})
        big = other.base_url + "/big.jpg"
        srv.routes[f"{base}/big/images"] = lambda *_: response(
            200, json.dumps([{"type": "DOCUMENT", "url": big}]).encode()
        )
        other.routes["/big.jpg"] = lambda *_: response(200, b"\xff\xd8\xff" + b"0" * 5000)
        async with PreventorClient(
            srv.base_url, PreventorCredential(TOKEN, "key-1"), max_image_bytes=1000
        ) as c:
            with pytest.raises(e.ProtocolError, match="not JSON"):
                await c.ticket("html")
            with pytest.raises(e.RedirectRefusedError):
                await c.ticket("away")
            (image,) = await c.images("big")
            with pytest.raises(e.ImageTooLargeError):
                await c.image_bytes("big", image)
    assert [target for _, target, _ in other.seen] == ["/big.jpg"]  # the redirect was not followed
    assert "authorization" not in other.seen[0][2] and "x-api-key" not in other.seen[0][2]
    assert srv.seen[0][2]["authorization"] == f"Bearer {TOKEN}" and srv.seen[0][2]["x-api-key"] == "key-1"


async def test_the_source_keeps_image_lists_for_a_bounded_number_of_tickets(sim) -> None:
    from reviewdesk.sources.preventor import MAX_TICKETS_KEPT

    async with client(sim) as c:
        source = PreventorSource(c)
        refs = await source.images("T-0")
        for n in range(1, MAX_TICKETS_KEPT + 3):
            await source.images(f"T-{n}")
        assert len(source._images) == MAX_TICKETS_KEPT and "T-0" not in source._images
        # T-0's list was dropped: fetching one of its images lists it again
        assert image_format(await source.fetch_image("T-0", refs[1])) == "JPEG"
        assert "T-0" in source._images and len(source._images) == MAX_TICKETS_KEPT
