"""``acbench run``: a whole compression study (compress, evaluate, analyze, compare, report,
publish) from one YAML file, resumable step by step."""

from acbench.pipeline.config import ConfigError, PipelineConfig, load_config, parse_config
from acbench.pipeline.runner import PipelineResult, Study, run_pipeline

__all__ = [
    "ConfigError",
    "PipelineConfig",
    "PipelineResult",
    "Study",
    "load_config",
    "parse_config",
    "run_pipeline",
]
