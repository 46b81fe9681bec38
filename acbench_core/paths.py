"""Where the project's files live: the lm-eval task folder and the local cache."""

from __future__ import annotations

import os
from pathlib import Path


def tasks_path() -> Path:
    """The folder of ACBench's lm-eval YAML tasks (what ``--include_path`` takes)."""
    import yaml_tasks

    return Path(yaml_tasks.__file__).resolve().parent


def cache_dir() -> Path:
    """Cache root: ``$ACBENCH_CACHE``, else ``$XDG_CACHE_HOME/acbench`` or ``~/.cache/acbench``."""
    if env := os.environ.get("ACBENCH_CACHE"):
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "acbench"
