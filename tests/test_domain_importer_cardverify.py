"""Queue import of Bouncer CardVerify request bodies and of two-card columns (docs/BOUNCER.md).

Covers reviewdesk.domain.importer (CardVerify bodies) with reviewdesk.domain.cardverify.
"""

from __future__ import annotations

import json

import pytest

from reviewdesk.domain.card_compare import Outcome, compare, suggested_shortcode
from reviewdesk.domain.importer import (
    ImportFailed,
    ImportProblem,
    parse_csv,
    parse_file,
    parse_json,
    parse_pasted,
)

SECRET = "ENCRYPTED-PAYLOAD-must-never-be-kept"
RESULTS = "VERIFICATION-RESULTS-must-never-be-kept"
OCR = {"bin": "424242", "last4": "0123", "exp_month": "11", "exp_year": "2024", "card_name": "John Doe"}
CHALLENGED = {"bin": "411111", "last4": "0123", "exp_month": "1", "exp_year": "24", "card_name": "JOHN  DOE"}
WEB = {"ocr_result": OCR, "card_challenged": CHALLENGED, "verification_results": RESULTS}
VERIFY = {
    "payload": SECRET,
    "payload_version": 1,
    "last4": "0123",
    "bin": "424242",
    "exp_month": "11",
    "exp_year": "2022",
}

WEB_FACTS = {
    "bin": "411111",
    "last4": "0123",
    "expiry": "01/24",
    "cardholder": "JOHN  DOE",
    "scanned.bin": "424242",
    "scanned.last4": "0123",
    "scanned.expiry": "11/2024",
    "scanned.cardholder": "John Doe",
}


def everything(result) -> str:
    return json.dumps([s.facts for s in result.scans]) + repr(result.problems) + result.summary()


def test_a_verify_web_body_keeps_both_cards_and_never_the_encrypted_results() -> None:
    result = parse_json(json.dumps([{"scanId": "s1", **WEB}]))
    assert result.problems == []
    assert result.scans[0].facts == WEB_FACTS
    assert RESULTS not in everything(result)
    rows = {r.field: r.outcome for r in compare(result.scans[0].facts)}
    assert rows == {
        "bin": Outcome.DIFFERENT,
        "last4": Outcome.EQUAL,
        "expiry": Outcome.DIFFERENT,  # 01/24 against 11/2024
        "name": Outcome.EQUAL,
    }
    assert suggested_shortcode(result.scans[0].facts) == "denied_bin_mismatch"


def test_a_verify_body_is_the_expected_card_and_its_payload_is_dropped() -> None:
    result = parse_json(json.dumps({"scanId": "s1", **VERIFY}))  # one object, not a list
    assert result.problems == []
    assert result.scans[0].facts == {"bin": "424242", "last4": "0123", "expiry": "11/2022"}
    assert SECRET not in everything(result)


def test_the_wrapper_form_and_a_list_of_both_shapes() -> None:
    text = json.dumps(
        [
            {"scanId": "w1", "cardVerify": WEB},
            {"scanId": "w2", "cardVerify": VERIFY},
            {"scanId": "w3", **WEB},
        ],
        indent=2,
    )
    result = parse_json(text)
    assert [s.scan_id for s in result.scans] == ["w1", "w2", "w3"]
    assert result.scans[0].facts == result.scans[2].facts == WEB_FACTS
    assert result.scans[1].facts == {"bin": "424242", "last4": "0123", "expiry": "11/2022"}
    assert SECRET not in everything(result) and RESULTS not in everything(result)
    assert parse_pasted(text).scans == result.scans  # pasted JSON goes the same way


def test_bad_fields_are_reported_by_line_and_the_rest_is_kept() -> None:
    items = [
        {"scanId": "ok", **WEB},
        {"scanId": "b1", "cardVerify": {**VERIFY, "exp_month": "13", "bin": "4242"}},
        {"scanId": "b2", "ocr_result": {**OCR, "last4": "01234567890123"}, "card_challenged": "411111"},
        {
            "scanId": "b3",
            "card_challenged": {**CHALLENGED, "exp_year": None},
            "verification_results": RESULTS,
        },
        {"cardVerify": WEB},
    ]
    text = "[\n" + ",\n".join(json.dumps(i) for i in items) + "\n]"
    result = parse_json(text)
    assert result.problems == [
        ImportProblem(
            3, "item 2: cardVerify.exp_month is not a month, 01 to 12 (2 characters); the expiry was left out"
        ),
        ImportProblem(3, "item 2: the BIN is not 6 to 8 digits (4 characters); it was left out"),
        ImportProblem(4, "item 3: card_challenged is text, not an object; it was left out"),
        ImportProblem(
            4, "item 3: the scanned card's last 4 is not 4 digits (14 characters); it was left out"
        ),
        ImportProblem(5, "item 4: card_challenged.exp_year is missing; the expiry was left out"),
        ImportProblem(6, "item 5: the object has no scanId"),
    ]
    by_id = {s.scan_id: s.facts for s in result.scans}
    assert by_id["b1"] == {"last4": "0123"}
    assert by_id["b2"] == {
        k: v for k, v in WEB_FACTS.items() if k.startswith("scanned.") and k != "scanned.last4"
    }
    assert by_id["b3"] == {"bin": "411111", "last4": "0123", "cardholder": "JOHN  DOE"}
    assert "01234567890123" not in everything(result)  # a value is never echoed


def test_csv_and_json_columns_for_both_cards(tmp_path) -> None:
    csv_text = (
        "scanId,bin,last4,expiry,cardholder,scanned.bin,scanned_last4,Scanned Expiry,ocr_result.card_name\n"
        "c1,411111,0123,01/24,JOHN  DOE,424242,0123,11/2024,John Doe\n"
        "c2,411111,0123,01/24,Ann,4242,0123,13/24,Ann\n"
    )
    path = tmp_path / "two.csv"
    path.write_text(csv_text)
    result = parse_file(path)
    assert result.scans[0].facts == WEB_FACTS
    assert result.problems == [
        ImportProblem(3, "the scanned card's BIN is not 6 to 8 digits (4 characters); it was left out"),
        ImportProblem(3, "the scanned card's expiry is not MM/YY or MM/YYYY (5 characters); it was left out"),
    ]
    as_json = parse_json(json.dumps([{"scanId": "j1", "expected.bin": "411111", "ocrLast4": "0123"}]))
    assert as_json.scans[0].facts == {"bin": "411111", "scanned.last4": "0123"}
    too_long = parse_csv("scanId,scanned.cardholder\nx," + "N" * 300 + "\n")
    assert too_long.scans[0].facts == {} and "300 characters long" in too_long.problems[0].message


def test_an_object_without_a_scan_id_is_still_refused_whole() -> None:
    with pytest.raises(ImportFailed, match="expected a list of scans"):
        parse_json(json.dumps(WEB))
