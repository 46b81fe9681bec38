"""Helpers for long-context tasks: protocol, the model's tokenizer and length, middle truncation.

Every long-context task runs under one of two protocols (``--metadata '{"protocol": ...}'``,
read by :func:`acbench_tasks.common.protocol.task_protocol`): ``acbench`` (default) reproduces
what ACBench's scripts ran, upstream quirks included; ``clean`` is this project's corrected
variant. The protocol in force is written into the task's results metadata.

Long-context prompts are sized in the evaluated model's own tokens. As lm-eval's RULER tasks do,
the tokenizer is named by the task metadata, which lm-eval fills with the model arguments
(``pretrained`` for local models, ``model`` for API backends) and ``--metadata`` (``tokenizer``
wins over both). ACBench's embedded names (``acbench:smollm2``) resolve to their local copy.

lm-eval's ``generate_until`` cuts over-long contexts from the left, which drops the instruction;
LongBench instead keeps the first and last halves of the prompt (:func:`middle_truncate`), so the
question at the end survives. Tasks truncate to :func:`prompt_budget` tokens so that lm-eval's
own truncation never triggers.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)

#: Tokens kept free for the chat template's role markers around the prompt.
CHAT_TEMPLATE_RESERVE = 32
#: lm-eval's HF backend falls back to this length when neither config nor tokenizer has one.
FALLBACK_MAX_LENGTH = 2048
_CONFIG_LENGTH_KEYS = ("max_position_embeddings", "n_positions", "seq_length", "n_ctx")
_UNBOUNDED = 10**7  # transformers' "no limit" sentinel for model_max_length is ~1e30


class TokenizerUnavailableError(RuntimeError):
    """No tokenizer could be found for a task that measures its prompts in tokens."""


def model_key(metadata: Mapping[str, Any]) -> str:
    """The name ACBench's scripts matched model-specific rules against (chat wrapping, NIAH's
    period tokens): ``model_key`` from ``--metadata`` (ACBench's ``--model``/``--model_name``
    value, e.g. ``Qwen2.5-7B-Instruct-AWQ``), else the evaluated model's name or path."""
    for key in ("model_key", "pretrained", "model", "tokenizer"):
        value = metadata.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def tokenizer_name(metadata: Mapping[str, Any]) -> str | None:
    """The tokenizer to load: ``tokenizer``, else ``pretrained``, else ``model`` (RULER's rule)."""
    from lm_eval.tasks.ruler.common_utils import resolve_tokenizer_name

    return resolve_tokenizer_name(dict(metadata))


def _local_name(name: str) -> str:
    from acbench_core.models import resolve_model

    return resolve_model(name)


@functools.lru_cache(maxsize=8)
def _load_tokenizer(name: str, gguf_file: str | None) -> Any:
    from transformers import AutoTokenizer

    kwargs = {"gguf_file": gguf_file} if gguf_file else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(_local_name(name), **kwargs)
    except (OSError, ValueError) as err:
        raise TokenizerUnavailableError(
            f"could not load the tokenizer {name!r} ({type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else ''}). Long-context tasks size their "
            "prompts in the model's tokens: name a loadable tokenizer with "
            '--metadata \'{"tokenizer": "<hub id or folder>"}\''
        ) from None
    if not tokenizer("The quick brown fox.", add_special_tokens=False).input_ids:
        raise TokenizerUnavailableError(
            f"tokenizer {name!r} encodes text to 0 tokens; name a real one with "
            '--metadata \'{"tokenizer": "<hub id or folder>"}\''
        )
    return tokenizer


def load_tokenizer(metadata: Mapping[str, Any]) -> Any:
    """The evaluated model's tokenizer (cached); raises :class:`TokenizerUnavailableError`."""
    name = tokenizer_name(metadata)
    if name is None:
        raise TokenizerUnavailableError(
            "this task measures prompts in the evaluated model's tokens but no model was named: "
            "run it with --model_args pretrained=<model> (lm_eval merges model args into the task "
            'metadata) or --metadata \'{"tokenizer": "<hub id or folder>"}\''
        )
    gguf = metadata.get("gguf_file") if "tokenizer" not in metadata else None
    return _load_tokenizer(name, str(gguf) if gguf else None)


@functools.lru_cache(maxsize=8)
def _config_max_length(name: str) -> int | None:
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(_local_name(name))
    except (OSError, ValueError):
        return None
    config = getattr(config, "text_config", None) or config
    for key in _CONFIG_LENGTH_KEYS:
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def model_max_length(metadata: Mapping[str, Any], tokenizer: Any = None) -> int:
    """Context length of the evaluated model, in the order lm-eval's HF backend uses.

    ``max_length`` from the model args or ``--metadata`` wins; then the model config
    (``max_position_embeddings`` and kin), then the tokenizer's ``model_max_length``, then 2048.
    """
    return known_window(metadata, tokenizer) or FALLBACK_MAX_LENGTH


def known_window(metadata: Mapping[str, Any], tokenizer: Any = None) -> int | None:
    """The model's context window when it can be known (``max_length``, the model config, a
    bounded tokenizer ``model_max_length``), else None; unlike :func:`model_max_length`, no
    2048 fallback (an API model's window is unknown unless ``max_length`` names it)."""
    if metadata.get("max_length"):
        return int(metadata["max_length"])
    name = tokenizer_name({k: v for k, v in metadata.items() if k != "tokenizer"})
    if name and not metadata.get("gguf_file"):
        from_config = _config_max_length(name)
        if from_config:
            return from_config
    limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(limit, int) and 0 < limit < _UNBOUNDED:
        return limit
    return None


def prompt_budget(metadata: Mapping[str, Any], max_gen_toks: int, tokenizer: Any = None) -> int:
    """Most prompt tokens that leave room for the answer: ``max_input_tokens`` or computed.

    ``--metadata '{"max_input_tokens": N}'`` sets it directly (LongBench's per-model
    ``model2maxlen``); otherwise model length − ``max_gen_toks`` − a chat-template reserve.
    """
    if metadata.get("max_input_tokens"):
        return int(metadata["max_input_tokens"])
    budget = model_max_length(metadata, tokenizer) - int(max_gen_toks) - CHAT_TEMPLATE_RESERVE
    if budget <= 0:
        raise ValueError(
            f"max_gen_toks={max_gen_toks} leaves no room for a prompt in the model's "
            f"{model_max_length(metadata, tokenizer)} tokens"
        )
    return budget


def count_tokens(text: str, tokenizer: Any) -> int:
    """Tokens of ``text`` without special tokens."""
    return len(tokenizer(text, add_special_tokens=False).input_ids)


def middle_truncate(text: str, tokenizer: Any, max_tokens: int) -> str:
    """Keep the first and last ``max_tokens / 2`` tokens of ``text`` (LongBench's truncation).

    The result re-encodes to at most ``max_tokens`` tokens: decoding and re-encoding can merge
    tokens across the cut, so the halves shrink until it fits. Text already short enough is
    returned unchanged.
    """
    if max_tokens <= 0:
        raise ValueError(f"max_tokens must be positive, not {max_tokens}")
    ids = tokenizer(text, add_special_tokens=False).input_ids
    if len(ids) <= max_tokens:
        return text
    keep = max_tokens
    while True:
        head, tail = keep // 2, keep - keep // 2
        result = tokenizer.decode(ids[:head], skip_special_tokens=True) + tokenizer.decode(
            ids[len(ids) - tail :], skip_special_tokens=True
        )
        excess = count_tokens(result, tokenizer) - max_tokens
        if excess <= 0 or keep <= 1:
            return result
        keep -= excess


def upstream_middle_truncate(prompt: str, tokenizer: Any, max_length: int) -> str:
    """LongBench's ``pred.py`` truncation, as ACBench ran it.

    ``tokenizer.encode(prompt)`` with the tokenizer's default special tokens; if longer than
    ``max_length``, the first and the last ``int(max_length / 2)`` tokens are decoded
    separately, special tokens kept (a BOS token comes back as its text), and concatenated.
    The result is not re-measured (it may re-encode to a few tokens more or less).
    """
    if max_length < 2:
        raise ValueError(f"max_length must be at least 2, not {max_length}")
    ids = tokenizer.encode(prompt)
    if len(ids) <= max_length:
        return prompt
    half = int(max_length / 2)
    return tokenizer.decode(ids[:half]) + tokenizer.decode(ids[-half:])


# ----------------------------------------------------------------------------- haystack text
#: A sentence ends at . ! or ? (plus closing quotes/brackets) before whitespace, a capital or
#: the end. The essays often lack the space after a full stop ("broken.The"), hence the capital.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s|[A-Z]|$)")


def sentence_boundaries(text: str) -> list[int]:
    """Character offsets just after each sentence end in ``text`` (ascending)."""
    return [m.end() for m in _SENTENCE_END.finditer(text)]
