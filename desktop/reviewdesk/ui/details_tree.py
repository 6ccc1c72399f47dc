"""An item's details (`sources.base.Details`) as a tree: a summary line over field/value rows.

Everything shown is outside text (a vendor's answer), so it is shown as plain text: item views
never render HTML, the summary label is made plain, and tooltips are escaped. Values with a level
("ok", "warn", "bad") get the shade of colours.py that reads on the tree's own background (its
Base colour, not the window's), and are re-tinted when the palette changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from reviewdesk.ui.colours import LEVELS, level_colour
from reviewdesk.ui.plain_text import plain, tooltip

if TYPE_CHECKING:  # (the sources' modules: not before the window is painted)
    from reviewdesk.sources.base import DetailNode, Details

LEVEL_ROLE = Qt.ItemDataRole.UserRole + 1


class DetailsTree(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = plain(QLabel(self))
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(False)
        self.tree.setAccessibleName("Item details")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        self._details: Details | None = None
        self.tree.installEventFilter(self)

    def set_details(self, details: Details | None) -> None:
        self._details = details
        self.tree.clear()
        self.summary.setText(details.summary if details else "")
        if details is None:
            return
        for node in details.tree:
            self.tree.addTopLevelItem(self._item(node))
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self._tint()

    def set_message(self, message: str) -> None:
        """Instead of details: why there are none (plain text)."""
        self._details = None
        self.tree.clear()
        self.summary.setText(message)

    def details(self) -> Details | None:
        return self._details

    def _item(self, node: DetailNode) -> QTreeWidgetItem:
        item = QTreeWidgetItem([node.label, node.value])
        item.setData(1, LEVEL_ROLE, node.level)
        if node.value:
            item.setToolTip(1, tooltip(node.value))
        for child in node.children:
            item.addChild(self._item(child))
        return item

    def _items(self) -> list[QTreeWidgetItem]:
        found: list[QTreeWidgetItem] = []
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            found.append(item)
            stack.extend(item.child(i) for i in range(item.childCount()))
        return found

    def _tint(self) -> None:
        palette = self.tree.palette()
        background = palette.color(QPalette.ColorRole.Base)
        fallback = palette.color(QPalette.ColorRole.Text)
        for item in self._items():
            level = item.data(1, LEVEL_ROLE)
            if level in LEVELS:
                item.setForeground(1, QBrush(level_colour(level, background, fallback)))
            else:
                item.setData(1, Qt.ItemDataRole.ForegroundRole, None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # The tree's own palette: it changes after ours when ours propagates, or on its own.
        if watched is self.tree and event.type() == QEvent.Type.PaletteChange:
            self._tint()
        return False
