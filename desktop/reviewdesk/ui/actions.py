"""One registry for every action of the window: its handler, its key and its menu entry.

napari's `action_manager` is the model. A key pressed anywhere in the window reaches the registry
through the `KeyRouter`; a menu entry triggers the same handler; the menu shows the action's key
from the keymap (for display: the router, not the menu, answers to it). Menu entries whose keys are
not in the keymap (File → Import, Ctrl+O; `MENU_KEYS` in ui/main_window.py) are reserved: the keymap
editor and the keymap loader refuse those keys for anything else, so no key means two things.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from reviewdesk.domain.keymap import Keymap

PORTABLE = QKeySequence.SequenceFormat.PortableText


class ActionRegistry(QObject):
    def __init__(self, keymap: Keymap, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._keymap = keymap
        self._handlers: dict[str, Callable[[], object]] = {}
        self._menus: dict[str, QAction] = {}

    def add(self, name: str, handler: Callable[[], object], menu: QAction | None = None) -> None:
        """`handler` carries out `name`; `menu`, if given, is its menu entry (it triggers the same)."""
        self._handlers[name] = handler
        if menu is not None:
            self._menus[name] = menu
            menu.triggered.connect(lambda _checked=False, n=name: self.trigger(n))
            self._show_key(name, menu)

    def trigger(self, name: str) -> bool:
        handler = self._handlers.get(name)
        if handler is None:
            return False
        handler()
        return True

    def names(self) -> list[str]:
        return list(self._handlers)

    def menu_entry(self, name: str) -> QAction | None:
        return self._menus.get(name)

    def set_keymap(self, keymap: Keymap) -> None:
        self._keymap = keymap
        for name, action in self._menus.items():
            self._show_key(name, action)

    def _show_key(self, name: str, action: QAction) -> None:
        try:
            keys = self._keymap.key_for(name)
        except KeyError:
            return  # a menu-only action: its own shortcut, if any, stays
        # Shown in the menu, answered by the KeyRouter: a widget-context shortcut on a menu entry
        # never fires while the menu is closed, so a key never acts twice.
        action.setShortcut(QKeySequence.fromString(keys, PORTABLE))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
