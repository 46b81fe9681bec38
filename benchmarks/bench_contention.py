"""CPU contention: how much GPTQ and generation slow down when other work takes the cores.

For each step (greedy generation of a few tokens; GPTQ W4A16 on sample calibration text) it runs
four fresh processes: quiet or loaded machine, times torch's own thread count (one per core) or
ACBench's choice (one per core other processes leave idle, :mod:`acbench_core.threads`). The load
is ``CONTENTION_BENCH_LOAD`` busy-looping processes (default: one per CPU). It prints the wall
time of each and the loaded/quiet slowdown: with torch's count GPTQ degrades far worse than
generation (its thousands of small column updates each wait at a thread barrier for a
descheduled thread); with ACBench's choice both degrade alike. The background load measured at
the start of each run is printed too: numbers taken on a machine that is already busy are not
"quiet".

Knobs (environment variables): ``CONTENTION_BENCH_MODEL`` (``acbench:smollm2``),
``CONTENTION_BENCH_STEPS`` (``generate,gptq``), ``CONTENTION_BENCH_SAMPLES`` (16),
``CONTENTION_BENCH_SEQ_LEN`` (512), ``CONTENTION_BENCH_TOKENS`` (64 generated tokens),
``CONTENTION_BENCH_LOAD`` (busy processes).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CONTENTION_BENCH_{name}", default)


def _child(step: str, policy: str) -> dict[str, Any]:
    """One measured step in this (fresh) process; ``policy`` is ``torch`` or ``acbench``."""
    import torch

    from acbench_core.models import resolve_model
    from acbench_core.threads import busy_cpus

    background = busy_cpus()
    requested = torch.get_num_threads() if policy == "torch" else None
    model = _env("MODEL", "acbench:smollm2")
    if step == "gptq":
        from compressors import compress

        calibration = {
            "dataset": "sample",
            "num_samples": int(_env("SAMPLES", "16")),
            "max_seq_length": int(_env("SEQ_LEN", "512")),
        }
        with tempfile.TemporaryDirectory() as tmp:
            result = compress(
                model,
                "gptq-w4a16",
                Path(tmp) / "out",
                calibration=calibration,
                verify=False,
                threads=requested,
            )
        record = result.record
        return {
            "wall_s": record.wall_time.get("compress_s") or record.wall_time.get("total_s"),
            "threads": record.cpu_threads.get("threads"),
            "background_cpus": background,
        }
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from acbench_core.threads import use_cpu_threads

    path = resolve_model(model)
    tokenizer = AutoTokenizer.from_pretrained(path)
    net = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    inputs = tokenizer("The plan for tomorrow's release is", return_tensors="pt")
    chosen = use_cpu_threads(requested)
    tokens = int(_env("TOKENS", "64"))
    start = time.perf_counter()
    with torch.inference_mode():
        net.generate(**inputs, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False)
    return {
        "wall_s": time.perf_counter() - start,
        "threads": chosen.threads,
        "background_cpus": background,
    }


def _spin() -> None:
    while True:
        pass


@contextlib.contextmanager
def _load(processes: int) -> Iterator[None]:
    """``processes`` busy-looping processes for the duration of the block."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_spin, daemon=True) for _ in range(processes)]
    for worker in workers:
        worker.start()
    time.sleep(1.0)  # let them take the cores before the child measures the load
    try:
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()


def _measure(step: str, policy: str) -> dict[str, Any]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.pop("OMP_NUM_THREADS", None)  # torch's own count is what is measured
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_contention", "--child", step, policy],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cell(result: dict[str, Any]) -> str:
    if "error" in result:
        return "failed"
    return (
        f"{result['wall_s']:7.1f} s ({result['threads']} thr, bg {result['background_cpus']:.1f})"
    )


def main() -> None:
    load = int(_env("LOAD", str(os.cpu_count() or 1)))
    steps = [s.strip() for s in _env("STEPS", "generate,gptq").split(",") if s.strip()]
    print(f"CPUs: {os.cpu_count()}; load: {load} busy processes; steps: {', '.join(steps)}")
    print(f"{'step':9} {'threads':8} {'quiet':>28} {'loaded':>28} {'slowdown':>9}")
    for step in steps:
        for policy in ("torch", "acbench"):
            quiet = _measure(step, policy)
            with _load(load):
                loaded = _measure(step, policy)
            slowdown = (
                f"{loaded['wall_s'] / quiet['wall_s']:8.1f}x"
                if "error" not in quiet and "error" not in loaded
                else "       -"
            )
            print(
                f"{step:9} {policy:8} {_cell(quiet):>28} {_cell(loaded):>28} {slowdown}",
                flush=True,
            )
            for result in (quiet, loaded):
                if "error" in result:
                    print(f"  error: {result['error']}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        import logging

        logging.disable(logging.WARNING)
        print(json.dumps(_child(sys.argv[2], sys.argv[3])))
    else:
        main()
