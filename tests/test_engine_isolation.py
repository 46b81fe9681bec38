"""Native engines in worker processes: a crash or a hang ends one episode, never the run.

The crashing and hanging engines here are real: a worker that segfaults (SIGSEGV sent to
itself), aborts, or sleeps past its time limit; and Jericho's own Frotz, which segfaults on
``look \\U`` when that command reaches it unneutralised.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from acbench_tasks.agentboard import isolated
from acbench_tasks.agentboard.base import Environment, MissingPiece, StepResult
from acbench_tasks.agentboard.isolated import EngineError, IsolatedEngine, engine_command
from acbench_tasks.agentboard.runner import EpisodeConfig, run_episodes


class Engine:
    """Built in the worker: echoes, crashes, aborts or hangs on command."""

    def __init__(self, name: str = "engine") -> None:
        self.name = name
        self.steps = 0

    def step(self, command: str) -> str:
        self.steps += 1
        if command == "segfault":
            os.kill(os.getpid(), signal.SIGSEGV)
        if command == "abort":
            os.abort()
        if command == "hang":
            time.sleep(3600)
        if command == "raise":
            raise ValueError("bad command")
        if command == "missing":
            raise MissingPiece("needs a thing")
        return f"{self.name}: {command} ({self.steps})"

    def pid(self) -> int:
        return os.getpid()


FACTORY = f"{__name__}:Engine"


def test_calls_run_in_another_process_and_keep_state():
    engine = IsolatedEngine(FACTORY, "box", pool="test-state", timeout_s=10)
    try:
        assert engine.pid() != os.getpid()
        assert engine.step("look") == "box: look (1)"
        assert engine.call("step", "wait") == "box: wait (2)"
        assert engine.get("name") == "box" and engine.get("nothing", 7) == 7
        with pytest.raises(ValueError, match="bad command"):  # an ordinary error comes back
            engine.step("raise")
        with pytest.raises(MissingPiece, match="needs a thing"):
            engine.step("missing")
        assert engine.step("look") == "box: look (5)"  # and the worker goes on
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("command", "reason"),
    [("segfault", "killed by SIGSEGV"), ("abort", "killed by SIGABRT")],
)
def test_a_crash_is_an_engine_error_and_the_engine_is_gone(command, reason):
    engine = IsolatedEngine(FACTORY, pool="test-crash", timeout_s=10)
    pid = engine.pid()
    with pytest.raises(EngineError, match=reason):
        engine.step(command)
    with pytest.raises(EngineError, match="no longer running"):
        engine.step("look")
    engine.close()  # harmless
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_hang_is_stopped_at_the_time_limit():
    engine = IsolatedEngine(FACTORY, pool="test-hang", timeout_s=0.5)
    pid = engine.pid()
    start = time.monotonic()
    with pytest.raises(EngineError, match=r"did not answer 'step' within 0\.5 s"):
        engine.step("hang")
    assert time.monotonic() - start < 10
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed, not left running


def test_a_closed_engine_hands_its_worker_to_the_next_one():
    first = IsolatedEngine(FACTORY, pool="test-reuse", timeout_s=10)
    pid = first.pid()
    first.step("look")
    first.close()
    second = IsolatedEngine(FACTORY, pool="test-reuse", timeout_s=10)
    try:
        assert second.pid() == pid  # no new process per episode
        assert second.step("look").endswith("(1)")  # but a fresh engine
    finally:
        second.close()
        isolated.shutdown()


def test_a_failing_factory_is_reported_and_does_not_leak_the_worker():
    with pytest.raises(AttributeError):
        IsolatedEngine(f"{__name__}:NoSuchEngine", pool="test-factory", timeout_s=10)


def test_engine_command_neutralises_what_the_z_machine_misreads():
    assert engine_command("look \\U") == "look /U"
    assert engine_command("\\look") == "/look"
    assert engine_command("take\x00 key\x1b[2J\tnow\r\n") == "take  key [2J now"
    assert engine_command("café ☕ \ud800") == "caf"
    assert engine_command("go north") == "go north"
    assert len(engine_command("x" * 10**6)) == isolated.MAX_COMMAND


# ----------------------------------------------------------------------------- episodes
class WorkerEnvironment(Environment):
    """An environment whose engine runs in a worker; the problem says what its step does."""

    name = "worker_env"
    started: ClassVar[list[int]] = []

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.engine: Any = None

    @classmethod
    def problems(cls, problem_set, metadata):
        return []

    def instruction(self) -> str:
        return "Play."

    def examples(self) -> str:
        return ""

    def reset(self) -> str:
        self.engine = IsolatedEngine(FACTORY, pool="test-episodes", timeout_s=1.0)
        return "Start."

    def step(self, action: str) -> StepResult:
        command = self.problem["command"] if action == "act" else action
        observation = self.engine.step(command)
        return StepResult(observation, True, 0.5, done=False)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()


def test_crashing_and_hanging_episodes_end_as_env_error_while_the_others_finish():
    problems = [
        {"env": "worker_env", "id": "ok-1", "goal": "g", "command": "look"},
        {"env": "worker_env", "id": "segv", "goal": "g", "command": "segfault"},
        {"env": "worker_env", "id": "hang", "goal": "g", "command": "hang"},
        {"env": "worker_env", "id": "ok-2", "goal": "g", "command": "look"},
    ]
    start = time.monotonic()
    results = run_episodes(
        problems,
        lambda prompts, kw: ["act"] * len(prompts),
        EpisodeConfig(max_steps=3),
        make_env=WorkerEnvironment,
    )
    assert time.monotonic() - start < 60
    by_id = {r.problem_id: r for r in results}
    for ok in ("ok-1", "ok-2"):
        assert by_id[ok].error is None and len(by_id[ok].steps) == 3
        assert by_id[ok].metrics()["env_error"] == 0.0
    for bad, reason in (("segv", "killed by SIGSEGV"), ("hang", "did not answer")):
        result = by_id[bad]
        assert result.metrics()["env_error"] == 1.0 and reason in result.error
        assert result.progress_rate == 0.0 and len(result.steps) == 1
        assert "Ended: environment error — environment error in step: EngineError: " in (
            result.transcript()
        )
    isolated.shutdown()


def test_a_jericho_episode_that_segfaults_frotz_ends_as_env_error(tmp_path, monkeypatch):
    """Frotz really crashes on ``look \\U``: with the neutralisation switched off the episode
    ends as env_error; the other episodes finish. With it on, the same answer is a step."""
    from acbench_tasks.agentboard import ab_jericho  # jericho: `make install` installs it
    from acbench_tasks.agentboard.text_games import generate_game

    game = generate_game(1, 2, 4, 2)
    problems = [
        {"env": "jericho", "source": "agentboard", "id": str(i), "game_file": str(game),
         "subgoals": ["never seen"], "init_obs": "x", "goal": f"Problem {i}", "prompt": {}}
        for i in range(3)
    ]  # fmt: skip
    answers = {0: "look", 1: "look \\U", 2: "inventory"}

    def generate(prompts, kw):
        return [answers[int(p.split("Problem ")[1][0])] for p in prompts]

    monkeypatch.setattr(ab_jericho, "engine_command", lambda text: text)
    results = run_episodes(
        problems, generate, EpisodeConfig(max_steps=2), make_env=ab_jericho.AgentBoardJericho
    )
    assert [r.error is None for r in results] == [True, False, True]
    assert "killed by SIGSEGV" in results[1].error and results[1].metrics()["env_error"] == 1.0
    assert [len(r.steps) for r in results] == [2, 1, 2]
    monkeypatch.undo()
    (safe,) = run_episodes(
        problems[1:2], generate, EpisodeConfig(max_steps=2), make_env=ab_jericho.AgentBoardJericho
    )
    assert safe.error is None and len(safe.steps) == 2
    isolated.shutdown()
