"""The Qt-free key normaliser agrees with Qt's own QKeySequence portable text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from reviewdesk.domain.keymap import Keymap, KeyTextError, equivalent_keys, normalise_keys, parse_keys
from support.keys import key_text

PORTABLE = QKeySequence.SequenceFormat.PortableText


def qt_normal(text: str) -> str:
    return QKeySequence.fromString(text, PORTABLE).toString(PORTABLE)


def qt_parses(text: str) -> bool:
    sequence = QKeySequence.fromString(text, PORTABLE)
    return not sequence.isEmpty() and all(
        sequence[i].key() != Qt.Key.Key_unknown for i in range(sequence.count())
    )


def test_every_default_key_is_a_qt_key_sequence():
    keymap = Keymap.defaults()
    for name, keys in {**keymap.shortcodes(), **keymap.actions()}.items():
        for spelling in equivalent_keys(keys):
            assert qt_parses(spelling), (name, spelling)
            assert qt_normal(spelling) == spelling
            assert QKeySequence.fromString(spelling, PORTABLE).count() == len(parse_keys(keys))


@given(key_text())
def test_normal_form_is_what_qt_writes(case):
    text, _ = case
    normal = normalise_keys(text)
    assert qt_parses(normal)
    assert qt_normal(normal) == normal


@given(key_text(qt_friendly=True))
def test_qt_reads_plain_spellings_the_same_way(case):
    text, normal = case
    assert qt_normal(text) == normal == normalise_keys(text)


@given(st.text(max_size=20))
def test_anything_accepted_is_a_qt_key_sequence(text):
    try:
        normal = normalise_keys(text)
    except KeyTextError:
        return
    assert qt_parses(normal)
    assert qt_normal(normal) == normal


def test_latin_letters_upper_case_like_qt():
    for code in list(range(0x21, 0x7F)) + list(range(0xA1, 0x180)):
        ch = chr(code)
        try:
            normal = normalise_keys(ch)
        except KeyTextError:
            continue
        assert qt_normal(ch) == normal, (hex(code), ch, normal)
