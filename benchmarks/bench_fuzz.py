"""Fuzz sweep: every registered scorer, parser and agent-environment step on 10,000 answers.

The targets are ``tests/fuzz_targets.py``'s registry: the WorfBench, T-Eval, BFCL and
long-context scorers (LongGenBench, LongBench's metrics under both protocols, NIAH), the
agent's action parsers, and one real episode per agent environment (our offline sets,
AgentBoard's PDDL and academia tool on fixtures, Jericho/TextWorld games in their engine
worker), each answer parsed and applied as the runner does (an ``env_error`` is a failure).
Each target gets the issue's reproducers, the long adversarial inputs (100,000-200,000
characters) and random answers built from the parsers' syntax fragments and random code
points, lone surrogates included, 10,000 inputs in all (``FUZZ_INPUTS=n`` changes the count,
``FUZZ_SEED`` the seed, ``FUZZ_ONLY=text`` keeps the targets whose name contains it). Printed
per target: inputs, failures (exceptions outside the target's contract; the first is shown)
and the worst time with the length of the input that took it, and the total of failures.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

# The registry lives with the tests (it is test scaffolding: golds, a model-free embedder).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzz_targets import LONG_CASES, REPRODUCERS, random_text, run_one, targets


def main() -> None:
    n_inputs = int(os.environ.get("FUZZ_INPUTS", "10000"))
    seed = int(os.environ.get("FUZZ_SEED", "17"))
    fixed = [*REPRODUCERS, *LONG_CASES]
    rng = random.Random(seed)
    inputs = fixed + [random_text(rng) for _ in range(max(0, n_inputs - len(fixed)))]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{len(inputs)} inputs per target (seed {seed}; {len(fixed)} fixed, longest "
        f"{max(map(len, inputs)):,} characters); load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'target':<42}{'inputs':>8}{'failures':>10}{'worst ms':>10}{'at length':>11}")
    total_failures = 0
    only = os.environ.get("FUZZ_ONLY", "")
    for name, target in targets().items():
        if only not in name:
            continue
        failures, worst, worst_length, first = 0, 0.0, 0, None
        for text in inputs:
            start = time.perf_counter()
            error = run_one(target, text)
            elapsed = time.perf_counter() - start
            if error is not None:
                failures += 1
                first = first or f"{type(error).__name__}: {error} on {text[:60]!r}"
            if elapsed > worst:
                worst, worst_length = elapsed, len(text)
        total_failures += failures
        print(f"{name:<42}{len(inputs):>8}{failures:>10}{worst * 1000:>10.1f}{worst_length:>11,}")
        if first:
            print(f"    first failure: {first}")
    print(f"failures in all: {total_failures}")


if __name__ == "__main__":
    main()
