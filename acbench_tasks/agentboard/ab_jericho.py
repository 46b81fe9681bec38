"""Jericho as AgentBoard runs it (AgentBoard ``environment/jericho_env.py``, ``tasks/jericho.py``).

Problems: AgentBoard's 20 games in its configuration order (:data:`GAMES`), game *i* taking line
*i* of ``data/jericho/test.jsonl`` (its ``subgoals``: observation snippets). Game files are
``data/jericho/z-machine-games-master/jericho-game-suite/<game>.z5`` (``.z8`` for afflicted,
anchor, snacktime, partyfoul), played with ``jericho.FrotzEnv``. The goal and first observation
are AgentBoard's hand-written ``game_goals``/``game_init_obs`` (read at run time from its
``jericho_env.py``); ``huntdark`` has no entry there (the key is ``darkhunt``), so both read
"Not written yet.", as in AgentBoard.

The action is cut at its first ``,`` and then its first ``.``, and to 20 words. An action with
both ``check`` and ``action`` in it lists ``You can take the following actions: …`` (Jericho's
valid actions, then ``check valid actions``). Game text: newlines to spaces, runs of spaces to
one, ``[Your score …]`` removed. Progress: the first remaining subgoal that is a substring of the
observation, both with everything but letters, digits and white space removed, is consumed (at
most one per step); progress = consumed / number of subgoals; 1.0 (success) or the game's end
finish the episode. A step is invalid when the observation contains ``[!``.

The game runs in a worker process (:mod:`.isolated`): a command that crashes or hangs the
Z-machine ends this episode as ``env_error``, not the run. Commands reach the game through
:func:`~.isolated.engine_command` (backslashes to ``/``, non-printable characters to spaces,
200 characters at most), since Frotz reads ``\\`` as its own escapes (``look \\U`` crashes it,
a leading ``\\`` hangs it); AgentBoard passes them as they are.
"""

from __future__ import annotations

import importlib.util
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

GAMES = ("905", "acorncourt", "afflicted", "balances", "dragon", "jewel", "library", "omniquest",
         "reverb", "snacktime", "zenon", "zork1", "zork2", "zork3", "detective", "night",
         "pentari", "weapon", "huntdark", "loose")  # fmt: skip
Z8_GAMES = ("afflicted", "anchor", "snacktime", "partyfoul")
GAME_DIR = "jericho/z-machine-games-master/jericho-game-suite"
JERICHO_ENV_MODULE = "agentboard/environment/jericho_env.py"
NOT_WRITTEN = "Not written yet."
MAX_WORDS = 20


def cut_action(action: str) -> str:
    """AgentBoard's ``parse_action`` for Jericho: before the first ``,``, then ``.``; 20 words."""
    action = action.split(",")[0].split(".")[0]
    return " ".join(action.split(" ")[:MAX_WORDS])


def clean_up(text: str) -> str:
    """AgentBoard's ``clean_up_text``."""
    text = re.sub(r"\n", " ", text)
    text = re.sub(r" {2,}", " ", text)
    return re.sub(r"\[Your score .*?\]", "", text)


def _alnum(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9\s]", "", text)


def consume_snippet(remaining: list[str], observation: str) -> bool:
    """Remove the first remaining snippet found in ``observation`` (punctuation ignored)."""
    cleaned = _alnum(observation)
    for snippet in remaining:
        if _alnum(snippet) in cleaned:
            remaining.remove(snippet)
            return True
    return False


def record_subgoals(record: Mapping[str, Any]) -> list[str]:
    """A record's snippets as AgentBoard's ``load_annotation`` reads them (its odd
    ``subgoals_1`` branch included: the value of the record's last key if that key names
    subgoals, else nothing)."""
    if "subgoals" in record and "subgoals_1" not in record:
        return [str(s) for s in record["subgoals"]]
    last = list(record)[-1]
    return [record[last]] if "subgoals" in last else []


def _spacy_model() -> bool:
    try:
        import spacy
    except ImportError:
        return False
    return bool(spacy.util.is_package("en_core_web_sm"))


class AgentBoardJericho(FromPromptFile, Environment):
    """One of AgentBoard's 20 Jericho games."""

    check_inventory = True

    name = "jericho"
    max_parallel = 16

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.path = Path(str(problem["game_file"]))
        if not self.path.is_file():
            raise MissingPiece(f"missing game file {self.path}")
        self.env: Any = None
        self.subgoals = [str(s) for s in problem["subgoals"]]
        self.remaining = list(self.subgoals)
        self.progress = 0.0

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        if problem_set != AGENTBOARD:
            raise unknown_problem_set("jericho", problem_set, [AGENTBOARD])
        records = data.load_records("jericho", metadata)
        if len(records) < len(GAMES):
            raise data.DataSourceError(
                f"agentboard: data/jericho/test.jsonl has {len(records)} records, "
                f"AgentBoard's {len(GAMES)} games need one each"
            )
        goals = upstream.module_table(JERICHO_ENV_MODULE, "game_goals", metadata)
        first = upstream.module_table(JERICHO_ENV_MODULE, "game_init_obs", metadata)
        prompt = upstream.check_vanilla(
            upstream.vanilla_prompt("jericho_vanilla_prompt", metadata), "jericho_vanilla_prompt"
        )
        folder = data.agentboard_root(metadata) / "data" / GAME_DIR
        return [
            {
                "id": game,
                "game_file": str(folder / f"{game}.{'z8' if game in Z8_GAMES else 'z5'}"),
                "goal": goals.get(game, NOT_WRITTEN),
                "init_obs": first.get(game, NOT_WRITTEN),
                "subgoals": record_subgoals(record),
                "difficulty": record["difficulty"],
                "prompt": prompt,
            }
            for game, record in zip(GAMES, records, strict=False)
        ]

    def reset(self) -> str:
        if importlib.util.find_spec("jericho") is None:
            raise MissingPiece("the jericho task needs the jericho package (pip install jericho)")
        # games outside Jericho's list still play (its warning goes to the worker's /dev/null)
        self.env = IsolatedEngine("jericho:FrotzEnv", str(self.path), pool="jericho")
        self.env.reset()
        return str(self.problem["init_obs"])

    def step(self, action: str) -> StepResult:
        action = cut_action(action)
        lowered = action.strip().lower()
        if "check" in lowered and "action" in lowered:
            if self.env.get("is_fully_supported", False) and not _spacy_model():
                raise MissingPiece(
                    "Jericho's valid actions need spaCy's en_core_web_sm "
                    "(python -m spacy download en_core_web_sm)"
                )
            listed = [*self.env.get_valid_actions(), "check valid actions"]
            observation = "You can take the following actions: " + ", ".join(listed)
            return StepResult(observation, True, self.progress, action=action)
        raw, _, game_over, _ = self.env.step(engine_command(action))
        observation = clean_up(str(raw))
        if self.subgoals and consume_snippet(self.remaining, observation):
            consumed = len(self.subgoals) - len(self.remaining)
            self.progress = max(self.progress, consumed / len(self.subgoals))
        won = self.progress == 1
        return StepResult(observation, "[!" not in observation, self.progress,
                          done=won or bool(game_over), success=won, action=action)  # fmt: skip

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None
