"""`import` and `export`: the admin's data in and out, on the command line.

What was done is printed on stdout; a StoreError is one line on stderr with exit code 1.
Progress goes to stderr: a bar with rows/s and time left on a terminal, plain lines when
stderr is a file or a pipe (a log).
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from store.config import Settings
from store.errors import StoreError
from ui.messages import command_failed
from ui.progress import progress_on_stderr


def run(settings: Settings, args: argparse.Namespace) -> int:
    command = f"{args.command} {args.kind}"
    try:
        if args.command == "import" and args.kind == "sakila":
            return import_sakila(settings, Path(args.path))
        if args.command == "import":
            return import_csv(settings, args)
        return export_csv(settings, args)
    except StoreError as e:
        return command_failed(command, e)
    except KeyboardInterrupt:
        print(f"\n{command}: stopped; what was not finished was not written.", file=sys.stderr)
        return 1


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def import_sakila(settings: Settings, directory: Path) -> int:
    from store.data import sakila_import
    report = sakila_import(settings, directory, datetime.now(timezone.utc), _say)
    for stage in report.stages:
        state = "already imported" if stage.skipped else "imported"
        note = f" ({stage.note})" if stage.note else ""
        print(f"  {stage.name:<10} {stage.rows:>6}  {state}{note}")
    if not report.changed:
        print("Sakila was already imported into this database: nothing changed.")
        return 0
    if report.logins:
        print("Sakila's staff, as managers (username, password — shown only this once):")
        for login in report.logins:
            print(f"    {login.username:<10} {login.password}")
    print(f"Sakila is imported; its dates are moved {report.shift_days} days forward.")
    return 0


def import_csv(settings: Settings, args: argparse.Namespace) -> int:
    from store.data import csv_import
    path = Path(args.path)
    now = datetime.now(timezone.utc)
    store_id = args.store or settings.terminal.store_id
    rejects = Path(args.rejects) if args.rejects else None
    with progress_on_stderr(path.name) as progress:
        result = csv_import(settings, args.kind, path, store_id, now, now.date(),
                            args.skip_bad, rejects, progress)
    for bad in result.bad:
        print(f"  line {bad.line}: {bad.reason}", file=sys.stderr)
    if result.bad_count > len(result.bad):
        print(f"  ... and {result.bad_count - len(result.bad)} more bad rows", file=sys.stderr)
    if result.bad_count and not args.skip_bad:
        print(f"import {args.kind}: {result.bad_count} of {result.rows} rows are bad, so none "
              f"was written. Correct them, or add --skip-bad to write the good rows and put "
              f"the bad ones in a rejects file.", file=sys.stderr)
        return 1
    print(f"Imported {result.written} {args.kind} from {path} ({result.rows} rows).")
    if result.rejects:
        print(f"{result.bad_count} bad rows were not written; they are in {result.rejects} "
              f"with their line numbers and reasons.")
    return 0


def export_csv(settings: Settings, args: argparse.Namespace) -> int:
    from store.data import csv_export
    if args.path == "-":
        csv_export(settings, args.kind, None, args.store, out=sys.stdout)
        return 0
    path = Path(args.path)
    count = csv_export(settings, args.kind, path, args.store)
    print(f"Exported {count} {args.kind} to {path}.")
    return 0
