"""The keymap: defaults, user overrides, every kind of problem reported at load, and the key normaliser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewdesk.domain.keymap import (
    ACTIONS,
    Keymap,
    KeymapError,
    KeyTextError,
    action_names,
    canonical_keys,
    display_keys,
    equivalent_keys,
    normalise_keys,
    parse_keys,
)
from reviewdesk.domain.shortcodes import all_shortcodes
from reviewdesk.resources import resource_path
from support.keys import key_text

CODES = [s.code for s in all_shortcodes()]


def write(tmp_path: Path, data: object, name: str = "keymap.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(KeymapError) as caught:
        Keymap.load(path)
    lines = str(caught.value).splitlines()
    assert lines == [f"{path}: {p}" for p in caught.value.problems]
    assert caught.value.path == path
    return list(caught.value.problems)


# -- defaults -------------------------------------------------------------------------------------


def test_defaults_cover_every_shortcode_and_action():
    keymap = Keymap.defaults()
    assert list(keymap.shortcodes()) == CODES
    assert len(CODES) == 16
    assert list(keymap.actions()) == list(action_names())
    assert set(action_names()) == {
        "undo",
        "cheat_sheet",
        "zoom_in",
        "zoom_out",
        "fit",
        "actual_size",
        "rotate",
        "tight_crop",
        "retry_image",
        "next_image",
        "previous_image",
        "toggle_side_by_side",
        "next_scan",
        "previous_scan",
        "focus_note",
        "focus_search",
        "focus_history",
        "sign_in",
    }


def test_a_approves():
    assert Keymap.defaults().key_for("approved") == "A"
    assert Keymap.defaults().name_for("a") == "approved"


def test_default_keys_are_unique_and_prefix_free():
    bindings = {**Keymap.defaults().shortcodes(), **Keymap.defaults().actions()}
    presses = [canonical_keys(k) for k in bindings.values()]
    assert len(set(presses)) == len(presses)
    for p in presses:
        for q in presses:
            if len(p) < len(q):
                assert q[: len(p)] != p, (p, q)


def test_default_deny_and_no_action_keys_are_mnemonic_sequences():
    keymap = Keymap.defaults()
    for code in CODES:
        keys = keymap.key_for(code)
        if code.startswith("denied_"):
            assert keys.startswith("D, "), code
        elif code == "no_action_no_image_available":
            assert keys == "X"
        elif code.startswith("no_action_"):
            assert keys.startswith("N, "), code


def test_no_second_key_of_a_default_sequence_is_a_key_on_its_own():
    # A stray D or N followed by an everyday key (A to approve, F to fit...) must not decide.
    bindings = {**Keymap.defaults().shortcodes(), **Keymap.defaults().actions()}
    singles = {canonical_keys(k)[0] for k in bindings.values() if len(parse_keys(k)) == 1}
    seconds = {canonical_keys(k)[1] for k in bindings.values() if len(parse_keys(k)) == 2}
    assert not singles & seconds


def test_defaults_file_is_normalised_text():
    data = json.loads(resource_path("keymap.json").read_text(encoding="utf-8"))
    for section in ("shortcodes", "actions"):
        for name, keys in data[section].items():
            assert normalise_keys(keys) == keys, (name, keys)


def test_key_for_unknown_name():
    with pytest.raises(KeyError, match="neither a shortcode nor an action"):
        Keymap.defaults().key_for("approve")


def test_cheat_sheet_key_answers_to_every_spelling_of_the_question_mark():
    assert Keymap.defaults().sequences_for("cheat_sheet") == ("?", "Shift+?", "Shift+/")
    assert Keymap.defaults().sequences_for("zoom_in") == ("+", "Shift++", "Shift+=")
    assert Keymap.defaults().sequences_for("approved") == ("A",)
    assert Keymap.defaults().name_for("Shift+/") == "cheat_sheet"


def test_repeatable_actions_are_zoom_and_moving_through_the_list():
    assert {a.name for a in ACTIONS if a.repeatable} == {"zoom_in", "zoom_out", "next_scan", "previous_scan"}


def test_domain_keymap_does_not_import_qt():
    code = (
        "import sys, reviewdesk.domain.keymap as k; k.Keymap.defaults(); "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'qasync'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the user's file ------------------------------------------------------------------------------


def test_no_file_or_missing_file_gives_defaults(tmp_path):
    assert Keymap.load(None) == Keymap.defaults()
    assert Keymap.load(tmp_path / "absent.json") == Keymap.defaults()


def test_user_file_overrides_some_keys(tmp_path):
    path = write(
        tmp_path,
        {
            "_comment": "mine",
            "shortcodes": {"approved": "shift+a", "denied_other": "d,z"},
            "actions": {"fit": "ctrl+shift+f", "focus_note": "Ctrl+N"},
        },
    )
    keymap = Keymap.load(path)
    assert keymap.key_for("approved") == "Shift+A"
    assert keymap.key_for("denied_other") == "D, Z"
    assert keymap.key_for("fit") == "Ctrl+Shift+F"
    assert keymap.key_for("focus_note") == "Ctrl+N"
    assert keymap.key_for("denied_bin_mismatch") == "D, B"  # untouched default
    assert keymap.source == path
    assert not keymap.is_default("approved")
    assert keymap.is_default("undo")


def test_user_file_may_move_a_key_freed_by_another_override(tmp_path):
    # fit takes X, and the no-image shortcode moves away from it: no clash.
    path = write(tmp_path, {"shortcodes": {"no_action_no_image_available": "N, I"}, "actions": {"fit": "X"}})
    keymap = Keymap.load(path)
    assert keymap.key_for("fit") == "X"
    assert keymap.name_for("X") == "fit"


def test_same_key_twice_names_both_and_marks_the_default(tmp_path):
    path = write(tmp_path, {"actions": {"fit": "a"}})
    [problem] = problems_of(path)
    assert '"A" is bound more than once' in problem
    assert "shortcodes.approved (default)" in problem
    assert "actions.fit" in problem


def test_same_key_twice_inside_the_file(tmp_path):
    path = write(tmp_path, {"actions": {"rotate": "Ctrl+Q", "tight_crop": "ctrl+q"}})
    [problem] = problems_of(path)
    assert '"Ctrl+Q" is bound more than once' in problem
    assert "actions.rotate" in problem and "actions.tight_crop" in problem


def test_two_spellings_of_one_key_press_clash(tmp_path):
    path = write(tmp_path, {"actions": {"fit": "Shift+/"}})
    [problem] = problems_of(path)
    assert '"?" and "Shift+/" are the same key press' in problem
    assert 'actions.cheat_sheet ("?", default)' in problem
    assert 'actions.fit ("Shift+/")' in problem


def test_a_single_key_that_starts_a_sequence_is_reported(tmp_path):
    path = write(tmp_path, {"actions": {"fit": "D"}})
    [problem] = problems_of(path)
    assert problem.startswith('"D" (actions.fit) is also the first key of ')
    for code in ("denied_bin_mismatch", "denied_screen_display", "denied_other"):
        assert f"shortcodes.{code}" in problem
    assert "could never be typed" in problem


def test_a_sequence_starting_with_a_single_key_is_reported(tmp_path):
    path = write(tmp_path, {"shortcodes": {"denied_other": "J, O"}})
    [problem] = problems_of(path)
    assert problem.startswith('"J" (actions.next_scan, default) is also the first key of ')
    assert 'shortcodes.denied_other ("J, O")' in problem


def test_unknown_names_are_reported_with_suggestions(tmp_path):
    path = write(tmp_path, {"shortcodes": {"aproved": "A"}, "actions": {"zoomin": "Z"}, "shortcuts": {}})
    problems = problems_of(path)
    assert (
        'unknown section "shortcuts" (did you mean "shortcodes"?); '
        'expected "shortcodes", "actions", "jumio", "preventor"' in problems
    )
    assert 'unknown shortcode "aproved" (did you mean "approved"?)' in problems
    assert 'unknown action "zoomin" (did you mean "zoom_in"?)' in problems


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "no key given"),
        ("   ", "no key given"),
        ("Ctrl+", "Ctrl+ needs a key after it"),
        ("Ctrl+Foo", "unknown key name 'Foo'"),
        ("Control+A", "write modifiers as Ctrl, Alt, Shift or Meta"),
        ("D, B, C", "at most 2 are allowed"),
        ("D B", "separate keys pressed one after the other with a comma"),
        ("D,", "a key is missing after the last ','"),
        (7, "keys must be text"),
        (None, "keys must be text"),
    ],
)
def test_bad_keys_are_reported_with_the_reason(tmp_path, value, reason):
    path = write(tmp_path, {"shortcodes": {"approved": value}})
    [problem] = problems_of(path)
    assert problem.startswith("shortcodes.approved: ")
    assert "is not a key" in problem
    assert reason in problem


def test_every_problem_is_listed_one_per_line(tmp_path):
    path = write(
        tmp_path,
        {
            "shortcodes": {"approved": "", "denied_other": "J", "bogus": "Q"},
            "actions": {"rotate": "Ctrl+Nope", "fit": "N"},
        },
    )
    problems = problems_of(path)
    assert len(problems) == 5, problems
    joined = "\n".join(problems)
    for name in (
        "shortcodes.approved",
        "shortcodes.denied_other",
        '"bogus"',
        "actions.rotate",
        "actions.fit",
    ):
        assert name in joined


def test_bad_json_is_a_clear_error(tmp_path):
    path = write(tmp_path, '{"shortcodes": {"approved": "A",}}')
    [problem] = problems_of(path)
    assert problem.startswith("is not valid JSON: ")
    assert "line 1, column" in problem


def test_wrong_shapes(tmp_path):
    assert problems_of(write(tmp_path, '["A"]', "list.json"))[0].startswith("must hold a JSON object")
    [problem] = problems_of(write(tmp_path, {"shortcodes": ["A"]}, "section.json"))
    assert problem.startswith('"shortcodes" must be a JSON object')


def test_unreadable_files(tmp_path):
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"shortcodes": {"approved": "\xff"}}')
    assert problems_of(binary)[0].startswith("cannot be read as UTF-8 text")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert problems_of(folder)[0].startswith("cannot be read: ")


def test_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"actions": {"fit": "Ctrl+Shift+F"}}).encode())
    assert Keymap.load(path).key_for("fit") == "Ctrl+Shift+F"


def test_save_defaults_writes_an_editable_copy(tmp_path):
    path = tmp_path / "config" / "keymap.json"
    assert Keymap.save_defaults(path) is True
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["shortcodes"] == Keymap.defaults().shortcodes()
    assert data["actions"] == Keymap.defaults().actions()
    assert any("D, B" in line for line in data["_comment"])
    assert Keymap.load(path) == Keymap.defaults()
    # An existing file is the reviewer's: saving again leaves their edits alone...
    path.write_text("{}", encoding="utf-8")
    assert Keymap.save_defaults(path) is False
    assert path.read_text(encoding="utf-8") == "{}"
    # ...unless asked to start over.
    assert Keymap.save_defaults(path, overwrite=True) is True
    assert json.loads(path.read_text(encoding="utf-8"))["shortcodes"]["approved"] == "A"
    assert [p.name for p in path.parent.iterdir()] == ["keymap.json"]  # no temporary files left


def test_edited_copy_round_trip(tmp_path):
    path = tmp_path / "keymap.json"
    Keymap.save_defaults(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["shortcodes"]["approved"] = "Space"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert Keymap.load(path).key_for("approved") == "Space"


# -- the normaliser -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", "A"),
        ("ctrl+z", "Ctrl+Z"),
        ("d,b", "D, B"),
        (" D ,  b ", "D, B"),
        ("shift + /", "Shift+/"),
        ("?", "?"),
        ("Shift++", "Shift++"),
        ("ctrl+,", "Ctrl+,"),
        (",, d", ",, D"),
        ("D,,", "D, ,"),
        ("shift+ctrl+alt+meta+x", "Meta+Ctrl+Alt+Shift+X"),
        ("escape", "Esc"),
        ("pgdn", "PgDown"),
        ("f12", "F12"),
        ("é", "É"),
    ],
)
def test_normalise_examples(text, expected):
    assert normalise_keys(text) == expected


@pytest.mark.parametrize("text", ["F36", "F0", "Shift+Shift+A", "Ctrl+Shift", "ß", "\t", "A+B", "Num+1", "☃"])
def test_normalise_rejects(text):
    with pytest.raises(KeyTextError):
        normalise_keys(text)


def test_display_keys():
    assert display_keys("D, B") == "D B"
    assert display_keys("Ctrl+Z") == "Ctrl+Z"
    assert display_keys("?") == "?"


def test_equivalent_spellings():
    assert canonical_keys("Shift+/") == canonical_keys("?") == canonical_keys("Shift+?")
    assert canonical_keys("Ctrl+Shift+=") == canonical_keys("Ctrl++")
    assert canonical_keys("/") != canonical_keys("?")
    assert canonical_keys("Shift+A") != canonical_keys("A")
    assert equivalent_keys("Shift+/, X") == ("Shift+/, X", "?, X", "Shift+?, X")


@given(key_text())
def test_normalise_writes_the_normal_form(case):
    text, normal = case
    assert normalise_keys(text) == normal


@given(key_text())
def test_normalise_is_idempotent_and_round_trips(case):
    text, _ = case
    once = normalise_keys(text)
    assert normalise_keys(once) == once
    assert parse_keys(once) == parse_keys(text)


@given(st.text(max_size=30))
def test_normalise_accepts_or_explains(text):
    try:
        normal = normalise_keys(text)
    except KeyTextError as exc:
        assert str(exc)
    else:
        assert normalise_keys(normal) == normal
        assert 1 <= len(parse_keys(normal)) <= 2


@given(key_text())
def test_every_spelling_is_the_same_key_press(case):
    text, _ = case
    spellings = equivalent_keys(text)
    assert spellings[0] == normalise_keys(text)
    assert len(set(spellings)) == len(spellings)
    assert {canonical_keys(s) for s in spellings} == {canonical_keys(text)}


@given(st.lists(st.sampled_from(sorted(set(Keymap.defaults().actions().values()))), min_size=1, max_size=3))
def test_overriding_with_keys_of_other_actions_always_explains_itself(tmp_path_factory, keys):
    # Moving any action onto another action's default key is a clash that names both.
    path = tmp_path_factory.mktemp("km") / "keymap.json"
    names = [n for n in action_names() if Keymap.defaults().key_for(n) not in keys][: len(keys)]
    path.write_text(json.dumps({"actions": dict(zip(names, keys, strict=True))}), encoding="utf-8")
    with pytest.raises(KeymapError) as caught:
        Keymap.load(path)
    for name in names:
        assert f"actions.{name}" in str(caught.value)


# -- the sections of Jumio and Preventor items (local decisions) -----------------------------------


def test_each_source_section_has_exactly_its_sources_decisions() -> None:
    from reviewdesk.sources import jumio, preventor

    keymap = Keymap.defaults()
    assert list(keymap.section("jumio")) == [d.code for d in jumio.DECISIONS]
    assert list(keymap.section("preventor")) == [d.code for d in preventor.DECISIONS]
    assert list(keymap.decisions("jumio"))[0] == "jumio.approve"
    assert keymap.decisions("shortcodes") == keymap.shortcodes()


def test_source_defaults_keep_the_hands_where_they_are_for_dyneti() -> None:
    from reviewdesk.sources.local import decisions_of

    keymap = Keymap.defaults()
    first = {"approve": "A", "deny": "D", "no_action": "N"}  # as Dyneti: A, D then a reason, N then ...
    for section in ("jumio", "preventor"):
        for option in decisions_of(section):
            strokes = parse_keys(keymap.key_for(f"{section}.{option.code}"))
            assert str(strokes[0]) == first[option.group], option
            assert (len(strokes) == 1) == (option.group == "approve")
    assert keymap.key_for("jumio.approve") == keymap.key_for("approved") == "A"


def test_sections_of_two_sources_may_share_keys_but_not_with_the_actions(tmp_path) -> None:
    # X is Dyneti's "no image": free for a Jumio decision, as only one section is live at a time
    shared = Keymap.load(write(tmp_path, {"jumio": {"approve": "X"}}))
    assert shared.key_for("jumio.approve") == "X" and shared.key_for("no_action_no_image_available") == "X"
    assert shared.name_for("X") == "no_action_no_image_available"
    assert shared.name_for("X", "jumio") == "jumio.approve"
    assert shared.name_for("X", "preventor") is None
    # ... but F fits the image on every item
    [problem] = problems_of(write(tmp_path, {"preventor": {"escalate": "F"}}, "clash.json"))
    assert '"F" is bound more than once' in problem
    assert "preventor.escalate" in problem and "actions.fit (default)" in problem
    [unknown] = problems_of(write(tmp_path, {"jumio": {"aprove": "A"}}, "typo.json"))
    assert unknown == 'unknown jumio decision "aprove" (did you mean "approve"?)'


def test_a_source_sections_keys_are_saved_and_loaded_back(tmp_path) -> None:
    keymap = Keymap.defaults().with_binding("preventor.reject_liveness", "D, V")
    path = tmp_path / "mine.json"
    keymap.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["preventor"] == {"reject_liveness": "D, V"} and data["jumio"] == {}
    assert Keymap.load(path) == keymap
    assert Keymap.load(path).key_for("preventor.reject_liveness") == "D, V"
    # a bad line in that section disables only itself (the window's lenient load)
    path.write_text(json.dumps({"jumio": {"approve": "Ctrl+Z"}, "preventor": {"approve": "Space"}}))
    lenient, notes = Keymap.load_lenient(path)
    assert lenient.key_for("jumio.approve") == "A" and lenient.key_for("preventor.approve") == "Space"
    assert len(notes) == 1 and "jumio.approve keeps its default key" in notes[0]
