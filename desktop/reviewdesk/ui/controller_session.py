"""Signing in, token expiry and renewal: banners, never dialogs that open by themselves.

A mixin of `ReviewController`: its state is set up in the controller's __init__.
"""

from __future__ import annotations

import asyncio
import logging
import time

from reviewdesk import keychain
from reviewdesk.api.errors import AuthError, ReviewDeskError
from reviewdesk.api.redact import redact
from reviewdesk.domain.keymap import display_keys
from reviewdesk.session import SignInRequest
from reviewdesk.ui.sign_in import SignInDialog

log = logging.getLogger("reviewdesk.ui")


class SessionPart:
    """A part of `ReviewController` (ui/controller.py); see the module's docstring."""

    # -- session -----------------------------------------------------------------------------

    def _session_notice(self, text: str, *, level: str) -> None:
        """A banner naming the sign-in key; never a dialog that opens by itself and takes the keys."""
        keys = self.keymap.key_for("sign_in")
        shown = display_keys(keys) if keys else "File → Sign in"
        self.window.notices.show_notice(
            "session",
            f"{text} Press {shown} to sign in again.",
            level=level,
            action=f"Sign in ({shown})",
            callback=lambda: self.prompt_sign_in(""),
        )

    def _session_refused(self, message: str) -> None:
        self._note_refused()
        self._session_notice(redact(message), level="bad")

    def _note_refused(self) -> None:
        """The server refused a token our clock still counts down: the countdown must not say fine."""
        self._token_refused = (self.services.session.seconds_left() or 0.0) > 0
        self._tick()

    def _session_changed(self) -> None:
        self._token_refused = False
        session = self.services.session
        left = session.seconds_left()
        if session.signed_in and (left is None or left > 0):
            self.window.notices.clear("session")
        self.window.status.set_who(session.reviewer, session.is_admin)
        self.window.tight_action.setEnabled(session.is_admin)
        self._warned_expiry = False
        self._prompted_expiry = False
        self._renew_after = 0.0
        self._tick()

    def _tick(self) -> None:
        session = self.services.session
        level = self.window.status.set_countdown(session.seconds_left(), refused=self._token_refused)
        left = session.seconds_left()
        if self._token_refused:
            return  # the sign-in prompt is open or was declined: nothing to renew or warn about
        if session.is_admin and left is not None and left > 0:
            due = left <= session.renew_margin() and time.monotonic() >= self._renew_after
            if due and not self._renewing:
                self._renewing = True
                self.spawn(self._renew())
            return
        if level == "warn" and not self._warned_expiry:
            self._warned_expiry = True
            self._session_notice(
                "Your reviewer token expires in less than 5 minutes: get a new one from your admin.",
                level="warn",
            )
        if level == "bad" and session.signed_in and not self._prompted_expiry:
            self._prompted_expiry = True  # once per token
            expired = (
                "The reviewer token of this admin session expired and could not be renewed with the "
                "admin key."
                if session.is_admin
                else "Your reviewer token has expired."
            )
            self._session_notice(
                f"{expired} Decisions you make now wait in the outbox; nothing is lost.", level="bad"
            )

    async def _renew(self) -> None:
        try:
            if await self.services.session.renew_if_due():
                self.window.status.show_message("Reviewer token renewed.")
            self._renew_after = 0.0
        except ReviewDeskError as exc:
            self._renew_after = time.monotonic() + 30.0  # not every second while the server says no
            self.window.status.show_message(f"Could not renew the reviewer token: {redact(str(exc))}", 20000)
            if isinstance(exc, AuthError):
                self._session_notice(
                    f"The admin key was refused while renewing the token: {redact(str(exc))}", level="bad"
                )
        finally:
            self._renewing = False

    async def learn_keyring(self, probe: asyncio.Future[str | None] | None = None) -> None:
        """Whether the OS keyring works, asked once in a worker thread (it may talk D-Bus; importing
        keyring alone takes ~100 ms): `probe` is that question already asked, e.g. at start-up."""
        if probe is None:
            probe = asyncio.get_running_loop().run_in_executor(None, keychain.backend_name)
        name = await probe
        self.keyring_available = name is not None
        if self._sign_in is not None:
            self._sign_in.set_keyring_available(self.keyring_available)

    def prompt_sign_in(self, reason: str = "") -> SignInDialog:
        if self._sign_in is not None:
            self._sign_in.raise_()
            self._sign_in.activateWindow()
            return self._sign_in
        settings = self.services.settings
        dialog = SignInDialog(
            self.window,
            base_url=self.services.session.base_url or settings.base_url,
            reviewer_name=settings.reviewer_name,
            mode=settings.sign_in_mode,
            keyring_available=self.keyring_available is not False,  # unknown yet: assumed, then told
            reason=reason,
        )
        dialog.sign_in_requested.connect(lambda request: self._start_sign_in(dialog, request))
        dialog.finished.connect(lambda _=0: self._sign_in_closed(dialog))
        self._sign_in = dialog
        # Not modal: while a new token is fetched the reviewer may go on deciding (decisions
        # queue in the outbox). Never exec(): a nested loop would break qasync.
        dialog.setModal(False)
        dialog.show()
        dialog.raise_()
        # Only ever opened on purpose (the sign-in key, the menu, the banner's button, a cold start
        # with no credential): then it takes the keyboard, even where no window manager gives it.
        dialog.activateWindow()
        return dialog

    def raise_sign_in(self) -> None:
        """Keep an open sign-in dialog above the window and holding the keyboard."""
        if self._sign_in is not None:
            self._sign_in.raise_()
            self._sign_in.activateWindow()

    def dismiss_sign_in(self) -> None:
        """Close the sign-in prompt if it is open, as if the reviewer had cancelled it."""
        if self._sign_in is not None:
            self._sign_in.reject()

    def _start_sign_in(self, dialog: SignInDialog, request: SignInRequest) -> None:
        self._sign_in_task = self.spawn(self._do_sign_in(dialog, request))

    def _sign_in_closed(self, dialog: SignInDialog) -> None:
        dialog.clear_secrets()
        self.window.focus_review()  # the keys go back to deciding, not to wherever Qt puts them
        if self._sign_in is dialog:
            self._sign_in = None
            task, self._sign_in_task = self._sign_in_task, None
            if task is not None and not task.done():
                task.cancel()  # closed while signing in: the reviewer changed their mind
        dialog.deleteLater()

    async def _do_sign_in(self, dialog: SignInDialog, request: SignInRequest) -> None:
        try:
            result = await self.services.session.sign_in(request)
        except ReviewDeskError as exc:
            if self._sign_in is dialog:
                dialog.show_error(redact(str(exc)))
            return
        except Exception as exc:  # never leave the dialog stuck on "Signing in…"
            log.error("sign-in failed: %s", redact(repr(exc)))
            if self._sign_in is dialog:
                dialog.show_error(f"Sign-in failed unexpectedly ({type(exc).__name__}); see the log.")
            return
        settings = self.services.settings
        settings.base_url = self.services.session.base_url or request.base_url
        settings.sign_in_mode = "admin" if result.is_admin else "token"
        if request.reviewer_name:
            settings.reviewer_name = request.reviewer_name
        settings.save(self.services.paths.settings_file)
        if self._sign_in is dialog:
            dialog.accept()
        note = "" if result.stored_in_keyring else f" ({result.keyring_message})"
        self.window.status.show_message(f"Signed in as {result.reviewer}{note}.", 15000)
        self.after_sign_in()

    def after_sign_in(self) -> None:
        self.signed_in.emit(self.services.session.reviewer)
        if self.current:
            self.images.retry(self.current)
            self.images.show(self.current, self._upcoming(self.current))
