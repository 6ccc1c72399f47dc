"""The reviewer's record in the window (issue 17; docs/AUDIT.md): *File → Export decisions…*,
*File → Import a share…*, *View → Statistics…*, and the privacy screen.

`RecordFeatures` is made by the controller and wires these to the window's menus, the key
router (the privacy screen's gate) and the item timer. No SQL and no file format here: the
services do that (`Services.export_decisions`, `Services.stats`, `Services.import_scans`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from reviewdesk.api.redact import redact
from reviewdesk.domain.scan import ScanState
from reviewdesk.domain.share import take_share
from reviewdesk.store.audit import SIGN_IN
from reviewdesk.ui.privacy_screen import IdleWatch, PrivacyScreen

if TYPE_CHECKING:
    from reviewdesk.domain.importer import ImportResult
    from reviewdesk.ui.stats_view import StatsDialog

log = logging.getLogger("reviewdesk.ui")


class ShareDialog(QDialog):
    """Reviewer K of N: which share of a team's file this reviewer imports."""

    def __init__(self, k: int, n: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a share of a team's file")
        self.k = QSpinBox()
        self.n = QSpinBox()
        self.n.setRange(1, 1000)
        self.n.setValue(n)
        self.k.setRange(1, n)
        self.k.setValue(k)
        self.n.valueChanged.connect(lambda v: self.k.setMaximum(v))
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                "Reviewers who share one file each take their share: reviewer K of N queues the "
                "scans whose id hashes to K. Every scan goes to exactly one of the N."
            )
        )
        form.addRow("I am reviewer (K)", self.k)
        form.addRow("of (N)", self.n)
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok | cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def share(self) -> tuple[int, int]:
        return self.k.value(), self.n.value()


class RecordFeatures(QObject):
    def __init__(
        self,
        controller: Any,  # the ReviewController (ui/controller.py), which makes this: no import cycle
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(controller)
        self.controller = controller
        w = controller.window
        settings = controller.services.settings
        self.share: tuple[int, int] = (1, 1)
        self.stats_dialog: StatsDialog | None = None
        self.export_dialog: QFileDialog | None = None
        self.watch = IdleWatch(settings.privacy_idle_seconds, clock=clock, parent=self)
        host = w.centralWidget()
        assert host is not None
        self.screen = PrivacyScreen(
            host,
            self.watch,
            count=lambda: controller.model.counts().get(ScanState.TO_REVIEW, 0),
            sign_in_after_seconds=settings.privacy_sign_in_after_seconds,
        )
        controller.router.gate = self.screen.gate
        self._hidden: list[QWidget] = []  # the window's dialogs hidden with the screen
        self._title = ""
        self.screen.covered.connect(self._covered)
        self.screen.woke.connect(self._woke)
        self.screen.sign_in_required.connect(self._sign_in_again)
        controller.signed_in.connect(lambda _who: self._signed_in())
        w.export_action.triggered.connect(self.open_export)
        w.stats_action.triggered.connect(self.open_stats)
        w.share_action.triggered.connect(self.choose_share)
        w.destroyed.connect(lambda: self.watch.stop())

    # -- privacy screen -----------------------------------------------------------------------------

    def _covered(self) -> None:
        """The window's open dialogs (the Outbox's notes, the statistics) and the scan id in the
        title go with the image and the facts."""
        w = self.controller.window
        self._hidden = [d for d in w.findChildren(QDialog) if d.isVisible()]
        for dialog in self._hidden:
            dialog.hide()
        self._title = w.windowTitle()
        w.setWindowTitle("ReviewDesk")

    def _woke(self, away: float) -> None:
        """The time away is not time on the item: the item's clock starts that much later."""
        c = self.controller
        c._shown_at += min(away, max(0.0, time.monotonic() - c._shown_at))
        hidden, self._hidden = self._hidden, []
        if self._title:
            c.window.setWindowTitle(self._title)
        c.window.focus_review()
        for dialog in hidden:
            dialog.show()

    def _sign_in_again(self, away: float) -> None:
        open_already = self.controller._sign_in  # one hidden with the screen comes back: only it
        if open_already is not None and open_already in self._hidden:
            self._hidden.remove(open_already)
            open_already.show()
        minutes = int(away // 60)
        self.controller.prompt_sign_in(f"You were away for {minutes} minutes: sign in again to go on.")

    def _signed_in(self) -> None:
        if self.screen.is_up:
            self.screen.signed_in_again()
            self.controller.spawn(self.controller.services.audit(SIGN_IN, {"again": "after being away"}))

    # -- import a share -----------------------------------------------------------------------------

    def choose_share(self) -> ShareDialog:
        dialog = ShareDialog(*self.share, parent=self.controller.window)
        dialog.accepted.connect(lambda: self._share_chosen(dialog))
        dialog.finished.connect(lambda _=0: dialog.deleteLater())
        dialog.open()
        return dialog

    def _share_chosen(self, dialog: ShareDialog) -> None:
        self.share = dialog.share()
        k, n = self.share
        text = "the whole file" if n == 1 else f"share {k} of {n}"
        self.controller.window.status.show_message(f"Imports now take {text}.", 10000)
        if n > 1:
            self.controller.window.scan_list.open_import_dialog()

    def apply_share(self, result: ImportResult) -> tuple[ImportResult, str]:
        """The import's scans of this reviewer's share, and the share as text ("" for all)."""
        k, n = self.share
        if n == 1:
            return result, ""
        return take_share(result, k, n), f"{k}/{n}"

    # -- export ---------------------------------------------------------------------------------------

    def open_export(self) -> QFileDialog:
        dialog = QFileDialog(self.controller.window, "Export decisions")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["CSV (*.csv)", "JSON (*.json)"])
        dialog.setDefaultSuffix("csv")
        dialog.filterSelected.connect(
            lambda f: dialog.setDefaultSuffix("json" if "json" in f.lower() else "csv")
        )
        dialog.selectFile("decisions.csv")
        dialog.fileSelected.connect(lambda path: self.controller.spawn(self.export_to(Path(path))))
        dialog.finished.connect(lambda _=0: dialog.deleteLater())
        self.export_dialog = dialog
        dialog.open()
        return dialog

    async def export_to(self, path: Path) -> int | None:
        fmt = "json" if path.suffix.lower() == ".json" else "csv"
        status = self.controller.window.status
        try:
            n = await self.controller.services.export_decisions(path, fmt)
        except OSError as exc:
            message = f"The decisions could not be exported to {path}: {exc.strerror or exc}."
            log.error("%s", redact(message))
            box = QMessageBox(QMessageBox.Icon.Warning, "Export", message, parent=self.controller.window)
            box.open()
            return None
        status.show_message(f"Exported {n} decision(s) to {path}.", 15000)
        return n

    # -- statistics -----------------------------------------------------------------------------------

    def open_stats(self) -> StatsDialog:
        if self.stats_dialog is None:
            from reviewdesk.ui.stats_view import StatsDialog  # (and the statistics: when first opened)

            self.stats_dialog = StatsDialog(self.controller.window)
            self.stats_dialog.finished.connect(lambda _=0: self.controller.window.focus_review())
        self.controller.spawn(self._fill_stats(self.stats_dialog))
        self.stats_dialog.show()
        self.stats_dialog.raise_()
        return self.stats_dialog

    async def _fill_stats(self, dialog: StatsDialog) -> None:
        dialog.set_stats(await self.controller.services.stats())
