"""Wanda: prune by |weight| x input-activation norm, compared within each output row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compressors.methods import BuiltStep, Method
from compressors.methods.common import PRUNE_DEFAULTS, check_pruning, pruning_kwargs

if TYPE_CHECKING:
    import torch


def _build(params: dict[str, Any], model: torch.nn.Module) -> BuiltStep:
    from llmcompressor.modifiers.pruning import WandaPruningModifier

    return BuiltStep([WandaPruningModifier(**pruning_kwargs(params))])


METHOD = Method(
    name="wanda",
    kind="pruning",
    needs_calibration=True,
    summary="Wanda pruning (weights x activation norms)",
    defaults=dict(PRUNE_DEFAULTS),
    build=_build,
    check=check_pruning,
)
