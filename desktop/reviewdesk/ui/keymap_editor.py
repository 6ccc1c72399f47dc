"""File > Edit keys...: change any key by pressing it, with clashes shown as you press.

The editor works on a copy of the keymap; Save writes only what differs from the defaults to the
reviewer's keymap file and applies the keys at once (no restart). A key that clashes is never
accepted: the line under the list says which binding it clashes with, and Save stays off.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.keymap import (
    ACTIONS_BY_NAME,
    DECISION_SECTIONS,
    SECTION_LABELS,
    Keymap,
    KeymapError,
    KeyTextError,
    display_keys,
    split_binding_id,
)
from reviewdesk.domain.shortcodes import by_code
from reviewdesk.sources.local import decisions_of
from reviewdesk.ui.colours import level_style

PORTABLE = QKeySequence.SequenceFormat.PortableText
NAME_ROLE = Qt.ItemDataRole.UserRole


class KeymapEditor(QDialog):
    keymap_saved = Signal(object)  # Keymap, already written to the file

    def __init__(
        self,
        keymap: Keymap,
        path: Path,
        parent: QWidget | None = None,
        *,
        reserved: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keymapEditor")
        self.setWindowTitle("ReviewDesk keys")
        self.setModal(False)
        self.resize(640, 560)
        self._path = path
        self._keymap = keymap
        self._reserved = dict(reserved or {})  # the menus' own keys: never given to anything else
        self._pending: str | None = None  # the new keys pressed for the selected name, not yet taken

        intro = QLabel(
            "Select a line and press the new key (or two keys one after the other, like D then B). "
            "Clashes are shown at once; Save applies the keys without a restart."
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("keymapList")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Keys", "What it does"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.capture = QKeySequenceEdit()
        self.capture.setObjectName("keyCapture")
        self.capture.setMaximumSequenceLength(2)
        self.capture.setClearButtonEnabled(True)
        self.reset_button = QPushButton("Default key")
        self.reset_button.setToolTip("Put the selected line back to its default key")
        row = QHBoxLayout()
        row.addWidget(QLabel("New key:"))
        row.addWidget(self.capture, 1)
        row.addWidget(self.reset_button)
        self.problem = QLabel()
        self.problem.setObjectName("keymapProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self.tree.currentItemChanged.connect(lambda *_: self._selected())
        self.capture.keySequenceChanged.connect(self._pressed)
        self.capture.editingFinished.connect(self._take)
        self.reset_button.clicked.connect(self._reset)
        self._fill()

    # -- the list -----------------------------------------------------------------------------------

    def _fill(self) -> None:
        current = self.current_name()
        self.tree.clear()
        shortcodes = by_code()
        for code, keys in self._keymap.shortcodes().items():
            self._add(code, keys, f"{shortcodes[code].group.label}: {shortcodes[code].description}")
        for section in DECISION_SECTIONS[1:]:  # Jumio, Preventor: keys live on their items only
            described = {o.code: o.description for o in decisions_of(section)}
            for ident, keys in self._keymap.decisions(section).items():
                code = split_binding_id(ident)[1]
                self._add(ident, keys, f"{SECTION_LABELS[section]}: {described.get(code, code)}")
        for name, keys in self._keymap.actions().items():
            self._add(name, keys, ACTIONS_BY_NAME[name].description)
        if current is not None:
            self.select(current)

    def _add(self, name: str, keys: str, text: str) -> None:
        item = QTreeWidgetItem([display_keys(keys), text])
        item.setData(0, NAME_ROLE, name)
        item.setToolTip(1, name)
        self.tree.addTopLevelItem(item)

    def select(self, name: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, NAME_ROLE) == name:
                self.tree.setCurrentItem(item)
                return

    def current_name(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, NAME_ROLE) if item is not None else None

    def keymap(self) -> Keymap:
        return self._keymap

    def _selected(self) -> None:
        self.capture.clear()
        self._show_problem("")
        if self.current_name() is not None:
            self.capture.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- changing a key -----------------------------------------------------------------------------

    def _pressed(self, sequence: QKeySequence) -> None:
        """Checked on every key press: the clash is on screen before anything is taken."""
        name = self.current_name()
        text = sequence.toString(PORTABLE)
        if name is None or not text:
            self._pending = None
            self._show_problem("")
            return
        try:
            self._keymap.with_binding(name, text, self._reserved)
        except (KeymapError, KeyTextError) as exc:
            self._pending = None
            self._show_problem(str(exc).replace("keymap: ", ""))
            return
        self._pending = text
        self._show_problem(f"{display_keys(text)} is free: it will {self._describe(name)}.", level="ok")

    def _take(self) -> None:
        name, text = self.current_name(), self._pending
        if name is None or text is None:
            return
        self._keymap = self._keymap.with_binding(name, text, self._reserved)
        self._pending = None
        self._fill()

    def set_key(self, name: str, keys: str) -> None:
        """What pressing `keys` in the capture field does (tests; the field calls the same code)."""
        self.select(name)
        self._pressed(QKeySequence.fromString(keys, PORTABLE))
        self._take()

    def _reset(self) -> None:
        name = self.current_name()
        if name is None:
            return
        default = Keymap.defaults().key_for(name)
        try:
            self._keymap = self._keymap.with_binding(name, default, self._reserved)
        except KeymapError as exc:
            self._show_problem(str(exc).replace("keymap: ", ""))
            return
        self._fill()

    def _describe(self, name: str) -> str:
        known = by_code().get(name)
        if known is not None:
            return f"decide {known.code}"
        section, code = split_binding_id(name)
        if section in DECISION_SECTIONS:
            return f"decide {code} on {SECTION_LABELS[section]}"
        return ACTIONS_BY_NAME[name].description[0].lower() + ACTIONS_BY_NAME[name].description[1:]

    def _show_problem(self, text: str, *, level: str = "bad") -> None:
        self.problem.setText(text)
        self.problem.setStyleSheet(level_style(level, self.palette(), bold=level == "bad") if text else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not (text and level == "bad"))

    def problem_text(self) -> str:
        return self.problem.text()

    # -- saving -------------------------------------------------------------------------------------

    def save(self) -> None:
        try:
            self._keymap.save(self._path)
        except OSError as exc:
            self._show_problem(f"Could not save {self._path}: {exc.strerror or exc}")
            return
        self.keymap_saved.emit(self._keymap)
        self.accept()
