"""The reliability figures, from the suite's own run (docs/reliability.md, issue 8).

A pytest plugin (loaded by tests/conftest.py) and its session fixture `reliability`: a
test records what it measured — `reliability.add("faults", "survived", 1)`,
`reliability.record("contention", "lost", counts["lost"])` — and at the end of the run
the figures are printed under "reliability figures" (so they are in CI's log) and written
to var/reliability-figures.json, with the date, the commit, the tests that recorded each
section and how they ended. Only what ran is there: a run of a few files writes a file
marked partial. Hypothesis tests record themselves (their examples are counted from
Hypothesis's own statistics). bench/soak.py writes var/soak-figures.json, the same shape.

    python -m tests.figures docs/reliability.md

rewrites the part of that file between `<!-- reliability:begin -->` and
`<!-- reliability:end -->` from those files (`make reliability`); the prose around it is
left as it is.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITE_FILE = ROOT / "var" / "reliability-figures.json"
SOAK_FILE = ROOT / "var" / "soak-figures.json"
BEGIN, END = "<!-- reliability:begin -->", "<!-- reliability:end -->"
HYPOTHESIS_SECTION = "bad input"
Value = int | float | str


class Figures:
    """Figures by section, in the order first recorded, and which tests recorded each."""

    def __init__(self) -> None:
        self.sections: dict[str, dict[str, Value]] = {}
        self.tests: dict[str, dict[str, str]] = {}   # section -> nodeid -> outcome
        self.current = ""                            # the test running now
        self.outcomes: dict[str, str] = {}           # nodeid -> its outcome so far

    def record(self, section: str, name: str, value: Value) -> None:
        """Set a figure (the last value recorded wins)."""
        self.sections.setdefault(section, {})[name] = value
        if self.current:  # recorded in a fixture's teardown: the test's outcome is known
            self.tests.setdefault(section, {}).setdefault(
                self.current, self.outcomes.get(self.current, "running"))

    def add(self, section: str, name: str, n: int | float = 1) -> None:
        """Add to a count (over the tests and parameters that record it)."""
        before = self.sections.get(section, {}).get(name, 0)
        self.record(section, name, before + n)  # type: ignore[operator]

    def exactly(self, section: str, measured: int, expected: int = 1) -> int:
        """A count of rows a test compares with `expected`, recorded before the test's
        assert: "rows checked", and as "lost" what is missing, as "double" what is more.
        Returns `measured`, for the assert."""
        self.add(section, "rows checked")
        self.add(section, "lost", max(0, expected - measured))
        self.add(section, "double", max(0, measured - expected))
        return measured

    def record_all(self, section: str, figures: dict[str, Value]) -> None:
        for name, value in figures.items():
            self.record(section, name, value)

    def ended(self, nodeid: str, outcome: str) -> None:
        """A test's outcome: a failure in any phase is kept."""
        if self.outcomes.get(nodeid) != "failed":
            self.outcomes[nodeid] = outcome
        for tests in self.tests.values():
            if nodeid in tests and tests[nodeid] != "failed":
                tests[nodeid] = outcome

    def document(self, tests_run: dict[str, int], partial: bool,
                 invocation: str) -> dict[str, Any]:
        return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "commit": commit(), "invocation": invocation, "partial": partial,
                "tests_run": tests_run,
                "sections": {name: {"figures": figures, "tests": self.tests.get(name, {})}
                             for name, figures in self.sections.items()}}


def commit() -> str:
    """The checkout's commit, "+changes" when its tracked files differ from it."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def summary_lines(document: dict[str, Any]) -> list[str]:
    """One line per section: its figures, then how many of its tests passed."""
    out = []
    for name, section in document["sections"].items():
        outcomes = list(section["tests"].values())
        passed = outcomes.count("passed")
        out.append(f"{name}: {figures_text(section['figures'])} "
                   f"[{passed} of {len(outcomes)} tests passed]")
    return out


def figures_text(figures: dict[str, Value]) -> str:
    return "; ".join(f"{name} {number(value)}" for name, value in figures.items())


def number(value: Value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}" if isinstance(value, (int, float)) else str(value)


# --- the pytest plugin ----------------------------------------------------------------------

FIGURES = pytest.StashKey[Figures]()
_examples = re.compile(r"(\d+) passing")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reliability-figures", type=Path, default=SUITE_FILE,
                     help="where to write the run's reliability figures (JSON)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[FIGURES] = Figures()


@pytest.fixture(scope="session")
def reliability(request: pytest.FixtureRequest) -> Figures:
    """The run's figures: `.record(section, name, value)`, `.add(section, name, n)`."""
    return request.config.stash[FIGURES]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    figures = item.config.stash[FIGURES]
    figures.current = item.nodeid
    try:
        return (yield)
    finally:
        figures.current = ""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    report = yield
    figures = item.config.stash[FIGURES]
    # Hypothesis notes its statistics on the item (_hypothesis_pytestplugin), described as
    # "N passing, M failing, and K invalid test cases" per phase: the examples that ran.
    stats = getattr(item, "hypothesis_statistics", None)
    if call.when == "call" and stats:
        where = item.nodeid.split("::")[0].rsplit("/", 1)[-1]
        figures.add(HYPOTHESIS_SECTION, f"hypothesis properties ({where})", 1)
        figures.add(HYPOTHESIS_SECTION, f"hypothesis examples ({where})",
                    sum(int(n) for n in _examples.findall(stats)))
    if report.failed or report.skipped or call.when == "call":
        figures.ended(item.nodeid, report.outcome)
    return report


def is_partial(config: pytest.Config) -> bool:
    """Whether less than the whole suite was asked for: named paths, -k, -m, --lf, ..."""
    option = config.option
    narrowed = (getattr(option, "keyword", ""), getattr(option, "markexpr", ""),
                getattr(option, "deselect", None), getattr(option, "lf", False),
                getattr(option, "exitfirst", False))
    return config.args_source != pytest.Config.ArgsSource.TESTPATHS or any(narrowed)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    figures = config.stash[FIGURES]
    if not figures.sections or hasattr(config, "workerinput"):  # nothing, or an xdist worker
        return
    stats = terminalreporter.stats
    tests_run = {kind: len(stats[kind]) for kind in ("passed", "failed", "skipped", "error")
                 if stats.get(kind)}
    partial = is_partial(config) or exitstatus != 0
    document = figures.document(tests_run, partial,
                                " ".join(["pytest", *config.invocation_params.args]))
    path = config.getoption("reliability_figures")
    write(path, document)
    terminalreporter.section("reliability figures")
    for line in summary_lines(document):
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(written to {path}"
                                + ("; a partial run" if partial else "") + ")")


# --- the generator: docs/reliability.md's figures ---------------------------------------------

class FiguresError(Exception):
    """What stops the generator, said in one line."""


def load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FiguresError(f"{path} is missing: run the tests first (make test, or pytest on "
                           "the reliability tests), then make reliability") from None
    except (ValueError, OSError) as e:
        raise FiguresError(f"{path} cannot be read: {e}") from None


def by_file(tests: dict[str, str]) -> str:
    """`tests/e2e/test_faults.py: 6 passed` for each file the section's tests are in."""
    files: dict[str, dict[str, int]] = {}
    for nodeid, outcome in tests.items():
        counts = files.setdefault(nodeid.split("::")[0], {})
        counts[outcome] = counts.get(outcome, 0) + 1
    return "; ".join(f"{name}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
                     for name, counts in files.items())


def run_line(label: str, document: dict[str, Any]) -> str:
    tests = ", ".join(f"{n} {kind}" for kind, n in document.get("tests_run", {}).items())
    line = (f"{label} of {document['date']}, commit {document['commit']}"
            + (f", {tests}" if tests else ""))
    if document.get("partial"):
        line += f" — a partial run (`{document['invocation']}`): only its sections are here"
    return line


def render(suite: dict[str, Any], soak: dict[str, Any] | None = None) -> str:
    """The generated block, markers included."""
    lines = [BEGIN, "Generated by `make reliability` from the suite's own output "
             "(var/reliability-figures.json"
             + (", var/soak-figures.json" if soak else "") + "); do not edit by hand.", "",
             "- " + run_line("pytest run", suite)]
    if soak:
        lines.append("- " + run_line("`make soak` run", soak))
    lines += ["", "| section | figures | tests |", "|---|---|---|"]
    for document, suffix in ((suite, ""), (soak or {"sections": {}}, " (make soak)")):
        for name, section in document["sections"].items():
            lines.append(f"| {name}{suffix} | {figures_text(section['figures'])} | "
                         f"{by_file(section['tests'])} |")
    return "\n".join(lines + [END])


def replace_block(text: str, block: str) -> str:
    """`text` with what lies between the markers (they included) replaced by `block`."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise FiguresError(f"the markers {BEGIN} ... {END} are not both there, in order")
    return text[:start] + block + text[end + len(END):]


def main(argv: list[str], suite_file: Path = SUITE_FILE, soak_file: Path = SOAK_FILE) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.figures DOC.md   (e.g. docs/reliability.md)",
              file=sys.stderr)
        return 2
    doc = Path(argv[0])
    try:
        suite = load(suite_file)
        soak = load(soak_file) if soak_file.exists() else None
        doc.write_text(replace_block(doc.read_text(), render(suite, soak)))
    except (FiguresError, OSError) as e:
        print(f"reliability figures: {e}", file=sys.stderr)
        return 1
    print(f"{doc}: figures of {suite['date']} (commit {suite['commit']})"
          + (f" and the soak of {soak['date']}" if soak else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
