"""Export customers, titles or copies to CSV: the columns an import reads back (plus the
ones it makes anew, such as ids and card numbers, which an import ignores).

Rows are read a page at a time in id order inside one transaction: the file is one
consistent snapshot, and memory stays flat however many rows there are. The file is
written beside its name and renamed into place at the end, so a failed export never
leaves half a file where a whole one was expected.
"""
from __future__ import annotations

import csv
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from db import bulk
from db.database import Database
from store.csv_rules import KINDS
from store.errors import ValidationError

PAGE = 5000


def csv_text(value: Any) -> str:
    """A value as an import reads it back: empty for none, times to the second (UTC)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)     # dates as YYYY-MM-DD, money as 2.99


def export_rows(database: Database, kind: str, out: TextIO, store_id: int | None) -> int:
    """Every row of `kind` (of one store's, for customers and copies) as CSV to `out`."""
    if kind not in KINDS:
        raise ValidationError(f"{kind!r}: export customers, titles or copies.")
    writer, count, last = csv.writer(out, lineterminator="\n"), 0, 0
    with database.transaction() as tx:
        while True:
            page = bulk.export_page(tx, kind, last, PAGE, store_id)
            if not page:
                break
            if count == 0:
                writer.writerow(list(page[0]))
            writer.writerows([[csv_text(v) for v in row.values()] for row in page])
            count += len(page)
            last = int(page[-1]["id"])
    if count == 0:
        writer.writerow(bulk.export_columns(kind))
    return count


def export_file(database: Database, kind: str, path: Path, store_id: int | None) -> int:
    """export_rows to `path`, which appears only once it is whole."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ValidationError(f"{directory} is not a directory: the file cannot go there.")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            count = export_rows(database, kind, out, store_id)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return count
