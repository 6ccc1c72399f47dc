"""The Jumio review source: images in groups and order, the details tree, the polling schedule,
local decisions, and bad input as SourceError; against the simulator over loopback."""

from __future__ import annotations

import asyncio

import pytest

from reviewdesk.domain.jumio_schedule import SCHEDULE
from reviewdesk.sources.base import ImageRef, Source, SourceError
from reviewdesk.sources.jumio import JumioSource, build_details, item_id_of, parse_item
from support.jumio import client, credentials, jumio_requests

PREFIX = "/api/netverify/v2"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def labels(nodes, prefix=""):
    """{"Verification/Similarity": ("MATCH", "ok"), ...} for a details tree."""
    out = {}
    for node in nodes:
        out[prefix + node.label] = (node.value, node.level)
        out.update(labels(node.children, prefix + node.label + "/"))
    return out


async def test_it_is_a_source_with_local_decisions(sim) -> None:
    async with client(sim) as c:
        source = JumioSource(c)
        assert isinstance(source, Source)
        assert source.name == "jumio" and source.remote_decisions is False
        groups = {option.group for option in source.decisions()}
        codes = [option.code for option in source.decisions()]
    assert groups == {"approve", "deny", "no_action"}
    assert "approve" in codes and "escalate" in codes and sum(c.startswith("reject_") for c in codes) >= 3


def test_item_ids_carry_the_kind() -> None:
    assert parse_item("abc") == ("netverify", "abc")
    assert parse_item("document:abc") == ("document", "abc")
    assert parse_item("authentication:x:y") == ("authentication", "x:y")
    assert item_id_of("document", "abc") == "document:abc" and item_id_of("netverify", "abc") == "abc"
    with pytest.raises(SourceError):
        parse_item("document:")


async def test_document_images_side_by_side_liveness_in_number_order_pages_in_order(sim) -> None:
    async with client(sim) as c:
        source = JumioSource(c)
        document = await source.images("done-id-1")
        liveness = await source.images("liveness-1")
        pages = await source.images("document:dv-bs-1")
        auth = await source.images("authentication:auth-passed-1")
        face = await source.fetch_image("done-id-1", document[2])
        third = await source.fetch_image("liveness-1", liveness[4])
    assert [(r.key, r.group, r.order) for r in document] == [
        ("front", "document", 0),
        ("back", "document", 1),
        ("face", "document", 2),
    ]
    assert [r.key for r in liveness] == ["front", "face"] + [f"liveness-{n}" for n in range(1, 8)]
    assert [r.order for r in liveness if r.group == "liveness"] == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]  # listed 7,5,6,3,4,1,2
    assert [(r.key, r.group, r.label) for r in pages] == [
        ("page-1", "pages", "Page 1"),
        ("page-2", "pages", "Page 2"),
    ]
    assert [r.key for r in auth] == ["face"] + [f"liveness-{n}" for n in range(1, 8)]
    assert face.startswith(b"\x89PNG") and third[:2] == b"\xff\xd8"
    assert f"{PREFIX}/scans/liveness-1/images/liveness/3" in {r["path"] for r in jumio_requests(sim)}


async def test_details_show_document_transaction_and_verification_with_reject_reason(sim) -> None:
    async with client(sim) as c:
        details = await JumioSource(c).details("fraud-1")
    tree = labels(details.tree)
    assert details.state == "DONE" and details.next_poll is None
    assert tree["Document/Status"] == ("DENIED_FRAUD", "bad")
    assert tree["Document/Type"][0] == "ID_CARD"
    assert tree["Transaction/Merchant reference"][0] == "MSR-fraud-1"
    assert tree["Verification/Similarity"] == ("MATCH", "ok")
    assert tree["Verification/Validity"] == ("TRUE", "ok")
    value, level = tree["Verification/Reject reason"]
    assert value.startswith("100 MANIPULATED_DOCUMENT") and "DENIED_FRAUD" in value and level == "bad"
    reject = next(n for n in details.tree if n.label == "Verification").children[-1]
    assert [child.value for child in reject.children] == ["1001 PHOTO", "1004 DOB"]
    assert "DENIED_FRAUD" in details.summary and details.facts["reject reason"] == "100"


async def test_validity_is_read_whatever_its_case_and_no_match_is_bad(sim) -> None:
    async with client(sim) as c:
        source = JumioSource(c)
        approved = labels((await source.details("done-passport-1")).tree)
        nomatch = labels((await source.details("nomatch-1")).tree)
    assert approved["Verification/Validity"] == ("true", "ok")  # the reference's sample spelling
    assert nomatch["Verification/Similarity"] == ("NO_MATCH", "bad")
    assert nomatch["Verification/Validity"] == ("false", "bad")
    assert nomatch["Verification/Validity reason"] == ("SELFIE_MANIPULATED", "bad")


async def test_pending_is_polled_on_the_schedule_then_details_and_images_once(sim) -> None:
    clock = Clock()
    sim.config.jumio_pending_polls = 2
    async with client(sim) as c:
        source = JumioSource(c, clock=clock)
        source.track("pending-x", acquired_at=clock.now)

        def status_requests() -> int:
            return sum(r["path"] == f"{PREFIX}/scans/pending-x" for r in jumio_requests(sim))

        first = await source.details("pending-x")  # not due yet: nothing asked
        assert status_requests() == 0 and first.next_poll == clock.now + SCHEDULE[0]
        clock.now += SCHEDULE[0]
        pending = await source.details("pending-x")
        assert pending.state == "PENDING" and status_requests() == 1
        assert pending.next_poll == 1_000_000.0 + SCHEDULE[1] and "next poll in 20 s" in pending.summary
        with pytest.raises(SourceError, match="still PENDING"):
            await source.images("pending-x")
        clock.now += 5  # before the 2nd try: the known state, no request
        await source.details("pending-x")
        assert status_requests() == 1
        clock.now = 1_000_000.0 + SCHEDULE[1]
        assert (await source.details("pending-x")).state == "PENDING"
        clock.now = 1_000_000.0 + SCHEDULE[2]
        done = await source.details("pending-x")
        assert done.state == "DONE" and done.next_poll is None and status_requests() == 3
        for _ in range(3):  # details and images once, however often asked
            await source.details("pending-x")
            await source.images("pending-x")
    paths = [r["path"] for r in jumio_requests(sim)]
    assert paths.count(f"{PREFIX}/scans/pending-x/data") == 1
    assert paths.count(f"{PREFIX}/scans/pending-x/images") == 1
    assert status_requests() == 3
    assert source.poll_state("pending-x").tries == 3


async def test_an_item_without_acquisition_time_is_asked_at_once(sim) -> None:
    async with client(sim) as c:
        details = await JumioSource(c).details("done-license-1")
    assert details.state == "DONE"
    assert labels(details.tree)["Document/State"][0] == "CA"


async def test_bad_input_gives_a_source_error_with_its_exit_code_and_nothing_else_stops(sim) -> None:
    async with client(sim) as c:
        source = JumioSource(c)
        cases = {
            "weird-1": (5, "unknown status 'PROCESSING'"),
            "nostatus-1": (5, "no `status` field"),
            "nobody-1": (4, "404"),
        }
        for item, (code, text) in cases.items():
            with pytest.raises(SourceError) as info:
                await source.details(item)
            assert info.value.exit_code == code and text in str(info.value) and item in str(info.value)
        refs = await source.images("otherhost-1")
        with pytest.raises(SourceError, match="another host") as other:
            await source.fetch_image("otherhost-1", refs[0])
        huge_refs = await source.images("huge-1")
        with pytest.raises(SourceError, match="megapixels"):
            await source.fetch_image("huge-1", huge_refs[0])
        assert (await source.fetch_image("huge-1", huge_refs[1]))[:2] == b"\xff\xd8"  # the back still loads
        broken_refs = await source.images("broken-1")
        with pytest.raises(SourceError, match="damaged"):
            await source.fetch_image("broken-1", broken_refs[0])
        with pytest.raises(SourceError, match="no image 'selfie'") as missing:
            await source.fetch_image("done-id-1", ImageRef("selfie", "Selfie"))
        # After all that, a good item still works.
        assert (await source.details("done-visa-1")).state == "DONE"
    assert other.value.exit_code == 5 and missing.value.exit_code == 4


async def test_a_401_is_a_source_error_with_exit_3(sim) -> None:
    old = credentials(sim)
    sim.config.jumio_secret = "rotated"
    async with client(sim, creds=old) as c:
        with pytest.raises(SourceError, match="401") as info:
            await JumioSource(c).details("done-id-1")
    assert info.value.exit_code == 3


async def test_a_user_agent_missing_gives_the_setting_name_and_sends_nothing(sim) -> None:
    async with client(sim, user_agent="") as c:
        with pytest.raises(SourceError, match="jumio_user_agent") as info:
            await JumioSource(c).details("done-id-1")
    assert info.value.exit_code == 2 and sim.requests_log() == []


async def test_document_verification_and_authentication_details(sim) -> None:
    async with client(sim) as c:
        source = JumioSource(c)
        bs = labels((await source.details("document:dv-bs-1")).tree)
        ssc = labels((await source.details("document:dv-ssc-1")).tree)
        auth = await source.details("authentication:auth-passed-1")
        failed = await source.details("authentication:auth-failed-1")
    assert bs["Document/Type"][0] == "BS (Bank statement)"
    assert bs["Document/Extracted data/Fields/accountNumber"][0] == "123456789"  # a JSON string, read
    assert ssc["Document/Extracted data/Social security number"][0] == "123-45-6789"
    assert auth.state == "PASSED" and labels(auth.tree)["Result"] == ("PASSED", "ok")
    assert failed.state == "FAILED" and labels(failed.tree)["Result"] == ("FAILED", "bad")


def test_a_field_that_cannot_be_read_is_shown_raw_and_the_rest_still_works() -> None:
    data = {
        "document": {
            "type": "CC",
            "extractedData": {"firstName": "A B", "extractedData": '{"pan": "XX1234"'},
        },
        "transaction": {"status": "DONE"},
        "somethingNew": {"a": [1, 2]},
    }
    tree = labels(build_details("document", "r", "DONE", data, ["an image entry is not an object"]).tree)
    value, level = tree["Document/Extracted data/Fields (could not be read; as received)"]
    assert value == '{"pan": "XX1234"' and level == "warn"
    assert tree["Document/Extracted data/First name"][0] == "A B"
    assert tree["somethingNew/a/2"][0] == "2"
    assert tree["Problems/!"] == ("an image entry is not an object", "warn")


def test_unknown_reject_codes_say_so_and_missing_sections_say_not_given() -> None:
    data = {
        "verification": {"rejectReason": {"rejectReasonCode": 999, "rejectReasonDescription": "NEW_THING"}}
    }
    tree = labels(build_details("netverify", "r", "DONE", data).tree)
    assert tree["Verification/Reject reason"][0] == "999 (not in the reference): NEW_THING"
    assert "Document/(not given)" in tree and "Transaction/(not given)" in tree


async def test_details_and_images_asked_together_share_one_status_request(sim) -> None:
    """The window asks an item's details and its image list at once: the second waits for the first
    status answer instead of taking "not asked yet" for it (which left the images unlisted)."""
    async with client(sim) as c:
        source = JumioSource(c)
        details, refs = await asyncio.gather(
            source.details("done-id-together"), source.images("done-id-together")
        )
        statuses = [r for r in jumio_requests(sim) if r["path"] == f"{PREFIX}/scans/done-id-together"]
    assert details.state == "DONE" and [r.key for r in refs] == ["front", "back", "face"]
    assert len(statuses) == 1


async def test_an_unreadable_status_is_said_in_the_details_until_one_is_read(sim) -> None:
    async with client(sim) as c:
        source = JumioSource(c)
        with pytest.raises(SourceError, match="unknown status"):
            await source.refresh_status("weird-said")
        details = await source.details("weird-said")  # not due again yet: the last answer is told
    assert "unknown status" in details.summary
    assert labels(details.tree)["Last status answer"][1] == "bad"
