"""Masking credentials in what is echoed or recorded: model arguments and configs.

lm-eval's ``--model_args`` may carry a token (``token=hf_...``, ``api_key=sk-...`` for API
backends). ACBench never prints such a value and never writes it to a results file, a study
config or a model card: the value is replaced by :data:`MASK`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

MASK = "***"
#: Argument names whose values are secrets: ``token``, ``hf_token``, ``api_key``, ``password``,
#: ... (not ``tokenizer`` or ``max_tokens``).
SECRET_NAME = re.compile(
    r"(^|[_.-])(token|api_?key|secret|password|passwd|credentials?)$", re.IGNORECASE
)
_NOT_SECRET_VALUES = {"", "true", "false", "none", "null"}
# key=value inside "a=1,token=x" strings, and 'key': 'value' / "key": "value" inside reprs
_ASSIGNMENT = re.compile(r"(?P<key>[\w.-]+)(?P<sep>=)(?P<value>[^,\s'\"}]*)")
_QUOTED = re.compile(r"(?P<key>['\"][\w.-]+['\"])(?P<sep>\s*:\s*)(?P<value>'[^']*'|\"[^\"]*\")")

T = TypeVar("T")


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(str(name)))


def mask_model_args(args: T) -> T:
    """``model_args`` (a dict or lm-eval's ``a=1,b=2`` string) with secret values masked."""
    if isinstance(args, Mapping):
        return {  # type: ignore[return-value]
            key: MASK if is_secret_name(key) and _is_secret_value(value) else value
            for key, value in args.items()
        }
    if isinstance(args, str):
        return mask_text(args)  # type: ignore[return-value]
    return args


def mask_text(text: str) -> str:
    """A line with every ``secret=value`` / ``'secret': 'value'`` value masked."""

    def hide(match: re.Match[str]) -> str:
        if not is_secret_name(match["key"].strip("'\"")) or not _is_secret_value(
            match["value"].strip("'\"")
        ):
            return match[0]
        quote = match["value"][0] if match["value"][:1] in "'\"" else ""
        return f"{match['key']}{match['sep']}{quote}{MASK}{quote}"

    return _QUOTED.sub(hide, _ASSIGNMENT.sub(hide, text))


def masked(value: Any) -> Any:
    """Recursively mask secret values in nested dicts/lists (configs written to disk)."""
    if isinstance(value, Mapping):
        return {
            k: (MASK if is_secret_name(k) and _is_secret_value(v) else masked(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def _is_secret_value(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() not in _NOT_SECRET_VALUES
