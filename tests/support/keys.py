"""Hypothesis strategies: key text as a person may write it, with its normal form."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from reviewdesk.domain.keymap import MODIFIERS, NAMED_KEYS

PUNCTUATION = [c for c in string.punctuation]
PLAIN_NAMED = [n for n in NAMED_KEYS if not n.startswith("F")]
ALIASES = {
    "escape": "Esc",
    "delete": "Del",
    "insert": "Ins",
    "pageup": "PgUp",
    "pagedown": "PgDown",
    "pgdn": "PgDown",
}
QT_ORDER = list(MODIFIERS)


def spelled_case(draw, word: str) -> str:
    return draw(st.sampled_from([word, word.lower(), word.upper(), word.capitalize(), word.swapcase()]))


@st.composite
def stroke(draw, *, qt_friendly: bool = False):
    """(text as a person may write it, the normal form) for one key press."""
    modifiers = draw(st.lists(st.sampled_from(QT_ORDER), unique=True, max_size=4))
    kind = draw(st.sampled_from(["letter", "digit", "punctuation", "named", "function"]))
    if kind == "letter":
        spelled = draw(st.sampled_from(string.ascii_letters))
        key = spelled.upper()
    elif kind == "digit":
        spelled = key = draw(st.sampled_from(string.digits))
    elif kind == "punctuation":
        spelled = key = draw(st.sampled_from(PUNCTUATION))
    elif kind == "named":
        if not qt_friendly and draw(st.booleans()):
            alias = draw(st.sampled_from(sorted(ALIASES)))
            spelled, key = spelled_case(draw, alias), ALIASES[alias]
        else:
            key = draw(st.sampled_from(PLAIN_NAMED))
            spelled = spelled_case(draw, key)
    else:
        number = draw(st.integers(1, 35))
        spelled, key = f"{draw(st.sampled_from('fF'))}{number}", f"F{number}"
    plus = st.just("+") if qt_friendly else st.sampled_from(["+", " +", "+ ", " + "])
    text = "".join(spelled_case(draw, m) + draw(plus) for m in modifiers) + spelled
    normal = "+".join([m for m in QT_ORDER if m in modifiers] + [key])
    return text, normal


@st.composite
def key_text(draw, *, qt_friendly: bool = False):
    strokes = draw(st.lists(stroke(qt_friendly=qt_friendly), min_size=1, max_size=2))
    separator = st.just(", ") if qt_friendly else st.sampled_from([",", ", ", " , ", ",\t"])
    text = strokes[0][0]
    for spelled, _ in strokes[1:]:
        text += draw(separator) + spelled
    if not qt_friendly:
        text = draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " "]))
    return text, ", ".join(normal for _, normal in strokes)
