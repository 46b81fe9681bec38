"""Patches applied to lm-eval right after it imports the modules they extend.

Called by :mod:`acbench._lmeval_hook`; each patch is idempotent and keeps lm-eval's behaviour
for everything that is not ours.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from types import ModuleType


def _with_our_tasks(include_path):
    """``include_path`` plus ACBench's task folder (once)."""
    from acbench_core.paths import tasks_path

    ours = tasks_path()
    paths = (
        []
        if include_path is None
        else (list(include_path) if isinstance(include_path, (list, tuple)) else [include_path])
    )
    if not any(Path(p).resolve() == ours for p in paths):
        paths.append(ours)
    return paths


def _adjust_init(cls: type, adjust: Callable[[tuple, dict], tuple[tuple, dict]]) -> None:
    """Make ``cls.__init__`` pass its arguments through ``adjust`` first (once per class)."""
    if getattr(cls.__init__, "_acbench", False):
        return
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        args, kwargs = adjust(args, kwargs)
        original(self, *args, **kwargs)

    __init__._acbench = True
    cls.__init__ = __init__


def _add_our_tasks(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if len(args) >= 2:  # include_path given positionally (verbosity, include_path, ...)
        return (args[0], _with_our_tasks(args[1]), *args[2:]), kwargs
    return args, {**kwargs, "include_path": _with_our_tasks(kwargs.get("include_path"))}


def _resolve_aliases(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    from acbench_core.models import is_alias, resolve_model

    kwargs = {
        k: resolve_model(v) if k in ("pretrained", "tokenizer") and is_alias(v) else v
        for k, v in kwargs.items()
    }
    if args and is_alias(args[0]):
        args = (resolve_model(args[0]), *args[1:])
    return args, kwargs


def patch_task_manager(module: ModuleType) -> None:
    """Make every ``TaskManager`` index ACBench's tasks, as if ``--include_path`` named them."""
    _adjust_init(module.TaskManager, _add_our_tasks)


def patch_hf_model(module: ModuleType) -> None:
    """Let ``--model hf --model_args pretrained=acbench:smollm2`` load the embedded model."""
    _adjust_init(module.HFLM, _resolve_aliases)


def patch_model_registry(module: ModuleType) -> None:
    """Register ``--model acbench-agent`` (lazily) next to lm-eval's own models.

    Also gives lm-eval's ``LM`` base class an ``agent_episode`` method that stops a plain
    backend asked to run an agent task, with the command that works.
    """
    from lm_eval.api.model import LM
    from lm_eval.api.registry import model_registry

    if "acbench-agent" not in model_registry:
        model_registry.register("acbench-agent", target="acbench_tasks.agentboard.lm:AgentLM")
    if not hasattr(LM, "agent_episode"):

        def agent_episode(self, requests):
            from acbench_tasks.agentboard.lm import refuse_agent_episode

            return refuse_agent_episode(self, requests)

        LM.agent_episode = agent_episode


def patch_evaluation_tracker(module: ModuleType) -> None:
    """Write per-sample logs with lone surrogates replaced (:mod:`acbench_core.text`).

    lm-eval's writer stops at the first string UTF-8 cannot encode, logs "Could not save sample
    results" and leaves the task's samples file empty: one odd answer would lose them all.
    """
    cls = module.EvaluationTracker
    if getattr(cls.save_results_samples, "_acbench", False):
        return
    original = cls.save_results_samples

    @functools.wraps(original)
    def save_results_samples(self, task_name, samples):
        from acbench_core.text import without_surrogates

        return original(self, task_name, without_surrogates(samples))

    save_results_samples._acbench = True
    cls.save_results_samples = save_results_samples


def apply_patches() -> None:
    """Apply every patch now (for in-process use when the start-up hook is disabled)."""
    import lm_eval.loggers.evaluation_tracker
    import lm_eval.models
    import lm_eval.models.huggingface
    import lm_eval.tasks.manager

    patch_task_manager(lm_eval.tasks.manager)
    patch_hf_model(lm_eval.models.huggingface)
    patch_model_registry(lm_eval.models)
    patch_evaluation_tracker(lm_eval.loggers.evaluation_tracker)
