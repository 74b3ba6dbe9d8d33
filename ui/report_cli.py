"""`python main.py report NAME`: one report (store/reports.py) on standard output as a
table, CSV (a header row of column keys) or JSON (a list of objects, money as strings,
times in the store's zone with their offset). `report list` names them all.

Exit 0; 1 for a StoreError (one line on stderr, as ui/cli.py does); 2 for bad arguments
(a ValidationError): an unknown report (the names are listed), a day that is not
YYYY-MM-DD, an option the report does not take, a range of more than ten years.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, datetime, timezone
from typing import Any

from store.config import Settings
from store.errors import StoreError, ValidationError
from store.money import parse_amount
from store.reports import (REPORTS, Report, ReportQuery, check_query, opened, parse_day,
                           report_spec)
from ui.colour import paint_rows
from ui.messages import command_failed, error_line
from ui.tables import DATE_TIME, format_table

ROW_STATUS = {"overdue": "overdue", "balances": "overdue", "due-today": "warn"}


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.name == "list":
        print(names_text())
        return 0
    try:
        query = query_from(args)
    except ValidationError as e:
        print(f"report: {error_line(e)}", file=sys.stderr)
        if args.name not in REPORTS:
            print(names_text(), file=sys.stderr)
        return 2
    try:
        with opened(settings) as reports:
            report = reports.run(args.name, datetime.now(timezone.utc), query)
    except ValidationError as e:   # what the options ask for cannot be answered
        return command_failed("report", e, code=2)
    except StoreError as e:
        return command_failed("report", e)
    sys.stdout.write(render(report, args.format))
    return 0


def names_text() -> str:
    width = max(len(name) for name in REPORTS)
    return "Reports:\n" + "\n".join(f"  {s.name:<{width}}  {s.description}"
                                    for s in REPORTS.values())


def query_from(args: argparse.Namespace) -> ReportQuery:
    """The command line's options as a query; ValidationError names the bad one."""
    spec = report_spec(args.name)
    if not spec.takes_days and (args.start or args.end):
        raise ValidationError(f"The {spec.name} report takes no --from or --to.")
    if args.min_balance is not None and not spec.min_balance:
        raise ValidationError("Only the balances report takes --min-balance.")
    if args.limit is not None and args.limit < 1:
        raise ValidationError(f"--limit: {args.limit} is not a number of rows (1 or more).")
    try:
        min_balance = None if args.min_balance is None else parse_amount(args.min_balance)
    except ValidationError as e:
        raise ValidationError(f"--min-balance: {e.message}") from None
    query = ReportQuery(args.store,
                        parse_day(args.start, "--from") if args.start else None,
                        parse_day(args.end, "--to") if args.end else None,
                        args.limit, min_balance)
    check_query(spec, query)
    return query


def render(report: Report, fmt: str) -> str:
    """The report as `fmt`: table, csv or json; ends with a newline."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.key for c in report.columns])
        writer.writerows([[_text(v, c.kind) for v, c in zip(row, report.columns)]
                          for row in report.rows])
        return out.getvalue()
    if fmt == "json":
        return json.dumps(json_rows(report), indent=1, ensure_ascii=False) + "\n"
    return report_text(report) + "\n"


def report_text(report: Report, colour: bool = False) -> str:
    """The title, the rows as a table (or that there are none) and the note, if any. With
    `colour` (the terminal's Reports screen), rows that need chasing are painted: overdue
    hires and balances owed red, copies due back today yellow."""
    if not report.rows:
        return f"{report.title}: none."
    table = format_table(report.headers, [[_cell(v, c.kind) for v, c in zip(row,
                                                                             report.columns)]
                                          for row in report.rows],
                         money_columns=report.money_columns)
    status = ROW_STATUS.get(report.name)
    if status:
        table = paint_rows(table, [status] * len(report.rows), colour)
    return "\n".join(x for x in (report.title, table, report.note) if x)


def json_rows(report: Report) -> list[dict[str, Any]]:
    return [{c.key: _json(v, c.kind) for v, c in zip(row, report.columns)}
            for row in report.rows]


def _cell(value: Any, kind: str) -> Any:
    """For format_table: times as the store's local minute, days as YYYY-MM-DD."""
    if value is None or kind in ("money", "count") or isinstance(value, bool):
        return value
    return _text(value, kind)


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "money":
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.strftime(DATE_TIME)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json(value: Any, kind: str) -> Any:
    if value is None or isinstance(value, (bool, int)) and kind != "money":
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return _text(value, kind)
