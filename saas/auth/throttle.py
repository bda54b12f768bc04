"""Failed-secret counting per account and per client address, shared through Redis.

Every form that takes a secret (login, invitation, password change, second factor, password
reset) asks :func:`check` before it verifies anything and calls :func:`failed` after a wrong
secret. An account is locked after ``SAAS_LOCKOUT_ATTEMPTS`` failures within
``SAAS_LOCKOUT_MINUTES``, whichever client they came from; a client address after three times
as many, whichever accounts it tried. Unknown addresses are counted like known ones, so the
lock says nothing about whether an account exists.

Mails someone else can trigger (password-reset links) have a budget of their own,
:func:`allow_mail`: asking for links never counts as a wrong secret, so nobody can lock an
account out of its login by requesting resets for it. The counters live in the rate-limit storage
(Redis in production), so every worker sees the same counts.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter

from saas.core.audit import record_event
from saas.core.extensions import counters

CLIENT_FACTOR = 3


class Locked(Exception):
    """Too many wrong secrets for this account or from this client; try again later."""

    def __init__(self, minutes: int) -> None:
        super().__init__(minutes)
        self.minutes = minutes

    def message(self) -> str:
        """What the user is told, in their language (the same for every form)."""
        from flask_babel import gettext as _

        return _(
            "Too many failed attempts. For your protection signing in is blocked for"
            " %(minutes)d minutes. Please try again later or ask your administrator.",
            minutes=self.minutes,
        )


class Unavailable(Exception):
    """The shared counter storage does not answer: refuse rather than guess."""


def init_app(app: Flask) -> None:
    """Build the app's counters at start-up (one instance, shared with the upload rate)."""
    counters(app)


def _enabled() -> bool:
    """On unless switched off; switching rate limits off (tests) switches it off too."""
    config = current_app.config
    return bool(config.get("SAAS_LOCKOUT_ENABLED", config.get("RATELIMIT_ENABLED", True)))


def _limiter() -> MovingWindowRateLimiter:
    return counters()


def _items() -> tuple[RateLimitItemPerMinute, RateLimitItemPerMinute]:
    attempts = current_app.config["SAAS_LOCKOUT_ATTEMPTS"]
    minutes = current_app.config["SAAS_LOCKOUT_MINUTES"]
    return (
        RateLimitItemPerMinute(attempts, minutes),
        RateLimitItemPerMinute(attempts * CLIENT_FACTOR, minutes),
    )


def _keys(email: str) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "saas"
    account = (prefix, "secret-account", email.strip().lower()[:254])
    client = (prefix, "secret-client", request.remote_addr or "unknown")
    return account, client


def _call(method: str, *args: object) -> bool:
    from limits.errors import StorageError

    try:
        return getattr(_limiter(), method)(*args)
    except StorageError as error:
        raise Unavailable(str(error)) from error


def check(email: str) -> None:
    """Raise :class:`Locked` when this account or this client is locked out."""
    if not _enabled():
        return
    account_item, client_item = _items()
    account, client = _keys(email)
    if not _call("test", account_item, *account) or not _call("test", client_item, *client):
        raise Locked(current_app.config["SAAS_LOCKOUT_MINUTES"])


def failed(email: str, *, purpose: str, user_id: int | None = None) -> None:
    """Count a wrong secret; the failure that locks records an ``account_locked`` event."""
    if not _enabled():
        return
    account_item, client_item = _items()
    account, client = _keys(email)
    account_ok = _call("hit", account_item, *account)
    client_ok = _call("hit", client_item, *client)
    now_locked = not _call("test", account_item, *account)
    client_locked = not _call("test", client_item, *client)
    if (account_ok and now_locked) or (client_ok and client_locked):
        record_event(
            "account_locked",
            user_id=user_id,
            details={
                "email": account[2],
                "purpose": purpose,
                "client": client[2],
                "by": "account" if now_locked else "client",
            },
        )


def allow_mail(email: str) -> bool:
    """Spend one mail of the address's (and the client's) budget; False (audited) when used up.

    ``SAAS_RESET_MAILS`` per address within ``SAAS_LOCKOUT_MINUTES``, three times as many
    per client address. Kept apart from the secret counters (see the module's docstring).
    """
    if not _enabled():
        return True
    minutes = current_app.config["SAAS_LOCKOUT_MINUTES"]
    mails = current_app.config["SAAS_RESET_MAILS"]
    account, client = _keys(email)
    per_account = RateLimitItemPerMinute(mails, minutes)
    per_client = RateLimitItemPerMinute(mails * CLIENT_FACTOR, minutes)
    account_ok = _call("hit", per_account, account[0], "mail-account", account[2])
    client_ok = _call("hit", per_client, client[0], "mail-client", client[2])
    if not (account_ok and client_ok):
        record_event(
            "password_reset_throttled",
            details={"email": account[2], "client": client[2]},
        )
    return account_ok and client_ok


def succeeded(email: str) -> None:
    """A right secret clears the account's count (not the client's)."""
    if not _enabled():
        return
    account_item, _client_item = _items()
    account, _client = _keys(email)
    _call("clear", account_item, *account)
