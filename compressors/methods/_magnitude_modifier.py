"""The one-shot magnitude pruning modifier (kept apart: importing llm-compressor is slow)."""

from __future__ import annotations

from typing import Any

import torch
from llmcompressor.core import Event, State
from llmcompressor.modifiers import Modifier
from llmcompressor.modifiers.factory import ModifierFactory
from pydantic import Field

from compressors.methods.common import magnitude_mask, parse_mask_structure, target_modules


class OneShotMagnitudePruningModifier(Modifier):
    """Per-layer magnitude pruning applied once (unstructured or N:M)."""

    sparsity: float = 0.5
    mask_structure: str = "unstructured"
    targets: list[str] = Field(default_factory=lambda: ["Linear"])
    ignore: list[str] = Field(default_factory=list)

    def on_initialize(self, state: State, **kwargs: Any) -> bool:
        parse_mask_structure(self.mask_structure)  # fail before any weight changes
        return True

    def on_calibration_start(self, state: State, event: Event, **kwargs: Any) -> None:
        from compressed_tensors.utils import align_module_device, update_offload_parameter

        n, m = parse_mask_structure(self.mask_structure)
        for module in target_modules(state.model, self.targets, self.ignore).values():
            with torch.no_grad(), align_module_device(module):
                keep = magnitude_mask(module.weight, self.sparsity, n, m)
                pruned = module.weight * keep.to(module.weight.device)
            update_offload_parameter(module, "weight", pruned)

    def on_finalize(self, state: State, **kwargs: Any) -> bool:
        return True


ModifierFactory.register("OneShotMagnitudePruningModifier", OneShotMagnitudePruningModifier)
