"""Pure metrics that compare a base model with its compressed copy on the same tokens.

Arrays in, numbers out; no model code here (the runner feeds these from forward passes).

- ERank (effective rank) of a T × D representation (logits, D = V; or last hidden states):
  rows centred on the mean over tokens and scaled to unit norm, Σ = ZᵀZ / T, λ = eig(Σ)/tr(Σ),
  ERank = exp(−Σ λ log λ) over λ > 1e-10. The non-zero eigenvalues of the D × D matrix ZᵀZ equal
  those of the T × T Gram matrix ZZᵀ, so only the Gram matrix is ever formed (V is 32k-256k,
  T a few hundred). Diff-ERank = ERank(compressed) − ERank(base) (Wei et al., 2024; ACBench).
- Top-k ranking correlation: at each position, Kendall τ and Spearman ρ between the two models'
  logits restricted to the base model's k highest-scoring tokens.
- Logit energy: E_t = −T · logsumexp(logits_t / T) with T = 1, the free energy of the output
  distribution (not electricity), and statistics of the shift between two energy samples.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy import stats
from scipy.special import logsumexp

#: Normalised eigenvalues at or below this are dropped before the entropy (numerical zeros).
EIGENVALUE_FLOOR = 1e-10


_EPS = {True: float(np.finfo(np.float32).eps), False: float(np.finfo(np.float64).eps)}


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def centered_gram(x: Any, center: bool = True) -> tuple[np.ndarray, float]:
    """T × T Gram matrix (float64) of the rows of ``x`` (T × D) centred on their mean row.

    Also returns the rounding floor: rows of a float matrix that equal the mean keep residues of
    about eps·‖mean‖ after the subtraction; rows no longer than the floor have no direction.
    Works on numpy arrays and on torch tensors (computed on the tensor's device, e.g. a GPU);
    the product runs in the input's precision and only the T × T result is widened to float64.
    """
    if _is_torch(x):
        x = x.detach()
        if x.element_size() < 4:  # float16 / bfloat16 sums lose too much
            x = x.float()
        if x.device.type == "cpu":  # numpy's BLAS is the faster one on CPU
            x = x.numpy()
    if not _is_torch(x):
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected a T × D matrix, got shape {tuple(x.shape)}")
    floor = 0.0
    if center:
        mean = x.mean(0)
        if _is_torch(x):
            eps, mean_norm = _EPS[x.element_size() == 4], float(mean.double().norm())
        else:
            eps, mean_norm = float(np.finfo(x.dtype).eps), float(np.linalg.norm(mean))
        floor = 16 * eps * mean_norm
        x = x - mean
    gram = x @ x.T
    if _is_torch(gram):
        gram = gram.double().cpu().numpy()
    return np.asarray(gram, dtype=np.float64), floor


def erank_from_gram(gram: np.ndarray, min_norm: float = 0.0) -> float:
    """ERank from a T × T Gram matrix of (centred, not yet normalised) rows.

    Rows whose norm is at most ``min_norm`` carry no direction (e.g. a token whose logits equal
    the mean) and are dropped. Returns NaN when no row is left: the rank is undefined.
    """
    gram = np.asarray(gram, dtype=np.float64)
    gram = (gram + gram.T) / 2  # exact symmetry for eigvalsh
    norms = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    keep = norms > max(min_norm, 0.0)
    if not keep.any():
        return math.nan
    norms = norms[keep]
    # ZZᵀ for unit rows z_t = c_t / ‖c_t‖; the 1/T of Σ cancels in λ / tr.
    unit_gram = gram[np.ix_(keep, keep)] / np.outer(norms, norms)
    eigenvalues = np.clip(np.linalg.eigvalsh(unit_gram), 0.0, None)
    lam = eigenvalues / eigenvalues.sum()
    lam = lam[lam > EIGENVALUE_FLOOR]
    return float(np.exp(-np.sum(lam * np.log(lam))))


def erank(x: Any, center: bool = True) -> float:
    """Effective rank of the rows of ``x`` (T × D: logits or hidden states of one text).

    Via the T × T Gram matrix, never D × D; eigenvalues in float64. NaN for fewer than two
    distinct rows (after centring nothing is left).
    """
    if not _is_torch(x):
        x = np.asarray(x)
    if len(x.shape) != 2:
        raise ValueError(f"expected a T × D matrix, got shape {tuple(x.shape)}")
    if x.shape[0] < 2 and center:
        return math.nan
    gram, floor = centered_gram(x, center=center)
    return erank_from_gram(gram, min_norm=floor)


def erank_covariance(x: np.ndarray, center: bool = True) -> float:
    """Reference ERank through the D × D matrix Σ = ZᵀZ / T, as the definition states.

    O(D³): for tests and benchmarks on small D only; use :func:`erank`.
    """
    z = np.asarray(x, dtype=np.float64)
    if center:
        z = z - z.mean(0)
    norms = np.linalg.norm(z, axis=1)
    z = z[norms > 0] / norms[norms > 0, None]
    if not len(z):
        return math.nan
    sigma = z.T @ z / len(z)
    lam = np.clip(np.linalg.eigvalsh(sigma), 0.0, None)
    lam = lam / np.trace(sigma)
    lam = lam[lam > EIGENVALUE_FLOOR]
    return float(np.exp(-np.sum(lam * np.log(lam))))


def diff_erank(base: float, compressed: float) -> dict[str, float]:
    """Diff-ERank: ``compressed − base`` and the same change in percent of ``base``."""
    absolute = compressed - base
    percent = 100.0 * absolute / base if base else math.nan
    return {"absolute": float(absolute), "percent": float(percent)}


def topk_indices(base_logits: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest base logits per position, highest first (T × k)."""
    base_logits = np.asarray(base_logits)
    if not 1 <= k <= base_logits.shape[-1]:
        raise ValueError(f"k={k} must be between 1 and the vocabulary size {base_logits.shape[-1]}")
    part = np.argpartition(-base_logits, k - 1, axis=-1)[..., :k]
    order = np.argsort(-np.take_along_axis(base_logits, part, -1), axis=-1, kind="stable")
    return np.take_along_axis(part, order, -1)


def rank_correlations(base_values: np.ndarray, compressed_values: np.ndarray) -> dict[str, Any]:
    """Kendall τ-b and Spearman ρ between matching rows of two T × k arrays (one per position).

    A row where either side is constant has no defined correlation: NaN there.
    """
    base_values = np.atleast_2d(np.asarray(base_values, dtype=np.float64))
    compressed_values = np.atleast_2d(np.asarray(compressed_values, dtype=np.float64))
    if base_values.shape != compressed_values.shape:
        raise ValueError(f"shapes differ: {base_values.shape} vs {compressed_values.shape}")
    kendall = np.full(len(base_values), np.nan)
    spearman = np.full(len(base_values), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        for t, (b, c) in enumerate(zip(base_values, compressed_values, strict=True)):
            if len(b) < 2:
                continue
            kendall[t] = stats.kendalltau(b, c).statistic
            spearman[t] = stats.spearmanr(b, c).statistic
    return {"kendall": kendall, "spearman": spearman}


def topk_rank_correlation(
    base_logits: np.ndarray, compressed_logits: np.ndarray, k: int
) -> dict[str, Any]:
    """Per-position Kendall τ and Spearman ρ on the base model's top-``k`` tokens (T × V in)."""
    base_logits = np.asarray(base_logits)
    compressed_logits = np.asarray(compressed_logits)
    if base_logits.shape != compressed_logits.shape:
        raise ValueError(f"shapes differ: {base_logits.shape} vs {compressed_logits.shape}")
    idx = topk_indices(base_logits, k)
    return rank_correlations(
        np.take_along_axis(base_logits, idx, -1), np.take_along_axis(compressed_logits, idx, -1)
    )


def logit_energy(logits: Any, temperature: float = 1.0) -> np.ndarray:
    """Free energy per position, E_t = −T · logsumexp(logits_t / T), in float64."""
    if _is_torch(logits):
        logits = logits.detach().double().cpu().numpy()
    logits = np.asarray(logits, dtype=np.float64)
    return -temperature * logsumexp(logits / temperature, axis=-1)


def shift_statistics(base: np.ndarray, compressed: np.ndarray) -> dict[str, float]:
    """How the compressed model's energy distribution moved from the base model's.

    Means, standard deviations, mean difference (compressed − base), 1-Wasserstein distance and
    the two-sample Kolmogorov-Smirnov statistic; plus the mean absolute per-token difference
    when both samples come from the same tokens (equal length).
    """
    base = np.asarray(base, dtype=np.float64).ravel()
    compressed = np.asarray(compressed, dtype=np.float64).ravel()
    if not len(base) or not len(compressed):
        raise ValueError("both energy samples must be non-empty")
    out = {
        "base_mean": float(base.mean()),
        "compressed_mean": float(compressed.mean()),
        "mean_difference": float(compressed.mean() - base.mean()),
        "base_std": float(base.std()),
        "compressed_std": float(compressed.std()),
        "wasserstein": float(stats.wasserstein_distance(base, compressed)),
        "ks_statistic": float(stats.ks_2samp(base, compressed).statistic),
    }
    if len(base) == len(compressed):
        out["mean_abs_paired_difference"] = float(np.abs(compressed - base).mean())
    return out
