"""Start-up hook that lets an installed ``acbench`` extend lm-eval lazily.

``acbench_lm_eval.pth`` imports this module at interpreter start (skip it with
``ACBENCH_DISABLE_LMEVAL_HOOK=1``). It only registers a meta-path finder; the patches in
:mod:`acbench.lm_eval_integration` run right after lm-eval imports the modules they extend,
so processes that never import lm-eval pay a dictionary lookup per import and nothing else.
lm-eval 0.4.x has no entry-point discovery for tasks; this is the bridge until it does.
"""

from __future__ import annotations

import sys

# module imported by lm-eval -> name of the patch function in acbench.lm_eval_integration
_PATCHES = {
    "lm_eval.tasks.manager": "patch_task_manager",
    "lm_eval.models.huggingface": "patch_hf_model",
    "lm_eval.models": "patch_model_registry",
    "lm_eval.loggers.evaluation_tracker": "patch_evaluation_tracker",
}


class _PatchingLoader:
    """Runs the real loader, then the patch."""

    def __init__(self, loader, patch: str) -> None:
        self._loader = loader
        self._patch = patch

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        from acbench import lm_eval_integration

        getattr(lm_eval_integration, self._patch)(module)


class _LmEvalPatcher:
    """Meta-path finder that wraps the loaders of the modules in ``_PATCHES``."""

    def find_spec(self, fullname, path=None, target=None):
        patch = _PATCHES.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
        return None


def install() -> None:
    """Register the finder once (idempotent)."""
    if not any(isinstance(f, _LmEvalPatcher) for f in sys.meta_path):
        sys.meta_path.insert(0, _LmEvalPatcher())


install()
