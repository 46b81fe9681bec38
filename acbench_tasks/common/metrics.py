"""Registration of ACBench's per-sample metrics with lm-eval.

Our scorers return every metric from ``process_results``; registering the names (mean
aggregation) keeps lm-eval from looking them up in the HF ``evaluate`` library, which would
try the network and log an error for each.

``scoring_error`` (see :mod:`acbench_tasks.common.guard`) is registered too, with its own
aggregation ``count_scoring_errors`` (the number of flagged samples, lower is better), so a
YAML ``metric_list`` may name it; :class:`acbench_tasks.common.chat.ChatTask` adds it to every
task without that.
"""

from __future__ import annotations

from collections.abc import Iterable

from lm_eval.api import registry

from acbench_tasks.common.guard import SCORING_ERROR, count_scoring_errors


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


def register_scoring_error_metric() -> None:
    """Register ``scoring_error`` and its aggregation ``count_scoring_errors`` (idempotent)."""
    import lm_eval.api.metrics  # noqa: F401  (see register_mean_metrics)

    if "count_scoring_errors" not in registry.aggregation_registry:
        registry.register_aggregation("count_scoring_errors")(count_scoring_errors)
    if SCORING_ERROR not in registry.metric_registry:
        registry.register_metric(
            metric=SCORING_ERROR, higher_is_better=False, aggregation="count_scoring_errors"
        )(_passthrough)


register_scoring_error_metric()
