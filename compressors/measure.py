"""Measurements of a checkpoint: sparsity, 2:4 conformance, weight bytes, perplexity."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

# A fixed passage for the before/after perplexity check (not part of any calibration source).
VERIFY_TEXT = (
    "The old bridge over the river was closed for repairs in the spring, so the morning bus "
    "now takes the long way round, past the brick factory and the new school. Most passengers "
    "do not mind: the detour adds ten minutes, and from the top of the hill there is a fine view "
    "of the valley, the orchards and the church tower. The engineers say the work will be "
    "finished before the autumn fair, when the town expects twice as many visitors as usual. "
    "Until then, the ferry runs every half hour from the quay, and cyclists may cross on the "
    "footbridge as long as they push their bicycles."
)
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


def sparsity_report(
    modules: dict[str, torch.nn.Module], mask_structure: str | None = None
) -> dict[str, Any]:
    """Fraction of zero weights over ``modules`` (and per layer); N:M conformance if asked.

    N:M conformance counts the runs of M consecutive weights in a row holding at least N zeros.
    """
    zeros = total = 0
    per_layer: dict[str, float] = {}
    groups = conforming = 0
    n = m = 0
    if mask_structure and mask_structure != "unstructured":
        n, m = (int(x) for x in mask_structure.split(":"))
    for name, module in modules.items():
        weight = module.weight.detach()
        layer_zeros = int((weight == 0).sum())
        zeros += layer_zeros
        total += weight.numel()
        per_layer[name] = layer_zeros / weight.numel()
        if m and weight.shape[-1] % m == 0:
            counts = (weight.reshape(-1, m) == 0).sum(-1)
            groups += counts.numel()
            conforming += int((counts >= n).sum())
    report: dict[str, Any] = {
        "sparsity": zeros / total if total else 0.0,
        "layers": len(per_layer),
        "min_layer_sparsity": min(per_layer.values(), default=0.0),
        "max_layer_sparsity": max(per_layer.values(), default=0.0),
    }
    if m:
        report[f"{n}:{m}_groups"] = groups
        report[f"{n}:{m}_conforming_fraction"] = conforming / groups if groups else 0.0
        report[f"{n}:{m}_conforms"] = bool(groups) and conforming == groups
    return report


def checkpoint_tensors(folder: Path) -> dict[str, tuple[str, tuple[int, ...], int]]:
    """name -> (dtype, shape, bytes) for every tensor in the folder's safetensors files."""
    from safetensors import safe_open

    tensors: dict[str, tuple[str, tuple[int, ...], int]] = {}
    for path in sorted(folder.glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as handle:
            for name in handle.keys():  # safe_open is not a Mapping
                piece = handle.get_slice(name)
                dtype, shape = piece.get_dtype(), tuple(piece.get_shape())
                tensors[name] = (dtype, shape, math.prod(shape) * _dtype_bytes(dtype))
    return tensors


def linear_weight_bytes(folder: Path, base_numel: dict[str, int]) -> dict[str, Any]:
    """Bytes the target Linear layers' weights take in the checkpoint, against bf16.

    Counts every tensor of those layers whose name starts with ``weight`` (packed weights,
    scales, zero points, shapes).
    """
    tensors = checkpoint_tensors(folder)
    stored = 0
    for module in base_numel:
        prefix = f"{module}.weight"
        stored += sum(size for name, (_, _, size) in tensors.items() if name.startswith(prefix))
    bf16 = 2 * sum(base_numel.values())
    return {
        "bytes": stored,
        "bf16_bytes": bf16,
        "ratio_vs_bf16": bf16 / stored if stored else None,
    }


def folder_weight_bytes(folder: Path) -> int:
    """Total size of the weight files in a checkpoint folder."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.name.endswith(WEIGHT_SUFFIXES))


def perplexity(model: torch.nn.Module, tokenizer: Any, text: str = VERIFY_TEXT) -> float:
    """Perplexity of ``text`` (at most 256 tokens) under ``model``, in one forward pass."""
    ids = tokenizer(text, return_tensors="pt")["input_ids"][:, :256]
    device = next(model.parameters()).device
    with torch.no_grad():
        out = model(input_ids=ids.to(device), labels=ids.to(device))
    return float(torch.exp(out.loss.float()))


def _dtype_bytes(dtype: str) -> int:
    table = {"F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2}
    table.update({"I16": 2, "U16": 2, "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1})
    return table.get(dtype, 1)
