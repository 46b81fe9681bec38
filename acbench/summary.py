"""Human-readable summaries of lm-eval results files."""

from __future__ import annotations

import io
from typing import Any

#: Headline metric per ACBench task family (prefix → metric), shown first in summaries.
HEADLINE_METRICS: dict[str, str] = {
    "acbench_workflow": "node_f1",
    "acbench_longbench": "score",
    "acbench_longgenbench": "score",
    "acbench_niah": "score",
    "acbench_tool": "score",
    "acbench_teval": "score",
    "acbench_bfcl": "accuracy",
    "acbench_realworld": "progress_rate",
}
SECONDARY_METRICS: dict[str, tuple[str, ...]] = {
    "acbench_workflow": ("graph_f1", "parse_rate"),
    "acbench_longgenbench": ("answered",),
    "acbench_teval": ("parse_rate",),
    "acbench_bfcl": ("decoded",),
    "acbench_realworld": ("success_rate", "grounding_accuracy"),
}


def _family(name: str) -> str | None:
    return next((p for p in HEADLINE_METRICS if name.startswith(p)), None)


def _sample_count(results: dict[str, Any], name: str) -> int | None:
    """Samples behind a task's score; a group's is the sum over its tasks."""
    n_samples = results.get("n-samples", {})
    if name in n_samples:
        return n_samples[name].get("effective")
    members = results.get("group_subtasks", {}).get(name)
    if not members:
        return None
    counts = [_sample_count(results, member) for member in members]
    return None if None in counts else sum(counts)


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, float, int | None]]:
    """(task or group, metric, value ×100, n samples) for every ACBench entry in a results file."""
    rows = []
    entries = {**results.get("results", {}), **results.get("groups", {})}
    for name in sorted(entries, key=lambda n: (n not in results.get("groups", {}), n)):
        family = _family(name)
        if family is None:
            continue
        for metric in (HEADLINE_METRICS[family], *SECONDARY_METRICS.get(family, ())):
            value = entries[name].get(f"{metric},none")
            if isinstance(value, (int, float)):
                count = _sample_count(results, name)
                rows.append((name, metric, 100.0 * value, count))
    return rows


def format_summary(results: dict[str, Any]) -> str:
    """Scores ×100, one table per task family: a row per group or task, a column per metric."""
    from rich.console import Console
    from rich.table import Table

    tables: dict[str, dict[str, dict[str, float]]] = {}
    counts: dict[str, int | None] = {}
    for name, metric, value, count in summary_rows(results):
        tables.setdefault(_family(name), {}).setdefault(name, {})[metric] = value
        counts[name] = count
    model = results.get("config", {}).get("model_args", "")
    console = Console(file=io.StringIO(), width=110)
    for family, rows in tables.items():
        metrics = (HEADLINE_METRICS[family], *SECONDARY_METRICS.get(family, ()))
        table = Table(title=f"{family} — scores ×100 — {model}", title_justify="left")
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
