"""AgentBoard's environments on fixtures in AgentBoard's layout: scripted trajectories whose
progress and success are computed by hand from the spec's rules."""

from __future__ import annotations

import pytest
from agentboard_fixtures import pddl_files, write_checkout, write_data

from acbench_tasks.agentboard.base import make_environment
from acbench_tasks.agentboard.task import load_problems


@pytest.fixture
def agentboard(tmp_path, monkeypatch):
    """A fake AgentBoard checkout and data folder; metadata pointing at both."""
    monkeypatch.delenv("ACBENCH_DATA_SOURCE", raising=False)
    checkout = write_checkout(tmp_path / "AgentBoard", pddl_files())
    levels = ["easy", "hard"] * 30
    write_data(tmp_path, "pddl", [{"id": i, "difficulty": d} for i, d in enumerate(levels)])
    return {"data_dir": str(tmp_path), "upstream_dir": str(checkout), "problem_set": "agentboard"}


def _play(problem, actions):
    env = make_environment(problem)
    first = env.reset()
    try:
        return env, first, [env.step(action) for action in actions]
    finally:
        env.close()


# ---------------------------------------------------------------------------- PDDL
def test_pddl_problem_order_and_join(agentboard):
    import json

    docs = load_problems("pddl", **agentboard)
    problems = [json.loads(d["problem"]) for d in docs]
    assert len(problems) == 60
    assert [p["id"] for p in problems[:2]] == ["gripper-0", "gripper-1"]
    blocks = [p for p in problems if p["game"] == "blockworld"]
    # lexicographic: problem1, problem10, problem2, ...
    assert [p["problem_file"].rsplit("/", 1)[1] for p in blocks[:3]] == [
        "problem1.pddl",
        "problem10.pddl",
        "problem2.pddl",
    ]
    assert [p["game"] for p in problems[20:31:10]] == ["blockworld", "barman"]
    assert problems[21]["difficulty"] == "hard"  # line 22 of test.jsonl
    assert all(p["source"] == "agentboard" for p in problems)


def test_pddl_scripted_trajectory(agentboard):
    import json

    problem = json.loads(load_problems("pddl", **agentboard)[20]["problem"])  # blockworld-0
    env, first, steps = _play(
        problem,
        [
            "check valid actions",
            "dance",
            "stack b3 on b2",  # stack is not applicable now: not even parsed
            "pickup b1",  # applicable operator, wrong object: no effect
            "Action: pickup b2 please",
            "putdown b2",
            "look around",
            "unstack b3 b1",
            "putdown b3",
            "pickup b1",
            "stack b1 b2",
            "pickup b3",
            "stack b3 b1",
        ],
    )
    assert env.goal == (
        "The goal is to satisfy the following conditions: b1 is on b2., b3 is on b1."
    )
    # sorted, capitalised (str.capitalize lower-cases the rest); "clear" as the last duplicate
    # key of predicate_map phrases it
    assert first == (
        "B1 is on the table. B2 is on the table. B3 is on b1. The b2 is clear. The b3 is clear. "
        "Your arm is empty."
    )
    check, dance, stack, wrong, pick, _put, look = steps[:7]
    assert check.observation == (
        "Valid actions are: Pickup b2., Unstack b3 from b1., check valid actions"
    )
    assert check.valid and check.progress == 0.0
    assert not dance.valid and dance.observation.endswith("Please check valid actions.")
    assert not stack.valid and stack.observation == dance.observation
    assert not wrong.valid and "remember to satisfy the restriction" in wrong.observation
    # the initial 1 of 2 goal literals counts only once an action took effect
    assert [s.progress for s in steps] == [0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1]
    assert pick.valid and pick.observation == (
        "B1 is on the table. B3 is on b1. The b3 is clear. You are holding b2."
    )
    assert look.observation == first
    assert steps[-1].observation.endswith(" The goal is satisfied.")
    assert steps[-1].done and steps[-1].success and not any(s.done for s in steps[:-1])
    prompt = env.prompt_parts()
    assert prompt.instruction == "You solve blockworld problems."
    assert prompt.check_actions == "check valid actions" and not prompt.check_inventory


def test_pddl_typed_domain_shows_only_new_literals(agentboard):
    import json

    problem = json.loads(load_problems("pddl", **agentboard)[50]["problem"])  # tyreworld-0
    assert problem["game"] == "tyreworld"
    _env, first, (check, opened) = _play(problem, ["check valid actions", "open boot"])
    assert first == "Boot is closed. In w1 boot"  # no phrase for "in": "<pred> <objects>"
    assert check.observation.endswith("check valid actions, look around")
    assert opened.observation == "Boot is open. The goal is satisfied."
    assert opened.progress == 1.0 and opened.success


def test_pddl_missing_files_and_counts(agentboard, tmp_path):
    from acbench_core.data_sources import DataSourceError
    from acbench_tasks.agentboard.upstream import UpstreamError

    write_data(tmp_path, "pddl", [{"id": 0, "difficulty": "easy"}])
    with pytest.raises(DataSourceError, match="has 1 records, AgentBoard's four domains need 60"):
        load_problems("pddl", **agentboard)
    write_data(tmp_path, "pddl", [{"id": i, "difficulty": "easy"} for i in range(60)])
    pddl = tmp_path / "AgentBoard" / "agentboard/environment/pddl_env/pddlgym/pddl"
    (pddl / "barman" / "p01.pddl").unlink()
    with pytest.raises(UpstreamError, match="barman has 19 problem files, AgentBoard plays 20"):
        load_problems("pddl", **agentboard)
