"""Push lm-eval's per-sample details to a Hub dataset with lm-eval's own ``EvaluationTracker``.

The tracker is what ``lm_eval --hf_hub_log_args`` uses: it writes the aggregated results and one
``samples_<task>_<date>.jsonl`` per task under ``<model>/`` in the dataset and rebuilds the
dataset card (one config per task). Here it is fed the files an earlier run wrote, so details can
be published after the fact. lm-eval's naming applies: a private push goes to ``<name>-private``.

A second push of the same evaluation (same ``date`` and ``task_hashes`` as the newest results
file already there) is skipped: the tracker would otherwise add a new dated copy.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from acbench_core.results import RESULTS_RE, load_run


def _unsanitize(record: dict[str, Any]) -> dict[str, Any]:
    """A logged sample back in the in-memory shape the tracker sanitizes again."""
    record = dict(record)
    args = record.get("arguments")
    if isinstance(args, dict):
        record["arguments"] = [
            [value for _, value in sorted(group.items(), key=lambda kv: _index(kv[0]))]
            if isinstance(group, dict)
            else [group]
            for _, group in sorted(args.items(), key=lambda kv: _index(kv[0]))
        ]
    return record


def _index(key: str) -> int:
    match = re.search(r"(\d+)$", key)
    return int(match.group(1)) if match else 0


def details_repo_id(details_repo: str, private: bool) -> str:
    """The dataset lm-eval's tracker writes to (it appends ``-private`` to private ones)."""
    return f"{details_repo}-private" if private else details_repo


def _already_pushed(api: Any, repo: str, data: dict[str, Any], tasks: list[str]) -> bool:
    """Whether the newest results there are this evaluation's and every task's samples exist."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        files = api.list_repo_files(repo, repo_type="dataset")
    except HfHubHTTPError:
        return False
    model = str(data.get("model_name") or "")
    mine = sorted(
        (f for f in files if RESULTS_RE.match(Path(f).name) and str(Path(f).parent) == model),
        key=lambda f: Path(f).name,
    )
    folder = str(data.get("model_name_sanitized") or "")
    logged = {Path(f).name for f in files if str(Path(f).parent) == folder}
    if not mine or not all(any(n.startswith(f"samples_{t}_") for n in logged) for t in tasks):
        return False
    path = hf_hub_download(
        repo, mine[-1], repo_type="dataset", endpoint=api.endpoint, token=api.token
    )
    there = json.loads(Path(path).read_text(encoding="utf-8"))
    return there.get("date") == data.get("date") and there.get("task_hashes") == data.get(
        "task_hashes"
    )


def push_details(
    results: Sequence[str | Path],
    details_repo: str,
    *,
    private: bool,
    api: Any,
    model_name: str | None = None,
) -> str:
    """Push each results file's aggregate and samples; return the dataset id used.

    ``model_name`` (the published repo id) names the folder in the dataset; by default the
    run's own model name, which for a local or ``acbench:`` model is not a Hub name (and a ``:``
    in it breaks lm-eval's dataset-card rebuild).
    """
    from huggingface_hub import get_token
    from lm_eval.loggers import EvaluationTracker

    from hub_publish.errors import PublishError

    if details_repo.count("/") != 1:
        raise PublishError(f"--details-repo must be <namespace>/<name>, got {details_repo!r}")
    org, name = details_repo.split("/")
    repo = details_repo_id(details_repo, private)
    token = api.token or get_token()
    for source in results:
        run = load_run(source)
        if not run.sample_files:
            raise PublishError(
                f"{source}: no samples_*.jsonl next to the results (rerun with --log_samples)"
            )
        if model_name:
            run.data["model_name"] = model_name
            run.data["model_name_sanitized"] = model_name.replace("/", "__")
        if _already_pushed(api, repo, run.data, list(run.sample_files)):
            continue
        samples = {
            task: [
                _unsanitize(json.loads(line))
                for line in Path(run.fetch(ref)).read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            for task, ref in run.sample_files.items()
        }
        with tempfile.TemporaryDirectory() as tmp:
            tracker = EvaluationTracker(
                output_path=tmp,
                hub_results_org=org,
                details_repo_name=name,
                push_results_to_hub=True,
                push_samples_to_hub=True,
                public_repo=not private,
                token=token,
            )
            general = tracker.general_config_tracker
            for key in asdict(general):
                if run.data.get(key) is not None:
                    setattr(general, key, run.data[key])
            if not general.model_name_sanitized:
                general.model_name_sanitized = re.sub(
                    r"[\"<>:/|\\?*\[\]]+", "__", str(general.model_name or "model")
                )
            tracker.save_results_aggregated(results=copy.deepcopy(run.data), samples=samples)
            for task, records in samples.items():
                tracker.save_results_samples(task_name=task, samples=records)
            with _validate_cards_on(api):
                tracker.recreate_metadata_card()
        # The tracker logs failures instead of raising: check that the results arrived.
        if not _pushed_any(api, repo, general.model_name_sanitized):
            raise PublishError(
                f"lm-eval's tracker could not push the details to {repo} "
                "(rerun with -v to see its warnings)"
            )
    return repo


@contextlib.contextmanager
def _validate_cards_on(api: Any) -> Iterator[None]:
    """Make ``RepoCard.validate`` ask the configured endpoint: huggingface_hub 1.x posts to a
    hard-coded https://huggingface.co/api/validate-yaml there, ignoring HF_ENDPOINT (the tracker's
    ``DatasetCard.push_to_hub`` goes through it)."""
    from huggingface_hub.repocard import RepoCard

    original = RepoCard.validate

    def validate(card: Any, repo_type: str | None = None) -> None:
        api._validate_yaml(str(card), repo_type=repo_type or card.repo_type)

    RepoCard.validate = validate  # type: ignore[method-assign]
    try:
        yield
    finally:
        RepoCard.validate = original  # type: ignore[method-assign]


def _pushed_any(api: Any, repo: str, folder: str | None) -> bool:
    from huggingface_hub.errors import HfHubHTTPError

    try:
        files = api.list_repo_files(repo, repo_type="dataset")
    except HfHubHTTPError:
        return False
    return any(Path(f).name.startswith("samples_") and str(Path(f).parent) == folder for f in files)
