"""The reliability figures (tests/figures.py): the recorder, the pytest plugin in a real
pytest run of its own, and the generator of docs/reliability.md's figures."""
from __future__ import annotations

import json
import subprocess
import sys

from tests import figures
from tests.figures import BEGIN, END, Figures
from tests.helpers import ROOT

DOC = f"""# Reliability

Prose before, kept.

{BEGIN}
| old | hand-copied | table |
{END}

## Contention

Prose after, kept: {BEGIN[:10]} is not a marker.
"""


def suite_document(**overrides: object) -> dict:
    found = Figures()
    found.current = "tests/e2e/test_history.py::test_clerks"
    found.record_all("contention", {"operations attempted": 240, "lost": 0, "double": 0})
    found.ended(found.current, "passed")
    found.current = "tests/e2e/test_faults.py::test_kill[kill-9]"
    found.add("faults", "injected")
    found.ended(found.current, "passed")
    return {**found.document({"passed": 2}, partial=False, invocation="pytest"), **overrides}


def test_exactly_records_what_is_missing_as_lost_and_what_is_more_as_double():
    found = Figures()
    assert [found.exactly("once", n, expected) for n, expected in
            ((1, 1), (0, 1), (3, 1), (2, 2), (0, 0))] == [1, 0, 3, 2, 0]
    assert found.sections["once"] == {"rows checked": 5, "lost": 1, "double": 2}


def test_a_failure_in_any_phase_is_the_tests_outcome():
    found = Figures()
    found.current = "t::a"
    found.add("s", "n", 2)
    found.ended("t::a", "passed")
    found.ended("t::a", "failed")   # its teardown
    found.ended("t::a", "passed")
    found.ended("t::other", "passed")  # recorded nothing: not listed
    assert found.tests == {"s": {"t::a": "failed"}}
    assert found.sections == {"s": {"n": 2}}


def test_the_generator_replaces_only_what_is_between_the_markers(tmp_path):
    doc, suite = tmp_path / "reliability.md", tmp_path / "suite.json"
    doc.write_text(DOC)
    suite.write_text(json.dumps(suite_document()))
    assert figures.main([str(doc)], suite, tmp_path / "no-soak.json") == 0
    text = doc.read_text()
    before, block, after = text.partition(BEGIN)[0], *text.partition(BEGIN)[2].split(END)
    assert before == DOC.split(BEGIN)[0] and after == DOC.split(END)[1]
    assert "hand-copied" not in block
    assert ("| contention | operations attempted 240; lost 0; double 0 | "
            "tests/e2e/test_history.py: 1 passed |") in block
    assert "| faults | injected 1 | tests/e2e/test_faults.py: 1 passed |" in block
    assert "2 passed" in block and "partial" not in block
    # Run again: the same, the block replaced rather than added to.
    assert figures.main([str(doc)], suite, tmp_path / "no-soak.json") == 0
    assert doc.read_text() == text


def test_a_soak_run_and_a_partial_run_are_said_as_such(tmp_path):
    soak = Figures()
    soak.current = "bench/soak.py --clerks 8 --ops 2000 --seed 1"
    soak.record_all("contention", {"operations attempted": 16000, "lost": 0})
    soak.ended(soak.current, "passed")
    block = figures.render(suite_document(partial=True, invocation="pytest tests/e2e"),
                           soak.document({}, partial=False, invocation=soak.current))
    assert "a partial run (`pytest tests/e2e`)" in block
    assert "`make soak` run of" in block
    assert ("| contention (make soak) | operations attempted 16,000; lost 0 | "
            "bench/soak.py --clerks 8 --ops 2000 --seed 1: 1 passed |") in block


def test_a_missing_figures_file_or_markers_is_one_clear_line_and_the_doc_is_untouched(
        tmp_path, capsys):
    doc = tmp_path / "reliability.md"
    doc.write_text(DOC)
    assert figures.main([str(doc)], tmp_path / "missing.json", tmp_path / "x.json") == 1
    error = capsys.readouterr().err
    assert "missing.json is missing: run the tests first" in error and "Traceback" not in error
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps(suite_document()))
    doc.write_text("# no markers\n")
    assert figures.main([str(doc)], suite, tmp_path / "x.json") == 1
    assert "markers" in capsys.readouterr().err
    assert doc.read_text() == "# no markers\n"


def test_the_plugin_prints_and_writes_what_a_real_run_recorded(tmp_path):
    (tmp_path / "test_some.py").write_text(
        "def test_records(reliability):\n"
        "    reliability.add('faults', 'injected', 2)\n"
        "    assert reliability.exactly('once', 1) == 1\n\n"
        "def test_fails_after_recording(reliability):\n"
        "    reliability.add('faults', 'injected')\n"
        "    assert False\n\n"
        "def test_records_nothing():\n"
        "    pass\n")
    out = tmp_path / "figures.json"
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.figures",
                          "--reliability-figures", str(out), "-q", "-p", "no:cacheprovider",
                          str(tmp_path / "test_some.py")],
                         cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "reliability figures" in run.stdout
    assert "faults: injected 3 [1 of 2 tests passed]" in run.stdout
    written = json.loads(out.read_text())
    assert written["partial"] is True and written["tests_run"] == {"passed": 2, "failed": 1}
    assert written["sections"]["faults"]["tests"] == {
        "test_some.py::test_records": "passed", "test_some.py::test_fails_after_recording":
        "failed"}
    assert written["sections"]["once"]["figures"] == {"rows checked": 1, "lost": 0, "double": 0}


def test_a_run_that_records_nothing_writes_nothing(tmp_path):
    (tmp_path / "test_none.py").write_text("def test_nothing():\n    pass\n")
    out = tmp_path / "figures.json"
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.figures", "-q",
                          "--reliability-figures", str(out), "-p", "no:cacheprovider",
                          "test_none.py"],
                         cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not out.exists() and "reliability figures" not in run.stdout
