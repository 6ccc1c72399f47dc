"""reviewdesk.domain.shortcodes: the sixteen shortcodes in their three groups."""

from __future__ import annotations

import pytest

from reviewdesk.domain import shortcodes


def test_sixteen_shortcodes_in_three_groups() -> None:
    codes = shortcodes.all_shortcodes()
    assert len(codes) == 16 and len({s.code for s in codes}) == 16
    assert [s.code for s in shortcodes.in_group(shortcodes.Group.APPROVE)] == ["approved"]
    assert len(shortcodes.in_group(shortcodes.Group.DENY)) == 7
    assert len(shortcodes.in_group(shortcodes.Group.NO_ACTION)) == 8
    assert all(s.code.startswith("no_action_") for s in shortcodes.in_group(shortcodes.Group.NO_ACTION))
    with pytest.raises(shortcodes.UnknownShortcode, match="valid shortcodes are: approved"):
        shortcodes.get("ABC")
