"""The sign-in dialog: a pasted reviewer token, or an admin key that mints one for a reviewer.

Opened with `open()` (never `exec()`: a nested loop would break qasync). It only collects and
checks input; the window performs the sign-in and reports back with `show_error` or `accept`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.session import SignInRequest
from reviewdesk.ui.colours import level_style
from reviewdesk.ui.plain_text import plain


class SignInDialog(QDialog):
    sign_in_requested = Signal(object)  # SignInRequest

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        base_url: str = "",
        reviewer_name: str = "",
        mode: str = "token",
        keyring_available: bool = True,
        reason: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to ReviewDesk")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)

        self.reason = plain(QLabel(reason))
        self.reason.setWordWrap(True)
        self.reason.setObjectName("signInReason")
        self.reason.setVisible(bool(reason))
        layout.addWidget(self.reason)

        form = QFormLayout()
        self.base_url = QLineEdit(base_url)
        self.base_url.setPlaceholderText("https://api.dyneti.com")
        form.addRow("Server", self.base_url)
        self.as_reviewer = QRadioButton("Reviewer token")
        self.as_admin = QRadioButton("Admin key")
        modes = QButtonGroup(self)
        modes.addButton(self.as_reviewer)
        modes.addButton(self.as_admin)
        row = QWidget()
        row_layout = QVBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.as_reviewer)
        row_layout.addWidget(self.as_admin)
        form.addRow("Sign in with", row)
        layout.addLayout(form)

        self.pages = QStackedWidget()
        token_page = QWidget()
        token_form = QFormLayout(token_page)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("paste the token your admin gave you")
        token_form.addRow("Token", self.token)
        admin_page = QWidget()
        admin_form = QFormLayout(admin_page)
        self.admin_key = QLineEdit()
        self.admin_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.reviewer_name = QLineEdit(reviewer_name)
        self.reviewer_name.setPlaceholderText("who is reviewing, e.g. ana.k")
        admin_form.addRow("Admin key", self.admin_key)
        admin_form.addRow("Reviewer", self.reviewer_name)
        self.pages.addWidget(token_page)
        self.pages.addWidget(admin_page)
        layout.addWidget(self.pages)

        self.remember = QCheckBox("Remember in the OS keyring")
        self.remember.setChecked(keyring_available)
        self.remember.setEnabled(keyring_available)
        layout.addWidget(self.remember)
        self.keyring_note = QLabel(
            ""
            if keyring_available
            else "No OS keyring is available here: the secret is kept in memory until you quit, "
            "never written to a file."
        )
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(not keyring_available)
        layout.addWidget(self.keyring_note)

        self.error = plain(QLabel())
        self.error.setObjectName("signInError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(level_style("bad", self.palette()))
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.as_reviewer.toggled.connect(self._mode_changed)
        (self.as_admin if mode == "admin" else self.as_reviewer).setChecked(True)
        self._mode_changed()

    def set_keyring_available(self, available: bool) -> None:
        if available and self.remember.isEnabled():
            return  # as assumed while it was not known yet: the reviewer's choice stays
        self.remember.setEnabled(available)
        self.remember.setChecked(available)
        self.keyring_note.setText(
            ""
            if available
            else "No OS keyring is available here: the secret is kept in memory until you quit, "
            "never written to a file."
        )
        self.keyring_note.setVisible(not available)

    def _mode_changed(self) -> None:
        admin = self.as_admin.isChecked()
        self.pages.setCurrentIndex(1 if admin else 0)
        (self.admin_key if admin else self.token).setFocus()

    @property
    def mode(self) -> str:
        return "admin" if self.as_admin.isChecked() else "token"

    def request(self) -> SignInRequest | None:
        """The request the fields describe, or None after showing what is missing."""
        base_url = self.base_url.text().strip()
        if not base_url:
            self.show_error("Enter the server address (the Reviews API base URL).")
            return None
        if self.mode == "admin":
            if not self.admin_key.text().strip():
                self.show_error("Enter the admin key.")
                return None
            if not self.reviewer_name.text().strip():
                self.show_error("Enter the reviewer name to create a token for.")
                return None
            return SignInRequest(
                base_url,
                admin_key=self.admin_key.text().strip(),
                reviewer_name=self.reviewer_name.text().strip(),
                remember=self.remember.isChecked(),
            )
        if not self.token.text().strip():
            self.show_error("Paste the reviewer token.")
            return None
        return SignInRequest(base_url, token=self.token.text().strip(), remember=self.remember.isChecked())

    def submit(self) -> None:
        request = self.request()
        if request is not None:
            self.set_busy(True)
            self.sign_in_requested.emit(request)

    def set_busy(self, busy: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        if busy:
            self.error.setStyleSheet("color: palette(text);")
            self.error.setText("Signing in…")
            self.error.show()

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.error.setStyleSheet(level_style("bad", self.palette()))
        self.error.setText(message)
        self.error.show()

    def clear_secrets(self) -> None:
        """Wipe the secret fields once they are no longer needed."""
        self.token.clear()
        self.admin_key.clear()
