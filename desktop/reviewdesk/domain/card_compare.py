"""The card the merchant charged (expected) against the card in the image (scanned), field by field.

A scan's facts hold the expected card under the queue's usual keys (`bin`, `last4`, `expiry`,
`cardholder`) and the scanned card under `scanned.bin`, `scanned.last4`, `scanned.expiry`,
`scanned.cardholder` (docs/BOUNCER.md: from CardVerify's `card_challenged` and `ocr_result`, or
from CSV/JSON columns). Each field is equal, different or missing (on either side):

- BIN: digits only; a 6-digit BIN and an 8-digit one compare on their first 6 digits (the reference
  calls the BIN "first 6 digits" in one place and allows up to 8 elsewhere);
- last 4: digits only;
- expiry: month and year as numbers, a 2-digit year against the last two digits of a 4-digit one;
- name: without regard to case, accents and spacing ("JOSÉ  de la Peña" = "jose DE LA PENA").

Pure: no I/O, no Qt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

BIN_MISMATCH = "denied_bin_mismatch"
SCANNED_PREFIX = "scanned."

#: (field, label, expected fact key, scanned fact key), in display order.
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("bin", "BIN", "bin", "scanned.bin"),
    ("last4", "Last 4", "last4", "scanned.last4"),
    ("expiry", "Expiry", "expiry", "scanned.expiry"),
    ("name", "Name", "cardholder", "scanned.cardholder"),
)
EXPECTED_KEYS = tuple(f[2] for f in FIELDS)
SCANNED_KEYS = tuple(f[3] for f in FIELDS)
_EXPIRY = re.compile(r"\s*(\d{1,2})\s*[/\-.]\s*(\d{2}|\d{4})\s*")


class Outcome(StrEnum):
    EQUAL = "equal"
    DIFFERENT = "different"
    MISSING = "missing"  # on one side or both: nothing to compare


@dataclass(frozen=True, slots=True)
class FieldComparison:
    field: str  # "bin", "last4", "expiry", "name"
    label: str
    expected: str  # as the facts hold it; "" when missing
    scanned: str
    outcome: Outcome


def has_expected(facts: Mapping[str, str]) -> bool:
    return any(facts.get(k) for k in EXPECTED_KEYS)


def has_scanned(facts: Mapping[str, str]) -> bool:
    return any(facts.get(k) for k in SCANNED_KEYS)


def has_both_cards(facts: Mapping[str, str]) -> bool:
    return has_expected(facts) and has_scanned(facts)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def normalise_name(name: str) -> str:
    """Case, accents and spacing removed: what two names are compared by."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(plain.casefold().split())


def parse_expiry(value: str) -> tuple[int, int] | None:
    """(month, year) of "MM/YY", "M/YYYY", "11-2024"…, the year as written (24 or 2024); else None."""
    match = _EXPIRY.fullmatch(value)
    if match is None:
        return None
    month, year = int(match.group(1)), int(match.group(2))
    return (month, year) if 1 <= month <= 12 else None


def expiry_fact(month: str, year: str) -> str:
    """The `expiry` fact for CardVerify's exp_month and exp_year ("1", "2027" -> "01/2027")."""
    return f"{int(month):02d}/{year}"


def _same_year(a: int, b: int) -> bool:
    if (a < 100) == (b < 100):
        return a == b
    return a % 100 == b % 100


def _outcome(field: str, expected: str, scanned: str) -> Outcome:
    if field == "bin":
        a, b = _digits(expected), _digits(scanned)
        if not a or not b:
            return Outcome.MISSING
        n = min(len(a), len(b), 6) if len(a) != len(b) else len(a)
        return Outcome.EQUAL if a[:n] == b[:n] else Outcome.DIFFERENT
    if field == "last4":
        a, b = _digits(expected), _digits(scanned)
        if not a or not b:
            return Outcome.MISSING
        return Outcome.EQUAL if a == b else Outcome.DIFFERENT
    if field == "expiry":
        if not expected.strip() or not scanned.strip():
            return Outcome.MISSING
        x, y = parse_expiry(expected), parse_expiry(scanned)
        if x is None or y is None:  # unreadable on a side: compare the text as written
            return Outcome.EQUAL if expected.strip() == scanned.strip() else Outcome.DIFFERENT
        return Outcome.EQUAL if x[0] == y[0] and _same_year(x[1], y[1]) else Outcome.DIFFERENT
    a, b = normalise_name(expected), normalise_name(scanned)
    if not a or not b:
        return Outcome.MISSING
    return Outcome.EQUAL if a == b else Outcome.DIFFERENT


def compare(facts: Mapping[str, str]) -> tuple[FieldComparison, ...]:
    """Every field of the expected card against the scanned card, in display order."""
    rows = []
    for field, label, expected_key, scanned_key in FIELDS:
        expected, scanned = facts.get(expected_key) or "", facts.get(scanned_key) or ""
        rows.append(FieldComparison(field, label, expected, scanned, _outcome(field, expected, scanned)))
    return tuple(rows)


def suggests_bin_mismatch(comparisons: tuple[FieldComparison, ...]) -> bool:
    """Whether `denied_bin_mismatch` (D B) should be suggested: the BIN or the last 4 differ.
    A field missing on a side proves nothing, so it never suggests a mismatch."""
    return any(c.field in ("bin", "last4") and c.outcome is Outcome.DIFFERENT for c in comparisons)


def suggested_shortcode(facts: Mapping[str, str]) -> str | None:
    """BIN_MISMATCH when both cards are known and their BIN or last 4 differ, else None."""
    if not has_both_cards(facts):
        return None
    return BIN_MISMATCH if suggests_bin_mismatch(compare(facts)) else None
