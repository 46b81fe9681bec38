"""Every scorer, parser and agent-environment step that reads model output, as
``name -> callable(text)``, for fuzzing.

Used by ``tests/test_fuzz_scorers.py`` (hypothesis, bounded) and ``benchmarks/bench_fuzz.py``
(the full 10,000-input sweep). A target is total when any string — any length, any code point,
lone surrogates included — returns without an exception other than the ones it documents
(``allowed``), in time linear in its length.

Adding a scorer is one line: an entry ``name: Target(callable)`` in its benchmark's builder
below (a new benchmark adds a builder to :data:`BUILDERS`), e.g. for the long-context tasks::

    "longgenbench.score": Target(lambda text: score_block(text, GOLD_BLOCK)),

or an agent environment step (:class:`EpisodeStepper`: the runner's own path, parser included,
over a real environment on fixtures; an ``env_error`` is a failure). Golds are small
records built here or taken from the bundled samples; embeddings come from
:class:`HashEmbedder`, which runs the real :class:`SentenceEmbedder` code path (so texts are
sanitised) without loading a model, and raises on text the real tokenizer cannot encode.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from acbench_tasks.common.embeddings import SentenceEmbedder


@dataclass(frozen=True)
class Target:
    """One entry point: ``call(text)``; exceptions in ``allowed`` are part of its contract."""

    call: Callable[[str], Any]
    allowed: tuple[type[BaseException], ...] = ()


class _HashModel:
    """Stands in for a SentenceTransformer: 64-dim vectors from a hash of each text; like the
    real tokenizer, it refuses text that cannot be encoded as UTF-8 (lone surrogates)."""

    def get_embedding_dimension(self) -> int:
        return 64

    def encode(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        out = np.zeros((len(texts), 64), np.float32)
        for row, text in enumerate(texts):
            digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
            out[row, digest[0] % 64] = 1.0
            out[row, digest[1] % 64] += 0.5
        return out


class HashEmbedder(SentenceEmbedder):
    """:class:`SentenceEmbedder` (sanitising, exact mode) over :class:`_HashModel`."""

    model_name = "hash-fuzz-embedder"

    def __init__(self) -> None:
        super().__init__(model=None, cache=False)

    @property
    def model(self) -> _HashModel:  # type: ignore[override]
        return _HashModel()


# ----------------------------------------------------------------------------- fixed cases
#: The issue's reproducers (#17) and inputs that were slow or crashing before hardening.
REPRODUCERS: tuple[str, ...] = (
    "Node:\n1: a\nEdge: (START," + "9" * 4301 + ")",  # WorfBench _edge_set
    '{"thought": 0x' + "f" * 3600 + "}",  # T-Eval read_step
    "[weather.forecast(city='Oslo', days=0x" + "f" * 3600 + ")]",  # BFCL check_value
    "Answer_" + "1" * 4301 + ":",  # LongGenBench (huge integer)
    "Answer_9: The answer is" + " " * 1500 + "x",  # LongGenBench GSM8K backtracking
    "\ud800",
    "Node:\n1: \ud800\udfff\nEdge: (START,1) (1,END)",
    '{"thought": "\ud800", "name": "\udc00", "args": {"a": "\ud800"}}',
)
#: Long adversarial inputs: each must also score in linear time.
LONG_CASES: tuple[str, ...] = (
    "Node (START,1) " + "9" * 200_000,
    "WeatherAPI.get_forecast " + "a" * 200_000,
    "```" + " " * 19_000 + "x",
    "<tool_call>" * 1_800,
    " " * 200_000,
    "(" * 100_000,
    "[" * 100_000,
    "{" * 100_000,
    '{"a": ' * 50_000,
    "1: x\n" * 40_000 + "Node Edge: (START,1)",
    "\n".join(["Search.run now"] * 20_000),
)

#: Fragments the random inputs are built from: the syntax every parser looks for.
FRAGMENTS: tuple[str, ...] = (
    "Node:", "Node", "Edge:", "(START,1)", "(1,2)", "(2,END)", "( 3 , END )", "1: ", "2. ",
    "9" * 50, "START", "END", "\n", "\n\n", " ", "\t", "```json", "```", "{", "}", "[", "]",
    "(", ")", ":", ",", "'", '"', "\\", "0x", "f" * 40, "1e308", "-", "*", "**", "NaN",
    '{"thought": ', '"name": ', '"args": ', '"id": 0', "true", "null", "None",
    "Thought:", "Action:", "Action Input:", "FinishAction", "WeatherAPI.get_forecast",
    "Maps.get_directions", "Answer: ", "A", "E", "get_weather(", "city='Paris'", "days=",
    "<tool_call>", "</tool_call>", '"arguments": ', '"function": ', "tool_calls",
    "\ud800", "\udfff", "\x00", "\u202e", "é", "😀", "٣",
    "Answer_1:", "The answer is 7.", "(B)", "\\U", "\\", "look", "go north", "take key",
    "check valid actions", "inventory", "with Action Input: ", "{'node': 'Deep Nets'}",
    "loadPaperNet", "finish", "pickup b1", "put mug 1 in cabinet 1", "\r", "\x1b[2J",
)  # fmt: skip


def random_text(rng: random.Random, max_fragments: int = 40) -> str:
    """A random string: syntax fragments, random code points (any plane, surrogates too)."""
    parts = []
    for _ in range(rng.randint(0, max_fragments)):
        kind = rng.random()
        if kind < 0.6:
            parts.append(rng.choice(FRAGMENTS))
        elif kind < 0.9:
            parts.append(chr(rng.randint(0, 0x10FFFF)))
        else:
            parts.append(rng.choice(FRAGMENTS) * rng.randint(2, 200))
    return "".join(parts)


# ----------------------------------------------------------------------------- targets
def _worfbench() -> dict[str, Target]:
    from acbench_tasks.worfbench.worfbench import parse_workflow, score_workflow

    small = "Node:\n1: find the recipe\n2: buy flour\n3: buy eggs\n4: bake\nEdge: " + (
        "(START,1) (1,2) (1,3) (2,4) (3,4) (4,END)"
    )
    large = "Node:\n" + "".join(f"{i}: step {i}\n" for i in range(1, 10)) + "Edge: (START,1)"
    embedder = HashEmbedder()
    return {
        "worfbench.parse_workflow": Target(parse_workflow),
        "worfbench.score_workflow[small gold]": Target(
            lambda text: score_workflow(text, small, embedder)
        ),
        "worfbench.score_workflow[large gold]": Target(
            lambda text: score_workflow(text, large, embedder)
        ),
    }


def _teval() -> dict[str, Target]:
    from acbench_tasks.teval import scoring
    from acbench_tasks.teval.teval import DIMENSIONS, load_records, score_doc

    embedder = HashEmbedder()
    targets = {
        "teval.load_literal": Target(scoring.load_literal, (scoring.ParseError,)),
        "teval.read_step[json]": Target(lambda text: scoring.read_step(text, False)),
        "teval.read_step[str]": Target(lambda text: scoring.read_step(text, True)),
        "teval.parse_plan_json": Target(scoring.parse_plan_json),
        "teval.review_letter": Target(scoring.review_letter),
    }
    for dimension in DIMENSIONS:
        seen = set()
        for doc in load_records(dimension, {"data_source": "sample"}):
            if doc["variant"] in seen:
                continue
            seen.add(doc["variant"])
            targets[f"teval.score_doc[{dimension}/{doc['variant']}]"] = Target(
                functools.partial(_score_teval_doc, score_doc, doc, embedder)
            )
    return targets


def _score_teval_doc(score_doc: Callable, doc: dict, embedder: Any, text: str) -> Any:
    return score_doc(doc, text, embedder)


def _bfcl() -> dict[str, Target]:
    from acbench_tasks.bfcl.bfcl import CATEGORIES, load_records, score_answer
    from acbench_tasks.bfcl.parser import CallParseError, parse_function_calls, strip_fence

    targets = {
        "bfcl.parse_function_calls": Target(parse_function_calls, (CallParseError,)),
        "bfcl.strip_fence": Target(strip_fence),
    }
    for category in CATEGORIES:
        doc = load_records(category, {"data_source": "sample"})[0]
        functions, answers = json.loads(doc["functions"]), json.loads(doc["possible_answer"])
        targets[f"bfcl.score_answer[{category}]"] = Target(
            functools.partial(_score_bfcl, score_answer, functions, answers, category)
        )
    return targets


def _score_bfcl(score_answer: Callable, functions, answers, category, text: str) -> Any:
    return score_answer(text, functions, answers, category)


class _Silent(logging.Handler):
    """Counts warnings: scorers that catch their own failures log them (a failure here)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _without_warnings(logger_name: str, call: Callable[[str], Any]) -> Callable[[str], Any]:
    """``call``, raising when it logged a warning (a failure it caught and scored 0)."""

    def checked(text: str) -> Any:
        handler = _Silent()
        logger = logging.getLogger(logger_name)
        logger.addHandler(handler)
        try:
            result = call(text)
        finally:
            logger.removeHandler(handler)
        if handler.messages:
            raise RuntimeError(f"logged: {handler.messages[0][:200]}")
        return result

    return checked


def _long_context() -> dict[str, Target]:
    from acbench_tasks.longbench import longbench as lb
    from acbench_tasks.longgenbench import longgenbench as lg
    from acbench_tasks.niah.niah import score_response

    golds = {"gsm8k": ["7", "12", None], "mmlu": ["A", "C", "B"]}
    targets = {"niah.score_response": Target(score_response)}
    for benchmark, gold in golds.items():
        targets[f"longgenbench.acbench_score[{benchmark}]"] = Target(
            functools.partial(_swap, lg.acbench_score, gold, benchmark)
        )
        targets[f"longgenbench.score_generation[{benchmark}]"] = Target(
            functools.partial(_score_clean, lg.score_generation, tuple(gold), benchmark)
        )
    answers = {
        "retrieval_score": ["Paragraph 3"],
        "retrieval_zh_score": ["段落3"],
        "code_sim_score": ["def f(x):\n    return x"],
        "classification_score": ["Sports"],
    }
    for subset, metric in sorted(lb.METRIC_OF.items()):
        if any(name.startswith(f"longbench.{metric}[") for name in targets):
            continue  # one subset per metric
        gold = answers.get(metric, ["Paris is the capital", "巴黎"])
        for protocol in ("acbench", "clean"):
            call = functools.partial(_score_longbench, lb.score_prediction, subset, gold, protocol)
            targets[f"longbench.{metric}[{protocol}]"] = Target(
                _without_warnings(lb.__name__, call)
            )
    return targets


def _swap(score: Callable, gold: list, benchmark: str, text: str) -> Any:
    return score(text, gold, benchmark)


def _score_clean(score: Callable, gold: tuple, benchmark: str, text: str) -> Any:
    return score(text, gold, 1, benchmark)


def _score_longbench(score: Callable, subset: str, gold: list, protocol: str, text: str) -> Any:
    return score(subset, text, gold, ["Sports", "Music", "Paris"], protocol)


# ----------------------------------------------------------------------------- environments
class MissingPieceError(RuntimeError):
    """An episode ended because a system piece is missing (e.g. Jericho's valid actions need
    spaCy's ``en_core_web_sm``): the documented outcome, one line, not a crash."""


class EpisodeStepper:
    """One agent environment driven as the runner drives it: ``(text)`` is a model answer,
    parsed and applied through :meth:`Episode.advance`. An episode that ends in ``env_error``
    raises (a malformed action must be an invalid step, never an environment error); one that
    ends normally is started again."""

    def __init__(self, problem: dict[str, Any], protocol: str, make_env: Any = None) -> None:
        self.problem, self.protocol, self.make_env = problem, protocol, make_env
        self.episode: Any = None

    def _start(self) -> Any:
        from acbench_tasks.agentboard.base import make_environment
        from acbench_tasks.agentboard.runner import Episode, EpisodeConfig

        config = EpisodeConfig(max_steps=10**9, protocol=self.protocol)  # type: ignore[arg-type]
        episode = Episode(self.problem, config, self.make_env or make_environment)
        if episode.result.error:
            raise RuntimeError(f"could not start: {episode.result.error}")
        return episode

    def __call__(self, text: str) -> Any:
        if self.episode is None or self.episode.finished:
            self.episode = self._start()
        self.episode.advance(text)
        if self.episode.result.error:
            error, self.episode = self.episode.result.error, None
            if "MissingPiece:" in error:  # the documented one-line end, not a crash
                raise MissingPieceError(error)
            raise RuntimeError(error)
        return self.episode.result.steps[-1]


def _agent_parsers() -> dict[str, Target]:
    from acbench_tasks.agentboard.ab_alfworld import rewrite_action
    from acbench_tasks.agentboard.ab_jericho import clean_up, consume_snippet, cut_action
    from acbench_tasks.agentboard.isolated import engine_command
    from acbench_tasks.agentboard.tools import rules
    from acbench_tasks.agentboard.vanilla_agent import parse_action

    return {
        "agent.parse_action[acbench]": Target(functools.partial(parse_action, "acbench")),
        "agent.parse_action[clean]": Target(functools.partial(parse_action, "clean")),
        "agent.engine_command": Target(engine_command),
        "jericho.cut_action": Target(cut_action),
        "jericho.clean_up": Target(clean_up),
        "jericho.consume_snippet": Target(lambda text: consume_snippet(["Kitchen", "a b"], text)),
        "alfworld.rewrite_action": Target(rewrite_action),
        "tools.split_action": Target(rules.split_action),
        "tools.parse_action_input": Target(rules.parse_action_input, (rules.ActionInputError,)),
    }


def _fixture_root() -> Any:
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp(prefix="acbench-fuzz-"))


def _agent_envs() -> dict[str, Target]:
    """A real episode per environment that runs without network or game downloads: our
    offline sets, AgentBoard's PDDL and academia on fixtures, Jericho on a TextWorld game."""
    from agentboard_fixtures import pddl_files, write_checkout, write_data
    from agentboard_tools_data import write_academia

    from acbench_tasks.agentboard.ab_jericho import AgentBoardJericho
    from acbench_tasks.agentboard.household import HouseholdEnvironment
    from acbench_tasks.agentboard.pddl_env import PddlEnvironment
    from acbench_tasks.agentboard.task import load_problems
    from acbench_tasks.agentboard.text_games import TextGameEnvironment, generate_game
    from acbench_tasks.agentboard.tool_operation import ToolOperationEnvironment
    from acbench_tasks.agentboard.tool_query import ToolQueryEnvironment
    from acbench_tasks.agentboard.tools.environment import AgentBoardToolEnvironment

    targets: dict[str, Target] = {}
    ours = {
        "pddl": PddlEnvironment,
        "alfworld": HouseholdEnvironment,
        "tool_query": ToolQueryEnvironment,
        "tool_operation": ToolOperationEnvironment,
    }
    for name, env_cls in ours.items():
        problem = {**env_cls.problems("sample", {})[0], "env": name}
        for protocol in ("acbench", "clean"):
            targets[f"env.{name}[{protocol}]"] = Target(EpisodeStepper(problem, protocol))
    game = generate_game(1, 2, 4, 2)
    text_game = {**TextGameEnvironment.problems("sample", {})[0], "env": "jericho"}
    targets["env.jericho[textworld]"] = Target(EpisodeStepper(text_game, "acbench"))
    jericho = {"env": "jericho", "source": "agentboard", "id": "905", "game_file": str(game),
               "subgoals": ["Kitchen", "never"], "init_obs": "x", "goal": "g",
               "prompt": {}}  # fmt: skip
    targets["agentboard.jericho"] = Target(
        EpisodeStepper(jericho, "acbench", AgentBoardJericho), (MissingPieceError,)
    )
    root = _fixture_root()
    checkout = write_checkout(root / "AgentBoard", pddl_files())
    write_data(root, "pddl", [{"id": i, "difficulty": "easy"} for i in range(60)])
    meta = {"data_dir": str(root), "upstream_dir": str(checkout), "problem_set": "agentboard"}
    pddl = json.loads(load_problems("pddl", **meta)[0]["problem"])
    targets["agentboard.pddl"] = Target(EpisodeStepper(pddl, "acbench"))
    academia = {
        "env": "tool_query", "source": "agentboard", "id": 0, "tool": "academia",
        "goal": "How many citations does 'Deep Nets' have?", "answer": 12,
        "subgoals": ["PaperNet is loaded.", 12],
        "runtime": {"data_root": str(write_academia(root)), "prompt": {},
                    "action_names": ["loadPaperNet", "paperNodeCheck", "finish"]},
    }  # fmt: skip
    targets["agentboard.tool[academia]"] = Target(
        EpisodeStepper(academia, "acbench", AgentBoardToolEnvironment)
    )
    return targets


#: One function per benchmark, each returning its targets.
BUILDERS: tuple[Callable[[], dict[str, Target]], ...] = (
    _worfbench,
    _teval,
    _bfcl,
    _long_context,
    _agent_parsers,
    _agent_envs,
)


@functools.lru_cache(maxsize=1)
def targets() -> dict[str, Target]:
    """All registered targets (built once: golds come from the bundled samples), each called
    once on a small answer so that lazy imports do not count in the first timed call."""
    built = {name: target for build in BUILDERS for name, target in build().items()}
    for target in built.values():
        run_one(target, "Node:\n1: a\nEdge: (START,1)\nWeatherAPI.get_forecast {}")
    return built


def run_one(target: Target, text: str) -> BaseException | None:
    """Call ``target`` on ``text``; the unexpected exception, if any."""
    try:
        target.call(text)
    except target.allowed:
        pass
    except Exception as err:
        return err
    return None
