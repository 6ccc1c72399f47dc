"""Every key of the keymap, wherever focus is in the review window.

A reviewer's key goes to whatever widget Qt gave focus to: the list, the image, a button, the
search box after a stray click. Per-widget shortcuts lose keys there (a focused line edit claims
"A" as text). The router is one application event filter that sees each key press of the review
window before any widget does and looks it up in the keymap itself, so:

- a decision key decides whatever has focus, except in a field the reviewer typed into on purpose
  (the search box, the note: `is_typing`), where keys type and `Esc` leaves the field;
- a two-key sequence ("D, B") shows that its second key is awaited (`chord_changed`), and `Esc`
  or `CHORD_TIMEOUT_MS` without a key cancels it; a second key that completes nothing is swallowed
  (a stray "D" followed by "A" must not approve);
- a held key repeats only actions marked repeatable (zoom, next/previous), never a decision;
- keys pressed in other windows (dialogs, menus, the combo's popup) are theirs;
- of the keymap's decision sections only the one of the item shown is live (`set_section`): a key
  of another section ("X", Dyneti's "no image", on a Jumio transaction) decides nothing, and
  `foreign_key` says which decision it stands for elsewhere, so the window can say so.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from reviewdesk.domain.keymap import (
    ACTIONS_BY_NAME,
    DECISION_SECTIONS,
    Keymap,
    KeyTextError,
    Stroke,
    canonical_keys,
    canonical_stroke,
    display_keys,
    parse_keys,
)

CHORD_TIMEOUT_MS = 3000
#: Keys that also do something when the keymap leaves them free: "/" searches, as in most review
#: tools (the keymap's own search key is Ctrl+F).
FALLBACK_KEYS = {"/": "focus_search"}
#: A widget with this property set to True counts as a typing field (e.g. the note's decision box).
TYPING_PROPERTY = "reviewdeskTyping"

_MODIFIER_KEYS = {
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_AltGr,
    Qt.Key.Key_Meta,
    Qt.Key.Key_Super_L,
    Qt.Key.Key_Super_R,
    Qt.Key.Key_CapsLock,
    Qt.Key.Key_NumLock,
    Qt.Key.Key_ScrollLock,
    Qt.Key.Key_unknown,
}


class _Table:
    """The keys live while one decision section is: its decisions and the window's actions."""

    __slots__ = ("double", "prefixes", "single")

    def __init__(self) -> None:
        self.single: dict[Stroke, str] = {}
        self.double: dict[tuple[Stroke, Stroke], str] = {}
        self.prefixes: set[Stroke] = set()

    def add(self, name: str, keys: str) -> None:
        strokes = canonical_keys(keys)
        if len(strokes) == 1:
            self.single[strokes[0]] = name
        else:
            self.double[(strokes[0], strokes[1])] = name
            self.prefixes.add(strokes[0])


_MODIFIER_NAMES = (
    (Qt.KeyboardModifier.MetaModifier, "Meta"),
    (Qt.KeyboardModifier.ControlModifier, "Ctrl"),
    (Qt.KeyboardModifier.AltModifier, "Alt"),
    (Qt.KeyboardModifier.ShiftModifier, "Shift"),
)


def event_stroke(event: QKeyEvent) -> Stroke | None:
    """The key press as the keymap spells it (canonical), or None for a bare modifier or an
    unnamed key."""
    key = event.key()
    if key in _MODIFIER_KEYS:
        return None
    name = QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)
    if not name:
        return None
    held = [text for flag, text in _MODIFIER_NAMES if event.modifiers() & flag]
    try:
        (stroke,) = parse_keys("+".join([*held, name]))
    except (KeyTextError, ValueError):
        return None
    return canonical_stroke(stroke)


def is_typing(widget: QWidget | None) -> bool:
    """Whether keys pressed in `widget` are text the reviewer is typing."""
    if widget is None:
        return False
    if widget.property(TYPING_PROPERTY) is True:
        return True
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit | QAbstractSpinBox):
        return not getattr(widget, "isReadOnly", lambda: False)()
    return isinstance(widget, QComboBox) and widget.isEditable()


class KeyRouter(QObject):
    """Routes the keymap's keys pressed anywhere in `window` to `triggered(name)`."""

    triggered = Signal(str)  # a shortcode or an action name
    chord_changed = Signal(str)  # the pending first key ("D"), or "" when none is pending
    chord_rejected = Signal(str)  # "D then A": a second key that completes no sequence
    foreign_key = Signal(str, str)  # ("X", "no_action_no_image_available"): another section's key
    escape_pressed = Signal()  # Esc with nothing else to cancel: back to reviewing

    def __init__(self, window: QWidget, keymap: Keymap) -> None:
        super().__init__(window)
        self._window = window
        self._tables: dict[str, _Table] = {section: _Table() for section in DECISION_SECTIONS}
        self._section = DECISION_SECTIONS[0]
        self._pending: Stroke | None = None
        self._pending_text = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHORD_TIMEOUT_MS)
        self._timer.timeout.connect(self.cancel_chord)
        self._enabled = True
        self._claimed: Stroke | None = None  # a typing field let this action key through
        #: Asked first about every key of the window; True swallows it (ui/privacy_screen.py).
        self.gate: Callable[[QKeyEvent], bool] | None = None
        self.set_keymap(keymap)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        window.destroyed.connect(self._detach)

    def _detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def set_keymap(self, keymap: Keymap) -> None:
        self.cancel_chord()
        self._tables = {}
        for section in DECISION_SECTIONS:
            table = self._tables[section] = _Table()
            for name, keys in (*keymap.decisions(section).items(), *keymap.actions().items()):
                if keys:  # (a binding the keymap disabled has none)
                    table.add(name, keys)
            for keys, name in FALLBACK_KEYS.items():
                (stroke,) = canonical_keys(keys)
                if stroke not in table.single and stroke not in table.prefixes:
                    table.single[stroke] = name

    def set_section(self, section: str) -> None:
        """Make `section`'s decisions the live ones (the item shown is of its source)."""
        if section not in self._tables:
            raise ValueError(f"unknown decision section {section!r}")
        if section != self._section:
            self.cancel_chord()
            self._section = section

    @property
    def section(self) -> str:
        return self._section

    @property
    def _single(self) -> dict[Stroke, str]:
        return self._tables[self._section].single

    @property
    def _double(self) -> dict[tuple[Stroke, Stroke], str]:
        return self._tables[self._section].double

    @property
    def _prefixes(self) -> set[Stroke]:
        return self._tables[self._section].prefixes

    def _elsewhere(self, press: Stroke | tuple[Stroke, Stroke]) -> str | None:
        """The decision `press` stands for in another section (not live now), if any."""
        for section, table in self._tables.items():
            if section == self._section:
                continue
            name = table.single.get(press) if isinstance(press, Stroke) else table.double.get(press)
            if name is not None and name not in ACTIONS_BY_NAME:
                return name
        return None

    def _foreign_prefix(self, stroke: Stroke) -> bool:
        return stroke not in self._single and any(
            stroke in t.prefixes for s, t in self._tables.items() if s != self._section
        )

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        if not enabled:
            self.cancel_chord()

    @property
    def pending(self) -> str:
        return self._pending_text

    def second_keys(self) -> dict[str, str]:
        """While a sequence is pending: its possible second keys -> names."""
        if self._pending is None:
            return {}
        return {str(second): name for (first, second), name in self._double.items() if first == self._pending}

    def cancel_chord(self) -> None:
        self._timer.stop()
        if self._pending is not None:
            self._pending = None
            self._pending_text = ""
            self.chord_changed.emit("")

    # -- the filter ---------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(watched, QWidget) or not isinstance(event, QKeyEvent):
            return False
        if watched.window() is not self._window:
            return False  # a dialog, a menu, a popup: their keys are theirs
        if self.gate is not None and self.gate(event):
            event.accept()  # the privacy screen's: the key that wakes it never decides
            return True
        if not self._enabled:
            return False
        focus = QApplication.focusWidget()
        if is_typing(watched):
            return self._typing_key(watched, event)
        if focus is not None and focus.window() is self._window and is_typing(focus):
            return self._typing_key(focus, event)
        name = self._match(event, act=kind == QEvent.Type.KeyPress)
        if name is None:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # ours: no menu shortcut and no widget takes it; a KeyPress follows
        return True

    def _typing_key(self, field: QWidget, event: QKeyEvent) -> bool:
        """In a field the reviewer types into, keys type (each field handles its own Esc). Only a
        window action on a Ctrl/Alt/Meta key the field has no use for acts (Ctrl+F from the note)."""
        stroke = event_stroke(event)
        name = self._single.get(stroke) if stroke is not None else None
        if (
            stroke is None
            or name is None
            or name not in ACTIONS_BY_NAME
            or not (stroke.modifiers & {"Ctrl", "Alt", "Meta"})
        ):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.ignore()
            field.event(event)  # the field's own claim first: Ctrl+Z is the field's undo
            if event.isAccepted():
                return True
            event.accept()
            self._claimed = stroke
            return True
        if self._claimed == stroke:
            self._claimed = None
            if not event.isAutoRepeat() or ACTIONS_BY_NAME[name].repeatable:
                self.triggered.emit(name)
            return True
        return False

    def _match(self, event: QKeyEvent, *, act: bool) -> str | None:
        """The name the key stands for ("" for a key consumed without an action), or None when the
        key is not the router's. With `act`, the chord state moves and `triggered` is emitted."""
        stroke = event_stroke(event)
        if stroke is None:
            return None
        escape = stroke == Stroke(frozenset(), "Esc")
        if self._pending is not None:
            if escape:
                if act:
                    self.cancel_chord()
                return ""
            name = self._double.get((self._pending, stroke))
            if act:
                first = self._pending_text
                other = self._elsewhere((self._pending, stroke)) if name is None else None
                self.cancel_chord()
                if other is not None:
                    self.foreign_key.emit(f"{first} {display_keys(str(stroke))}", other)
                elif name is None:
                    self.chord_rejected.emit(f"{first} then {display_keys(str(stroke))}")
                elif not event.isAutoRepeat():
                    self.triggered.emit(name)
            return name or ""
        if stroke in self._prefixes or self._foreign_prefix(stroke):
            if act and not event.isAutoRepeat():
                self._pending = stroke
                self._pending_text = display_keys(str(stroke))
                self._timer.start()
                self.chord_changed.emit(self._pending_text)
            return ""
        name = self._single.get(stroke)
        if name is None:
            if escape:
                if act:
                    self.escape_pressed.emit()
                return ""
            other = self._elsewhere(stroke)
            if other is None:
                return None
            if act and not event.isAutoRepeat():
                self.foreign_key.emit(display_keys(str(stroke)), other)
            return ""  # consumed: it must not reach a widget either
        if act:
            action = ACTIONS_BY_NAME.get(name)
            repeatable = action is not None and action.repeatable
            if not event.isAutoRepeat() or repeatable:
                self.triggered.emit(name)
        return name
