"""Run ACBench tasks through lm-eval and save the results the way ``lm_eval`` does.

A thin layer over :func:`lm_eval.simple_evaluate`: it resolves embedded model names, passes the
data-source choice to every task, keeps a request cache next to the results (so an interrupted
run resumes where it stopped), and writes lm-eval's own results and samples files.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from acbench_core.catalog import needs_agent
from acbench_core.models import (
    DEFAULT_MODEL,
    ModelNotFoundError,
    is_alias,
    looks_like_local_path,
    resolve_model,
)
from acbench_core.secrets import mask_model_args, masked
from acbench_core.threads import cpu_threads

logger = logging.getLogger(__name__)

DEFAULT_TASKS = ("acbench_workflow",)


class EvaluationError(RuntimeError):
    """An evaluation that cannot start; the message says why and what to do."""


class EvaluationSettings(BaseModel):
    """What to evaluate and how, for any model: the flags of ``acbench eval``, the ``evaluate:``
    section of an ``acbench run`` study and the library call all build this one model, checked
    once here. They map onto ``lm_eval.simple_evaluate``'s arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tasks: list[str] = Field(default_factory=lambda: list(DEFAULT_TASKS), min_length=1)
    model: str = "hf"  # the lm-eval backend
    model_args: dict[str, Any] = Field(default_factory=dict)
    data_source: Literal["hub", "local", "sample"] | None = None  # None: each task's default
    data_dir: str | None = None
    limit: float | None = Field(default=None, gt=0)
    #: Per task or group (its tasks inherit it), overriding ``limit``; None means all documents,
    #: e.g. ``{"acbench_niah": None}``.
    task_limits: dict[str, float | None] = Field(default_factory=dict)
    max_gen_toks: int | None = Field(default=None, gt=0)  # a cap on new tokens per answer
    gen_kwargs: dict[str, Any] | None = None  # lm-eval's --gen_kwargs
    apply_chat_template: bool = True
    batch_size: int | str = 1
    device: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)  # lm-eval's --metadata
    log_samples: bool = True
    #: lm-eval's ``--predict_only``: generate and log the samples, score nothing (no embedding
    #: model is loaded); the results carry lm-eval's ``bypass`` placeholder instead of scores.
    predict_only: bool = False
    use_cache: bool = True  # lm-eval's request cache next to the results (resume)
    energy: bool = True  # codecarbon energy and generated tokens per task, in the results
    energy_country: str = "USA"  # ISO code for the grid's carbon intensity (kg CO2eq)

    @field_validator("task_limits")
    @classmethod
    def _limits(cls, value: dict[str, float | None]) -> dict[str, float | None]:
        return check_task_limits(value)

    def task_metadata(self) -> dict[str, Any]:
        """What every task receives as metadata: ``metadata`` plus the data-source choice."""
        metadata = dict(self.metadata)
        if self.data_source:
            metadata["data_source"] = self.data_source
        if self.data_dir:
            metadata["data_dir"] = self.data_dir
        return metadata

    def generation_kwargs(self) -> dict[str, Any] | None:
        """lm-eval's ``gen_kwargs``: ``gen_kwargs`` with ``max_gen_toks`` on top."""
        merged = dict(self.gen_kwargs or {})
        if self.max_gen_toks:
            merged["max_gen_toks"] = self.max_gen_toks
        return merged or None


class EvaluationRun(EvaluationSettings):
    """One model's evaluation: the settings, the model (``model_args["pretrained"]``) and where
    the results go."""

    model_args: dict[str, Any] = Field(default_factory=lambda: {"pretrained": DEFAULT_MODEL})
    output_path: Path | None = Path("results")
    #: torch CPU threads; None: one per core other processes leave idle (recorded in the
    #: results as ``config.cpu_threads``)
    threads: int | None = Field(default=None, ge=1)


def settings_error(err: ValidationError) -> str:
    """One line naming each bad setting, as ``acbench eval``'s option names."""
    problems = []
    for item in err.errors():
        loc = [str(p) for p in item["loc"]] or ["settings"]
        if loc[0] in _OPTIONS:
            loc[0] = "--" + loc[0].replace("_", "-")
        problems.append(f"{'.'.join(loc)}: {item['msg']}")
    return "; ".join(problems)


#: Settings that ``acbench eval`` takes as options of the same name.
_OPTIONS = {"limit", "task_limits", "metadata", "max_gen_toks", "data_source", "batch_size"}


@dataclass
class EvaluationResult:
    results: dict[str, Any]
    results_file: Path | None


def parse_model_args(text: str | None) -> dict[str, Any]:
    """``"pretrained=x,dtype=float32"`` → dict, with lm-eval's own parser."""
    from lm_eval.utils import simple_parse_args_string

    return simple_parse_args_string(text or "")


def _check_model(run: EvaluationRun) -> dict[str, Any]:
    """Resolve aliases and fail early, with one clear line, on a missing local model path."""
    args = dict(run.model_args)
    pretrained = args.get("pretrained")
    if isinstance(pretrained, str):
        if is_alias(pretrained):
            try:
                path = resolve_model(pretrained)
            except ModelNotFoundError as err:
                raise EvaluationError(str(err)) from None
            if run.model not in ("hf", "hf-auto", "huggingface"):
                args["pretrained"] = path  # only lm-eval's HF backend knows our aliases
        elif looks_like_local_path(pretrained) and not Path(pretrained).expanduser().exists():
            raise EvaluationError(
                f"model path {pretrained} does not exist; give a local checkpoint folder, a Hub "
                f"model id, or {DEFAULT_MODEL} for the bundled SmolLM2"
            )
    return args


def _with_agent(run: EvaluationRun, model_args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Wrap the backend in ``acbench-agent`` when agent tasks are selected (ordinary requests
    pass through the wrapper unchanged), so one call evaluates every capability."""
    from acbench_tasks.agentboard.lm import MODEL_NAME

    if run.model == MODEL_NAME or not needs_agent(list(run.tasks)):
        return run.model, model_args
    logger.info("agent tasks selected: wrapping %s in %s", run.model, MODEL_NAME)
    return MODEL_NAME, {"model": run.model, **model_args}


def check_task_limits(limits: Any) -> dict[str, float | None]:
    """Per-task limits as given by a user: task name -> a positive count or fraction, or None."""
    if not isinstance(limits, dict):
        raise ValueError(f"task limits must map task names to limits, not {limits!r}")
    bad = sorted(
        str(task)
        for task, limit in limits.items()
        if limit is not None
        and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0)
    )
    if bad:
        raise ValueError(f"task limits must be positive (or null for all documents): {bad}")
    return limits


def check_task_names(settings: EvaluationSettings, task_manager: Any = None) -> None:
    """Fail with one line when ``tasks`` or ``task_limits`` name a task lm-eval does not know
    (ACBench's and lm-eval's own), before any model or data is loaded."""
    wanted = {*settings.tasks, *settings.task_limits}
    known = set(task_manager.all_tasks) if task_manager is not None else _known_tasks(False)
    if not wanted <= known and task_manager is None:  # not ours: lm-eval's own tasks too
        known |= _known_tasks(True)
    unknown = [t for t in settings.tasks if t not in known]
    if unknown:
        ours = sorted(t for t in known if t.startswith("acbench"))
        raise EvaluationError(
            f"unknown task(s) {', '.join(unknown)}; ACBench tasks: {', '.join(ours)}"
        )
    unknown = [t for t in settings.task_limits if t not in known]
    if unknown:
        raise EvaluationError(f"task_limits names unknown task(s): {', '.join(unknown)}")


@functools.lru_cache(maxsize=2)
def _known_tasks(with_lm_eval_tasks: bool) -> frozenset[str]:
    """Names lm-eval can run: ACBench's (indexed in ~0.03 s), or also lm-eval's own (~4 s)."""
    from lm_eval.tasks import TaskManager

    from acbench_core.paths import tasks_path

    manager = TaskManager(include_path=str(tasks_path()), include_defaults=with_lm_eval_tasks)
    return frozenset(manager.all_tasks)


def first_docs(
    task_dict: dict[Any, Any], limit: float | None, task_limits: dict[str, float | None]
) -> dict[str, list[int]]:
    """lm-eval's ``samples`` argument for per-task limits: the first k documents of each task.

    k comes from the task's own entry in ``task_limits``, else from its nearest group's, else
    ``limit``; a count (≥ 1) or a fraction of the task's documents, as lm-eval reads ``--limit``.
    Tasks left without a limit are not listed (lm-eval then evaluates all their documents).
    """
    from lm_eval.evaluator_utils import get_sample_size

    samples: dict[str, list[int]] = {}

    def visit(tree: dict[Any, Any], inherited: float | None) -> None:
        for key, value in tree.items():
            name = getattr(key, "group_name", key)
            own = task_limits.get(name, inherited)
            if isinstance(value, dict):
                visit(value, own)
                continue
            size = get_sample_size(value, own)
            if size is not None:
                samples[name] = list(range(min(size, len(value.eval_docs))))

    visit(task_dict, limit)
    return samples


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _cache_path(run: EvaluationRun, model_args: dict[str, Any]) -> str | None:
    if not (run.use_cache and run.output_path):
        return None
    name = str(model_args.get("pretrained", run.model)).strip("/").replace("/", "__")
    return str(Path(run.output_path) / "cache" / name)


def _build_lm(model_name: str, run: EvaluationRun, model_args: dict[str, Any]) -> Any:
    """The lm-eval model object, built exactly as ``simple_evaluate`` builds it from a name."""
    from lm_eval.api.registry import get_model

    return get_model(model_name).create_from_arg_obj(
        model_args,
        {
            "batch_size": run.batch_size,
            "max_batch_size": None,
            "device": run.device or _default_device(),
        },
    )


def run_evaluation(run: EvaluationRun) -> EvaluationResult:
    """Evaluate and save: lm-eval results JSON (+ per-task samples JSONL) under ``output_path``."""
    from lm_eval.tasks import TaskManager

    from acbench.lm_eval_integration import apply_patches

    apply_patches()  # also when the start-up hook is switched off
    model_args = _check_model(run)
    # As lm-eval's own CLI does: tasks see the model args (e.g. a tokenizer from ``pretrained``).
    metadata = {**model_args, **run.task_metadata()}
    task_manager = TaskManager(metadata=metadata)
    check_task_names(run, task_manager)
    doc_ids = None  # lm-eval's `samples` argument: the documents of each task to evaluate
    if run.task_limits:
        from lm_eval.tasks import get_task_dict

        doc_ids = first_docs(
            get_task_dict(list(run.tasks), task_manager), run.limit, run.task_limits
        )
    model_name, model_args = _with_agent(run, model_args)
    with cpu_threads(run.threads) as threads:
        results, tracker = _evaluate(run, model_name, model_args, metadata, task_manager, doc_ids)
    if results is None:  # non-zero rank in distributed runs
        return EvaluationResult({}, None)
    results["config"]["cpu_threads"] = threads.as_dict()
    return _save(run, results, tracker, model_name)


def _evaluate(
    run: EvaluationRun,
    model_name: str,
    model_args: dict[str, Any],
    metadata: dict[str, Any],
    task_manager: Any,
    doc_ids: dict[str, list[int]] | None,
) -> tuple[dict[str, Any] | None, Any]:
    import lm_eval
    from lm_eval.loggers import EvaluationTracker

    tracker = EvaluationTracker(output_path=str(run.output_path)) if run.output_path else None
    meter = None
    try:
        # Built here (not by name inside simple_evaluate) so the energy meter can wrap it and
        # lm-eval never logs the model arguments, which may hold a token.
        model: Any = _build_lm(model_name, run, model_args)
        if run.energy:
            from acbench.energy import EnergyMeter

            meter = EnergyMeter(country_iso_code=run.energy_country)
            model = meter.attach(model, backend=run.model)
        results = lm_eval.simple_evaluate(
            model=model,
            model_args=model_args,
            tasks=list(run.tasks),
            limit=None if doc_ids is not None else run.limit,
            samples=doc_ids,
            batch_size=run.batch_size,
            device=run.device or _default_device(),
            apply_chat_template=run.apply_chat_template,
            gen_kwargs=run.generation_kwargs(),
            log_samples=run.log_samples or run.predict_only,
            predict_only=run.predict_only,
            evaluation_tracker=tracker,
            task_manager=task_manager,
            use_cache=_cache_path(run, model_args),
            metadata=metadata,
        )
    except OSError as err:  # model not found / not downloadable
        raise EvaluationError(
            f"could not load model {model_args.get('pretrained')}: {err}"
        ) from None
    if results is not None and meter is not None:
        results["energy"] = meter.report(results)
    return results, tracker


def _save(
    run: EvaluationRun, results: dict[str, Any], tracker: Any, model_name: str
) -> EvaluationResult:
    """Mask tokens, then write the results JSON and the per-task samples."""
    # The model was built here; name it as lm-eval would, and never record a token.
    results["config"]["model"] = model_name
    results["config"]["model_args"] = mask_model_args(results["config"].get("model_args"))
    results["configs"] = masked(results.get("configs") or {})
    if tracker is not None:
        tracker.general_config_tracker.model_source = model_name
    samples = results.pop("samples", None)
    results_file = None
    if tracker is not None:
        tracker.save_results_aggregated(results=results, samples=samples)
        if samples:
            for task_name in results["configs"]:
                tracker.save_results_samples(task_name=task_name, samples=samples[task_name])
        results_file = (
            Path(run.output_path)
            / tracker.general_config_tracker.model_name_sanitized
            / f"results_{tracker.date_id}.json"
        )
    return EvaluationResult(results, results_file)


def load_results(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
