"""AgentBoard's environments on fixtures in AgentBoard's layout: scripted trajectories whose
progress and success are computed by hand from the spec's rules."""

from __future__ import annotations

from typing import ClassVar

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


# ---------------------------------------------------------------------------- Jericho
@pytest.fixture(scope="module")
def tw_game():
    """A small TextWorld game that jericho plays (built once, cached)."""
    from acbench_tasks.agentboard.text_games import generate_game

    return generate_game(1, 2, 4, 2)


def _jericho_setup(tmp_path, checkout, game, subgoals_per_line):
    import shutil

    from acbench_tasks.agentboard.ab_jericho import GAME_DIR

    records = [
        {"id": i, "subgoals": s, "difficulty": "easy"} for i, s in enumerate(subgoals_per_line)
    ]
    write_data(tmp_path, "jericho", records)
    folder = tmp_path / "data" / GAME_DIR
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(game, folder / "905.z5")
    shutil.copy(game, folder / "huntdark.z5")
    return {"data_dir": str(tmp_path), "upstream_dir": str(checkout), "problem_set": "agentboard"}


def test_jericho_rules_on_a_textworld_game(agentboard, tmp_path, tw_game):
    import json

    from acbench_tasks.agentboard.ab_jericho import clean_up, consume_snippet, cut_action

    bare = {"game_file": str(tw_game), "subgoals": [], "init_obs": "x", "goal": "g", "prompt": {}}
    env = make_environment({"source": "agentboard", "env": "jericho", **bare})
    env.reset()
    look = env.step("look").observation
    env.close()
    room = look.split("=-")[0].split("-=")[1].strip()  # "-= Room =-" header of TextWorld
    # the 20 lines: 905 gets two snippets (one with punctuation the game does not print),
    # huntdark one that never shows
    lines = [[f"-={room}=-!", room, "Zzz never"]] + [["x"]] * 17 + [["Nothing"], ["y"]]
    meta = _jericho_setup(tmp_path, agentboard["upstream_dir"], tw_game, lines)
    problems = [json.loads(d["problem"]) for d in load_problems("jericho", **meta)]
    assert [p["id"] for p in problems[:2]] == ["905", "acorncourt"] and len(problems) == 20
    assert problems[0]["goal"] == "Get to work on time."
    hunt = problems[18]
    assert hunt["id"] == "huntdark" and hunt["goal"] == hunt["init_obs"] == "Not written yet."
    assert problems[2]["game_file"].endswith("afflicted.z8")
    env, first, steps = _play(
        problems[0],
        ["look, then go north. Now", "look", "check valid actions", "look", "xyzzy"],
    )
    assert first == "The phone rings." and env.goal == "Get to work on time."
    # one snippet per step, even when both are in the same observation
    assert [s.progress for s in steps] == [1 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3]
    assert steps[0].action == "look" and "\n" not in steps[0].observation
    assert steps[2].observation.startswith("You can take the following actions: ")
    assert steps[2].observation.endswith("check valid actions") and steps[2].valid
    assert all(s.valid for s in steps) and not any(s.done for s in steps)
    # helpers, by hand
    assert cut_action("open the door, then go north. Then") == "open the door"
    assert cut_action(" ".join(["w"] * 30)) == " ".join(["w"] * 20)
    assert clean_up("a\n  b   c [Your score has gone up by one point.] d") == "a b c  d"
    remaining = ["Kitchen!", "kitchen"]
    assert consume_snippet(remaining, "-= Kitchen =- kitchen") and remaining == ["kitchen"]
    assert not consume_snippet(["Bathroom"], "bath room")


def test_jericho_success_and_missing_game_file(agentboard, tmp_path, tw_game):
    import json

    from acbench_tasks.agentboard.runner import EpisodeConfig, run_episodes

    meta = _jericho_setup(tmp_path, agentboard["upstream_dir"], tw_game, [["-="]] * 20)
    problems = [json.loads(d["problem"]) for d in load_problems("jericho", **meta)]
    _, _, (step,) = _play(problems[0], ["look"])
    assert step.progress == 1.0 and step.success and step.done
    results = run_episodes(problems[:2], lambda ps, kw: ["look"] * len(ps), EpisodeConfig())
    assert results[0].success and results[0].progress_rate == 1.0
    assert results[1].error and "missing game file" in results[1].error  # acorncourt.z5


# ---------------------------------------------------------------------------- ScienceWorld
def _science_records():
    info = {"env_name": "find-living-thing", "var": 0}
    return [
        {"id": 0, "goal": "Old goal.", "subgoals": ["never"], "difficulty": "hard",
         "additional_info": info},
        {"id": 1, "goal": "Find a living thing.", "difficulty": "easy",
         "subgoals": ["This room is called", "In your inventory, you see", "Zzz never"],
         "additional_info": info},
        {"id": 2, "goal": "Look around.", "subgoals": ["This room is called"],
         "difficulty": "easy", "additional_info": {"env_name": "boil", "var": 1}},
    ]  # fmt: skip


def test_scienceworld_subgoal_progress(agentboard, tmp_path):
    import json
    import shutil

    assert shutil.which("java"), "ScienceWorld needs Java 17 (openjdk-17-jre-headless)"
    write_data(tmp_path, "scienceworld", _science_records())
    problems = [json.loads(d["problem"]) for d in load_problems("scienceworld", **agentboard)]
    # a later record with the same env_name and var replaces the earlier one, in its place
    assert [p["id"] for p in problems] == ["find-living-thing_0", "boil_1"]
    env, first, steps = _play(
        problems[0],
        ["check valid actions", "look around", "look around", "inventory", "dance wildly"],
    )
    assert env.goal == "Find a living thing."
    assert "This room is called" in first and "In your inventory" in first  # reset + inventory
    check = steps[0]
    assert check.observation.startswith("Choose an action from these valid actions: ")
    assert check.observation.endswith(", check valid actions") and "reset" not in check.observation
    assert check.valid and check.progress == 0.0  # the first observation is not matched
    assert [s.progress for s in steps] == [0, 1 / 3, 1 / 3, 2 / 3, 2 / 3]
    assert [s.valid for s in steps] == [True, True, True, True, False]
    assert not any(s.done for s in steps)
    parts = env.prompt_parts()
    assert parts.check_inventory and parts.examples == (
        "Task Description: Boil water.\nACTION: look around\nOBSERVATION: A lab.",
    )
    _, _, (look,) = _play(problems[1], ["look around"])
    assert look.progress == 1.0 and look.done and look.success


def test_missing_java_ends_only_scienceworld_with_one_line(agentboard, tmp_path, monkeypatch,
                                                           caplog):  # fmt: skip
    import json
    import logging

    from acbench_tasks.agentboard import scienceworld_env
    from acbench_tasks.agentboard.runner import EpisodeConfig, run_episodes

    write_data(tmp_path, "scienceworld", _science_records())
    science = [json.loads(d["problem"]) for d in load_problems("scienceworld", **agentboard)]
    pddl = [json.loads(d["problem"]) for d in load_problems("pddl", **agentboard)][20:21]
    monkeypatch.setattr(scienceworld_env, "_idle", [])
    monkeypatch.setattr(scienceworld_env.shutil, "which", lambda name: None)
    with caplog.at_level(logging.ERROR):
        results = run_episodes(science + pddl, lambda ps, kw: ["pickup b2"] * len(ps),
                               EpisodeConfig(max_steps=2))  # fmt: skip
    assert [bool(r.error) for r in results] == [True, True, False]
    assert "needs Java" in results[0].error and results[2].progress_rate == 0.5
    lines = [r.getMessage() for r in caplog.records if "Java" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("scienceworld: ")


# ---------------------------------------------------------------------------- AlfWorld
class FakeAlfredGame:
    """Stands in for :class:`AlfredGame` in its worker (the real one needs ALFWorld's game
    files): ``reset() -> (text, admissible)``, ``step(c) -> (text, admissible, done)``."""

    INTRO = (
        "-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room. Looking quickly "
        "around you, you see a cabinet 1, and a coffeemachine 1.\n\nYour task is to: put a clean "
        "mug in coffeemachine."
    )
    REPLIES: ClassVar[dict[str, str]] = {
        "go to cabinet 1": "You arrive at loc 5. On the cabinet 1, you see a mug 1.",
        "take mug 1 from cabinet 1": "You pick up the mug 1 from the cabinet 1.",
        "look": "You are facing the cabinet 1.",
        "put mug 1 in/on coffeemachine 1": "You put the mug 1 in/on the coffeemachine 1.",
    }

    def __init__(self):
        self.commands = []

    def reset(self):
        return self.INTRO, [*self.REPLIES, "inventory"]

    def step(self, command):
        self.commands.append(command)
        won = command == "put mug 1 in/on coffeemachine 1"
        return self.REPLIES.get(command, "Nothing happens."), [*self.REPLIES, "inventory"], won

    def close(self):
        pass


def test_alfworld_rules(agentboard, tmp_path, monkeypatch):
    import json

    from acbench_tasks.agentboard import ab_alfworld

    records = [
        {"id": i, "goal": "unused", "difficulty": "easy", "subgoals": subgoals,
         "additional_info": {"description": description}}
        for i, (description, subgoals) in enumerate([
            ("pick_two_obj_and_place-Mug-None-Shelf-1/trial_T2", ["x"]),
            ("pick_and_place_simple-Mug-None-CoffeeMachine-5/trial_T1",
             ["^(?=.* you see)(?=.*a mug \\d+)", "You pick up the mug \\d+"]),
        ])
    ]  # fmt: skip
    write_data(tmp_path, "alfworld", records)
    game = tmp_path / "data" / ab_alfworld.SPLIT / records[1]["additional_info"]["description"]
    game.mkdir(parents=True)
    (game / "game.tw-pddl").write_text("{}")
    problems = [json.loads(d["problem"]) for d in load_problems("alfworld", **agentboard)]
    assert [p["id"].split("-")[0] for p in problems] == [
        "pick_and_place_simple",
        "pick_two_obj_and_place",
    ]
    assert problems[0]["examples"] == "Your task is to: put a mug in shelf.\n> go to shelf 1\n"
    game_env = FakeAlfredGame()
    monkeypatch.setattr(ab_alfworld, "start_game", lambda path: game_env)
    env, first, steps = _play(
        problems[0],
        [
            "go to cabinet 1",
            "look",
            "check valid actions",
            "take mug 1 from cabinet 1.",
            "dance",
            "put mug 1 in coffeemachine 1",
        ],
    )
    assert first.startswith("You are in the middle of a room.")
    assert env.goal == "put a clean mug in coffeemachine."
    assert steps[0].observation == "On the cabinet 1, you see a mug 1."  # prefix cut
    assert steps[1].observation == steps[0].observation  # look replays the last go to
    assert steps[2].observation.startswith("Choose an action from these valid actions: go to")
    # "look" is admissible already; "check valid actions" is appended in place, as upstream
    assert steps[2].observation.endswith("coffeemachine 1, inventory, check valid actions")
    # n + 1 = 3 flags; the game's win gives 1.0
    assert [s.progress for s in steps] == [1 / 3, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1.0]
    assert [s.valid for s in steps] == [True, True, True, True, False, True]
    assert steps[-1].action == "put mug 1 in/on coffeemachine 1" and steps[-1].success
    assert "check valid actions" not in game_env.commands  # answered without a game step
    parts = env.prompt_parts()
    assert parts.examples == (problems[0]["examples"],) and parts.check_inventory
    from acbench_tasks.agentboard.base import MissingPiece

    with pytest.raises(MissingPiece, match="missing game file"):
        make_environment(problems[1])


def test_alfworld_package_imports_offline():
    from alfworld.agents.environment.alfred_tw_env import AlfredDemangler, AlfredInfos

    assert AlfredDemangler and AlfredInfos
