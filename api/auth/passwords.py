"""Password policy and hashing.

Policy (OWASP ASVS 5.0): at least 8 characters (6.2.1), at least 64 accepted (6.2.9; we allow
128), no composition rules, and not one of the 30,000 most common passwords (6.2.4), using
the ranked list that ships with zxcvbn. Hashing: argon2id (ASVS 11.4.2) through argon2-cffi.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def _common_passwords() -> frozenset[str]:
    # Imported on first use: the list costs ~20 ms to load, which cold starts need not pay.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, context: tuple[str, ...] = ()) -> str | None:
    """Return why `password` is refused, or None when it is acceptable.

    `context` holds account words (email, username) that the password may not equal.
    """
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Choose a password of at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common_passwords():
        return "This password is too common; choose another."
    if any(word and lowered == word.lower() for word in context):
        return "The password may not be your email or username."
    return None


@cache
def _hasher(kind: str) -> PasswordHasher:
    # argon2-cffi loads its C bindings on import (~3 ms): only requests that hash pay for it.
    from argon2 import PasswordHasher

    if kind == "argon2-fast":  # tests only: same algorithm, tiny cost
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()  # RFC 9106 low-memory profile: t=3, m=64 MiB, p=4


def hasher() -> PasswordHasher:
    return _hasher(current_app.config["PASSWORD_HASH"])


def hash_password(password: str) -> str:
    """Return an argon2id PHC string for `password`."""
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check `password` against a stored hash; False on mismatch or a malformed hash."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(kind: str) -> str:
    return _hasher(kind).hash("taskdesk-timing-equaliser")


def burn_verify_time(password: str) -> None:
    """Spend one verification's time so unknown accounts answer as slowly as known ones."""
    verify_password(_dummy_hash(current_app.config["PASSWORD_HASH"]), password)
