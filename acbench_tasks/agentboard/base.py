"""The environment interface shared by the six real-world agent tasks (ACBench §7–12).

An environment is built from one problem (a JSON-serialisable dict, the lm-eval document),
``reset()`` returns the first observation and ``step(action)`` returns a :class:`StepResult`.
Environments are deterministic given the problem: the same actions give the same observations,
which is what makes lockstep batching and replay tests possible. Bad actions never raise: they
come back as ``valid=False`` with an observation saying why. The runner hands an environment
only :func:`readable_action` text of at most :data:`MAX_ACTION_CHARS` characters; a longer
action is an invalid step answered with the environment's :attr:`Environment.invalid_observation`.
"""

from __future__ import annotations

import importlib
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from acbench_tasks.agentboard.vanilla_agent import PromptParts

#: Observation returned for an action the environment cannot parse or execute.
INVALID_ACTION = "The action is not valid and therefore takes no effect."
#: Longest action passed to an environment; a longer one is an invalid step (ACBench's 100 new
#: tokens stay far below it).
MAX_ACTION_CHARS = 10_000


def readable_action(text: str) -> str:
    """An action every engine can encode: lone surrogates (possible from API backends)
    become U+FFFD; everything else stays as the model wrote it."""
    return str(text).encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True)
class StepResult:
    """What one action did: the observation, whether it was accepted, progress in [0, 1].

    ``success`` None means "progress reached 1.0"; environments whose success needs more (the
    tools: ``finish``) or less say it. ``action`` is the action as the environment read it,
    which is what the agent's history shows (None: as given).
    """

    observation: str
    valid: bool
    progress: float
    done: bool = False
    success: bool | None = None
    action: str | None = None


class Environment(ABC):
    """One episode's world. Subclasses set ``name`` and the prompt pieces for their domain."""

    #: Registry name (also the ``env`` field of a problem).
    name: ClassVar[str] = ""
    #: How many episodes of this environment may run at once (e.g. one JVM each).
    max_parallel: ClassVar[int] = 64
    #: What the environment answers to an action it cannot use (the runner shows it for an
    #: action it does not pass on, such as one over :data:`MAX_ACTION_CHARS`).
    invalid_observation: ClassVar[str] = INVALID_ACTION

    def __init__(self, problem: Mapping[str, Any]) -> None:
        self.problem = dict(problem)

    @classmethod
    @abstractmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The problems of a set (``sample`` or ``default``): dicts with ``id`` and ``goal``.

        ``metadata`` is the task metadata (``--metadata``), for options such as a data folder.
        """

    @property
    def goal(self) -> str:
        """The task as the agent reads it."""
        return str(self.problem.get("goal", ""))

    @abstractmethod
    def instruction(self) -> str:
        """What the agent is and which actions it may use (the system part of the prompt)."""

    @abstractmethod
    def examples(self) -> str:
        """Worked example trajectories in the ``Action:``/``Observation:`` format."""

    def prompt_parts(self) -> PromptParts:
        """The vanilla agent's prompt pieces; our environments use their own instruction and
        example, AgentBoard's environments override this with AgentBoard's prompt files."""
        examples = self.examples()
        return PromptParts(
            instruction=self.instruction(),
            examples=(f"{examples.strip()}\n",) if examples else (),
            system_msg="You are a helpful assistant.",
        )

    @abstractmethod
    def reset(self) -> str:
        """Start the episode; return the first observation."""

    @abstractmethod
    def step(self, action: str) -> StepResult:
        """Apply one action (free text from the model); never raises for bad actions."""

    def close(self) -> None:  # noqa: B027 - optional hook; most environments hold nothing
        """Release external resources (processes, files)."""


#: Our own offline environments (``problem_set: sample``; the larger ``generated`` sets).
_REGISTRY: dict[str, str] = {
    "pddl": "acbench_tasks.agentboard.pddl_env:PddlEnvironment",
    "tool_query": "acbench_tasks.agentboard.tool_query:ToolQueryEnvironment",
    "tool_operation": "acbench_tasks.agentboard.tool_operation:ToolOperationEnvironment",
    "alfworld": "acbench_tasks.agentboard.household:HouseholdEnvironment",
    "scienceworld": "acbench_tasks.agentboard.scienceworld_env:ScienceWorldEnvironment",
    "jericho": "acbench_tasks.agentboard.text_games:TextGameEnvironment",
}
#: AgentBoard's environments on AgentBoard's problems (``problem_set: agentboard``), keyed by
#: our task's environment name; the tools register theirs here too.
_AGENTBOARD_REGISTRY: dict[str, str] = {
    "pddl": "acbench_tasks.agentboard.ab_pddl:AgentBoardPddl",
    "alfworld": "acbench_tasks.agentboard.ab_alfworld:AgentBoardAlfWorld",
    "scienceworld": "acbench_tasks.agentboard.ab_scienceworld:AgentBoardScienceWorld",
    "jericho": "acbench_tasks.agentboard.ab_jericho:AgentBoardJericho",
    "tool_query": "acbench_tasks.agentboard.tools.environment:AgentBoardToolQuery",
    "tool_operation": "acbench_tasks.agentboard.tools.environment:AgentBoardToolOperation",
}
AGENTBOARD = "agentboard"


def environment_class(name: str, source: str = "") -> type[Environment]:
    """The environment class registered under ``name`` (imported on first use).

    ``source`` ``agentboard`` picks AgentBoard's environment, anything else ours.
    """
    registry = _AGENTBOARD_REGISTRY if source == AGENTBOARD else _REGISTRY
    try:
        target = registry[name]
    except KeyError:
        what = "AgentBoard environment" if source == AGENTBOARD else "agent environment"
        raise ValueError(f"unknown {what} {name!r}; known: {', '.join(sorted(registry))}") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def unknown_problem_set(env: str, problem_set: str, known: Sequence[str]) -> ValueError:
    """The error for a problem set an environment does not have."""
    return ValueError(
        f"{env}: unknown problem_set {problem_set!r}; choose one of {', '.join(known)} "
        '(--metadata \'{"problem_set": "sample"}\')'
    )


def make_environment(problem: Mapping[str, Any]) -> Environment:
    """Build the environment named by ``problem["env"]`` (and ``problem["source"]``)."""
    return environment_class(str(problem.get("env", "")), str(problem.get("source", "")))(problem)


class MissingPiece(RuntimeError):
    """A system piece an environment needs is missing (Java, a package, a game file): the
    runner reports it once per environment and ends only that environment's episodes."""


def worked_example(env: Environment, actions: Sequence[str]) -> str:
    """A played episode in the prompt's Goal/Observation/Action layout (worked examples)."""
    lines = [f"Goal: {env.goal}", f"Observation: {env.reset()}"]
    try:
        for action in actions:
            lines += [f"Action: {action}", f"Observation: {env.step(action).observation}"]
    finally:
        env.close()
    return "\n".join(lines)


def normalize_action(text: str) -> str:
    """Lower-case, single spaces, no surrounding quotes, brackets or final full stop."""
    text = re.sub(r"\s+", " ", str(text)).strip().strip("`'\"").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.rstrip(".").strip().lower()
