"""Why does a compressed model act differently? ERank, top-k ranking correlation, logit energy.

Python API::

    from acbench.analysis import analyze
    report = analyze("acbench:smollm2", "path/to/compressed", output_dir="results/analysis")

Command line: ``acbench analyze --base <model> --compressed <model>``.
The pure metric functions are in :mod:`acbench.analysis.metrics`.
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use so that `acbench --help` does not import scipy, torch or matplotlib.
_EXPORTS = {
    "diff_erank": "metrics",
    "erank": "metrics",
    "logit_energy": "metrics",
    "rank_correlations": "metrics",
    "shift_statistics": "metrics",
    "topk_rank_correlation": "metrics",
    "AnalysisError": "runner",
    "AnalysisSettings": "runner",
    "analyze": "runner",
    "summary_text": "runner",
    "write_outputs": "runner",
    "load_texts": "texts",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
