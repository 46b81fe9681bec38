"""Method families: one small module each, all behind the same :class:`Method` interface.

A method turns one recipe step (validated parameters) into llm-compressor modifiers for a given
model. The registry maps the step's ``method:`` name to its module's ``METHOD``.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import torch

Kind = Literal["quantization", "pruning", "transform"]

# step `method:` name -> module defining METHOD (imported lazily: llm-compressor is heavy)
FAMILIES: dict[str, str] = {
    "gptq": "compressors.methods.gptq",
    "awq": "compressors.methods.awq",
    "rtn": "compressors.methods.rtn",
    "smoothquant": "compressors.methods.smoothquant",
    "magnitude": "compressors.methods.magnitude",
    "wanda": "compressors.methods.wanda",
    "sparsegpt": "compressors.methods.sparsegpt",
}


@dataclass
class BuiltStep:
    """The modifiers for one step, and the parameters as actually used on this model."""

    modifiers: list[Any]
    resolved: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # adjustments the user should know about


@dataclass(frozen=True)
class Method:
    """One method family: its parameters (with defaults) and how it builds modifiers."""

    name: str
    kind: Kind
    needs_calibration: bool
    summary: str
    defaults: Mapping[str, Any]
    build: Callable[[dict[str, Any], torch.nn.Module], BuiltStep]
    check: Callable[[dict[str, Any]], None] | None = None
    # work-arounds that must be active while this method runs (see compressors/workarounds.py)
    context: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext

    def validate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults merged with ``params``; unknown names and bad values raise ValueError."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {unknown} for {self.name}; allowed: {sorted(self.defaults)}"
            )
        merged = {**self.defaults, **params}
        if self.check is not None:
            self.check(merged)
        return merged


def method_names() -> list[str]:
    return sorted(FAMILIES)


def get_method(name: str) -> Method:
    """The :class:`Method` of a family name such as ``gptq``."""
    try:
        module = FAMILIES[name]
    except KeyError:
        raise ValueError(
            f"unknown method family {name!r}; known: {', '.join(method_names())}"
        ) from None
    return importlib.import_module(module).METHOD
