"""Work-arounds for llm-compressor 0.14 on machines without a GPU, each saying why.

They live here, inside the project, so that user code never needs them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def no_pinned_memory_without_accelerator() -> Iterator[None]:
    """Make ``IntermediatesCache.pin_memory`` a no-op when there is no accelerator.

    AWQ pins its cached activations before the scale search to speed up host-to-GPU copies;
    ``Tensor.pin_memory()`` raises "Cannot access accelerator device when none is available"
    on a CPU-only machine, although pinning has no purpose there.
    """
    import torch

    if torch.accelerator.is_available():
        yield
        return
    from compressed_tensors.utils import patch_attr
    from llmcompressor.pipelines.cache import IntermediatesCache

    def _skip_pinning(self: IntermediatesCache, *args: object, **kwargs: object) -> None:
        return None

    with patch_attr(IntermediatesCache, "pin_memory", _skip_pinning):
        yield
