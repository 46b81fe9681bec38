"""Needle-in-a-Haystack heatmap: score per (context length, depth) cell from lm-eval's files.

lm-eval writes one JSON line per cell to ``samples_acbench_niah_<date>.jsonl`` (``--log_samples``)
next to ``results_<date>.json``; either file, or their folder, is accepted here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

TASK = "acbench_niah"
Cells = dict[tuple[int, int], float]


class HeatmapError(ValueError):
    """The file has no Needle-in-a-Haystack cells; the message says what was expected."""


def samples_file(path: str | Path) -> Path:
    """The NIAH samples file for a samples file, a results file or a results folder."""
    path = Path(path).expanduser()
    if path.is_file() and path.suffix == ".jsonl":
        return path
    if path.is_file() and path.name.startswith("results_"):
        date = path.stem.removeprefix("results_")
        match = path.parent / f"samples_{TASK}_{date}.jsonl"
        if match.is_file():
            return match
        folder = path.parent
    elif path.is_dir():
        folder = path
    else:
        raise HeatmapError(f"{path} is neither a samples .jsonl, a results_*.json nor a folder")
    found = sorted(folder.rglob(f"samples_{TASK}_*.jsonl"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise HeatmapError(
            f"no samples_{TASK}_*.jsonl in {folder}: run the task with --log_samples "
            "(acbench eval does) and --output_path"
        )
    return found[-1]


def read_cells(path: str | Path) -> Cells:
    """Mean score per (context length, depth %) (several runs of a cell are averaged)."""
    source = samples_file(path)
    scores: dict[tuple[int, int], list[float]] = defaultdict(list)
    with open(source, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                sample = json.loads(line)
                doc = sample["doc"]
                cell = (int(doc["context_length"]), round(float(doc["depth_percent"])))
                scores[cell].append(float(sample["score"]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise HeatmapError(
                    f"{source}, line {number}: not a NIAH sample ({type(err).__name__}: {err})"
                ) from None
    if not scores:
        raise HeatmapError(f"{source} has no samples")
    return {cell: sum(values) / len(values) for cell, values in scores.items()}


def over_window_lengths(path: str | Path) -> set[int]:
    """Context lengths whose cells were past the model's window (acbench protocol, scored 0)."""
    lengths = set()
    with open(samples_file(path), encoding="utf-8") as handle:
        for line in handle:
            try:
                sample = json.loads(line)
                if float(sample.get("over_window") or 0) > 0:
                    lengths.add(int(sample["doc"]["context_length"]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
                continue
    return lengths


def cell_table(cells: Mapping[tuple[int, int], float]) -> tuple[list[int], list[int], list[list]]:
    """(lengths, depths, rows of scores by depth then length; ``None`` for missing cells)."""
    lengths = sorted({length for length, _ in cells})
    depths = sorted({depth for _, depth in cells})
    rows = [[cells.get((length, depth)) for length in lengths] for depth in depths]
    return lengths, depths, rows


def plot_heatmap(
    cells: Mapping[tuple[int, int], float],
    output: str | Path,
    title: str | None = None,
    over_window: set[int] | frozenset[int] = frozenset(),
) -> Path:
    """Draw the cells as a PNG: lengths across, depths down (0 % at the top), 0-1 red to green;
    a dashed line before the first length past the model's window (``over_window``), as in
    ACBench's heatmaps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    lengths, depths, rows = cell_table(cells)
    values = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    width = min(18.0, max(6.5, 3.0 + 0.45 * len(lengths)))
    figure, axes = plt.subplots(figsize=(width, 2.0 + 0.45 * len(depths)))
    image = axes.imshow(values, cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    axes.set_xticks(range(len(lengths)), [f"{n / 1000:g}k" for n in lengths])
    axes.set_yticks(range(len(depths)), [f"{d}%" for d in depths])
    axes.set_xlabel("context length (model tokens)")
    axes.set_ylabel("needle depth")
    if len(lengths) * len(depths) <= 120:
        for (i, j), value in np.ndenumerate(values):
            if not np.isnan(value):
                axes.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8)
    past = [k for k, length in enumerate(lengths) if length in over_window]
    if past:
        axes.axvline(past[0] - 0.5, color="white", linestyle="--", linewidth=3)
    mean = float(np.nanmean(values))
    heading = f"Needle in a Haystack, mean score {mean:.3f}"
    axes.set_title(f"{title}\n{heading}" if title else heading, fontsize=11)
    figure.colorbar(image, ax=axes, fraction=0.03, pad=0.02, label="score")
    figure.tight_layout()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=120)
    plt.close(figure)
    return output
