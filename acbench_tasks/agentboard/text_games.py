"""Jericho text games (ACBench §9), with TextWorld-generated games as the offline stand-in.

Jericho's 20 games are commercial interactive fiction that users must supply. Offline, the
default and sample sets are TextWorld games generated from fixed seeds (``textworld`` ships
the Inform 7 compiler; a game takes a few seconds to build and is cached under
``~/.cache/acbench/textworld``). Progress rate = score / max score, the paper's definition;
TextWorld games score a single point at the end, so for them the walkthrough serves as the
annotated subgoals: progress is also at least the share of the winning command sequence
already done (from TextWorld's own replanning, below 1 until the game is won). The runner
keeps the best point of the episode; success = the game is won.

Your own games: ``--metadata '{"game_dir": "/path"}'`` plays every ``*.z5``/``*.z8``/``*.ulx``
there. Games with a TextWorld ``.json`` beside them run through TextWorld; the others through
``jericho.FrotzEnv``, which reports scores only for the games Jericho supports (its 57
classics such as ``zork1.z5``; others score 0 with a warning).

Both engines run in a worker process (:mod:`.isolated`): a command that crashes or hangs the
Z-machine ends that episode as ``env_error``. Commands go through
:func:`~.isolated.engine_command` first (backslashes to ``/``, characters outside printable
ASCII to spaces, at most 200 characters); an empty command is answered "I beg your pardon?"
(invalid) without a game step.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from acbench_core.paths import cache_dir
from acbench_tasks.agentboard.base import (
    Environment,
    StepResult,
    unknown_problem_set,
    worked_example,
)
from acbench_tasks.agentboard.isolated import IsolatedEngine, engine_command

logger = logging.getLogger(__name__)

#: Replies of the Inform parser to a command it could not use.
PARSER_FAILURES = (
    "that's not a verb i recognise",
    "you can't see any such thing",
    "i didn't understand",
    "i only understood you as far as",
    "there was no verb in that sentence",
    "you seem to want to talk to someone",
    "that noun did not make sense",
    "please give one of the answers above",
    "what do you want to",
    "i beg your pardon",
)
GAME_SUFFIXES = (".z5", ".z8", ".ulx")
# (seed, rooms, objects, quest length): sample games and the default 20 (Jericho's size).
SAMPLE_GAMES = ((1, 2, 4, 2), (2, 3, 5, 3))
DEFAULT_GAMES = tuple((seed, 2 + seed % 4, 4 + seed % 5, 2 + seed % 4) for seed in range(1, 21))
EXAMPLE_GAME = (900, 2, 3, 2)


def clean(text: str) -> str:
    """Game output without the banner art, the ``>`` prompt and the status line."""
    text = str(text).split("\n>", 1)[0]
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if sum(c.isalnum() for c in ln) >= len(ln) / 2]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _textworld() -> Any:
    """The ``textworld`` module, or an error that says how to install it."""
    try:
        import textworld
        import textworld.generator
    except ImportError as err:
        raise ModuleNotFoundError(
            "the jericho task needs TextWorld: pip install textworld==1.7.0 (it also installs "
            "jericho, which is GPL-2.0-or-later)"
        ) from err
    return textworld


def _game_dir() -> Path:
    return cache_dir() / "textworld"


def generate_game(seed: int, rooms: int, objects: int, quest_length: int) -> Path:
    """Build (once) and return the TextWorld game for these settings."""
    name = f"tw-s{seed}-r{rooms}-o{objects}-q{quest_length}"
    target = _game_dir() / f"{name}.z8"
    if target.is_file() and target.with_suffix(".json").is_file():
        return target
    textworld = _textworld()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        options = textworld.GameOptions()
        options.seeds = seed
        options.nb_rooms, options.nb_objects, options.quest_length = rooms, objects, quest_length
        options.path = str(staging / f"{name}.z8")
        options.file_ext = ".z8"
        textworld.generator.compile_game(textworld.generator.make_game(options), options)
        # the .json first: a .z8 is only taken as built when its .json is there
        os.replace(staging / f"{name}.json", target.with_suffix(".json"))
        os.replace(staging / f"{name}.z8", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _textworld_problem(spec: tuple[int, int, int, int]) -> dict[str, Any]:
    textworld = _textworld()
    path = generate_game(*spec)
    env = textworld.start(
        str(path), request_infos=textworld.EnvInfos(objective=True, policy_commands=True)
    )
    try:
        state = env.reset()
        objective, walkthrough = str(state["objective"]), list(state["policy_commands"])
    finally:
        env.close()
    return {
        "id": path.stem,
        "game": path.name,
        "backend": "textworld",
        "goal": objective,
        "solution": walkthrough,
    }


def from_folder(root: Path) -> list[dict[str, Any]]:
    """User games in a folder (TextWorld games keep their ``.json`` beside them)."""
    if not root.is_dir():
        raise FileNotFoundError(f"game_dir {root} is not a folder")
    games = sorted(p for p in root.iterdir() if p.suffix in GAME_SUFFIXES)
    if not games:
        raise FileNotFoundError(f"no {'/'.join(GAME_SUFFIXES)} games in {root}")
    return [
        {
            "id": game.stem,
            "game": str(game.resolve()),
            "backend": "textworld" if game.with_suffix(".json").is_file() else "jericho",
            "goal": "",
        }
        for game in games
    ]


class TextWorldGame:
    """A TextWorld game as plain data (built in the engine worker; see :mod:`.isolated`)."""

    def __init__(self, path: str) -> None:
        textworld = _textworld()
        infos = textworld.EnvInfos(
            score=True, max_score=True, won=True, objective=True, policy_commands=True
        )
        self.env = textworld.start(path, request_infos=infos)

    @staticmethod
    def _plain(state: Any, done: bool = False) -> dict[str, Any]:
        return {
            "feedback": str(state.feedback),
            "score": int(state["score"] or 0),
            "max_score": int(state["max_score"] or 0),
            "won": bool(state["won"]),
            "objective": str(state["objective"] or ""),
            "plan_length": len(state["policy_commands"] or []),
            "done": bool(done),
        }

    def reset(self) -> dict[str, Any]:
        return self._plain(self.env.reset())

    def step(self, command: str) -> dict[str, Any]:
        state, _, done = self.env.step(command)
        return self._plain(state, done)

    def close(self) -> None:
        self.env.close()


@functools.cache
def _example() -> str:
    """A tiny TextWorld game (not in any problem set) won by its walkthrough."""
    problem = _textworld_problem(EXAMPLE_GAME)
    return worked_example(TextGameEnvironment(problem), problem["solution"])


class TextGameEnvironment(Environment):
    """One text adventure, through TextWorld or Jericho."""

    name = "jericho"
    max_parallel = 16

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        game = Path(str(problem["game"]))
        self.path = game if game.is_absolute() else _game_dir() / game
        self.backend = str(problem.get("backend", "textworld"))
        self.env: Any = None
        self.max_score = 0
        self.objective = str(problem.get("goal", ""))
        self.last_progress = 0.0
        self.plan_length = 0

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        if metadata.get("game_dir"):
            return from_folder(Path(str(metadata["game_dir"])))
        specs = {"sample": SAMPLE_GAMES, "default": DEFAULT_GAMES}
        if problem_set not in specs:
            raise unknown_problem_set("jericho", problem_set, list(specs))
        return [_textworld_problem(spec) for spec in specs[problem_set]]

    @property
    def goal(self) -> str:
        return self.objective or "Explore the game and score as many points as you can."

    def instruction(self) -> str:
        return (
            "You are playing a text adventure game. Answer with one command per turn, in the "
            "game's own words, such as: look, inventory, go north (east, south, west), examine "
            "<thing>, take <thing>, take <thing> from <container>, put <thing> on <supporter>, "
            "insert <thing> into <container>, open <thing>, close <thing>, unlock <thing> with "
            "<key>, drop <thing>, eat <thing>."
        )

    def examples(self) -> str:
        return _example()

    def reset(self) -> str:
        if self.backend == "textworld":
            _textworld()  # a missing package is one clear line here, not a worker's error
            self.env = IsolatedEngine(f"{__name__}:TextWorldGame", str(self.path))
            state = self.env.reset()
            self.max_score = state["max_score"]
            self.plan_length = state["plan_length"]
            self.objective = self.objective or state["objective"]
            return clean(state["feedback"])
        # unsupported games warn in the worker; our own warning below says more
        self.env = IsolatedEngine("jericho:FrotzEnv", str(self.path), seed=0, pool="jericho")
        observation, _ = self.env.reset()
        self.max_score = int(self.env.get_max_score() or 0)
        if self.max_score <= 0:
            logger.warning("%s: Jericho reports no maximum score; progress stays 0", self.path.name)
        return clean(observation)

    def step(self, action: str) -> StepResult:
        command = engine_command(action)
        if not command:
            return StepResult("I beg your pardon?", False, self.last_progress)
        if self.backend == "textworld":
            state = self.env.step(command)
            observation, score, won = clean(state["feedback"]), state["score"], state["won"]
            done, remaining = state["done"], state["plan_length"]
            walked = 1.0 - remaining / self.plan_length if self.plan_length else 0.0
        else:
            raw, _, done, info = self.env.step(command)
            observation, score = clean(raw), int(info.get("score", 0))
            won = bool(self.env.victory())
            walked = 0.0
        lowered = observation.lower()
        valid = not any(failure in lowered for failure in PARSER_FAILURES)
        progress = 1.0 if won else max(self._progress(score), min(walked, 0.99))
        self.last_progress = progress
        return StepResult(observation or "(no reply)", valid, progress, done=bool(done))

    def _progress(self, score: int) -> float:
        return max(0.0, min(1.0, score / self.max_score)) if self.max_score > 0 else 0.0

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None
