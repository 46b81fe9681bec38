"""ALFWorld as AgentBoard runs it (AgentBoard ``environment/alfworld/alfworld_env.py``,
``tasks/alfworld.py``) through the ``alfworld`` package's TextWorld interface.

Problems: the out-of-distribution split (``data/alfworld/json_2.1.1/valid_unseen``), one per
record of ``data/alfworld/test.jsonl``, joined by ``additional_info.description``
(``<task dir>/<trial dir>``) and played in sorted game-file order; each game is
``<description>/game.tw-pddl``, loaded with ALFWorld's demangler and infos wrappers. From the
game's first text (its first paragraph dropped), line 1 is the first observation and line 2,
after ``Your task is to:``, the goal. The worked examples are AgentBoard's for the task type,
picked by the game folder's prefix and joined with ``""``.

Actions: ``put X in/on Y`` written with ``in`` or ``on`` becomes ``in/on``, a final ``.`` is
dropped; ``look`` shows the last ``go to``/``open`` observation again, ``check valid actions``
lists ``Choose an action from these valid actions: …`` (no game step), anything else goes to the
game; a leading ``You arrive at loc N. `` is cut. A step is valid when the action was among the
admissible commands, ``look`` and ``check valid actions`` before it. Progress: every subgoal
regex is searched (case-sensitive) in every observation and stays matched; progress = matched /
(n + 1), and 1.0 with success when the game is won.

The game runs in a worker process (:mod:`.isolated`, :class:`AlfredGame`): a crash or a hang of
the engine ends only this episode (``env_error``). Commands reach it with characters outside
printable ASCII replaced by spaces (:func:`~.isolated.engine_command`, backslashes to ``/``);
validity is judged on the action as the model wrote it, as upstream does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from acbench_tasks.agentboard import data, upstream
from acbench_tasks.agentboard.base import (
    AGENTBOARD,
    Environment,
    MissingPiece,
    StepResult,
    unknown_problem_set,
)
from acbench_tasks.agentboard.isolated import IsolatedEngine, engine_command
from acbench_tasks.agentboard.vanilla_agent import FromPromptFile

SPLIT = "alfworld/json_2.1.1/valid_unseen"
#: AgentBoard's task-type prefixes → keys of the prompt file's ``examples``.
PREFIXES = {
    "pick_and_place": "put",
    "pick_clean_then_place": "clean",
    "pick_heat_then_place": "heat",
    "pick_cool_then_place": "cool",
    "look_at_obj": "examine",
    "pick_two_obj": "puttwo",
}
CHECK = "check valid actions"


def rewrite_action(action: str) -> str:
    """AgentBoard's ``parseAction`` for AlfWorld."""
    action = action.strip()
    if "put" in action:
        if " in " in action:
            action = action.replace(" in ", " in/on ")
        elif " on " in action:
            action = action.replace(" on ", " in/on ")
    if action.endswith("."):
        action = action[:-1].strip()
    return action


class AlfredGame:
    """One ALFWorld game as ALFWorld's ``AlfredTWEnv`` builds it (TextWorld with the demangler
    and infos wrappers), answering plain data: ``(feedback, admissible commands[, done])``.
    Built in an engine worker by :func:`start_game`."""

    def __init__(self, game_file: str) -> None:
        try:
            import textworld
            from alfworld.agents.environment.alfred_tw_env import AlfredDemangler, AlfredInfos
        except ImportError as err:
            raise MissingPiece(
                f"the alfworld task needs: pip install alfworld==0.4.2 ({err})"
            ) from None
        infos = textworld.EnvInfos(won=True, admissible_commands=True, extras=["gamefile"])
        wrappers = [AlfredDemangler(shuffle=False), AlfredInfos]
        self.env = textworld.start(game_file, request_infos=infos, wrappers=wrappers)

    def reset(self) -> tuple[str, list[str]]:
        state = self.env.reset()
        return str(state.feedback), list(state["admissible_commands"])

    def step(self, command: str) -> tuple[str, list[str], bool]:
        state, _, done = self.env.step(command)
        return str(state.feedback), list(state["admissible_commands"]), bool(done)

    def close(self) -> None:
        self.env.close()


def start_game(game_file: str) -> Any:
    """One ALFWorld game (:class:`AlfredGame`) running in an engine worker."""
    return IsolatedEngine(f"{__name__}:AlfredGame", game_file, pool="alfworld")


class AgentBoardAlfWorld(FromPromptFile, Environment):
    """One of AgentBoard's 134 ALFWorld games."""

    check_actions = CHECK
    check_inventory = True

    name = "alfworld"
    max_parallel = 16
    invalid_observation = "Nothing happens."

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.game_file = Path(str(problem["game_file"]))
        if not self.game_file.is_file():
            raise MissingPiece(f"missing game file {self.game_file}")
        self.env: Any = None
        self.subgoals = [str(s) for s in problem["subgoals"]]
        self.flags = [False] * (len(self.subgoals) + 1)  # n + 1: the last is never set
        self.valid_actions: list[str] = []
        self.last_place = ""
        self.task = ""
        self.done = False

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        if problem_set != AGENTBOARD:
            raise unknown_problem_set("alfworld", problem_set, [AGENTBOARD])
        prompt = upstream.check_vanilla(
            upstream.vanilla_prompt("alfworld_base", metadata), "alfworld_base.json"
        )
        records = {
            r["additional_info"]["description"]: r for r in data.load_records("alfworld", metadata)
        }
        folder = data.agentboard_root(metadata) / "data" / SPLIT
        problems = []
        for description in sorted(records):
            record = records[description]
            key = next((v for k, v in PREFIXES.items() if description.startswith(k)), None)
            if key is None:
                raise data.DataSourceError(f"agentboard: alfworld {description}: no task type")
            problems.append(
                {
                    "id": description,
                    "game_file": str(folder / description / "game.tw-pddl"),
                    "subgoals": record["subgoals"],
                    "difficulty": record["difficulty"],
                    "prompt": prompt,
                    "examples": "".join(prompt["examples"][key]),
                }
            )
        return problems

    @property
    def goal(self) -> str:
        return self.task

    def examples(self) -> str:
        return str(self.problem["examples"])

    def reset(self) -> str:
        self.env = start_game(str(self.game_file))
        feedback, admissible = self.env.reset()
        text = "\n".join(feedback.split("\n\n")[1:])
        lines = text.split("\n")
        if len(lines) < 2 or "Your task is to:" not in lines[1]:
            raise RuntimeError(f"{self.game_file}: no 'Your task is to:' line in its first text")
        self.task = lines[1].split("Your task is to:")[1].strip()
        self.valid_actions = list(admissible)
        self.last_place = lines[0]
        return lines[0]

    def action_space(self) -> list[str]:
        """AgentBoard's ``get_action_space``: admissible commands + look + check (in place)."""
        for extra in ("look", CHECK):
            if extra not in self.valid_actions:
                self.valid_actions.append(extra)
        return self.valid_actions

    def step(self, action: str) -> StepResult:
        action = rewrite_action(action)
        valid = action in self.action_space()
        command = action[:-1] if action.endswith(".") else action
        stepped = None
        if command == "look":
            stepped = self.env.step(engine_command(command))
            observation = self.last_place
        elif command == CHECK:
            observation = (
                f"Choose an action from these valid actions: {', '.join(self.valid_actions)}"
            )
        else:
            stepped = self.env.step(engine_command(command))
            observation = stepped[0]
        if ("go to" in command or "open" in command) and "Nothing happens" not in observation:
            self.last_place = observation
        if stepped is not None:
            _, admissible, done = stepped
            self.valid_actions = list(admissible)
            self.done = bool(done)
        if observation.startswith("You arrive at loc "):
            observation = observation[observation.find(". ") + 2 :]
        for index, pattern in enumerate(self.subgoals):
            if re.search(pattern, observation):
                self.flags[index] = True
        progress = 1.0 if self.done else sum(self.flags) / len(self.flags)
        return StepResult(observation, valid, progress, done=self.done, success=self.done,
                          action=action)  # fmt: skip

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None
