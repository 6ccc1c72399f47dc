"""Keys for the review window: one key, or a sequence of two, per shortcode and per window action.

Keys are written in Qt's portable QKeySequence text ("A", "Shift+/", "Ctrl+Z", "D, B") so the UI can
hand them straight to QKeySequence.fromString(..., PortableText). This module reads and checks them
without Qt: `normalise_keys` writes any accepted spelling the way Qt itself would ("ctrl+z" -> "Ctrl+Z",
"d,b" -> "D, B", modifiers in Qt's order Meta+Ctrl+Alt+Shift).

Defaults live in `resources/keymap.json`; a reviewer may override any of them in their own keymap
file (`Paths.keymap_file`), shaped the same way: {"shortcodes": {code: keys}, "actions": {name: keys},
"jumio": {code: keys}, "preventor": {code: keys}}. `Keymap.load` checks the merged result and raises
KeymapError listing every problem, one per line.

Decision sections: "shortcodes" decides Dyneti scans, "jumio" Jumio transactions and "preventor"
Preventor tickets (their local decisions, docs/JUMIO.md). Only one of them is live at a time, the
one of the item shown, so they may share keys ("A" approves in each); each must differ from the
window's actions. A binding of a decision section other than "shortcodes" is named "jumio.approve"
(`key_for`, `with_binding`), a shortcode or an action by its bare name.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reviewdesk.atomic import write_atomic
from reviewdesk.domain.shortcodes import all_shortcodes
from reviewdesk.errors import EXIT_USAGE, Error
from reviewdesk.limits import MAX_CONFIG_BYTES
from reviewdesk.resources import resource_path

DEFAULTS_RESOURCE = "keymap.json"
SECTIONS = ("shortcodes", "actions", "jumio", "preventor")
#: Sections of decisions: one is live at a time, chosen by the item's source.
DECISION_SECTIONS = ("shortcodes", "jumio", "preventor")
#: The review source whose items each decision section decides ("dyneti": a bare scan id).
SECTION_SOURCES = {"shortcodes": "dyneti", "jumio": "jumio", "preventor": "preventor"}
SECTION_LABELS = {
    "shortcodes": "Dyneti scans",
    "jumio": "Jumio transactions",
    "preventor": "Preventor tickets",
    "actions": "Window",
}


def section_of_source(source: str) -> str:
    """The decision section for items of `source` ("dyneti" -> "shortcodes")."""
    for section, owner in SECTION_SOURCES.items():
        if owner == source:
            return section
    return "shortcodes"


def binding_id(section: str, name: str) -> str:
    """How a binding is named across sections: "approved", "undo", "jumio.approve"."""
    return name if section in ("shortcodes", "actions") else f"{section}.{name}"


def split_binding_id(ident: str) -> tuple[str, str]:
    """ "jumio.approve" -> ("jumio", "approve"); "approved" -> ("shortcodes", "approved")."""
    head, sep, rest = ident.partition(".")
    if sep and head in DECISION_SECTIONS:
        return head, rest
    return ("actions" if ident in ACTIONS_BY_NAME else "shortcodes"), ident


# ---------------------------------------------------------------------------------------------------
# Key text
# ---------------------------------------------------------------------------------------------------

MODIFIERS = ("Meta", "Ctrl", "Alt", "Shift")  # the order Qt's PortableText writes them in
MAX_STROKES = 2

# Named keys, spelled the way QKeySequence.toString(PortableText) spells them.
NAMED_KEYS = (
    "Esc",
    "Tab",
    "Backtab",
    "Backspace",
    "Return",
    "Enter",
    "Ins",
    "Del",
    "Pause",
    "Print",
    "SysReq",
    "Home",
    "End",
    "Left",
    "Up",
    "Right",
    "Down",
    "PgUp",
    "PgDown",
    "Space",
    "Menu",
    "Help",
    "Clear",
    *(f"F{n}" for n in range(1, 36)),
)
_NAMED = {name.lower(): name for name in NAMED_KEYS}
_NAMED.update(
    {
        "escape": "Esc",
        "delete": "Del",
        "insert": "Ins",
        "pageup": "PgUp",
        "pagedown": "PgDown",
        "pgdn": "PgDown",
    }
)
_MODIFIER_TYPOS = {"control", "ctl", "cmd", "command", "option", "opt", "win", "super", "windows"}

# US layout: the symbol a shifted key types -> the key's own symbol. A reviewer pressing Shift+/ gets
# "?" (with Shift still held); `sequences_for` registers these spellings too, and the collision check
# treats them as one key press.
SHIFTED_SYMBOLS = {
    "~": "`",
    "!": "1",
    "@": "2",
    "#": "3",
    "$": "4",
    "%": "5",
    "^": "6",
    "&": "7",
    "*": "8",
    "(": "9",
    ")": "0",
    "_": "-",
    "+": "=",
    "{": "[",
    "}": "]",
    "|": "\\",
    ":": ";",
    '"': "'",
    "<": ",",
    ">": ".",
    "?": "/",
}
_UNSHIFTED = {base: shifted for shifted, base in SHIFTED_SYMBOLS.items()}

_MODIFIER_RE = re.compile(r"(meta|ctrl|alt|shift)\s*\+", re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-z0-9]+")


class KeyTextError(Error, ValueError):  # a ValueError too, as before
    """Key text that is not one key or a sequence of two keys."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True, slots=True)
class Stroke:
    """One key press: a key with the modifiers held."""

    modifiers: frozenset[str]
    key: str

    def __str__(self) -> str:
        return "+".join([m for m in MODIFIERS if m in self.modifiers] + [self.key])


def _in_key_range(ch: str) -> bool:
    # ASCII, Latin-1 and Latin Extended-A (ö, é, £, §...): there Python and Qt agree on upper case.
    return "!" <= ch <= "~" or ("\u00a1" <= ch <= "\u017f" and ch.isprintable() and ch != "\u0130")


def _single_char_key(ch: str) -> bool:
    upper = ch.upper()
    return _in_key_range(ch) and len(upper) == 1 and _in_key_range(upper)  # "µ".upper() is Greek "Μ"


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _parse_stroke(text: str, i: int) -> tuple[Stroke, int]:
    modifiers: list[str] = []
    while match := _MODIFIER_RE.match(text, i):
        modifier = match.group(1).capitalize()
        if modifier in modifiers:
            raise KeyTextError(f"{modifier} is given twice")
        modifiers.append(modifier)
        i = _skip_spaces(text, match.end())
    if i >= len(text):
        held = "+".join(modifiers)
        raise KeyTextError(f"{held}+ needs a key after it (like {held}+A)")
    word = _WORD_RE.match(text, i)
    if word:
        name = word.group(0)
        i = word.end()
        if len(name) == 1:
            key = name.upper()
        elif name.lower() in _NAMED:
            key = _NAMED[name.lower()]
        elif name.lower() in {m.lower() for m in MODIFIERS}:
            raise KeyTextError(f"{name.capitalize()} is a modifier: add a key after it (like {name}+A)")
        elif name.lower() in _MODIFIER_TYPOS:
            raise KeyTextError(f"unknown key name {name!r}: write modifiers as Ctrl, Alt, Shift or Meta")
        else:
            raise KeyTextError(
                f"unknown key name {name!r}: use a letter, a digit, a punctuation character, "
                "F1-F35 or one of " + ", ".join(n for n in NAMED_KEYS if not n.startswith("F"))
            )
    else:
        ch = text[i]
        if not _single_char_key(ch):
            raise KeyTextError(f"{ch!r} (U+{ord(ch):04X}) cannot be used as a key")
        key = ch.upper()
        i += 1
    return Stroke(frozenset(modifiers), key), i


def parse_keys(text: object) -> tuple[Stroke, ...]:
    """The key presses in `text` ("A", "ctrl+z", "D, B"); KeyTextError says what is wrong."""
    if not isinstance(text, str):
        raise KeyTextError(f'keys must be text like "A" or "D, B", not {type(text).__name__}')
    if not text.strip():
        raise KeyTextError("no key given")
    strokes: list[Stroke] = []
    i = 0
    while True:
        i = _skip_spaces(text, i)
        if i >= len(text):
            raise KeyTextError("a key is missing after the last ','")
        stroke, i = _parse_stroke(text, i)
        strokes.append(stroke)
        i = _skip_spaces(text, i)
        if i >= len(text):
            break
        if text[i] != ",":
            raise KeyTextError(
                f"unexpected {text[i:]!r}: separate keys pressed one after the other "
                'with a comma (like "D, B")'
            )
        i += 1
    if len(strokes) > MAX_STROKES:
        raise KeyTextError(f'{len(strokes)} keys in a row; at most {MAX_STROKES} are allowed (like "D, B")')
    return tuple(strokes)


def format_keys(strokes: Iterable[Stroke]) -> str:
    return ", ".join(str(s) for s in strokes)


def normalise_keys(text: object) -> str:
    """`text` the way Qt's QKeySequence.toString(PortableText) writes it: "d,b" -> "D, B"."""
    return format_keys(parse_keys(text))


def display_keys(text: str) -> str:
    """Short form for labels: "D, B" -> "D B", "Ctrl+Z" stays."""
    return " ".join(str(s) for s in parse_keys(text))


def canonical_stroke(stroke: Stroke) -> Stroke:
    """One spelling per physical key press: "Shift+/", "Shift+?" and "?" all become "?"."""
    if stroke.key in SHIFTED_SYMBOLS:
        return Stroke(stroke.modifiers - {"Shift"}, stroke.key)
    if "Shift" in stroke.modifiers and stroke.key in _UNSHIFTED:
        return Stroke(stroke.modifiers - {"Shift"}, _UNSHIFTED[stroke.key])
    return stroke


def canonical_keys(text: str) -> tuple[Stroke, ...]:
    return tuple(canonical_stroke(s) for s in parse_keys(text))


def _stroke_variants(stroke: Stroke) -> tuple[Stroke, ...]:
    canonical = canonical_stroke(stroke)
    if canonical.key not in SHIFTED_SYMBOLS:
        return (stroke,)
    shifted = canonical.modifiers | {"Shift"}
    options = (
        stroke,
        canonical,
        Stroke(shifted, canonical.key),
        Stroke(shifted, SHIFTED_SYMBOLS[canonical.key]),
    )
    return tuple(dict.fromkeys(options))


def equivalent_keys(text: str) -> tuple[str, ...]:
    """Every spelling a keyboard may report for `text`, its normal form first.

    "?" -> ("?", "Shift+?", "Shift+/"): platforms report the ? key as Qt.Key_Question with Shift held,
    and a plain "?" (QTest, some layouts) without it.
    """
    combos = itertools.product(*(_stroke_variants(s) for s in parse_keys(text)))
    return tuple(dict.fromkeys(format_keys(c) for c in combos))


# ---------------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    description: str  # the cheat sheet's line
    repeatable: bool = False  # a held key repeats it (zoom, moving through the list)


ACTIONS: tuple[Action, ...] = (
    Action("undo", "Undo the last decision"),
    Action("cheat_sheet", "Show or hide the list of keys"),
    Action("zoom_in", "Zoom in", repeatable=True),
    Action("zoom_out", "Zoom out", repeatable=True),
    Action("fit", "Fit the image to the view"),
    Action("actual_size", "Show the image at actual size (100%)"),
    Action("rotate", "Rotate the image by 90°"),
    Action("tight_crop", "Crop tightly to the card"),
    Action("retry_image", "Load the image again"),
    Action("next_image", "Next image of the item (one at a time)"),
    Action("previous_image", "Previous image of the item (one at a time)"),
    Action("toggle_side_by_side", "Images side by side, or one at a time"),
    Action("next_scan", "Next scan", repeatable=True),
    Action("previous_scan", "Previous scan", repeatable=True),
    Action("focus_note", "Write a note (Ctrl+Enter decides with it, Esc goes back to the keys)"),
    Action("focus_search", "Search scans (Esc goes back to the keys)"),
    Action("focus_history", "Go to the recent decisions (Up/Down, Enter opens one, Esc goes back)"),
    Action("sign_in", "Sign in"),
)
ACTIONS_BY_NAME = {a.name: a for a in ACTIONS}


def action_names() -> tuple[str, ...]:
    return tuple(a.name for a in ACTIONS)


# ---------------------------------------------------------------------------------------------------
# The keymap
# ---------------------------------------------------------------------------------------------------


class KeymapError(Error, ValueError):  # a ValueError too, as before
    """A keymap file that cannot be used. `problems` holds one line per problem."""

    exit_code = EXIT_USAGE

    def __init__(self, path: Path | None, problems: Iterable[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        where = str(path) if path is not None else "keymap"
        super().__init__("\n".join(f"{where}: {p}" for p in self.problems))


@dataclass(frozen=True, slots=True)
class _Binding:
    section: str  # "shortcodes" or "actions"
    name: str
    keys: str  # normalised
    from_user: bool

    @property
    def ident(self) -> str:
        return binding_id(self.section, self.name)

    def label(self, *, with_keys: bool = False) -> str:
        if self.section == "menu":
            return f"the menu entry {self.name}" + (f' ("{self.keys}")' if with_keys else "")
        text = f"{self.section}.{self.name}"
        notes = [f'"{self.keys}"'] if with_keys else []
        if not self.from_user:
            notes.append("default")
        return f"{text} ({', '.join(notes)})" if notes else text


def _shortcode_names() -> tuple[str, ...]:
    return tuple(s.code for s in all_shortcodes())


def _section_names(section: str) -> tuple[str, ...]:
    if section == "shortcodes":
        return _shortcode_names()
    if section == "actions":
        return action_names()
    return _default_names(section)


@cache
def _default_names(section: str) -> tuple[str, ...]:
    """A source section's decisions, as the defaults file names them (the source's own codes;
    tests/test_keymap.py checks that they match)."""
    data, _ = _read_json(resource_path(DEFAULTS_RESOURCE))
    entries = data.get(section) if isinstance(data, Mapping) else None
    return tuple(entries) if isinstance(entries, Mapping) else ()


def _suggest(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _read_json(path: Path) -> tuple[Any, list[str]]:
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            return None, [f"is larger than {MAX_CONFIG_BYTES // 1024} KB; a keymap is a few KB"]
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [f"cannot be read as UTF-8 text ({exc.reason} at byte {exc.start})"]
    except OSError as exc:
        return None, [f"cannot be read: {exc.strerror or exc}"]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
    except RecursionError:
        return None, ["is not usable JSON: it is nested too deeply"]
    except ValueError:  # an integer of thousands of digits
        return None, ["is not usable JSON: it holds a number too long to read"]


def _entries(data: Any, *, from_user: bool) -> tuple[list[_Binding], list[str]]:
    """The bindings a file's data gives, and the problems found reading them."""
    problems: list[str] = []
    bindings: list[_Binding] = []
    if not isinstance(data, Mapping):
        return [], [
            'must hold a JSON object like {"shortcodes": {"approved": "A"}, "actions": {"undo": "Ctrl+Z"}}'
        ]
    for key in data:
        if not isinstance(key, str) or (key not in SECTIONS and not key.startswith("_")):
            problems.append(
                f'unknown section "{key}"{_suggest(str(key), SECTIONS)}; expected '
                + ", ".join(f'"{s}"' for s in SECTIONS)
            )
    for section in SECTIONS:
        entries = data.get(section, {})
        if not isinstance(entries, Mapping):
            example = f'{{"{_section_names(section)[0]}": "A"}}'
            problems.append(f'"{section}" must be a JSON object mapping names to keys, like {example}')
            continue
        known = _section_names(section)
        kind = {"shortcodes": "shortcode", "actions": "action"}.get(section, f"{section} decision")
        for name, value in entries.items():
            if name not in known:
                problems.append(f'unknown {kind} "{name}"{_suggest(name, known)}')
                continue
            try:
                keys = normalise_keys(value)
            except KeyTextError as exc:
                shown = json.dumps(value) if isinstance(value, str) else repr(value)
                problems.append(f"{section}.{name}: {shown} is not a key: {exc}")
                continue
            bindings.append(_Binding(section, name, keys, from_user))
    return bindings, problems


def _collisions(bindings: Iterable[_Binding]) -> list[str]:
    """Two bindings for one key press, and keys that would cut a two-key sequence short."""
    return [message for message, _ in _collision_groups(bindings)]


def _live_together(a: _Binding, b: _Binding) -> bool:
    """Whether both keys can act at once: two decision sections never are (one item, one source)."""
    return not (a.section in DECISION_SECTIONS and b.section in DECISION_SECTIONS and a.section != b.section)


def _collision_groups(bindings: Iterable[_Binding]) -> list[tuple[str, list[_Binding]]]:
    """Each clash as (message, the bindings involved). Decision sections are live one at a time, so
    keys of two of them never clash with each other; each clashes with the actions and menus."""
    found: list[tuple[str, list[_Binding]]] = []
    by_press: dict[tuple[Stroke, ...], list[_Binding]] = {}
    for b in bindings:
        by_press.setdefault(canonical_keys(b.keys), []).append(b)
    for group in by_press.values():
        if any(_live_together(a, b) for i, a in enumerate(group) for b in group[i + 1 :]):
            spellings = list(dict.fromkeys(b.keys for b in group))
            names = ", ".join(b.label(with_keys=len(spellings) > 1) for b in group)
            if len(spellings) == 1:
                what = f'"{spellings[0]}" is bound more than once'
            else:
                quoted = [f'"{s}"' for s in sorted(spellings, key=len)]
                what = (
                    f"{', '.join(quoted[:-1])} and {quoted[-1]} are the same key press, bound more than once"
                )
            found.append((f"{what}: {names}; each key may do only one thing", list(group)))
    for press, group in by_press.items():
        every_longer = [
            b
            for other, bs in by_press.items()
            if len(other) > len(press) and other[: len(press)] == press
            for b in bs
        ]
        for b in group:
            longer = [x for x in every_longer if _live_together(b, x)]
            if not longer:
                continue
            cut = ", ".join(x.label(with_keys=True) for x in longer)
            they = "it" if len(longer) == 1 else "they"
            own = f"{b.section}.{b.name}" + ("" if b.from_user else ", default")
            found.append(
                (
                    f'"{b.keys}" ({own}) is also the first key of {cut}: '
                    f'pressing "{b.keys}" would act at once, so {they} could never be typed',
                    [b, *longer],
                )
            )
    return found


def _menu_bindings(reserved: Mapping[str, str]) -> list[_Binding]:
    """Keys a menu answers to itself (keys -> the menu entry), as bindings for the clash check."""
    found = []
    for keys, entry in reserved.items():
        try:
            found.append(_Binding("menu", entry, normalise_keys(keys), False))
        except KeyTextError:
            continue
    return found


@cache
def _default_entries() -> tuple[_Binding, ...]:
    path = resource_path(DEFAULTS_RESOURCE)
    data, problems = _read_json(path)
    bindings, more = _entries(data, from_user=False) if not problems else ([], [])
    problems += more
    got = {(b.section, b.name) for b in bindings}
    for section in SECTIONS:
        problems += [
            f"{section}.{n} has no default key" for n in _section_names(section) if (section, n) not in got
        ]
    problems += _collisions(bindings)
    if problems:
        raise KeymapError(path, problems)
    return tuple(bindings)


class Keymap:
    """Which keys decide which shortcode and trigger which window action."""

    __slots__ = ("_bindings", "source")

    def __init__(self, bindings: Iterable[_Binding], source: Path | None = None) -> None:
        self._bindings = {b.ident: b for b in bindings}
        self.source = source  # the user's file, when one was merged in

    # -- building -----------------------------------------------------------------------------------

    @classmethod
    def defaults(cls) -> Keymap:
        return cls(_default_entries())

    @classmethod
    def load(cls, user_file: Path | str | None) -> Keymap:
        """The defaults with `user_file`'s keys in place of theirs; a missing file means no changes.

        Raises KeymapError listing every problem (unknown names, bad keys, clashes) with the file's path.
        """
        if user_file is None:
            return cls.defaults()
        path = Path(user_file)
        if not path.exists():
            return cls.defaults()
        data, problems = _read_json(path)
        if problems:
            raise KeymapError(path, problems)
        return cls.from_data(data, source=path)

    @classmethod
    def load_lenient(
        cls, user_file: Path | str | None, reserved: Mapping[str, str] | None = None
    ) -> tuple[Keymap, list[str]]:
        """Like `load`, but a bad binding disables only itself: it is dropped (its name keeps the
        default key) and the rest of the reviewer's keys stay. Returns the keymap and one line per
        binding dropped and why; a file that cannot be read at all gives the defaults and why."""
        if user_file is None or not Path(user_file).exists():
            return cls.defaults(), []
        path = Path(user_file)
        data, problems = _read_json(path)
        if problems:
            return cls.defaults(), [f"{path}: {p}; the default keys are used" for p in problems]
        overrides, problems = _entries(data, from_user=True)
        notes = [f"{p}; that line is ignored" for p in problems]
        defaults = {b.ident: b for b in _default_entries()}
        merged = dict(defaults)
        merged.update({b.ident: b for b in overrides})
        menu = _menu_bindings(reserved or {})
        while True:
            groups = _collision_groups([*merged.values(), *menu])
            if not groups:
                break
            message, involved = groups[0]
            dropped = [b for b in involved if b.from_user]
            if not dropped:  # a default clashes with a menu's key: a bug of ours, never the reviewer's
                raise KeymapError(None, [message])
            for b in dropped:
                merged[b.ident] = defaults[b.ident]
            names = ", ".join(f"{b.section}.{b.name}" for b in dropped)
            notes.append(f"{message}; {names} keeps its default key")
        return cls(merged.values(), source=path), [f"{path}: {n}" for n in notes]

    def with_binding(self, name: str, keys: str, reserved: Mapping[str, str] | None = None) -> Keymap:
        """A copy with `name` bound to `keys` (KeymapError if that clashes with another binding or
        with a menu's own key in `reserved`; KeyTextError if it is no key)."""
        normal = normalise_keys(keys)
        bindings = dict(self._bindings)
        old = bindings[name]
        bindings[name] = _Binding(old.section, old.name, normal, True)
        problems = _collisions([*bindings.values(), *_menu_bindings(reserved or {})])
        if problems:
            raise KeymapError(None, problems)
        return Keymap(bindings.values(), source=self.source)

    def user_data(self) -> dict[str, dict[str, str]]:
        """Only what differs from the defaults, shaped like a keymap file."""
        defaults = {b.ident: b.keys for b in _default_entries()}
        out: dict[str, dict[str, str]] = {section: {} for section in SECTIONS}
        for b in self._bindings.values():
            if b.keys != defaults.get(b.ident):
                out[b.section][b.name] = b.keys
        return out

    def save(self, path: Path | str) -> None:
        """Write this keymap's changes to `path` (atomically), for `load` to read back."""
        _write_json(Path(path), {"_comment": _FILE_COMMENT, **self.user_data()})

    @classmethod
    def from_data(cls, data: Any, *, source: Path | None = None) -> Keymap:
        """The defaults overridden by `data` (the parsed JSON of a keymap file)."""
        overrides, problems = _entries(data, from_user=True)
        merged = {b.ident: b for b in _default_entries()}
        merged.update({b.ident: b for b in overrides})
        problems += _collisions(merged.values())
        if problems:
            raise KeymapError(source, problems)
        return cls(merged.values(), source=source)

    # -- reading ------------------------------------------------------------------------------------

    def key_for(self, name: str) -> str:
        """The keys for a shortcode, an action or a source's decision ("jumio.approve"), normalised
        ("D, B")."""
        try:
            return self._bindings[name].keys
        except KeyError:
            raise KeyError(
                f"{name!r} is neither a shortcode nor an action (nor a source's decision, like jumio.approve)"
            ) from None

    def shortcodes(self) -> dict[str, str]:
        """Shortcode -> keys, in the catalogue's order."""
        return {code: self._bindings[code].keys for code in _shortcode_names()}

    def actions(self) -> dict[str, str]:
        """Action name -> keys, in ACTIONS order."""
        return {name: self._bindings[name].keys for name in action_names()}

    def decisions(self, section: str) -> dict[str, str]:
        """A decision section's bindings: binding id ("approved", "jumio.approve") -> keys."""
        return {
            binding_id(section, name): self._bindings[binding_id(section, name)].keys
            for name in _section_names(section)
        }

    def section(self, section: str) -> dict[str, str]:
        """A section as its file writes it: name ("approve") -> keys."""
        return {name: self._bindings[binding_id(section, name)].keys for name in _section_names(section)}

    def sequences_for(self, name: str) -> tuple[str, ...]:
        """Every spelling to register with Qt for `name` (see `equivalent_keys`), its own first."""
        return equivalent_keys(self.key_for(name))

    def name_for(self, keys: str, section: str = "shortcodes") -> str | None:
        """The binding id (shortcode, action, "jumio.approve") `keys` (any spelling of the same key
        press) stands for while `section` is the live decision section, if any."""
        try:
            wanted = canonical_keys(keys)
        except KeyTextError:
            return None
        for binding in self._bindings.values():
            if binding.section in (section, "actions") and canonical_keys(binding.keys) == wanted:
                return binding.ident
        return None

    def is_default(self, name: str) -> bool:
        return not self._bindings[name].from_user

    def to_data(self) -> dict[str, dict[str, str]]:
        return {section: self.section(section) for section in SECTIONS}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keymap) and self.to_data() == other.to_data()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_data(), sort_keys=True))

    def __repr__(self) -> str:
        return (
            f"Keymap(source={self.source!r}, changed={[n for n, b in self._bindings.items() if b.from_user]})"
        )

    # -- writing ------------------------------------------------------------------------------------

    @staticmethod
    def save_defaults(path: Path | str, *, overwrite: bool = False) -> bool:
        """Write the default keys to `path` as a file the reviewer can edit; True if written.

        An existing file holds the reviewer's edits: it is left alone (False) unless `overwrite`.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            return False
        _write_json(path, {"_comment": _FILE_COMMENT, **Keymap.defaults().to_data()})
        return True


_FILE_COMMENT = [
    "Your ReviewDesk keys (File > Edit keys... changes them in the window).",
    'Write keys as "A", "Shift+/", "Ctrl+Z", or two keys one after the other as "D, B".',
    "Every shortcode and action needs its own key; a key on its own may not also start a",
    'two-key sequence ("D" and "D, B" cannot both be used). Remove a line to keep its default.',
    '"jumio" and "preventor" hold the keys of Jumio and Preventor items: they may reuse the',
    "shortcodes' keys (only the section of the item shown is live), not the actions' keys.",
]


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
