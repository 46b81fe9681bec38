"""AWQ: activation-aware scaling of salient weight channels, then grouped weight quantization."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compressors.methods import BuiltStep, Method
from compressors.methods.common import QUANT_DEFAULTS, check_quant, quant_kwargs
from compressors.workarounds import no_pinned_memory_without_accelerator

if TYPE_CHECKING:
    import torch


def _check(params: dict[str, Any]) -> None:
    check_quant(params)
    if params["duo_scaling"] not in (True, False, "both"):
        raise ValueError("duo_scaling must be true, false or 'both'")
    if not isinstance(params["n_grid"], int) or params["n_grid"] < 1:
        raise ValueError("n_grid must be a positive integer")


def _build(params: dict[str, Any], model: torch.nn.Module) -> BuiltStep:
    from llmcompressor.modifiers.quantization import QuantizationModifier
    from llmcompressor.modifiers.transform.awq import AWQModifier

    notes: list[str] = []
    kwargs, resolved = quant_kwargs(params, model, notes)
    modifiers = [
        # The scale search reads the quantization scheme of the modifier that follows it.
        AWQModifier(duo_scaling=params["duo_scaling"], n_grid=params["n_grid"]),
        QuantizationModifier(
            **kwargs,
            # AWQ's weight clipping: pick each group's range by minimising the quantization
            # error (MSE grid search) instead of using the plain min/max.
            weight_observer="memoryless_mse" if params["clip_search"] else None,
        ),
    ]
    return BuiltStep(modifiers, resolved, notes)


METHOD = Method(
    name="awq",
    kind="quantization",
    needs_calibration=True,
    summary="AWQ activation-aware weight quantization (scale search + clipping)",
    defaults={**QUANT_DEFAULTS, "duo_scaling": True, "n_grid": 20, "clip_search": True},
    build=_build,
    check=_check,
    context=no_pinned_memory_without_accelerator,
)
