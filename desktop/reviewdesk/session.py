"""Who is signed in, with what, and the clients that go with it. No Qt.

A reviewer session holds a pasted reviewer token. An admin session holds the admin key in
memory, mints a reviewer token for a named reviewer, reviews with that token like any reviewer,
and renews it by itself before it expires.

The HTTP stack (httpx and the Reviews API client) is imported at the first sign-in, not with this
module: the window imports it before it shows, and a reviewer's queue is usable before the network
is (docs/PERFORMANCE.md, "Start-up").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewdesk import keychain
from reviewdesk.api.auth import AdminKey, ReviewerToken
from reviewdesk.api.errors import AuthError, UsageError
from reviewdesk.domain.route import ADMIN, Route, reviewer_identity

if TYPE_CHECKING:
    import httpx

    from reviewdesk.api.images import ImageResolver
    from reviewdesk.api.reviews import ReviewsClient

log = logging.getLogger("reviewdesk.session")

WARN_BEFORE = 300.0  # the status bar warns 5 minutes before the token expires
RENEW_BEFORE = 600.0  # an admin session renews its reviewer token 10 minutes before expiry


@dataclass(frozen=True, slots=True)
class SignInRequest:
    base_url: str
    token: str | None = None  # reviewer flavour
    admin_key: str | None = None  # admin flavour
    reviewer_name: str = ""
    remember: bool = True


@dataclass(frozen=True, slots=True)
class SignInResult:
    reviewer: str
    is_admin: bool
    stored_in_keyring: bool
    keyring_message: str  # "" when stored, else why the secret lives in memory only


class Session:
    def __init__(self, http: httpx.AsyncClient | None = None) -> None:
        self._http = http
        self._connecting: asyncio.Future[httpx.AsyncClient] | None = None
        self.base_url: str | None = None
        self.token: ReviewerToken | None = None
        self.admin_key: AdminKey | None = None
        self.reviewer_name = ""
        self._client: ReviewsClient | None = None
        self._admin_client: ReviewsClient | None = None
        self.resolver: ImageResolver | None = None
        self._listeners: list[Callable[[], None]] = []
        self.generation = 0  # bumped at every change of credential

    @property
    def http(self) -> httpx.AsyncClient:
        """The shared HTTP client (Services.connect makes it off the GUI thread: its TLS context
        parses the CA bundle)."""
        if self._http is None:
            raise RuntimeError("the session has no HTTP client yet (Services.connect makes it)")
        return self._http

    @http.setter
    def http(self, client: httpx.AsyncClient) -> None:
        self._http = client

    @property
    def connected(self) -> bool:
        return self._http is not None

    async def connect(self) -> httpx.AsyncClient:
        """The shared HTTP client, made once, at the first need, in a worker thread: importing httpx
        and parsing the CA bundle for its TLS context take ~150 ms, which the window's start does
        not wait for (docs/PERFORMANCE.md, "Start-up"). Every call before it is made waits for the
        same client; a failure is raised to each, and the next call tries again."""
        if self._http is not None:
            return self._http
        if self._connecting is None or self._connecting.done():
            self._connecting = asyncio.get_running_loop().run_in_executor(None, _make_http_client)
        connecting = self._connecting
        try:
            client = await asyncio.shield(connecting)
        except asyncio.CancelledError:
            raise
        except BaseException:
            if self._connecting is connecting:
                self._connecting = None
            raise
        if self._http is None:
            self._http = client
        elif client is not self._http:  # a client was given meanwhile: this one is not needed
            await client.aclose()
        return self._http

    async def close(self) -> None:
        """Close the HTTP client, once one that is being made is ready."""
        connecting, self._connecting = self._connecting, None
        if self._http is None and connecting is not None:
            try:
                self._http = await connecting
            except Exception:  # never made: nothing to close
                return
        client, self._http = self._http, None
        if client is not None:
            await client.aclose()

    # -- observers ---------------------------------------------------------------------------

    def add_listener(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    def _changed(self) -> None:
        self.generation += 1
        for callback in list(self._listeners):
            callback()

    # -- state -------------------------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.token is not None

    @property
    def is_admin(self) -> bool:
        return self.admin_key is not None

    @property
    def reviewer(self) -> str:
        return self.token.reviewer if self.token else ""

    @property
    def route(self) -> Route | None:
        """Where decisions made now go: this server, as this reviewer (or as the admin: an admin
        session sends feedback with the key). None when signed out."""
        if self.base_url is None or self.token is None:
            return None
        return Route(self.base_url, ADMIN if self.admin_key else reviewer_identity(self.token.reviewer))

    def seconds_left(self) -> float | None:
        return self.token.seconds_left() if self.token else None

    def client(self) -> ReviewsClient | None:
        """The reviewer client (Bearer) for images and feedback, or None when signed out."""
        return self._client

    def admin_client(self) -> ReviewsClient | None:
        return self._admin_client

    def image_resolver(self) -> ImageResolver | None:
        return self.resolver

    # -- sign-in -----------------------------------------------------------------------------

    async def sign_in(self, request: SignInRequest) -> SignInResult:
        """Check the credential (an admin key is used at once to mint a token), then switch to it."""
        from reviewdesk.api.reviews import ReviewsClient, normalize_base_url

        base_url = normalize_base_url(request.base_url)
        await self.connect()
        admin: AdminKey | None = None
        if request.admin_key:
            admin = AdminKey(request.admin_key.strip())
            name = request.reviewer_name.strip()
            if not name:
                raise UsageError("enter the reviewer name to create a token for")
            minted = await ReviewsClient(base_url, admin, http=self.http).authorize(name)
            token = ReviewerToken.parse(minted)
        elif request.token:
            token = ReviewerToken.parse(request.token)
        else:
            raise UsageError("paste a reviewer token, or enter the admin key")
        token.check_usable()
        self._switch(base_url, token, admin, request.reviewer_name.strip())
        stored, message = False, "not remembered: the secret is kept in memory until you quit"
        if request.remember:
            stored, message = await self._remember(base_url, token, admin)
        else:
            await self.forget(base_url)
        return SignInResult(token.reviewer, admin is not None, stored, message)

    async def restore(self, base_url: str, reviewer_name: str = "", mode: str = "token") -> bool:
        """Sign in again from the keyring, the way the user last signed in (`mode`)."""
        from reviewdesk.api.reviews import normalize_base_url

        loop = asyncio.get_running_loop()
        try:
            base_url = normalize_base_url(base_url)
            kind = keychain.ADMIN_KEY if mode == "admin" else keychain.REVIEWER_TOKEN
            secret = await loop.run_in_executor(None, keychain.load, kind, base_url)
        except (keychain.KeyringUnavailable, UsageError):
            return False
        admin_key = secret if mode == "admin" else None
        token = secret if mode != "admin" else None
        try:
            await self.connect()
            if admin_key and reviewer_name:
                await self.sign_in(SignInRequest(base_url, admin_key=admin_key, reviewer_name=reviewer_name))
                return True
            if token:
                parsed = ReviewerToken.parse(token)
                if not parsed.is_expired():
                    self._switch(base_url, parsed, None, reviewer_name)
                    return True
        except AuthError as exc:
            log.info("stored credential not usable: %s", exc)
        except Exception as exc:  # network trouble at start-up: the sign-in dialog will ask
            log.info("could not restore the session: %s", type(exc).__name__)
        return False

    async def renew_if_due(self) -> bool:
        """An admin session mints a new reviewer token when the current one is close to expiry."""
        if not (self.admin_key and self.token and self.base_url):
            return False
        if self.token.seconds_left() > self.renew_margin():
            return False
        from reviewdesk.api.reviews import ReviewsClient

        generation, base_url, admin, name = self.generation, self.base_url, self.admin_key, self.reviewer_name
        minted = await ReviewsClient(base_url, admin, http=self.http).authorize(name or self.token.reviewer)
        if generation != self.generation:
            return False  # someone signed in (or out) meanwhile: theirs wins
        self._switch(base_url, ReviewerToken.parse(minted), admin, name)
        return True

    def renew_margin(self) -> float:
        """How long before expiry an admin session renews: 10 minutes, or a quarter of a short
        token's lifetime (so a server that hands out 5-minute tokens is not asked every second)."""
        if self.token is None or self.token.issued_at is None:
            return RENEW_BEFORE
        lifetime = self.token.expires_at - self.token.issued_at
        return min(RENEW_BEFORE, max(lifetime / 4, 5.0))

    def _switch(self, base_url: str, token: ReviewerToken, admin: AdminKey | None, name: str) -> None:
        from reviewdesk.api.images import ImageResolver
        from reviewdesk.api.reviews import ReviewsClient

        self.base_url, self.token, self.admin_key = base_url, token, admin
        self.reviewer_name = name or token.reviewer
        self._client = ReviewsClient(base_url, token, http=self.http)
        self._admin_client = ReviewsClient(base_url, admin, http=self.http) if admin else None
        # Admins fetch images with the key: /reviews/image tells the status and offers tight crops.
        self.resolver = ImageResolver(self._admin_client or self._client)
        self._changed()

    async def _remember(
        self, base_url: str, token: ReviewerToken, admin: AdminKey | None
    ) -> tuple[bool, str]:
        """Keep the secret of this sign-in in the keyring, and drop the other kind stored for
        this server (a stale admin key must not make the next start an admin session)."""
        loop = asyncio.get_running_loop()
        keep, secret = (keychain.ADMIN_KEY, admin.key) if admin else (keychain.REVIEWER_TOKEN, token.token)
        drop = keychain.REVIEWER_TOKEN if admin else keychain.ADMIN_KEY
        try:
            await loop.run_in_executor(None, keychain.store, keep, base_url, secret)
            await loop.run_in_executor(None, keychain.delete, drop, base_url)
        except keychain.KeyringUnavailable as exc:
            return False, f"{exc}: the secret lives in memory for this session only"
        return True, ""

    async def forget(self, base_url: str) -> None:
        """ "Remember" unticked: nothing of this server stays in the keyring."""
        loop = asyncio.get_running_loop()
        for kind in (keychain.ADMIN_KEY, keychain.REVIEWER_TOKEN):
            try:
                await loop.run_in_executor(None, keychain.delete, kind, base_url)
            except keychain.KeyringUnavailable:
                return


def _make_http_client() -> httpx.AsyncClient:
    """In a worker thread: the import of the HTTP stack is part of the cost (Session.connect)."""
    from reviewdesk.api.http import make_http_client

    return make_http_client()
