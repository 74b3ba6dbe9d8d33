"""Progress of a long job (an import) on stderr: a prompt_toolkit bar with rows/s and the
time left when stderr is a terminal, else a plain line at most every few seconds (a log
or a pipe gets no control codes)."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator, Protocol

PLAIN_EVERY_S = 5.0


class Step(Protocol):
    rows: int
    done_bytes: int
    total_bytes: int
    finished: bool


@contextmanager
def progress_on_stderr(what: str) -> Iterator[Callable[[Step], None]]:
    """A callback that shows each step of `what` (e.g. "customers.csv")."""
    if sys.stderr.isatty():
        last: list[Step] = []
        started = time.monotonic()
        with _bar(what) as report:
            def remember(step: Step) -> None:
                last[:] = [step]
                report(step)
            yield remember
        if last and last[-1].finished:   # the bar is gone: what it ended on stays
            print(f"{what}: {last[-1].rows:,} rows checked, {_rate(last[-1].rows, started)}",
                  file=sys.stderr, flush=True)
    else:
        yield _plain(what)


def _rate(rows: int, started: float) -> str:
    return f"{rows / max(1e-6, time.monotonic() - started):,.0f} rows/s"


def _plain(what: str) -> Callable[[Step], None]:
    started, last = time.monotonic(), [0.0]

    def report(step: Step) -> None:
        now = time.monotonic()
        if step.finished or now - last[0] >= PLAIN_EVERY_S:
            last[0] = now
            share = 100 * step.done_bytes / max(1, step.total_bytes)
            state = "checked" if step.finished else f"read ({share:.0f}%)"
            print(f"{what}: {step.rows:,} rows {state}, {_rate(step.rows, started)}",
                  file=sys.stderr, flush=True)
    return report


@contextmanager
def _bar(what: str) -> Iterator[Callable[[Step], None]]:
    from prompt_toolkit.output import create_output
    from prompt_toolkit.shortcuts import ProgressBar
    from prompt_toolkit.shortcuts.progress_bar import formatters as f

    started = time.monotonic()
    shown = [f.Label(), f.Text(" "), f.Percentage(), f.Text(" "), f.Bar(), f.Text("  left "),
             f.TimeLeft()]
    with ProgressBar(formatters=shown, output=create_output(stdout=sys.stderr)) as bar:
        counter = bar(label=what, total=100)

        def report(step: Step) -> None:
            counter.label = f"{what}: {step.rows:,} rows, {_rate(step.rows, started)}"
            counter.items_completed = 100 if step.finished else \
                min(99, 100 * step.done_bytes // max(1, step.total_bytes))
            bar.invalidate()
        yield report
