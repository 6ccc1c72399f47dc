"""The expected card against the scanned card, field by field, and when D B is suggested."""

from __future__ import annotations

import pytest

from reviewdesk.domain.card_compare import (
    BIN_MISMATCH,
    Outcome,
    compare,
    has_both_cards,
    normalise_name,
    parse_expiry,
    suggested_shortcode,
    suggests_bin_mismatch,
)

SAME = {
    "bin": "424242",
    "last4": "0123",
    "expiry": "11/2024",
    "cardholder": "José  de la Peña",
    "scanned.bin": "424242",
    "scanned.last4": "0123",
    "scanned.expiry": "11/24",
    "scanned.cardholder": "JOSE DE LA PENA",
}


def outcomes(facts) -> dict[str, Outcome]:
    return {row.field: row.outcome for row in compare(facts)}


def test_the_same_card_is_equal_field_by_field() -> None:
    rows = compare(SAME)
    assert [r.field for r in rows] == ["bin", "last4", "expiry", "name"]
    assert [r.label for r in rows] == ["BIN", "Last 4", "Expiry", "Name"]
    assert all(r.outcome is Outcome.EQUAL for r in rows)
    assert rows[3].expected == "José  de la Peña" and rows[3].scanned == "JOSE DE LA PENA"  # shown as held
    assert not suggests_bin_mismatch(rows)
    assert suggested_shortcode(SAME) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scanned.bin": "411111"}, "bin"),
        ({"scanned.last4": "0124"}, "last4"),
        ({"scanned.expiry": "12/24"}, "expiry"),
        ({"scanned.expiry": "11/25"}, "expiry"),
        ({"scanned.cardholder": "Jose de la Pena Jr"}, "name"),
    ],
)
def test_one_difference_is_marked_on_its_field_only(change, field) -> None:
    result = outcomes({**SAME, **change})
    assert result.pop(field) is Outcome.DIFFERENT
    assert set(result.values()) == {Outcome.EQUAL}


def test_bin_or_last4_differences_suggest_bin_mismatch_and_others_do_not() -> None:
    assert suggested_shortcode({**SAME, "scanned.bin": "411111"}) == BIN_MISMATCH == "denied_bin_mismatch"
    assert suggested_shortcode({**SAME, "scanned.last4": "9999"}) == BIN_MISMATCH
    assert suggested_shortcode({**SAME, "scanned.expiry": "01/30"}) is None
    assert suggested_shortcode({**SAME, "scanned.cardholder": "Someone Else"}) is None


def test_missing_on_either_side_is_missing_and_never_suggests() -> None:
    facts = {"bin": "424242", "last4": "0123", "scanned.last4": "0123", "scanned.expiry": "11/24"}
    result = outcomes(facts)
    assert result == {
        "bin": Outcome.MISSING,
        "last4": Outcome.EQUAL,
        "expiry": Outcome.MISSING,
        "name": Outcome.MISSING,
    }
    assert suggested_shortcode({"bin": "424242", "scanned.last4": "0123"}) is None  # bin vs nothing
    assert not has_both_cards({"bin": "424242", "last4": "0123"})
    assert suggested_shortcode({"bin": "424242", "last4": "0123"}) is None  # one card only


def test_a_six_digit_bin_matches_an_eight_digit_one_on_its_first_six() -> None:
    assert outcomes({**SAME, "scanned.bin": "42424299"})["bin"] is Outcome.EQUAL
    assert outcomes({**SAME, "bin": "42424211", "scanned.bin": "42424299"})["bin"] is Outcome.DIFFERENT


def test_names_ignore_case_accents_and_spacing() -> None:
    assert normalise_name("  Zoë   O'Brien ") == normalise_name("ZOE O'BRIEN") == "zoeo'brien"
    assert normalise_name("ÅSA ØSTBY") != normalise_name("ASA OSTBY")  # Ø is a letter, not O + accent
    assert normalise_name("Ａｎａ") == "ana"  # full-width letters too


def test_expiry_forms() -> None:
    assert parse_expiry("1/2027") == (1, 2027)
    assert parse_expiry("01-27") == (1, 27)
    assert parse_expiry("13/27") is None
    assert outcomes({**SAME, "expiry": "1/2024", "scanned.expiry": "11/24"})["expiry"] is Outcome.DIFFERENT
    assert outcomes({**SAME, "expiry": "soon", "scanned.expiry": "soon"})["expiry"] is Outcome.EQUAL
