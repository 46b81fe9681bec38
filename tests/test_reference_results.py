"""ACBench's published AgentBoard numbers shipped with the package."""

from __future__ import annotations

import pytest

from acbench_core.reference import (
    PAPER_ENVS,
    SOURCE,
    published_average,
    published_models,
    published_rows,
)


def test_rows_are_the_spec_table():
    base = {(r.env, r.metric): r.value for r in published_rows("Qwen2.5-7B-Instruct", "none")}
    # spec table: 8.2/0.0 | 33.6/13.3 | 44.0/18.3 | 20.0/0.0 | 26.8/12.2, avg 26.5
    assert round(base[("jericho", "progress_rate")] * 100, 1) == 8.2
    assert round(base[("pddl", "success_rate")] * 100, 1) == 13.3
    assert round(base[("tool-query", "progress_rate")] * 100, 1) == 44.0
    assert round(base[("scienceworld", "success_rate")] * 100, 1) == 12.2
    assert round(published_average("Qwen2.5-7B-Instruct") * 100, 1) == 26.5
    assert round(published_average("qwen2.5-7b-instruct", "wanda-2:4") * 100, 1) == 3.9
    assert round(published_average("internlm2_5-7b-chat", "gptq-w4a16") * 100, 1) == 17.8
    assert published_rows("Qwen2.5-7B-Instruct", "none")[0].source == SOURCE
    assert {r.task for r in published_rows("Qwen2.5-7B-Instruct", "none")} == {
        "acbench_realworld_jericho",
        "acbench_realworld_pddl",
        "acbench_realworld_tool_query",
        "acbench_realworld_tool_operation",
        "acbench_realworld_scienceworld",
    }


def test_no_alfworld_and_incomplete_rows():
    assert not [r for r in published_rows() if r.env == "alfworld"]
    assert PAPER_ENVS[0] == "jericho" and len(PAPER_ENVS) == 5
    assert published_average("Megrez-3B-Instruct", "none") is None  # only the tool envs
    assert published_rows("no-such-model") == []
    assert ("Qwen2.5-7B-Instruct", "awq") in published_models()


@pytest.mark.parametrize("value", [r.value for r in published_rows()][:5])
def test_values_are_fractions(value):
    assert 0.0 <= value <= 1.0
