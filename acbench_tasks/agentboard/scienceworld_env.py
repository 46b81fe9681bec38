"""ScienceWorld (ACBench §8) through the PyPI ``scienceworld`` package (its simulator is a jar).

Needs Java (17 works). Each running episode owns one JVM, started with a small heap
(``ACBENCH_SCIENCEWORLD_HEAP``, default ``-Xmx1g``); finished episodes hand their JVM to the
next one, and at most ``max_parallel`` run at once. Progress rate = max(score, 0) / 100;
success = score 100. An action the parser does not know ("No known action matches that
input.") counts as invalid. Problems: (task, variation) pairs from the package's test
variations; the default set takes 3 per task (30 tasks → 90, the paper's size).

The simulator is driven from an engine worker process (:mod:`.isolated`, one per running
episode, reused with its JVM by the next): a JVM that dies or a step that hangs past the time
limit ends only that episode (``env_error``).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from acbench_tasks.agentboard.base import Environment, StepResult, unknown_problem_set
from acbench_tasks.agentboard.isolated import IsolatedEngine

logger = logging.getLogger(__name__)

UNKNOWN_ACTION = "No known action matches that input."
STEP_LIMIT = 100
SAMPLE_TASKS = ("find-living-thing", "boil")
_idle: list[Any] = []
_lock = threading.Lock()


@contextlib.contextmanager
def _java_heap() -> Iterator[None]:
    """Start the JVM with a small heap (``JAVA_TOOL_OPTIONS`` is read by the java launcher)."""
    heap = os.environ.get("ACBENCH_SCIENCEWORLD_HEAP", "-Xmx1g")
    old = os.environ.get("JAVA_TOOL_OPTIONS")
    os.environ["JAVA_TOOL_OPTIONS"] = f"{old} {heap}".strip() if old else heap
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("JAVA_TOOL_OPTIONS", None)
        else:
            os.environ["JAVA_TOOL_OPTIONS"] = old


def _acquire() -> Any:
    """A simulator from this process's pool, or a new JVM (runs inside an engine worker)."""
    with _lock:
        if _idle:
            return _idle.pop()
    from scienceworld import ScienceWorldEnv

    with _java_heap():
        return ScienceWorldEnv("", envStepLimit=STEP_LIMIT)


def _release(env: Any, healthy: bool) -> None:
    if healthy:
        with _lock:
            _idle.append(env)
        return
    with contextlib.suppress(Exception):
        env.close()


@atexit.register
def _shutdown() -> None:
    while _idle:
        with contextlib.suppress(Exception):
            _idle.pop().close()


def _plain(value: Any) -> Any:
    """Python data from what py4j hands back (Java lists and maps do not pickle)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return [_plain(v) for v in value]


class Simulator:
    """ScienceWorld's simulator for one episode, built in an engine worker (:mod:`.isolated`):
    it takes a JVM from the worker's pool and gives it back on ``close`` (or stops it after an
    error). Every method of ``ScienceWorldEnv`` is available and answers plain Python data."""

    def __init__(self) -> None:
        self.env = _acquire()
        self.healthy = True

    def set_step_limit(self, limit: int) -> None:
        self.env.envStepLimit = int(limit)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("env", "healthy"):
            raise AttributeError(name)
        target = getattr(self.env, name)
        if not callable(target):
            return _plain(target)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return _plain(target(*args, **kwargs))
            except Exception:
                self.healthy = False
                raise

        return call

    def close(self) -> None:
        _release(self.env, self.healthy)


def open_simulator() -> IsolatedEngine:
    """A :class:`Simulator` in an engine worker; Java and the package are checked here first,
    so that a missing one is one clear line."""
    if shutil.which("java") is None:
        raise RuntimeError("ScienceWorld's simulator needs Java (17 or newer) on the PATH")
    if importlib.util.find_spec("scienceworld") is None:
        raise ModuleNotFoundError("the scienceworld task needs: pip install scienceworld")
    return IsolatedEngine(f"{__name__}:Simulator", pool="scienceworld")


def _problem_list(per_task: int, tasks: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    env = open_simulator()
    try:
        problems = []
        for task in tasks or tuple(env.get_task_names()):
            env.load(task, 0, "")
            for variation in list(env.get_variations_test())[:per_task]:
                problems.append(
                    {"id": f"{task}-{variation}", "task": task, "variation": int(variation)}
                )
        return problems
    finally:
        env.close()


class ScienceWorldEnvironment(Environment):
    """One (task, variation) of ScienceWorld."""

    name = "scienceworld"
    max_parallel = 4
    invalid_observation = UNKNOWN_ACTION

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.env: Any = None
        self.description = ""

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        if problem_set == "sample":
            return _problem_list(1, SAMPLE_TASKS)
        if problem_set == "default":
            return _problem_list(3)
        raise unknown_problem_set("scienceworld", problem_set, ["sample", "default"])

    @property
    def goal(self) -> str:
        return self.description or f"ScienceWorld task {self.problem.get('task')}"

    def instruction(self) -> str:
        return (
            "You are an agent in a simulated world of rooms, objects, substances, plants and "
            "animals, doing elementary science experiments. Answer with one action per turn. "
            "Actions include: look around, look at <thing>, look in <container>, go to <room>, "
            "open/close <thing>, pick up <thing>, put down <thing>, move <thing> to <container>, "
            "pour <thing> into <container>, focus on <thing> (marks the object your task is "
            "about; use it with care), activate/deactivate <device>, use <thing> on <thing>, "
            "connect <a> to <b>, mix <container>, eat <thing>, wait, inventory, task."
        )

    def examples(self) -> str:
        return (
            "Goal: Your task is to find a(n) animal. First, focus on the thing. Then, move it "
            "to the red box in the kitchen.\n"
            "Observation: This room is called the hallway. In it, you see: the agent, a picture. "
            "You also see: A door to the kitchen (that is open), A door to the greenhouse "
            "(that is open).\n"
            "Action: go to greenhouse\n"
            "Observation: You move to the greenhouse.\n"
            "Action: look around\n"
            "Observation: This room is called the greenhouse. In it, you see: the agent, a bee "
            "hive, a flower pot 1. You also see: A door to the hallway (that is open).\n"
            "Action: look in bee hive\n"
            "Observation: Inside the bee hive is: a bee.\n"
            "Action: focus on bee\n"
            "Observation: You focus on the bee."
        )

    def reset(self) -> str:
        self.env = open_simulator()
        self.env.set_step_limit(STEP_LIMIT)  # JVMs are shared with AgentBoard's (limit 30)
        self.env.load(str(self.problem["task"]), int(self.problem["variation"]), "")
        observation, _ = self.env.reset()
        self.description = str(self.env.get_task_description())
        return str(observation)

    def step(self, action: str) -> StepResult:
        observation, _, done, info = self.env.step(action.strip() or "look around")
        score = float(info.get("score", 0))
        valid = UNKNOWN_ACTION not in str(observation) and bool(action.strip())
        return StepResult(str(observation), valid, max(score, 0.0) / 100.0, done=bool(done))

    def gold_actions(self) -> list[str]:
        """The package's own solution for this problem (reloads the task; for tests)."""
        self.env.load(
            str(self.problem["task"]), int(self.problem["variation"]), "", generateGoldPath=True
        )
        self.env.reset()
        return list(self.env.get_gold_action_sequence())

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None
