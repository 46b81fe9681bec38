"""``acbench report FOLDER``: the HTML + Markdown report of a folder of runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``acbench report`` (hooked in through ``acbench.cli.EXTRA_COMMANDS``)."""
    parser = commands.add_parser(
        "report",
        help="one HTML + Markdown report (tables, radar, drops, NIAH, Pareto) of a run folder",
        description=(
            "Render report.html (self-contained) and report.md with plots from FOLDER: an "
            "`acbench run` folder (acbench_run.json) or any folder of lm-eval results, where "
            "each folder holding results_*.json is one run."
        ),
    )
    parser.add_argument("folder", type=Path, help="the folder of runs")
    parser.add_argument(
        "--base",
        help="label of the base run (default: the manifest's, or the "
        "one run of an uncompressed model)",
    )
    parser.add_argument("--output", type=Path, help="output folder (default: FOLDER/report)")
    parser.add_argument(
        "--bootstrap", type=int, default=2000, help="bootstrap resamples for drop CIs (0: none)"
    )
    parser.add_argument("--confidence", type=float, default=0.95, help="CI level (0.95)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from acbench.report import ReportError, build_report
    from acbench_core.results import ResultsError

    try:
        files = build_report(
            args.folder,
            args.output,
            base=args.base,
            n_resamples=args.bootstrap,
            confidence=args.confidence,
            seed=args.seed,
        )
    except (ReportError, ResultsError) as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    print(files.html)
    print(files.markdown)
    return 0
