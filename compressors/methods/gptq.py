"""GPTQ: second-order (Hessian-based) weight quantization, layer by layer on calibration data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compressors.methods import BuiltStep, Method
from compressors.methods.common import QUANT_DEFAULTS, check_quant, quant_kwargs

if TYPE_CHECKING:
    import torch


def _check(params: dict[str, Any]) -> None:
    check_quant(params)
    if not 0 < params["dampening"] < 1:
        raise ValueError(f"dampening must be a fraction between 0 and 1, got {params['dampening']}")
    if params["activation_bits"] not in (None, 8):
        raise ValueError("activation_bits must be null (weight-only) or 8 (dynamic per token)")


def _build(params: dict[str, Any], model: torch.nn.Module) -> BuiltStep:
    from llmcompressor.modifiers.quantization import GPTQModifier

    notes: list[str] = []
    # "weight" (alias "static") = process columns in activation order with groups fixed
    # beforehand (GPTQ's act-order + static_groups); the file format is unchanged.
    actorder = "weight" if params["actorder"] else None
    kwargs, resolved = quant_kwargs(
        params, model, notes, actorder=actorder, activation_bits=params["activation_bits"]
    )
    modifier = GPTQModifier(
        **kwargs,
        dampening_frac=params["dampening"],
        block_size=params["block_size"],
        # said explicitly: left unset, GPTQModifier turns act-order on ("static") by default
        actorder=actorder,
    )
    resolved["actorder"] = actorder
    return BuiltStep([modifier], resolved, notes)


METHOD = Method(
    name="gptq",
    kind="quantization",
    needs_calibration=True,
    summary="GPTQ weight quantization (Hessian-based error compensation)",
    defaults={
        **QUANT_DEFAULTS,
        "actorder": True,
        "dampening": 0.01,
        "block_size": 128,
        "activation_bits": None,
    },
    build=_build,
    check=_check,
)
