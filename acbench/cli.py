"""The ``acbench`` command line.

acbench demo                       # the pipeline on the bundled SmolLM2 (offline)
acbench run study.yaml             # compress -> evaluate -> analyze -> compare -> report -> publish
acbench eval --tasks acbench_workflow --model-args pretrained=<model> [--data-source ...]
acbench tasks-path                 # folder for lm_eval --include_path
acbench model-path [acbench:smollm2]
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from acbench_core.carbon import add_energy_options
from acbench_core.models import DEFAULT_MODEL
from acbench_core.threads import add_threads_option


def _cmd_tasks_path(args: argparse.Namespace) -> int:
    from acbench_core.paths import tasks_path

    print(tasks_path())
    return 0


def _cmd_model_path(args: argparse.Namespace) -> int:
    from acbench_core.models import resolve_model

    print(resolve_model(args.model))
    return 0


def _add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show lm-eval's logs",
    )
    parser.add_argument(
        "--model", default="hf", help="lm-eval model backend: hf, vllm, local-chat-completions, ..."
    )
    parser.add_argument(
        "--model-args",
        default=f"pretrained={DEFAULT_MODEL}",
        help="lm-eval model_args (default: the bundled SmolLM2)",
    )
    parser.add_argument(
        "--tasks",
        default="acbench_workflow",
        help="comma-separated tasks or groups (default: acbench_workflow)",
    )
    parser.add_argument(
        "--data-source",
        choices=("hub", "local", "sample"),
        default=None,
        help="where task data comes from (default: the upstream Hub dataset)",
    )
    parser.add_argument("--data-dir", help="local copy of the upstream data (implies local)")
    parser.add_argument(
        "--limit",
        type=float,
        default=None,
        help="samples per task (a fraction if < 1)",
    )
    parser.add_argument(
        "--task-limits",
        default="{}",
        help="JSON: per task or group, overriding --limit (null: all documents), "
        "e.g. '{\"acbench_niah\": null}'",
    )
    parser.add_argument(
        "--output-path",
        type=Path,
        default=Path("results"),
        help="results folder (lm-eval layout; default: ./results)",
    )
    parser.add_argument(
        "--no-chat-template",
        action="store_true",
        help="plain-text prompts instead of the model's chat template",
    )
    parser.add_argument("--batch-size", default="1")
    parser.add_argument("--device", default=None)
    parser.add_argument(
        "--max-gen-toks",
        type=int,
        default=None,
        help="cap on new tokens per generation (default: each task's own)",
    )
    parser.add_argument(
        "--metadata", default="{}", help="JSON passed to every task, as lm_eval --metadata"
    )
    parser.add_argument(
        "--predict-only",
        "--predict_only",
        action="store_true",
        help="generate and log the samples without scoring them (lm-eval's --predict_only; "
        "no embedding model is loaded)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not keep the request cache that lets interrupted runs resume",
    )
    add_threads_option(parser)
    add_energy_options(parser, "each task")


def _cmd_eval(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from acbench.evaluate import (
        EvaluationError,
        EvaluationRun,
        parse_model_args,
        run_evaluation,
        settings_error,
    )
    from acbench.summary import format_summary

    try:
        metadata = json.loads(args.metadata)
        task_limits = json.loads(args.task_limits)
    except json.JSONDecodeError as err:
        print(f"acbench: --metadata / --task-limits is not valid JSON: {err}", file=sys.stderr)
        return 2
    try:
        run = EvaluationRun(
            model=args.model,
            model_args=parse_model_args(args.model_args),
            tasks=[t.strip() for t in args.tasks.split(",") if t.strip()],
            data_source=args.data_source,
            data_dir=args.data_dir,
            limit=args.limit,
            task_limits=task_limits,
            apply_chat_template=not args.no_chat_template,
            batch_size=args.batch_size,
            device=args.device,
            max_gen_toks=args.max_gen_toks,
            metadata=metadata,
            output_path=args.output_path,
            use_cache=not args.no_cache,
            predict_only=args.predict_only,
            energy=not args.no_energy,
            energy_country=args.energy_country,
            threads=args.threads,
        )
    except ValidationError as err:
        print(f"acbench: {settings_error(err)}", file=sys.stderr)
        return 2
    try:
        outcome = run_evaluation(run)
    except EvaluationError as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    if run.predict_only:
        print("predict only: the generations are logged in the samples files; nothing scored")
    else:
        print(format_summary(outcome.results))
    if "energy" in outcome.results:
        from acbench.energy import format_energy_summary

        print(format_energy_summary(outcome.results))
    if outcome.results_file:
        print(f"\nResults: {outcome.results_file}")
        print(f"Samples: {outcome.results_file.parent}/samples_*.jsonl")
    return 0


# Commands defined next to the code they drive: "module:function", where the function takes the
# sub-parsers object and adds its command(s). Keep heavy imports inside the command functions.
EXTRA_COMMANDS: tuple[str, ...] = (
    "acbench.analysis.cli:add_command",
    "acbench_tasks.niah.cli:add_commands",
    "compressors.cli:add_command",
    "acbench.compare.cli:add_command",
    "hub_publish.cli:add_command",
    "acbench.report.cli:add_command",
    "acbench.pipeline.cli:add_commands",
)


def _version() -> str:
    """The installed distribution's version (the package's own when run from a checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    from acbench import __version__

    try:
        return version("acbench")
    except PackageNotFoundError:
        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acbench", description="ACBench: does compression break LLM agents?"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show lm-eval's logs")
    parser.add_argument("--version", action="version", version=f"acbench {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    evaluate = commands.add_parser("eval", help="run ACBench tasks through lm-eval")
    _add_eval_arguments(evaluate)
    evaluate.set_defaults(func=_cmd_eval)

    tasks = commands.add_parser("tasks-path", help="print the lm-eval task folder")
    tasks.set_defaults(func=_cmd_tasks_path)

    model = commands.add_parser("model-path", help="print the local folder of a model alias")
    model.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    model.set_defaults(func=_cmd_model_path)

    for entry in EXTRA_COMMANDS:
        module_name, function_name = entry.split(":")
        getattr(importlib.import_module(module_name), function_name)(commands)
    return parser


def _drop_metadata_hint(record: logging.LogRecord) -> bool:
    """lm-eval repeats a --metadata hint for every task with a custom loader (all of ours)."""
    return "Custom kwargs can be passed to `--metadata`" not in record.getMessage()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        logging.getLogger("lm_eval.api.task").addFilter(_drop_metadata_hint)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(
            "acbench: interrupted; rerun the same command to resume from the request cache",
            file=sys.stderr,
        )
        return 130
    except Exception as err:  # one clear line instead of a traceback that hides the cause
        from acbench_core.data_sources import DataSourceError
        from acbench_core.models import ModelNotFoundError

        if isinstance(err, (DataSourceError, ModelNotFoundError)):
            print(f"acbench: {err}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
