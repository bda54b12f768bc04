"""Second-factor secrets sealed at rest.

A TOTP secret is what a phone turns into codes: whoever reads it can sign in as its owner once
they have the password. The users table therefore holds it only as a Fernet token (AES with an
HMAC, from the ``cryptography`` package) under a key derived from ``SECRET_KEY``, which lives in
the environment, never in the database. A dump or an SQL reader sees tokens, not secrets.

Rotating ``SECRET_KEY``: put the old value into ``SAAS_PREVIOUS_SECRET_KEYS``; secrets sealed
with it still open, are sealed again with the new key on their next use, and
``flask users reseal`` seals all of them again at once. A token no key opens fails closed: the
code is refused, and the owner signs in with a recovery code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

CONTEXT = b"sozialraum/totp-secret/v1"


class Unsealable(Exception):
    """No configured key opens this token (a wrong or retired SECRET_KEY, or no token)."""


def derive_key(secret_key: str) -> bytes:
    """The sealing key for one SECRET_KEY: derived from it, never the SECRET_KEY itself."""
    digest = hmac.new(secret_key.encode(), CONTEXT, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)


def _secret_keys() -> list[str]:
    previous = current_app.config.get("SAAS_PREVIOUS_SECRET_KEYS") or []
    return [current_app.config["SECRET_KEY"], *previous]


def _current() -> Fernet:
    return Fernet(derive_key(current_app.config["SECRET_KEY"]))


def seal(secret: str) -> str:
    return _current().encrypt(secret.encode()).decode()


def unseal(token: str) -> str:
    try:
        keys = MultiFernet([Fernet(derive_key(k)) for k in _secret_keys()])
        return keys.decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise Unsealable from error


def sealed_with_current_key(token: str) -> bool:
    try:
        _current().decrypt(token.encode())
    except (InvalidToken, ValueError):
        return False
    return True
