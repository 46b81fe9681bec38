"""ACBench's published AgentBoard numbers, shipped as data (``reference/realworld.csv``).

The file is ACBench's own results table (``thirdparty/AgentBoard/all_model_results_agentboard.csv``
at pprp/ACBench commit 3c16498, later deleted), in long form, values unchanged: fractions per
environment (jericho, pddl, tool-query, tool-operation, scienceworld) and metric
(``progress_rate``, ``success_rate``), per base model and compression method. ACBench reported no
AlfWorld numbers. These are **published numbers**, to be shown beside a run, never mixed with it.

>>> rows = published_rows("Qwen2.5-7B-Instruct", "none")
>>> round(published_average("Qwen2.5-7B-Instruct", "awq"), 3)
0.266
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

SOURCE = "ACBench (pprp/ACBench@3c16498, thirdparty/AgentBoard/all_model_results_agentboard.csv)"
#: The environments of ACBench's real-world average, in its table's order.
PAPER_ENVS: tuple[str, ...] = ("jericho", "pddl", "tool-query", "tool-operation", "scienceworld")
#: Our lm-eval task for each AgentBoard environment.
TASK_OF_ENV: dict[str, str] = {
    "jericho": "acbench_realworld_jericho",
    "pddl": "acbench_realworld_pddl",
    "tool-query": "acbench_realworld_tool_query",
    "tool-operation": "acbench_realworld_tool_operation",
    "scienceworld": "acbench_realworld_scienceworld",
    "alfworld": "acbench_realworld_alfworld",
}
_FILE = Path(__file__).parent / "reference" / "realworld.csv"


@dataclass(frozen=True)
class PublishedRate:
    """One published number: ``value`` is a fraction (the paper prints it ×100)."""

    env: str
    task: str  # our lm-eval task name
    metric: str  # progress_rate | success_rate
    model: str  # base model, Hub-style name
    method: str  # compression method (``none`` = the base model)
    value: float
    source: str = SOURCE


@functools.cache
def _rows() -> tuple[PublishedRate, ...]:
    with open(_FILE, encoding="utf-8", newline="") as handle:
        return tuple(
            PublishedRate(
                env=row["task"],
                task=TASK_OF_ENV.get(row["task"], row["task"]),
                metric=row["metric"],
                model=row["model"],
                method=row["method"],
                value=float(row["value"]),
            )
            for row in csv.DictReader(handle)
        )


def published_rows(base_model: str | None = None, method: str | None = None) -> list[PublishedRate]:
    """ACBench's published AgentBoard rates, filtered by base model and method (None: all)."""
    return [
        row
        for row in _rows()
        if (base_model is None or row.model.lower() == base_model.lower())
        and (method is None or row.method == method)
    ]


def published_average(base_model: str, method: str = "none") -> float | None:
    """The paper's real-world average: mean progress rate over :data:`PAPER_ENVS` (None when
    ACBench published fewer than all five)."""
    rates = {
        r.env: r.value for r in published_rows(base_model, method) if r.metric == "progress_rate"
    }
    if any(env not in rates for env in PAPER_ENVS):
        return None
    return sum(rates[env] for env in PAPER_ENVS) / len(PAPER_ENVS)


def published_models() -> list[tuple[str, str]]:
    """The (base model, method) pairs with published numbers."""
    return sorted({(r.model, r.method) for r in _rows()})
