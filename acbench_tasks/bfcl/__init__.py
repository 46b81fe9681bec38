"""BFCL-style function-call accuracy for lm-eval: see :mod:`acbench_tasks.bfcl.bfcl`.

The AST checker is :mod:`acbench_tasks.bfcl.checker`, the answer decoder
:mod:`acbench_tasks.bfcl.parser`.
"""

from acbench_tasks.bfcl.bfcl import CATEGORIES, BFCLTask, load_dataset, load_records, score_answer

__all__ = ["CATEGORIES", "BFCLTask", "load_dataset", "load_records", "score_answer"]
