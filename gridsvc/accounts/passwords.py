"""Passwords: Argon2id hashing (argon2-cffi defaults follow RFC 9106) and what a new one must not be.

A new password is refused when it is short, a common password (``common_passwords.txt``, also with
digits or symbols appended), one character or pattern repeated, a run like ``abcdefgh``, only
digits under 10 characters, or contains the username. Existing hashes are never re-judged: a
login that upgrades an old hash (``hash_password``) must not fail on this.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridsvc.errors import Invalid

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the response time the same, so login
# timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


# --- strength: what a new password must not be ----------------------------------------------------

COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
DIGITS_ONLY_MIN = 10  # shorter digit strings are dates, phone tails, PINs: a few million guesses
MIN_DISTINCT = 4
_TRAILING_JUNK = re.compile(r"[\d\W_]+$")


class WeakPassword(Invalid):
    code = "user.weak_password"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _is_run(text: str) -> bool:
    """abcdefgh, 12345678, 87654321: each character one code point from the last."""
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return steps in ({1}, {-1})


def _is_repetition(text: str) -> bool:
    """aaaaaaaa, abababab, abcabcab: a pattern of at most half the length, repeated."""
    return any((text[:k] * len(text))[: len(text)] == text for k in range(1, len(text) // 2 + 1))


def weakness(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is too weak (a short English phrase for ``errors``), or None."""
    folded = password.lower()
    if len(password) < MIN_LENGTH:
        return f"shorter than {MIN_LENGTH} characters"
    common = common_passwords()
    if folded in common or _TRAILING_JUNK.sub("", folded) in common:
        return "a common password"
    if len(set(folded)) < MIN_DISTINCT or _is_repetition(folded):
        return "one character or pattern repeated"
    if _is_run(folded):
        return "a run of consecutive characters"
    if folded.isdigit() and len(folded) < DIGITS_ONLY_MIN:
        return f"only digits and shorter than {DIGITS_ONLY_MIN}"
    if username and (
        folded == username.lower() or (len(username) >= 4 and username.lower() in folded)
    ):
        return "contains the username"
    return None


def check_new_password(password: str, username: str | None = None) -> None:
    """Refuse a weak new password with 422 ``user.weak_password`` (users read the detail)."""
    reason = weakness(password, username)
    if reason:
        raise WeakPassword(
            "密码太弱，容易被猜中：请使用至少 8 位、不常见、不含用户名的密码，"
            "例如几个词组成的短语。",
            errors={"password": [reason]},
        )


def new_password_hash(password: str, username: str | None = None) -> str:
    """The hash to store for a password a person chose (checked first; rehashing skips this)."""
    check_new_password(password, username)
    return hash_password(password)
