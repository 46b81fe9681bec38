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


def magnitude_mask(weight: torch.Tensor, sparsity: float, n: int = 0, m: int = 0) -> torch.Tensor:
    """Boolean keep-mask of ``weight`` (out x in).

    Unstructured (``m == 0``): the ``round(sparsity * numel)`` smallest |w| of the whole layer
    are pruned, exactly that many even with ties. N:M: in every run of ``m`` consecutive
    weights of a row, the ``n`` smallest are pruned.
    """
    import torch

    scores = weight.detach().abs().float()
    keep = torch.ones_like(scores, dtype=torch.bool)
    if m == 0:
        count = round(sparsity * scores.numel())
        if count:
            drop = torch.topk(scores.flatten(), count, largest=False).indices
            keep.view(-1)[drop] = False
        return keep
    if scores.shape[-1] % m:
        raise ValueError(f"{n}:{m} pruning needs an input width divisible by {m}")
    groups = scores.reshape(-1, m)
    drop = torch.topk(groups, n, dim=-1, largest=False).indices
    return keep.reshape(-1, m).scatter(-1, drop, False).reshape(scores.shape)


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
