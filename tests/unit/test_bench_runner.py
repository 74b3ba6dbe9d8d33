"""How bench/run_all.py turns several runs of a bench into the figures it quotes."""
from bench.run_all import BEGIN, END, figures_table, medians, write_into


def row(figure: str, value: float, baseline: float | None, targets: list | None = None) -> dict:
    return {"figure": figure, "value": value, "unit": "ms", "baseline": baseline,
            "baseline_is": "bare", "ratio": value / baseline if baseline else None,
            "targets": targets or [], "size": "1 row"}


def test_a_figure_is_quoted_from_the_run_with_the_median_ratio_so_its_numbers_agree():
    runs = [{"figures": [row("search", 4.0, 1.0)]}, {"figures": [row("search", 3.0, 2.0)]},
            {"figures": [row("search", 9.0, 3.0)]}]
    [quoted] = medians(runs)
    assert (quoted["value"], quoted["baseline"], quoted["ratio"], quoted["runs"]) == (9.0, 3.0,
                                                                                      3.0, 3)


def test_a_count_that_must_be_zero_is_quoted_from_its_worst_run():
    zero = [{"of": "value", "op": "<=", "limit": 0}]
    runs = [{"figures": [row("double hires", n, None, zero)]} for n in (0, 2, 0)]
    assert medians(runs)[0]["value"] == 2


def test_the_table_marks_each_target_met_or_missed():
    lines = figures_table([row("p95", 30.0, 10.0, [{"of": "value", "op": "<=", "limit": 20},
                                                   {"of": "ratio", "op": "<=", "limit": 5}])])
    assert lines[-1] == "| p95 | 1 row | 30 ms | 10 ms bare | 3.00 | ≤ 20 ms ✘, ≤ 5× ✔ |"


def test_writing_twice_replaces_the_generated_part_and_keeps_the_hand_written_rest(tmp_path):
    doc = tmp_path / "b.md"
    doc.write_text("# Benchmarks\n\nBy hand.\n")
    write_into(doc, f"{BEGIN}\nfirst\n{END}")
    write_into(doc, f"{BEGIN}\nsecond\n{END}")
    assert doc.read_text() == f"# Benchmarks\n\n{BEGIN}\nsecond\n{END}\n\nBy hand.\n"
