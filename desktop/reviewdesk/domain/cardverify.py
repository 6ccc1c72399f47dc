"""Bouncer CardVerify request bodies (docs/BOUNCER.md): the checks made before one is sent or imported.

`/v1/card/verify` carries the challenged card at the top level with the encrypted `payload`;
`/v1/card/verify_web` carries two `CardDetails` (`card_challenged`, optional, and `ocr_result`)
with the encrypted `verification_results`. Problems name the field ("ocr_result.last4") and never
quote a value: a card number typed into the wrong field must not reach a message or a log.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reviewdesk.limits import MAX_FACT_LENGTH

VERIFY = "verify"
VERIFY_WEB = "verify_web"
CARD_FIELDS = ("bin", "last4", "exp_month", "exp_year", "card_name")
#: Never stored, logged or shown: the SDK's encrypted scan results.
SECRET_FIELDS = ("payload", "verification_results")

_DIGITS = {
    "bin": (re.compile(r"[0-9]{6,8}"), "must be 6 to 8 digits"),
    "last4": (re.compile(r"[0-9]{4}"), "must be 4 digits"),
    "exp_month": (re.compile(r"0?[1-9]|1[0-2]"), "must be a month, 01 to 12"),
    "exp_year": (re.compile(r"[0-9]{2}|[0-9]{4}"), "must be a year of 2 or 4 digits"),
}


def _size(value: str) -> str:
    n = len(value)
    return f"{n} character{'' if n == 1 else 's'}"


def card_problems(card: object, where: str, *, last4_required: bool = True) -> list[str]:
    """What is wrong with one card's fields (bin, last4, exp_month, exp_year, card_name)."""
    if not isinstance(card, Mapping):
        return [f"{where} must be an object of card details"]
    problems = []
    prefix = f"{where}." if where else ""
    for name in CARD_FIELDS:
        value = card.get(name)
        if value is None or value == "":
            if name == "last4" and last4_required:
                problems.append(f"{prefix}last4 is missing (it is required)")
            continue
        if not isinstance(value, str):
            problems.append(f'{prefix}{name} must be text (e.g. "11"), not {_kind(value)}')
            continue
        if name == "card_name":
            if len(value) > MAX_FACT_LENGTH:
                problems.append(f"{prefix}card_name is {_size(value)}, over {MAX_FACT_LENGTH}")
            continue
        pattern, rule = _DIGITS[name]
        if pattern.fullmatch(value) is None:
            problems.append(f"{prefix}{name} {rule} (got {_size(value)})")
    return problems


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return "null" if value is None else type(value).__name__


def _secret_problem(body: Mapping[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if value is None or value == "":
        return [f"{name} is missing (it is required)"]
    if not isinstance(value, str):
        return [f"{name} must be text, not {_kind(value)}"]
    return []


def verify_problems(body: object) -> list[str]:
    """Problems of a `/v1/card/verify` body; [] when it may be sent."""
    if not isinstance(body, Mapping):
        return [f"the body must be a JSON object, not {_kind(body)}"]
    problems = _secret_problem(body, "payload")
    version = body.get("payload_version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        problems.append(f"payload_version must be a whole number, not {_kind(version)}")
    return problems + card_problems(body, "")


def verify_web_problems(body: object) -> list[str]:
    """Problems of a `/v1/card/verify_web` body; [] when it may be sent."""
    if not isinstance(body, Mapping):
        return [f"the body must be a JSON object, not {_kind(body)}"]
    problems = _secret_problem(body, "verification_results")
    if body.get("ocr_result") is None:
        problems.append("ocr_result is missing (it is required)")
    else:
        problems += card_problems(body["ocr_result"], "ocr_result")
    if body.get("card_challenged") is not None:
        problems += card_problems(body["card_challenged"], "card_challenged")
    return problems


def kind_of(body: Mapping[str, Any]) -> str | None:
    """VERIFY_WEB when the body has card_challenged/ocr_result/verification_results, VERIFY when it has
    a payload or top-level card fields, else None."""
    if any(k in body for k in ("ocr_result", "card_challenged", "verification_results")):
        return VERIFY_WEB
    if "payload" in body or "payload_version" in body:
        return VERIFY
    return None
