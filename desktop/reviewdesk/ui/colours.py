"""Status colours that stay readable on the palette in use: light, dark, or the system's own.

Green, amber and red text is only as good as its contrast with what is behind it: #1e7d32 reads well
on white and poorly on a dark grey. Each level has shades for light and dark backgrounds; the first
shade with a WCAG AA contrast (4.5:1) against the actual background wins, and the palette's own text
colour is the fallback, which always has contrast.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

MIN_CONTRAST = 4.5  # WCAG 2.x AA, normal text

# Darker shades first for light backgrounds, lighter first for dark ones.
_SHADES: dict[str, tuple[str, ...]] = {
    "ok": ("#1b5e20", "#2e7d32", "#81c784", "#a5d6a7", "#c8e6c9"),
    "warn": ("#8a4b00", "#b26a00", "#ffb74d", "#ffcc80", "#ffe0b2"),
    "bad": ("#b71c1c", "#c62828", "#ef9a9a", "#ffcdd2", "#ffebee"),
    "info": ("#0d47a1", "#1565c0", "#90caf9", "#bbdefb", "#e3f2fd"),
}
LEVELS = tuple(_SHADES)


def _channel(value: float) -> float:
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white)."""
    return (
        0.2126 * _channel(colour.redF())
        + 0.7152 * _channel(colour.greenF())
        + 0.0722 * _channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_dark(background: QColor) -> bool:
    return luminance(background) < 0.25


def level_colour(level: str, background: QColor, fallback: QColor | None = None) -> QColor:
    """The shade of `level` with the best chance of reading on `background` (>= 4.5:1 if any does)."""
    shades = [QColor(s) for s in _SHADES.get(level, ())]
    if is_dark(background):
        shades.reverse()
    best = max(shades, key=lambda c: contrast(c, background), default=None)
    for shade in shades:
        if contrast(shade, background) >= MIN_CONTRAST:
            return shade
    if best is not None and contrast(best, background) >= MIN_CONTRAST:
        return best
    return fallback if fallback is not None else (QColor("white") if is_dark(background) else QColor("black"))


def level_style(level: str, palette: QPalette, *, bold: bool = False) -> str:
    """A style sheet `color:` rule for `level` on the palette's window background."""
    if level not in _SHADES:
        return ""
    background = palette.color(QPalette.ColorRole.Window)
    colour = level_colour(level, background, palette.color(QPalette.ColorRole.WindowText))
    return f"color: {colour.name()};" + (" font-weight: bold;" if bold else "")
