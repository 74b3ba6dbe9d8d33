import pytest

from store import passwords
from store.errors import ValidationError


def test_a_hash_verifies_its_password_only():
    stored = passwords.hash_password("correct horse")
    assert passwords.verify_password("correct horse", stored)
    assert not passwords.verify_password("correct horsE", stored)


def test_hashes_are_salted_and_carry_owasp_scrypt_parameters():
    a, b = passwords.hash_password("same-password"), passwords.hash_password("same-password")
    assert a != b
    kind, n, r, p, _, _ = a.split("$")
    assert (kind, int(n), int(r), int(p)) == ("scrypt", 2 ** 16, 8, 2)
    assert "same-password" not in a


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$2$3$x$y", "bcrypt$a$b$c$d$e"])
def test_a_malformed_hash_never_verifies(stored):
    assert not passwords.verify_password("anything", stored)


@pytest.mark.parametrize("bad", ["short", "x" * 129, " leading-space", "tab\tinside1"])
def test_weak_or_odd_passwords_are_refused_with_a_reason(bad):
    with pytest.raises(ValidationError):
        passwords.check_password(bad)


def test_usernames_are_lower_cased_and_checked():
    assert passwords.check_username("  Ana.Lopez ") == "ana.lopez"
    for bad in ["a", "-ana", "ana lopez", "x" * 65, "ana'; DROP TABLE staff;--"]:
        with pytest.raises(ValidationError):
            passwords.check_username(bad)


def test_a_username_with_a_line_break_inside_is_refused():
    with pytest.raises(ValidationError):
        passwords.check_username("clerk1\nadmin")
