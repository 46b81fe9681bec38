"""A base run and compressed runs side by side: one :class:`Row` per task and variant.

For every task and group both runs have: base score, compressed score, absolute drop, relative
drop and recovery (compressed / base, the ACBench paper's measure). When both runs logged
per-sample results, the samples are matched by ``doc_id`` and a paired percentile bootstrap
(:mod:`acbench_core.bootstrap`) gives a confidence interval of the drop; the drop is called
significant when that interval excludes zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from acbench_core.bootstrap import BootstrapResult, paired_bootstrap
from acbench_core.results import (
    Run,
    capability,
    headline_metric,
    higher_is_better,
    is_number,
)


def recovery(base: float, compressed: float, higher_better: bool = True) -> float | None:
    """Compressed score as a percentage of the base score (None when undefined)."""
    if higher_better:
        return 100.0 * compressed / base if base else None
    return 100.0 * base / compressed if compressed else None


def relative_drop(base: float, compressed: float, higher_better: bool = True) -> float | None:
    """Drop as a percentage of the base score; positive = worse (None when the base is 0)."""
    if not base:
        return None
    drop = base - compressed if higher_better else compressed - base
    return 100.0 * drop / abs(base)


def paired_differences(base: Run, compressed: Run, task: str, metric_key: str) -> list[float]:
    """base − compressed per ``doc_id``; empty unless both runs logged the same samples."""
    metric, _, filt = metric_key.partition(",")
    filt = filt or "none"
    left, right = base.samples(task), compressed.samples(task)
    if not left or not right:
        return []
    left_keys = {k for k in left if k[1] == filt}
    if left_keys != {k for k in right if k[1] == filt}:
        return []  # different sample sets (e.g. another --limit): a paired CI would mislead
    diffs = []
    for key in sorted(left_keys, key=str):
        a, b = _sample_value(left[key], metric), _sample_value(right[key], metric)
        if a is None or b is None:
            return []  # corpus-level metric (e.g. a tuple per sample): no paired mean
        diffs.append(a - b)
    return diffs


def _sample_value(record: dict[str, Any], metric: str) -> float | None:
    value = record.get(metric)
    if isinstance(value, bool):
        return float(value)
    return float(value) if is_number(value) else None


@dataclass
class Row:
    capability: str
    task: str
    is_group: bool
    variant: str
    metric: str
    base: float | None
    compressed: float | None
    n_base: int | None = None
    n_compressed: int | None = None
    higher_is_better: bool = True
    ci: BootstrapResult | None = None

    @property
    def drop(self) -> float | None:
        if self.base is None or self.compressed is None:
            return None
        d = self.base - self.compressed
        return d if self.higher_is_better else -d

    @property
    def relative_drop(self) -> float | None:
        if self.base is None or self.compressed is None:
            return None
        return relative_drop(self.base, self.compressed, self.higher_is_better)

    @property
    def recovery(self) -> float | None:
        if self.base is None or self.compressed is None:
            return None
        return recovery(self.base, self.compressed, self.higher_is_better)

    @property
    def significance(self) -> str:
        if self.ci is None:
            return "n/a"
        if not self.ci.significant:
            return "no"
        return "drop" if self.ci.low > 0 else "gain"


def compare_runs(
    base: Run,
    variants: Sequence[Run],
    *,
    metric: str | None = None,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    tasks: Iterable[str] | None = None,
) -> list[Row]:
    """One row per (task or group, variant) present in the base run and the variant."""
    rows: list[Row] = []
    wanted = set(tasks) if tasks else None
    for variant in variants:
        names = _shared_names(base, variant)
        for name in names:
            if wanted is not None and name not in wanted:
                continue
            key = headline_metric(base, name, metric)
            if key is None or key not in (variant.entry(name) or {}):
                continue
            hib = higher_is_better(base, name, key)
            row = Row(
                capability=capability(base, name),
                task=name,
                is_group=bool(base.data.get("group_subtasks", {}).get(name)),
                variant=variant.label,
                metric=key.split(",")[0],
                base=float(base.entry(name)[key]),
                compressed=float(variant.entry(name)[key]),
                n_base=base.n_samples(name),
                n_compressed=variant.n_samples(name),
                higher_is_better=hib,
            )
            if n_resamples > 0:
                row.ci = _row_ci(base, variant, name, key, row, n_resamples, confidence, seed)
            rows.append(row)
    rows.sort(key=lambda r: (r.capability, not r.is_group, r.task, r.variant))
    return rows


def _shared_names(base: Run, variant: Run) -> list[str]:
    ours = {**base.data.get("results", {}), **base.data.get("groups", {})}
    theirs = {**variant.data.get("results", {}), **variant.data.get("groups", {})}
    return [n for n in ours if n in theirs]


def _row_ci(
    base: Run,
    variant: Run,
    name: str,
    key: str,
    row: Row,
    n_resamples: int,
    confidence: float,
    seed: int,
) -> BootstrapResult | None:
    members = base.data.get("group_subtasks", {}).get(name) or [name]
    strata = [paired_differences(base, variant, m, key) for m in members]
    if any(len(s) < 2 for s in strata):  # no log, other samples, or too few to resample
        return None
    if not row.higher_is_better:
        strata = [[-d for d in s] for s in strata]
    weights = None
    if len(members) > 1:
        sizes = [len(s) for s in strata]
        weights = sizes if _size_weighted(base, name, members, key) else None
    return paired_bootstrap(
        strata, weights, n_resamples=n_resamples, confidence=confidence, seed=seed
    )


def _size_weighted(run: Run, group: str, members: list[str], key: str) -> bool:
    """Whether the group's reported score is the size-weighted mean of its tasks (lm-eval's
    default) rather than the plain mean; the results file does not say, the values do."""
    reported = (run.entry(group) or {}).get(key)
    values = [(run.entry(m) or {}).get(key) for m in members]
    sizes = [run.n_samples(m) for m in members]
    if not is_number(reported) or None in sizes or not all(is_number(v) for v in values):
        return True
    plain = sum(values) / len(values)
    weighted = sum(v * n for v, n in zip(values, sizes, strict=True)) / max(sum(sizes), 1)
    return abs(weighted - reported) <= abs(plain - reported)
