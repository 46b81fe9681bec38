"""RTN: round-to-nearest weight quantization, the data-free baseline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compressors.methods import BuiltStep, Method
from compressors.methods.common import QUANT_DEFAULTS, check_quant, quant_kwargs

if TYPE_CHECKING:
    import torch


def _build(params: dict[str, Any], model: torch.nn.Module) -> BuiltStep:
    from llmcompressor.modifiers.quantization import QuantizationModifier

    notes: list[str] = []
    kwargs, resolved = quant_kwargs(params, model, notes)
    return BuiltStep([QuantizationModifier(**kwargs)], resolved, notes)


METHOD = Method(
    name="rtn",
    kind="quantization",
    needs_calibration=False,
    summary="round-to-nearest weight quantization (no calibration data)",
    defaults=dict(QUANT_DEFAULTS),
    build=_build,
    check=check_quant,
)
