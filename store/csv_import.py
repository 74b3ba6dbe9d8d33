"""Import customers, titles or copies from a CSV file: every row checked by the forms'
rules, then written in bulk — all or nothing by default.

One pass streams the file (memory stays flat whatever its size): each row is checked in
Python with store/csv_rules.py and, when good, written to a tab-separated chunk file that
LOAD DATA takes while the next chunk is being checked. All of it is one transaction.

Two ways to write, the fast one first:
- Straight in (customers, copies): the chunks go into the table itself. Everything only
  the database can tell about such a row (a phone or card already someone's, the same one
  twice in the file, a copy of a title that does not exist) is a unique or foreign key of
  the table, so a clean file is written as fast as LOAD DATA goes. If the table refused a
  row, or a row broke a rule without `skip_bad`, it is all rolled back and the file goes
  the careful way, which says which rows and why.
- Staged (titles, and any file the fast way could not take): the chunks go into a staging
  table; set-based queries find the rows the database would refuse (a title already in
  the catalogue, a row repeated in the file ...) and name their lines; one INSERT ... SELECT
  writes the rest.
With any bad row and no `skip_bad`, nothing is written and the bad rows are reported with
their line numbers; with `skip_bad`, the good rows are written and the bad ones copied,
with the reason, to a rejects file.

Ids are reserved after each table's last one (db/imports.reserve_after_last) so a new
customer's card number is made from its id, as at the counter. That holds a lock on the
end of the table until the import commits: a clerk registering a customer meanwhile waits.
"""
from __future__ import annotations

import csv
import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from db import bulk, imports
from db.audit import insert_audit
from db.database import Database, Tx
from store import codes
from store.csv_rules import (COPIES, CUSTOMERS, KINDS, TITLES, CopyNumbering, Header,
                             copy_row, customer_row, fields_of, read_header, title_row)
from store.errors import Internal, StoreError, ValidationError

SHOWN_BAD = 20             # bad rows kept for the report; all are counted
PROGRESS_EVERY = 10_000    # rows between progress calls
CHUNK_ROWS = 50_000        # rows per LOAD DATA: big enough to be bulk, small to overlap
# The kinds whose every set-based check is a key of their table (see the docstring).
STRAIGHT_IN = {CUSTOMERS.name, COPIES.name}


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportResult:
    kind: str
    rows: int = 0                   # data rows in the file
    written: int = 0
    bad_count: int = 0
    bad: list[BadRow] = field(default_factory=list)   # the first SHOWN_BAD of them
    rejects: Path | None = None     # where the bad rows went (skip_bad)

    def add_bad(self, line: int, reason: str) -> None:
        self.bad_count += 1
        if len(self.bad) < SHOWN_BAD:
            self.bad.append(BadRow(line, reason))


@dataclass(frozen=True)
class Progress:
    rows: int
    done_bytes: int
    total_bytes: int
    finished: bool = False


class _Refused(Exception):
    """Bad rows without skip_bad: roll the transaction back, report them."""


class _NotClean(Exception):
    """The fast way met a row it cannot write: roll back, go the careful way."""


class CsvImport:
    def __init__(self, database: Database, now: datetime, today: date, store_id: int,
                 progress: Callable[[Progress], None] = lambda p: None):
        self.db = database
        self.now = now
        self.today = today
        self.store_id = store_id
        self.progress = progress

    def run(self, kind: str, path: Path, staging_dir: Path, skip_bad: bool = False,
            rejects: Path | None = None) -> ImportResult:
        """Import `path` as rows of `kind`; `staging_dir` is where the tab-separated file
        is written (the directory the connection may LOAD DATA from)."""
        if kind not in KINDS:
            raise ValidationError(f"{kind!r}: import customers, titles or copies.")
        result = ImportResult(kind)
        bad_lines: dict[int, str] = {}
        try:
            straight = kind in STRAIGHT_IN and self._straight_in(kind, path, staging_dir,
                                                                 skip_bad, result, bad_lines)
            if not straight:
                self.db.run(lambda tx: self._import(tx, kind, path, staging_dir, skip_bad,
                                                    result, bad_lines), attempts=1)
        except _Refused:
            result.written = 0
        if skip_bad and bad_lines:
            result.rejects = rejects or path.with_name(path.stem + ".rejects.csv")
            write_rejects(path, result.rejects, bad_lines)
        return result

    def _straight_in(self, kind: str, path: Path, staging_dir: Path, skip_bad: bool,
                     result: ImportResult, bad_lines: dict[int, str]) -> bool:
        """The fast way (see the module's docstring); False when it wrote nothing and the
        file must go the careful way."""
        try:
            self.db.run(lambda tx: self._write_straight_in(tx, kind, path, staging_dir,
                                                           skip_bad, result, bad_lines),
                        attempts=1)
            return True
        except _NotClean:
            return False

    def _write_straight_in(self, tx: Tx, kind: str, path: Path, staging_dir: Path,
                           skip_bad: bool, result: ImportResult,
                           bad_lines: dict[int, str]) -> None:
        self._start(result, bad_lines)
        check = self._checker(tx, kind)
        first_id = imports.reserve_after_last(tx, kind) + 1
        with _Chunks(lambda chunk: bulk.load_rows(tx, kind, chunk, self.now),
                     staging_dir) as chunks:
            # Without skip_bad, the first bad row ends the fast way: the careful way lists
            # them all.
            next_id = self._check_rows(check, kind, path, chunks, first_id, result,
                                       bad_lines, with_line=False, stop_at_bad=not skip_bad)
            loaded, warnings = chunks.finish()
        if loaded != next_id - first_id or warnings:
            raise _NotClean()       # the table refused some: the careful way says which
        result.written = loaded
        self._finish(tx, kind, path, result)

    def _import(self, tx: Tx, kind: str, path: Path, staging_dir: Path, skip_bad: bool,
                result: ImportResult, bad_lines: dict[int, str]) -> None:
        self._start(result, bad_lines)
        check = self._checker(tx, kind)
        first_id = imports.reserve_after_last(tx, kind) + 1
        bulk.create_staging(tx, kind)
        with _Chunks(lambda chunk: bulk.load_staging(tx, kind, chunk),
                     staging_dir) as staged:
            next_id = self._check_rows(check, kind, path, staged, first_id, result,
                                       bad_lines, with_line=True, stop_at_bad=False)
            loaded, _ = staged.finish()
        if loaded != next_id - first_id:   # LOAD DATA LOCAL warns rather than fails
            raise Internal(f"the database took {loaded} of {next_id - first_id} checked rows; "
                           f"nothing was written")
        for line, reason in self._set_checks(tx, kind):
            if line not in bad_lines:
                result.add_bad(line, reason)
                bad_lines[line] = reason
        result.bad.sort(key=lambda b: b.line)
        if result.bad_count and not skip_bad:
            raise _Refused()
        bulk.drop_lines(tx, kind, sorted(bad_lines))
        result.written = bulk.insert_staged(tx, kind, self.now)
        bulk.drop_staging(tx, kind)
        self._finish(tx, kind, path, result)

    def _check_rows(self, check: Callable[[dict[str, str], int], tuple[Any, ...]], kind: str,
                    path: Path, chunks: "_Chunks", first_id: int, result: ImportResult,
                    bad_lines: dict[int, str], with_line: bool, stop_at_bad: bool) -> int:
        """Every row of the file checked: good ones to `chunks` with their new id (after
        their line number, `with_line`), bad ones recorded — or _NotClean at the first
        one (`stop_at_bad`). The id after the last one given."""
        next_id = first_id
        for line, fields in _rows(path, kind, result, self.progress):
            try:
                if isinstance(fields, ValidationError):
                    raise fields
                values = check(fields, next_id)
            except ValidationError as e:
                if stop_at_bad:
                    raise _NotClean() from None
                result.add_bad(line, str(e))
                bad_lines[line] = str(e)
                continue
            chunks.write((line, next_id, *values) if with_line else (next_id, *values))
            next_id += 1
        return next_id

    @staticmethod
    def _start(result: ImportResult, bad_lines: dict[int, str]) -> None:
        """A clean slate: each way reads the file from its first line."""
        result.rows = result.written = result.bad_count = 0
        result.bad.clear()
        bad_lines.clear()

    def _finish(self, tx: Tx, kind: str, path: Path, result: ImportResult) -> None:
        insert_audit(tx, self.now, None, None, f"import.{kind}", kind, None, None,
                     {"rows": result.written, "file": path.name,
                      "skipped": result.bad_count}, "python main.py import")
        self.progress(Progress(result.rows, 1, 1, finished=True))

    def _checker(self, tx: Tx, kind: str) -> Callable[[dict[str, str], int], tuple[Any, ...]]:
        """The row check of `kind`: fields -> the staged values after line and id."""
        stores = bulk.store_ids(tx)
        if self.store_id not in stores:
            raise ValidationError(f"Store {self.store_id} does not exist.")
        if kind == CUSTOMERS.name:
            def customer(fields: dict[str, str], new_id: int) -> tuple[Any, ...]:
                store_id, card, *details = customer_row(fields, self.today, self.store_id,
                                                        stores)
                return (store_id, card or codes.card_number(new_id), *details)
            return customer
        if kind == TITLES.name:
            return lambda fields, _: title_row(fields, self.today.year)
        highest = imports.highest_copy_numbers(tx)
        numbering = CopyNumbering(lambda title_id: highest.get(title_id, 0))
        return lambda fields, _: copy_row(fields, self.store_id, stores, numbering)

    @staticmethod
    def _set_checks(tx: Tx, kind: str) -> list[tuple[int, str]]:
        """What only the database can tell, as (line, reason), in line order."""
        found = bulk.repeated_in_file(tx, kind)
        if kind == CUSTOMERS.name:
            found += bulk.taken_by_customers(tx, "phone") + bulk.taken_by_customers(
                tx, "card_number")
        elif kind == TITLES.name:
            found += bulk.titles_in_catalogue(tx)
        else:
            assert kind == COPIES.name
            found += bulk.copies_of_missing_titles(tx)
        return sorted(found)


class _Chunks:
    """Checked rows to the database a chunk at a time: while it loads one chunk (`load`,
    called on a helper thread — the connector's C extension lets go of the GIL while it
    waits), this thread checks the next, so the two cores both work. `load(path)` gives
    (rows taken, warnings). Only the helper thread touches the transaction until `finish`
    has returned."""

    def __init__(self, load: Callable[[Path], tuple[int, int]], directory: Path,
                 rows_per_chunk: int = CHUNK_ROWS):
        self._load_chunk, self._dir, self._size = load, directory, rows_per_chunk
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load")
        self._loads: list[Future[tuple[int, int]]] = []
        self._out: TextIO | None = None
        self._path: Path | None = None
        self._rows = 0

    def __enter__(self) -> "_Chunks":
        return self

    def write(self, values: tuple[Any, ...]) -> None:
        if self._out is None:
            fd, name = tempfile.mkstemp(suffix=".tsv", dir=self._dir)
            self._out, self._path = os.fdopen(fd, "w", encoding="utf-8", newline=""), Path(name)
        bulk.write_tsv_row(self._out, values)
        self._rows += 1
        if self._rows == self._size:
            self._ship()

    def _ship(self) -> None:
        if self._out is None or self._path is None:
            return
        self._out.close()
        path, self._out, self._path, self._rows = self._path, None, None, 0
        self._loads.append(self._pool.submit(self._load, path))

    def _load(self, path: Path) -> tuple[int, int]:
        try:
            return self._load_chunk(path)
        finally:
            path.unlink(missing_ok=True)

    def finish(self) -> tuple[int, int]:
        """Every row loaded: (rows the database took, warnings it gave)."""
        self._ship()
        results = [load.result() for load in self._loads]
        return sum(r for r, _ in results), sum(w for _, w in results)

    def __exit__(self, *exc: object) -> None:
        if self._out is not None and self._path is not None:
            self._out.close()
            self._path.unlink(missing_ok=True)
        for load in self._loads:        # never leave a load running on the connection
            try:
                load.result()
            except Exception:
                pass
        self._pool.shutdown(wait=True)


def _open(path: Path) -> Any:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file.") from None
    except OSError as e:
        raise ValidationError(f"{path} cannot be read: {e.strerror}.") from None


def _rows(path: Path, kind: str, result: ImportResult, progress: Callable[[Progress], None]
          ) -> Iterator[tuple[int, dict[str, str] | ValidationError]]:
    """(line number, fields) of each data row, or (line number, what is wrong) when the row
    cannot be read. Line numbers are the file's, as an editor shows them."""
    total = max(1, path.stat().st_size) if path.is_file() else 1
    with _open(path) as f:
        reader = csv.reader(f, strict=True)
        try:
            header_row = next(reader, None)
            if header_row is None:
                raise ValidationError(f"{path} is empty: a CSV file starts with a header row.")
            header: Header = read_header(KINDS[kind], header_row)
            width = len(header_row)
            while True:
                line = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as e:
                    result.rows += 1
                    yield line, ValidationError(f"Not readable as CSV: {e}.")
                    continue
                if not any(v.strip() for v in row):
                    continue                      # blank lines are no rows
                result.rows += 1
                if result.rows % PROGRESS_EVERY == 0:
                    progress(Progress(result.rows, f.buffer.tell(), total))
                try:
                    yield line, fields_of(header, row, width)
                except ValidationError as e:
                    yield line, e
        except UnicodeDecodeError:
            raise ValidationError(f"{path} is not UTF-8 text (near line {reader.line_num + 1}): "
                                  f"save it as UTF-8.") from None


def write_rejects(source: Path, target: Path, bad_lines: dict[int, str]) -> None:
    """The bad rows of `source`, as they were, with their line and the reason, to `target`."""
    with _open(source) as f, target.open("w", encoding="utf-8", newline="") as out:
        reader, writer = csv.reader(f), csv.writer(out)
        header = next(reader, [])
        writer.writerow(["line", "reason", *header])
        while bad_lines:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                row = []
            reason = bad_lines.pop(line, None)
            if reason is not None:
                writer.writerow([line, reason, *row])


__all__ = ["BadRow", "CsvImport", "ImportResult", "Progress", "StoreError"]
