"""``acbench publish``: a compressed checkpoint, its scores and energy, to a Hub model repo.

acbench publish out/smollm2-rtn --results results/rtn --base-results results/base \\
    --repo-id me/SmolLM2-135M-Instruct-rtn-w4a16 --dry-run
acbench publish out/smollm2-rtn --results results/rtn --repo-id me/x --create-pr
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``acbench publish`` (hooked in through ``acbench.cli.EXTRA_COMMANDS``)."""
    parser = commands.add_parser(
        "publish",
        help="upload a compressed checkpoint with a model card of its ACBench scores and energy",
        description=(
            "Build the model card (base model, compression recipe, model-index and "
            ".eval_results, results per capability with recovery vs the base model, energy, "
            "how to reproduce) and upload it with the checkpoint. Repeating an identical "
            "publish makes no commit; card sections not written by ACBench are kept. The token "
            "comes from huggingface_hub (HF_TOKEN or `hf auth login`)."
        ),
    )
    parser.add_argument("checkpoint", type=Path, help="compressed checkpoint folder")
    parser.add_argument(
        "--results",
        nargs="+",
        required=True,
        help="lm-eval results of the checkpoint: results_*.json files or run folders",
    )
    parser.add_argument(
        "--base-results", nargs="+", help="the base model's results (for recovery %%)"
    )
    parser.add_argument("--repo-id", required=True, help="target model repo: <namespace>/<name>")
    parser.add_argument("--dry-run", action="store_true", help="render locally, upload nothing")
    parser.add_argument(
        "--output", type=Path, help="dry-run folder (default: <checkpoint>-card next to it)"
    )
    parser.add_argument("--private", action="store_true", help="create the repo private")
    parser.add_argument("--create-pr", action="store_true", help="open a pull request on main")
    parser.add_argument("--revision", help="commit to this branch (created from main if new)")
    parser.add_argument("--commit-message", help="commit title (default: says what changed)")
    parser.add_argument(
        "--include-partial",
        action="store_true",
        help="also put sample-data / --limit scores into model-index and .eval_results",
    )
    parser.add_argument(
        "--details-repo",
        help="also push lm-eval's per-sample details to this dataset (lm-eval's tracker)",
    )
    parser.add_argument(
        "--include",
        nargs="+",
        default=[],
        metavar="FILE",
        help="upload these files of the folder although they look private (dotfiles, keys, "
        "credentials are left behind otherwise)",
    )
    parser.set_defaults(func=_cmd_publish)


def _cmd_publish(args: argparse.Namespace) -> int:
    from huggingface_hub.errors import HfHubHTTPError

    from hub_publish.publish import PublishError, publish

    try:
        result = publish(
            args.checkpoint,
            args.results,
            args.repo_id,
            base_results=args.base_results,
            revision=args.revision,
            create_pr=args.create_pr,
            private=args.private,
            dry_run=args.dry_run,
            output_dir=args.output,
            commit_message=args.commit_message,
            include_partial=args.include_partial,
            details_repo=args.details_repo,
            include=args.include,
        )
    except PublishError as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    except HfHubHTTPError as err:
        status = getattr(getattr(err, "response", None), "status_code", "?")
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"acbench: the Hub refused (HTTP {status}): {first}", file=sys.stderr)
        return 2
    if result.dry_run:
        print(f"Dry run: card and upload plan in {result.output_dir}")
        print(f"  {len(result.changed)} files would be uploaded to {result.repo_id}")
        if result.card and result.card.partial_tasks:
            print(
                f"  partial scores kept out of the metadata: {', '.join(result.card.partial_tasks)}"
            )
        print(f"  {result.output_dir / 'README.md'}")
        return 0
    for note in result.notes:
        print(note)
    if result.committed:
        print(f"Committed {len(result.changed)} changed files ({len(result.unchanged)} unchanged)")
        print(f"  {result.pr_url or result.commit_url}")
    elif result.pr_url:
        print(f"  {result.pr_url}")
    return 0
