"""The ``acbench run`` configuration: one YAML file describing a whole compression study.

    name: smollm2-study
    model: acbench:smollm2                 # base model: alias, local folder or Hub id
    variants:
      - preset: gptq-w4a16                 # a compressors preset or recipe file ...
        calibration: {num_samples: 64}
      - checkpoint: ./my-awq               # ... or a checkpoint compressed elsewhere
        name: my-awq
    evaluate: {tasks: [acbench_workflow], data_source: sample, limit: 2}
    analyze: {max_texts: 8}                # or false
    compare: {bootstrap: 2000}
    publish: {repo_id: "me/SmolLM2-135M-Instruct-{variant}", dry_run: true}

Every section but ``model``, ``variants`` and ``evaluate.tasks`` has defaults; unknown keys are
errors (a typo must not silently change a study). Relative paths are relative to the config file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from acbench.analysis.runner import AnalysisSettings
from acbench.evaluate import EvaluationSettings

LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
BASE_LABEL = "base"


class ConfigError(ValueError):
    """A pipeline configuration that cannot be used; the message names the setting."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variant(_Section):
    """One compressed model: made here from a preset/recipe, or an existing checkpoint."""

    preset: str | None = None
    checkpoint: str | None = None
    name: str | None = None
    calibration: dict[str, Any] | None = None
    dtype: str = "bfloat16"
    verify: bool = True

    @model_validator(mode="after")
    def _one_source(self) -> Variant:
        if (self.preset is None) == (self.checkpoint is None):
            raise ValueError("give exactly one of `preset` (compress here) or `checkpoint`")
        if self.label == BASE_LABEL or not LABEL_RE.match(self.label):
            raise ValueError(
                f"variant name {self.label!r} must be a file-name-safe word other than "
                f"{BASE_LABEL!r} (letters, digits, '.', '_', '-')"
            )
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        source = self.preset or self.checkpoint or ""
        return Path(source).name.removesuffix(".yaml").removesuffix(".yml")


class Evaluate(EvaluationSettings):
    """lm-eval settings shared by the base model and every variant (``pretrained`` and the
    output folder are set per model by the pipeline); ``tasks`` must be given."""

    tasks: list[str] = Field(min_length=1)


class Compare(_Section):
    bootstrap: int = Field(default=10_000, ge=1)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    seed: int = 0


class Publish(_Section):
    """Model cards (and, without ``dry_run``, uploads) for the variants compressed here."""

    repo_id: str = Field(description="target repo; {variant} is replaced by the variant's name")
    dry_run: bool = True
    include_partial: bool = False
    private: bool = False
    create_pr: bool = False


class PipelineConfig(_Section):
    name: str
    model: str
    variants: list[Variant] = Field(min_length=1)
    evaluate: Evaluate
    analyze: AnalysisSettings | None = Field(default_factory=AnalysisSettings)
    compare: Compare = Field(default_factory=Compare)
    report: bool = True
    publish: Publish | None = None
    output_dir: str | None = None
    #: torch CPU threads for every step; None: one per core other processes leave idle
    threads: int | None = Field(default=None, ge=1)

    @field_validator("analyze", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        """``analyze: false`` skips the step; ``analyze: true`` keeps the defaults."""
        if value is False:
            return None
        return {} if value is True else value

    @model_validator(mode="after")
    def _unique_labels(self) -> PipelineConfig:
        labels = [v.label for v in self.variants]
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ValueError(f"variant names must be unique; repeated: {', '.join(repeated)}")
        if not LABEL_RE.match(self.name):
            raise ValueError(f"name {self.name!r} must be a file-name-safe word")
        return self


def load_config(path: str | Path) -> tuple[PipelineConfig, Path]:
    """Read and check a config file; return it and the folder its relative paths start from."""
    path = Path(path).expanduser()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror or err}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path} is not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(raw).__name__}")
    return parse_config(raw, source=str(path)), path.resolve().parent


def parse_config(raw: dict[str, Any], source: str = "config") -> PipelineConfig:
    """Validate a config mapping; errors list every bad setting by its dotted path."""
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as err:
        problems = []
        for item in err.errors():
            where = ".".join(str(p) for p in item["loc"]) or "(top level)"
            problems.append(f"  {where}: {item['msg']}")
        raise ConfigError(f"{source} has invalid settings:\n" + "\n".join(problems)) from None
