"""The results model: lm-eval results files read into one :class:`Run` per model.

A run comes from a results file (``results_<date>.json``), a folder (every results file under it
is merged, the newest one wins per task, as when a run was split into several ``lm_eval``
calls), or a Hub dataset id such as
``open-llm-leaderboard/HuggingFaceTB__SmolLM2-135M-Instruct-details`` (the Open LLM Leaderboard v2
kept each model's lm-eval results and per-sample logs there): every results file of the dataset
is merged the same way. Offline (``HF_HUB_OFFLINE=1``, or the Hub unreachable) the dataset is read
from the local Hub cache. Per-sample logs (``--log_samples``: ``samples_<task>_<date>.jsonl``, or
``samples_<task>_<date>.json`` as older lm-eval releases wrote them, a JSON list) are found next
to the results file written by the same lm-eval call (same folder, same date) and read on demand;
task and date are cut from the name as lm-eval's own ``get_file_task_name`` /
``get_file_datetime`` do (task between the first and the last ``_``).

Which metric stands for a task (:func:`headline_metric`), whether higher is better and which
capability a task measures come from the results themselves and the task catalog.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from acbench_core.catalog import benchmark_of, capability_of

logger = logging.getLogger(__name__)

RESULTS_RE = re.compile(r"^results_(?P<date>.+)\.json$")
SAMPLES_RE = re.compile(r"^samples_(?P<task>.+)_(?P<date>[^_/]+?)\.(?P<ext>jsonl|json)$")
HUB_ID_RE = re.compile(r"^(?:hf://datasets/)?(?P<id>[\w.\-]+/[\w.\-]+)(?:@(?P<rev>[\w.\-/]+))?$")

#: Metric tried in this order for tasks outside ACBench (Open LLM Leaderboard v2 first).
GENERIC_METRICS = (
    "acc_norm",
    "acc",
    "exact_match",
    "prompt_level_strict_acc",
    "inst_level_strict_acc",
    "f1",
    "em",
    "score",
)
_NOT_METRICS = {"alias", "name", "sample_len", "sample_count", "samples"}


class ResultsError(ValueError):
    """A run that cannot be read; the message names the input."""


@dataclass
class Run:
    """One model's lm-eval results (merged over its results files) and where its samples are."""

    label: str
    source: str
    data: dict[str, Any]
    sample_files: dict[str, str] = field(default_factory=dict)
    fetch: Callable[[str], Path] = Path
    _samples: dict[str, dict[Any, dict[str, Any]] | None] = field(default_factory=dict)

    @property
    def model(self) -> str:
        config = self.data.get("config") or {}
        args = config.get("model_args")
        if isinstance(args, dict):
            args = args.get("pretrained") or ",".join(f"{k}={v}" for k, v in args.items())
        return str(self.data.get("model_name") or args or self.label)

    def entry(self, name: str) -> dict[str, Any] | None:
        results = self.data.get("results", {})
        groups = self.data.get("groups", {})
        return groups.get(name) or results.get(name)

    def n_samples(self, name: str) -> int | None:
        counts = self.data.get("n-samples", {})
        if name in counts:
            return counts[name].get("effective")
        members = self.data.get("group_subtasks", {}).get(name)
        if not members:
            return None
        sizes = [self.n_samples(m) for m in members]
        return None if None in sizes else sum(sizes)

    def samples(self, task: str) -> dict[Any, dict[str, Any]] | None:
        """Per-sample metric values of ``task`` by ``(doc_id, filter)`` (None without a log).

        Only the metric fields are kept: documents and prompts (long for long-context tasks)
        are dropped while reading."""
        if task not in self._samples:
            self._samples[task] = self._read_samples(task)
        return self._samples[task]

    def _read_samples(self, task: str) -> dict[Any, dict[str, Any]] | None:
        ref = self.sample_files.get(task)
        if ref is None:
            return None
        try:
            path = self.fetch(ref)
            records: dict[Any, dict[str, Any]] = {}
            for record in _sample_records(Path(path)):
                key = (record.get("doc_id"), record.get("filter", "none"))
                names = record.get("metrics") or [
                    k for k, v in record.items() if is_number(v) or isinstance(v, bool)
                ]
                records[key] = {m: record.get(m) for m in names if isinstance(m, str)}
            return records
        except (OSError, ValueError) as err:
            logger.warning(
                "%s: samples of %s unreadable (%s): no confidence interval", self.label, task, err
            )
            return None


def _sample_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a samples file: JSON lines, or one JSON list (older lm-eval ``.json``)."""
    with open(path, encoding="utf-8") as handle:
        first = handle.read(1)
        while first.isspace():
            first = handle.read(1)
        handle.seek(0)
        if first == "[":
            rows = json.load(handle)
            yield from (row for row in rows if isinstance(row, dict))
            return
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict):
                    yield record


def load_run(source: str | Path, label: str | None = None) -> Run:
    """Read a results file, a folder of runs or a Hub dataset of lm-eval results."""
    text = str(source)
    path = Path(text).expanduser()
    if path.exists():
        files = [path] if path.is_file() else _results_files(path)
        if not files:
            raise ResultsError(f"{text}: no lm-eval results_*.json file in this folder")
        data, owner = merge_results([_read_json(f) for f in files], [str(f) for f in files])
        candidates = [
            str(p) for folder in {f.parent for f in files} for p in folder.glob("samples_*")
        ]
        samples = _matching_samples(candidates, owner)
        return Run(label or _default_label(data, path), text, data, samples)
    match = HUB_ID_RE.match(text)
    if match is None:
        raise ResultsError(f"{text}: no such file or folder, and not a Hub dataset id")
    return _load_hub_run(match["id"], match["rev"], label)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ResultsError(f"{path}: not a readable JSON file ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise ResultsError(f"{path}: not an lm-eval results file (no 'results' object)")
    return data


def _results_files(folder: Path) -> list[Path]:
    """Results files under ``folder``, oldest first (newest wins when merged)."""
    files = [p for p in folder.rglob("results_*.json") if RESULTS_RE.match(p.name)]
    return sorted(files, key=lambda p: (RESULTS_RE.match(p.name)["date"], str(p)))


def merge_results(
    datas: list[dict[str, Any]], names: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """One results dict from several (later ones win per task); task -> the file it came from."""
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for data, name in zip(datas, names, strict=True):
        for key in (
            "results",
            "groups",
            "group_subtasks",
            "configs",
            "versions",
            "n-shot",
            "higher_is_better",
            "n-samples",
        ):
            merged.setdefault(key, {}).update(data.get(key) or {})
        for task in data.get("results", {}):
            owner[task] = name
        energy = data.get("energy")
        if isinstance(energy, dict):
            block = merged.setdefault("energy", {})
            block.update({k: v for k, v in energy.items() if k not in ("tasks", "groups")})
            block.setdefault("tasks", {}).update(energy.get("tasks") or {})
            block.setdefault("groups", {}).update(energy.get("groups") or {})
        for key, value in data.items():
            if key not in merged:
                merged[key] = value
            elif key in ("config", "model_name", "date", "lm_eval_version", "chat_template"):
                merged[key] = value
    return merged, owner


def _date_of(name: str) -> str | None:
    match = RESULTS_RE.match(Path(name).name)
    return match["date"] if match else None


def _matching_samples(names: list[str], owner: dict[str, str]) -> dict[str, str]:
    """task -> samples file written by the same lm-eval call as the task's results file (same
    folder, same date); ``.jsonl`` is preferred when both namings are there."""
    found: dict[str, str] = {}
    for name in sorted(names, key=lambda n: n.endswith(".jsonl")):  # .jsonl last: it wins
        match = SAMPLES_RE.match(PurePosixPath(name).name)
        if match is None:
            continue
        source = owner.get(match["task"])
        if (
            source
            and PurePosixPath(source).parent == PurePosixPath(name).parent
            and _date_of(source) == match["date"]
        ):
            found[match["task"]] = name
    return found


def _default_label(data: dict[str, Any], path: Path) -> str:
    return str(data.get("model_name") or path.name)


def _load_hub_run(repo_id: str, revision: str | None, label: str | None) -> Run:
    """Every results file of a Hub dataset (e.g. an Open LLM Leaderboard details repo), merged
    as for a folder: the newest file wins per task."""
    files, fetch = _hub_files(repo_id, revision)
    results = sorted(
        (f for f in files if RESULTS_RE.match(PurePosixPath(f).name)),
        key=lambda f: (RESULTS_RE.match(PurePosixPath(f).name)["date"], f),
    )
    if not results:
        raise ResultsError(f"{repo_id}: the dataset holds no results_*.json file")
    datas = []
    for name in results:
        try:
            datas.append(_read_json(fetch(name)))
        except OSError as err:
            raise ResultsError(f"{repo_id}: cannot download {name} ({_first_line(err)})") from None
    data, owner = merge_results(datas, results)
    samples = _matching_samples([f for f in files if "samples_" in f], owner)
    return Run(label or str(data.get("model_name") or repo_id), repo_id, data, samples, fetch)


def _hub_files(repo_id: str, revision: str | None) -> tuple[list[str], Callable[[str], Path]]:
    """The dataset's file names and how to get one: from the Hub, or from the local Hub cache
    when offline (``HF_HUB_OFFLINE=1``) or when the Hub cannot be reached."""
    from huggingface_hub import HfApi, constants, hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    offline = constants.is_offline_mode() if hasattr(constants, "is_offline_mode") else False
    if not offline and not constants.HF_HUB_OFFLINE:
        try:
            files = HfApi().list_repo_files(repo_id, repo_type="dataset", revision=revision)
        except HfHubHTTPError as err:  # the Hub answered: no such dataset, private, ...
            raise ResultsError(
                f"{repo_id}: cannot list the Hub dataset ({_first_line(err)})"
            ) from None
        except (OSError, ValueError) as err:  # no network: the local cache may have it
            logger.info("%s: Hub unreachable (%s), using the local cache", repo_id, err)
        else:

            def download(filename: str) -> Path:
                try:
                    return Path(
                        hf_hub_download(repo_id, filename, repo_type="dataset", revision=revision)
                    )
                except HfHubHTTPError as err:
                    raise OSError(_first_line(err)) from None

            return files, download
    snapshot = _cached_snapshot(repo_id, revision)
    files = sorted(p.relative_to(snapshot).as_posix() for p in snapshot.rglob("*") if p.is_file())
    return files, lambda filename: snapshot / filename


def _cached_snapshot(repo_id: str, revision: str | None) -> Path:
    """The dataset's folder in the local Hub cache (only the files downloaded before)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(
            snapshot_download(
                repo_id, repo_type="dataset", revision=revision, local_files_only=True
            )
        )
    except Exception:  # LocalEntryNotFoundError and friends: not cached
        at = f"@{revision}" if revision else ""
        raise ResultsError(
            f"{repo_id}{at}: offline and not in the local Hub cache; download it once with "
            f"`hf download {repo_id} --repo-type dataset` or pass a folder of results files"
        ) from None


# ---- what a run says about its tasks ---------------------------------------------------------


def headline_metric(run: Run, name: str, prefer: str | None = None) -> str | None:
    """The ``metric,filter`` key shown for a task or group: ``prefer``, ACBench's headline
    metric of the task family, a common lm-eval metric, else the first numeric metric."""
    entry = run.entry(name) or {}
    keys = [k for k, v in entry.items() if _is_metric_key(k) and is_number(v)]
    owner = benchmark_of(name)
    family = owner.headline_metric if owner else None
    for metric in (prefer, family, *GENERIC_METRICS):
        if metric:
            hit = next((k for k in keys if k.split(",")[0] == metric), None)
            if hit:
                return hit
    return keys[0] if keys and prefer is None else None


def _is_metric_key(key: str) -> bool:
    return key not in _NOT_METRICS and "_stderr" not in key


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def higher_is_better(run: Run, name: str, metric: str) -> bool:
    table = run.data.get("higher_is_better", {})
    for member in [name, *run.data.get("group_subtasks", {}).get(name, [])]:
        value = (table.get(member) or {}).get(metric.split(",")[0])
        if isinstance(value, bool):
            return value
    return True


def capability(run: Run, name: str) -> str:
    """The task's capability: its ACBench benchmark's (see the catalog), else its outermost
    lm-eval group."""
    label = capability_of(name)
    if label is not None:
        return label
    parents = {m: g for g, members in run.data.get("group_subtasks", {}).items() for m in members}
    top = name
    while top in parents and parents[top] != top:
        top = parents[top]
    return top


def partial_reason(run: Run, task: str) -> str | None:
    """Why a task's score is not a full-benchmark score (sample data or ``--limit``), or None."""
    config = (run.data.get("configs") or {}).get(task) or {}
    metadata = config.get("metadata") if isinstance(config.get("metadata"), dict) else {}
    if "sample" in (metadata.get("data_source"), metadata.get("data_source_kind")):
        return "bundled sample data"
    if metadata.get("data_source_kind") == "generated":
        return "problems generated by ACBench, not the benchmark's own"
    counts = (run.data.get("n-samples") or {}).get(task) or {}
    if counts.get("effective") is not None and counts.get("original") not in (
        None,
        counts.get("effective"),
    ):
        return f"{counts['effective']} of {counts['original']} samples (--limit)"
    return None


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
