"""Hatch build hook: put `acbench_lm_eval.pth` at the root of the wheel (site-packages).

The .pth line imports :mod:`acbench._lmeval_hook`, which makes lm-eval index our task folder
without ``--include_path``. Editable wheels need the file too, hence both keys.
"""

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PTH_FILE = "acbench_lm_eval.pth"


class PthFileHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        key = "force_include_editable" if version == "editable" else "force_include"
        build_data.setdefault(key, {})[PTH_FILE] = PTH_FILE
