"""Every scorer and parser that reads model output, as ``name -> callable(text)``, for fuzzing.

Used by ``tests/test_fuzz_scorers.py`` (hypothesis, bounded) and ``benchmarks/bench_fuzz.py``
(the full 10,000-input sweep). A target is total when any string — any length, any code point,
lone surrogates included — returns without an exception other than the ones it documents
(``allowed``), in time linear in its length.

Adding a scorer is one line: an entry ``name: Target(callable)`` in its benchmark's builder
below (a new benchmark adds a builder to :data:`BUILDERS`), e.g. for the long-context tasks::

    "longgenbench.score": Target(lambda text: score_block(text, GOLD_BLOCK)),

or an agent environment step (``Target(lambda text: env.step(text))``). Golds are small
records built here or taken from the bundled samples; embeddings come from
:class:`HashEmbedder`, which runs the real :class:`SentenceEmbedder` code path (so texts are
sanitised) without loading a model, and raises on text the real tokenizer cannot encode.
"""

from __future__ import annotations

import functools
import hashlib
import json
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


#: One function per benchmark, each returning its targets.
BUILDERS: tuple[Callable[[], dict[str, Target]], ...] = (_worfbench, _teval, _bfcl)


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
