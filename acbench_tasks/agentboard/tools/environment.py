"""One AgentBoard tool problem as an episode: AgentBoard's step, progress and success rules.

The environment wraps one :class:`~.base.ToolWorld` and applies, per agent message, what
AgentBoard's ``tasks/tool.py`` and ``environment/<tool>_env.py`` do (rules in :mod:`.rules`):

1. no ``... with Action Input: ...`` → the format-error observation (not grounded; the history
   gets an empty action);
2. an input that is not a Python literal → ``ERROR | Exception(Parameters in action input are
   not valid, ...)``;
3. otherwise the tool runs; an exception becomes ``ERROR | Type(message)`` and leaves progress
   and *done* as they were (sheet: progress is still recomputed from the grid);
4. *done* = ``finish`` in the full action text; progress is recomputed unless the observation
   contains ``Invalid``; success = done ∧ progress 1.0 (todo ``goal_type`` 1: ∧ final state ==
   answer);
5. an observation naming a network error ends the problem (:class:`ToolServiceError`), as
   AgentBoard's task does; progress reached so far is kept.

Sheet problems start with the quoted ``"SheetN"`` opened: that action and the grid it shows are
part of the first observation block (:attr:`opening`), as AgentBoard puts them in the history.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from acbench_tasks.agentboard.base import Environment, StepResult
from acbench_tasks.agentboard.tools import rules
from acbench_tasks.agentboard.tools.base import ToolWorld
from acbench_tasks.agentboard.vanilla_agent import PromptParts
from acbench_tasks.common.http_replay import ReplayMiss


class ToolServiceError(RuntimeError):
    """A live service failed (network): AgentBoard ends the problem here."""


@dataclass
class ToolProblem:
    """The fields of an AgentBoard tool record the episode reads."""

    tool: str
    goal: str
    subgoals: list[Any] = field(default_factory=list)
    answer: Any = None
    goal_type: Any = 0
    init_config: dict[str, Any] | None = None

    @classmethod
    def from_mapping(cls, problem: Mapping[str, Any]) -> ToolProblem:
        subgoals = problem.get("subgoals")
        return cls(
            tool=str(problem.get("tool", "")),
            goal=str(problem.get("goal", "")),
            subgoals=list(subgoals) if isinstance(subgoals, list) else [],
            answer=problem.get("answer"),
            goal_type=problem.get("goal_type", 0),
            init_config=dict(problem.get("init_config") or {}),
        )


@dataclass(frozen=True)
class Opening:
    """An action taken for the agent before its first step (sheet: open the named sheet)."""

    action: str
    observation: str


class ToolEpisode:
    """AgentBoard's per-step logic over one tool world (no prompt, no model)."""

    def __init__(self, problem: ToolProblem, world: ToolWorld, *, step_delay_s: float = 0.0):
        self.problem = problem
        self.world = world
        self.step_delay_s = step_delay_s
        self.progress = 0.0
        self.done = False
        self.success = False
        self.opening: Opening | None = None
        self.last_history_action = ""
        self._gold_grid = rules.sheet_answer(problem.answer) if problem.tool == "sheet" else None

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> str:
        """Set the service up; the first observation (sheet: with the opened sheet)."""
        self.world.start()
        first = rules.first_observation(self.problem.tool)
        opener = getattr(self.world, "open_for_goal", None)
        if opener is not None:
            action, observation = opener(self.problem.goal)
            self.opening = Opening(action, observation)
            first = f"{first}\nAction: {action}\nObservation: {observation}"
        return first

    def close(self) -> None:
        self.world.close()

    # ------------------------------------------------------------------ steps
    def _recompute(self, observation: str) -> None:
        if not rules.updates_progress(observation):
            return
        if self._gold_grid is not None:
            value = rules.sheet_match_score(self.world.current_grid(), self._gold_grid)
        else:
            value = rules.subgoal_progress(
                self.problem.tool, self.problem.subgoals, self.world.subgoals()
            )
        self.progress = max(self.progress, value)

    def step(self, message: str) -> StepResult:
        if self.step_delay_s > 0:
            time.sleep(self.step_delay_s)
        split = rules.split_action(str(message).strip())
        if split is None:
            self.last_history_action = ""
            return StepResult(rules.FORMAT_ERROR, False, self.progress, False)
        name, action_input = split
        self.last_history_action = rules.history_action(name, action_input)
        try:
            params = rules.parse_action_input(action_input)
        except rules.ActionInputError as err:
            return StepResult(rules.error_observation(Exception(str(err))), False, self.progress)
        try:
            observation = self.world.run(name, params)
        except ReplayMiss:
            raise
        except Exception as err:  # AgentBoard: any tool exception is the observation
            observation = rules.error_observation(err)
            if self._gold_grid is not None:
                self._recompute(observation)
            self._stop_on_network_error(observation)
            return StepResult(observation, False, self.progress, self.done)
        self.done = rules.is_done(rules.action_text(name, action_input), self.problem.tool)
        self._recompute(observation)
        self._stop_on_network_error(observation)
        if self.done:
            self.success = self._judge()
        return StepResult(
            observation, rules.is_valid_observation(observation), self.progress, self.done
        )

    def _stop_on_network_error(self, observation: str) -> None:
        if rules.contains_network_error(observation):
            raise ToolServiceError(f"{self.problem.tool}: {observation}")

    def _judge(self) -> bool:
        status = None
        if self.problem.tool == "todo" and self.problem.goal_type == 1:
            status = self.world.final_status()
        return rules.is_success(
            self.done,
            self.progress,
            tool=self.problem.tool,
            goal_type=self.problem.goal_type,
            final_status=status,
            answer=self.problem.answer,
        )


# ----------------------------------------------------------------------------- environment
def build_world(problem: Mapping[str, Any]) -> ToolWorld:
    """The tool world of one AgentBoard problem, from its ``runtime`` settings and the keys."""
    from acbench_tasks.agentboard.tools import config
    from acbench_tasks.agentboard.tools.academia import AcademiaWorld
    from acbench_tasks.agentboard.tools.google_auth import ServiceAccountToken
    from acbench_tasks.agentboard.tools.movie import MovieWorld
    from acbench_tasks.agentboard.tools.sheet import SheetWorld
    from acbench_tasks.agentboard.tools.todo import TodoWorld
    from acbench_tasks.agentboard.tools.weather import WeatherWorld

    tool = str(problem.get("tool", ""))
    runtime = dict(problem.get("runtime") or {})
    names = list(runtime.get("action_names") or [])
    if tool == "academia":
        return AcademiaWorld(runtime["data_root"], names)
    http_settings = config.HttpSettings(runtime.get("http_mode", "live"), runtime.get("http_dir"))
    replay = http_settings.mode == "replay"
    init = dict(problem.get("init_config") or {})

    def key(names_of_key: tuple[str, ...]) -> str:
        value = config.first_env(names_of_key)
        if value is None and not replay:
            raise RuntimeError(f"{tool}: set {' or '.join(names_of_key)} (see the README)")
        return value or ""

    http = http_settings.client(str(runtime.get("env_key", "")), tool, problem.get("id"))
    if tool == "weather":
        return WeatherWorld(http, init.get("current_date"), init.get("current_location"), names)
    if tool == "movie":
        return MovieWorld(http, token=key(config.MOVIE_KEYS), action_names=names)
    if tool == "todo":
        return TodoWorld(
            http,
            key(config.TODO_KEYS),
            runtime.get("todo_projects") or [],
            current_date=init.get("current_date"),
            current_location=init.get("current_location"),
            action_names=names,
            retry_delay_s=0.0 if replay else 10.0,
        )
    if tool == "sheet":
        token = None
        if not replay:
            path = runtime.get("sheet_credentials") or config.sheet_credentials({})
            if not path:
                raise RuntimeError("sheet: set sheet_credentials or GOOGLE_SHEETS_CREDENTIALS")
            token = ServiceAccountToken(path)
        return SheetWorld(
            http,
            token,
            share_with=runtime.get("sheet_share_with") or os.environ.get(config.SHEET_EMAIL_ENV),
            folder_id=runtime.get("sheet_folder_id"),
            action_names=names,
            pause_s=0.0 if replay else 0.2,
            gspread=int(runtime.get("sheet_gspread", 6)),
        )
    raise ValueError(f"unknown AgentBoard tool {tool!r}")


class AgentBoardToolEnvironment(Environment):
    """One AgentBoard tool problem (Tool-Query or Tool-Operation) as an :class:`Environment`.

    Each step says ``success`` (done ∧ progress 1.0, not progress alone) and the ``action`` the
    agent's history shows (the normalised action, or ``""`` after a format error), as
    AgentBoard's tool task does.
    """

    name = "agentboard_tool"
    invalid_observation = rules.FORMAT_ERROR
    #: ``tool-query`` or ``tool-operation`` (AgentBoard's data folder), set by the subclasses.
    agentboard_env_key: ClassVar[str] = ""

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.tool_problem = ToolProblem.from_mapping(problem)
        runtime = dict(problem.get("runtime") or {})
        self._prompt = dict(runtime.get("prompt") or {})
        delay = runtime.get("step_delay_s", 0.0)
        self.episode = ToolEpisode(
            self.tool_problem, build_world(problem), step_delay_s=float(delay or 0.0)
        )

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        """AgentBoard's problems of this task whose tools can run (see :mod:`.config`)."""
        from acbench_tasks.agentboard.tools.problems import agentboard_problems

        if not cls.agentboard_env_key:
            raise ValueError("use AgentBoardToolQuery or AgentBoardToolOperation")
        return agentboard_problems(cls.agentboard_env_key, metadata)

    def prompt_parts(self) -> PromptParts:
        """AgentBoard's VanillaAgent prompt of the tool; help command ``check_valid_actions``."""
        return PromptParts.from_prompt_file(self._prompt, check_actions="check_valid_actions")

    def instruction(self) -> str:
        return str(self._prompt.get("instruction", ""))

    def examples(self) -> str:
        examples = self._prompt.get("examples", "")
        return "\n".join(examples) if isinstance(examples, list) else str(examples)

    @property
    def success(self) -> bool:
        return self.episode.success

    @property
    def history_action(self) -> str:
        return self.episode.last_history_action

    def reset(self) -> str:
        return self.episode.reset()

    def step(self, action: str) -> StepResult:
        result = self.episode.step(action)
        return replace(result, success=self.episode.success, action=self.history_action)

    def close(self) -> None:
        self.episode.close()


class AgentBoardToolQuery(AgentBoardToolEnvironment):
    """Tool-Query on AgentBoard's problems: academia, weather, movie."""

    agentboard_env_key = "tool-query"


class AgentBoardToolOperation(AgentBoardToolEnvironment):
    """Tool-Operation on AgentBoard's problems: todo, sheet."""

    agentboard_env_key = "tool-operation"
