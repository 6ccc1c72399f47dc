"""The list of every key: shortcodes by group, the decisions of Jumio transactions and of Preventor
tickets (their keymap sections, live on such an item only), then the window's actions. Non-modal,
never exec()."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.keymap import (
    ACTIONS,
    DECISION_SECTIONS,
    SECTION_LABELS,
    Keymap,
    binding_id,
    display_keys,
)
from reviewdesk.domain.shortcodes import Group, in_group
from reviewdesk.sources.local import decisions_of

WINDOW_ACTIONS_TITLE = "Window"


def key_sequences(texts: Iterable[str]) -> list[QKeySequence]:
    """QKeySequences for key texts in Qt's portable form (as `Keymap` writes them)."""
    return [QKeySequence.fromString(t, QKeySequence.SequenceFormat.PortableText) for t in texts]


def make_shortcut(parent: QWidget, texts: Iterable[str], *, autorepeat: bool = False) -> QShortcut:
    """A window-wide QShortcut answering to every spelling in `texts` (see `Keymap.sequences_for`).

    Some platforms report one key press under two of those spellings, which Qt then calls an
    ambiguous match; connect `activatedAmbiguously` as well as `activated` (Qt delivers exactly one
    of the two per press).
    """
    shortcut = QShortcut(parent)
    shortcut.setKeys(key_sequences(texts))
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.setAutoRepeat(autorepeat)
    return shortcut


class CheatSheet(QDialog):
    """Every key ReviewDesk answers to. Open with `.show()`; Esc or the cheat-sheet key closes it."""

    def __init__(self, keymap: Keymap | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cheatSheet")
        self.setWindowTitle("ReviewDesk keys")
        self.setModal(False)
        self._keymap = keymap or Keymap.defaults()
        self._close_shortcut: QShortcut | None = None

        intro = QLabel(
            "Two keys such as <b>D B</b>: press D, then B. While you type a note, keys type text: "
            "<b>Ctrl+Enter</b> decides with the note, <b>Esc</b> goes back to the keys."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        self._tree = QTreeWidget()
        self._tree.setObjectName("cheatSheetKeys")
        self._tree.setColumnCount(3)
        self._tree.setHeaderLabels(["Keys", "What it does", "Name"])
        self._tree.setRootIsDecorated(False)
        self._tree.setUniformRowHeights(True)
        self._tree.setAlternatingRowColors(True)
        self._tree.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        self._tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self._tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._tree, 1)
        layout.addWidget(buttons)
        self.set_keymap(self._keymap)
        # Wide enough for the longest description and code side by side.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        width = sum(header.sectionSize(i) for i in range(3)) + 60
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        rows = sum(1 + item.childCount() for item in map(self._tree.topLevelItem, range(3 + 1)) if item)
        height = rows * max(1, self._tree.sizeHintForRow(0)) + header.sizeHint().height() + 120
        self.resize(max(640, width), min(760, height))

    def set_keymap(self, keymap: Keymap) -> None:
        self._keymap = keymap
        self._fill()
        if self._close_shortcut is not None:
            self._close_shortcut.setKeys([])
            self._close_shortcut.deleteLater()
        # The window's own cheat-sheet shortcut is asleep while this dialog is the active window.
        self._close_shortcut = make_shortcut(self, keymap.sequences_for("cheat_sheet"))
        self._close_shortcut.activated.connect(self.close)
        self._close_shortcut.activatedAmbiguously.connect(self.close)

    def keymap(self) -> Keymap:
        return self._keymap

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(section, keys, description, name) for every listed key, in display order."""
        out = []
        for i in range(self._tree.topLevelItemCount()):
            section = self._tree.topLevelItem(i)
            if section is None:
                continue
            for j in range(section.childCount()):
                row = section.child(j)
                if row is not None:
                    out.append((section.text(0), row.text(0), row.text(1), row.text(2)))
        return out

    def _fill(self) -> None:
        self._tree.clear()
        bold = QFont(self._tree.font())
        bold.setBold(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setBold(True)
        sections: list[tuple[str, list[tuple[str, str, str]]]] = [
            (
                group.label,
                [(self._keymap.key_for(s.code), s.description, s.code) for s in in_group(group)],
            )
            for group in Group
        ]
        sections += [
            (
                SECTION_LABELS[section],
                [
                    (
                        self._keymap.key_for(binding_id(section, o.code)),
                        o.description,
                        binding_id(section, o.code),
                    )
                    for o in decisions_of(section)
                ],
            )
            for section in DECISION_SECTIONS
            if section != "shortcodes"
        ]
        sections.append(
            (WINDOW_ACTIONS_TITLE, [(self._keymap.key_for(a.name), a.description, a.name) for a in ACTIONS])
        )
        for title, rows in sections:
            top = QTreeWidgetItem([title])
            top.setFont(0, bold)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self._tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            for keys, description, name in rows:
                item = QTreeWidgetItem([display_keys(keys), description, name])
                item.setFont(0, mono)
                item.setToolTip(1, description)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                top.addChild(item)
        self._tree.expandAll()

    def _give_back_focus(self) -> None:
        parent = self.parentWidget()
        if parent is not None and parent.window().isVisible():
            parent.window().activateWindow()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self._give_back_focus()
