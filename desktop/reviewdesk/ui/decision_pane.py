"""The decision pane: 16 shortcode buttons in three groups, a key legend, and a note.

An item of a source whose decisions are kept locally (a Jumio transaction, a Preventor ticket)
shows that source's decisions instead, with the keys of its own keymap section: the pane shows the
buttons of the item's decision section and tells the key router which section is live.

Keys come from the window's `KeyRouter` (`install_shortcuts`): one press decides wherever focus is,
a held key does not repeat the decision, and none of them act while the note (or the decision combo
beside it) has focus: there, keys type text, Ctrl+Enter decides with the note and Esc returns to the
keys. The first key of a two-key sequence lights up the decisions it can finish.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.keymap import (
    DECISION_SECTIONS,
    Keymap,
    binding_id,
    display_keys,
    section_of_source,
    split_binding_id,
)
from reviewdesk.domain.scan import Scan
from reviewdesk.domain.shortcodes import Group, Shortcode, all_shortcodes
from reviewdesk.ui.colours import level_style
from reviewdesk.ui.history_strip import short_scan_id
from reviewdesk.ui.key_router import TYPING_PROPERTY, KeyRouter
from reviewdesk.ui.plain_text import escape, tooltip

if TYPE_CHECKING:
    from reviewdesk.ui.cheat_sheet import CheatSheet

# Group colours (r, g, b): tints are drawn with alpha so they suit light and dark palettes.
GROUP_RGB: dict[Group, tuple[int, int, int]] = {
    Group.APPROVE: (46, 125, 50),
    Group.DENY: (198, 40, 40),
    Group.NO_ACTION: (110, 110, 110),
}

#: Group titles of the sources that keep their decisions locally (docs/JUMIO.md).
LOCAL_GROUP_TITLES = {Group.APPROVE: "Approve", Group.DENY: "Reject", Group.NO_ACTION: "Escalate"}


def section_options(section: str) -> tuple[Shortcode, ...]:
    """A decision section's decisions as Shortcode rows (code, group, description)."""
    if section == "shortcodes":
        return all_shortcodes()
    from reviewdesk.sources.local import decisions_of  # (not before the window is painted)

    return tuple(Shortcode(o.code, Group(o.group), o.description) for o in decisions_of(section))


def section_of_item(item: str) -> str:
    """The decision section of a queue item ("jumio:REF" -> "jumio", a scan id -> "shortcodes")."""
    from reviewdesk.sources.local import item_key

    return section_of_source(item_key(item).source)


CHOOSE_FIRST_HINT = "Choose the decision in the box below, or press Esc and then the decision's key"
_NON_TEXT_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)


#: The line saying that a two-key sequence waits for its second key.
_CHORD_STYLE = (
    "#chordPending { border: 2px solid palette(highlight); border-radius: 4px; padding: 3px 6px;"
    " font-weight: bold; }"
)


def _tint(rgb: tuple[int, int, int], alpha: float) -> QColor:
    return QColor(rgb[0], rgb[1], rgb[2], round(alpha * 255))


def _dimmed(label: QLabel) -> None:
    """A label in the palette's placeholder colour (help text under the note)."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText))
    label.setPalette(palette)


_NO_ACTION_PREFIX = re.compile(r"^No action taken (?:because|due to|for) ")


def short_description(shortcode: Shortcode) -> str:
    """The description without what its group heading already says, so the distinctive part fits.

    "No action taken because the cvv is readable." -> "The cvv is readable." (under "No action").
    """
    text = shortcode.description
    if shortcode.group is Group.NO_ACTION:
        stripped = _NO_ACTION_PREFIX.sub("", text)
        if stripped != text and stripped:
            text = stripped[0].upper() + stripped[1:]
    return text


def _is_ctrl_enter(event: QKeyEvent) -> bool:
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return (
        event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        and modifiers == Qt.KeyboardModifier.ControlModifier
    )


def _is_plain_escape(event: QKeyEvent) -> bool:
    return event.key() == Qt.Key.Key_Escape and not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)


class DecisionButton(QPushButton):
    """One shortcode: its key in a key cap and its description, wrapped, never cut; the code in
    small type underneath (`show_code`) or in the tooltip.

    Painted here rather than made of labels under a style sheet: 16 of them with three labels each
    and the pane's style sheet were a third of the window's making at start (docs/PERFORMANCE.md,
    "Start-up"). Its colours follow the palette and its group: a tint of the group's colour when
    the pointer is over it, is pressed, is the scan's current decision (solid border) or is one the
    pending first key of a two-key sequence can finish (dashed border)."""

    MARGINS = (4, 2, 6, 2)  # left, top, right, bottom: around the key cap and the text
    GAP = 7  # between the key cap and the text

    def __init__(
        self,
        shortcode: Shortcode,
        keys: str,
        parent: QWidget | None = None,
        *,
        show_code: bool = False,
        section: str = "shortcodes",
    ) -> None:
        super().__init__(parent)
        self.shortcode = shortcode
        self.section = section
        self.ident = binding_id(section, shortcode.code)  # its name in the keymap
        self.setObjectName("decision")
        self.setProperty("group", shortcode.group.value)
        self._current = False
        self._pending = False
        self._show_code = show_code
        self._description = short_description(shortcode)
        self._cap = ""
        self._cap_width = 0  # 0: as wide as its own key needs
        self._heights: dict[int, int] = {}  # heightForWidth by width; the text's by -width
        # Never takes keyboard focus: Space/Enter on a focused button must not decide by accident.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)  # repainted as the pointer comes and goes
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._fonts()
        self.set_keys(keys)

    def _fonts(self) -> None:
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(self.font().pointSizeF())
        mono.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        self._mono, self._small = mono, small
        self._heights.clear()

    @staticmethod
    def keycap_text(keys: str) -> str:
        """What the key cap shows for `keys`."""
        return display_keys(keys)

    def set_keys(self, keys: str) -> None:
        if getattr(self, "keys", None) == keys:
            return  # (the keymap applied again as the window's keys are installed: no repaint)
        self.keys = keys
        shown = self._cap = self.keycap_text(keys)
        hint = f"press {shown.replace(' ', ', then ')}"
        self.setToolTip(f"{self.shortcode.description}\n{self.shortcode.code}\nKey: {hint}")
        self.setAccessibleName(f"{self.shortcode.description} ({self.shortcode.code}), key {shown}")
        self._changed()

    def cap_text(self) -> str:
        """The key cap's text: "D B", "Ctrl+Shift+A"."""
        return self._cap

    def cap_font(self) -> QFont:
        return QFont(self._mono)

    def cap_width(self) -> int:
        """The key cap's width in pixels (one width for every button of the pane: `set_cap_width`)."""
        return self._cap_width or QFontMetrics(self._mono).horizontalAdvance(self._cap) + 12

    def set_cap_width(self, width: int) -> None:
        if width != self._cap_width:
            self._cap_width = width
            self._changed()

    def description_text(self) -> str:
        """The description as shown: whole, wrapped to the button's width."""
        return self._description

    def set_show_code(self, show: bool) -> None:
        if show != self._show_code:
            self._show_code = show
            self._changed()

    def code_shown(self) -> bool:
        return self._show_code

    def text_line(self) -> str:
        """The button as one line of text: "[D B] Card bin or last 4 mismatch with image (code)"."""
        return f"[{self._cap}] {self.shortcode.description} ({self.shortcode.code})"

    def set_current(self, current: bool) -> None:
        if current != self._current:
            self._current = current
            self.update()

    def is_current(self) -> bool:
        return self._current

    def set_pending(self, pending: bool) -> None:
        """Lit while the first key of this button's two-key sequence waits for its second key."""
        if pending != self._pending:
            self._pending = pending
            self.update()

    def is_pending(self) -> bool:
        return self._pending

    # -- geometry -----------------------------------------------------------------------------------

    def _changed(self) -> None:
        self._heights.clear()
        self.updateGeometry()
        self.update()

    def _text_left(self) -> int:
        return self.MARGINS[0] + self.cap_width() + self.GAP

    def _text_height(self, text_width: int) -> int:
        """The description wrapped to `text_width`, and the code's line under it if shown (kept by
        width: the layout asks again and again, and each paint once)."""
        key = -max(1, text_width)  # (negative: apart from heightForWidth's whole widths)
        height = self._heights.get(key)
        if height is None:
            box = QRect(0, 0, -key, 100_000)
            flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
            height = self.fontMetrics().boundingRect(box, flags, self._description).height()
            if self._show_code:
                height += QFontMetrics(self._small).height()
            if len(self._heights) > 32:
                self._heights.clear()
            self._heights[key] = height
        return height

    def _cap_height(self) -> int:
        return QFontMetrics(self._mono).height() + 2

    def description_fits(self) -> bool:
        """Whether the whole description (and the code, if shown) fits the button as it is now."""
        text_width = self.width() - self._text_left() - self.MARGINS[2]
        return self._text_height(text_width) + self.MARGINS[1] + self.MARGINS[3] <= self.height()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        text = min(
            self.fontMetrics().horizontalAdvance(self._description),
            24 * self.fontMetrics().averageCharWidth(),
        )
        width = self._text_left() + text + self.MARGINS[2]
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        one_line = max(self._cap_height(), self.fontMetrics().height())
        return QSize(self.cap_width() + 60, one_line + self.MARGINS[1] + self.MARGINS[3])

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        height = self._heights.get(width)
        if height is None:
            text = self._text_height(width - self._text_left() - self.MARGINS[2])
            height = max(text, self._cap_height()) + self.MARGINS[1] + self.MARGINS[3]
            self._heights[width] = height
        return height

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FontChange:
            self._fonts()
            self._changed()
        super().changeEvent(event)

    # -- painting -----------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        palette = self.palette()
        enabled = self.isEnabled()
        group = (
            QPalette.ColorGroup.Normal if enabled else QPalette.ColorGroup.Disabled
        )  # (text in the disabled colours when no scan is shown)
        rgb = GROUP_RGB[self.shortcode.group]
        border, pen_width, pen_style, tint = QColor(0, 0, 0, 41), 1.0, Qt.PenStyle.SolidLine, 0.0
        if self._pending:
            border, pen_width, pen_style, tint = QColor(*rgb), 2.0, Qt.PenStyle.DashLine, 0.30
        elif self._current:
            border, pen_width, tint = QColor(*rgb), 2.0, 0.22
        elif enabled and self.isDown():
            tint = 0.26
        elif enabled and self.underMouse():
            border, tint = _tint(rgb, 0.6), 0.14
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        inset = pen_width / 2
        frame = QRectF(self.rect()).adjusted(inset, inset, -inset, -inset)
        painter.setPen(Qt.PenStyle.NoPen)
        if enabled:
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
            painter.drawRoundedRect(frame, 4, 4)
        if tint:
            painter.setBrush(_tint(rgb, tint))
            painter.drawRoundedRect(frame, 4, 4)
        pen = QPen(border, pen_width, pen_style)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(frame, 4, 4)

        left, top, right, bottom = self.MARGINS
        inner = self.rect().adjusted(left, top, -right, -bottom)
        cap = QRect(inner.left(), inner.top(), self.cap_width(), inner.height())
        painter.setPen(QPen(QColor(0, 0, 0, 56), 1.0))
        painter.setBrush(palette.color(QPalette.ColorRole.Window))
        painter.drawRoundedRect(QRectF(cap).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        text_colour = palette.color(group, QPalette.ColorRole.WindowText)
        painter.setPen(text_colour)
        painter.setFont(self._mono)
        painter.drawText(cap, int(Qt.AlignmentFlag.AlignCenter), self._cap)

        text = QRect(self._text_left(), inner.top(), inner.right() - self._text_left() + 1, inner.height())
        block = self._text_height(text.width())
        y = text.top() + max(0, (text.height() - block) // 2)
        code_height = QFontMetrics(self._small).height() if self._show_code else 0
        painter.setFont(self.font())
        flags = (
            int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft) | int(Qt.AlignmentFlag.AlignTop)
        )
        painter.drawText(QRect(text.left(), y, text.width(), block - code_height), flags, self._description)
        if self._show_code:
            painter.setFont(self._small)
            painter.setPen(palette.color(group, QPalette.ColorRole.PlaceholderText))
            shown = QFontMetrics(self._small).elidedText(
                self.shortcode.code, Qt.TextElideMode.ElideRight, text.width()
            )
            painter.drawText(
                QRect(text.left(), y + block - code_height, text.width(), code_height),
                int(Qt.AlignmentFlag.AlignLeft) | int(Qt.AlignmentFlag.AlignVCenter),
                shown,
            )
        painter.end()


class DecisionGroup(QWidget):
    """One group's decisions in a frame tinted in the group's colour, its title on the frame's top
    edge (painted here: a style sheet cost more at start than the buttons themselves)."""

    def __init__(self, title: str, group: Group, section: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = group
        self.section = section
        self._title = title
        self.setObjectName("decisionGroup")
        self.setProperty("group", group.value)
        self.setProperty("section", section)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setSpacing(3)
        self._margins()

    def title(self) -> str:
        return self._title

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _margins(self) -> None:
        title = QFontMetrics(self._title_font()).height()
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(6, title + 5, 6, 6)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FontChange:
            self._margins()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        rgb = GROUP_RGB[self.group]
        font = self._title_font()
        metrics = QFontMetrics(font)
        title_top = 1
        frame = QRectF(self.rect()).adjusted(0.5, title_top + metrics.height() * 0.5, -0.5, -0.5)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(_tint(rgb, 0.45), 1.0))
        painter.setBrush(_tint(rgb, 0.06))
        painter.drawRoundedRect(frame, 5, 5)
        # the title interrupts the frame's top edge
        title = QRect(8, title_top, metrics.horizontalAdvance(self._title) + 8, metrics.height())
        painter.fillRect(title, self.palette().color(QPalette.ColorRole.Window))
        painter.setFont(font)
        painter.setPen(QColor(*rgb))
        painter.drawText(title, int(Qt.AlignmentFlag.AlignCenter), self._title)
        painter.end()


class DecisionPane(QWidget):
    """Shortcode buttons, key legend and note. `decision_requested(shortcode, note)` when one is chosen.

    Call `install_shortcuts(window, keymap)` once the pane is in its window; the window connects
    `decision_requested` and `action_triggered(name)` (every action but `PANE_ACTIONS`, which the
    pane handles itself: focusing the note and showing the cheat sheet).
    """

    decision_requested = Signal(str, str)  # (shortcode, note)
    action_triggered = Signal(str)  # action name from the keymap, e.g. "undo", "zoom_in"

    def __init__(
        self, keymap: Keymap | None = None, parent: QWidget | None = None, *, show_codes: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decisionPane")
        self._show_codes = show_codes
        self._keymap = keymap or Keymap.defaults()
        self._scan: Scan | None = None
        self._scan_generation = 0  # bumped whenever another scan is shown
        self._host: QWidget | None = None
        self._router: KeyRouter | None = None
        #: Where the keyboard goes back to after the note (the window sets its image view).
        self.review_surface: QWidget | None = None
        self._cheat_sheet: CheatSheet | None = None
        self._buttons: dict[str, DecisionButton] = {}  # by binding id: "approved", "jumio.approve"
        self._section = "shortcodes"  # the decision section of the item shown
        self._build()
        self._apply_keymap(self._keymap)
        self.set_scan(None)

    # -- building -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self._scan_label = QLabel()
        self._scan_label.setObjectName("scanLabel")
        self._scan_label.setTextFormat(Qt.TextFormat.RichText)
        self._scan_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        # The first key of a two-key sequence is waiting for its second (see KeyRouter).
        self._chord = QLabel()
        self._chord.setObjectName("chordPending")
        self._chord.setTextFormat(Qt.TextFormat.PlainText)
        self._chord.setWordWrap(True)
        self._chord.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._chord.hide()  # (styled when first shown: `_show_styled`)

        groups = QVBoxLayout()
        groups.setSpacing(6)
        self._groups = groups
        self._group_boxes: dict[Group, DecisionGroup] = {}
        self._section_boxes: dict[str, list[DecisionGroup]] = {}
        self._cap_width = 0  # one key-cap width for every section's buttons (_apply_keymap)
        # Only the live section is built now; another one when an item of it is first shown: the
        # window shows sooner (the Jumio and Preventor sections are ~1/3 of the pane's making).
        self._build_section(self._section)

        self._legend = QLabel()
        self._legend.setObjectName("keyLegend")
        self._legend.setTextFormat(Qt.TextFormat.RichText)
        self._legend.setWordWrap(True)

        self._note_label = QLabel()
        self._note = QPlainTextEdit()
        self._note.setObjectName("note")
        self._note.setPlaceholderText("Optional note, sent with the decision")
        self._note.setTabChangesFocus(True)
        lines = 3
        self._note.setFixedHeight(
            self._note.fontMetrics().lineSpacing() * lines
            + int(self._note.document().documentMargin() * 2)
            + self._note.frameWidth() * 2
            + 4
        )
        self._note_label.setBuddy(self._note)

        self._combo = QComboBox()
        self._combo.setObjectName("noteDecision")
        self._combo.setPlaceholderText("choose a decision")
        self._combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._combo.setMinimumContentsLength(16)
        self._combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fill_combo()
        self._combo.setToolTip("The decision Ctrl+Enter sends with the note")
        self._combo.currentIndexChanged.connect(self._hide_hint)

        self._hint = QLabel(CHOOSE_FIRST_HINT)
        self._hint.setObjectName("noteHint")
        self._hint.setWordWrap(True)
        self._hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._hint.hide()

        self._note_help = QLabel()
        self._note_help.setObjectName("noteHelp")
        self._note_help.setTextFormat(Qt.TextFormat.RichText)
        self._note_help.setWordWrap(True)
        self._note_help.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        small = QFont(self._note_help.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        self._note_help.setFont(small)
        self._legend.setFont(small)
        _dimmed(self._note_help)

        combo_row = QHBoxLayout()
        combo_row.setSpacing(6)
        with_label = QLabel("Ctrl+Enter:")
        with_label.setBuddy(self._combo)
        combo_row.addWidget(with_label)
        combo_row.addWidget(self._combo, 1)

        note_box = QVBoxLayout()
        note_box.setSpacing(3)
        note_box.addWidget(self._note_label)
        note_box.addWidget(self._note_help)
        note_box.addWidget(self._note)
        note_box.addLayout(combo_row)
        note_box.addWidget(self._hint)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addWidget(self._scan_label)
        layout.addWidget(self._chord)
        layout.addLayout(groups)
        layout.addWidget(self._legend)
        layout.addLayout(note_box)
        layout.addStretch(1)

        self._note.textChanged.connect(self._update_note_help)
        self._combo.setProperty(TYPING_PROPERTY, True)  # part of the note: keys there are the note's
        for widget in (self._note, self._combo):
            # Click focus only: when the window is activated Qt focuses the first Tab-focusable
            # widget, and were that the note, the reviewer's keys would type instead of deciding.
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            widget.installEventFilter(self)

    def _build_section(self, section: str) -> None:
        """The group boxes and buttons of `section`, once."""
        if section in self._section_boxes:
            return
        self._section_boxes[section] = []
        options = section_options(section)
        for group in Group:
            members = [o for o in options if o.group is group]
            if not members:
                continue
            title = group.label if section == "shortcodes" else LOCAL_GROUP_TITLES[group]
            box = DecisionGroup(title, group, section, self)  # (without a parent, it took the focus away)
            box_layout = box.layout()
            for shortcode in members:
                ident = binding_id(section, shortcode.code)
                button = DecisionButton(
                    shortcode, self._keymap.key_for(ident), box, show_code=self._show_codes, section=section
                )
                button.clicked.connect(self._on_button_clicked)
                if self._cap_width:
                    button.set_cap_width(self._cap_width)
                button.setEnabled(self._scan is not None)
                box_layout.addWidget(button)
                self._buttons[ident] = button
            if section == "shortcodes":
                self._group_boxes[group] = box
            self._section_boxes[section].append(box)
            box.setVisible(section == self._section)
            self._groups.addWidget(box)

    def _fill_combo(self) -> None:
        """The decisions of the live section, for Ctrl+Enter with the note."""
        self._combo.blockSignals(True)
        self._combo.clear()
        local = self._section != "shortcodes"
        for shortcode in section_options(self._section):
            # (a local source's descriptions start with their group already: "Reject: …")
            text = shortcode.description if local else f"{shortcode.group.label}: {shortcode.description}"
            self._combo.addItem(text, shortcode.code)
            self._combo.setItemData(self._combo.count() - 1, shortcode.code, Qt.ItemDataRole.ToolTipRole)
        self._combo.setCurrentIndex(-1)
        self._combo.blockSignals(False)
        self._combo.view().setMinimumWidth(self._combo.view().sizeHintForColumn(0) + 24)

    def _set_section(self, section: str) -> None:
        """Show `section`'s decisions and make its keys the live ones."""
        if section == self._section:
            return
        self._section = section
        self._build_section(section)
        for owner, boxes in self._section_boxes.items():
            for box in boxes:
                box.setVisible(owner == section)
        self._fill_combo()
        if self._router is not None:
            self._router.set_section(section)

    def section(self) -> str:
        """The live decision section: "shortcodes" (a Dyneti scan), "jumio", "preventor"."""
        return self._section

    # -- keymap and shortcuts -----------------------------------------------------------------------

    def keymap(self) -> Keymap:
        return self._keymap

    def set_show_codes(self, show: bool) -> None:
        """Show each shortcode's code under its description (two-line buttons, about 160 px taller)."""
        self._show_codes = show
        for button in self._buttons.values():
            button.set_show_code(show)

    def set_keymap(self, keymap: Keymap) -> None:
        """Use `keymap`: buttons, legend, cheat sheet, and the shortcuts if already installed."""
        self._apply_keymap(keymap)
        if self._router is not None:
            self._router.set_keymap(keymap)

    def _apply_keymap(self, keymap: Keymap) -> None:
        self._keymap = keymap
        for ident, button in self._buttons.items():
            button.set_keys(keymap.key_for(ident))
        # One key-cap width for all, fitting the longest key of every section (those not built
        # yet too), so descriptions line up.
        metrics = QFontMetrics(next(iter(self._buttons.values())).cap_font())
        texts = [
            DecisionButton.keycap_text(keymap.key_for(binding_id(section, option.code)))
            for section in DECISION_SECTIONS
            for option in section_options(section)
        ]
        self._cap_width = max(metrics.horizontalAdvance(text) for text in texts) + 12
        for button in self._buttons.values():
            button.set_cap_width(self._cap_width)
        self._legend.setText(self._legend_html())
        self._note_label.setText(
            f"<b>Note</b> <small>({escape(display_keys(keymap.key_for('focus_note')))})</small>"
        )
        self._update_note_help()
        if self._cheat_sheet is not None:
            self._cheat_sheet.set_keymap(keymap)

    def _legend_html(self) -> str:
        # Within an item, &nbsp; and word joiners (U+2060, around "/") prevent line breaks; lines
        # break only between items.
        slash = "\u2060/\u2060"

        def keys(*names: str) -> str:
            shown = (escape(display_keys(self._keymap.key_for(n))).replace(" ", "&nbsp;") for n in names)
            return slash.join(f"<b>{k}</b>" for k in shown)

        items = [
            (keys("undo"), "undo"),
            (keys("cheat_sheet"), "all keys"),
            (keys("zoom_in", "zoom_out"), "zoom"),
            (keys("fit"), "fit"),
            (keys("actual_size"), "100%"),
            (keys("rotate"), "rotate"),
            (keys("tight_crop"), "crop"),
            (keys("next_scan", "previous_scan"), f"next{slash}prev"),
            (keys("focus_note"), "note"),
        ]
        return " · ".join(f"{k}&nbsp;{label.replace(' ', '&nbsp;')}" for k, label in items)

    def install_shortcuts(self, window: QWidget, keymap: Keymap | None = None) -> KeyRouter:
        """Answer to the keymap's keys pressed anywhere in `window` (replacing an earlier router).

        Decisions never auto-repeat; of the actions only zoom and next/previous do.
        """
        self._apply_keymap(keymap or self._keymap)
        if self._router is not None:
            self._router.set_enabled(False)
            self._router.deleteLater()
        self._host = window
        router = self._router = KeyRouter(window, self._keymap)
        router.set_section(self._section)
        router.triggered.connect(self._on_key)
        router.chord_changed.connect(self._show_chord)
        router.chord_rejected.connect(self._chord_rejected)
        return router

    def router(self) -> KeyRouter | None:
        return self._router

    def _on_key(self, name: str) -> None:
        button = self._buttons.get(name)
        if button is not None:
            if button.section == self._section:  # (the router sends only the live section's)
                self._decide(button.shortcode.code)
        elif name == "focus_note":
            self.focus_note()
        elif name == "cheat_sheet":
            self.toggle_cheat_sheet()
        else:
            self.action_triggered.emit(name)

    def _show_chord(self, first: str) -> None:
        """Light up the decisions the pending first key can finish, and say what is awaited."""
        seconds = self._router.second_keys() if (first and self._router is not None) else {}
        for ident, button in self._buttons.items():
            button.set_pending(ident in seconds.values())
        if first:
            keys = " ".join(sorted(display_keys(k) for k in seconds))
            self._chord.setText(f"{first} … then {keys}   ·   Esc cancels")
            self._show_styled(self._chord, _CHORD_STYLE)
        else:
            self._chord.hide()

    def _chord_rejected(self, what: str) -> None:
        self._chord.setText(f"{what} is not a key: nothing was done")
        self._show_styled(self._chord, _CHORD_STYLE)

    @staticmethod
    def _show_styled(label: QLabel, sheet: str) -> None:
        """Show the chord line or the note's hint, given its style sheet the first time (a style
        sheet set at start costs the window's first paint, and most days neither is shown)."""
        if not label.styleSheet():
            label.setStyleSheet(sheet)
        label.show()

    # -- the scan -----------------------------------------------------------------------------------

    def set_scan(self, scan: Scan | None) -> None:
        """Show the scan being decided and its current decision; None disables deciding."""
        previous = self._scan
        self._scan = scan
        self._set_section(section_of_item(scan.scan_id) if scan is not None else self._section)
        same_scan = previous is not None and scan is not None and previous.scan_id == scan.scan_id
        if not same_scan:
            self._scan_generation += 1
            self._note.setPlainText(scan.note if scan is not None else "")
            self._hint.hide()
        if not same_scan or (
            previous is not None and scan is not None and previous.shortcode != scan.shortcode
        ):
            self._select_in_combo(scan.shortcode if scan is not None else None)
        current = binding_id(self._section, scan.shortcode) if scan is not None and scan.shortcode else None
        for ident, button in self._buttons.items():
            button.set_current(ident == current)
        self._scan_label.setText(self._scan_html(scan))
        self._scan_label.setToolTip(tooltip(scan.scan_id) if scan is not None else "")
        self._update_enabled()

    def scan(self) -> Scan | None:
        return self._scan

    def _scan_html(self, scan: Scan | None) -> str:
        if scan is None:
            return "<i>No scan selected</i>"
        from reviewdesk.sources.local import item_key, label_of

        key = item_key(scan.scan_id)
        what = "Scan" if self._section == "shortcodes" else label_of(key.source)
        text = f"<b>{what} {escape(short_scan_id(key.item_id))}</b> · {escape(scan.state.label)}"
        if scan.shortcode:
            known = {s.code: s for s in section_options(self._section)}.get(scan.shortcode)
            rgb = GROUP_RGB[known.group] if known else (97, 97, 97)
            text += f' · <span style="color: rgb{rgb};">{escape(scan.shortcode)}</span>'
        return text

    def _select_in_combo(self, code: str | None) -> None:
        index = self._combo.findData(code) if code else -1
        self._combo.setCurrentIndex(index)

    def _update_enabled(self) -> None:
        enabled = self._scan is not None
        for button in self._buttons.values():
            button.setEnabled(enabled)
        for widget in (self._note, self._combo):
            widget.setEnabled(enabled)

    # -- deciding -----------------------------------------------------------------------------------

    def _on_button_clicked(self) -> None:
        button = self.sender()
        if isinstance(button, DecisionButton) and button.section == self._section:
            self._decide(button.shortcode.code)

    def _decide(self, code: str) -> None:
        if self._scan is None:
            return
        generation = self._scan_generation
        note = self._note.toPlainText().strip()
        self._hint.hide()
        self.decision_requested.emit(code, note)
        # The window may already have moved on to another scan (and shown its note): leave that alone.
        if generation == self._scan_generation:
            self._note.clear()
        if self._note.hasFocus() or self._combo.hasFocus():
            self.leave_note()

    def decide_with_note(self) -> bool:
        """Ctrl+Enter: decide with the combo's shortcode and the note. False (and a hint) if none chosen."""
        if self._scan is None:
            return False
        code = self._combo.currentData()
        if not isinstance(code, str) or not code:
            self._show_styled(self._hint, level_style("bad", self.palette(), bold=True))
            return False
        self._decide(code)
        return True

    def _hide_hint(self) -> None:
        self._hint.hide()

    # -- the note -----------------------------------------------------------------------------------

    def note(self) -> str:
        return self._note.toPlainText()

    def note_edit(self) -> QPlainTextEdit:
        return self._note

    def decision_combo(self) -> QComboBox:
        return self._combo

    def hint_visible(self) -> bool:
        return not self._hint.isHidden()

    def button(self, code: str) -> DecisionButton:
        """The button of binding id `code` ("approved", "jumio.approve"), its section built if not yet."""
        if code not in self._buttons:
            section, _name = split_binding_id(code)
            if section in DECISION_SECTIONS:
                self._build_section(section)
        return self._buttons[code]

    def buttons(self) -> dict[str, DecisionButton]:
        """Every section's buttons by binding id (building the sections not built yet)."""
        for section in DECISION_SECTIONS:
            self._build_section(section)
        return dict(self._buttons)

    def focus_note(self) -> None:
        if self._note.isEnabled():
            self._note.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def leave_note(self) -> None:
        """Give the keyboard back to the review surface, where keys decide again."""
        target = self.review_surface or self._host or self.window()
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        for widget in (self._note, self._combo):
            if widget.hasFocus():
                widget.clearFocus()
        self._update_note_help()

    def _update_note_help(self) -> None:
        """Say how the note goes out: what the reviewer can do next is always on the screen."""
        note_key = escape(display_keys(self._keymap.key_for("focus_note")))
        writing = self._note.hasFocus() or self._combo.hasFocus()
        if writing:
            text = (
                "<b>Esc</b>, then a decision key: decides with this note · or choose the decision "
                "below and press <b>Ctrl+Enter</b>"
            )
        elif self._note.toPlainText().strip():
            text = (
                "<b>Note ready</b>: it goes with the next decision key you press "
                f"(<b>{note_key}</b> to edit it)"
            )
        else:
            text = f"<b>{note_key}</b> writes a note; it goes with the next decision"
        self._note_help.setText(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._note or watched is self._combo:
            kind = event.type()
            # No key needs keeping from a shortcut here: decision keys are the KeyRouter's, which
            # lets the note and its combo type (ui/key_router.py, `is_typing`).
            if kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
                QTimer.singleShot(0, self, self._update_note_help)
            elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                if _is_ctrl_enter(event):
                    self.decide_with_note()
                    return True
                if _is_plain_escape(event) and not (
                    watched is self._combo and self._combo.view().isVisible()
                ):
                    self.leave_note()
                    return True
                if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and not (
                    event.modifiers() & _NON_TEXT_MODIFIERS
                ):
                    # Both are click-focus only (see _build), so Tab moves between the two by hand.
                    other = self._combo if watched is self._note else self._note
                    other.setFocus(Qt.FocusReason.TabFocusReason)
                    return True
        return super().eventFilter(watched, event)

    # -- cheat sheet --------------------------------------------------------------------------------

    def cheat_sheet(self) -> CheatSheet | None:
        return self._cheat_sheet

    def toggle_cheat_sheet(self) -> None:
        """Show the cheat sheet (non-modal), or close it when it is showing."""
        sheet = self._cheat_sheet
        if sheet is not None and sheet.isVisible():
            sheet.close()
            return
        if sheet is None:
            from reviewdesk.ui.cheat_sheet import CheatSheet  # (first shown with "?")

            sheet = CheatSheet(self._keymap, self._host or self.window())
            self._cheat_sheet = sheet
        sheet.show()
        sheet.raise_()
        sheet.activateWindow()
