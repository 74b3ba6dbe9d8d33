"""Sealing the audit log into its hash chain, and checking it (`python main.py audit verify`).

Why rows are sealed after the fact instead of chained as they are written: chaining at
insert time means every hire, return and payment takes one shared row lock (the chain's
head) and holds it until it commits, so eight clerks would queue on it. Here a hire only
INSERTs its audit row, as before; the store server seals what is new every few seconds,
and `audit verify` seals what is left before it checks. Seals are HMACs under a key kept in
a file beside the database's saved passwords, never in the database, so someone who can
edit rows (a DBA, a stolen admin password) cannot make a changed row match its seal.
What this does and does not protect against is in docs/reliability.md.
"""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from db import audit as sql
from db.database import Database, Tx
from db.errors import DuplicateKey
from db.settings import Settings
from store.audit_chain import GENESIS, ChainCheck, Problem, seal
from store.errors import ValidationError

log = logging.getLogger(__name__)

BATCH = 500              # rows sealed, or seals checked, per transaction
LATE_WINDOW = 10_000     # the server looks this far below its newest seal for late commits
SEAL_EVERY_S = 5.0       # how often the store server seals
RACE_RETRIES = 5


def key_file(settings: Settings) -> Path:
    return settings.secrets_dir / f"{settings.db.name}.audit-key"


def read_key(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValidationError(f"The audit key file {path} is damaged (not hex).") from None


def make_key(path: Path) -> bytes:
    """A new random key in `path` (mode 0600), or the one another process just made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key(path) or b""
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    return key


def load_key(settings: Settings, database: Database) -> bytes:
    """The chain's key; made on first use, while nothing is sealed yet. Once there are
    seals, a missing key is an error (a new one would call every seal broken)."""
    path = key_file(settings)
    key = read_key(path)
    if key:
        return key
    if database.run(sql.last_seal) is not None:
        raise ValidationError(f"The audit key file {path} is missing, but the audit log of "
                              f"{settings.db.name} is already sealed with a key: put the "
                              f"file back (from a backup of {settings.secrets_dir}).")
    return make_key(path)


class Sealer:
    """Appends a seal for each audit row that has none, in id order, after the newest."""

    def __init__(self, database: Database, key: bytes):
        self.database, self.key = database, key

    def seal(self, window: int | None = None) -> int:
        """Seal every unsealed row (`window`: only those at most that many ids below the
        newest sealed row — the server's cheap pass); how many were sealed."""
        total = 0
        while True:
            done = self._with_retries(lambda tx: self._batch(tx, window))
            total += done
            if done < BATCH:
                return total

    def _with_retries(self, work: Callable[[Tx], int]) -> int:
        """Two sealers racing for the same seq collide on its key; the loser reads the new
        head and tries again."""
        for attempt in range(RACE_RETRIES):
            try:
                return self.database.run(work)
            except DuplicateKey:
                if attempt == RACE_RETRIES - 1:
                    raise
        return 0

    def _batch(self, tx: Tx, window: int | None) -> int:
        head = sql.last_seal(tx)
        floor = 0 if window is None else max(0, sql.highest_sealed_row(tx) - window)
        rows = sql.unsealed_rows(tx, floor, BATCH)
        seq, previous = (int(head["seq"]), head["hash"]) if head else (0, GENESIS)
        seals = []
        for row in rows:
            seq += 1
            seals.append(seal(self.key, previous, seq, row))
            previous = seals[-1][2]
        if seals:
            sql.insert_seals(tx, seals)
        return len(seals)

@dataclass
class VerifyReport:
    database: str
    sealed_now: int
    checked: int
    head_seq: int
    head_hash: str
    unsealed: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems and not self.unsealed


def verify(settings: Settings, database: Database) -> VerifyReport:
    """Seal what is not sealed yet, then walk every seal from the first (`database`: the
    admin's, which may read everything)."""
    key = load_key(settings, database)
    sealed_now = Sealer(database, key).seal()
    chain = ChainCheck(key)
    problems: list[Problem] = []
    while True:
        seals = database.run(lambda tx: sql.seals_after(tx, chain.last_seq, BATCH))
        problems.extend(chain.check(seals))
        if len(seals) < BATCH:
            break
    unsealed = database.run(sql.count_unsealed)
    return VerifyReport(settings.db.name, sealed_now, chain.checked, chain.last_seq,
                        chain.last_hash, unsealed, problems)


class PeriodicSealer:
    """The store server's pass every SEAL_EVERY_S: seals the rows written since the last
    one. It gets its key on its first pass (the server starts while the database may be
    down); a failure is logged once, not every pass, and the next pass tries again."""

    def __init__(self, settings: Settings, database: Database):
        self.settings, self.database = settings, database
        self.sealer: Sealer | None = None
        self._last_error = ""

    def __call__(self) -> None:
        try:
            if self.sealer is None:
                self.sealer = Sealer(self.database, load_key(self.settings, self.database))
            sealed = self.sealer.seal(LATE_WINDOW)
        except Exception as e:  # the server serves on; `audit verify` says what is wrong
            if str(e) != self._last_error:
                log.warning("audit log not sealed (tried again every %.0f s): %s",
                            SEAL_EVERY_S, e)
            self._last_error = str(e)
            return
        self._last_error = ""
        if sealed:
            log.info("sealed %d audit row%s", sealed, "" if sealed == 1 else "s")


def verify_database(settings: Settings) -> VerifyReport:
    """`audit verify`: as the admin account, on a database at this code's schema."""
    from store.data import admin_database
    with admin_database(settings) as database:
        return verify(settings, database)
