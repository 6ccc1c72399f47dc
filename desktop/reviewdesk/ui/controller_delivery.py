"""Delivery of decisions as the window shows it, the outbox dialog, and quitting.

A mixin of `ReviewController`: its state is set up in the controller's __init__.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox

from reviewdesk.sync.status import DeliveryStatus

log = logging.getLogger("reviewdesk.ui")


class DeliveryPart:
    """A part of `ReviewController` (ui/controller.py); see the module's docstring."""

    # -- delivery ----------------------------------------------------------------------------

    def _delivery_changed(self, status: DeliveryStatus) -> None:
        self.window.status.set_delivery(status)
        previous, self._last_delivery = self._last_delivery, status
        newly_paused = status.state == "paused" and (previous is None or previous.state != "paused")
        if newly_paused and self.services.session.signed_in:
            self._session_refused(
                "The server refused the reviewer token while sending decisions. Nothing is lost; "
                "delivery resumes by itself after you sign in."
            )
        lines = status.elsewhere_lines()
        moved = previous is None or previous.elsewhere_lines() != lines
        if lines and moved:
            # e.g. "12 decisions for ana on https://…: sign in as ana on https://… to send them"
            more = f" (and {len(lines) - 1} more: see the Outbox)" if len(lines) > 1 else ""
            self.window.status.show_message(lines[0] + more, 30000)
        if moved and self._outbox is not None and self._outbox.isVisible():
            self._outbox.render()  # which routes wait for a sign-in: from the status, no read

    def open_outbox(self) -> None:
        if self._outbox is None:
            from reviewdesk.ui.outbox_dialog import OutboxDialog  # (when first opened: not at start)

            self._outbox = OutboxDialog(self.services, self.spawn, self.window)
            self._outbox.scan_requested.connect(self.show_scan)
        self._outbox.show()
        self._outbox.raise_()
        self.spawn(self._outbox.refresh())

    # -- quitting -----------------------------------------------------------------------------

    def request_quit(self) -> None:
        self.spawn(self._request_quit())

    async def _request_quit(self) -> None:
        await self.settle_records()  # a key pressed just before quitting counts
        queued = await self.services.queued()
        if not queued:
            self._quit()
            return
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Decisions not yet sent")
        box.setText(
            f"{queued} decision(s) are not yet delivered. They are safe on this computer and are sent the "
            "next time ReviewDesk starts."
        )
        wait = box.addButton("Wait for delivery", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Quit now", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)

        def chosen(_: int) -> None:
            clicked = box.clickedButton()
            if clicked is wait:
                self.spawn(self._wait_then_quit())
            elif box.buttonRole(clicked) == QMessageBox.ButtonRole.DestructiveRole:
                self._quit()

        box.finished.connect(chosen)
        box.open()

    async def _wait_then_quit(self) -> None:
        self.window.status.show_message("Sending the queued decisions…", 60000)
        worker = self.services.worker
        if worker is not None:
            await worker.drain(timeout=60)
        left = await self.services.queued()
        if left:
            print(f"reviewdesk: {left} decision(s) could not be sent now; they go out at the next start")
            log.warning("quitting with %d decision(s) queued; they are sent at the next start", left)
        self._quit()

    def _quit(self) -> None:
        self.window.allow_close()
        self.window.close()
        self.quit_ready.emit()
