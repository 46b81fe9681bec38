"""Compress any Hugging Face causal LM with the methods ACBench studies (llm-compressor).

    from compressors import compress
    compress("acbench:smollm2", "gptq-w4a16", "out/smollm2-gptq-w4a16",
             calibration={"dataset": "paul-graham", "num_samples": 32})

Presets live in ``compressors/presets/*.yaml``; ``acbench compress --list`` prints them.
"""

from compressors.calibration import CalibrationConfig, CalibrationError
from compressors.pipeline import CompressionError, CompressionResult, compress
from compressors.recipe import Recipe, RecipeError, list_presets, load_recipe, preset_names

__all__ = [
    "CalibrationConfig",
    "CalibrationError",
    "CompressionError",
    "CompressionResult",
    "Recipe",
    "RecipeError",
    "compress",
    "list_presets",
    "load_recipe",
    "preset_names",
]
