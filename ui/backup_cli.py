"""`main.py backup FILE` and `main.py restore FILE [--force]`: what was written or restored,
or a StoreError as one line on stderr with exit code 1."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store.backup import BackupReport, RestoreReport, backup, restore, when_text
from store.config import Settings
from store.errors import StoreError
from ui.messages import command_failed


def run(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.path)
    try:
        if args.command == "backup":
            print(backup_text(backup(settings, path)))
        else:
            print(restore_text(restore(settings, path, force=args.force)))
    except StoreError as e:
        return command_failed(args.command, e)
    except KeyboardInterrupt:
        print(f"\n{args.command}: {INTERRUPTED[args.command]}", file=sys.stderr)
        return 1
    return 0


INTERRUPTED = {
    "backup": "cancelled; no backup file was written.",
    "restore": "interrupted. If loading had begun, the database is part-restored: run the "
               "same restore again.",
}


def backup_text(report: BackupReport) -> str:
    h = report.header
    return (f"Backed up database {h.database} (schema version {h.schema_version}) to "
            f"{report.path}: {size_text(report.size)}, {report.tables} tables, newest data "
            f"{when_text(h.newest_data)}.")


def restore_text(report: RestoreReport) -> str:
    h = report.header
    lines = [f"Restored database {report.database} from {report.path}: {report.tables} "
             f"tables, a backup of {h.database} (schema version {h.schema_version}) taken "
             f"{when_text(h.taken_at)}, newest data {when_text(h.newest_data)}."]
    if report.overwrote_newer is not None:
        lines.append(f"  (--force: data up to {when_text(report.overwrote_newer)} was "
                     f"replaced)")
    if report.dropped:
        lines.append(f"  dropped tables the backup does not have: {', '.join(report.dropped)}")
    lines.extend(f"  {line}" for line in report.migrations)
    lines.append("  the application's account has its table privileges again")
    return "\n".join(lines)


def size_text(size: int) -> str:
    """Bytes as people read them: 812 bytes, 48.1 KB, 3.2 MB."""
    if size < 1000:
        return f"{size} bytes"
    value = size / 1000
    for unit in ("KB", "MB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
