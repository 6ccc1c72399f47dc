"""The reference's value tables and the card-number masking (docs/JUMIO.md), as pure functions."""

from __future__ import annotations

from uuid import UUID

from hypothesis import example, given
from hypothesis import strategies as st

from reviewdesk.domain.jumio_codes import (
    REJECT_DETAILS,
    REJECT_REASONS,
    level_of,
    mask_card_numbers,
    mask_tree,
    reject_detail_text,
    reject_reason_text,
)


def test_the_reject_reason_table_of_the_reference() -> None:
    assert len(REJECT_REASONS) == 20
    assert REJECT_REASONS["111"] == ("MISMATCH_PRINTED_BARCODE_DATA", "DENIED_FRAUD")
    assert REJECT_REASONS["300"] == ("MANUAL_REJECTION", "ERROR_NOT_READABLE_ID")
    assert REJECT_DETAILS["10011"] == "PLACE_OF_BIRTH" and REJECT_DETAILS["2005"] == "DAMAGED_DOCUMENT"


def test_reject_reason_text_with_code_name_group_and_the_servers_words() -> None:
    assert (
        reject_reason_text("201", "NO_DOCUMENT") == "201 NO_DOCUMENT (document status ERROR_NOT_READABLE_ID)"
    )
    assert (
        reject_reason_text(107) == "107 PHOTO_MISMATCH (document status DENIED_FRAUD)"
    )  # a number works too
    assert reject_reason_text("106", "FAKE_ID").endswith("; the server says FAKE_ID")
    assert reject_reason_text("999", "NEW") == "999 (not in the reference): NEW"
    assert reject_reason_text(None) == "(no code) (not in the reference)"
    assert reject_detail_text("1003", "EXPIRY") == "1003 EXPIRY"
    assert reject_detail_text("77") == "77 (not in the reference)"


def test_levels_are_case_insensitive() -> None:
    assert level_of("validity", "true") == level_of("validity", "TRUE") == "ok"
    assert level_of("validity", False) == "bad"
    assert level_of("similarity", "NOT_POSSIBLE") == "warn"
    assert level_of("similarity", "SOMETHING") == "" and level_of("nofield", "OK") == ""


def test_card_numbers_are_masked_to_their_last_four() -> None:
    assert mask_card_numbers("pan 4111111111111111 end") == "pan XXXXXXXXXXXX1111 end"
    assert mask_card_numbers("4111 1111 1111 1111") == "XXXXXXXXXXXX1111"
    assert mask_card_numbers("5500-0000-0000-0004") == "XXXXXXXXXXXX0004"
    assert mask_card_numbers("4111111111111112") == "4111111111111112"  # fails Luhn: not a card
    assert mask_card_numbers("123456789012") == "123456789012"  # 12 digits: too short
    assert mask_card_numbers("XXXXXXXXXXXX1234") == "XXXXXXXXXXXX1234"
    assert mask_card_numbers("PAN4111111111111111") == "PANXXXXXXXXXXXX1111"  # letters may touch it
    uuid = "12345678-1234-1234-1234-123456789012"
    assert mask_card_numbers(uuid) == uuid  # a reference's digit groups are not a card number
    tree = mask_tree({"a": ["4111111111111111", {"b": 4111111111111111}], "4111111111111111": "x"})
    assert tree == {"a": ["XXXXXXXXXXXX1111", {"b": 4111111111111111}], "XXXXXXXXXXXX1111": "x"}


def _luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


@given(st.text(alphabet="0123456789", min_size=12, max_size=18), st.sampled_from([" ", "", "\n", ": "]))
def test_no_luhn_valid_card_number_survives(body: str, around: str) -> None:
    number = _luhn_complete(body)
    masked = mask_card_numbers(f"x{around}{number}{around}y")
    assert number not in masked and number[-4:] in masked


@given(st.uuids())
@example(UUID("58933834-4921-5b71-2116-09c835dff8ba"))  # a digit group that ends in a letter
def test_a_uuid_reference_is_never_masked(value) -> None:
    text = str(value)
    assert mask_card_numbers(text) == text
    digits_only = "".join(c if c.isdigit() or c == "-" else "1" for c in text)  # all digits, dashes kept
    assert mask_card_numbers(digits_only) == digits_only
