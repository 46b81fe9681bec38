"""The agent environments: known solutions succeed, bad actions lose progress, nothing raises."""

from __future__ import annotations

import shutil

import pytest

from acbench_tasks.agentboard.base import make_environment
from acbench_tasks.agentboard.household import HouseholdEnvironment
from acbench_tasks.agentboard.pddl_env import PddlEnvironment, StripsSimulator
from acbench_tasks.agentboard.pddl_problems import default_set, from_folder
from acbench_tasks.agentboard.tool_operation import ToolOperationEnvironment
from acbench_tasks.agentboard.tool_query import ToolQueryEnvironment
from acbench_tasks.agentboard.tools import answer_matches, parse_call

OFFLINE_ENVS = {
    "pddl": PddlEnvironment,
    "tool_query": ToolQueryEnvironment,
    "tool_operation": ToolOperationEnvironment,
    "alfworld": HouseholdEnvironment,
}
GARBAGE = [
    "",
    " ",
    "\x00",
    "Action:",
    "{}",
    "(((",
    "é" * 500,
    "go to",
    "put in",
    "take from",
    'finish with Action Input: {"answer": ',
    "stack b1",
    "look look look",
    "None",
]


def _all(problem_set: str) -> list[tuple[str, dict]]:
    return [
        (name, {**p, "env": name})
        for name, cls in OFFLINE_ENVS.items()
        for p in cls.problems(problem_set, {})
    ]


@pytest.mark.parametrize("name", list(OFFLINE_ENVS))
def test_default_sets_have_the_papers_sizes(name):
    sizes = {"pddl": 60, "tool_query": 60, "tool_operation": 40, "alfworld": 134}
    problems = OFFLINE_ENVS[name].problems("default", {})
    assert len(problems) == sizes[name]
    assert len({p["id"] for p in problems}) == len(problems)
    assert problems == OFFLINE_ENVS[name].problems("default", {})  # deterministic


def test_every_default_problem_replays_to_success_from_zero():
    for name, problem in _all("default") + _all("sample"):
        env = make_environment(problem)
        env.reset()
        results = [env.step(action) for action in problem["solution"]]
        assert all(r.valid for r in results), (name, problem["id"])
        assert results[-1].progress == 1.0 and results[-1].done, (name, problem["id"])


@pytest.mark.parametrize(("name", "problem"), _all("sample"), ids=lambda v: str(v)[:30])
def test_bad_and_garbled_actions_are_rejected_not_raised(name, problem):
    env = make_environment(problem)
    first = env.reset()
    assert isinstance(first, str) and first
    for action in GARBAGE:
        result = env.step(action)
        assert isinstance(result.observation, str) and result.observation
        assert result.progress == 0.0
        if action.strip() not in ("look", "None") and name != "tool_query":
            assert not result.valid or action == "look look look", action
    # a truncated solution reaches less than the full one
    env = make_environment(problem)
    env.reset()
    half = [env.step(a) for a in problem["solution"][: (len(problem["solution"]) - 1) // 2]]
    assert max((r.progress for r in half), default=0.0) < 1.0


def test_invalid_actions_leave_the_state_unchanged():
    env = make_environment({**HouseholdEnvironment.problems("sample", {})[0], "env": "alfworld"})
    env.reset()
    assert env.step("take mug 1 from cabinet 1").observation == "Nothing happens."
    assert env.holding is None and env.location is None
    assert env.step("go to cabinet 1").valid
    assert env.step("inventory").observation == "You are carrying: nothing."


def test_pddl_blocksworld_by_hand():
    problem = {
        "domain": "blocksworld",
        "problem_pddl": "(define (problem p) (:domain blocksworld) (:objects a b c - block)"
        " (:init (handempty) (ontable a) (ontable b) (on c a) (clear c) (clear b))"
        " (:goal (and (on a b) (on b c))))",
    }
    env = PddlEnvironment(problem)
    assert "c is on a" in env.reset()
    assert env.step("pickup a").observation.endswith("(its preconditions do not hold: a is clear)")
    assert "there is no object 'd'" in env.step("pickup d").observation
    assert "takes 2 objects" in env.step("stack a").observation
    assert env.step("(unstack c a)").valid
    assert env.step("Put-Down c").valid is False  # no such operator (it is 'putdown')
    assert env.step("putdown c").progress == 0.0
    assert env.step("pickup b").valid
    assert env.step("stack(b, c)").progress == 0.5  # one of two goal literals
    assert env.step("pickup a").valid
    final = env.step("stack a b")
    assert final.progress == 1.0 and final.done


def test_pddl_typing_negative_preconditions_and_equality():
    domain = """(define (domain t) (:requirements :strips :typing :negative-preconditions
        :equality) (:types animal - object cat - animal rock)
      (:predicates (fed ?a - animal) (asleep ?a - animal))
      (:action feed :parameters (?a - animal ?b - animal)
        :precondition (and (not (fed ?a)) (not (= ?a ?b))) :effect (fed ?a))
      (:action nap :parameters (?a - cat) :precondition (fed ?a) :effect (asleep ?a)))"""
    problem = """(define (problem p) (:domain t) (:objects tom - cat rex - animal r - rock)
      (:init) (:goal (and (asleep tom) (fed rex))))"""
    sim = StripsSimulator(domain, problem)
    assert sim.is_a("tom", "animal") and not sim.is_a("r", "animal")
    assert "must not be the same" in sim.check("feed", ("tom", "tom"))
    assert "r is not a animal" in sim.check("feed", ("r", "tom"))
    assert sim.apply("nap", ("rex",)) == "rex is not a cat (parameter a of nap)"
    assert sim.apply("feed", ("tom", "rex")) is None
    assert "not (fed(tom))" in sim.check("feed", ("tom", "rex"))
    assert sim.goal_progress() == 0.0
    assert sim.apply("nap", ("tom",)) is None and sim.goal_progress() == 0.5
    assert "feed rex tom" in sim.applicable()


def test_pddl_problems_from_a_folder(tmp_path):
    problem = default_set()[0]
    (tmp_path / "barman").mkdir()
    from acbench_tasks.agentboard.pddl_env import read_domain

    (tmp_path / "barman.pddl").write_text(read_domain("barman"))
    (tmp_path / "barman" / "p01.pddl").write_text(problem["problem_pddl"])
    found = PddlEnvironment.problems("sample", {"pddl_dir": str(tmp_path)})
    assert [p["id"] for p in found] == ["barman/p01"]
    env = PddlEnvironment(found[0])
    env.reset()
    assert [env.step(a).valid for a in problem["solution"]] == [True] * len(problem["solution"])
    with pytest.raises(FileNotFoundError, match="no problems"):
        from_folder(tmp_path / "barman")


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (
            'get_weather with Action Input: {"city": "Ardun", "date": "2024-03-01"}',
            ("get_weather", {"city": "Ardun", "date": "2024-03-01"}),
        ),
        (
            "search_movie({'title': 'The Lost Garden'})",
            ("search_movie", {"title": "The Lost Garden"}),
        ),
        ("list_todos", ("list_todos", {})),
        ('finish with Action Input: {"answer": 3}', ("finish", {"answer": 3})),
        (
            "get_weather with Action Input: [1, 2]",
            "the Action Input of get_weather must be a JSON object",
        ),
        ('add_todo {"title": ', "the Action Input of add_todo must be a JSON object"),
        ("", "expected '<tool> with Action Input: {...}'"),
        ("__import__('os') {}", ("__import__", {})),  # parsed as a name only; no such tool
    ],
)
def test_parse_call(action, expected):
    assert parse_call(action) == expected


@pytest.mark.parametrize(
    ("answer", "gold", "ok"),
    [
        ("3", 3, True),
        ("3.0", "3", True),
        ("It is Ketu.", "Ketu", True),
        ("ketu", "Ketu", True),
        ("Ketura", "Ketu", False),
        ("-5", -5, True),
        ("5", -5, False),
        ("", "x", False),
        ("anything", "", False),
    ],
)
def test_answer_matches(answer, gold, ok):
    assert answer_matches(answer, gold) is ok


def test_tool_query_wrong_answer_keeps_call_progress():
    problem = {**ToolQueryEnvironment.problems("default", {})[2], "env": "tool_query"}
    env = make_environment(problem)
    env.reset()
    assert len(problem["calls"]) == 2
    assert env.step(problem["solution"][0]).progress == pytest.approx(1 / 3)
    assert env.step(problem["solution"][0]).progress == pytest.approx(1 / 3)  # repeats count once
    last = env.step('finish with Action Input: {"answer": "nobody"}')
    assert last.done and last.progress == pytest.approx(1 / 3)


def test_tool_operation_progress_counts_state_checks():
    problem = next(
        p for p in ToolOperationEnvironment.problems("default", {}) if len(p["checks"]) == 2
    )
    env = make_environment({**problem, "env": "tool_operation"})
    env.reset()
    progress = [env.step(a).progress for a in problem["solution"]]
    assert progress[-1] == 1.0 and 0.5 in progress


def test_scienceworld_gold_path_succeeds_and_bad_actions_are_invalid():
    # Java 17 is part of the machine set-up (ScienceWorld runs on the JVM): fail, never skip.
    assert shutil.which("java"), "ScienceWorld needs Java 17 (openjdk-17-jre-headless)"
    from acbench_tasks.agentboard.scienceworld_env import ScienceWorldEnvironment

    problem = ScienceWorldEnvironment.problems("sample", {})[0]
    env = make_environment({**problem, "env": "scienceworld"})
    try:
        assert "room" in env.reset()
        assert env.goal.startswith("Your task is to")
        for action in [*GARBAGE, "dance wildly"]:
            bad = env.step(action)
            assert not bad.valid and bad.progress == 0.0 and bad.observation
        results = [env.step(a) for a in env.gold_actions()]
        assert results[-1].progress == 1.0
    finally:
        env.close()


# ------------------------------------------------------------------ text games (TextWorld)
@pytest.fixture(scope="module")
def text_games() -> list[dict]:
    from acbench_tasks.agentboard.text_games import TextGameEnvironment

    return [{**p, "env": "jericho"} for p in TextGameEnvironment.problems("sample", {})]


def test_text_games_are_generated_deterministically_and_replay_to_success(text_games):
    assert [p["id"] for p in text_games] == ["tw-s1-r2-o4-q2", "tw-s2-r3-o5-q3"]
    for problem in text_games:
        env = make_environment(problem)
        try:
            assert problem["goal"] and env.reset()
            results = [env.step(action) for action in problem["solution"]]
        finally:
            env.close()
        assert all(r.valid for r in results)
        assert [r.progress for r in results][-1] == 1.0 and results[-1].done
        assert all(r.progress < 1.0 for r in results[:-1])


def test_text_game_bad_commands_are_invalid_and_wandering_does_not_win(text_games):
    env = make_environment(text_games[1])
    try:
        env.reset()
        for action in GARBAGE:
            result = env.step(action)
            assert isinstance(result.observation, str) and result.progress < 1.0
        assert not env.step("dance").valid
        assert not env.step("take the moon").valid
        assert env.step("look").valid
    finally:
        env.close()


def test_user_game_folder_uses_textworld_or_jericho(text_games, tmp_path):
    from acbench_tasks.agentboard.text_games import TextGameEnvironment, _game_dir

    source = _game_dir() / text_games[0]["game"]
    shutil.copy(source, tmp_path / "with_json.z8")
    shutil.copy(source.with_suffix(".json"), tmp_path / "with_json.json")
    shutil.copy(source, tmp_path / "bare.z8")
    found = TextGameEnvironment.problems("default", {"game_dir": str(tmp_path)})
    backends = [(p["id"], p["backend"]) for p in found]
    assert backends == [("bare", "jericho"), ("with_json", "textworld")]
    bare = TextGameEnvironment(found[0])
    try:
        assert bare.reset()
        assert not bare.step("dance").valid
        assert bare.step(text_games[0]["solution"][0]).valid
    finally:
        bare.close()
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        TextGameEnvironment.problems("sample", {"game_dir": str(tmp_path / "nowhere")})
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no \.z5/\.z8/\.ulx games"):
        TextGameEnvironment.problems("sample", {"game_dir": str(tmp_path / "empty")})


def test_clean_strips_banner_prompt_and_status_line():
    from acbench_tasks.agentboard.text_games import clean

    raw = "\n   ____ \n  |$$$$|\n\nYou see a box.\n\n>        -= Room =-0/1"
    assert clean(raw) == "You see a box."
