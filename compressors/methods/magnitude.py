"""Magnitude pruning: zero the smallest weights of each layer, without calibration data.

llm-compressor's ``MagnitudePruningModifier`` is built for training (its masks are applied on
optimizer steps, which one-shot runs never take), so a one-shot run leaves the weights dense.
``_magnitude_modifier.OneShotMagnitudePruningModifier`` applies the mask once, in the same
data-free pipeline, and is registered with llm-compressor's modifier factory so the saved
``recipe.yaml`` loads again after ``import compressors.methods._magnitude_modifier``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compressors.methods import BuiltStep, Method
from compressors.methods.common import PRUNE_DEFAULTS, check_pruning, pruning_kwargs

if TYPE_CHECKING:
    import torch


def _build(params: dict[str, Any], model: torch.nn.Module) -> BuiltStep:
    from compressors.methods._magnitude_modifier import OneShotMagnitudePruningModifier

    return BuiltStep([OneShotMagnitudePruningModifier(**pruning_kwargs(params))])


METHOD = Method(
    name="magnitude",
    kind="pruning",
    needs_calibration=False,
    summary="magnitude pruning per layer (no calibration data)",
    defaults=dict(PRUNE_DEFAULTS),
    build=_build,
    check=check_pruning,
)
