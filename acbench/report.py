"""Human-readable summaries of lm-eval results files."""

from __future__ import annotations

import io
from typing import Any

#: Headline metric per ACBench task family (prefix → metric), shown first in summaries.
HEADLINE_METRICS: dict[str, str] = {
    "acbench_workflow": "node_f1",
}
SECONDARY_METRICS: dict[str, tuple[str, ...]] = {
    "acbench_workflow": ("graph_f1", "parse_rate"),
}


def _family(name: str) -> str | None:
    return next((p for p in HEADLINE_METRICS if name.startswith(p)), None)


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, float, int | None]]:
    """(task or group, metric, value ×100, n samples) for every ACBench entry in a results file."""
    rows = []
    n_samples = results.get("n-samples", {})
    entries = {**results.get("results", {}), **results.get("groups", {})}
    for name in sorted(entries, key=lambda n: (n not in results.get("groups", {}), n)):
        family = _family(name)
        if family is None:
            continue
        for metric in (HEADLINE_METRICS[family], *SECONDARY_METRICS.get(family, ())):
            value = entries[name].get(f"{metric},none")
            if isinstance(value, (int, float)):
                count = n_samples.get(name, {}).get("effective")
                rows.append((name, metric, 100.0 * value, count))
    return rows


def format_summary(results: dict[str, Any]) -> str:
    """A table of scores ×100 (groups first), rendered with rich."""
    from rich.console import Console
    from rich.table import Table

    model = results.get("config", {}).get("model_args", "")
    table = Table(title=f"ACBench scores (×100) — {model}")
    for column, justify in (
        ("task", "left"),
        ("metric", "left"),
        ("score", "right"),
        ("n", "right"),
    ):
        table.add_column(column, justify=justify)
    for name, metric, value, count in summary_rows(results):
        table.add_row(name, metric, f"{value:.1f}", "" if count is None else str(count))
    console = Console(file=io.StringIO(), width=100)
    console.print(table)
    return console.file.getvalue()
