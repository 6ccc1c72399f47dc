"""Idempotency keys made without the `uuid` module (reviewdesk/ids.py): still random version-4 UUIDs."""

from __future__ import annotations

import uuid

from reviewdesk.ids import uuid4_text


def test_a_key_is_a_random_version_4_uuid_as_text() -> None:
    keys = [uuid4_text() for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    for key in keys:
        parsed = uuid.UUID(key)
        assert str(parsed) == key  # the canonical text: lower-case, 8-4-4-4-12
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    # every other bit varies (122 random bits): each hex digit but the fixed ones takes many values
    digits = [{k[i] for k in keys} for i in range(36)]
    fixed = {8, 13, 14, 18, 19, 23}  # the four dashes, the version digit and the variant digit
    assert all(len(d) >= 12 for i, d in enumerate(digits) if i not in fixed)
    assert digits[14] == {"4"} and {k[19] for k in keys} == set("89ab")
