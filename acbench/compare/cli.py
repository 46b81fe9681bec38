"""``acbench compare``: a base run and compressed runs side by side, per task and capability.

BASE and each COMPRESSED run is a results file, a folder of runs or a Hub dataset id (see
:mod:`acbench_core.results`); the rows and their statistics come from
:mod:`acbench_core.comparison`, the output from :mod:`acbench.compare.formats`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from acbench.compare.formats import (
    format_csv,
    format_markdown,
    format_published,
    format_table,
    published_note,
)
from acbench_core.comparison import compare_runs
from acbench_core.reference import beside_runs, comparable_with_paper
from acbench_core.results import ResultsError, Run, load_run


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``acbench compare`` (hooked in through ``acbench.cli.EXTRA_COMMANDS``)."""
    parser = commands.add_parser(
        "compare",
        help="base vs compressed lm-eval results side by side (drops, recovery, bootstrap CI)",
        description=(
            "Compare lm-eval results per task and capability. BASE and each COMPRESSED run is a "
            "results_*.json file, a folder of runs, or a Hub dataset id (e.g. an Open LLM "
            "Leaderboard details repo: open-llm-leaderboard/<org>__<model>-details)."
        ),
    )
    parser.add_argument("base", help="the base model's results (file, folder or Hub dataset)")
    parser.add_argument("compressed", nargs="+", help="one or more compressed runs")
    parser.add_argument(
        "--labels", help="comma-separated names: base first, then each compressed run"
    )
    parser.add_argument("--metric", help="compare this metric instead of each task's headline")
    parser.add_argument("--tasks", help="comma-separated tasks or groups to show (default: all)")
    parser.add_argument("--markdown", type=Path, help="also write a Markdown table here")
    parser.add_argument("--csv", type=Path, help="also write a CSV file here")
    parser.add_argument("--bootstrap", type=int, default=10_000, help="bootstrap resamples")
    parser.add_argument("--confidence", type=float, default=0.95, help="CI level (0.95)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument(
        "--published",
        nargs="?",
        const="",
        metavar="MODEL",
        help=(
            "also show ACBench's published AgentBoard numbers for MODEL (default: the base "
            "run's model) and for the methods matching the compressed runs' labels"
        ),
    )
    parser.set_defaults(func=_cmd_compare)


def _cmd_compare(args: argparse.Namespace) -> int:
    sources = [args.base, *args.compressed]
    labels: list[str | None] = [None] * len(sources)
    if args.labels:
        given = [x.strip() for x in args.labels.split(",")]
        if len(given) != len(sources):
            print(f"acbench: --labels needs {len(sources)} names", file=sys.stderr)
            return 2
        labels = list(given)
    if not 0 < args.confidence < 1 or args.bootstrap < 1:
        print("acbench: --confidence must be in (0, 1) and --bootstrap ≥ 1", file=sys.stderr)
        return 2
    try:
        runs = [load_run(s, label) for s, label in zip(sources, labels, strict=True)]
    except ResultsError as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    _unique_labels(runs)
    tasks = [t.strip() for t in args.tasks.split(",")] if args.tasks else None
    rows = compare_runs(
        runs[0],
        runs[1:],
        metric=args.metric,
        n_resamples=args.bootstrap,
        confidence=args.confidence,
        seed=args.seed,
        tasks=tasks,
    )
    if not rows:
        print("acbench: the runs share no task with a comparable metric", file=sys.stderr)
        return 1
    print(format_table(rows, args.confidence, title=f"base: {runs[0].label}"))
    for path, text in (
        (args.markdown, format_markdown(rows, args.confidence)),
        (args.csv, format_csv(rows) if args.csv else ""),
    ):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"Wrote {path}")
    if args.published is not None:
        return _print_published(runs, args.published or None, args.markdown)
    return 0


def _print_published(runs: list[Run], model: str | None, markdown: Path | None) -> int:
    """Our real-world rows beside the paper's for the same base model and methods."""
    try:
        name, rows = beside_runs(runs, model)
    except LookupError as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    if not rows:
        print("acbench: neither these runs nor ACBench have real-world numbers to show")
        return 0
    note = published_note(name, all(comparable_with_paper(run) for run in runs))
    print(format_published(rows, note))
    if markdown:
        with markdown.open("a", encoding="utf-8") as handle:
            handle.write("\n" + format_published(rows, note, markdown=True))
    return 0


def _unique_labels(runs: list[Run]) -> None:
    seen: dict[str, int] = {}
    for run in runs:
        count = seen.get(run.label, 0)
        seen[run.label] = count + 1
        if count:
            run.label = f"{run.label} ({count + 1})"
