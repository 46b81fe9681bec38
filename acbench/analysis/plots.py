"""PNG plots of an analysis report: ERank bars, top-k correlation by position, energy histograms.

Uses matplotlib's object API (``Figure``), so no pyplot state and no GUI backend is involved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

BASE_COLOR = "#4C72B0"
COMPRESSED_COLOR = "#DD8452"


def _figure(width: float, height: float, columns: int = 1) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, columns, squeeze=False)[0]
    return fig, axes


def _floats(values: list[float | None]) -> np.ndarray:
    """JSON lists use null for undefined values; plot them as gaps (NaN)."""
    return np.array(values, dtype=float)


def _title(report: dict[str, Any]) -> str:
    return f"{Path(report['compressed']).name} vs {Path(report['base']).name}"


def plot_erank(report: dict[str, Any], path: Path) -> Path:
    """Bars of mean ERank per representation, base vs compressed, ±1 std over texts."""
    reps = list(report["erank"])
    fig, (ax,) = _figure(1.8 + 2.2 * len(reps), 3.6)
    x = np.arange(len(reps))
    for offset, role, color in ((-0.2, "base", BASE_COLOR), (0.2, "compressed", COMPRESSED_COLOR)):
        means = [report["erank"][r][role] for r in reps]
        stds = [np.nanstd(_floats(report["erank"][r][f"{role}_per_text"])) for r in reps]
        ax.bar(x + offset, means, 0.4, yerr=stds, capsize=4, color=color, label=role)
    for i, rep in enumerate(reps):
        values = report["erank"][rep]
        diff = values["diff_erank"]
        top = max(
            values[role] + np.nanstd(_floats(values[f"{role}_per_text"]))
            for role in ("base", "compressed")
        )
        label = f"Diff-ERank {diff['absolute']:+.2f} ({diff['percent']:+.1f}%)"
        ax.annotate(label, (i, top), textcoords="offset points", xytext=(0, 6), ha="center")
    ax.set_xticks(x, reps)
    ax.set_ylabel("mean ERank over texts")
    ax.set_title(f"ERank and Diff-ERank — {_title(report)}", fontsize=9)
    ax.margins(y=0.15)
    ax.legend(loc="upper left")
    fig.savefig(path, dpi=120)
    return path


def plot_topk(report: dict[str, Any], path: Path) -> Path:
    """Kendall τ and Spearman ρ against token position, one line per k."""
    fig, axes = _figure(9, 3.6, columns=2)
    for ax, name, label in zip(
        axes, ("kendall", "spearman"), ("Kendall τ", "Spearman ρ"), strict=True
    ):
        for k, values in report["topk_correlation"].items():
            curve = _floats(values[name]["per_position"])
            ax.plot(np.arange(len(curve)), curve, marker=".", label=f"top-{k}")
        ax.set_xlabel("token position")
        ax.set_ylabel(label)
        low = min((np.nanmin(line.get_ydata()) for line in ax.get_lines()), default=0.0)
        ax.set_ylim(min(-0.05, low - 0.05), 1.05)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"Top-k ranking correlation — {_title(report)}", fontsize=9)
    fig.savefig(path, dpi=120)
    return path


def plot_energy(report: dict[str, Any], path: Path) -> Path:
    """Overlaid histograms of per-token logit energy, with the two means marked."""
    energy = report["logit_energy"]
    edges = np.array(energy["histogram"]["bin_edges"])
    fig, (ax,) = _figure(6.4, 3.6)
    for role, color in (("base", BASE_COLOR), ("compressed", COMPRESSED_COLOR)):
        counts = np.array(energy["histogram"][role], dtype=float)
        density = counts / max(counts.sum(), 1.0) / np.diff(edges)
        ax.stairs(density, edges, fill=True, alpha=0.45, color=color, label=role)
        ax.axvline(energy[f"{role}_mean"], color=color, linestyle="--", linewidth=1)
    ax.set_xlabel("logit energy  −logsumexp(logits)")
    ax.set_ylabel("density")
    ax.set_title(
        f"Logit energy — {_title(report)}\nmean shift {energy['mean_difference']:+.3f}, "
        f"Wasserstein {energy['wasserstein']:.3f}",
        fontsize=9,
    )
    ax.legend()
    fig.savefig(path, dpi=120)
    return path


def plot_all(report: dict[str, Any], folder: Path) -> dict[str, Path]:
    """All plots of a report into ``folder`` as ``analysis_<name>.png``."""
    files = {
        "erank_plot": plot_erank(report, folder / "analysis_erank.png"),
        "energy_plot": plot_energy(report, folder / "analysis_energy.png"),
    }
    if report["topk_correlation"]:
        files["topk_plot"] = plot_topk(report, folder / "analysis_topk.png")
    return files
