"""Progress of a compression run: phases, and decoder layers done / total while calibrating."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

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
