"""``acbench niah-heatmap``: draw the Needle-in-a-Haystack grid of a run as a PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_heatmap(args: argparse.Namespace) -> int:
    from acbench_tasks.niah.heatmap import (
        HeatmapError,
        cell_table,
        over_window_lengths,
        plot_heatmap,
        read_cells,
    )

    cells, past = {}, set()
    try:
        for path in args.paths:  # later runs of the same cell replace earlier ones
            cells.update(read_cells(path))
            past |= over_window_lengths(path)
    except (HeatmapError, OSError) as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    source = Path(args.paths[0]).expanduser()
    output = args.output or (source if source.is_dir() else source.parent) / "niah_heatmap.png"
    path = plot_heatmap(cells, output, args.title, past)
    lengths, depths, rows = cell_table(cells)
    print("depth \\ length " + " ".join(f"{n:>6}" for n in lengths))
    for depth, row in zip(depths, rows, strict=True):
        cells_text = " ".join("     -" if v is None else f"{v:6.2f}" for v in row)
        print(f"{depth:>14}% {cells_text}")
    print(f"mean score {sum(cells.values()) / len(cells):.3f} over {len(cells)} cells")
    print(f"Heatmap: {path}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register ``niah-heatmap`` with the ``acbench`` command line."""
    parser = commands.add_parser(
        "niah-heatmap",
        help="draw the Needle-in-a-Haystack heatmap (PNG) of a run",
        description="Read the acbench_niah samples of a run (a samples_acbench_niah_*.jsonl, "
        "the results_*.json beside it, or the results folder) and draw score by context "
        "length and depth.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="path",
        help="samples .jsonl, results_*.json or results folder; several runs are merged",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="PNG to write (default: niah_heatmap.png next to the first input)",
    )
    parser.add_argument("--title", default=None, help="title prefix, e.g. the model name")
    parser.set_defaults(func=_cmd_heatmap)
