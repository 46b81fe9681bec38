"""Test doubles shared by several test modules."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, ClassVar

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


class FakeTracker:
    """codecarbon's ``start_task``/``stop_task`` with fixed figures per measured call: by
    default 0.001 kWh (3600 J: CPU 0.0006, RAM 0.0004), 0.4 g CO2eq, 2 s; ``figures`` override
    or add fields (``country_name``, ...). ``fail_stop`` makes ``stop_task`` return None."""

    DEFAULT_FIGURES: ClassVar[dict[str, Any]] = {
        "cpu_energy": 0.0006,
        "gpu_energy": 0.0,
        "ram_energy": 0.0004,
        "energy_consumed": 0.001,
        "emissions": 0.0004,
        "duration": 2.0,
    }

    def __init__(self, fail_stop: bool = False, **figures: Any) -> None:
        self.fail_stop = fail_stop
        self.figures = {**self.DEFAULT_FIGURES, **figures}
        self.active: list[str] = []
        self._hardware = [SimpleNamespace()]
        self._conf = {"cpu_model": "Test CPU", "cpu_count": 2, "tracking_mode": "process"}

    def start_task(self, label: str) -> None:
        self.active.append(label)

    def stop_task(self, label: str) -> SimpleNamespace | None:
        assert self.active.pop() == label
        if self.fail_stop:
            return None
        return SimpleNamespace(**self.figures)
