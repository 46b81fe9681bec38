"""ERank speed: the T × T Gram form at a real vocabulary size vs the V × V definition.

Run: ``python -m benchmarks.bench_erank`` (target: ≤ 1 s for T = 512, V = 151,936 — Qwen's
vocabulary — with random float32 logits). The V × V form is timed on reduced vocabularies only:
at V = 151,936 its float64 covariance alone would take 185 GB.
"""

from __future__ import annotations

import time

import numpy as np

from acbench.analysis.metrics import erank, erank_covariance

T = 512
V = 151_936
TARGET_S = 1.0


def _best_of(repeats: int, fn, *args) -> tuple[float, float]:
    best, value = float("inf"), float("nan")
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((T, V), dtype=np.float32) * 3
    logits += rng.standard_normal(V, dtype=np.float32) * 5  # a shared per-token offset
    seconds, value = _best_of(3, erank, logits)
    floor, _ = _best_of(3, lambda x: x @ x.T, logits)  # the one unavoidable T × V × T product
    verdict = "OK" if seconds <= TARGET_S else f"SLOWER THAN THE {TARGET_S:.0f} s TARGET"
    print(f"Gram form, T={T}, V={V:,} float32: {seconds:.3f} s (ERank {value:.2f}) {verdict}")
    print(f"  of which the bare matrix product x @ xᵀ on this machine now: {floor:.3f} s")

    print(f"{'V':>6} {'Gram s':>8} {'V×V s':>8} {'speed-up':>9} {'|ΔERank|':>9}")
    for v in (512, 1024, 2048, 4096):
        small = np.ascontiguousarray(logits[:, :v], dtype=np.float64)
        gram_s, gram_value = _best_of(3, erank, small)
        cov_s, cov_value = _best_of(1, erank_covariance, small)
        print(
            f"{v:>6} {gram_s:>8.4f} {cov_s:>8.3f} {cov_s / gram_s:>8.0f}x "
            f"{abs(gram_value - cov_value):>9.1e}"
        )
    print(f"V×V at V={V:,} grows as V³: about {(V / 4096) ** 3 * cov_s / 3600:,.0f} h.")


if __name__ == "__main__":
    main()
