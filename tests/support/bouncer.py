"""What the Bouncer tests share: a key, bodies of both calls, and what the simulator received."""

from __future__ import annotations

import httpx

KEY = "demo-bouncer-key"
PAYLOAD = "ENCRYPTED-PAYLOAD-0123456789"
VERIFY_BODY = {
    "payload": PAYLOAD,
    "payload_version": 1,
    "last4": "0123",
    "bin": "424242",
    "exp_month": "11",
    "exp_year": "2022",
}
CARD = {"bin": "424242", "last4": "0123", "exp_month": "11", "exp_year": "2024", "card_name": "John Doe"}
WEB_BODY = {"ocr_result": CARD, "card_challenged": CARD, "verification_results": "BASE64-RESULTS-xyz"}


def sent(sim) -> list[dict]:
    return httpx.get(sim.base_url + "/_sim/bouncer/requests").json()
