"""The literal ``lm_eval`` command, as end-to-end tests run it."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class LmEvalRun:
    results: dict[str, Any]  # the results_*.json lm-eval wrote
    stdout: str  # lm-eval's printed table


def run_lm_eval(*args: str, output: Path, timeout: int = 900) -> LmEvalRun:
    """Run ``lm_eval ARGS --output_path OUTPUT`` with one torch thread; it must succeed."""
    result = subprocess.run(
        ["lm_eval", *args, "--output_path", str(output)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    (path,) = output.glob("*/results_*.json")
    return LmEvalRun(json.loads(path.read_text()), result.stdout)
