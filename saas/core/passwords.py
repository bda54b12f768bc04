"""Password hashing with argon2id, and the one password policy of every form and command."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).parent / "data" / "common-passwords.txt"
#: trailing digits and punctuation people append to a common word ("sommer2024!")
_SUFFIX = re.compile(r"[\d\W_]+$")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown account) a dummy hash is verified instead, so
    both answers take as long."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """Whether the password, or its stem before appended digits and marks, is a known one."""
    lowered = password.strip().lower()
    common = common_passwords()
    return lowered in common or _SUFFIX.sub("", lowered) in common or len(set(lowered)) <= 2


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why this password is refused (a message in the user's language), or None."""
    if len(password) < MIN_LENGTH:
        return str(_("The password needs at least %(count)d characters.", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_("The password may have at most %(count)d characters.", count=MAX_LENGTH))
    local = (email or "").split("@")[0].lower()
    if is_common(password) or (len(local) >= 4 and local in password.lower()):
        return str(
            _(
                "This password is too common or too easy to guess (it is on a list of leaked"
                " passwords or contains your e-mail address). Please choose another one."
            )
        )
    return None
