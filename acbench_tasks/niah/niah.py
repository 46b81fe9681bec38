"""Needle-in-a-Haystack: one needle in Paul Graham essays over a length × depth grid (ACBench §6).

Each document is one grid cell: a context length (in the evaluated model's tokens, for the whole
prompt before any chat template) and a depth (% of the haystack before the needle). The haystack
is the essays concatenated in file-name order, tokenized once with offsets, cut to the length
that makes the prompt the requested size, and the needle goes in at the sentence boundary
nearest the requested depth (the haystack's start and end count as boundaries).

Score per cell (ACBench's reported number): the share of the answer's distinct words
(lower-cased, split on whitespace, as ACBench splits them, so ``day.`` keeps its full stop) that
appear among the lower-cased response's words; the task score is the mean over cells. The cells
are in the samples file (``--log_samples``); ``acbench niah-heatmap`` draws them.

Metadata (``--metadata`` JSON): ``context_lengths`` (list of token counts; default 1k-40k by
1k), ``depth_percents`` (list; default 10 depths 0-100), ``needle``, ``question``, ``answer``,
``haystack_dir`` (a folder of .txt files instead of the essays). Lengths that do not fit the
model (model length − max_gen_toks − 32) are dropped with a warning.
"""

from __future__ import annotations

import bisect
import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import datasets
import numpy as np

from acbench_core.corpora import essay_texts
from acbench_tasks.common.long_context import (
    CHAT_TEMPLATE_RESERVE,
    count_tokens,
    load_tokenizer,
    model_max_length,
    sentence_boundaries,
)
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.prompt_task import SinglePromptTask

logger = logging.getLogger(__name__)

NEEDLE = (
    "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny "
    "day."
)
QUESTION = "What is the best thing to do in San Francisco?"
ANSWER = "eat a sandwich and sit in Dolores Park on a sunny day."
PROMPT = (
    "Read the following text. One sentence in it answers the question after it.\n\n"
    "<text>\n{haystack}\n</text>\n\n"
    "Question: {question} Answer with the sentence from the text.\nAnswer:"
)
DEFAULT_LENGTHS: tuple[int, ...] = tuple(range(1000, 40001, 1000))
DEFAULT_DEPTHS: tuple[int, ...] = tuple(round(float(x)) for x in np.linspace(0, 100, 10))
#: The YAML's ``max_gen_toks``; lengths are capped so that prompt + answer fit the model.
MAX_GEN_TOKS = 48

register_mean_metrics(["score"])


# ----------------------------------------------------------------------------- scoring
def score_response(response: Any, answer: str = ANSWER) -> float:
    """Share of the answer's distinct lower-cased words found in the response's words."""
    expected = set(answer.lower().split())
    if not expected or not isinstance(response, str):
        return 0.0
    return len(expected & set(response.lower().split())) / len(expected)


# ----------------------------------------------------------------------------- grid
def _int_list(value: Any, key: str) -> list[int]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    try:
        values = [int(v) for v in value]
    except (TypeError, ValueError):
        raise ValueError(f"NIAH {key} must be a list of integers, not {value!r}") from None
    if not values:
        raise ValueError(f"NIAH {key} is empty")
    return values


def grid(
    metadata: Mapping[str, Any], max_prompt_tokens: int | None = None
) -> list[tuple[int, int]]:
    """(context length, depth %) cells, lengths first; lengths over the cap are dropped."""
    lengths = _int_list(metadata.get("context_lengths", DEFAULT_LENGTHS), "context_lengths")
    depths = _int_list(metadata.get("depth_percents", DEFAULT_DEPTHS), "depth_percents")
    if any(not 0 <= d <= 100 for d in depths):
        raise ValueError(f"NIAH depth_percents must be within 0-100, not {depths}")
    if any(n <= 0 for n in lengths):
        raise ValueError(f"NIAH context_lengths must be positive, not {lengths}")
    if max_prompt_tokens is not None:
        kept = [n for n in lengths if n <= max_prompt_tokens]
        if len(kept) < len(lengths):
            logger.warning(
                "NIAH: context lengths above the model's %d usable tokens dropped: %s",
                max_prompt_tokens,
                sorted(set(lengths) - set(kept)),
            )
        if not kept:
            raise ValueError(
                f"NIAH: no context length fits the model ({max_prompt_tokens} usable tokens); "
                "set --metadata context_lengths"
            )
        lengths = kept
    return [(n, d) for n in sorted(set(lengths)) for d in sorted(set(depths))]


# ----------------------------------------------------------------------------- haystack
@dataclass(frozen=True)
class NeedlePrompt:
    """A built cell: the prompt and where the needle went."""

    prompt: str
    haystack_tokens: int  # haystack length without the needle
    needle_token: int  # haystack tokens before the needle
    needle_char: int  # offset of the needle in the prompt

    @property
    def depth_percent(self) -> float:
        return 100.0 * self.needle_token / max(self.haystack_tokens, 1)


class Haystack:
    """The essays tokenized once; :meth:`build` cuts and fills any (length, depth) cell."""

    def __init__(self, tokenizer: Any, min_tokens: int, folder: str | None = None) -> None:
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("NIAH needs a fast (Rust) tokenizer for token offsets")
        self.tokenizer = tokenizer
        text = "".join(body for _, body in essay_texts(folder))
        repeats = 1
        while True:
            self.text = text * repeats
            encoded = tokenizer(
                self.text, add_special_tokens=False, return_offsets_mapping=True, verbose=False
            )
            if len(encoded.input_ids) >= min_tokens:
                break
            repeats = repeats * 2
        self.token_ends = [end for _, end in encoded.offset_mapping]
        self.boundaries = sentence_boundaries(self.text)

    def _token_index(self, char: int) -> int:
        """Tokens that end at or before ``char``."""
        return bisect.bisect_right(self.token_ends, char)

    def build(
        self, length: int, depth: float, needle: str = NEEDLE, question: str = QUESTION
    ) -> NeedlePrompt:
        """A prompt of ``length`` tokens with ``needle`` at the sentence nearest ``depth`` %."""
        overhead = count_tokens(PROMPT.format(haystack="", question=question), self.tokenizer)
        overhead += count_tokens(f" {needle} ", self.tokenizer)
        size = length - overhead
        if size <= 0:
            raise ValueError(f"NIAH: {length} tokens leave no room for a haystack")
        if size > len(self.token_ends):
            raise ValueError(f"NIAH: haystack has only {len(self.token_ends)} tokens")
        cut = self.token_ends[size - 1]
        hay = self.text[:cut]
        inside = self.boundaries[: bisect.bisect_right(self.boundaries, cut)]
        candidates = [0, *inside, cut]
        target = depth / 100.0 * size
        at = min(candidates, key=lambda c: abs(self._token_index(c) - target))
        before, after = hay[:at], hay[at:]
        if before and not before[-1].isspace():
            before += " "
        joined = before + needle + (" " + after.lstrip() if after else "")
        prompt = PROMPT.format(haystack=joined, question=question)
        offset = PROMPT.index("{haystack}") + len(before)
        return NeedlePrompt(prompt, size, self._token_index(at), offset)


@functools.lru_cache(maxsize=2)
def _haystack(tokenizer: Any, min_tokens: int, folder: str | None) -> Haystack:
    return Haystack(tokenizer, min_tokens, folder)


def usable_length(metadata: Mapping[str, Any], tokenizer: Any, max_gen_toks: int) -> int:
    """Longest prompt that leaves room for the answer and the chat template."""
    return model_max_length(metadata, tokenizer) - max_gen_toks - CHAT_TEMPLATE_RESERVE


# ----------------------------------------------------------------------------- lm-eval
def load_dataset(**metadata: Any) -> datasets.DatasetDict:
    """lm-eval ``custom_dataset``: one document per grid cell (the prompt is built lazily)."""
    tokenizer = load_tokenizer(metadata)
    cells = grid(metadata, usable_length(metadata, tokenizer, MAX_GEN_TOKS))
    docs = [
        {
            "context_length": length,
            "depth_percent": depth,
            "needle": str(metadata.get("needle", NEEDLE)),
            "question": str(metadata.get("question", QUESTION)),
            "answer": str(metadata.get("answer", ANSWER)),
        }
        for length, depth in cells
    ]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


class NiahTask(SinglePromptTask):
    """Needle-in-a-Haystack cells as an lm-eval task (see the module docstring)."""

    def cell_prompt(self, doc: dict) -> NeedlePrompt:
        folder = self.metadata.get("haystack_dir")
        longest = max(DEFAULT_LENGTHS[-1], int(doc["context_length"]))
        haystack = _haystack(self.tokenizer, longest, str(folder) if folder else None)
        return haystack.build(
            int(doc["context_length"]), float(doc["depth_percent"]), doc["needle"], doc["question"]
        )

    def build_prompt(self, doc: dict) -> str:
        return self.cell_prompt(doc).prompt

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["answer"]

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        return {"score": score_response(results[0] if results else "", doc["answer"])}
