"""Episode runner, act-only prompt, and the acbench-agent wrapper model (no real model)."""

from __future__ import annotations

import json
import re

import pytest

from acbench_tasks.agentboard.base import Environment, StepResult
from acbench_tasks.agentboard.household import HouseholdEnvironment
from acbench_tasks.agentboard.pddl_env import PddlEnvironment
from acbench_tasks.agentboard.runner import Episode, EpisodeConfig, parse_result, run_episodes
from acbench_tasks.agentboard.tool_operation import ToolOperationEnvironment
from acbench_tasks.agentboard.tool_query import ToolQueryEnvironment
from acbench_tasks.agentboard.vanilla_agent import Renderer


def _problems() -> list[dict]:
    problems = []
    for env_cls, name in (
        (PddlEnvironment, "pddl"),
        (ToolQueryEnvironment, "tool_query"),
        (ToolOperationEnvironment, "tool_operation"),
        (HouseholdEnvironment, "alfworld"),
    ):
        problems += [{**p, "env": name} for p in env_cls.problems("sample", {})]
    return problems


class ScriptedModel:
    """Answers each prompt from the solution of the problem whose goal it contains.

    The k-th answer (k = actions already in the prompt's history) is the k-th solution step,
    except that every third step of odd problems is garbled, so trajectories differ. A pure
    function of the prompt, as greedy decoding is.
    """

    def __init__(self, problems: list[dict]) -> None:
        self.by_goal = {}
        for problem in problems:
            from acbench_tasks.agentboard.base import make_environment

            self.by_goal[make_environment(problem).goal] = problem
        self.calls: list[int] = []

    def answer(self, prompt: str) -> str:
        turn = prompt.split("accomplish the goal: ", 1)[1]
        goal = re.match(r"(.*)", turn).group(1)
        problem = self.by_goal[goal]
        step = turn.count("\nAction: ") - 1  # the prompt ends with an open "Action: "
        if sum(map(ord, problem["id"])) % 2:
            if step % 3 == 2:
                return " do a little dance\n"
            step -= step // 3  # the plan resumes after each garbled step
        plan = problem["solution"]
        return " " + (plan[step] if step < len(plan) else "look")

    def __call__(self, prompts: list[str], gen_kwargs: dict) -> list[str]:
        assert gen_kwargs["max_gen_toks"] == 100 and gen_kwargs["until"] == []  # no stop
        self.calls.append(len(prompts))
        return [self.answer(p) for p in prompts]


def test_lockstep_gives_the_same_trajectories_as_one_at_a_time():
    problems = _problems()
    config = EpisodeConfig(max_steps=30)
    lockstep_model, single_model = ScriptedModel(problems), ScriptedModel(problems)
    lockstep = run_episodes(problems, lockstep_model, config, max_concurrent=8)
    single = run_episodes(problems, single_model, config, max_concurrent=1)
    assert [r.transcript() for r in lockstep] == [r.transcript() for r in single]
    assert max(single_model.calls) == 1
    assert max(lockstep_model.calls) == 8
    assert len(lockstep_model.calls) < len(single_model.calls) / 3
    # the scripted agent solves every problem; garbled steps only cost grounding
    assert all(r.success and r.progress_rate == 1.0 for r in lockstep)
    assert any(r.grounding_accuracy < 1.0 for r in lockstep)
    assert {r.problem_id for r in lockstep} == {p["id"] for p in problems}


class Crashing(Environment):
    name = "pddl"  # borrow a registered name for the scheduler's per-env cap

    def __init__(self, problem):
        super().__init__(problem)
        self.calls = 0

    @classmethod
    def problems(cls, problem_set, metadata):
        return []

    def instruction(self):
        return "Do things."

    def examples(self):
        return ""

    def reset(self):
        if self.problem.get("crash_on_reset"):
            raise RuntimeError("game file missing")
        return "Start."

    def step(self, action):
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("JVM died")
        return StepResult("ok", True, 0.5)


def test_environment_crash_ends_only_that_episode():
    problems = [
        {"id": "a", "goal": "g"},
        {"id": "b", "goal": "g", "crash_on_reset": True},
        {"id": "c", "goal": "g"},
    ]
    results = run_episodes(
        problems, lambda ps, kw: ["x"] * len(ps), EpisodeConfig(max_steps=5), make_env=Crashing
    )
    assert [r.problem_id for r in results] == ["a", "b", "c"]
    a, b, c = results
    assert a.error and "JVM died" in a.error and a.progress_rate == 0.5 and len(a.steps) == 2
    assert b.error and "game file missing" in b.error and b.steps == []
    assert a.metrics()["env_error"] == 1.0 and b.metrics()["progress_rate"] == 0.0
    assert "environment error" in c.transcript()


def test_step_limit_and_result_line():
    problems = [{**p, "env": "alfworld"} for p in HouseholdEnvironment.problems("sample", {})]
    results = run_episodes(problems, lambda ps, kw: ["look"] * len(ps), EpisodeConfig(max_steps=3))
    for result in results:
        assert len(result.steps) == 3 and result.ended == "step limit" and not result.success
        metrics = parse_result(result.transcript())
        assert metrics == {
            "env_error": 0.0,
            "grounding_accuracy": 1.0,
            "progress_rate": 0.0,
            "steps": 3.0,
            "success_rate": 0.0,
        }


def test_parse_result_rejects_non_transcripts():
    assert parse_result("") is None
    assert parse_result("just text") is None
    assert parse_result("Result: {not json") is None
    assert parse_result('Result: {"progress_rate": 0.5}') == {"progress_rate": 0.5}


def test_clean_protocol_trims_the_oldest_history_first():
    problem = {**HouseholdEnvironment.problems("sample", {})[0], "env": "alfworld"}
    episode = Episode(problem, EpisodeConfig(protocol="clean", max_context=600, max_gen_toks=100))
    for _ in range(12):
        episode.advance("look")
    full = Episode(problem, EpisodeConfig(protocol="acbench"))
    for _ in range(12):
        full.advance("look")
    render = Renderer("clean")
    trimmed, whole = episode.prompt(render), full.prompt(Renderer("acbench"))
    assert len(trimmed) // 4 + 1 <= 500 < len(whole) // 4 + 1  # acbench trims only at 32k
    assert trimmed.endswith("\nAction: ") and "accomplish the goal: " in trimmed
    assert whole.count("Action: look") == 12 and 0 < trimmed.count("Action: look") < 12


def test_prompts_over_acbenchs_engine_limit_get_an_empty_answer():
    problems = [{**p, "env": "alfworld"} for p in HouseholdEnvironment.problems("sample", {})]
    asked = []

    def generate(prompts, kwargs):
        asked.append(len(prompts))
        return ["look"] * len(prompts)

    config = EpisodeConfig(max_steps=2, max_context=50)  # every prompt is longer than this
    results = run_episodes(problems, generate, config)
    assert asked == [] and all(step.generation == "" for r in results for step in r.steps)


# ------------------------------------------------------------------ the wrapper model
class FakeInner:
    """Stands in for an lm-eval backend: records calls, answers from a script."""

    def __init__(self, answer):
        self.answer = answer
        self.generate_calls = 0
        self.rank, self.world_size = 0, 1
        self.tokenizer = None

    def generate_until(self, requests, disable_tqdm=False):
        self.generate_calls += 1
        return [self.answer(r.args[0]) for r in requests]

    def loglikelihood(self, requests):
        return [(-1.0, True) for _ in requests]

    def apply_chat_template(self, messages, add_generation_prompt=True):
        return json.dumps(messages)


def _instance(request_type, args, doc=None):
    from lm_eval.api.instance import Instance

    return Instance(request_type=request_type, doc=doc or {}, arguments=args, idx=0)


def test_agent_lm_passes_ordinary_requests_through():
    from acbench_tasks.agentboard.lm import AgentLM

    inner = FakeInner(lambda prompt: f"echo:{prompt}")
    lm = AgentLM(inner=inner)
    assert lm.generate_until([_instance("generate_until", ("hi", {}))]) == ["echo:hi"]
    assert lm.loglikelihood([_instance("loglikelihood", ("a", "b"))]) == [(-1.0, True)]
    assert lm.rank == 0 and lm.world_size == 1


def test_agent_lm_plays_episodes_in_lockstep():
    from acbench_tasks.agentboard.lm import AgentLM

    problems = [
        {**p, "env": "tool_operation"} for p in ToolOperationEnvironment.problems("sample", {})
    ]
    model = ScriptedModel(problems)
    inner = FakeInner(model.answer)
    inner.apply_chat_template = None  # a backend without chat templates: plain text
    lm = AgentLM(inner=inner)
    settings = {"max_steps": 30, "max_gen_toks": 100, "max_context": 8192, "protocol": "acbench"}
    requests = [
        _instance("agent_episode", (json.dumps({"problem": p, "settings": settings}), {}))
        for p in problems
    ]
    transcripts = lm.agent_episode(requests)
    assert [parse_result(t)["success_rate"] for t in transcripts] == [1.0, 1.0]
    longest = max(parse_result(t)["steps"] for t in transcripts)
    assert inner.generate_calls == longest  # one batched call per step, not per episode


def _one_episode(lm, problem, **settings):
    settings = {"max_steps": 2, "max_gen_toks": 100, "max_context": 8192, **settings}
    payload = json.dumps({"problem": problem, "settings": settings})
    return lm.agent_episode([_instance("agent_episode", (payload, {}))])[0]


def test_clean_protocol_uses_the_chat_template_and_stops_at_observation():
    from acbench_tasks.agentboard.lm import AgentLM

    seen = []

    def answer(prompt):
        seen.append(prompt)
        return "Action: look\nObservation: (the model should not write this)\nAction: go to desk 1"

    lm = AgentLM(inner=FakeInner(answer))
    problem = {**HouseholdEnvironment.problems("sample", {})[0], "env": "alfworld"}
    transcript = _one_episode(lm, problem, protocol="clean")
    messages = json.loads(seen[-1])  # FakeInner's template is JSON
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"].endswith("e.g. Action: put down cup. \n")
    assert messages[1]["content"].endswith("\nAction: ")
    assert "Action: look\nObservation: You are in the middle of a room" in messages[1]["content"]
    assert "[1] Action: look  (valid" in transcript


def test_acbench_protocol_wraps_by_model_path_and_executes_the_invented_action(tmp_path):
    from agentboard_fixtures import CHAT_TEMPLATES

    from acbench_tasks.agentboard.lm import AgentLM

    templates = tmp_path / "prompt_template.py"
    templates.write_text(CHAT_TEMPLATES)
    seen = []

    def answer(prompt):
        seen.append(prompt)
        return "look\nObservation: nothing\nAction: inventory"

    lm = AgentLM(inner=FakeInner(answer), agent_model_path="/models/Qwen2.5-7B-Instruct")
    problem = {**HouseholdEnvironment.problems("sample", {})[0], "env": "alfworld"}
    transcript = _one_episode(
        lm, problem, protocol="acbench", upstream={"chat_templates_file": str(templates)}
    )
    assert seen[0].startswith("<|im_start|>system\n") and seen[0].endswith("<|im_start|>assistant")
    assert "[1] Action: inventory" in transcript  # AgentBoard's parser takes the later Action:


def test_plain_backend_refuses_agent_tasks_with_the_right_command():
    import lm_eval.models
    from lm_eval.api.model import LM

    from acbench.lm_eval_integration import patch_model_registry

    patch_model_registry(lm_eval.models)
    from lm_eval.models.dummy import DummyLM

    with pytest.raises(RuntimeError, match="--model acbench-agent --model_args model="):
        DummyLM().agent_episode([])
    assert hasattr(LM, "agent_episode")
    from lm_eval.api.registry import get_model

    assert get_model("acbench-agent").__name__ == "AgentLM"


def test_problem_set_follows_the_project_data_source(monkeypatch):
    from acbench_tasks.agentboard.task import load_problems, problem_set_for, run_metadata

    monkeypatch.delenv("ACBENCH_DATA_SOURCE", raising=False)
    assert problem_set_for({}) == "agentboard"
    assert problem_set_for({"data_source": "sample"}) == "sample"
    assert problem_set_for({"data_source": "sample", "problem_set": "agentboard"}) == "agentboard"
    monkeypatch.setenv("ACBENCH_DATA_SOURCE", "sample")
    assert problem_set_for({}) == "sample"
    docs = load_problems("tool_query")
    assert [d["id"] for d in docs] == ["academia-00", "weather-00", "movie-00"]
    assert json.loads(docs[0]["problem"])["env"] == "tool_query"
    assert len(load_problems("pddl", problem_set="generated")) == 60
    with pytest.raises(ValueError, match="unknown problem_set 'huge'"):
        load_problems("tool_query", problem_set="huge")
    with pytest.raises(ValueError, match="unknown agent environment 'chess'"):
        load_problems("chess")
    with pytest.raises(ValueError, match="unknown AgentBoard environment 'chess'"):
        load_problems("chess", problem_set="agentboard")
    ours = run_metadata("pddl", {})
    assert ours["comparable_with_paper"] is False and ours["problem_set"] == "sample"
    monkeypatch.delenv("ACBENCH_DATA_SOURCE")
    theirs = run_metadata("pddl", {"problem_set": "agentboard"})
    assert theirs["comparable_with_paper"] is True and theirs["protocol"] == "acbench"
    assert theirs["data_revision"] == "c662f953684a4cfb182a3f2b998b20a973c00056"
    assert theirs["prompt_revision"].endswith("bb7255e2daf1989069a186dad9e53f70680961db")
    clean = run_metadata("pddl", {"problem_set": "agentboard", "protocol": "clean"})
    assert clean["comparable_with_paper"] is False
