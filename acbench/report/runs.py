"""Which runs a report covers: an ``acbench run`` folder (``acbench_run.json``) or any folder
of lm-eval results, with each run's results, checkpoint size and analysis folder.

Everything that touches the file system for the report's inputs lives here; a run whose results
are missing or unreadable is kept, marked "not evaluated" with the reason, so that the report of
a half-finished pipeline still renders.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acbench_core.results import RESULTS_RE, ResultsError, Run, load_run
from compressors.record import METADATA_FILE, CompressionRecord

logger = logging.getLogger(__name__)

MANIFEST = "acbench_run.json"


class ReportError(ValueError):
    """Input a report cannot be built from; the message says what to pass instead."""


@dataclass
class RunEntry:
    """One model of the report: its results (None when not evaluated) and where its files are."""

    label: str
    model: str | None = None
    results_dir: Path | None = None
    checkpoint: Path | None = None
    analysis: Path | None = None
    run: Run | None = None
    missing: str | None = None  # why there are no results
    size_bytes: int | None = None
    size_note: str | None = None


@dataclass
class RunSet:
    """The runs of a folder: the base first, then the variants in the folder's order."""

    folder: Path
    name: str
    created: str | None
    base: RunEntry
    variants: list[RunEntry] = field(default_factory=list)

    @property
    def entries(self) -> list[RunEntry]:
        return [self.base, *self.variants]


def collect_runs(folder: str | Path, base: str | None = None) -> RunSet:
    """The runs under ``folder`` (manifest or discovered), with results and sizes loaded."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ReportError(f"{folder}: no such folder")
    if (root / MANIFEST).is_file():
        runs = _from_manifest(root, base)
    else:
        runs = _discover(root, base)
    for entry in runs.entries:
        entry.size_bytes, entry.size_note = _size(entry, root)
    if runs.base.size_bytes is None:
        _base_size_from_checkpoints(runs)
    return runs


# ---- an acbench run folder -------------------------------------------------------------------


def _from_manifest(root: Path, base: str | None) -> RunSet:
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReportError(f"{path}: not a readable JSON file ({err})") from None
    items = manifest.get("runs") if isinstance(manifest, dict) else None
    if not isinstance(items, list) or not items:
        raise ReportError(f"{path}: no runs listed (expected a non-empty 'runs' list)")
    entries: list[RunEntry] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            raise ReportError(f"{path}: run {number} has no 'label'")
        entries.append(
            RunEntry(
                label=item["label"],
                model=str(item["model"]) if item.get("model") else None,
                results_dir=_path(root, item.get("results")),
                checkpoint=_path(root, item.get("checkpoint")),
                analysis=_path(root, item.get("analysis")),
            )
        )
    _check_unique([e.label for e in entries], path)
    for entry in entries:
        _load(entry)
    chosen = base or manifest.get("base") or entries[0].label
    return _split(
        root, str(manifest.get("name") or root.name), manifest.get("created"), entries, chosen
    )


def _path(root: Path, value: Any) -> Path | None:
    if not isinstance(value, str) or not value:
        return None
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    # relative to the manifest's folder; a path relative to where the run was started also works
    return next((p for p in (root / path, path) if p.exists()), root / path)


def _check_unique(labels: list[str], source: Path) -> None:
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ReportError(f"{source}: run labels must be unique ({', '.join(repeated)} repeat)")


def _load(entry: RunEntry) -> None:
    """Read the entry's results; on failure keep the entry, with the reason in ``missing``."""
    if entry.results_dir is None:
        entry.missing = "not evaluated (no results recorded)"
        return
    if not entry.results_dir.exists():
        entry.missing = f"not evaluated (no results yet in {entry.results_dir})"
        return
    try:
        entry.run = load_run(entry.results_dir, entry.label)
    except ResultsError as err:
        entry.missing = f"not evaluated ({err})"
        return
    if entry.model is None:
        entry.model = entry.run.model


def _split(
    root: Path, name: str, created: str | None, entries: list[RunEntry], base: str
) -> RunSet:
    by_label = {e.label: e for e in entries}
    if base not in by_label:
        raise ReportError(
            f"unknown base run {base!r}; the runs are: {', '.join(by_label)} (pass --base LABEL)"
        )
    variants = [e for e in entries if e.label != base]
    return RunSet(root, name, created, by_label[base], variants)


# ---- any folder of lm-eval results -----------------------------------------------------------


def _discover(root: Path, base: str | None) -> RunSet:
    folders = sorted(
        {p.parent for p in root.rglob("results_*.json") if RESULTS_RE.match(p.name)},
        key=lambda p: str(p.relative_to(root)),
    )
    if not folders:
        raise ReportError(
            f"{root}: no runs found (neither {MANIFEST} nor lm-eval results_*.json files below it)"
        )
    entries = []
    for folder in folders:
        relative = folder.relative_to(root)
        entry = RunEntry(label=root.name if relative == Path() else str(relative))
        entry.results_dir = folder
        _load(entry)
        if entry.run is None:
            raise ReportError(f"{folder}: {entry.missing}")
        entries.append(entry)
    if base is None:
        plain = [e for e in entries if not _is_compressed(_model_folder(e.model, root))]
        if len(plain) != 1:
            why = "no run" if not plain else "more than one run"
            raise ReportError(
                f"{root}: cannot tell the base run ({why} has an uncompressed model); pass "
                f"--base with one of: {', '.join(e.label for e in entries)}"
            )
        base = plain[0].label
    return _split(root, root.name, None, entries, base)


# ---- model sizes -----------------------------------------------------------------------------


def _model_folder(model: str | None, root: Path, resolve_alias: bool = False) -> Path | None:
    """The local folder of a model path, alias (when ``resolve_alias``) or None (a Hub id...)."""
    if not model:
        return None
    from acbench_core.models import is_alias, resolve_model

    if is_alias(model):
        if not resolve_alias:
            return None
        try:
            return Path(resolve_model(model))
        except Exception as err:  # an unknown alias or a failed conversion: size unknown
            logger.warning("%s: no local folder (%s)", model, err)
            return None
    path = Path(model).expanduser()
    for candidate in (path, root / path):
        if candidate.is_dir():
            return candidate
    return None


def _is_compressed(folder: Path | None) -> bool:
    return folder is not None and (folder / METADATA_FILE).is_file()


def _size(entry: RunEntry, root: Path) -> tuple[int | None, str | None]:
    """(weights bytes, None) or (None, why the size is unknown)."""
    folder = entry.checkpoint or _model_folder(entry.model, root, resolve_alias=True)
    if folder is None or not folder.is_dir():
        where = entry.checkpoint or entry.model or "no model recorded"
        return None, f"size unknown ({where} is not a local folder)"
    weights = CompressionRecord.read(folder).weights_bytes
    if weights:
        return weights, None
    from compressors.measure import folder_weight_bytes

    weights = folder_weight_bytes(folder)
    if not weights:
        return None, f"size unknown (no weight files in {folder})"
    if _stored_dtype(folder) == "float32":  # e.g. a GGUF model dequantized to a dense copy
        return weights, (
            f"weights stored as float32 ({weights / 1e6:.1f} MB); in bf16, as checkpoints "
            f"are usually shared, about {weights / 2e6:.1f} MB"
        )
    return weights, None


def _stored_dtype(folder: Path) -> str | None:
    """The dtype a checkpoint's config.json declares (``dtype`` or the older ``torch_dtype``)."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    dtype = config.get("dtype") or config.get("torch_dtype") if isinstance(config, dict) else None
    return str(dtype) if dtype else None


def _base_size_from_checkpoints(runs: RunSet) -> None:
    """A Hub base model's size, as a compressed checkpoint of it recorded it on disk."""
    for entry in runs.variants:
        folder = entry.checkpoint or _model_folder(entry.model, runs.folder)
        if folder is None or not folder.is_dir():
            continue
        size = CompressionRecord.read(folder).size
        value = size.base_weights_bytes_on_disk if size else None
        if value:
            runs.base.size_bytes = value
            runs.base.size_note = f"size from {entry.label}'s {METADATA_FILE}"
            return
