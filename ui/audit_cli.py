"""`python main.py audit verify`: seal what is new, walk the audit log's hash chain, and say
how many rows were checked and where it first breaks. Exit code 0 when intact, 1 when not
(or when it could not be checked: one line on stderr)."""
from __future__ import annotations

import argparse

from store.audit import VerifyReport, verify_database
from store.config import Settings
from store.errors import StoreError
from ui.messages import command_failed

SHOWN = 10  # problems listed; the rest are counted


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        report = verify_database(settings)
    except StoreError as e:
        return command_failed("audit verify", e)
    print(report_text(report))
    return 0 if report.intact else 1


def report_text(r: VerifyReport) -> str:
    rows = f"{r.checked} audit row{'' if r.checked == 1 else 's'}"
    sealed = f" ({r.sealed_now} sealed just now)" if r.sealed_now else ""
    if r.intact:
        head = f" Newest seal: {r.head_seq} {r.head_hash[:16]}." if r.checked else ""
        return f"Audit log of {r.database}: checked {rows}{sealed}: the chain is intact.{head}"
    lines = [f"Audit log of {r.database}: checked {rows}{sealed}: the chain is BROKEN."]
    if r.problems:
        first = r.problems[0]
        lines.append(f"  First broken link: {first}")
        lines.extend(f"  also: {p}" for p in r.problems[1:SHOWN])
        if len(r.problems) > SHOWN:
            lines.append(f"  ... and {len(r.problems) - SHOWN} more")
    if r.unsealed:
        lines.append(f"  {r.unsealed} audit row{'s are' if r.unsealed != 1 else ' is'} "
                     f"not sealed (they could not be sealed now)")
    return "\n".join(lines)
