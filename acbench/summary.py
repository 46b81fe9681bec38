"""Human-readable summaries of lm-eval results files."""

from __future__ import annotations

import io
from typing import Any

from acbench_core.catalog import benchmark, benchmark_of
from acbench_core.results import Run
from acbench_core.secrets import mask_model_args


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, float, int | None]]:
    """(task or group, metric, value ×100, n samples) for every ACBench entry in a results file."""
    rows = []
    run = Run(label="", source="", data=results)
    entries = {**results.get("results", {}), **results.get("groups", {})}
    for name in sorted(entries, key=lambda n: (n not in results.get("groups", {}), n)):
        family = benchmark_of(name)
        if family is None:
            continue
        for metric in family.metrics:
            value = entries[name].get(f"{metric},none")
            if isinstance(value, (int, float)):
                rows.append((name, metric, 100.0 * value, run.n_samples(name)))
    return rows


def format_summary(results: dict[str, Any]) -> str:
    """Scores ×100, one table per task family: a row per group or task, a column per metric."""
    from rich.console import Console
    from rich.table import Table

    tables: dict[str, dict[str, dict[str, float]]] = {}  # benchmark -> task -> metric
    counts: dict[str, int | None] = {}
    for name, metric, value, count in summary_rows(results):
        family = benchmark_of(name)
        assert family is not None  # summary_rows keeps ACBench entries only
        tables.setdefault(family.name, {}).setdefault(name, {})[metric] = value
        counts[name] = count
    model = mask_model_args(results.get("config", {}).get("model_args", ""))
    console = Console(file=io.StringIO(), width=110)
    for family_name, rows in tables.items():
        family = benchmark(family_name)
        metrics = family.metrics
        table = Table(title=f"{family.title} — scores ×100 — {model}", title_justify="left")
        table.add_column("task / group")
        for metric in metrics:
            table.add_column(metric, justify="right")
        table.add_column("n", justify="right")
        for name, values in rows.items():
            cells = [f"{values[m]:.1f}" if m in values else "" for m in metrics]
            count = counts[name]
            table.add_row(name, *cells, "" if count is None else str(count))
        console.print(table)
    return console.file.getvalue()
