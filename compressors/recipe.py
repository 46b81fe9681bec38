"""Compression recipes: ACBench's settings and ours, stored as YAML files a user can edit.

A recipe is a list of steps applied in order (e.g. Wanda 2:4, then RTN 4-bit) plus its
calibration defaults. Each step names a method family from :mod:`compressors.methods` and gives
that family's parameters; unknown methods and parameters are rejected with the allowed names.
Every shipped preset says, as data, whose setting it is: ``setting: acbench`` reproduces what
ACBench's scripts ran (``reference`` names the script, ``differences`` lists what we cannot
match), ``setting: ours`` is a variant ACBench did not run.

    name: gptq-w4a16
    setting: acbench
    description: ...
    reference: ACBench GPTQ-w4a16 (llmc gptq_w4a16.yml) ...
    steps:
      - {method: gptq, bits: 4, group_size: 128, symmetric: true, actorder: true}
    calibration: {dataset: pile-val, num_samples: 128, max_seq_length: 2048}
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
#: ``setting:`` values: reproduces ACBench's scripts, or a variant of our own.
SETTINGS = ("acbench", "ours")
_KEYS = {"name", "description", "setting", "reference", "differences", "paper", "steps"}


class RecipeError(ValueError):
    """A preset name or recipe file that cannot be used; the message says what is allowed."""


@dataclass(frozen=True)
class Step:
    """One compression method and its parameters (defaults filled in)."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Recipe:
    """A named, ordered list of steps and the calibration defaults the paper used."""

    name: str
    description: str
    steps: tuple[Step, ...]
    calibration: dict[str, Any] | None = None
    setting: str | None = None  # "acbench" or "ours"; None for a user's recipe that says neither
    reference: str = ""  # what ACBench ran (script, settings), or what the variant is based on
    differences: tuple[str, ...] = ()  # known differences from ACBench's run
    source: str = ""  # the preset name or file it was read from

    @property
    def needs_calibration(self) -> bool:
        from compressors.methods import get_method

        return any(get_method(step.method).needs_calibration for step in self.steps)

    @property
    def kinds(self) -> set[str]:
        from compressors.methods import get_method

        return {get_method(step.method).kind for step in self.steps}

    def to_dict(self) -> dict[str, Any]:
        """The recipe with every default made explicit (what gets recorded with a checkpoint)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.setting:
            out["setting"] = self.setting
        if self.reference:
            out["reference"] = self.reference
        if self.differences:
            out["differences"] = list(self.differences)
        out["steps"] = [{"method": s.method, **s.params} for s in self.steps]
        if self.calibration:
            out["calibration"] = dict(self.calibration)
        return out


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def list_presets() -> list[Recipe]:
    return [load_recipe(name) for name in preset_names()]


def load_recipe(name_or_path: str | Path) -> Recipe:
    """A shipped preset by name (``gptq-w4a16``) or a recipe YAML file by path."""
    text = str(name_or_path)
    path = Path(text).expanduser()
    if text.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise RecipeError(f"recipe file {path} does not exist")
        source = str(path)
    elif text in preset_names():
        path = PRESETS_DIR / f"{text}.yaml"
        source = text
    else:
        raise RecipeError(
            f"unknown method {text!r}: use a preset ({', '.join(preset_names())}) "
            "or the path of a recipe YAML file (see `acbench compress --list`)"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise RecipeError(f"{path} is not valid YAML: {err}") from None
    return parse_recipe(data, source=source)


def parse_recipe(data: Any, source: str = "<dict>") -> Recipe:
    """Validate a recipe mapping and fill in each step's defaults."""
    from compressors.methods import get_method

    if not isinstance(data, dict):
        raise RecipeError(f"{source}: a recipe is a mapping with 'name' and 'steps'")
    unknown = set(data) - _KEYS - {"calibration"}
    if unknown:
        raise RecipeError(f"{source}: unknown recipe keys {sorted(unknown)}")
    steps_data = data.get("steps")
    if not isinstance(steps_data, list) or not steps_data:
        raise RecipeError(f"{source}: 'steps' must be a non-empty list of methods")
    steps = []
    for index, raw_step in enumerate(steps_data):
        if not isinstance(raw_step, dict) or "method" not in raw_step:
            raise RecipeError(f"{source}: step {index + 1} needs a 'method' key")
        params = dict(raw_step)
        name = str(params.pop("method"))
        try:
            method = get_method(name)
            steps.append(Step(method.name, method.validate(params)))
        except (TypeError, ValueError) as err:
            raise RecipeError(f"{source}: step {index + 1} ({name}): {err}") from None
    _warn_about_order(steps, source)
    calibration = data.get("calibration")
    if calibration is not None and not isinstance(calibration, dict):
        raise RecipeError(f"{source}: 'calibration' must be a mapping")
    setting = data.get("setting")
    if setting is not None and setting not in SETTINGS:
        raise RecipeError(
            f"{source}: setting must be one of {', '.join(SETTINGS)}, got {setting!r}"
        )
    differences = data.get("differences") or []
    if not isinstance(differences, list) or not all(isinstance(d, str) for d in differences):
        raise RecipeError(f"{source}: 'differences' must be a list of sentences")
    name = str(data.get("name") or Path(source).stem)
    return Recipe(
        name=name,
        description=str(data.get("description", "")),
        steps=tuple(steps),
        calibration=calibration,
        setting=setting,
        # "paper:" is what recipe files written before ACBench's settings were checked call it
        reference=str(data.get("reference") or data.get("paper") or ""),
        differences=tuple(differences),
        source=source,
    )


def _warn_about_order(steps: list[Step], source: str) -> None:
    """GPTQ and AWQ rewrite every weight, so after pruning they fill the pruned zeros back in."""
    pruned = False
    for step in steps:
        if step.method in ("magnitude", "wanda", "sparsegpt"):
            pruned = True
        elif pruned and step.method in ("gptq", "awq"):
            logger.warning(
                "%s: %s after pruning does not keep the sparsity mask; use rtn to quantize "
                "a pruned model",
                source,
                step.method,
            )
