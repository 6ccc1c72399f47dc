"""plain_text.escape gives exactly what html.escape gives (it stands in for it before first paint)."""

from __future__ import annotations

import html
import random

from reviewdesk.ui.plain_text import escape, tooltip


def test_escape_is_html_escape() -> None:
    rnd = random.Random(5)
    alphabet = "&<>\"'a b\n;#x27é€\u200b"
    samples = ["", "&amp;", "<b>x</b>", 'it\'s "quoted"', "&&<<>>''\"\""]
    samples += ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 30))) for _ in range(500)]
    for text in samples:
        assert escape(text) == html.escape(text), repr(text)
    assert tooltip("a<b>\n&'") == "<qt>a&lt;b&gt;<br>&amp;&#x27;</qt>"
