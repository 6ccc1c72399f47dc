"""Bouncer CardVerify: body checks and the client against the simulator on loopback (docs/BOUNCER.md);
the command line is in test_cli_bouncer.py.

Covers reviewdesk.api.bouncer, reviewdesk.domain.cardverify (body checks) and the simulator's Bouncer
paths.
"""

from __future__ import annotations

import pytest

from reviewdesk.api import errors as e
from reviewdesk.api.bouncer import BouncerClient, InvalidCardVerifyBody
from reviewdesk.domain.cardverify import verify_problems, verify_web_problems
from support.bouncer import KEY, VERIFY_BODY, WEB_BODY, sent

# -- header spellings --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["bearer", "x-bouncer-auth", "both"])
async def test_both_calls_work_whichever_header_the_server_reads(sim, mode) -> None:
    sim.config.bouncer_header_mode = mode
    async with BouncerClient(sim.base_url, KEY) as client:
        token = await client.verify(VERIFY_BODY)
        web_token = await client.verify_web(WEB_BODY)
    assert token.count("-") == 3 and web_token.count("-") == 3 and token != web_token
    assert [r["keyHeaders"] for r in sent(sim)] == [["authorization", "x-bouncer-auth"]] * 2
    assert [r["path"] for r in sent(sim)] == ["/v1/card/verify", "/v1/card/verify_web"]


async def test_a_401_says_to_check_the_key_and_never_echoes_it(sim) -> None:
    async with BouncerClient(sim.base_url, "wrong-key-777") as client:
        with pytest.raises(e.UnauthorizedError) as caught:
            await client.verify(VERIFY_BODY)
    assert caught.value.exit_code == 3
    assert "REVIEWDESK_BOUNCER_KEY" in str(caught.value) and "wrong-key-777" not in str(caught.value)


async def test_a_400_carries_the_servers_message(sim) -> None:
    async with BouncerClient(sim.base_url, KEY) as client:
        with pytest.raises(e.BadRequestError) as caught:
            await client.verify({**VERIFY_BODY, "payload_version": 7})
    assert "Unsupported payload_version: 7" in str(caught.value)
    assert caught.value.exit_code == 2


async def test_a_bad_body_is_refused_before_anything_is_sent(sim) -> None:
    async with BouncerClient(sim.base_url, KEY) as client:
        with pytest.raises(InvalidCardVerifyBody) as caught:
            await client.verify({**VERIFY_BODY, "last4": "123"})
        with pytest.raises(InvalidCardVerifyBody, match="ocr_result is missing"):
            await client.verify_web({"verification_results": "x"})
    assert "last4 must be 4 digits (got 3 characters)" in str(caught.value)
    assert sent(sim) == []


# -- body checks (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"payload": None}, "payload is missing (it is required)"),
        ({"payload": ""}, "payload is missing (it is required)"),
        ({"payload": 5}, "payload must be text, not a number"),
        ({"last4": None}, "last4 is missing (it is required)"),
        ({"last4": "12345"}, "last4 must be 4 digits (got 5 characters)"),
        ({"bin": "42424"}, "bin must be 6 to 8 digits (got 5 characters)"),
        ({"bin": "424242424"}, "bin must be 6 to 8 digits (got 9 characters)"),
        ({"exp_month": "13"}, "exp_month must be a month, 01 to 12 (got 2 characters)"),
        ({"exp_month": "00"}, "exp_month must be a month, 01 to 12 (got 2 characters)"),
        ({"exp_month": 11}, 'exp_month must be text (e.g. "11"), not a number'),
        ({"exp_year": "202"}, "exp_year must be a year of 2 or 4 digits (got 3 characters)"),
        ({"payload_version": "1"}, "payload_version must be a whole number, not str"),
    ],
)
def test_each_malformed_or_missing_field_is_named(change, problem) -> None:
    body = {k: v for k, v in {**VERIFY_BODY, **change}.items() if v is not None}
    assert verify_problems(body) == [problem]


def test_good_bodies_pass_and_short_forms_are_accepted() -> None:
    assert verify_problems(VERIFY_BODY) == []
    assert verify_problems({"payload": "p", "last4": "0001", "exp_month": "1", "exp_year": "27"}) == []
    assert verify_web_problems(WEB_BODY) == []
    assert verify_web_problems({"verification_results": "v", "ocr_result": {"last4": "1234"}}) == []


def test_web_problems_name_the_card_and_never_quote_a_value() -> None:
    problems = verify_web_problems(
        {"ocr_result": {"bin": "4111111111111111"}, "card_challenged": "x", "verification_results": []}
    )
    assert problems == [
        "verification_results must be text, not a list",
        "ocr_result.bin must be 6 to 8 digits (got 16 characters)",
        "ocr_result.last4 is missing (it is required)",
        "card_challenged must be an object of card details",
    ]
    assert not any("4111" in p for p in problems)
    assert verify_problems([1]) == ["the body must be a JSON object, not a list"]


async def test_an_answer_without_a_token_names_what_it_had() -> None:
    from support.odd_server import OddServer, response

    with OddServer() as srv:
        srv.routes["/v1/card/verify"] = lambda *_: response(200, b'{"status": "ok", "id": 4}')
        async with BouncerClient(srv.base_url, KEY) as client:
            with pytest.raises(e.ProtocolError, match=r"no token \(top-level keys: status, id\)"):
                await client.verify(VERIFY_BODY)
    headers = srv.seen[0][2]
    assert headers["authorization"] == f"Bearer {KEY}" and headers["x-bouncer-auth"] == KEY
