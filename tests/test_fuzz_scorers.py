"""Fuzzing every scorer and parser (WorfBench, T-Eval, BFCL, the long-context tasks), the agent's
action parsers and every agent environment's step: no exception, no ``env_error``, bounded time.

The targets are registered in ``tests/fuzz_targets.py`` (one line each); this test runs each on
the issue's reproducers, on long adversarial inputs (linear time) and on hypothesis-generated
text (~100 inputs per target). ``python -m benchmarks fuzz`` runs the full 10,000-input sweep.
"""

from __future__ import annotations

import time

import pytest
from fuzz_targets import FRAGMENTS, LONG_CASES, REPRODUCERS, run_one, targets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TARGETS = targets()
#: Per call, generous for a shared 2-core machine: a scorer takes milliseconds on these inputs.
PER_CALL_LIMIT_S = 1.0
#: Per call on the 100,000-200,000-character adversarial inputs (linear time).
LONG_CALL_LIMIT_S = 3.0

texts = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(st.characters(codec=None, exclude_categories=()), max_size=20),
    ),
    max_size=30,
).map("".join)


def _timed(name: str, text: str) -> float:
    start = time.perf_counter()
    error = run_one(TARGETS[name], text)
    elapsed = time.perf_counter() - start
    assert error is None, f"{name} raised {type(error).__name__}: {error} on {text[:80]!r}"
    return elapsed


def test_targets_cover_every_benchmark_and_environment():
    prefixes = {name.split(".")[0] for name in TARGETS}
    assert prefixes == {
        "worfbench", "teval", "bfcl", "longgenbench", "longbench", "niah",
        "agent", "jericho", "alfworld", "tools", "env", "agentboard",
    }  # fmt: skip
    envs = {name for name in TARGETS if name.startswith(("env.", "agentboard."))}
    assert {n.split("[")[0] for n in envs} == {
        "env.pddl", "env.alfworld", "env.tool_query", "env.tool_operation", "env.jericho",
        "agentboard.jericho", "agentboard.pddl", "agentboard.tool",
    }  # fmt: skip
    assert len(TARGETS) >= 70


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_reproducers_and_long_inputs(name):
    for text in REPRODUCERS:
        assert _timed(name, text) < PER_CALL_LIMIT_S, (name, text[:40])
    for text in LONG_CASES:
        assert _timed(name, text) < LONG_CALL_LIMIT_S, (name, text[:40])


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(
    max_examples=100,
    deadline=None,  # timed below: hypothesis' deadline re-runs slow examples
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=texts)
def test_any_text_scores_without_exception_in_bounded_time(name, text):
    assert _timed(name, text) < PER_CALL_LIMIT_S
