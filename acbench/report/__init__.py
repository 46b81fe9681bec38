"""``acbench report``: one HTML + Markdown report (tables and plots) from a folder of runs."""

from acbench.report.build import ReportFiles, build_report
from acbench.report.runs import MANIFEST, ReportError, RunEntry, RunSet, collect_runs
from acbench.report.scores import (
    capability_entries,
    capability_scores,
    energy_totals,
    overall_recovery,
    overall_score,
    pareto_front,
    top_level_entries,
)

__all__ = [
    "MANIFEST",
    "ReportError",
    "ReportFiles",
    "RunEntry",
    "RunSet",
    "build_report",
    "capability_entries",
    "capability_scores",
    "collect_runs",
    "energy_totals",
    "overall_recovery",
    "overall_score",
    "pareto_front",
    "top_level_entries",
]
