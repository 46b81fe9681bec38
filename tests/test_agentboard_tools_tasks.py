"""Tool selection, keys and opt-ins, and AgentBoard tool problems played as episodes."""

from __future__ import annotations

import logging

import httpx
import pytest
from agentboard_tools_data import PAPER_ATTRS, movie_cassette, write_academia

from acbench_tasks.agentboard.runner import EpisodeConfig, run_episodes
from acbench_tasks.agentboard.tools import config
from acbench_tasks.agentboard.tools.environment import AgentBoardToolEnvironment
from acbench_tasks.agentboard.tools.problems import tool_problems

KEY_VARS = (*config.MOVIE_KEYS, *config.TODO_KEYS, config.TODO_OPT_IN_ENV,
            config.SHEET_CREDENTIALS_ENV, config.SHEET_EMAIL_ENV)  # fmt: skip
NAMES = {"academia": ["loadPaperNet", "paperNodeCheck", "check_valid_actions", "finish"]}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)

    def refuse(self, request):
        raise AssertionError(f"network used: {request.url}")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)


def record(tool: str, ident: int, **info) -> dict:
    return {
        "task": "tool-query",
        "id": ident,
        "goal": f"question {ident} for {tool}",
        "subgoals": ["PaperNet is loaded.", PAPER_ATTRS, 2021],
        "difficulty": "easy",
        "additional_info": {"answer": 2021, "init_config": None, "goal_type": 0, "tool": tool,
                            **info},
    }  # fmt: skip


QUERY = [record("academia", 0), record("academia", 1), record("weather", 2), record("movie", 3)]
OPERATION = [record("todo", 0), record("sheet", 1), record("todo", 2)]


def plan(env_key, records, metadata, root):
    return tool_problems(env_key, records, metadata, data_root=root, action_names=NAMES)


def test_tools_can_be_selected_alone_and_run_with_no_key(tmp_path, caplog):
    root = write_academia(tmp_path)
    with caplog.at_level(logging.WARNING):
        problems = plan("tool-query", QUERY, {"tools": ["academia"]}, root)
    assert [(p["tool"], p["id"]) for p in problems] == [("academia", "0"), ("academia", "1")]
    assert problems[0]["runtime"]["data_root"] == str(root)
    assert problems[0]["answer"] == 2021 and problems[0]["env"] == "tool_query"
    assert "running 2 of 4 problems (academia 2)" in caplog.text
    with pytest.raises(config.ToolConfigError, match="unknown tool"):
        plan("tool-query", QUERY, {"tools": ["todo"]}, root)
    assert config.selected_tools("tool-query", {"tools": "movie, academia"}) == (
        "academia",
        "movie",
    )


def test_a_missing_key_skips_that_tool_with_one_line(tmp_path, caplog):
    root = write_academia(tmp_path)
    with caplog.at_level(logging.WARNING):
        problems = plan("tool-query", QUERY, {}, root)
    assert [p["tool"] for p in problems] == ["academia", "academia", "weather"]
    skipped = [r.message for r in caplog.records if "skipping" in r.message]
    assert skipped == [
        "tool-query: skipping the 1 movie problems: movie needs a TMDB API read access token "
        "in TMDB_TOKEN (or MOVIE_KEY)"
    ]
    assert "running 3 of 4 problems (academia 2, weather 1)" in caplog.text
    # without the data, academia is skipped too (and nothing is unpickled)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert [p["tool"] for p in plan("tool-query", QUERY, {}, tmp_path / "none")] == ["weather"]
    assert "academia needs paper_net.pkl" in caplog.text


def test_keys_are_read_but_never_written(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("MOVIE_KEY", "tmdb-SECRET-xyz")
    with caplog.at_level(logging.DEBUG):
        problems = plan("tool-query", QUERY, {"tools": ["movie"]}, None)
    assert [p["tool"] for p in problems] == ["movie"]
    assert "tmdb-SECRET-xyz" not in str(problems) and "tmdb-SECRET-xyz" not in caplog.text


def test_todo_needs_key_and_explicit_opt_in(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("TODO_KEY", "todo-SECRET")
    credential = tmp_path / "credential.json"
    credential.write_text("{}")
    with caplog.at_level(logging.WARNING):
        problems = plan("tool-operation", OPERATION, {"sheet_credentials": str(credential)}, None)
    assert [p["tool"] for p in problems] == ["sheet"]
    assert "todo resets the whole Todoist account before each problem; opt in" in caplog.text
    assert problems[0]["runtime"]["step_delay_s"] == config.SHEET_STEP_DELAY_S
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        problems = plan("tool-operation", OPERATION, {"todo_reset_account": True}, None)
    assert [p["tool"] for p in problems] == ["todo", "todo"]
    assert "RESETS the Todoist account of the token before each of its 2 todo problems" in (
        caplog.text
    )
    assert "skipping the 1 sheet problems: sheet needs a Google service account key" in caplog.text
    assert "todo-SECRET" not in caplog.text


def test_replay_needs_no_key_and_no_opt_in(tmp_path, caplog):
    metadata = {"http_replay_dir": str(tmp_path)}
    problems = plan("tool-operation", OPERATION, metadata, None)
    assert [p["tool"] for p in problems] == ["todo", "sheet", "todo"]
    assert problems[1]["runtime"]["step_delay_s"] == 0.0
    assert problems[1]["runtime"]["http_mode"] == "replay"
    with pytest.raises(config.ToolConfigError, match="not both"):
        plan("tool-operation", OPERATION, {**metadata, "http_record_dir": "x"}, None)


def scripted(actions):
    """A generate function that plays one fixed action list per prompt position."""
    steps = iter(actions)

    def generate(prompts, gen_kwargs):
        return [next(steps) for _ in prompts]

    return generate


def test_academia_problem_played_by_the_runner(tmp_path):
    root = write_academia(tmp_path)
    (problem,) = plan("tool-query", QUERY[:1], {}, root)
    problem["subgoals"] = ["PaperNet is loaded.", PAPER_ATTRS, 12]
    actions = [
        "loadPaperNet with Action Input: {}",
        "paperNodeCheck with Action Input: {'node': 'Deep Nets'}",
        "finish with Action Input: {'answer': 12}",
    ]
    (result,) = run_episodes(
        [problem], scripted(actions), EpisodeConfig(), make_env=AgentBoardToolEnvironment
    )
    assert [round(s.progress, 4) for s in result.steps] == [0.3333, 0.6667, 1.0]
    assert result.success and result.progress_rate == 1.0 and result.error is None


def test_movie_problem_replayed_from_a_recording_folder(tmp_path):
    gold = [[{"id": 27205, "title": "Inception"}], "Christopher Nolan"]
    folder = tmp_path / "recordings"
    movie_cassette(folder / "tool-query" / "movie" / "3.json")
    (problem,) = plan(
        "tool-query", QUERY, {"tools": ["movie"], "http_replay_dir": str(folder)}, None
    )
    problem["subgoals"] = gold
    env = AgentBoardToolEnvironment(problem)
    env.reset()
    first = env.step("get_search_movie   with Action Input: {'movie_name': 'Inception'}")
    assert first.progress == 0.5 and first.success is False
    assert first.action == "get_search_movie with Action Input: {'movie_name': 'Inception'}"
    bad = env.step("get_search_movie {'movie_name': 'Inception'}")
    assert not bad.valid and bad.action == ""  # AgentBoard's history gets an empty action
    last = env.step("finish with Action Input: {'answer': 'Christopher Nolan'}")
    assert last.done and last.progress == 1.0 and last.success
    env.close()
    # a problem whose recording is missing ends alone, with an error, when the runner plays it
    other = {**problem, "id": "404"}
    (result,) = run_episodes([other], scripted([]), EpisodeConfig(),
                             make_env=AgentBoardToolEnvironment)  # fmt: skip
    assert result.error is not None and "no recorded HTTP responses" in result.error


def write_upstream(folder):
    """AgentBoard's repository files the tools read, in its layout (made-up texts)."""
    import json

    prompts = folder / "agentboard" / "prompts"
    (prompts / "Raw").mkdir(parents=True)
    (prompts / "VanillaAgent").mkdir()
    for tool in ("academia", "weather", "movie", "todo", "sheet"):
        names = NAMES.get(tool, ["finish"])
        raw = {"system_message": "...", "tool_set_message": [{"name": n} for n in names]}
        (prompts / "Raw" / f"{tool}_raw.json").write_text(json.dumps(raw))
        prompt = {
            "instruction": f"We detail the {tool} actions ...",
            "examples": ["Goal: ...\nAction: loadPaperNet with Action Input: {}"],
            "system_msg": "You are a helpful assistant.",
        }
        (prompts / "VanillaAgent" / f"{tool}_prompt.json").write_text(json.dumps(prompt))
    todo = folder / "agentboard" / "utils" / "todo"
    todo.mkdir(parents=True)
    (todo / "projects.json").write_text(json.dumps([{"name": "P", "tasks": []}]))
    return folder


def test_agentboard_problem_set_end_to_end_from_a_data_dir(tmp_path):
    import json

    from acbench_tasks.agentboard.base import make_environment
    from acbench_tasks.agentboard.task import load_problems
    from acbench_tasks.agentboard.tool_query import ToolQueryEnvironment
    from acbench_tasks.agentboard.tools.environment import (
        AgentBoardToolOperation,
        AgentBoardToolQuery,
    )

    upstream = write_upstream(tmp_path / "AgentBoard")
    root = write_academia(tmp_path / "ab")
    lines = [record("academia", 0), record("movie", 1), record("weather", 2)]
    lines[0]["subgoals"] = ["PaperNet is loaded.", PAPER_ATTRS, 12]
    (root / "data" / "tool-query" / "test.jsonl").write_text(
        "\n".join(json.dumps(r) for r in lines) + "\n"
    )
    metadata = {"data_dir": str(root), "tools": ["academia"], "upstream_dir": str(upstream)}
    (problem,) = AgentBoardToolQuery.problems("agentboard", metadata)
    assert problem["runtime"]["action_names"] == NAMES["academia"]
    env = make_environment(problem)  # source agentboard: AgentBoard's tool environment
    assert isinstance(env, AgentBoardToolQuery)
    parts = env.prompt_parts()
    assert parts.instruction.startswith("We detail the academia actions")
    assert parts.check_actions == "check_valid_actions" and "loadPaperNet" in parts.examples[0]
    docs = load_problems("tool_query", problem_set="agentboard", **metadata)
    assert [d["id"] for d in docs] == ["0"] and json.loads(docs[0]["problem"])["tool"] == "academia"
    actions = [
        "loadPaperNet with Action Input: {}",
        "check_valid_actions with Action Input: {}",
        "paperNodeCheck with Action Input: {'node': 'Deep Nets'}",
        "finish with Action Input: {'answer': 12}",
    ]
    (result,) = run_episodes([json.loads(docs[0]["problem"])], scripted(actions), EpisodeConfig())
    assert result.success and result.progress_rate == 1.0
    assert "You can use following valid actions: ['loadPaperNet'" in result.steps[1].observation
    # our own simulated worlds are still there (sample; "default" inside = problem_set generated)
    assert len(ToolQueryEnvironment.problems("sample", {})) == 3
    assert len(load_problems("tool_query", problem_set="generated")) == 60
    # Tool-Operation replayed: todo gets AgentBoard's projects.json, no key or opt-in needed
    operation = [record("todo", 0), record("sheet", 1)]
    (root / "data" / "tool-operation").mkdir()
    (root / "data" / "tool-operation" / "test.jsonl").write_text(
        "\n".join(json.dumps(r) for r in operation)
    )
    replay = {**metadata, "tools": ["todo"], "http_replay_dir": str(tmp_path / "rec")}
    (todo,) = AgentBoardToolOperation.problems("agentboard", replay)
    assert todo["runtime"]["todo_projects"] == [{"name": "P", "tasks": []}]


def test_sheet_formula_behaviour_follows_the_protocol(tmp_path):
    metadata = {"http_replay_dir": str(tmp_path)}
    for extra, expected in (({}, 6), ({"protocol": "clean"}, 5), ({"sheet_gspread": 5}, 5),
                            ({"protocol": "clean", "sheet_gspread": 6}, 6)):  # fmt: skip
        (sheet,) = plan("tool-operation", OPERATION[1:2], {**metadata, **extra}, None)
        assert sheet["runtime"]["sheet_gspread"] == expected


def test_full_progress_without_finish_is_not_a_success(tmp_path):
    root = write_academia(tmp_path)
    (problem,) = plan("tool-query", QUERY[:1], {}, root)
    problem["subgoals"] = ["PaperNet is loaded."]
    actions = ["loadPaperNet with Action Input: {}"] * 3
    config = EpisodeConfig(max_steps=3)
    (result,) = run_episodes(
        [problem], scripted(actions), config, make_env=AgentBoardToolEnvironment
    )
    assert result.progress_rate == 1.0 and not result.success  # never said finish
    assert len(result.steps) == 3 and result.ended == "step limit"
