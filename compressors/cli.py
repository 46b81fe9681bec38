"""``acbench compress``: run a preset (or a recipe file) on a model, with a progress display.

acbench compress --list
acbench compress --method gptq-w4a16 --out out/smollm2-gptq --calibration paul-graham
acbench compress --model Qwen/Qwen2.5-0.5B-Instruct --method wanda-2of4 --out out/qwen-wanda
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from acbench_core.carbon import add_energy_options
from acbench_core.models import DEFAULT_MODEL
from acbench_core.threads import add_threads_option
from compressors.progress import ProgressDisplay, library_bars_hidden, quiet_libraries
from compressors.record import CompressionRecord


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``compress`` on the ``acbench`` command line (see EXTRA_COMMANDS)."""
    parser = commands.add_parser(
        "compress",
        help="compress a model with a paper preset (GPTQ, AWQ, RTN, SmoothQuant, pruning)",
        description="Compress a Hugging Face causal LM into a Hub-ready compressed-tensors "
        "checkpoint, verified by reloading it. Uses the GPU when present, the CPU otherwise.",
    )
    parser.add_argument("--list", action="store_true", help="print the presets and exit")
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, help=f"Hub id, local folder or alias ({DEFAULT_MODEL})"
    )
    parser.add_argument("--method", help="preset name (see --list) or a recipe YAML file")
    parser.add_argument("--out", type=Path, help="output folder (must not exist)")
    parser.add_argument(
        "--calibration",
        help="pile-val, wikitext2, open_platypus, a Hub dataset id, a .txt/.jsonl file, "
        "sample or paul-graham (offline); default: the preset's dataset",
    )
    parser.add_argument("--num-samples", type=int, help="calibration samples (preset: 128)")
    parser.add_argument("--max-seq-length", type=int, help="tokens per calibration sample")
    parser.add_argument("--seed", type=int, help="calibration sampling seed (default 0)")
    parser.add_argument(
        "--dtype", default="bfloat16", help="bfloat16 (default), float16, float32 or auto"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the reload + perplexity check"
    )
    add_threads_option(parser)
    add_energy_options(parser, "the run")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    args.verbose = getattr(args, "verbose", False)
    if not args.verbose:
        quiet_libraries()
    from compressors.calibration import CalibrationError
    from compressors.pipeline import CompressionError
    from compressors.recipe import RecipeError, list_presets

    try:
        if args.list:
            _print_presets(list_presets())
            return 0
        if not args.method or not args.out:
            print("acbench compress: --method and --out are required", file=sys.stderr)
            return 2
        return _compress(args)
    except (CompressionError, RecipeError, CalibrationError) as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2


def _compress(args: argparse.Namespace) -> int:
    from compressors.pipeline import compress

    overrides = {
        "dataset": args.calibration,
        "num_samples": args.num_samples,
        "max_seq_length": args.max_seq_length,
        "seed": args.seed,
    }
    with ProgressDisplay() as display, library_bars_hidden(not args.verbose):
        result = compress(
            args.model,
            args.method,
            args.out,
            calibration={k: v for k, v in overrides.items() if v is not None},
            dtype=args.dtype,
            overwrite=args.overwrite,
            verify=not args.no_verify,
            progress=display.update,
            threads=args.threads,
            energy=not args.no_energy,
            energy_country=args.energy_country,
        )
    print(format_result(result.output_dir, result.record))
    return 0


def format_result(folder: Path, record: CompressionRecord) -> str:
    """A few lines summarising a finished run (from its acbench_compression.json)."""
    lines = [f"{record.method}: {folder}"]
    size = record.size
    if size and size.weights_bytes:
        ratio = size.ratio_vs_base_bf16 or 0.0
        versus = (
            f"{ratio}x smaller than the bf16 base"
            if ratio >= 1.05
            else "stored dense: the size of the bf16 base"
        )
        lines.append(f"  weights {size.weights_bytes / 2**20:.1f} MiB ({versus})")
    quant = record.quantization
    if quant:
        schemes = ", ".join(
            f"W{s.bits}"
            + (f"A{s.activation_bits}" if s.activation_bits else "A16")
            + (f" group {s.group_size}" if s.group_size else " per-channel")
            for s in quant.schemes
        )
        ratio = quant.linear_weights.get("ratio_vs_bf16")
        if ratio:
            lines.append(f"  {schemes}; Linear weights {ratio:.2f}x smaller than bf16")
    sparsity = record.sparsity
    if sparsity:
        line = f"  sparsity {sparsity['sparsity']:.2%} ({sparsity['mask_structure']})"
        for key, value in sparsity.items():
            if key.endswith("_conforms"):
                line += f", {key.removesuffix('_conforms')} conformant: {value}"
        lines.append(line)
    if record.perplexity_base is not None and record.perplexity_compressed is not None:
        lines.append(
            f"  perplexity {record.perplexity_base:.2f} -> {record.perplexity_compressed:.2f}"
        )
    calibration = record.calibration or {}
    fallback = calibration.get("fallback")
    if isinstance(fallback, dict):
        lines.append(
            f"  calibration: {calibration.get('dataset')} instead of {fallback.get('requested')} "
            f"({fallback.get('reason')}): not ACBench's calibration"
        )
    energy = record.energy or {}
    if energy.get("status") == "measured":
        lines.append(
            f"  energy {energy['energy_kwh'] * 1000:.3g} Wh, "
            f"{energy['emissions_g_co2eq']:.3g} g CO2eq ({energy.get('method') or 'codecarbon'})"
        )
    elif energy:
        lines.append(f"  energy not measured: {energy.get('error')}")
    lines.append(f"  wall time {record.wall_time.get('total_s', 0.0):.1f} s")
    return "\n".join(lines)


def _print_presets(recipes: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title="acbench compress presets (compressors/presets/*.yaml)",
        caption="setting: acbench = as ACBench's scripts ran it (see each YAML's reference and "
        "differences); ours = a variant ACBench did not run",
    )
    table.add_column("preset", style="bold", no_wrap=True)
    table.add_column("setting", no_wrap=True)
    table.add_column("what it does")
    table.add_column("calibration")
    for recipe in recipes:
        calib = recipe.calibration or {}
        data = (
            f"{calib.get('dataset')}, {calib.get('num_samples')} x {calib.get('max_seq_length')}"
            if recipe.needs_calibration
            else "none"
        )
        table.add_row(recipe.name, recipe.setting or "custom", recipe.description, data)
    Console().print(table)
