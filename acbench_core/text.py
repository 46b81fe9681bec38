"""Text that every writer and tokenizer can take: lone UTF-16 surrogates replaced.

A Python string can hold a lone surrogate (``"\\ud800"``), e.g. from a JSON escape in an API
backend's answer; UTF-8 cannot encode it. lm-eval's samples writer then fails on the first one
and loses the task's whole samples file, and tokenizers raise. Replacing each lone surrogate with
U+FFFD (the Unicode replacement character) keeps everything else unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REPLACEMENT_CHARACTER = "\ufffd"
_SURROGATES = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD."""
    return _SURROGATES.sub(REPLACEMENT_CHARACTER, text)


def without_surrogates(value: Any) -> Any:
    """``value`` (nested dicts, lists, tuples, strings) with :func:`replace_surrogates` applied
    to every string, keys included; other values unchanged. Unchanged parts are returned as
    they are (no copy)."""
    if isinstance(value, str):
        return replace_surrogates(value) if _SURROGATES.search(value) else value
    if isinstance(value, Mapping):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_surrogates(v) for v in value)
    return value
