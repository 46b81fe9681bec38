"""Compression: wall time and peak memory per preset, and our overhead over bare llm-compressor.

Each run happens in a fresh process (peak RSS is a process high-water mark). For every preset it
prints the wall time of ``compress()`` (load, calibration data, compression, save, verification)
and the peak RSS. The overhead line compares, on one preset, the bare library path (load the
model, ``llmcompressor.oneshot`` with the same modifiers and calibration tokens, save) with
``compress()`` without and with the verification (reload + perplexity); target <= 1.1x for the
former. Timings on a shared CPU are noisy: compare numbers from one run.

Knobs (environment variables): ``COMPRESS_BENCH_MODEL`` (``acbench:smollm2``),
``COMPRESS_BENCH_PRESETS`` (comma-separated; default all), ``COMPRESS_BENCH_SAMPLES`` (8),
``COMPRESS_BENCH_SEQ_LEN`` (128), ``COMPRESS_BENCH_OVERHEAD`` (preset, ``wanda-2of4``; empty to
skip), ``COMPRESS_BENCH_REPEAT`` (3 interleaved runs per path for the overhead; best counts).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _settings() -> dict[str, Any]:
    return {
        "model": os.environ.get("COMPRESS_BENCH_MODEL", "acbench:smollm2"),
        "samples": int(os.environ.get("COMPRESS_BENCH_SAMPLES", "8")),
        "seq_len": int(os.environ.get("COMPRESS_BENCH_SEQ_LEN", "128")),
    }


def _child(mode: str, preset: str, out: Path) -> dict[str, Any]:
    """One measured run in this process: ``compress``, ``compress-noverify`` or ``oneshot``."""
    import llmcompressor  # noqa: F401 - imports are not part of what is timed
    import transformers  # noqa: F401

    from compressors.pipeline import _max_rss_bytes

    settings = _settings()
    calibration = {
        "dataset": "sample",
        "num_samples": settings["samples"],
        "max_seq_length": settings["seq_len"],
    }
    if mode == "oneshot":
        return {"wall_s": _bare_oneshot(settings["model"], preset, calibration, out)}
    from compressors import compress

    start = time.perf_counter()
    result = compress(
        settings["model"], preset, out, calibration=calibration, verify=mode == "compress"
    )
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
        "compress_s": result.metadata["wall_time"]["compress_s"],
        "peak_rss_mib": _max_rss_bytes() / 2**20,
        "ratio_vs_bf16": result.metadata["size"]["ratio_vs_base_bf16"],
    }


def _bare_oneshot(model: str, preset: str, calibration: dict[str, Any], out: Path) -> float:
    """The same work done directly with transformers + llm-compressor (no checks, no metadata)."""
    import torch
    from llmcompressor import oneshot
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from acbench_core.models import resolve_model
    from compressors.calibration import CalibrationConfig, build_calibration_set
    from compressors.methods import get_method
    from compressors.recipe import load_recipe

    recipe = load_recipe(preset)
    path = resolve_model(model)
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(path)
    net = AutoModelForCausalLM.from_pretrained(path, dtype=torch.bfloat16)
    modifiers = [
        m
        for step in recipe.steps
        for m in get_method(step.method).build(step.params, net).modifiers
    ]
    calib = None
    if recipe.needs_calibration:
        config = CalibrationConfig.resolve(recipe.calibration, calibration)
        calib = build_calibration_set(config, tokenizer)
    with contextlib.ExitStack() as stack:
        for step in recipe.steps:
            stack.enter_context(get_method(step.method).context())
        data = calib.oneshot_kwargs() if calib else {}
        oneshot(model=net, processor=tokenizer, recipe=modifiers, output_dir=str(out), **data)
    return time.perf_counter() - start


def _run(mode: str, preset: str, workdir: Path) -> dict[str, Any]:
    out = workdir / f"{preset}-{mode}-{len(list(workdir.iterdir()))}"
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    env.setdefault("LLM_COMPRESSOR_LOG_LEVEL", "ERROR")
    env.setdefault("TQDM_DISABLE", "1")
    command = [sys.executable, "-m", "benchmarks.bench_compress", "--child", mode, preset, str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from compressors.recipe import preset_names

    settings = _settings()
    wanted = os.environ.get("COMPRESS_BENCH_PRESETS")
    presets = [p.strip() for p in wanted.split(",") if p.strip()] if wanted else preset_names()
    overhead = os.environ.get("COMPRESS_BENCH_OVERHEAD", "wanda-2of4")
    print(
        f"model {settings['model']}, calibration {settings['samples']} x {settings['seq_len']} "
        f"tokens of the sample text, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '1')}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-compress-") as tmp:
        workdir = Path(tmp)
        header = f"{'preset':28s} {'wall s':>8s} {'compress s':>10s} {'peak RSS MiB':>12s}"
        print(f"{header} {'x bf16':>7s}")
        for preset in presets:
            row = _run("compress", preset, workdir)
            if "error" in row:
                print(f"{preset:28s} failed: {row['error']}")
                continue
            print(
                f"{preset:28s} {row['wall_s']:8.1f} {row['compress_s']:10.1f} "
                f"{row['peak_rss_mib']:12.0f} {row['ratio_vs_bf16']:7.2f}"
            )
        if overhead:
            _print_overhead(overhead, workdir)


def _print_overhead(preset: str, workdir: Path) -> None:
    """Best of N interleaved runs of each path (the minimum is the least disturbed by load)."""
    repeat = int(os.environ.get("COMPRESS_BENCH_REPEAT", "3"))
    modes = ("oneshot", "compress-noverify", "compress")
    best: dict[str, float] = {}
    for _ in range(repeat):
        for mode in modes:
            row = _run(mode, preset, workdir)
            if "error" in row:
                print(f"overhead run {mode} failed: {row['error']}")
                return
            best[mode] = min(best.get(mode, float("inf")), row["wall_s"])
    bare = best["oneshot"]
    print(
        f"overhead on {preset} (best of {repeat}): bare oneshot {bare:.1f} s; compress() "
        f"{best['compress-noverify']:.1f} s = {best['compress-noverify'] / bare:.2f}x "
        f"(target <= 1.1x); with verification {best['compress']:.1f} s = "
        f"{best['compress'] / bare:.2f}x"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
    else:
        main()
