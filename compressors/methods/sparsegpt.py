"""SparseGPT: Hessian-based mask selection with an update of the remaining weights."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compressors.methods import BuiltStep, Method
from compressors.methods.common import PRUNE_DEFAULTS, check_pruning, pruning_kwargs

if TYPE_CHECKING:
    import torch


def _check(params: dict[str, Any]) -> None:
    check_pruning(params)
    if not 0 < params["dampening"] < 1:
        raise ValueError(f"dampening must be a fraction between 0 and 1, got {params['dampening']}")


def _build(params: dict[str, Any], model: torch.nn.Module) -> BuiltStep:
    from llmcompressor.modifiers.pruning import SparseGPTModifier

    modifier = SparseGPTModifier(
        **pruning_kwargs(params),
        dampening_frac=params["dampening"],
        block_size=params["block_size"],
    )
    return BuiltStep([modifier])


METHOD = Method(
    name="sparsegpt",
    kind="pruning",
    needs_calibration=True,
    summary="SparseGPT pruning (Hessian-based mask and weight update)",
    defaults={**PRUNE_DEFAULTS, "dampening": 0.01, "block_size": 128},
    build=_build,
    check=_check,
)
