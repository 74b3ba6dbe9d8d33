"""Time-based one-time passwords (TOTP, RFC 6238): HOTP (RFC 4226, HMAC-SHA1) over the
number of 30-second steps since the Unix epoch. Pure functions, standard library only:
what an authenticator app (Aegis, FreeOTP, Google Authenticator, ...) computes from the
shared secret and its clock. Secrets travel as base32 without padding, as the apps expect.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_S = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, the length RFC 4226 recommends


def new_secret() -> str:
    """A fresh random secret: 160 bits as base32, without padding (32 characters)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def secret_key(secret: str) -> bytes:
    """The key bytes of a base32 secret (case, spaces and missing padding forgiven);
    ValueError if it is not base32."""
    text = "".join(secret.split()).upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226: the code for `counter`, as `digits` decimal digits (leading zeros kept)."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def time_step(unix_time: float, step: int = STEP_S) -> int:
    return int(unix_time // step)


def code_at(secret: str, unix_time: float, step: int = STEP_S, digits: int = DIGITS) -> str:
    """The code an authenticator app shows for `secret` at `unix_time`."""
    return hotp(secret_key(secret), time_step(unix_time, step), digits)


def verify(secret: str, code: str, unix_time: float, window: int = 1, step: int = STEP_S,
           digits: int = DIGITS) -> int | None:
    """The time step `code` was made for, if it is the code of a step within `window`
    steps of `unix_time` (clocks drift, people type slowly); else None. Spaces in the code
    are ignored. Every candidate is compared in constant time, so the time taken tells
    nothing about how close a guess was. The caller refuses a step already used."""
    given = "".join(code.split())
    if len(given) != digits or not (given.isascii() and given.isdigit()):
        return None
    key = secret_key(secret)
    now = time_step(unix_time, step)
    matched = None
    for candidate in range(max(0, now - window), now + window + 1):
        if hmac.compare_digest(hotp(key, candidate, digits), given) and matched is None:
            matched = candidate
    return matched


def provisioning_uri(secret: str, username: str, issuer: str = "Videostore") -> str:
    """The otpauth:// URI an authenticator app adds an account from (typed or as a QR
    code): otpauth://totp/Issuer:username?secret=...&issuer=..., URL-encoded."""
    label = f"{quote(issuer, safe='')}:{quote(username, safe='')}"
    query = urlencode({"secret": secret, "issuer": issuer}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"
