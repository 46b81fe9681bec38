"""WorfBench (workflow generation) for lm-eval: see :mod:`acbench_tasks.worfbench.worfbench`."""

from acbench_tasks.worfbench.worfbench import (
    SUBSETS,
    WorfBenchTask,
    Workflow,
    WorkflowScore,
    load_dataset,
    load_records,
    parse_workflow,
    score_workflow,
)

__all__ = [
    "SUBSETS",
    "WorfBenchTask",
    "Workflow",
    "WorkflowScore",
    "load_dataset",
    "load_records",
    "parse_workflow",
    "score_workflow",
]
