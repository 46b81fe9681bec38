"""The report's PNG plots: capability radar (or bars), per-task drops with CIs, Pareto plots.

matplotlib's object API (``Figure``) with the Agg canvas: no pyplot state, no GUI backend. Each
function writes one PNG and returns its path; the numbers come from :mod:`acbench.report.scores`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from acbench_core.comparison import Row

COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")


def _figure(width: float, height: float, polar: bool = False) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot(projection="polar" if polar else None)


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def palette(labels: Sequence[str]) -> dict[str, str]:
    """One colour per run label, in order, the same in every plot."""
    return {label: COLORS[i % len(COLORS)] for i, label in enumerate(labels)}


def plot_capabilities(
    scores: Mapping[str, Mapping[str, float]],
    capabilities: Sequence[str],
    path: Path,
    colors: Mapping[str, str] | None = None,
) -> Path:
    """One radar polygon per run over the capability axes (scores ×100); with fewer than three
    axes a radar is no polygon, so grouped bars are drawn instead."""
    import numpy as np

    runs = list(scores)
    colors = colors or palette(runs)
    values = {r: [100 * scores[r].get(c, np.nan) for c in capabilities] for r in runs}
    top = max([v for vs in values.values() for v in vs if np.isfinite(v)] + [1.0])
    if len(capabilities) >= 3:
        fig, ax = _figure(6.5, 5.5, polar=True)
        angles = np.linspace(0, 2 * np.pi, len(capabilities), endpoint=False)
        closed = np.append(angles, angles[0])
        for run in runs:
            ring = np.append(values[run], values[run][0])
            ax.plot(closed, ring, color=colors[run], label=run, linewidth=1.8)
            ax.fill(closed, np.nan_to_num(ring), color=colors[run], alpha=0.12)
        ax.set_xticks(angles, capabilities)
        ax.set_ylim(0, top * 1.1)
        ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.05), fontsize=8)
    else:
        fig, ax = _figure(max(4.5, 1.5 + 1.2 * len(capabilities) * max(1, len(runs)) / 2), 3.8)
        width = 0.8 / max(1, len(runs))
        x = np.arange(len(capabilities))
        for i, run in enumerate(runs):
            offset = (i - (len(runs) - 1) / 2) * width
            ax.bar(x + offset, values[run], width, color=colors[run], label=run)
        ax.set_xticks(x, capabilities)
        ax.set_ylabel("score ×100")
        ax.set_ylim(0, top * 1.15)
        ax.legend(fontsize=8)
    ax.set_title("Capability scores (×100)", fontsize=10, pad=18 if len(capabilities) >= 3 else 6)
    return _save(fig, path)


def plot_drops(
    rows: Sequence[Row],
    variants: Sequence[str],
    path: Path,
    colors: Mapping[str, str] | None = None,
) -> Path:
    """Horizontal bars of base − variant (points ×100) per leaf task, grouped by capability,
    one colour per variant; error bars span the row's bootstrap CI where there is one."""
    import numpy as np

    colors = colors or palette(["base", *variants])
    leaves = [r for r in rows if not r.is_group and r.drop is not None]
    tasks = list(dict.fromkeys((r.capability, r.task) for r in sorted(leaves, key=_task_key)))
    slot = {t: i for i, t in enumerate(tasks)}
    height = 0.8 / max(1, len(variants))
    fig, ax = _figure(8.0, 1.4 + 0.28 * len(tasks) * max(1.0, 0.7 * len(variants)))
    for i, variant in enumerate(variants):
        mine = [r for r in leaves if r.variant == variant]
        if not mine:
            continue
        y = (
            np.array([slot[(r.capability, r.task)] for r in mine])
            + (i - (len(variants) - 1) / 2) * height
        )
        drops = np.array([100 * r.drop for r in mine])
        ax.barh(y, drops, height, color=colors[variant], label=variant)
        with_ci = [(yy, d, r.ci) for yy, d, r in zip(y, drops, mine, strict=True) if r.ci]
        if with_ci:
            ys, ds, cis = zip(*with_ci, strict=True)
            low = [d - 100 * ci.low for d, ci in zip(ds, cis, strict=True)]
            high = [100 * ci.high - d for d, ci in zip(ds, cis, strict=True)]
            err = np.clip(np.array([low, high]), 0, None)
            ax.errorbar(ds, ys, xerr=err, fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    ax.set_yticks(range(len(tasks)), [f"[{c}] {t}" for c, t in tasks], fontsize=7)
    ax.invert_yaxis()
    for i in range(1, len(tasks)):
        if tasks[i][0] != tasks[i - 1][0]:
            ax.axhline(i - 0.5, color="grey", linewidth=0.5, linestyle=":")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("drop in points (base − variant, ×100; positive = worse)")
    ax.set_title("Per-task drop vs base, with bootstrap CIs", fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, path)


def _task_key(row: Row) -> tuple[str, str]:
    return row.capability, row.task


def plot_pareto(
    points: Sequence[tuple[str, float, float]],
    front: Sequence[str],
    xlabel: str,
    title: str,
    path: Path,
    colors: Mapping[str, str] | None = None,
) -> Path:
    """Labelled (cost, score ×100) points; the Pareto-optimal ones joined by a step line."""

    colors = colors or palette([label for label, _, _ in points])
    fig, ax = _figure(6.5, 4.5)
    for label, x, y in points:
        ax.scatter([x], [100 * y], color=colors[label], s=45, zorder=3)
        ax.annotate(label, (x, 100 * y), textcoords="offset points", xytext=(5, 5), fontsize=8)
    by_label = {label: (x, y) for label, x, y in points}
    line = [by_label[label] for label in front if label in by_label]
    if line:
        xs, ys = zip(*line, strict=True)
        ax.step(
            xs,
            [100 * y for y in ys],
            where="post",
            color="grey",
            linestyle="--",
            zorder=2,
            label="Pareto front",
        )
        ax.legend(fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("overall score ×100")
    ax.set_title(title, fontsize=10)
    ax.margins(0.15)
    return _save(fig, path)
