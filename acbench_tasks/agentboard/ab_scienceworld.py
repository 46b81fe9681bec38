"""ScienceWorld as AgentBoard runs it (AgentBoard ``environment/scienceworld_env.py``,
``tasks/scienceworld.py``) on the PyPI ``scienceworld`` simulator (a jar: needs Java).

Problems: the records of ``data/scienceworld/test.jsonl`` keyed by ``<env_name>_<var>`` (a later
duplicate replaces an earlier one, in the earlier one's place), each loaded with AgentBoard's
four simplifications and a step limit of 30. The goal is the record's ``goal``; the first
observation the simulator's reset text, a newline and the inventory.

An action equal to ``check valid actions`` (after stripping) lists the simulator's abstract
action templates (those without ``reset``) and ``check valid actions``, without a step. Any
other action goes to the simulator; each subgoal regex is searched (``re.search``,
case-sensitive) in every observation and stays matched; progress = matched / number of
subgoals (the simulator's own score is ignored); all matched = done = success. A step is valid
when the action is among the valid action-object combinations of the state after it (AgentBoard
checks after stepping), ``check valid actions`` included. The simulator runs in an engine worker
(see :mod:`.scienceworld_env`): a dead or hanging JVM ends only its episode.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from acbench_tasks.agentboard import data, upstream
from acbench_tasks.agentboard.base import (
    AGENTBOARD,
    Environment,
    MissingPiece,
    StepResult,
    unknown_problem_set,
)
from acbench_tasks.agentboard.scienceworld_env import UNKNOWN_ACTION, open_simulator
from acbench_tasks.agentboard.vanilla_agent import FromPromptFile

SIMPLIFICATIONS = "selfWateringFlowerPots,openContainers,openDoors,noElectricalAction"
STEP_LIMIT = 30
CHECK = "check valid actions"


def subgoal_progress(matched: list[bool], subgoals: list[str], observation: str) -> float:
    """Mark every subgoal regex found in ``observation`` (sticky); return matched / n."""
    for index, pattern in enumerate(subgoals):
        if re.search(pattern, observation):
            matched[index] = True
    return sum(matched) / len(subgoals)


class AgentBoardScienceWorld(FromPromptFile, Environment):
    """One of AgentBoard's 90 ScienceWorld problems."""

    check_actions = CHECK
    check_inventory = True

    name = "scienceworld"
    max_parallel = 4
    invalid_observation = UNKNOWN_ACTION

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.env: Any = None
        self.subgoals = [str(s) for s in problem["subgoals"]]
        self.matched = [False] * len(self.subgoals)
        self.progress = 0.0

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        if problem_set != AGENTBOARD:
            raise unknown_problem_set("scienceworld", problem_set, [AGENTBOARD])
        prompt = upstream.check_vanilla(
            upstream.vanilla_prompt("scienceworld_base", metadata), "scienceworld_base.json"
        )
        labels: dict[str, dict[str, Any]] = {}
        for record in data.load_records("scienceworld", metadata):
            info = record["additional_info"]
            key = f"{info['env_name']}_{info['var']}"
            labels[key] = {
                "id": key,
                "task_name": info["env_name"],
                "var": int(info["var"]),
                "goal": record["goal"],
                "subgoals": record["subgoals"],
                "difficulty": record["difficulty"],
                "prompt": prompt,
            }
        return list(labels.values())

    def reset(self) -> str:
        try:
            self.env = open_simulator()
        except (RuntimeError, ModuleNotFoundError) as err:
            raise MissingPiece(str(err)) from None
        self.env.set_step_limit(STEP_LIMIT)
        self.env.load(str(self.problem["task_name"]), int(self.problem["var"]),
                      simplificationStr=SIMPLIFICATIONS)  # fmt: skip
        observation, _ = self.env.reset()
        return f"{observation}\n{self.env.inventory()}"

    def step(self, action: str) -> StepResult:
        action = action.strip()
        if action == CHECK:
            templates = [a for a in self.env.get_possible_actions() if "reset" not in a]
            listed = ", ".join([*templates, CHECK])
            observation = f"Choose an action from these valid actions: {listed}"
        else:
            observation, _, _, _ = self.env.step(action)
            observation = str(observation)
            self.progress = subgoal_progress(self.matched, self.subgoals, observation)
        combos = [
            c["action"] for c in self.env.get_valid_action_object_combinations_with_templates()
        ]
        done = all(self.matched)
        valid = action in combos or action == CHECK
        return StepResult(observation, valid, self.progress, done=done, success=done)

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None
