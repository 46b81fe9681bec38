"""Progress of a compression run: phases, and decoder layers done / total while calibrating;
the rich display of them, and the switches that keep the libraries' own bars and logs quiet."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    import torch

#: What each phase is called on screen.
PHASES = {
    "load": "Loading model",
    "calibration": "Preparing calibration data",
    "layers": "Compressing layers",
    "save": "Saving checkpoint",
    "verify": "Verifying (reload + perplexity)",
}
# (phase, done, total): phases are "load", "calibration", "layers", "save", "verify"
ProgressCallback = Callable[[str, int, int], None]


def decoder_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The model's repeated blocks (the classes transformers never splits across devices)."""
    names = set(getattr(model, "_no_split_modules", None) or [])
    layers = [m for m in model.modules() if type(m).__name__ in names]
    if layers:
        return layers
    from torch.nn import ModuleList

    lists = [m for m in model.modules() if isinstance(m, ModuleList)]
    return list(max(lists, key=len)) if lists else []


@contextlib.contextmanager
def track_layers(
    model: torch.nn.Module, passes: int, callback: ProgressCallback | None
) -> Iterator[None]:
    """Report ``layers`` progress while llm-compressor walks the model layer by layer.

    The sequential pipeline calibrates one decoder layer at a time (all batches, then the
    compression of that layer), once per calibrating modifier; a layer counts as done when the
    next one is first called. Data-free runs call no layer and jump to done at the end.
    """
    layers = decoder_layers(model)
    total = max(1, len(layers) * max(passes, 1))
    if callback is None or not layers:
        yield
        if callback is not None:
            callback("layers", total, total)
        return
    state = {"current": None, "done": 0}

    def on_call(index: int) -> None:
        if state["current"] is not None and index != state["current"]:
            state["done"] = min(state["done"] + 1, total - 1)
            callback("layers", state["done"], total)
        state["current"] = index

    handles = [
        layer.register_forward_pre_hook(lambda _m, _a, i=i: on_call(i))
        for i, layer in enumerate(layers)
    ]
    callback("layers", 0, total)
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
    callback("layers", total, total)


class ProgressDisplay:
    """A rich progress display with one line per phase of the run."""

    def __enter__(self) -> ProgressDisplay:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, Any] = {}
        self._progress.__enter__()
        return self

    def update(self, phase: str, done: int, total: int) -> None:
        if phase not in self._tasks:
            self._tasks[phase] = self._progress.add_task(PHASES.get(phase, phase), total=total)
        self._progress.update(self._tasks[phase], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)


@contextlib.contextmanager
def library_bars_hidden(hide: bool) -> Iterator[None]:
    """Turn off the tqdm bars llm-compressor and compressed-tensors draw for each layer.

    They would interleave with our display; TQDM_DISABLE does not help once tqdm is imported
    (it reads the environment at import time), so the default of ``disable`` is changed here.
    """
    if not hide:
        yield
        return
    import tqdm

    with mock.patch.object(
        tqdm.tqdm, "__init__", functools.partialmethod(tqdm.tqdm.__init__, disable=True)
    ):
        yield


def quiet_libraries() -> None:
    """Hide llm-compressor's and transformers' own logs and bars behind our progress display."""
    os.environ.setdefault("LLM_COMPRESSOR_LOG_LEVEL", "ERROR")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
