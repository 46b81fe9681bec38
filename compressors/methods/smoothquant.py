"""SmoothQuant: migrate activation outliers into the weights before 8-bit activation quant.

This step only rescales; a following quantization step (GPTQ W8A8 in the preset) quantizes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compressors.methods import BuiltStep, Method

if TYPE_CHECKING:
    import torch


def _check(params: dict[str, Any]) -> None:
    alpha = params["smoothing_strength"]
    if not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise ValueError(f"smoothing_strength must be between 0 and 1, got {alpha!r}")


def _build(params: dict[str, Any], model: torch.nn.Module) -> BuiltStep:
    from llmcompressor.modifiers.transform.smoothquant import SmoothQuantModifier

    return BuiltStep([SmoothQuantModifier(smoothing_strength=params["smoothing_strength"])])


METHOD = Method(
    name="smoothquant",
    kind="transform",
    needs_calibration=True,
    summary="SmoothQuant activation smoothing (use before a W8A8 quantization step)",
    defaults={"smoothing_strength": 0.8},
    build=_build,
    check=_check,
)
