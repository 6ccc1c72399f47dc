"""The value tables of Jumio's Netverify Retrieval reference, as data (docs/JUMIO.md).

Reject reasons and their details, the documented values of each status-like field, and how the
window may colour them. Pure Python, no I/O.
"""

from __future__ import annotations

import re
from typing import Any

#: rejectReasonCode -> (description, the document status it comes with).
REJECT_REASONS: dict[str, tuple[str, str]] = {
    "100": ("MANIPULATED_DOCUMENT", "DENIED_FRAUD"),
    "105": ("FRAUDSTER", "DENIED_FRAUD"),
    "106": ("FAKE", "DENIED_FRAUD"),
    "107": ("PHOTO_MISMATCH", "DENIED_FRAUD"),
    "108": ("MRZ_CHECK_FAILED", "DENIED_FRAUD"),
    "109": ("PUNCHED_DOCUMENT", "DENIED_FRAUD"),
    "110": ("CHIP_DATA_MANIPULATED", "DENIED_FRAUD"),
    "111": ("MISMATCH_PRINTED_BARCODE_DATA", "DENIED_FRAUD"),
    "102": ("PHOTOCOPY_BLACK_WHITE", "ERROR_NOT_READABLE_ID"),
    "103": ("PHOTOCOPY_COLOR", "ERROR_NOT_READABLE_ID"),
    "104": ("DIGITAL_COPY", "ERROR_NOT_READABLE_ID"),
    "200": ("NOT_READABLE_DOCUMENT", "ERROR_NOT_READABLE_ID"),
    "201": ("NO_DOCUMENT", "ERROR_NOT_READABLE_ID"),
    "202": ("SAMPLE_DOCUMENT", "ERROR_NOT_READABLE_ID"),
    "206": ("MISSING_BACK", "ERROR_NOT_READABLE_ID"),
    "207": ("WRONG_DOCUMENT_PAGE", "ERROR_NOT_READABLE_ID"),
    "209": ("MISSING_SIGNATURE", "ERROR_NOT_READABLE_ID"),
    "210": ("CAMERA_BLACK_WHITE", "ERROR_NOT_READABLE_ID"),
    "211": ("DIFFERENT_PERSONS_SHOWN", "ERROR_NOT_READABLE_ID"),
    "300": ("MANUAL_REJECTION", "ERROR_NOT_READABLE_ID"),
}

#: detailsCode -> description (for rejectReasonCode 100 and 200). 10011 is named only in the
#: reference's revision history, not in its table (docs/JUMIO.md).
REJECT_DETAILS: dict[str, str] = {
    "1001": "PHOTO",
    "1002": "DOCUMENT_NUMBER",
    "1003": "EXPIRY",
    "1004": "DOB",
    "1005": "NAME",
    "1006": "ADDRESS",
    "1007": "SECURITY_CHECKS",
    "1008": "SIGNATURE",
    "1009": "PERSONAL_NUMBER",
    "10011": "PLACE_OF_BIRTH",
    "2001": "BLURRED",
    "2002": "BAD_QUALITY",
    "2003": "MISSING_PART_DOCUMENT",
    "2004": "HIDDEN_PART_DOCUMENT",
    "2005": "DAMAGED_DOCUMENT",
}

NETVERIFY_STATUSES = ("PENDING", "DONE", "FAILED")
#: Document Verification's status table lists only DONE and FAILED; PENDING is accepted too.
DOCUMENT_STATUSES = ("PENDING", "DONE", "FAILED")
AUTHENTICATION_RESULTS = ("CREATED", "STARTED", "PASSED", "FAILED", "INVALID", "EXPIRED")
#: Authentication results that may still change: polled like PENDING.
AUTHENTICATION_OPEN = ("CREATED", "STARTED")

# value (upper case) -> level ("ok", "warn", "bad") for the details pane.
LEVELS: dict[str, dict[str, str]] = {
    "status": {"DONE": "ok", "PENDING": "warn", "FAILED": "bad"},
    "document.status": {
        "APPROVED_VERIFIED": "ok",
        "DENIED_FRAUD": "bad",
        "DENIED_UNSUPPORTED_ID_TYPE": "bad",
        "DENIED_UNSUPPORTED_ID_COUNTRY": "bad",
        "ERROR_NOT_READABLE_ID": "warn",
        "NO_ID_UPLOADED": "warn",
        "EXTRACTED": "ok",
        "UPLOADED": "",
        "DISCARDED": "warn",
    },
    "similarity": {"MATCH": "ok", "NO_MATCH": "bad", "NOT_POSSIBLE": "warn"},
    "validity": {"TRUE": "ok", "FALSE": "bad"},
    "mrzCheck": {"OK": "ok", "NOT_AVAILABLE": ""},
    "handwrittenNoteMatches": {"TRUE": "ok", "FALSE": "bad"},
    "transactionResult": {
        "PASSED": "ok",
        "FAILED": "bad",
        "INVALID": "bad",
        "EXPIRED": "warn",
        "CREATED": "warn",
        "STARTED": "warn",
    },
}


def level_of(field: str, value: object) -> str:
    return LEVELS.get(field, {}).get(str(value).upper(), "")


def reject_reason_text(code: object, server_description: object = None) -> str:
    """ "201 NO_DOCUMENT (document status ERROR_NOT_READABLE_ID)", and the server's own words when
    they differ from the reference's table."""
    key = str(code).strip() if code is not None else ""
    known = REJECT_REASONS.get(key)
    said = str(server_description).strip() if server_description not in (None, "") else ""
    if known is None:
        head = f"{key or '(no code)'} (not in the reference)"
        return f"{head}: {said}" if said else head
    text = f"{key} {known[0]} (document status {known[1]})"
    if said and said.upper() != known[0]:
        text += f"; the server says {said}"
    return text


def reject_detail_text(code: object, server_description: object = None) -> str:
    key = str(code).strip() if code is not None else ""
    known = REJECT_DETAILS.get(key)
    said = str(server_description).strip() if server_description not in (None, "") else ""
    if known is None:
        head = f"{key or '(no code)'} (not in the reference)"
        return f"{head}: {said}" if said else head
    return f"{key} {known}" + (f"; the server says {said}" if said and said.upper() != known else "")


# -- card numbers ------------------------------------------------------------------------------

# A run of 13-19 digits, single spaces or dashes between them, not part of a longer dashed run (a
# UUID's digit groups never match); letters may touch it ("PAN4111…" is masked too).
_DIGIT_RUN = re.compile(r"(?<!\d)(?<!\d-)\d(?:[ -]?\d){12,18}(?!\d)(?!-\d)")
# A UUID (8-4-4-4-12 hex digits): its digits are never a card number, even where a group of digits
# ends in a letter ("58933834-4921-5b71-…": the run would end at the "5").
_UUID = re.compile(r"(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f-])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask_card_numbers(text: str) -> str:
    """Every 13-19 digit run (spaces or dashes allowed) that passes the Luhn check, masked to its
    last four: what looks like an unmasked card number is never shown or kept (docs/JUMIO.md)."""

    uuids = [m.span() for m in _UUID.finditer(text)]

    def mask(match: re.Match[str]) -> str:
        start, end = match.span()
        if any(a <= start and end <= b for a, b in uuids):
            return match.group(0)
        digits = re.sub(r"\D", "", match.group(0))
        if not 13 <= len(digits) <= 19 or not _luhn_ok(digits):
            return match.group(0)
        return "X" * (len(digits) - 4) + digits[-4:]

    return _DIGIT_RUN.sub(mask, text)


def mask_tree(value: Any) -> Any:
    """`value` (parsed JSON) with every string passed through mask_card_numbers."""
    if isinstance(value, str):
        return mask_card_numbers(value)
    if isinstance(value, dict):
        return {mask_card_numbers(str(k)): mask_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_tree(v) for v in value]
    return value
