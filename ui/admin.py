"""The Admin screen (main menu key 6): staff accounts, live sessions, locks, notices and the
store server's status, for managers and admins.

The store server decides who may do what (admins: everyone; managers: the clerks of their
own store) and the screen tells its answer in one line. A clerk sees only what is theirs
(two-factor login for their own account) and is told the rest needs a manager or admin; a
terminal with no login is told it needs one. A small sub-menu loop: one key
chooses (no Enter needed), F1 or ? lists the keys, Esc, Ctrl-C or an empty line goes back
to the main menu. Within an entry, Esc or Ctrl-C cancels it (ui/forms.py).

Each entry is one AdminEntry(key, label, action, needs) in ENTRIES, where
action(terminal) does its work and `needs` is the least role shown it.

A change the server makes (an account added, a password set, a notice sent...) carries one
request key for all its tries (`_write`, ui/once.py): when the link drops before the
answer, the clerk may try again and it is not done twice.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from prompt_toolkit.completion import WordCompleter

from store import roles
from store.clock import utc
from store.client import StoreClient
from store.passwords import check_password, check_username
from ui.forms import Asker, ask, ask_number, cancel_keys, choose, new_password, yes_no
from ui.once import ON_SERVER, done_once, save_once
from ui.submenu import Entry, allowed_entries, submenu
from ui.tables import DATE_TIME_S, format_moment, format_table, format_time
from ui.twofactor import enrol_totp

TITLE = "── Admin ──"


class Services(Protocol):
    client: StoreClient


class AdminTerminal(Asker, Protocol):
    """What the screen uses of ui/app.TerminalApp."""
    services: Services

    def timezone(self) -> str: ...


def AdminEntry(key: str, label: str, action: Callable[[AdminTerminal], None],
               needs: str = roles.MANAGER) -> Entry:
    """An Admin entry: for managers and admins unless it says otherwise."""
    return Entry(key, label, action, needs)


# --- the entries -------------------------------------------------------------------------

def staff_list(t: AdminTerminal) -> None:
    """Staff of the store (managers) or of every store (admins)."""
    staff = _request(t, "staff.list")["staff"]
    now_ms = _now_ms(t)
    rows = [[s["username"], s["full_name"], s["role"], s["store_id"],
             s["active"], _locked_until(t, s["locked_until"], now_ms),
             format_time(s["last_login"], t.timezone())] for s in staff]
    t.say(format_table(["Username", "Name", "Role", "Store", "Active", "Locked until",
                        "Last login"], rows) if rows else "No staff accounts to show.")


def add_staff(t: AdminTerminal) -> None:
    me = _me(t)
    username = _username(t, "Username of the new account", "Nothing added.")
    if not username:
        return
    username = check_username(username)  # said now, not after the passwords
    full_name = ask(t, "Full name")
    role = choose(t, "Role", roles.ROLES, default=roles.CLERK)
    store_id = me["store_id"]
    if me["role"] == roles.ADMIN:
        store_id = ask_number(t, "Store", default=me["store_id"]) or me["store_id"]
    if not roles.may_manage(me["role"], me["store_id"], role, store_id):
        t.say(f"A manager may add clerks of store {me['store_id']} only; nothing added.")
        return
    password = new_password(t, f"Password for {username}", check=check_password)
    added = _write(t, f"account for {username}", "Nothing added.", "staff.add",
                   {"username": username, "full_name": full_name, "role": role,
                    "store_id": store_id, "password": password})
    if added is None:
        return
    t.say(f"Added {added['role']} {added['username']} at store {added['store_id']}.")


def reset_password(t: AdminTerminal) -> None:
    username = _username(t, "Username whose password to set", "No password changed.")
    if not username:
        return
    password = new_password(t, f"New password for {username}", check=check_password)
    done = _write(t, "password change", "No password changed.", "staff.reset_password",
                  {"username": username, "password": password})
    if done is None:
        return
    t.say(f"New password set for {done['username']}; "
          f"{_count(done['sessions_ended'], 'session')} ended.")


def deactivate(t: AdminTerminal) -> None:
    username = _username(t, "Username to deactivate", "Nothing changed.")
    if not username:
        return
    who = _describe(t, username)
    if not yes_no(t, f"Deactivate {who}? They are logged out at once and can no longer "
                     f"log in."):
        t.say(f"Nothing changed: {username} stays active.")
        return
    done = _write(t, "deactivation", f"Nothing changed: {username} stays active.",
                  "staff.deactivate", {"username": username})
    if done is None:
        return
    t.say(f"Deactivated {done['username']}; {_count(done['sessions_ended'], 'session')} "
          f"ended.")


def unlock(t: AdminTerminal) -> None:
    username = _username(t, "Username to unlock", "Nothing changed.")
    if not username:
        return
    done = _write(t, "unlock", "Nothing changed.", "staff.unlock", {"username": username})
    if done is None:
        return
    t.say(f"Unlocked {done['username']}: they can log in again.")


def sessions(t: AdminTerminal) -> None:
    """The live sessions; then, optionally, end one."""
    live = _request(t, "session.list")["sessions"]
    if not live:
        t.say("No live sessions.")
        return
    tz = t.timezone()
    t.say(format_table(
        ["Session", "Username", "Role", "Store", "Terminal", "Address", "Started", "Last seen"],
        [[s["session_id"], s["username"], s["role"], s["store_id"], s["terminal"],
          s["client_addr"], format_time(s["started_at"], tz), format_time(s["last_seen"], tz)]
         for s in live]))
    session_id = ask_number(t, "End a session? Its number (empty: none)")
    if session_id is None:
        return
    target = next((s for s in live if s["session_id"] == session_id), None)
    who = f"session {session_id}" + (f" ({target['username']} at {target['terminal']})"
                                     if target else "")
    if not yes_no(t, f"End {who}? Its terminal is logged out and its locks freed."):
        t.say(f"Nothing changed: {who} goes on.")
        return
    done = _request(t, "session.end", {"session_id": session_id})
    t.say(f"Ended {who}; {_count(done['locks_released'], 'lock')} released.")


def locks(t: AdminTerminal) -> None:
    held = _request(t, "lock.list")["locks"]
    tz = t.timezone()
    t.say(format_table(
        ["Resource", "Username", "Terminal", "Store", "Since", "Expires"],
        [[k["resource"], k["username"], k["terminal"], k["store_id"],
          format_time(k["since"], tz, DATE_TIME_S), format_time(k["expires_at"], tz,
                                                                 DATE_TIME_S)]
         for k in held]) if held else "No locks are held.")


def send_notice(t: AdminTerminal) -> None:
    text = ask(t, "Notice")
    if not text:
        t.say("Nothing sent.")
        return
    store_id = _me(t)["store_id"]
    to = ask(t, f"To whom? A username (empty: everyone at store {store_id})")
    args: dict[str, Any] = {"text": text, **({"to": to} if to else {})}
    sent = _write(t, "notice", "Nothing sent.", "notice.send", args)
    if sent is None:
        return
    whom = to or f"everyone at store {store_id}"
    t.say(f"Notice sent to {whom}: shown now on {_count(sent['delivered_to'], 'terminal')}; "
          f"anyone not logged in sees it at their next login.")


def shop_settings(t: AdminTerminal) -> None:
    """The shop's rules (fees, limits, ages); admins change one at a time."""
    shop = t.services.shop
    rows = shop.listing()
    t.say(format_table(["Setting", "Value", "What it is", "Changed by", "When"],
                       [[r["name"], r["value"], r["description"], r["updated_by"],
                         format_moment(utc(r["updated_at"]), t.timezone())] for r in rows]))
    if not roles.allowed(_me(t)["role"], roles.ADMIN):
        t.say("Only an admin may change a setting.")
        return
    names = [r["name"] for r in rows]
    name = t.prompt("Change which? (Tab completes; Enter: none) ", is_password=False,
                    completer=WordCompleter(names), key_bindings=cancel_keys()).strip()
    if not name:
        return
    current = next((r["value"] for r in rows if r["name"] == name), "")
    value = ask(t, f"New value of {name}", current)
    done, _ = done_once(t, "change", "Nothing changed.",
                        lambda key: shop.change(name, value, key))
    if not done:
        return
    t.say(f"{name} is now {value.strip()}; every terminal of this store uses it from now on.")


def two_factor(t: AdminTerminal) -> None:
    """Set up two-factor login for one's own account."""
    enrol_totp(t, t.services.client)


def server_status(t: AdminTerminal) -> None:
    s = _request(t, "status")
    clock = format_time(s["time"], t.timezone(), DATE_TIME_S) + (" (test clock)" if s["test_clock"]
                                                           else "")
    t.say(f"Store server {s['version']} (protocol {s['protocol']}), up "
          f"{_duration(s['uptime_s'])}; its clock says {clock}.\n"
          f"Connections {s['connections']}, live sessions {s['sessions']}, locks held "
          f"{s['locks']}, event subscribers {s.get('subscribers', 0)}, events dropped "
          f"{s.get('events_dropped', 0)}; database: {s['database']}.")


ENTRIES: list[AdminEntry] = [
    AdminEntry("l", "Staff list", staff_list),
    AdminEntry("a", "Add staff", add_staff),
    AdminEntry("p", "Reset password", reset_password),
    AdminEntry("d", "Deactivate", deactivate),
    AdminEntry("u", "Unlock", unlock),
    AdminEntry("s", "Sessions", sessions),
    AdminEntry("k", "Locks", locks),
    AdminEntry("n", "Send notice", send_notice),
    AdminEntry("t", "Server status", server_status),
    AdminEntry("g", "Shop settings", shop_settings),
    AdminEntry("f", "Two-factor login (yours)", two_factor, needs=roles.CLERK),
]


# --- the screen --------------------------------------------------------------------------

def admin_screen(t: AdminTerminal, entries: list[Entry] | None = None) -> None:
    """The Admin sub-menu until the user goes back to the main menu."""
    user = t.services.client.user
    if user is None:
        t.say(f"{TITLE}\nAdmin needs a login as a manager or admin; this terminal is not "
              f"logged in (read-only).\n")
        return
    t.say(f"{TITLE}  (F1 or ? lists the keys; Esc goes back to the main menu)")
    if not roles.allowed(user["role"], roles.MANAGER):
        t.say(f"Admin needs a manager or admin for staff, sessions and locks; you are logged "
              f"in as {user['username']} ({user['role']}).\nHere you can set up two-factor "
              f"login for your own account.")
    submenu(t, "Admin", allowed_entries(ENTRIES if entries is None else entries, user["role"]))


def _username(t: AdminTerminal, label: str, nothing: str) -> str:
    """A username asked for; empty (and `nothing` said) when none is given."""
    username = ask(t, label)
    if not username:
        t.say(nothing)
    return username


def _request(t: AdminTerminal, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    return t.services.client.request(op, args or {})


def _write(t: AdminTerminal, what: str, nothing_done: str, op: str,
           args: dict[str, Any]) -> dict[str, Any] | None:
    """A change the server makes, once however often the clerk tries it (ui/once.py); None
    once the clerk has been told why it was not made."""
    client = t.services.client
    return save_once(t, what, nothing_done, lambda key: client.request(op, args, key=key),
                     ON_SERVER)


def _me(t: AdminTerminal) -> dict[str, Any]:
    user = t.services.client.user
    if user is None:
        raise KeyboardInterrupt  # logged out meanwhile: nothing to do here
    return user


def _now_ms(t: AdminTerminal) -> int | None:
    now = t.services.client.server_now()
    return int(now.timestamp() * 1000) if now else None


def _locked_until(t: AdminTerminal, until: dict[str, Any] | None, now_ms: int | None) -> str:
    """Blank unless the account is locked now (a lock that ran out is no lock)."""
    if until is None or (now_ms is not None and int(until["epoch_ms"]) <= now_ms):
        return ""
    return format_time(until, t.timezone(), DATE_TIME_S)


def _describe(t: AdminTerminal, username: str) -> str:
    """`username (Full Name, role at store N)` when the list shows them."""
    name = username.strip().lower()
    row = next((s for s in _request(t, "staff.list")["staff"] if s["username"] == name), None)
    if row is None:
        return name
    full = f"{row['full_name']}, " if row["full_name"] else ""
    return f"{name} ({full}{row['role']} at store {row['store_id']})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h {s % 3600 // 60:02d}m {s % 60:02d}s"
