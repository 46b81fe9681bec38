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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from acbench_core.results import Run, headline_metric

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


#: ACBench's method label (as in its results table) for each of our presets that matches a
#: setting ACBench ran: how a run finds "the paper's row for the same method".
METHOD_OF_PRESET: dict[str, str] = {
    "gptq-w4a16": "gptq-w4a16",
    "awq-w4a16": "awq",
    "rtn-w4a16": "rtn-w4",
    "wanda-2of4": "wanda-2:4",
    "wanda-50": "wanda-un0.5",
    "sparsegpt-2of4": "sparsegpt-2:4",
    "sparsegpt-50": "sparsegpt-un0.5",
    "magnitude-2of4": "magnitude-2:4",
    "magnitude-50": "magnitude-un0.5",
}
#: The row of the paper's real-world average (mean progress rate over :data:`PAPER_ENVS`).
AVERAGE = "average"


def published_model(model: str | None) -> str | None:
    """The published base model ``model`` names (its last path part, any case), else None."""
    if not model:
        return None
    name = str(model).rstrip("/").rsplit("/", 1)[-1].lower()
    return next((m for m, _ in published_models() if m.lower() == name), None)


def published_method(model: str, label: str) -> str | None:
    """ACBench's method for a run labelled ``label`` (one of our preset names or ACBench's own
    method label, alone or as a part of a ``folder/model`` label), when ACBench published
    numbers for it on ``model``; else None."""
    methods = {method for m, method in published_models() if m.lower() == model.lower()}
    # a discovered run is labelled folder/model, the model's "/" written as "__"
    for part in (label, *re.split(r"/|__", label)):
        for candidate in (part, METHOD_OF_PRESET.get(part)):
            if candidate in methods:
                return candidate
    return None


@dataclass(frozen=True)
class BesideRow:
    """One environment (or the average) and metric: our runs' values and the published ones,
    all fractions (None where missing)."""

    env: str
    task: str
    metric: str
    ours: dict[str, float | None]  # run label -> value
    published: dict[str, float | None]  # ACBench method -> value


def _our_value(run: Run, task: str, metric: str) -> float | None:
    key = headline_metric(run, task, prefer=metric)
    return None if key is None else float(run.entry(task)[key])


def beside_published(runs: Sequence[Run], model: str, methods: Sequence[str]) -> list[BesideRow]:
    """Our runs' AgentBoard rates next to ACBench's published ones for ``model`` and each of
    ``methods`` (``none`` = the base model): progress and success per environment of the
    paper's average, the average itself, then AlfWorld (which ACBench did not publish).

    The runs' values are never mixed with the published ones."""
    published = {
        method: {(r.env, r.metric): r.value for r in published_rows(model, method)}
        for method in methods
    }
    rows = []
    for env in (*PAPER_ENVS, AVERAGE, "alfworld"):
        task = "acbench_realworld" if env == AVERAGE else TASK_OF_ENV[env]
        for metric in ("progress_rate",) if env == AVERAGE else ("progress_rate", "success_rate"):
            ours = {run.label: _our_value(run, task, metric) for run in runs}
            if env == AVERAGE:
                theirs = {m: published_average(model, m) for m in methods}
            else:
                theirs = {m: published[m].get((env, metric)) for m in methods}
            if any(v is not None for v in (*ours.values(), *theirs.values())):
                rows.append(BesideRow(env, task, metric, ours, theirs))
    return rows


def comparable_with_paper(run: Run) -> bool:
    """False when any real-world task of ``run`` says it ran on data not comparable with the
    paper's (our offline sample problems)."""
    configs = run.data.get("configs") or {}
    return not any(
        (cfg.get("metadata") or {}).get("comparable_with_paper") is False
        for name, cfg in configs.items()
        if name.startswith("acbench_realworld") and isinstance(cfg, dict)
    )


def beside_runs(runs: Sequence[Run], model: str | None = None) -> tuple[str, list[BesideRow]]:
    """:func:`beside_published` for a base run and its variants: the published model is
    ``model`` or the base run's (``runs[0]``); the published methods are ``none`` and those
    matching the variants' labels (:func:`published_method`).

    Raises ``LookupError`` naming the published models when there is none for it."""
    name = published_model(model or runs[0].model)
    if name is None:
        known = ", ".join(sorted({m for m, _ in published_models()}))
        raise LookupError(
            f"ACBench published no AgentBoard numbers for {model or runs[0].model!r}; "
            f"models with published numbers: {known}"
        )
    methods = ["none"]
    for run in runs[1:]:
        method = published_method(name, run.label)
        if method and method not in methods:
            methods.append(method)
    return name, beside_published(runs, name, methods)
