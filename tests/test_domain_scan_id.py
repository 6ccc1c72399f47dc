"""reviewdesk.domain.scan_id: property tests of scan ids (validation, one path segment)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewdesk.domain.scan_id import InvalidScanId, quote_path_segment, validate_scan_id

# -- scan ids ----------------------------------------------------------------------------------

printable_ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=128
).filter(lambda s: s.strip() == s and s.strip())


@given(printable_ids)
def test_valid_scan_ids_round_trip_through_one_path_segment(scan_id: str) -> None:
    from urllib.parse import unquote

    assert validate_scan_id(scan_id) == scan_id
    segment = quote_path_segment(scan_id)
    assert "/" not in segment and "?" not in segment and "#" not in segment
    assert segment not in (".", "..")
    assert unquote(segment) == scan_id


@given(st.text(min_size=129, max_size=300).filter(lambda s: s.strip() == s))
def test_overlong_scan_ids_are_refused(scan_id: str) -> None:
    with pytest.raises(InvalidScanId, match="at most 128"):
        validate_scan_id(scan_id)


@given(
    st.text(max_size=20),
    st.sampled_from(["\x00", "\n", "\r", "\x1b", "\u200b", "\u2028"]),
    st.text(max_size=20),
)
def test_control_characters_are_refused(prefix: str, bad: str, suffix: str) -> None:
    with pytest.raises(InvalidScanId):
        validate_scan_id(prefix + "x" + bad + "y" + suffix)


@pytest.mark.parametrize("value", ["", "   ", None, 42, " padded"])
def test_empty_or_non_text_scan_ids_are_refused(value: object) -> None:
    with pytest.raises(InvalidScanId):
        validate_scan_id(value)


def test_path_navigation_ids_stay_literal() -> None:
    assert quote_path_segment("../authorize") == "..%2Fauthorize"
    assert quote_path_segment("..") == "%2E%2E"
    assert quote_path_segment(".") == "%2E"
