"""The numbers of a report, as pure functions of lm-eval results: capability scores, the overall
score, recovery, energy totals and the Pareto front of (cost, score) points.

Capability score = mean headline score over the run's top-level entries of that capability:
groups, or tasks that belong to no other group of the run (ACBench's all-in-one ``acbench``
group does not count as a parent and is never scored itself). A group that reports no score of
its own (``acbench_longcontext`` averages nothing, so that LongBench's 16 subsets are not
weighted 16 times) is replaced by its members. Lower-is-better metrics (perplexity, ...) cannot
be averaged with scores and are left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from acbench.energy import JOULES_PER_KWH
from acbench_core.catalog import ALL_GROUP, CAPABILITIES
from acbench_core.comparison import recovery
from acbench_core.results import Run, capability, headline_metric, higher_is_better


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _subtasks(run: Run) -> dict[str, list[str]]:
    table = run.data.get("group_subtasks") or {}
    return {g: [m for m in (ms or []) if m != g] for g, ms in table.items()}


def top_level_entries(run: Run) -> list[str]:
    """Groups and tasks of the run that are not members of another group (``acbench`` aside)."""
    subtasks = _subtasks(run)
    names = list(
        dict.fromkeys([*run.data.get("groups", {}), *run.data.get("results", {}), *subtasks])
    )
    members = {m for g, ms in subtasks.items() if g != ALL_GROUP for m in ms}
    return [n for n in names if n not in members and n != ALL_GROUP]


def capability_entries(run: Run) -> list[tuple[str, str, float]]:
    """(capability, task or group, headline score) of every entry the capability scores use."""
    subtasks = _subtasks(run)
    found: list[tuple[str, str, float]] = []

    def visit(name: str, path: frozenset[str]) -> None:
        key = headline_metric(run, name)
        if key is None:  # a group without a score of its own: score its members instead
            for member in subtasks.get(name, []):
                if member not in path:
                    visit(member, path | {member})
            return
        if higher_is_better(run, name, key):
            found.append((capability(run, name), name, float(run.entry(name)[key])))

    for name in top_level_entries(run):
        visit(name, frozenset({name}))
    return found


def capability_scores(run: Run) -> dict[str, float]:
    """Capability → mean headline score of its top-level entries (0-1 scale)."""
    values: dict[str, list[float]] = {}
    for label, _, score in capability_entries(run):
        values.setdefault(label, []).append(score)
    return {label: sum(v) / len(v) for label, v in values.items()}


def overall_score(scores: Mapping[str, float]) -> float | None:
    """Mean of the capability scores (None without any)."""
    return sum(scores.values()) / len(scores) if scores else None


def overall_recovery(base: Mapping[str, float], variant: Mapping[str, float]) -> float | None:
    """Variant overall as a % of the base overall, both over the capabilities they share (a
    variant missing a capability is not charged for it); None when they share none."""
    shared = [c for c in base if c in variant]
    mine = overall_score({c: variant[c] for c in shared})
    theirs = overall_score({c: base[c] for c in shared})
    return None if mine is None or theirs is None else recovery(theirs, mine)


def order_capabilities(labels: Iterable[str]) -> list[str]:
    """ACBench's capabilities in the paper's order, then any others alphabetically."""
    unique = set(labels)
    return [c for c in CAPABILITIES if c in unique] + sorted(unique - set(CAPABILITIES))


def energy_totals(results: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """(kWh, J per sample) of a run's ``energy`` block, summed over its measured tasks.

    Summing the tasks (rather than reading ``total``) stays right when the run's results were
    merged from several lm-eval calls, each with its own total. J/sample is None unless every
    measured task knows its sample count; both are None without measurements."""
    block = results.get("energy")
    if not isinstance(block, Mapping):
        return None, None
    tasks = block.get("tasks") if isinstance(block.get("tasks"), Mapping) else {}
    measured = [
        e
        for e in tasks.values()
        if isinstance(e, Mapping)
        and e.get("status", "measured") == "measured"
        and _number(e.get("energy_kwh")) is not None
    ]
    if measured:
        kwh = sum(float(e["energy_kwh"]) for e in measured)
        # samples generated in the run (not replayed from the resume cache); older files: samples
        samples = [_number(e.get("samples_generated", e.get("samples"))) for e in measured]
        per_sample = None
        if all(s and s > 0 for s in samples):
            per_sample = kwh * JOULES_PER_KWH / sum(samples)  # type: ignore[arg-type]
        return kwh, per_sample
    total = block.get("total") if isinstance(block.get("total"), Mapping) else {}
    return _number(total.get("energy_kwh")), _number(total.get("joules_per_sample"))


def pareto_front(points: Sequence[tuple[str, float | None, float | None]]) -> list[str]:
    """Labels of the (label, cost, score) points that no other point beats, by cost ascending.

    A point is beaten when another costs no more and scores no less, and is strictly better in
    one of the two; identical points beat neither other, so both stay. Points with a missing
    (None or NaN) cost or score are left out."""
    valid = [
        (label, float(x), float(y))
        for label, x, y in points
        if _number(x) is not None and _number(y) is not None
    ]

    def beaten(x: float, y: float) -> bool:
        return any(a <= x and b >= y and (a < x or b > y) for _, a, b in valid)

    front = [(x, -y, label) for label, x, y in valid if not beaten(x, y)]
    return [label for _, _, label in sorted(front)]
