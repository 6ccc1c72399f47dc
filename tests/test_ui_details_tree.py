"""reviewdesk.ui.details_tree: the details tree, offscreen: levels in readable colours, plain text only,
retinted with the palette."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from reviewdesk.sources.base import DetailNode, Details
from reviewdesk.ui.colours import MIN_CONTRAST, contrast
from reviewdesk.ui.details_tree import DetailsTree


def details() -> Details:
    return Details(
        "Netverify fraud-1 · DONE · <i>ID_CARD</i>",
        (
            DetailNode("Status", "DONE", level="ok"),
            DetailNode(
                "Verification",
                children=(
                    DetailNode("Similarity", "NO_MATCH", level="bad"),
                    DetailNode("Validity", "true", level="ok"),
                    DetailNode("MRZ check", "NOT_AVAILABLE", level="warn"),
                    DetailNode("Note", "<b>bold?</b> <img src=x>"),
                ),
            ),
        ),
        state="DONE",
    )


def items(widget: DetailsTree) -> dict[str, object]:
    found = {}
    stack = [widget.tree.topLevelItem(i) for i in range(widget.tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        found[item.text(0)] = item
        stack.extend(item.child(i) for i in range(item.childCount()))
    return found


@pytest.mark.parametrize("base", [QColor("white"), QColor(30, 30, 30)])
def test_details_tree_colours_levels_with_readable_contrast(qtbot, base) -> None:
    widget = DetailsTree()
    qtbot.addWidget(widget)
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Base, base)
    palette.setColor(QPalette.ColorRole.Text, QColor("black") if base.lightness() > 128 else QColor("white"))
    widget.tree.setPalette(palette)
    widget.set_details(details())
    found = items(widget)
    assert set(found) == {"Status", "Verification", "Similarity", "Validity", "MRZ check", "Note"}
    colours = {}
    for name in ("Status", "Similarity", "MRZ check"):
        colour = found[name].foreground(1).color()
        assert contrast(colour, base) >= MIN_CONTRAST
        colours[name] = colour.name()
    assert len(set(colours.values())) == 3  # ok, bad and warn differ
    assert found["Note"].foreground(1).style() == Qt.BrushStyle.NoBrush  # no level: the palette's text


def test_details_tree_shows_outside_text_as_plain_text(qtbot) -> None:
    widget = DetailsTree()
    qtbot.addWidget(widget)
    widget.set_details(details())
    note = items(widget)["Note"]
    assert note.text(1) == "<b>bold?</b> <img src=x>"
    assert "&lt;img" in note.toolTip(1) and "<img" not in note.toolTip(1)
    assert widget.summary.textFormat() == Qt.TextFormat.PlainText
    assert widget.summary.text() == "Netverify fraud-1 · DONE · <i>ID_CARD</i>"
    widget.set_message("Jumio did not accept the API token and secret (401)")
    assert widget.tree.topLevelItemCount() == 0 and widget.details() is None
    assert "401" in widget.summary.text()


def test_details_tree_retints_when_the_palette_changes(qtbot) -> None:
    widget = DetailsTree()
    qtbot.addWidget(widget)
    light = widget.palette()
    light.setColor(QPalette.ColorRole.Base, QColor("white"))
    widget.setPalette(light)
    widget.set_details(details())
    before = items(widget)["Similarity"].foreground(1).color()
    dark = widget.palette()
    dark.setColor(QPalette.ColorRole.Base, QColor(20, 20, 20))
    widget.setPalette(dark)
    after = items(widget)["Similarity"].foreground(1).color()
    assert before != after and contrast(after, QColor(20, 20, 20)) >= MIN_CONTRAST
