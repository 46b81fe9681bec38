"""What a compressed checkpoint folder says about itself (``acbench_compression.json``).

The file is written by ``acbench compress`` (:mod:`compressors.pipeline`). Fields read here, all
optional so that a folder from another tool (or an older format) still publishes:

- ``method`` (preset or recipe name), ``description``, ``paper_setting``, ``kinds``
  (``quantization`` / ``pruning``), ``steps[].method`` / ``steps[].params``;
- ``base_model.id`` (Hub id, local path or ``acbench:`` alias), ``base_model.upstream_id`` (the
  Hub id behind an alias), ``base_model.revision``;
- ``calibration`` (``dataset``, ``num_samples``, ``max_seq_length``, ``seed``);
- ``quantization.schemes[].bits`` / ``group_size`` / ``activation_bits``, ``quantization.format``;
- ``sparsity.sparsity`` / ``mask_structure``; ``size.weights_bytes`` / ``ratio_vs_base_bf16``;
- ``verification.perplexity_base`` / ``perplexity_compressed``; ``libraries``; ``created``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

METADATA_FILE = "acbench_compression.json"
RECIPE_FILE = "acbench_recipe.yaml"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


@dataclass
class Compression:
    """The compression facts a model card needs; every field may be missing."""

    method: str | None = None
    description: str | None = None
    paper_setting: str | None = None
    kinds: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    base_model: str | None = None  # a Hub id, or None when the base was a local folder
    base_model_source: str | None = None  # what the run was given (alias, path or id)
    calibration: dict[str, Any] | None = None
    bits: list[int] = field(default_factory=list)
    activation_bits: list[int] = field(default_factory=list)
    sparsity: float | None = None
    mask_structure: str | None = None
    weights_bytes: int | None = None
    size_ratio: float | None = None
    perplexity_base: float | None = None
    perplexity_compressed: float | None = None
    libraries: dict[str, Any] = field(default_factory=dict)
    has_recipe_file: bool = False
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def relation(self) -> str | None:
        """``base_model_relation`` for the card: quantized, or finetune for pruned-only weights
        (the Hub's values are adapter, merge, quantized and finetune: pruning has none of its
        own, and a pruned model is a derived full set of weights, listed with finetunes)."""
        if "quantization" in self.kinds or self.bits:
            return "quantized"
        if "pruning" in self.kinds or self.sparsity:
            return "finetune"
        return None

    @property
    def tags(self) -> list[str]:
        tags = ["acbench", "compressed"]
        if self.relation == "quantized":
            tags.append("quantized")
        if "pruning" in self.kinds or self.sparsity:
            tags.append("pruned")
        if self.bits:
            tags.append(f"{min(self.bits)}-bit")
        if self.mask_structure and ":" in self.mask_structure:
            tags.append(f"{self.mask_structure.replace(':', 'of')}-sparsity")
        for step in self.steps:
            if step.get("method"):
                tags.append(str(step["method"]))
        if self.libraries.get("llmcompressor"):
            tags += ["llmcompressor", "compressed-tensors"]
        return list(dict.fromkeys(tags))


def read_compression(folder: Path) -> Compression:
    """Read ``acbench_compression.json`` from ``folder`` (an empty record when absent)."""
    path = Path(folder) / METADATA_FILE
    if not path.is_file():
        return Compression()
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        logger.warning("%s unreadable (%s): the card will not describe the compression", path, err)
        return Compression()
    if not isinstance(meta, dict):
        return Compression()
    base = meta.get("base_model") if isinstance(meta.get("base_model"), dict) else {}
    if isinstance(meta.get("base_model"), str):
        base = {"id": meta["base_model"]}
    quant = meta.get("quantization") if isinstance(meta.get("quantization"), dict) else {}
    schemes = [s for s in quant.get("schemes") or [] if isinstance(s, dict)]
    sparsity = meta.get("sparsity") if isinstance(meta.get("sparsity"), dict) else {}
    size = meta.get("size") if isinstance(meta.get("size"), dict) else {}
    check = meta.get("verification") if isinstance(meta.get("verification"), dict) else {}
    steps = [s for s in meta.get("steps") or [] if isinstance(s, dict)]
    return Compression(
        method=_str(meta.get("method")),
        description=_str(meta.get("description")),
        paper_setting=_str(meta.get("paper_setting")),
        kinds=[str(k) for k in meta.get("kinds") or []],
        steps=steps,
        base_model=_hub_id(base),
        base_model_source=_str(base.get("id")),
        calibration=meta.get("calibration") if isinstance(meta.get("calibration"), dict) else None,
        bits=sorted({int(s["bits"]) for s in schemes if isinstance(s.get("bits"), int)}),
        activation_bits=sorted(
            {
                int(s["activation_bits"])
                for s in schemes
                if isinstance(s.get("activation_bits"), int)
            }
        ),
        sparsity=_float(sparsity.get("sparsity")),
        mask_structure=_str(sparsity.get("mask_structure")),
        weights_bytes=size.get("weights_bytes")
        if isinstance(size.get("weights_bytes"), int)
        else None,
        size_ratio=_float(size.get("ratio_vs_base_bf16")),
        perplexity_base=_float(check.get("perplexity_base")),
        perplexity_compressed=_float(check.get("perplexity_compressed")),
        libraries=meta.get("libraries") if isinstance(meta.get("libraries"), dict) else {},
        has_recipe_file=(Path(folder) / RECIPE_FILE).is_file(),
        raw=meta,
    )


def _hub_id(base: dict[str, Any]) -> str | None:
    """The base model's Hub id: the upstream id of an alias, else an id that is not a path."""
    for key in ("upstream_id", "id"):
        value = base.get(key)
        if isinstance(value, str) and _HUB_ID.match(value) and not Path(value).exists():
            return value
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
