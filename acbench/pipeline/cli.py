"""``acbench run CONFIG`` and ``acbench demo``: the whole compression study in one command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEMO_CONFIG = Path(__file__).resolve().parent / "demo.yaml"


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register ``acbench run`` and ``acbench demo`` (through ``acbench.cli.EXTRA_COMMANDS``)."""
    run = commands.add_parser(
        "run",
        help="compress -> evaluate with energy -> analyze -> compare -> report -> publish",
        description=(
            "Run a compression study described by a YAML file (see acbench/pipeline/config.py "
            f"and the demo's config, {DEMO_CONFIG.name}). Resumable: a rerun skips the steps "
            "finished with the same settings and says so."
        ),
    )
    run.add_argument("config", type=Path, help="the study's YAML file")
    _add_options(run)
    run.set_defaults(func=_cmd_run)

    demo = commands.add_parser(
        "demo",
        help="the pipeline on the bundled SmolLM2: two presets, sample data of all four "
        "capabilities, offline",
    )
    _add_options(demo)
    demo.add_argument("--show-config", action="store_true", help="print the demo's config and exit")
    demo.set_defaults(func=_cmd_run, config=DEMO_CONFIG)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", type=Path, help="output folder (default: the config's, else runs/<name>)"
    )
    parser.add_argument(
        "--force",
        action="append",
        default=[],
        metavar="STEP",
        help="run this step again even if finished (e.g. evaluate, compress/gptq-w4a16); "
        "repeatable",
    )


def _cmd_run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from acbench.pipeline.config import ConfigError, load_config
    from acbench.pipeline.runner import Study, run_pipeline

    if getattr(args, "show_config", False):
        print(DEMO_CONFIG.read_text(encoding="utf-8"), end="")
        return 0
    try:
        config, root = load_config(args.config)
    except ConfigError as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    study = Study.create(config, root, args.output)
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:  # a log file: wide enough for the capability table
        console.width = 120
    console.print(
        f"[bold]{config.name}[/bold]: {config.model} + "
        f"{', '.join(v.label for v in config.variants)} -> {study.output_dir}"
    )
    try:
        result = run_pipeline(study, say=console.print, force=tuple(args.force))
    except ConfigError as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    failed = [o for o in result.outcomes if o.status in ("failed", "blocked")]
    for outcome in failed:
        console.print(f"[red]{outcome.status}[/red] {outcome.key}: {outcome.detail}")
    if result.report:
        console.print(f"\nReport: {result.report}")
        console.print(f"        {result.report.with_suffix('.md')}")
    for label, what in result.published.items():
        console.print(f"Published ({label}): {what}")
    for label, card in result.cards.items():
        console.print(f"Model card ({label}, dry run): {card}")
    comparison = study.output_dir / "comparison.md"
    if comparison.is_file():
        console.print(f"Comparison: {comparison}")
    return 1 if failed else 0
