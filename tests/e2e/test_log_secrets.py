"""No secret reaches a log: after a full session — a clerk's wrong password, login, resume
with its token and logout on the wire; an admin's wrong password, login and two-factor set
up at the real terminal, a wrong code and the right one — the server's log (file and
stderr) and the terminal's log hold none of the passwords typed, no session token, not
the TOTP secret, not the database accounts' passwords and not the audit key."""
import re

from db.database import Database
from store.audit import key_file
from store.auth import token_hash
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, make_staff, unique_username
from tests.e2e.test_terminal import MENU, open_terminal
from tests.e2e.test_totp import code_now, set_shop_setting
from tests.helpers import start_server

WRONG_PASSWORD = "Wrong-Pass-77zz"
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{32,}")


def type_line(term, text):
    term.type(text)
    term.send("Enter")


def clerk_on_the_wire(srv, name):
    """A wrong password, a login, a resume with the token elsewhere, a logout: the token."""
    with srv.client() as c:
        assert not c.ask("login", {"username": name, "password": WRONG_PASSWORD,
                                   "terminal": "till-3"})["ok"]
        token = c.login(name, STAFF_PASSWORD, "till-3")["token"]
    with srv.client() as c:
        c.result("resume", {"token": token})
        c.result("logout")
    return token


def admin_at_the_terminal(srv, settings, env):
    """A wrong password, then the admin's login with two-factor set up: the TOTP secret."""
    term = open_terminal({"VIDEOSTORE_DB_NAME": settings.db.name,
                          "VIDEOSTORE_SERVER": srv.address,
                          "VIDEOSTORE_TERMINAL_NAME": "till-7", **env})
    try:
        term.wait_for("Username:")
        type_line(term, "admin")
        term.wait_for("Password:")
        type_line(term, WRONG_PASSWORD)
        term.wait_for("Wrong username or password")
        term.wait_for_count("Username:", 2)
        type_line(term, "admin")
        term.wait_for_count("Password:", 2)
        type_line(term, ADMIN_PASSWORD)
        screen = term.wait_for("Code:")
        secret = re.search(r"Key:\s+([A-Z2-7 ]+)\n", screen).group(1).replace(" ", "")
        type_line(term, "12345")
        term.wait_for("does not match")
        with srv.client() as c:
            type_line(term, code_now(c, secret))
        term.wait_for("Logged in as admin (admin).")
        term.wait_for(MENU)
        term.send("q")
        return secret
    finally:
        term.close()


def session_token_hashes(settings):
    db = Database.for_app(settings.db, role="admin")
    try:
        with db.transaction() as tx:
            return {r["token_hash"] for r in tx.all("SELECT token_hash FROM sessions")}
    finally:
        db.close()


def test_no_secret_reaches_the_logs_after_a_full_session(fresh_db, tmp_path, reliability):
    logs = tmp_path / "logs"
    env = {"VIDEOSTORE_PATHS_LOG_DIR": str(logs)}
    set_shop_setting(fresh_db, "require_totp_admins", "1")
    clerk = unique_username("logscan")
    make_staff(fresh_db, clerk)
    srv = start_server(tmp_path, fresh_db.db.name, "--test-clock", env=env)
    try:
        token = clerk_on_the_wire(srv, clerk)
        secret = admin_at_the_terminal(srv, fresh_db, env)
    finally:
        srv.stop()

    texts = {path.name: path.read_text(errors="replace") for path in logs.glob("*.log*")}
    texts["server stderr"] = srv.log()
    assert {"server.log", "terminal.log"} <= set(texts)
    assert "listening on" in texts["server.log"] and texts["terminal.log"].strip()
    spaced = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    secrets = {"admin password": ADMIN_PASSWORD, "clerk password": STAFF_PASSWORD,
               "wrong password": WRONG_PASSWORD, "session token": token,
               "TOTP secret": secret, "TOTP secret, grouped": spaced,
               "app DB password": fresh_db.db.password,
               "admin DB password": fresh_db.db.admin_password,
               "audit key": key_file(fresh_db).read_text().strip()}
    assert all(len(value) >= 8 for value in secrets.values())
    leaks = [f"{what} in {name}" for name, text in texts.items()
             for what, value in secrets.items() if value in text]
    reliability.record_all("secrets in logs", {"secrets looked for": len(secrets),
                                               "logs read": len(texts), "found": len(leaks)})
    assert leaks == []
    # Any session's token, the terminal's own included: no token-like word is one.
    hashes = session_token_hashes(fresh_db)
    assert len(hashes) == 2   # the clerk's and the admin's at the terminal
    words = {w for text in texts.values() for w in TOKEN_LIKE.findall(text)}
    tokens = [w for w in words if token_hash(w) in hashes]
    reliability.record_all("secrets in logs", {"token-like words hashed": len(words),
                                               "session tokens found": len(tokens)})
    assert tokens == []
