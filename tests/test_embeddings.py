"""The shared sentence embedder with the real offline model (all-MiniLM-L6-v2)."""

from __future__ import annotations

import numpy as np
import pytest

from acbench_tasks.common.embeddings import (
    OFFLINE_EMBEDDING_MODEL,
    SentenceEmbedder,
    embedding_model_candidates,
    sanitize_text,
    shared_embedder,
)
from acbench_tasks.worfbench.worfbench import load_records, score_workflow


def test_offline_default_is_minilm():
    # HF_HUB_OFFLINE=1 and no cached mpnet: the default falls back to the bundled MiniLM.
    assert embedding_model_candidates()[0][0] == OFFLINE_EMBEDDING_MODEL
    assert shared_embedder().model_name == OFFLINE_EMBEDDING_MODEL


def test_unknown_model_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no sentence-embedding model could be loaded"):
        SentenceEmbedder("/no/such/embedding-model").encode(["x"])


def test_similarity_is_clipped_cosine():
    embedder = shared_embedder()
    sim = embedder.similarity(
        ["open the fridge", "open the fridge"], ["open the fridge", "quantum chromodynamics"]
    )
    assert sim.shape == (2, 2) and sim.dtype == np.float32
    assert sim[0, 0] == pytest.approx(1.0, abs=1e-5) and 0.0 <= sim[0, 1] < 0.6
    assert (sim >= 0).all()
    assert embedder.encode([]).shape == (0, 384)


def test_fast_mode_reuses_vectors_and_agrees_on_samples():
    exact, fast = shared_embedder(), SentenceEmbedder(cache=True)
    docs = load_records("toolbench", {"data_source": "sample"})
    for doc in docs:  # a perfect copy scores the same in both modes
        assert score_workflow(doc["gold"], doc["gold"], exact) == score_workflow(
            doc["gold"], doc["gold"], fast
        )
    assert len(fast._vectors) > 0
    fast.encode(["cached once"])
    fast.encode(["cached once"])
    assert list(fast._vectors).count("cached once") == 1


def test_perfect_copy_with_real_embeddings():
    for doc in load_records("os", {"data_source": "sample"}):
        result = score_workflow(doc["gold"], doc["gold"], shared_embedder())
        n = doc["gold"].count("\n") - 1  # node lines
        expected_recall = 1.0 if n < 8 else n / (n + 2)
        assert result.node.precision == 1.0
        assert result.node.recall == pytest.approx(expected_recall)
        assert result.graph.f1 == pytest.approx(1.0)


def test_texts_are_sanitised_once_before_the_model():
    # A lone surrogate makes the tokenizer raise; the embedder replaces it with U+FFFD.
    embedder = shared_embedder()
    with pytest.raises(TypeError):
        embedder.model.encode(["a\ud800b"], show_progress_bar=False)
    vectors = embedder.encode(["a\ud800b", "a\ufffdb", "\udfff", 12])
    assert vectors.shape == (4, 384)
    assert (vectors[0] == vectors[1]).all()
    assert sanitize_text("plain text, ünïcode ✓") == "plain text, ünïcode ✓"
    assert sanitize_text("\ud83d\ude00") == "\ufffd\ufffd"  # an unpaired pair stays invalid
    assert sanitize_text(16**3600) == ""  # str() raises: nothing to embed
    cached = SentenceEmbedder(cache=True)
    cached.encode(["x\ud800"])
    assert list(cached._vectors) == ["x\ufffd"]
