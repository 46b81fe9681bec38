"""Test doubles shared by several test modules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class OneHotEmbedder:
    """Embeds each distinct string as its own basis vector: identical texts → cosine 1, else 0.

    Lets scorer tests be computed by hand, independent of any sentence-embedding model.
    """

    model_name = "one-hot-test-embedder"

    def __init__(self, dim: int = 4096) -> None:
        self.dim = dim
        self.index: dict[str, int] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            out[row, self.index.setdefault(text, len(self.index))] = 1.0
        return out
