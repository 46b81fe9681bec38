"""Patches applied to lm-eval right after it imports the modules they extend.

Called by :mod:`acbench._lmeval_hook`; each patch is idempotent and keeps lm-eval's behaviour
for everything that is not ours.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType


def _with_our_tasks(include_path):
    """``include_path`` plus ACBench's task folder (once)."""
    from acbench.paths import tasks_path

    ours = tasks_path()
    paths = (
        []
        if include_path is None
        else (list(include_path) if isinstance(include_path, (list, tuple)) else [include_path])
    )
    if not any(Path(p).resolve() == ours for p in paths):
        paths.append(ours)
    return paths


def patch_task_manager(module: ModuleType) -> None:
    """Make every ``TaskManager`` index ACBench's tasks, as if ``--include_path`` named them."""
    manager = module.TaskManager
    if getattr(manager.__init__, "_acbench", False):
        return
    original = manager.__init__

    @functools.wraps(original)
    def __init__(self, *args, include_path=None, **kwargs):
        if len(args) >= 2:  # include_path given positionally (verbosity, include_path, ...)
            args = (args[0], _with_our_tasks(args[1]), *args[2:])
        else:
            include_path = _with_our_tasks(include_path)
            kwargs["include_path"] = include_path
        original(self, *args, **kwargs)

    __init__._acbench = True
    manager.__init__ = __init__


def patch_hf_model(module: ModuleType) -> None:
    """Let ``--model hf --model_args pretrained=acbench:smollm2`` load the embedded model."""
    hflm = module.HFLM
    if getattr(hflm.__init__, "_acbench", False):
        return
    original = hflm.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        from acbench.models import is_alias, resolve_model

        for key in ("pretrained", "tokenizer"):
            if is_alias(kwargs.get(key)):
                kwargs[key] = resolve_model(kwargs[key])
        if args and is_alias(args[0]):
            args = (resolve_model(args[0]), *args[1:])
        original(self, *args, **kwargs)

    __init__._acbench = True
    hflm.__init__ = __init__


def patch_model_registry(module: ModuleType) -> None:
    """Register ``--model acbench-agent`` (lazily) next to lm-eval's own models.

    Also gives lm-eval's ``LM`` base class an ``agent_episode`` method that stops a plain
    backend asked to run an agent task, with the command that works.
    """
    from lm_eval.api.model import LM
    from lm_eval.api.registry import model_registry

    if "acbench-agent" not in model_registry:
        model_registry.register("acbench-agent", target="acbench_tasks.agents.lm:AgentLM")
    if not hasattr(LM, "agent_episode"):

        def agent_episode(self, requests):
            from acbench_tasks.agents.lm import refuse_agent_episode

            return refuse_agent_episode(self, requests)

        LM.agent_episode = agent_episode


def apply_patches() -> None:
    """Apply every patch now (for in-process use when the start-up hook is disabled)."""
    import lm_eval.models
    import lm_eval.models.huggingface
    import lm_eval.tasks.manager

    patch_task_manager(lm_eval.tasks.manager)
    patch_hf_model(lm_eval.models.huggingface)
    patch_model_registry(lm_eval.models)
