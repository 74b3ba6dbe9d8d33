"""Staff passwords: checked for strength, stored only as a slow, salted scrypt hash.

scrypt with N=2**16, r=8, p=2 is one of OWASP's recommended settings (Password Storage
Cheat Sheet: 64 MiB and roughly a third of a second here). The parameters are stored in the
hash, so they can be raised later without breaking old hashes.
Format: scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from store.errors import ValidationError

N, R, P, KEY_LEN, SALT_LEN = 2 ** 16, 8, 2, 32, 16
MIN_LENGTH, MAX_LENGTH = 8, 128
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}\Z")


def check_password(password: str) -> None:
    """Raise ValidationError unless the password is acceptable for a staff account."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"A password needs at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"A password may have at most {MAX_LENGTH} characters.")
    if password.strip() != password or not password.isprintable():
        raise ValidationError("A password may not start or end with spaces or hold "
                              "control characters.")


def check_username(username: str) -> str:
    """The username, lower-cased; ValidationError if it is not a valid one."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise ValidationError("A username has 2-64 characters: letters, digits, '.', '_' or "
                              "'-', starting with a letter or digit.")
    return name


def hash_password(password: str, n: int = N) -> str:
    """The stored form of a password. `n` is the scrypt cost; only tests lower it, for
    accounts made in bulk (verification reads the cost from the hash)."""
    salt = os.urandom(SALT_LEN)
    digest = _scrypt(password, salt, n, R, P)
    return "$".join(["scrypt", str(n), str(R), str(P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored hash; False for any malformed hash."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * 1024 * 1024, dklen=KEY_LEN)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
