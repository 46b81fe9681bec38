"""Parameters and helpers shared by the quantization and the pruning families."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


logger = logging.getLogger(__name__)

# The paper keeps lm_head in full precision and dense; every method targets the Linear layers.
TARGETS = ["Linear"]
IGNORE = ["lm_head"]

QUANT_DEFAULTS: dict[str, Any] = {
    "bits": 4,
    "group_size": 128,  # null: one scale per output channel
    "symmetric": True,
    "targets": TARGETS,
    "ignore": IGNORE,
}
PRUNE_DEFAULTS: dict[str, Any] = {
    "sparsity": 0.5,
    "mask_structure": "unstructured",  # or "N:M": N zeros in every M consecutive weights
    "targets": TARGETS,
    "ignore": IGNORE,
}
_SMALLEST_GROUP = 16


def target_modules(
    model: torch.nn.Module, targets: list[str], ignore: list[str]
) -> dict[str, torch.nn.Module]:
    """Modules matched by ``targets`` minus ``ignore``, with compressed-tensors' matching rules."""
    from compressed_tensors.utils import match_named_modules

    return {name: module for name, module in match_named_modules(model, targets, ignore)}


def check_quant(params: dict[str, Any]) -> None:
    bits, group = params["bits"], params["group_size"]
    if not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError(f"bits must be an integer from 2 to 8, got {bits!r}")
    if group is not None and (not isinstance(group, int) or group <= 0):
        raise ValueError(f"group_size must be a positive integer or null, got {group!r}")
    if not isinstance(params["symmetric"], bool):
        raise ValueError("symmetric must be true or false")
    _check_lists(params)


def check_pruning(params: dict[str, Any]) -> None:
    sparsity = params["sparsity"]
    if not isinstance(sparsity, (int, float)) or not 0 < sparsity < 1:
        raise ValueError(f"sparsity must be a fraction between 0 and 1, got {sparsity!r}")
    n, m = parse_mask_structure(params["mask_structure"])
    if m and abs(n / m - sparsity) > 1e-9:
        raise ValueError(
            f"mask_structure {params['mask_structure']!r} prunes {n}/{m} of the weights, "
            f"which contradicts sparsity {sparsity}"
        )
    _check_lists(params)


def _check_lists(params: dict[str, Any]) -> None:
    for key in ("targets", "ignore"):
        value = params[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{key} must be a list of module names or class names")


def parse_mask_structure(mask_structure: str) -> tuple[int, int]:
    """``"unstructured"`` -> (0, 0); ``"2:4"`` -> (2, 4): prune N of every M weights in a row."""
    if mask_structure in ("unstructured", "0:0"):
        return 0, 0
    match = re.fullmatch(r"(\d+):(\d+)", str(mask_structure))
    if not match or not 0 < int(match[1]) < int(match[2]):
        raise ValueError(
            f"mask_structure must be 'unstructured' or 'N:M' with 0 < N < M, got {mask_structure!r}"
        )
    return int(match[1]), int(match[2])


def pruning_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments shared by the pruning modifiers, in llm-compressor's spelling."""
    n, m = parse_mask_structure(params["mask_structure"])
    return {
        "sparsity": params["sparsity"],
        "mask_structure": f"{n}:{m}",  # "0:0" is unstructured
        "targets": params["targets"],
        "ignore": pruning_ignore(params["ignore"]),
    }


def pruning_ignore(ignore: list[str]) -> list[str]:
    """Ignore patterns that llm-compressor's SparseGPT/Wanda modifiers actually honour.

    Those modifiers name a target layer's own module ``"<layer>."`` (trailing dot), so a plain
    ``lm_head`` in ``ignore`` would not match and lm_head would be pruned; a regex with an
    optional trailing dot matches both spellings.
    """
    return [
        item if item.startswith("re:") else rf"re:(.*\.)?{re.escape(item)}\.?$" for item in ignore
    ]


def resolve_group_size(
    model: torch.nn.Module, params: dict[str, Any], notes: list[str]
) -> int | None:
    """The requested group size, or the largest power-of-two fraction that fits this model.

    Grouped quantization needs every target layer's input width to be a multiple of the group
    size (compressed-tensors has no kernels for a ragged last group). SmolLM2's hidden size 576,
    for example, is not a multiple of the paper's 128 but is of 64.
    """
    group = params["group_size"]
    if group is None:
        return None
    widths = {
        module.weight.shape[-1]
        for module in target_modules(model, params["targets"], params["ignore"]).values()
        if getattr(module, "weight", None) is not None
    }
    size = group
    while size >= _SMALLEST_GROUP and any(width % size for width in widths):
        size //= 2
    if size < _SMALLEST_GROUP:
        notes.append(
            f"group size {group} does not divide the layer widths {sorted(widths)}; "
            "using one scale per output channel"
        )
        return None
    if size != group:
        notes.append(
            f"group size {group} does not divide the layer widths {sorted(widths)}; using {size}"
        )
    return size


def quant_kwargs(
    params: dict[str, Any],
    model: torch.nn.Module,
    notes: list[str],
    actorder: str | None = None,
    activation_bits: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Quantization modifier keyword arguments for this model, and the values resolved for it."""
    if not params["symmetric"]:
        # transformers 5.23-5.24 cannot load asymmetric pack-quantized checkpoints.
        notes.append(
            "asymmetric quantization (zero points): transformers 5.23-5.24 cannot load such "
            "checkpoints; other releases can, and symmetric ones load everywhere"
        )
    group_size = resolve_group_size(model, params, notes)
    config_groups = quant_config_groups(
        params["bits"],
        group_size,
        params["symmetric"],
        params["targets"],
        actorder=actorder,
        activation_bits=activation_bits,
    )
    kwargs = {"config_groups": config_groups, "targets": params["targets"]}
    resolved = {
        "scheme": f"W{params['bits']}A{activation_bits or 16}",
        "strategy": "group" if group_size else "channel",
        "group_size": group_size,
    }
    return kwargs | {"ignore": params["ignore"]}, resolved


def quant_config_groups(
    bits: int,
    group_size: int | None,
    symmetric: bool,
    targets: list[str],
    actorder: str | None = None,
    activation_bits: int | None = None,
) -> dict[str, Any]:
    """A compressed-tensors ``config_groups`` mapping for integer weight (+activation) quant."""
    weights: dict[str, Any] = {
        "num_bits": bits,
        "type": "int",
        "symmetric": symmetric,
        "strategy": "group" if group_size else "channel",
        "group_size": group_size,
    }
    if actorder:
        weights["actorder"] = actorder
    scheme: dict[str, Any] = {"targets": list(targets), "weights": weights}
    if activation_bits:
        scheme["input_activations"] = {
            "num_bits": activation_bits,
            "type": "int",
            "symmetric": True,
            "strategy": "token",
            "dynamic": True,
        }
    return {"group_0": scheme}


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
