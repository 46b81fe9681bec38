"""T-Eval (tool use, six dimensions) for lm-eval: see :mod:`acbench_tasks.teval.teval`.

Parsers and scorers are in :mod:`acbench_tasks.teval.scoring`.
"""

from acbench_tasks.teval.teval import (
    DIMENSIONS,
    TEvalTask,
    load_dataset,
    load_records,
    score_doc,
)

__all__ = ["DIMENSIONS", "TEvalTask", "load_dataset", "load_records", "score_doc"]
