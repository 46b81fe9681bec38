"""``acbench compare``: a base run and compressed runs side by side, per task and capability.

Inputs are lm-eval results files (``results_<date>.json``) in any of three forms: a file, a
folder (every results file under it is merged, the newest one wins per task, as when a run was
split into several ``lm_eval`` calls), or a Hub dataset id such as
``open-llm-leaderboard/HuggingFaceTB__SmolLM2-135M-Instruct-details`` (the Open LLM Leaderboard v2
kept each model's lm-eval results and per-sample logs there; the newest results file is used).

For every task and group both runs have: base score, compressed score, absolute drop, relative
drop and recovery (compressed / base, the ACBench paper's measure). When both runs logged
per-sample results (``--log_samples``: ``samples_<task>_<date>.jsonl``), the samples are matched by
``doc_id`` and a paired percentile bootstrap gives a confidence interval of the drop; the drop is
called significant when that interval excludes zero. Output: a terminal table (rich), Markdown
and CSV.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

RESULTS_RE = re.compile(r"^results_(?P<date>.+)\.json$")
SAMPLES_RE = re.compile(
    r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?)\.jsonl$"
)
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
#: Capability labels of ACBench's groups (the paper's four capabilities).
CAPABILITIES = {
    "acbench_workflow": "workflow",
    "acbench_tool": "tool use",
    "acbench_teval": "tool use",
    "acbench_bfcl": "tool use",
    "acbench_longcontext": "long context",
    "acbench_longbench": "long context",
    "acbench_longgenbench": "long context",
    "acbench_niah": "long context",
    "acbench_realworld": "real-world",
}
_NOT_METRICS = {"alias", "name", "sample_len", "sample_count", "samples"}


class CompareError(ValueError):
    """A run that cannot be read or compared; the message names the input."""


# ---- reading runs ----------------------------------------------------------------------------


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
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        record = json.loads(line)
                        key = (record.get("doc_id"), record.get("filter", "none"))
                        names = record.get("metrics") or [
                            k for k, v in record.items() if _is_number(v) or isinstance(v, bool)
                        ]
                        records[key] = {m: record.get(m) for m in names if isinstance(m, str)}
            return records
        except (OSError, ValueError) as err:
            logger.warning(
                "%s: samples of %s unreadable (%s): no confidence interval", self.label, task, err
            )
            return None


def load_run(source: str | Path, label: str | None = None) -> Run:
    """Read a results file, a folder of runs or a Hub dataset of lm-eval results."""
    text = str(source)
    path = Path(text).expanduser()
    if path.exists():
        files = [path] if path.is_file() else _results_files(path)
        if not files:
            raise CompareError(f"{text}: no lm-eval results_*.json file in this folder")
        data, owner = merge_results([_read_json(f) for f in files], [str(f) for f in files])
        samples = _local_samples(files, owner)
        return Run(label or _default_label(data, path), text, data, samples)
    match = HUB_ID_RE.match(text)
    if match is None:
        raise CompareError(f"{text}: no such file or folder, and not a Hub dataset id")
    return _load_hub_run(match["id"], match["rev"], label)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CompareError(f"{path}: not a readable JSON file ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise CompareError(f"{path}: not an lm-eval results file (no 'results' object)")
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


def _local_samples(files: list[Path], owner: dict[str, str]) -> dict[str, str]:
    """task -> samples file written by the same lm-eval call as the task's results file."""
    found: dict[str, str] = {}
    for folder in {f.parent for f in files}:
        for path in folder.glob("samples_*.jsonl"):
            match = SAMPLES_RE.match(path.name)
            if match is None:
                continue
            source = owner.get(match["task"])
            if source and Path(source).parent == folder and _date_of(source) == match["date"]:
                found[match["task"]] = str(path)
    return found


def _default_label(data: dict[str, Any], path: Path) -> str:
    return str(data.get("model_name") or path.name)


def _load_hub_run(repo_id: str, revision: str | None, label: str | None) -> Run:
    """The newest results file of a Hub dataset (e.g. an Open LLM Leaderboard details repo)."""
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        files = HfApi().list_repo_files(repo_id, repo_type="dataset", revision=revision)
    except (HfHubHTTPError, OSError, ValueError) as err:
        raise CompareError(f"{repo_id}: cannot list the Hub dataset ({_first_line(err)})") from None
    results = sorted(
        (f for f in files if RESULTS_RE.match(Path(f).name)),
        key=lambda f: (RESULTS_RE.match(Path(f).name)["date"], f),
    )
    if not results:
        raise CompareError(f"{repo_id}: the dataset holds no results_*.json file")
    newest = results[-1]

    def fetch(filename: str) -> Path:
        return Path(hf_hub_download(repo_id, filename, repo_type="dataset", revision=revision))

    try:
        data = _read_json(fetch(newest))
    except (HfHubHTTPError, OSError) as err:
        raise CompareError(f"{repo_id}: cannot download {newest} ({_first_line(err)})") from None
    folder, date = str(Path(newest).parent), _date_of(newest)
    samples = {}
    for name in files:
        match = SAMPLES_RE.match(Path(name).name)
        if match and match["date"] == date and str(Path(name).parent) == folder:
            samples[match["task"]] = name
    return Run(label or str(data.get("model_name") or repo_id), repo_id, data, samples, fetch)


# ---- scores ----------------------------------------------------------------------------------


def headline_metric(run: Run, name: str, prefer: str | None = None) -> str | None:
    """The ``metric,filter`` key shown for a task or group: ``prefer``, ACBench's headline
    metric of the task family, a common lm-eval metric, else the first numeric metric."""
    from acbench.summary import HEADLINE_METRICS

    entry = run.entry(name) or {}
    keys = [k for k, v in entry.items() if _is_metric_key(k) and _is_number(v)]
    family = next((HEADLINE_METRICS[p] for p in HEADLINE_METRICS if name.startswith(p)), None)
    for metric in (prefer, family, *GENERIC_METRICS):
        if metric:
            hit = next((k for k in keys if k.split(",")[0] == metric), None)
            if hit:
                return hit
    return keys[0] if keys and prefer is None else None


def _is_metric_key(key: str) -> bool:
    return key not in _NOT_METRICS and "_stderr" not in key


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def higher_is_better(run: Run, name: str, metric: str) -> bool:
    table = run.data.get("higher_is_better", {})
    for member in [name, *run.data.get("group_subtasks", {}).get(name, [])]:
        value = (table.get(member) or {}).get(metric.split(",")[0])
        if isinstance(value, bool):
            return value
    return True


def capability(run: Run, name: str) -> str:
    """The task's capability: its ACBench group's label, else its outermost lm-eval group."""
    for prefix, label in CAPABILITIES.items():
        if name.startswith(prefix):
            return label
    parents = {m: g for g, members in run.data.get("group_subtasks", {}).items() for m in members}
    top = name
    while top in parents and parents[top] != top:
        top = parents[top]
    return top


def recovery(base: float, compressed: float, higher_better: bool = True) -> float | None:
    """Compressed score as a percentage of the base score (None when undefined)."""
    if higher_better:
        return 100.0 * compressed / base if base else None
    return 100.0 * base / compressed if compressed else None


def relative_drop(base: float, compressed: float, higher_better: bool = True) -> float | None:
    """Drop as a percentage of the base score; positive = worse (None when the base is 0)."""
    if not base:
        return None
    drop = base - compressed if higher_better else compressed - base
    return 100.0 * drop / abs(base)


# ---- paired bootstrap ------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapResult:
    low: float
    high: float
    n_pairs: int

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def paired_bootstrap(
    strata: Sequence[Sequence[float]],
    weights: Sequence[float] | None = None,
    *,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapResult:
    """Percentile bootstrap CI of a weighted mean of per-stratum mean differences.

    Each stratum holds paired differences (one task: compressed − base per ``doc_id``, or
    base − compressed for a drop); strata are resampled independently (stratified bootstrap),
    so a group of tasks keeps each task's size. ``weights`` defaults to equal weights.
    """
    import numpy as np

    given = list(weights) if weights is not None else [1.0] * len(strata)
    pairs = [(float(w), np.asarray(s, dtype=float)) for w, s in zip(given, strata, strict=True)]
    pairs = [(w, a) for w, a in pairs if a.size]
    if not pairs:
        raise ValueError("no paired samples")
    total = sum(w for w, _ in pairs)
    rng = np.random.default_rng(seed)
    stat = np.zeros(n_resamples)
    for weight, diffs in pairs:
        # resample in blocks of ~4M indices: memory stays flat for large tasks
        block = max(1, 4_000_000 // diffs.size)
        for start in range(0, n_resamples, block):
            stop = min(start + block, n_resamples)
            idx = rng.integers(0, diffs.size, size=(stop - start, diffs.size))
            stat[start:stop] += (weight / total) * diffs[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stat, [alpha, 1.0 - alpha])
    return BootstrapResult(float(low), float(high), sum(a.size for _, a in pairs))


def paired_differences(base: Run, compressed: Run, task: str, metric_key: str) -> list[float]:
    """base − compressed per ``doc_id``; empty unless both runs logged the same samples."""
    metric, _, filt = metric_key.partition(",")
    filt = filt or "none"
    left, right = base.samples(task), compressed.samples(task)
    if not left or not right:
        return []
    left_keys = {k for k in left if k[1] == filt}
    if left_keys != {k for k in right if k[1] == filt}:
        return []  # different sample sets (e.g. another --limit): a paired CI would mislead
    diffs = []
    for key in sorted(left_keys, key=str):
        a, b = _sample_value(left[key], metric), _sample_value(right[key], metric)
        if a is None or b is None:
            return []  # corpus-level metric (e.g. a tuple per sample): no paired mean
        diffs.append(a - b)
    return diffs


def _sample_value(record: dict[str, Any], metric: str) -> float | None:
    value = record.get(metric)
    if isinstance(value, bool):
        return float(value)
    return float(value) if _is_number(value) else None


# ---- the comparison --------------------------------------------------------------------------


@dataclass
class Row:
    capability: str
    task: str
    is_group: bool
    variant: str
    metric: str
    base: float | None
    compressed: float | None
    n_base: int | None = None
    n_compressed: int | None = None
    higher_is_better: bool = True
    ci: BootstrapResult | None = None

    @property
    def drop(self) -> float | None:
        if self.base is None or self.compressed is None:
            return None
        d = self.base - self.compressed
        return d if self.higher_is_better else -d

    @property
    def relative_drop(self) -> float | None:
        if self.base is None or self.compressed is None:
            return None
        return relative_drop(self.base, self.compressed, self.higher_is_better)

    @property
    def recovery(self) -> float | None:
        if self.base is None or self.compressed is None:
            return None
        return recovery(self.base, self.compressed, self.higher_is_better)

    @property
    def significance(self) -> str:
        if self.ci is None:
            return "n/a"
        if not self.ci.significant:
            return "no"
        return "drop" if self.ci.low > 0 else "gain"


def compare_runs(
    base: Run,
    variants: Sequence[Run],
    *,
    metric: str | None = None,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    tasks: Iterable[str] | None = None,
) -> list[Row]:
    """One row per (task or group, variant) present in the base run and the variant."""
    rows: list[Row] = []
    wanted = set(tasks) if tasks else None
    for variant in variants:
        names = _shared_names(base, variant)
        for name in names:
            if wanted is not None and name not in wanted:
                continue
            key = headline_metric(base, name, metric)
            if key is None or key not in (variant.entry(name) or {}):
                continue
            hib = higher_is_better(base, name, key)
            row = Row(
                capability=capability(base, name),
                task=name,
                is_group=bool(base.data.get("group_subtasks", {}).get(name)),
                variant=variant.label,
                metric=key.split(",")[0],
                base=float(base.entry(name)[key]),
                compressed=float(variant.entry(name)[key]),
                n_base=base.n_samples(name),
                n_compressed=variant.n_samples(name),
                higher_is_better=hib,
            )
            if n_resamples > 0:
                row.ci = _row_ci(base, variant, name, key, row, n_resamples, confidence, seed)
            rows.append(row)
    rows.sort(key=lambda r: (r.capability, not r.is_group, r.task, r.variant))
    return rows


def _shared_names(base: Run, variant: Run) -> list[str]:
    ours = {**base.data.get("results", {}), **base.data.get("groups", {})}
    theirs = {**variant.data.get("results", {}), **variant.data.get("groups", {})}
    return [n for n in ours if n in theirs]


def _row_ci(
    base: Run,
    variant: Run,
    name: str,
    key: str,
    row: Row,
    n_resamples: int,
    confidence: float,
    seed: int,
) -> BootstrapResult | None:
    members = base.data.get("group_subtasks", {}).get(name) or [name]
    strata = [paired_differences(base, variant, m, key) for m in members]
    if any(len(s) < 2 for s in strata):  # no log, other samples, or too few to resample
        return None
    if not row.higher_is_better:
        strata = [[-d for d in s] for s in strata]
    weights = None
    if len(members) > 1:
        sizes = [len(s) for s in strata]
        weights = sizes if _size_weighted(base, name, members, key) else None
    return paired_bootstrap(
        strata, weights, n_resamples=n_resamples, confidence=confidence, seed=seed
    )


def _size_weighted(run: Run, group: str, members: list[str], key: str) -> bool:
    """Whether the group's reported score is the size-weighted mean of its tasks (lm-eval's
    default) rather than the plain mean; the results file does not say, the values do."""
    reported = (run.entry(group) or {}).get(key)
    values = [(run.entry(m) or {}).get(key) for m in members]
    sizes = [run.n_samples(m) for m in members]
    if not _is_number(reported) or None in sizes or not all(_is_number(v) for v in values):
        return True
    plain = sum(values) / len(values)
    weighted = sum(v * n for v, n in zip(values, sizes, strict=True)) / max(sum(sizes), 1)
    return abs(weighted - reported) <= abs(plain - reported)


# ---- output ----------------------------------------------------------------------------------

COLUMNS = (
    "capability",
    "task",
    "variant",
    "metric",
    "n",
    "base",
    "compressed",
    "drop",
    "drop %",
    "recovery %",
    "drop CI",
    "significant",
)


def _pct(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def row_cells(row: Row, confidence: float) -> list[str]:
    """A row's cells as text, in ``COLUMNS`` order (shared by the table, Markdown and reports)."""
    ci = "" if row.ci is None else f"[{100 * row.ci.low:.1f}, {100 * row.ci.high:.1f}]"
    n = row.n_compressed if row.n_base == row.n_compressed else f"{row.n_base}/{row.n_compressed}"
    return [
        row.capability,
        f"{row.task} (group)" if row.is_group else row.task,
        row.variant,
        row.metric,
        "" if n is None else str(n),
        _pct(None if row.base is None else 100 * row.base),
        _pct(None if row.compressed is None else 100 * row.compressed),
        _pct(None if row.drop is None else 100 * row.drop),
        _pct(row.relative_drop),
        _pct(row.recovery),
        ci,
        row.significance,
    ]


def format_table(
    rows: Sequence[Row], confidence: float = 0.95, title: str = "", width: int | None = None
) -> str:
    """A rich table for the terminal (scores and drops ×100); ``width`` defaults to the
    terminal's, or 200 columns when the output is not a terminal (task names never wrap)."""
    import shutil

    from rich.console import Console
    from rich.table import Table

    if width is None:
        width = shutil.get_terminal_size((200, 24)).columns if sys.stdout.isatty() else 200
    table = Table(title=title or None, title_justify="left")
    for column in COLUMNS:
        justify = "left" if column in ("capability", "task", "variant", "metric") else "right"
        table.add_column(column, justify=justify, no_wrap=column == "task")
    for row in rows:
        cells = row_cells(row, confidence)
        if row.significance == "drop":
            cells[-1] = f"[red]{cells[-1]}[/red]"
        table.add_row(*cells)
    console = Console(file=io.StringIO(), width=width)
    console.print(table)
    console.print(table_footnote(confidence))
    return console.file.getvalue()


def table_footnote(confidence: float) -> str:
    """What the columns mean; printed under every rendering of the comparison."""
    return (
        f"Scores and drops ×100. drop = base − compressed (positive = worse); recovery = "
        f"compressed / base. Drop CI: {100 * confidence:g}% paired bootstrap over per-sample "
        "logs matched by doc_id (n/a without both logs); significant when it excludes 0."
    )


def format_markdown(rows: Sequence[Row], confidence: float = 0.95) -> str:
    """A GitHub-flavoured Markdown table of the rows."""
    lines = ["| " + " | ".join(COLUMNS) + " |"]
    lines.append("|" + "|".join("---" if c in COLUMNS[:4] else "---:" for c in COLUMNS) + "|")
    for row in rows:
        cells = [c.replace("|", "\\|") for c in row_cells(row, confidence)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", table_footnote(confidence)]
    return "\n".join(lines) + "\n"


CSV_FIELDS = (
    "capability",
    "task",
    "is_group",
    "variant",
    "metric",
    "higher_is_better",
    "n_base",
    "n_compressed",
    "base",
    "compressed",
    "drop",
    "relative_drop_pct",
    "recovery_pct",
    "ci_low",
    "ci_high",
    "n_pairs",
    "significant",
)


def format_csv(rows: Sequence[Row]) -> str:
    """Unrounded values, one line per row (scores on their own scale, not ×100)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                "capability": row.capability,
                "task": row.task,
                "is_group": row.is_group,
                "variant": row.variant,
                "metric": row.metric,
                "higher_is_better": row.higher_is_better,
                "n_base": row.n_base,
                "n_compressed": row.n_compressed,
                "base": row.base,
                "compressed": row.compressed,
                "drop": row.drop,
                "relative_drop_pct": row.relative_drop,
                "recovery_pct": row.recovery,
                "ci_low": None if row.ci is None else row.ci.low,
                "ci_high": None if row.ci is None else row.ci.high,
                "n_pairs": None if row.ci is None else row.ci.n_pairs,
                "significant": row.significance,
            }
        )
    return out.getvalue()


# ---- command line ----------------------------------------------------------------------------


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``acbench compare`` (hooked in through ``acbench.cli.EXTRA_COMMANDS``)."""
    parser = commands.add_parser(
        "compare",
        help="base vs compressed lm-eval results side by side (drops, recovery, bootstrap CI)",
        description=(
            "Compare lm-eval results per task and capability. BASE and each COMPRESSED run is a "
            "results_*.json file, a folder of runs, or a Hub dataset id (e.g. an Open LLM "
            "Leaderboard details repo: open-llm-leaderboard/<org>__<model>-details)."
        ),
    )
    parser.add_argument("base", help="the base model's results (file, folder or Hub dataset)")
    parser.add_argument("compressed", nargs="+", help="one or more compressed runs")
    parser.add_argument(
        "--labels", help="comma-separated names: base first, then each compressed run"
    )
    parser.add_argument("--metric", help="compare this metric instead of each task's headline")
    parser.add_argument("--tasks", help="comma-separated tasks or groups to show (default: all)")
    parser.add_argument("--markdown", type=Path, help="also write a Markdown table here")
    parser.add_argument("--csv", type=Path, help="also write a CSV file here")
    parser.add_argument("--bootstrap", type=int, default=10_000, help="bootstrap resamples")
    parser.add_argument("--confidence", type=float, default=0.95, help="CI level (0.95)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.set_defaults(func=_cmd_compare)


def _cmd_compare(args: argparse.Namespace) -> int:
    sources = [args.base, *args.compressed]
    labels: list[str | None] = [None] * len(sources)
    if args.labels:
        given = [x.strip() for x in args.labels.split(",")]
        if len(given) != len(sources):
            print(f"acbench: --labels needs {len(sources)} names", file=sys.stderr)
            return 2
        labels = list(given)
    if not 0 < args.confidence < 1 or args.bootstrap < 1:
        print("acbench: --confidence must be in (0, 1) and --bootstrap ≥ 1", file=sys.stderr)
        return 2
    try:
        runs = [load_run(s, label) for s, label in zip(sources, labels, strict=True)]
    except CompareError as err:
        print(f"acbench: {err}", file=sys.stderr)
        return 2
    _unique_labels(runs)
    tasks = [t.strip() for t in args.tasks.split(",")] if args.tasks else None
    rows = compare_runs(
        runs[0],
        runs[1:],
        metric=args.metric,
        n_resamples=args.bootstrap,
        confidence=args.confidence,
        seed=args.seed,
        tasks=tasks,
    )
    if not rows:
        print("acbench: the runs share no task with a comparable metric", file=sys.stderr)
        return 1
    print(format_table(rows, args.confidence, title=f"base: {runs[0].label}"))
    for path, text in (
        (args.markdown, format_markdown(rows, args.confidence)),
        (args.csv, format_csv(rows) if args.csv else ""),
    ):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"Wrote {path}")
    return 0


def _unique_labels(runs: list[Run]) -> None:
    seen: dict[str, int] = {}
    for run in runs:
        count = seen.get(run.label, 0)
        seen[run.label] = count + 1
        if count:
            run.label = f"{run.label} ({count + 1})"


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
