"""``compress()``: a model and a recipe in, a verified Hub-ready checkpoint folder out.

The folder holds the compressed-tensors weights, config, tokenizer, llm-compressor's
``recipe.yaml``, our readable ``acbench_recipe.yaml`` and ``acbench_compression.json`` (method,
parameters, calibration, library versions, base model, wall time, peak memory, sizes, measured
sparsity / bits, perplexity before and after). It is written to a hidden temporary folder next to
the target and renamed at the very end, so a failed run leaves no half-written checkpoint.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import yaml

from acbench_core.carbon import measure_energy
from acbench_core.threads import ThreadChoice, cpu_threads
from compressors.calibration import CalibrationConfig, CalibrationSet, build_calibration_set
from compressors.methods import BuiltStep, get_method
from compressors.progress import ProgressCallback, track_layers
from compressors.recipe import Recipe, load_recipe
from compressors.record import RECIPE_FILE, CompressionRecord

logger = logging.getLogger(__name__)

DTYPES = ("bfloat16", "float16", "float32", "auto")
LIBRARIES = ("acbench", "torch", "transformers", "llmcompressor", "compressed-tensors", "datasets")


class CompressionError(RuntimeError):
    """A compression run that cannot start or whose result failed verification."""


@dataclass
class CompressionResult:
    """Where the checkpoint went and what ``acbench_compression.json`` says (as written)."""

    output_dir: Path
    metadata: dict[str, Any]

    @property
    def record(self) -> CompressionRecord:
        return CompressionRecord.from_dict(self.metadata)


def compress(
    model: str | Path,
    method: str | Path | Recipe,
    output_dir: str | Path,
    calibration: Mapping[str, Any] | CalibrationConfig | None = None,
    *,
    dtype: str = "bfloat16",
    overwrite: bool = False,
    verify: bool = True,
    progress: ProgressCallback | None = None,
    energy: bool = True,
    energy_country: str = "USA",
    tracker_factory: Callable[[], Any] | None = None,
    threads: int | None = None,
) -> CompressionResult:
    """Compress ``model`` (Hub id, local folder or ``acbench:`` alias) with a preset or recipe.

    ``calibration`` overrides the recipe's calibration defaults (dataset, num_samples,
    max_seq_length, seed, ...); it is ignored by data-free recipes. When it names no dataset
    and the recipe's Hub dataset cannot be read (offline), offline text is used instead and the
    record says so. ``energy`` measures the compression itself (calibration forward passes,
    modifiers, saving) with codecarbon for the grid of ``energy_country`` (ISO 3166 alpha-3),
    the meter evaluation uses; ``tracker_factory`` replaces codecarbon's tracker (tests).
    ``threads``: torch CPU threads; by default one per core that other processes leave idle
    (:mod:`acbench_core.threads`), recorded as ``cpu_threads``.
    """
    with cpu_threads(threads) as chosen:
        return _compress(
            model,
            method,
            output_dir,
            calibration,
            dtype=dtype,
            overwrite=overwrite,
            verify=verify,
            progress=progress,
            energy=energy,
            energy_country=energy_country,
            tracker_factory=tracker_factory,
            threads=chosen,
        )


def _compress(
    model: str | Path,
    method: str | Path | Recipe,
    output_dir: str | Path,
    calibration: Mapping[str, Any] | CalibrationConfig | None,
    *,
    dtype: str,
    overwrite: bool,
    verify: bool,
    progress: ProgressCallback | None,
    energy: bool,
    energy_country: str,
    tracker_factory: Callable[[], Any] | None,
    threads: ThreadChoice,
) -> CompressionResult:
    started = time.perf_counter()
    model = str(model)
    report = progress or (lambda phase, done, total: None)
    recipe = method if isinstance(method, Recipe) else load_recipe(method)
    out = Path(output_dir).expanduser().absolute()
    if out.exists() and not overwrite:
        raise CompressionError(f"{out} already exists: choose another output folder or overwrite")
    if dtype not in DTYPES:
        raise CompressionError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    calib_config = CalibrationConfig.resolve(recipe.calibration, calibration)  # validates

    report("load", 0, 1)
    net, tokenizer, base = _load_model(model, dtype)
    report("load", 1, 1)
    built = _build_steps(recipe, net)
    quant_targets = _target_numel(net, recipe, "quantization")
    base_ppl = _finite_perplexity(net, tokenizer, "the base model") if verify else None
    base_bf16 = 2 * sum(p.numel() for p in net.parameters())

    calib: CalibrationSet | None = None
    if recipe.needs_calibration:
        report("calibration", 0, 1)
        chosen = isinstance(calibration, CalibrationConfig) or "dataset" in (calibration or {})
        calib = build_calibration_set(calib_config, tokenizer, allow_fallback=not chosen)
        report("calibration", 1, 1)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        meter = (
            measure_energy(f"compress {recipe.name}", energy_country, tracker_factory)
            if energy
            else contextlib.nullcontext(None)
        )
        with meter as energy_block:
            timings, peak = _run_oneshot(built, net, tokenizer, calib, staging, report)
        meta = _metadata(recipe, built, calib, base, dtype, timings, peak)
        meta["cpu_threads"] = threads.as_dict()
        meta["energy"] = _energy_record(energy_block)
        meta["size"] = _size_report(staging, base, base_bf16)
        if "quantization" in recipe.kinds:
            meta["quantization"] = _quantization_report(staging, quant_targets)
        if verify:
            report("verify", 0, 1)
            t0 = time.perf_counter()
            meta.update(_verify(staging, tokenizer, recipe, base_ppl))
            timings["verify_s"] = round(time.perf_counter() - t0, 3)
            report("verify", 1, 1)
        timings["total_s"] = round(time.perf_counter() - started, 3)
        (staging / RECIPE_FILE).write_text(
            yaml.safe_dump(recipe.to_dict(), sort_keys=False), encoding="utf-8"
        )
        record = CompressionRecord.from_dict(meta)
        record.write(staging)
        meta = record.to_dict()
        _make_shareable(staging)
        if out.exists():  # overwrite=True: the old folder goes only once the new one is complete
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return CompressionResult(out, meta)


def _load_model(model: str, dtype: str) -> tuple[Any, Any, dict[str, Any]]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from acbench_core.models import ModelNotFoundError, resolve_model

    try:
        path = resolve_model(model)
    except ModelNotFoundError as err:
        raise CompressionError(str(err)) from None
    torch_dtype = dtype if dtype == "auto" else getattr(torch, dtype)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        net = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype)
    except Exception as err:  # not a model folder, unknown Hub id, offline, bad config, ...
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CompressionError(
            f"cannot load a causal language model and tokenizer from {model!r}: {reason}"
        ) from None
    net.eval()
    return net, tokenizer, _describe_base(model, path, net.config)


def _describe_base(model: str, path: str, config: Any) -> dict[str, Any]:
    from acbench_core.models import ALIAS_PREFIX, EMBEDDED_MODELS, is_alias, model_license

    info: dict[str, Any] = {"id": model, "revision": getattr(config, "_commit_hash", None)}
    local = Path(path)
    if local.is_dir():
        info["path"] = str(local.absolute())
    if is_alias(model):
        embedded = EMBEDDED_MODELS[model.removeprefix(ALIAS_PREFIX)]
        info.update(upstream_id=embedded.upstream_id, package=embedded.pip_spec)
        info["gguf_file"] = embedded.gguf_file
        info["gguf_quantization"] = embedded.gguf_quantization
    info["license"], info["license_source"] = model_license(
        model, local if local.is_dir() else None
    )
    info["architecture"] = (getattr(config, "architectures", None) or [None])[0]
    return info


def _build_steps(recipe: Recipe, net: Any) -> list[tuple[Any, BuiltStep]]:
    from compressors.methods.common import target_modules

    built = []
    for step in recipe.steps:
        method = get_method(step.method)
        if "targets" in step.params:
            found = target_modules(net, step.params["targets"], step.params["ignore"])
            if not found:
                raise CompressionError(
                    f"{step.method}: the model has no layers matching targets "
                    f"{step.params['targets']} (ignoring {step.params['ignore']}); "
                    "these methods compress torch.nn.Linear layers"
                )
        result = method.build(step.params, net)
        for note in result.notes:
            logger.warning("%s: %s", step.method, note)
        built.append((step, result))
    return built


def _target_numel(net: Any, recipe: Recipe, kind: str) -> dict[str, int]:
    from compressors.methods.common import target_modules

    numel: dict[str, int] = {}
    for step in recipe.steps:
        if get_method(step.method).kind == kind:
            for name, module in target_modules(
                net, step.params["targets"], step.params["ignore"]
            ).items():
                numel[name] = module.weight.numel()
    return numel


def _run_oneshot(
    built: list[tuple[Any, BuiltStep]],
    net: Any,
    tokenizer: Any,
    calib: CalibrationSet | None,
    staging: Path,
    report: ProgressCallback,
) -> tuple[dict[str, float], dict[str, int | None]]:
    import torch
    from llmcompressor import oneshot
    from llmcompressor.core import create_session

    modifiers = [m for _, result in built for m in result.modifiers]
    passes = sum(bool(getattr(m, "requires_calibration_data", False)) for m in modifiers)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    timings: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        stack.enter_context(create_session())  # a fresh llm-compressor session per run
        for step, _ in built:
            stack.enter_context(get_method(step.method).context())
        t0 = time.perf_counter()
        with track_layers(net, passes, report):
            data = calib.oneshot_kwargs() if calib else {}
            oneshot(model=net, processor=tokenizer, recipe=modifiers, **data)
        timings["compress_s"] = round(time.perf_counter() - t0, 3)
        report("save", 0, 1)
        t0 = time.perf_counter()
        # inside the session: llm-compressor's save_pretrained also writes recipe.yaml
        with warnings.catch_warnings():
            # llm-compressor marks every module "offloaded" to CPU; transformers then warns
            # about RAM for 50 GB shards, which does not apply to a model already in memory
            warnings.filterwarnings("ignore", message="Attempting to save a model with offloaded")
            net.save_pretrained(staging, save_compressed=True)
        tokenizer.save_pretrained(staging)
        timings["save_s"] = round(time.perf_counter() - t0, 3)
        report("save", 1, 1)
    peak = {
        "process_max_rss_bytes": _max_rss_bytes(),
        "cuda_max_allocated_bytes": (
            int(torch.cuda.max_memory_allocated()) if torch.cuda.is_available() else None
        ),
    }
    return timings, peak


def _metadata(
    recipe: Recipe,
    built: list[tuple[Any, BuiltStep]],
    calib: CalibrationSet | None,
    base: dict[str, Any],
    dtype: str,
    timings: dict[str, float],
    peak: dict[str, int | None],
) -> dict[str, Any]:
    import torch

    device = "cpu"
    if torch.cuda.is_available():
        device = f"cuda ({torch.cuda.get_device_name(0)})"
    return {
        "format_version": 1,
        "method": recipe.name,
        "description": recipe.description,
        "setting": recipe.setting,
        "reference": recipe.reference,
        "differences": list(recipe.differences),
        "kinds": sorted(recipe.kinds),
        "steps": [
            {"method": step.method, "params": step.params, "resolved": r.resolved, "notes": r.notes}
            for step, r in built
        ],
        "calibration": calib.info if calib else None,
        "base_model": base,
        "dtype": dtype,
        "device": device,
        "libraries": {name: _version(name) for name in LIBRARIES}
        | {"python": platform.python_version()},
        "wall_time": timings,
        "peak_memory": peak,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _energy_record(block: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``energy`` field: what was measured, and what it covers."""
    if block is None:
        return None
    return {
        **block,
        "covers": "the compression run: calibration forward passes, modifiers and saving "
        "(not loading the base model nor the verification)",
    }


def _size_report(folder: Path, base: dict[str, Any], base_bf16: int) -> dict[str, Any]:
    from compressors.measure import folder_weight_bytes

    size = folder_weight_bytes(folder)
    on_disk = folder_weight_bytes(Path(base["path"])) if "path" in base else None
    return {
        "weights_bytes": size,
        "base_bf16_bytes": base_bf16,
        "ratio_vs_base_bf16": round(base_bf16 / size, 3) if size else None,
        "base_weights_bytes_on_disk": on_disk,
        "ratio_vs_base_on_disk": round(on_disk / size, 3) if on_disk and size else None,
    }


def _quantization_report(folder: Path, targets: dict[str, int]) -> dict[str, Any]:
    from compressors.measure import linear_weight_bytes

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    qconfig = config.get("quantization_config") or {}
    groups = []
    for group in (qconfig.get("config_groups") or {}).values():
        weights = group.get("weights") or {}
        activations = group.get("input_activations") or {}
        groups.append(
            {
                "bits": weights.get("num_bits"),
                "group_size": weights.get("group_size"),
                "strategy": weights.get("strategy"),
                "symmetric": weights.get("symmetric"),
                "activation_bits": activations.get("num_bits"),
            }
        )
    return {
        "format": qconfig.get("format"),
        "quant_method": qconfig.get("quant_method"),
        "schemes": groups,
        "ignore": qconfig.get("ignore"),
        "linear_weights": linear_weight_bytes(folder, targets),
    }


def _verify(folder: Path, tokenizer: Any, recipe: Recipe, base_ppl: float | None) -> dict[str, Any]:
    """Reload with plain transformers, run a forward pass, measure sparsity of what was saved."""
    from transformers import AutoModelForCausalLM

    from compressors.measure import sparsity_report

    try:
        reloaded = AutoModelForCausalLM.from_pretrained(folder)
    except Exception as err:
        raise CompressionError(
            f"verification failed: the checkpoint does not load ({err})"
        ) from err
    ppl = _finite_perplexity(reloaded, tokenizer, "the reloaded checkpoint")
    result: dict[str, Any] = {
        "verification": {
            "reload": "transformers.AutoModelForCausalLM.from_pretrained",
            "perplexity_base": _round(base_ppl),
            "perplexity_compressed": _round(ppl),
            "text": "compressors.measure.VERIFY_TEXT (first 256 tokens)",
        }
    }
    prune_steps = [s for s in recipe.steps if get_method(s.method).kind == "pruning"]
    if prune_steps:
        step = prune_steps[0]
        if "quantization" in recipe.kinds:  # measure the dequantized weights
            reloaded = _load_dequantized(folder)
        from compressors.methods.common import target_modules

        modules = target_modules(reloaded, step.params["targets"], step.params["ignore"])
        sparsity = sparsity_report(modules, step.params["mask_structure"])
        sparsity["target"] = step.params["sparsity"]
        sparsity["mask_structure"] = step.params["mask_structure"]
        sparsity["stored"] = "dense (compressed-tensors no longer writes sparse formats)"
        result["sparsity"] = sparsity
    return result


def _load_dequantized(folder: Path) -> Any:
    from transformers import AutoModelForCausalLM, CompressedTensorsConfig

    with warnings.catch_warnings():  # "the quantization_config from the model will be used"
        warnings.simplefilter("ignore", UserWarning)
        return AutoModelForCausalLM.from_pretrained(
            folder, quantization_config=CompressedTensorsConfig(dequantize=True)
        )


def _finite_perplexity(net: Any, tokenizer: Any, what: str) -> float:
    from compressors.measure import perplexity

    try:
        value = perplexity(net, tokenizer)
    except Exception as err:
        raise CompressionError(f"verification failed: forward pass of {what}: {err}") from err
    if not math.isfinite(value):
        raise CompressionError(f"verification failed: perplexity of {what} is {value}")
    return value


def _make_shareable(folder: Path) -> None:
    """Give the folder the permissions a normal ``mkdir`` would (mkdtemp makes it private)."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _max_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # macOS: bytes, Linux: KiB


def _version(package: str) -> str | None:
    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return None
