"""TOTP (RFC 6238) and HOTP (RFC 4226) against the RFCs' own test vectors, and the login
rules around them: who must set up two-factor, and each code's step used once."""
import base64
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from store import auth, totp

# RFC 4226 appendix D and RFC 6238 appendix B use this ASCII secret for HMAC-SHA1.
RFC_KEY = b"12345678901234567890"
RFC_SECRET = base64.b32encode(RFC_KEY).decode().rstrip("=")


@pytest.mark.parametrize("counter,code", list(enumerate([
    "755224", "287082", "359152", "969429", "338314",
    "254676", "287922", "162583", "399871", "520489"])))
def test_hotp_gives_the_rfc_4226_codes(counter, code):
    assert totp.hotp(RFC_KEY, counter) == code


@pytest.mark.parametrize("unix_time,code", [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
    (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")])
def test_code_at_gives_the_rfc_6238_sha1_codes_with_eight_digits(unix_time, code):
    assert totp.code_at(RFC_SECRET, unix_time, digits=8) == code


def test_a_code_keeps_its_leading_zeros():
    assert totp.code_at(RFC_SECRET, 1111111109, digits=8).startswith("0")


def test_a_code_is_the_same_for_the_whole_thirty_seconds_of_its_step():
    assert totp.code_at(RFC_SECRET, 60) == totp.code_at(RFC_SECRET, 89.999)
    assert totp.code_at(RFC_SECRET, 89.999) != totp.code_at(RFC_SECRET, 90)


def test_verify_returns_the_step_of_a_right_code_within_one_step_either_side():
    now = 1_800_000_015  # step 60_000_000
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, now), now) == 60_000_000
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, now - 30), now) == 59_999_999
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, now + 30), now) == 60_000_001
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, now - 60), now) is None
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, now - 60), now, window=2) == 59_999_998


def test_verify_ignores_spaces_and_refuses_anything_that_is_not_the_code():
    now = 1_800_000_015
    code = totp.code_at(RFC_SECRET, now)
    assert totp.verify(RFC_SECRET, f" {code[:3]} {code[3:]} ", now) == 60_000_000
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for bad in (wrong, code[:5], code + "0", "", "abcdef", "１２３４５６", "12345\u0662"):
        assert totp.verify(RFC_SECRET, bad, now) is None, bad


def test_verify_near_the_epoch_does_not_look_before_step_zero():
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, 0), 10) == 0


def test_a_new_secret_is_160_random_bits_in_base32_without_padding():
    first, second = totp.new_secret(), totp.new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", first) and first != second
    assert len(totp.secret_key(first)) == 20


def test_a_secret_is_read_whatever_its_case_spacing_or_padding():
    assert totp.secret_key(RFC_SECRET.lower()) == RFC_KEY
    spaced = " ".join(RFC_SECRET[i:i + 4] for i in range(0, len(RFC_SECRET), 4))
    assert totp.secret_key(spaced) == RFC_KEY
    assert totp.secret_key("MZXW6") == b"foo"  # unpadded, as the apps write it


def test_the_provisioning_uri_names_issuer_and_account_url_encoded():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "ana.b", issuer="Video Store")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/Video%20Store:ana.b" and unquote(parts.path) == "/Video Store:ana.b"
    assert parse_qs(parts.query) == {"secret": ["JBSWY3DPEHPK3PXP"], "issuer": ["Video Store"]}
    assert " " not in uri and "+" not in uri
    assert totp.provisioning_uri("JBSWY3DPEHPK3PXP", "ana") == \
        "otpauth://totp/Videostore:ana?secret=JBSWY3DPEHPK3PXP&issuer=Videostore"


def test_only_admins_without_a_secret_must_enrol_and_only_while_the_shop_says_1():
    assert auth.must_enroll_totp("admin", False, "1")
    assert auth.must_enroll_totp("admin", False, " 1 ")
    assert not auth.must_enroll_totp("admin", True, "1")
    assert not auth.must_enroll_totp("admin", False, "0")
    assert not auth.must_enroll_totp("admin", False, None)  # no such setting: off
    assert not auth.must_enroll_totp("manager", False, "1")
    assert not auth.must_enroll_totp("clerk", False, "1")


def test_a_code_step_is_good_once_per_account_and_never_an_earlier_one():
    used = auth.UsedOtpSteps()
    assert used.claim(7, 100)
    assert not used.claim(7, 100)       # the same code again
    assert not used.claim(7, 99)        # an older code still inside the window
    assert used.claim(8, 100)           # another account's
    assert used.claim(7, 101)
