"""ScienceWorld (ACBench §8) through the PyPI ``scienceworld`` package (its simulator is a jar).

Needs Java (17 works). Each running episode owns one JVM, started with a small heap
(``ACBENCH_SCIENCEWORLD_HEAP``, default ``-Xmx1g``); finished episodes hand their JVM to the
next one, and at most ``max_parallel`` run at once. Progress rate = max(score, 0) / 100;
success = score 100. An action the parser does not know ("No known action matches that
input.") counts as invalid. Problems: (task, variation) pairs from the package's test
variations; the default set takes 3 per task (30 tasks → 90, the paper's size).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from acbench_tasks.agentboard.base import Environment, StepResult, unknown_problem_set

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
    with _lock:
        if _idle:
            return _idle.pop()
    if shutil.which("java") is None:
        raise RuntimeError("ScienceWorld's simulator needs Java (17 or newer) on the PATH")
    try:
        from scienceworld import ScienceWorldEnv
    except ImportError as err:
        raise ModuleNotFoundError("the scienceworld task needs: pip install scienceworld") from err
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


def _problem_list(per_task: int, tasks: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    env = _acquire()
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
        _release(env, True)


class ScienceWorldEnvironment(Environment):
    """One (task, variation) of ScienceWorld."""

    name = "scienceworld"
    max_parallel = 4

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.env: Any = None
        self.description = ""
        self.healthy = True

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
        self.env = _acquire()
        try:
            self.env.envStepLimit = STEP_LIMIT  # JVMs are shared with AgentBoard's (limit 30)
            self.env.load(str(self.problem["task"]), int(self.problem["variation"]), "")
            observation, _ = self.env.reset()
            self.description = str(self.env.get_task_description())
        except Exception:
            self.healthy = False
            raise
        return str(observation)

    def step(self, action: str) -> StepResult:
        try:
            observation, _, done, info = self.env.step(action.strip() or "look around")
        except Exception:
            self.healthy = False
            raise
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
            _release(self.env, self.healthy)
            self.env = None
