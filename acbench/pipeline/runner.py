"""``acbench run``: compress → evaluate (with energy) → analyze → compare → report → publish.

Each step records what it was run with (a fingerprint of its settings and of the steps it
builds on) in ``acbench_state.json`` once it finishes. A rerun skips every step whose
fingerprint is unchanged and whose outputs are still there, and says so; an interrupted
evaluation resumes from lm-eval's request cache. A failed step stops only the steps that need
it: the other variants go on, and the run ends with a summary and a non-zero exit code.

Output folder::

    acbench_run.json        the runs (label, model, results file, checkpoint, analysis) for reports
    acbench_state.json      finished steps and their fingerprints
    checkpoints/<variant>/  compressed models (compressors.compress)
    eval/<label>/           lm-eval results, samples and the request cache
    analysis/<variant>/     ERank, top-k correlation and logit energy vs the base model
    comparison.md, .csv     base vs each variant, per task and capability
    report/                 report.html, report.md and their plots
    cards/<variant>/        model cards (dry run) for the variants compressed here
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from acbench.pipeline.config import BASE_LABEL, ConfigError, PipelineConfig, Variant
from acbench_core.models import is_alias, looks_like_local_path

logger = logging.getLogger(__name__)

STATE_FILE = "acbench_state.json"
MANIFEST_FILE = "acbench_run.json"
STATE_VERSION = 1


class PipelineError(RuntimeError):
    """A step that failed; the message says which and why."""


@dataclass
class Step:
    """One unit of work: skipped on a rerun when its fingerprint and outputs are unchanged."""

    key: str
    settings: dict[str, Any]
    run: Callable[[], dict[str, Any]]  # returns the outputs recorded in the state file
    needs: tuple[str, ...] = ()  # steps that must have succeeded first
    uses: tuple[str, ...] = ()  # steps whose outputs are used when they succeeded
    done_check: Callable[[dict[str, Any]], bool] = lambda outputs: True


@dataclass
class StepOutcome:
    key: str
    status: str  # done | skipped | failed | blocked
    seconds: float = 0.0
    detail: str = ""


@dataclass
class PipelineResult:
    output_dir: Path
    outcomes: list[StepOutcome] = field(default_factory=list)
    report: Path | None = None
    cards: dict[str, Path] = field(default_factory=dict)  # dry runs: variant -> README.md
    published: dict[str, str] = field(default_factory=dict)  # uploads: variant -> what happened

    @property
    def ok(self) -> bool:
        return all(o.status in ("done", "skipped") for o in self.outcomes)


# ---- state ---------------------------------------------------------------------------------


def fingerprint(settings: dict[str, Any], inputs: dict[str, str]) -> str:
    """Hash of a step's settings and the fingerprints of the steps it reads."""
    text = json.dumps({"settings": settings, "inputs": inputs}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_state(folder: Path) -> dict[str, Any]:
    path = folder / STATE_FILE
    if not path.is_file():
        return {"version": STATE_VERSION, "steps": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        logger.warning("%s unreadable (%s): every step runs again", path, err)
        return {"version": STATE_VERSION, "steps": {}}
    if state.get("version") != STATE_VERSION or not isinstance(state.get("steps"), dict):
        return {"version": STATE_VERSION, "steps": {}}
    return state


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write through a temporary file so an interruption never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(partial, path)


# ---- the study -----------------------------------------------------------------------------


@dataclass
class Study:
    """A config with its paths resolved: where each model, result and output lives."""

    config: PipelineConfig
    root: Path  # relative paths in the config start here
    output_dir: Path

    @classmethod
    def create(
        cls, config: PipelineConfig, root: Path, output_dir: str | Path | None = None
    ) -> Study:
        out = output_dir or config.output_dir or Path("runs") / config.name
        out = Path(out).expanduser()
        if config.output_dir and not output_dir and not out.is_absolute():
            out = root / out
        return cls(config, root, out.absolute())

    def path(self, value: str) -> str:
        """A config path made absolute when it names something relative to the config file."""
        candidate = self.root / Path(value).expanduser()
        return str(candidate.resolve()) if candidate.exists() else value

    def checkpoint_dir(self, variant: Variant) -> Path:
        if variant.checkpoint is not None:
            return Path(self.path(variant.checkpoint))
        return self.output_dir / "checkpoints" / variant.label

    def model_of(self, label: str) -> str:
        if label == BASE_LABEL:
            return self.path(self.config.model)
        return str(self.checkpoint_dir(self.variant(label)))

    def variant(self, label: str) -> Variant:
        return next(v for v in self.config.variants if v.label == label)

    @property
    def labels(self) -> list[str]:
        return [BASE_LABEL, *(v.label for v in self.config.variants)]

    def eval_dir(self, label: str) -> Path:
        return self.output_dir / "eval" / label

    def analysis_dir(self, label: str) -> Path:
        return self.output_dir / "analysis" / label

    def card_dir(self, label: str) -> Path:
        return self.output_dir / "cards" / label


# ---- the steps -----------------------------------------------------------------------------


def _compress_step(study: Study, variant: Variant) -> Step:
    from compressors.recipe import RecipeError, load_recipe
    from compressors.record import METADATA_FILE

    try:  # fails before any work, naming the presets, on a typo
        recipe = load_recipe(study.path(variant.preset or ""))
    except RecipeError as err:
        raise ConfigError(f"variant {variant.label}: {err}") from None
    folder = study.checkpoint_dir(variant)

    def run() -> dict[str, Any]:
        from compressors.pipeline import compress
        from compressors.progress import ProgressDisplay, library_bars_hidden, quiet_libraries

        if not logger.isEnabledFor(logging.INFO):  # `acbench -v run` shows them
            quiet_libraries()
        with ProgressDisplay() as display, library_bars_hidden(True):
            result = compress(
                study.model_of(BASE_LABEL),
                recipe,
                folder,
                calibration=variant.calibration,
                dtype=variant.dtype,
                overwrite=True,  # a folder an interrupted run left is replaced, never trusted
                verify=variant.verify,
                progress=display.update,
                threads=study.config.threads,
            )
        return {"checkpoint": str(result.output_dir)}

    return Step(
        key=f"compress/{variant.label}",
        settings={
            "model": study.config.model,
            "recipe": recipe.to_dict(),
            "calibration": variant.calibration,
            "dtype": variant.dtype,
            "verify": variant.verify,
        },
        run=run,
        done_check=lambda outputs: (folder / METADATA_FILE).is_file(),
    )


CACHE_SOURCE = "source.txt"  # in eval/<label>/cache: which model the cached answers came from


def _prepare_cache(folder: Path, source: str, say: Callable[[str], None]) -> None:
    """Keep lm-eval's request cache only while it holds answers of this very model.

    The cache is keyed by request, not by model: after a variant is compressed again (other
    settings, same folder) its old answers must not be replayed."""
    cache = folder / "cache"
    marker = cache / CACHE_SOURCE
    if cache.exists():
        if marker.is_file() and marker.read_text(encoding="utf-8") == source:
            say("  resuming: answers already in lm-eval's request cache are reused")
        else:
            say("  the model changed since the request cache was written: cache dropped")
            shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True)
    marker.write_text(source, encoding="utf-8")


def _evaluate_step(
    study: Study, label: str, state: dict[str, Any], say: Callable[[str], None]
) -> Step:
    from acbench.evaluate import EvaluationRun

    settings = study.config.evaluate
    folder = study.eval_dir(label)
    compressed_here = label != BASE_LABEL and study.variant(label).preset is not None
    needs = (f"compress/{label}",) if compressed_here else ()

    def run() -> dict[str, Any]:
        from acbench.evaluate import EvaluationError, run_evaluation

        compressed = state["steps"].get(f"compress/{label}", {})
        _prepare_cache(folder, compressed.get("fingerprint") or study.model_of(label), say)
        evaluation = EvaluationRun(
            **{
                **settings.model_dump(),
                "model_args": {**settings.model_args, "pretrained": study.model_of(label)},
                "data_dir": study.path(settings.data_dir) if settings.data_dir else None,
                "output_path": folder,
                "threads": study.config.threads,
            }
        )
        try:
            outcome = run_evaluation(evaluation)
        except EvaluationError as err:
            raise PipelineError(str(err)) from None
        if outcome.results_file is None:
            raise PipelineError("lm-eval returned no results")
        return {"results": str(outcome.results_file)}

    model_identity = study.config.model if label == BASE_LABEL else study.model_of(label)
    return Step(
        key=f"evaluate/{label}",
        settings={"evaluate": settings.model_dump(), "model": model_identity},
        run=run,
        needs=needs,
        done_check=lambda outputs: Path(outputs.get("results", "")).is_file(),
    )


def _analyze_step(study: Study, variant: Variant) -> Step:
    settings = study.config.analyze
    assert settings is not None
    folder = study.analysis_dir(variant.label)
    needs = (f"compress/{variant.label}",) if variant.preset is not None else ()

    def run() -> dict[str, Any]:
        from acbench.analysis.runner import AnalysisError, analyze

        try:
            analyze(
                study.model_of(BASE_LABEL),
                study.model_of(variant.label),
                study.path(settings.texts) if settings.texts else None,
                settings=settings,
                output_dir=folder,
                progress=False,
            )
        except AnalysisError as err:
            raise PipelineError(str(err)) from None
        return {"analysis": str(folder / "analysis.json")}

    return Step(
        key=f"analyze/{variant.label}",
        settings={
            "analyze": settings.model_dump(),
            "base": study.config.model,
            "variant": study.model_of(variant.label),
        },
        run=run,
        needs=needs,
        done_check=lambda outputs: Path(outputs.get("analysis", "")).is_file(),
    )


def _compare_step(study: Study, state: dict[str, Any], say: Callable[[str], None]) -> Step:
    settings = study.config.compare
    variants = [v.label for v in study.config.variants]

    def run() -> dict[str, Any]:
        from acbench.compare.formats import format_csv, format_markdown
        from acbench_core.comparison import compare_runs

        runs = _load_runs(study, state)
        say(capability_table(runs))
        base = runs.pop(BASE_LABEL)
        if not runs:
            raise PipelineError("no variant was evaluated: nothing to compare")
        rows = compare_runs(
            base,
            list(runs.values()),
            n_resamples=settings.bootstrap,
            confidence=settings.confidence,
            seed=settings.seed,
        )
        markdown = study.output_dir / "comparison.md"
        markdown.write_text(format_markdown(rows, settings.confidence), encoding="utf-8")
        table = study.output_dir / "comparison.csv"
        table.write_text(format_csv(rows), encoding="utf-8")
        return {"markdown": str(markdown), "csv": str(table)}

    return Step(
        key="compare",
        settings={"compare": settings.model_dump()},
        run=run,
        needs=(f"evaluate/{BASE_LABEL}",),
        uses=tuple(f"evaluate/{label}" for label in variants),
        done_check=lambda outputs: Path(outputs.get("markdown", "")).is_file(),
    )


def _report_step(study: Study, state: dict[str, Any]) -> Step:
    settings = study.config.compare
    analyses = [f"analyze/{v.label}" for v in study.config.variants] if study.config.analyze else []

    def run() -> dict[str, Any]:
        from acbench.report import build_report

        write_manifest(study, state)
        files = build_report(
            study.output_dir,
            study.output_dir / "report",
            n_resamples=settings.bootstrap,
            confidence=settings.confidence,
            seed=settings.seed,
        )
        return {"html": str(files.html), "markdown": str(files.markdown)}

    return Step(
        key="report",
        settings={"compare": settings.model_dump()},
        run=run,
        needs=(f"evaluate/{BASE_LABEL}",),
        uses=(*(f"evaluate/{v.label}" for v in study.config.variants), *analyses),
        done_check=lambda outputs: Path(outputs.get("html", "")).is_file(),
    )


def _publish_step(study: Study, variant: Variant, state: dict[str, Any]) -> Step:
    settings = study.config.publish
    assert settings is not None
    repo_id = settings.repo_id.replace("{variant}", variant.label)
    folder = study.card_dir(variant.label)

    def run() -> dict[str, Any]:
        from hub_publish.publish import PublishError, publish

        steps = state["steps"]
        try:
            result = publish(
                study.checkpoint_dir(variant),
                [steps[f"evaluate/{variant.label}"]["outputs"]["results"]],
                repo_id,
                base_results=[steps[f"evaluate/{BASE_LABEL}"]["outputs"]["results"]],
                dry_run=settings.dry_run,
                output_dir=folder,
                include_partial=settings.include_partial,
                private=settings.private,
                create_pr=settings.create_pr,
            )
        except PublishError as err:
            raise PipelineError(str(err)) from None
        if result.dry_run:
            return {"card": str(folder / "README.md"), "repo_id": repo_id}
        return {"repo_id": repo_id, "commit": result.commit_url, "pr": result.pr_url}

    return Step(
        key=f"publish/{variant.label}",
        settings={"publish": settings.model_dump(), "repo_id": repo_id},
        run=run,
        needs=(f"evaluate/{variant.label}", f"evaluate/{BASE_LABEL}"),
        done_check=lambda outputs: not settings.dry_run or (folder / "README.md").is_file(),
    )


def capability_table(runs: dict[str, Any]) -> Any:
    """Capability scores ×100, overall and recovery per run (the first is the base): a rich
    table, short enough for a terminal; the per-task table is in comparison.md."""
    from rich.table import Table

    from acbench.report.scores import (
        capability_scores,
        order_capabilities,
        overall_recovery,
        overall_score,
    )

    scores = {label: capability_scores(run) for label, run in runs.items()}
    capabilities = order_capabilities(c for s in scores.values() for c in s)
    table = Table(title="Capability scores ×100 (recovery: overall vs the base)")
    for column in ("run", *capabilities, "overall", "recovery %"):
        table.add_column(column, justify="left" if column == "run" else "right")
    base = next(iter(scores.values()), {})
    for label, values in scores.items():
        overall = overall_score(values)
        recovered = overall_recovery(base, values) if values is not base else None
        table.add_row(
            label,
            *(f"{100 * values[c]:.1f}" if c in values else "" for c in capabilities),
            "" if overall is None else f"{100 * overall:.1f}",
            "" if recovered is None else f"{recovered:.1f}",
        )
    return table


def _load_runs(study: Study, state: dict[str, Any]) -> dict[str, Any]:
    """Label -> compare.Run for every evaluated run, base first."""
    from acbench_core.results import load_run

    runs = {}
    for label in study.labels:
        record = state["steps"].get(f"evaluate/{label}")
        if record and record.get("status") == "done":
            runs[label] = load_run(record["outputs"]["results"], label)
    return runs


def write_manifest(study: Study, state: dict[str, Any]) -> Path:
    """``acbench_run.json``: what ``acbench report`` reads to find each run's files."""
    steps = state["steps"]
    runs = []
    for label in study.labels:
        evaluated = steps.get(f"evaluate/{label}", {})
        analysed = steps.get(f"analyze/{label}", {})
        checkpoint = (
            None if label == BASE_LABEL else str(study.checkpoint_dir(study.variant(label)))
        )
        runs.append(
            {
                "label": label,
                "model": study.config.model if label == BASE_LABEL else checkpoint,
                "results": evaluated.get("outputs", {}).get("results")
                if evaluated.get("status") == "done"
                else None,
                "checkpoint": checkpoint,
                "analysis": str(study.analysis_dir(label))
                if analysed.get("status") == "done"
                else None,
            }
        )
    manifest = {
        "name": study.config.name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "base": BASE_LABEL,
        "runs": runs,
    }
    path = study.output_dir / MANIFEST_FILE
    write_json_atomic(path, manifest)
    return path


def _check_model_paths(study: Study) -> None:
    """Fail before any work when the base model or a given checkpoint is a missing folder
    (a Hub id or an ``acbench:`` alias is left to the step that loads it)."""
    given = [("model", study.config.model)]
    given += [
        (f"variant {v.label}: checkpoint", v.checkpoint)
        for v in study.config.variants
        if v.checkpoint is not None
    ]
    for what, value in given:
        local = looks_like_local_path(study.path(value))
        if local and not is_alias(value) and not Path(study.path(value)).is_dir():
            raise ConfigError(
                f"{what} {value} is not a folder (relative paths start at the config file's "
                f"folder, {study.root}); give a local checkpoint, a Hub id or acbench:smollm2"
            )


def _check_tasks(study: Study) -> None:
    """Fail before compressing anything when the evaluation names an unknown task."""
    from acbench.evaluate import EvaluationError, check_task_names

    try:
        check_task_names(study.config.evaluate)
    except EvaluationError as err:
        raise ConfigError(f"evaluate: {err}") from None


def plan(study: Study, state: dict[str, Any], say: Callable[[str], None]) -> list[Step]:
    """Every step of the study, in the order they run."""
    config = study.config
    _check_model_paths(study)
    _check_tasks(study)
    steps = [_compress_step(study, v) for v in config.variants if v.preset is not None]
    steps += [_evaluate_step(study, label, state, say) for label in study.labels]
    if config.analyze is not None:
        steps += [_analyze_step(study, v) for v in config.variants]
    steps.append(_compare_step(study, state, say))
    if config.report:
        steps.append(_report_step(study, state))
    if config.publish is not None:
        steps += [_publish_step(study, v, state) for v in config.variants if v.preset is not None]
    return steps


# ---- running -------------------------------------------------------------------------------


def run_pipeline(
    study: Study,
    *,
    say: Callable[[str], None] = print,
    force: tuple[str, ...] = (),
) -> PipelineResult:
    """Run every step not finished earlier with the same settings; see the module docstring.

    ``force``: step keys or prefixes (``evaluate``, ``compress/gptq-w4a16``) to run again.
    A ``KeyboardInterrupt`` propagates after the finished steps have been saved.
    """
    study.output_dir.mkdir(parents=True, exist_ok=True)
    (study.output_dir / "config.yaml").write_text(_config_yaml(study.config), encoding="utf-8")
    state = read_state(study.output_dir)
    records: dict[str, Any] = state["steps"]
    result = PipelineResult(study.output_dir)
    steps = plan(study, state, say)
    for number, step in enumerate(steps, 1):
        heading = f"[{number}/{len(steps)}] {step.key}"
        missing = [n for n in step.needs if records.get(n, {}).get("status") != "done"]
        if missing:
            result.outcomes.append(StepOutcome(step.key, "blocked", detail=f"needs {missing[0]}"))
            say(f"{heading}: not run, it needs {', '.join(missing)}")
            continue
        inputs = {
            name: records[name]["fingerprint"]
            for name in (*step.needs, *step.uses)
            if records.get(name, {}).get("status") == "done"
        }
        current = fingerprint(step.settings, inputs)
        record = records.get(step.key, {})
        forced = any(step.key == f or step.key.startswith(f + "/") for f in force)
        if (
            not forced
            and record.get("status") == "done"
            and record.get("fingerprint") == current
            and step.done_check(record.get("outputs", {}))
        ):
            when = record.get("finished", "earlier")
            say(f"{heading}: finished earlier ({when}) with the same settings, skipped")
            result.outcomes.append(StepOutcome(step.key, "skipped"))
            continue
        say(f"{heading} ...")
        records.pop(step.key, None)
        write_json_atomic(study.output_dir / STATE_FILE, state)
        started = time.perf_counter()
        try:
            outputs = step.run()
        except KeyboardInterrupt:
            say(
                f"{heading}: interrupted. Finished steps are kept; rerun the same command to "
                "resume (evaluation picks up from lm-eval's request cache)."
            )
            raise
        except Exception as err:  # one failed variant must not sink the others
            seconds = time.perf_counter() - started
            message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            logger.debug("%s failed:\n%s", step.key, traceback.format_exc())
            records[step.key] = {"status": "failed", "error": message, "fingerprint": current}
            write_json_atomic(study.output_dir / STATE_FILE, state)
            say(f"{heading}: FAILED after {seconds:.0f} s: {message}")
            result.outcomes.append(StepOutcome(step.key, "failed", seconds, message))
            continue
        seconds = time.perf_counter() - started
        records[step.key] = {
            "status": "done",
            "fingerprint": current,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(seconds, 1),
            "outputs": outputs,
        }
        write_json_atomic(study.output_dir / STATE_FILE, state)
        if step.key.startswith(("evaluate/", "analyze/")):
            write_manifest(study, state)
        say(f"{heading}: done in {seconds:.0f} s")
        result.outcomes.append(StepOutcome(step.key, "done", seconds))
    write_manifest(study, state)
    report = records.get("report", {})
    if report.get("status") == "done":
        result.report = Path(report["outputs"]["html"])
    for key, record in records.items():
        if key.startswith("publish/") and record.get("status") == "done":
            label, outputs = key.removeprefix("publish/"), record["outputs"]
            if outputs.get("card"):
                result.cards[label] = Path(outputs["card"])
            else:
                done = outputs.get("pr") or outputs.get("commit") or "unchanged, no new commit"
                result.published[label] = f"{outputs['repo_id']}: {done}"
    return result


def _config_yaml(config: PipelineConfig) -> str:
    """The config as run, every default filled in (kept next to the results)."""
    import yaml

    from acbench_core.secrets import masked

    return yaml.safe_dump(masked(config.model_dump(exclude_none=True)), sort_keys=False)
