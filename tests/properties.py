"""Hypothesis set-up shared by the property tests, and the hostile text they feed rules.

Two profiles: "ci" (the default) is short and derandomized, so the suite is quick and a
run is the same run every time (never flaky); VIDEOSTORE_SOAK=1 loads "soak", many more
random examples (VIDEOSTORE_SOAK_EXAMPLES, default 5000) — for `make soak`-style runs.
No example database is written: a failure is shrunk and printed, not kept in the tree.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True,
                          database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("soak", max_examples=int(os.environ.get("VIDEOSTORE_SOAK_EXAMPLES",
                                                                   "5000")),
                          deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("soak" if os.environ.get("VIDEOSTORE_SOAK") else "ci")

# What a form, a CSV file or a client can send that a rule must still answer calmly.
EDGE_CASES = [
    "", " ", "\t", "\n", "\r\n", "\x00", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029",
    "\u200b", "\u200e", "\ufeff", "\ufffd", "\U0001f600", "e\u0301", "\u0130", "ß", "ﬃ",
    "²", "³", "½", "٣", "１２３", "𝟗", "Ⅻ", "\u0660\u0661", "-0", "+1", "1e999", "NaN", "Inf",
    "0x10", "1_000", "  42  ", "9" * 5000, "Robert'); DROP TABLE customers;--", "x' OR '1'='1",
    "%_%", "\\", "O\"Neil", "a" * 300, "🎬" * 100,
]

# Any text Python can hand to a rule: every code point but lone surrogates (which no UTF-8
# form, terminal or socket can deliver), short and long, with the edge cases mixed in.
any_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=80),
    st.text(st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Nd", "No", "Nl")),
            max_size=20),
    st.sampled_from(EDGE_CASES),
    st.builds(lambda part, n: part * n,
              st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=4),
              st.integers(1, 2000)),
)
# Text that looks like a number, often in another script's digits or with a stray sign.
numberish = st.one_of(st.from_regex(r"\A[+-]?\d{1,25}([.,]\d{0,6})?\Z"),
                      st.integers(-10 ** 30, 10 ** 30).map(str),
                      st.decimals(allow_nan=True, allow_infinity=True).map(str), any_text)
