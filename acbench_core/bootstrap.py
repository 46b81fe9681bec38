"""The paired percentile bootstrap behind the confidence interval of a score drop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class BootstrapResult:
    low: float
    high: float
    n_pairs: int

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def paired_bootstrap(
    strata: Sequence[Sequence[float]],
    weights: Sequence[float] | None = None,
    *,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapResult:
    """Percentile bootstrap CI of a weighted mean of per-stratum mean differences.

    Each stratum holds paired differences (one task: compressed − base per ``doc_id``, or
    base − compressed for a drop); strata are resampled independently (stratified bootstrap),
    so a group of tasks keeps each task's size. ``weights`` defaults to equal weights.
    """
    import numpy as np

    given = list(weights) if weights is not None else [1.0] * len(strata)
    pairs = [(float(w), np.asarray(s, dtype=float)) for w, s in zip(given, strata, strict=True)]
    pairs = [(w, a) for w, a in pairs if a.size]
    if not pairs:
        raise ValueError("no paired samples")
    total = sum(w for w, _ in pairs)
    rng = np.random.default_rng(seed)
    stat = np.zeros(n_resamples)
    for weight, diffs in pairs:
        # resample in blocks of ~4M indices: memory stays flat for large tasks
        block = max(1, 4_000_000 // diffs.size)
        for start in range(0, n_resamples, block):
            stop = min(start + block, n_resamples)
            idx = rng.integers(0, diffs.size, size=(stop - start, diffs.size))
            stat[start:stop] += (weight / total) * diffs[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stat, [alpha, 1.0 - alpha])
    return BootstrapResult(float(low), float(high), sum(a.size for _, a in pairs))
