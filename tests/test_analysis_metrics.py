"""ERank, top-k ranking correlation, logit energy and shift statistics: known values and edges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from acbench.analysis import metrics


def _entropy_rank(weights: list[float]) -> float:
    lam = np.array(weights) / sum(weights)
    return float(np.exp(-(lam * np.log(lam)).sum()))


# ---- ERank ------------------------------------------------------------------------------------


def test_erank_of_rank_one_matrix_is_one() -> None:
    rng = np.random.default_rng(0)
    direction = rng.standard_normal(50)
    scales = rng.standard_normal(8)  # distinct, so the centred rows are not all zero
    assert metrics.erank(np.outer(scales, direction)) == pytest.approx(1.0, abs=1e-9)


def test_erank_of_orthogonal_equal_norm_rows_is_t() -> None:
    rows = 3.0 * np.eye(12, 40)  # 12 orthogonal rows of norm 3
    assert metrics.erank(rows, center=False) == pytest.approx(12.0, abs=1e-9)


def test_centred_orthogonal_rows_lose_one_dimension() -> None:
    # e_i − mean has Gram I − 11ᵀ/T: eigenvalue 1 (T−1 times) and 0 → ERank T − 1.
    assert metrics.erank(np.eye(10, 30)) == pytest.approx(9.0, abs=1e-9)


def test_erank_hand_computed_spectrum() -> None:
    rows = np.array([[1.0, 0], [1, 0], [1, 0], [0, 1]])  # Gram eigenvalues 3 and 1
    assert metrics.erank(rows, center=False) == pytest.approx(_entropy_rank([3, 1]))
    assert _entropy_rank([3, 1]) == pytest.approx(1.7548, abs=1e-4)


def test_erank_ignores_row_scale() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 20))
    scaled = x * np.array([1, 10, 0.1, 5, 2, 3])[:, None]
    assert metrics.erank(scaled, center=False) == pytest.approx(metrics.erank(x, center=False))


@pytest.mark.parametrize(("t", "v"), [(7, 30), (25, 10), (16, 16)])
@pytest.mark.parametrize("center", [True, False])
def test_gram_form_equals_covariance_form(t: int, v: int, center: bool) -> None:
    rng = np.random.default_rng(t * v)
    logits = rng.standard_normal((t, v)) * 4 + rng.standard_normal(v) * 3
    assert metrics.erank(logits, center=center) == pytest.approx(
        metrics.erank_covariance(logits, center=center), rel=1e-9
    )


def test_float32_and_torch_inputs_match_float64() -> None:
    import torch

    rng = np.random.default_rng(2)
    logits = rng.standard_normal((64, 500)) * 5
    exact = metrics.erank(logits)
    assert metrics.erank(logits.astype(np.float32)) == pytest.approx(exact, rel=1e-5)
    assert metrics.erank(torch.from_numpy(logits.astype(np.float32))) == pytest.approx(
        exact, rel=1e-5
    )
    assert metrics.erank(torch.from_numpy(logits).to(torch.bfloat16)) == pytest.approx(
        exact, rel=0.05
    )


def test_erank_undefined_cases() -> None:
    assert math.isnan(metrics.erank(np.ones((1, 5))))  # one token
    assert math.isnan(metrics.erank(np.tile(np.arange(5.0), (4, 1))))  # identical rows
    same_f32 = np.tile(np.linspace(-7.3, 11.1, 300, dtype=np.float32), (9, 1))
    assert math.isnan(metrics.erank(same_f32))  # rounding residue is not a direction
    with pytest.raises(ValueError, match="T × D"):
        metrics.erank(np.ones(5))


def test_erank_drops_rows_equal_to_the_mean() -> None:
    # Rows ±e1 and two copies of 0 centred: zeros carry no direction, ±e1 give rank 1.
    rows = np.array([[1.0, 0], [-1, 0], [0, 0], [0, 0]])
    assert metrics.erank(rows) == pytest.approx(1.0)


def test_diff_erank() -> None:
    assert metrics.diff_erank(100.0, 90.0) == {"absolute": -10.0, "percent": -10.0}
    assert math.isnan(metrics.diff_erank(0.0, 1.0)["percent"])


# ---- top-k ranking correlation ----------------------------------------------------------------


def _logits(seed: int = 0, t: int = 6, v: int = 50) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((t, v))


@pytest.mark.parametrize("k", [3, 10, 20])
def test_identical_models_correlate_perfectly(k: int) -> None:
    base = _logits()
    result = metrics.topk_rank_correlation(base, base.copy(), k)
    np.testing.assert_allclose(result["kendall"], 1.0)
    np.testing.assert_allclose(result["spearman"], 1.0)


@pytest.mark.parametrize(
    "transform",
    [lambda x: 2 * x + 3, np.exp, lambda x: x**3, lambda x: np.log1p(np.exp(x))],
    ids=["affine", "exp", "cube", "softplus"],
)
def test_monotone_transform_keeps_correlation_one(transform) -> None:
    base = _logits(1)
    result = metrics.topk_rank_correlation(base, transform(base), 10)
    np.testing.assert_allclose(result["kendall"], 1.0)
    np.testing.assert_allclose(result["spearman"], 1.0)


def test_reversed_order_correlates_minus_one() -> None:
    base = _logits(2)
    result = metrics.topk_rank_correlation(base, -base, 10)
    np.testing.assert_allclose(result["kendall"], -1.0)
    np.testing.assert_allclose(result["spearman"], -1.0)


def test_hand_computed_top3() -> None:
    # Base top-3 (tokens 0, 1, 2) valued 3 > 2 > 1; compressed gives them 1, 3, 2.
    base = np.array([[3.0, 2.0, 1.0, -5.0]])
    compressed = np.array([[1.0, 3.0, 2.0, 9.0]])  # token 3 is outside the base top-3
    result = metrics.topk_rank_correlation(base, compressed, 3)
    # Pairs (0,1) and (0,2) discordant, (1,2) concordant: τ = (1 − 2) / 3.
    assert result["kendall"][0] == pytest.approx(-1 / 3)
    # Rank differences 2, −1, −1: ρ = 1 − 6·6 / (3·(9 − 1)) = −0.5.
    assert result["spearman"][0] == pytest.approx(-0.5)


def test_topk_indices_are_the_base_top_k_in_order() -> None:
    base = np.array([[0.1, 5.0, -1.0, 3.0, 4.0]])
    np.testing.assert_array_equal(metrics.topk_indices(base, 3), [[1, 4, 3]])
    with pytest.raises(ValueError, match="between 1 and"):
        metrics.topk_indices(base, 6)


def test_constant_compressed_logits_give_nan_not_error() -> None:
    base = _logits(3, t=2)
    compressed = np.zeros_like(base)
    result = metrics.topk_rank_correlation(base, compressed, 5)
    assert np.isnan(result["kendall"]).all() and np.isnan(result["spearman"]).all()


def test_rank_correlations_shape_checks() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.rank_correlations(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.topk_rank_correlation(np.ones((2, 3)), np.ones((3, 3)), 2)


# ---- logit energy -----------------------------------------------------------------------------


def test_logit_energy_is_minus_logsumexp() -> None:
    logits = np.array([[0.0, 0.0], [1.0, 2.0], [1000.0, 1000.0]])
    expected = [-math.log(2), -math.log(math.e + math.e**2), -(1000 + math.log(2))]
    np.testing.assert_allclose(metrics.logit_energy(logits), expected, rtol=1e-12)


def test_logit_energy_temperature_and_torch() -> None:
    import torch

    logits = np.array([[1.0, 3.0, -2.0]])
    expected = -2.0 * math.log(sum(math.exp(v / 2.0) for v in logits[0]))
    assert metrics.logit_energy(logits, temperature=2.0)[0] == pytest.approx(expected)
    assert metrics.logit_energy(torch.tensor(logits))[0] == pytest.approx(
        metrics.logit_energy(logits)[0]
    )


def test_shift_statistics() -> None:
    base = np.array([-3.0, -2.0, -1.0, -2.5])
    same = metrics.shift_statistics(base, base)
    assert same["mean_difference"] == 0.0 and same["wasserstein"] == 0.0
    assert same["ks_statistic"] == 0.0
    shifted = metrics.shift_statistics(base, base + 0.5)
    assert shifted["mean_difference"] == pytest.approx(0.5)
    assert shifted["wasserstein"] == pytest.approx(0.5)
    assert shifted["mean_abs_paired_difference"] == pytest.approx(0.5)
    unpaired = metrics.shift_statistics(base, np.array([0.0]))
    assert "mean_abs_paired_difference" not in unpaired
    assert unpaired["wasserstein"] == pytest.approx(2.125)  # mean distance to 0
    with pytest.raises(ValueError, match="non-empty"):
        metrics.shift_statistics(base, np.array([]))
