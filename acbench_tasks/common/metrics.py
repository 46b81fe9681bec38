"""Registration of ACBench's per-sample metrics with lm-eval.

Our scorers return every metric from ``process_results``; registering the names (mean
aggregation) keeps lm-eval from looking them up in the HF ``evaluate`` library, which would
try the network and log an error for each.
"""

from __future__ import annotations

from collections.abc import Iterable

from lm_eval.api import registry


def _passthrough(items):
    return items


def register_mean_metrics(names: Iterable[str], higher_is_better: bool = True) -> None:
    """Register per-sample metric names aggregated by their mean (idempotent)."""
    # lm-eval fills its built-in metrics lazily, only while the registry is empty: fill it
    # first so that registering ours does not hide them.
    import lm_eval.api.metrics  # noqa: F401

    for name in names:
        if name not in registry.metric_registry:
            registry.register_metric(
                metric=name, higher_is_better=higher_is_better, aggregation="mean"
            )(_passthrough)
