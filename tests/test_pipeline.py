"""``acbench run``: config checks, step skipping, resume after an interruption, failed variants.

The step bodies (compression, lm-eval, analysis) are replaced by small fakes that write what
the real ones write, so these tests check the pipeline's own logic in well under a second each;
``test_pipeline_e2e.py`` runs the real steps on a tiny model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from results_fixtures import write_run

import acbench.analysis.runner
import acbench.evaluate
import compressors.pipeline
import compressors.record
from acbench.cli import main
from acbench.evaluate import EvaluationResult, EvaluationRun
from acbench.pipeline import ConfigError, Study, load_config, parse_config, run_pipeline
from acbench.pipeline.cli import DEMO_CONFIG
from acbench.pipeline.runner import MANIFEST_FILE, STATE_FILE, fingerprint, read_state
from acbench_core.catalog import capability_of

SCORES = {"base": [1.0, 1.0, 0.0, 1.0], "rtn-w4a16": [1.0, 0.0, 0.0, 1.0]}


def _config(**overrides: Any) -> dict[str, Any]:
    config = {
        "name": "study",
        "model": "org/base-model",
        "variants": [{"preset": "rtn-w4a16"}, {"preset": "magnitude-50", "name": "mag"}],
        "evaluate": {"tasks": ["acbench_teval_reason"], "data_source": "sample", "limit": 4},
        "analyze": {"max_texts": 2},
        "compare": {"bootstrap": 200},
        "report": False,
    }
    config.update(overrides)
    return config


class Fakes:
    """Stand-ins for the heavy step bodies; they record their calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        self.interrupt: set[str] = set()
        self.fail: set[str] = set()
        monkeypatch.setattr(compressors.pipeline, "compress", self.compress)
        monkeypatch.setattr(acbench.evaluate, "run_evaluation", self.run_evaluation)
        monkeypatch.setattr(acbench.analysis.runner, "analyze", self.analyze)

    def _enter(self, key: str) -> None:
        self.calls.append(key)
        if key in self.interrupt:
            raise KeyboardInterrupt
        if key in self.fail:
            raise RuntimeError(f"{key} broke\nsecond line")

    def compress(self, model: str, recipe: Any, folder: Path, **kwargs: Any) -> Any:
        self._enter(f"compress/{folder.name}")
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"method": recipe.name, "base_model": {"name": model}}
        (folder / compressors.record.METADATA_FILE).write_text(json.dumps(meta))
        return compressors.pipeline.CompressionResult(folder, meta)

    def run_evaluation(self, run: EvaluationRun) -> EvaluationResult:
        label = Path(run.output_path).name
        self._enter(f"evaluate/{label}")
        scores = SCORES.get(label, [0.0, 1.0, 0.0, 0.0])
        tasks = {task: {"score": scores} for task in run.tasks}
        path = write_run(Path(run.output_path), run.model_args["pretrained"], tasks)
        return EvaluationResult(json.loads(path.read_text()), path)

    def analyze(self, base: str, compressed: str, texts: Any, **kwargs: Any) -> dict[str, Any]:
        folder = Path(kwargs["output_dir"])
        self._enter(f"analyze/{folder.name}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "analysis.json").write_text("{}")
        return {}


def _study(tmp_path: Path, **overrides: Any) -> Study:
    return Study.create(parse_config(_config(**overrides)), tmp_path, tmp_path / "out")


def _run(study: Study) -> tuple[Any, list[str]]:
    lines: list[str] = []
    result = run_pipeline(study, say=lambda text: lines.append(str(text)))
    return result, lines


ALL_STEPS = [
    "compress/rtn-w4a16",
    "compress/mag",
    "evaluate/base",
    "evaluate/rtn-w4a16",
    "evaluate/mag",
    "analyze/rtn-w4a16",
    "analyze/mag",
]


def test_first_run_does_every_step_in_order(tmp_path: Path, monkeypatch) -> None:
    fakes = Fakes(monkeypatch)
    result, _ = _run(_study(tmp_path))
    assert result.ok
    assert fakes.calls == ALL_STEPS
    assert [o.key for o in result.outcomes] == [*ALL_STEPS, "compare"]
    # the variants were evaluated on their own checkpoints
    manifest = json.loads((tmp_path / "out" / MANIFEST_FILE).read_text())
    runs = {r["label"]: r for r in manifest["runs"]}
    assert runs["base"]["model"] == "org/base-model" and runs["base"]["checkpoint"] is None
    assert runs["mag"]["checkpoint"] == str(tmp_path / "out" / "checkpoints" / "mag")
    assert all(Path(r["results"]).is_file() for r in runs.values())
    assert Path(runs["mag"]["analysis"], "analysis.json").is_file()
    # compare: base 3/4, rtn 2/4 -> 25 points drop, recovery 2/3
    rows = (tmp_path / "out" / "comparison.csv").read_text().splitlines()
    header = rows[0].split(",")
    rtn = dict(zip(header, next(r for r in rows if "rtn-w4a16" in r).split(","), strict=True))
    assert float(rtn["base"]) == pytest.approx(0.75)
    assert float(rtn["compressed"]) == pytest.approx(0.5)
    assert (tmp_path / "out" / "config.yaml").is_file()


def test_rerun_skips_finished_steps_and_says_so(tmp_path: Path, monkeypatch) -> None:
    fakes = Fakes(monkeypatch)
    _run(_study(tmp_path))
    fakes.calls.clear()
    result, lines = _run(_study(tmp_path))
    assert fakes.calls == []
    assert all(o.status == "skipped" for o in result.outcomes)
    assert sum("finished earlier" in line and "skipped" in line for line in lines) == 8


def test_resume_after_an_interrupted_evaluation(tmp_path: Path, monkeypatch) -> None:
    fakes = Fakes(monkeypatch)
    fakes.interrupt = {"evaluate/rtn-w4a16"}
    with pytest.raises(KeyboardInterrupt):
        _run(_study(tmp_path))
    state = read_state(tmp_path / "out")["steps"]
    assert {k for k, v in state.items() if v["status"] == "done"} == {
        "compress/rtn-w4a16",
        "compress/mag",
        "evaluate/base",
    }
    fakes.interrupt.clear()
    fakes.calls.clear()
    result, lines = _run(_study(tmp_path))
    assert result.ok
    assert fakes.calls == ALL_STEPS[3:]  # compression and the base evaluation are not redone
    assert any("evaluate/base: finished earlier" in line for line in lines)


def test_changed_settings_rerun_only_what_depends_on_them(tmp_path: Path, monkeypatch) -> None:
    fakes = Fakes(monkeypatch)
    _run(_study(tmp_path))
    fakes.calls.clear()
    evaluate = {"tasks": ["acbench_teval_reason"], "data_source": "sample", "limit": 2}
    _run(_study(tmp_path, evaluate=evaluate))
    assert fakes.calls == ["evaluate/base", "evaluate/rtn-w4a16", "evaluate/mag"]
    fakes.calls.clear()
    variants = [
        {"preset": "rtn-w4a16", "calibration": {"seed": 1}},
        {"preset": "magnitude-50", "name": "mag"},
    ]
    _run(_study(tmp_path, evaluate=evaluate, variants=variants))
    assert fakes.calls == ["compress/rtn-w4a16", "evaluate/rtn-w4a16", "analyze/rtn-w4a16"]


def test_lost_outputs_and_force_run_a_step_again(tmp_path: Path, monkeypatch) -> None:
    fakes = Fakes(monkeypatch)
    _run(_study(tmp_path))
    fakes.calls.clear()
    (tmp_path / "out" / "analysis" / "mag" / "analysis.json").unlink()
    _run(_study(tmp_path))
    assert fakes.calls == ["analyze/mag"]
    fakes.calls.clear()
    run_pipeline(_study(tmp_path), say=lambda text: None, force=("evaluate",))
    assert fakes.calls == ["evaluate/base", "evaluate/rtn-w4a16", "evaluate/mag"]


def test_a_failed_variant_blocks_only_its_own_steps(tmp_path: Path, monkeypatch) -> None:
    fakes = Fakes(monkeypatch)
    fakes.fail = {"compress/rtn-w4a16"}
    result, lines = _run(_study(tmp_path))
    assert not result.ok
    status = {o.key: o.status for o in result.outcomes}
    assert status["compress/rtn-w4a16"] == "failed"
    assert status["evaluate/rtn-w4a16"] == status["analyze/rtn-w4a16"] == "blocked"
    assert status["evaluate/mag"] == status["compare"] == "done"
    assert any("FAILED" in line and "compress/rtn-w4a16 broke" in line for line in lines)
    assert not any("second line" in line for line in lines)
    # fixed: the rerun does only the failed variant's steps and the comparison
    fakes.fail.clear()
    fakes.calls.clear()
    result, _ = _run(_study(tmp_path))
    assert result.ok
    assert fakes.calls == ["compress/rtn-w4a16", "evaluate/rtn-w4a16", "analyze/rtn-w4a16"]


def test_existing_checkpoint_variants_are_evaluated_not_compressed(
    tmp_path: Path, monkeypatch
) -> None:
    fakes = Fakes(monkeypatch)
    (tmp_path / "my-awq").mkdir()
    study = _study(tmp_path, variants=[{"checkpoint": "my-awq"}], analyze=False)
    result, _ = _run(study)
    assert result.ok
    assert fakes.calls == ["evaluate/base", "evaluate/my-awq"]
    manifest = json.loads((tmp_path / "out" / MANIFEST_FILE).read_text())
    assert manifest["runs"][1]["model"] == str((tmp_path / "my-awq").resolve())


def test_fingerprint_depends_on_settings_and_inputs() -> None:
    a = fingerprint({"x": 1}, {"compress/a": "f1"})
    assert a == fingerprint({"x": 1}, {"compress/a": "f1"})
    assert a != fingerprint({"x": 2}, {"compress/a": "f1"})
    assert a != fingerprint({"x": 1}, {"compress/a": "f2"})


def test_unreadable_state_means_everything_runs(tmp_path: Path, monkeypatch) -> None:
    fakes = Fakes(monkeypatch)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / STATE_FILE).write_text("{truncated")
    result, _ = _run(_study(tmp_path))
    assert result.ok and fakes.calls == ALL_STEPS


# ---- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"evaluate": {"task": ["x"]}}, "evaluate.tasks: Field required"),
        ({"evaluate": {"tasks": []}}, "evaluate.tasks"),
        ({"variants": [{"preset": "a", "checkpoint": "b"}]}, "exactly one of"),
        ({"variants": [{"preset": "a"}, {"preset": "a"}]}, "repeated: a"),
        ({"variants": [{"preset": "x", "name": "base"}]}, "other than 'base'"),
        ({"compare": {"confidence": 1.5}}, "compare.confidence"),
        ({"anlyze": {}}, "anlyze: Extra inputs are not permitted"),
        ({"name": "a b"}, "file-name-safe"),
    ],
)
def test_bad_configs_name_the_setting(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_config(_config(**change))


def test_analyze_can_be_switched_off_or_on() -> None:
    assert parse_config(_config(analyze=False)).analyze is None
    assert parse_config(_config(analyze=True)).analyze.max_texts == 50


def test_unknown_preset_fails_before_any_work(tmp_path: Path, monkeypatch) -> None:
    fakes = Fakes(monkeypatch)
    with pytest.raises(ValueError, match="gptq-w3"):
        _run(_study(tmp_path, variants=[{"preset": "gptq-w3"}]))
    assert fakes.calls == []


def test_config_files(tmp_path: Path) -> None:
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(_config(output_dir="results-here")))
    config, root = load_config(path)
    assert Study.create(config, root).output_dir == tmp_path / "results-here"
    path.write_text("name: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    path.write_text("- a list")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(path)


def test_demo_config_covers_all_four_capabilities_offline() -> None:
    config, _ = load_config(DEMO_CONFIG)
    assert config.model == "acbench:smollm2"
    assert len([v for v in config.variants if v.preset]) == 2
    assert config.evaluate.data_source == "sample"
    covered = {capability_of(task) for task in config.evaluate.tasks}
    assert covered == {"workflow", "tool use", "long context", "real-world"}
    assert config.publish is not None and config.publish.dry_run
    for variant in config.variants:  # offline calibration data only
        assert variant.calibration is None or variant.calibration.get("dataset") == "sample"


def test_cli_reports_config_errors(tmp_path: Path, capsys) -> None:
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(_config(evaluate={})))
    assert main(["run", str(path)]) == 2
    assert "evaluate.tasks" in capsys.readouterr().err
    assert main(["demo", "--show-config"]) == 0
    assert "acbench:smollm2" in capsys.readouterr().out


def test_task_limits_reach_the_evaluation(tmp_path: Path, monkeypatch) -> None:
    seen: list[EvaluationRun] = []
    fakes = Fakes(monkeypatch)

    def record(run: EvaluationRun) -> EvaluationResult:
        seen.append(run)
        return fakes.run_evaluation(run)

    monkeypatch.setattr(acbench.evaluate, "run_evaluation", record)
    evaluate = {"tasks": ["acbench_niah"], "limit": 2, "task_limits": {"acbench_niah": None}}
    _run(_study(tmp_path, evaluate=evaluate, analyze=False))
    assert {(r.limit, tuple(r.task_limits.items())) for r in seen} == {
        (2, (("acbench_niah", None),))
    }
    with pytest.raises(ConfigError, match="limits must be positive"):
        parse_config(_config(evaluate={"tasks": ["x"], "task_limits": {"x": 0}}))


def test_capability_table_by_hand(tmp_path: Path) -> None:
    from rich.console import Console

    from acbench.pipeline.runner import capability_table
    from acbench_core.results import load_run

    base = write_run(tmp_path / "b", "base", {"acbench_niah": {"score": [1.0, 0.5]}})
    variant = write_run(tmp_path / "v", "v", {"acbench_niah": {"score": [0.5, 0.25]}})
    runs = {"base": load_run(base), "v": load_run(variant)}
    console = Console(width=120, record=True)
    console.print(capability_table(runs))
    text = console.export_text()
    assert "long context" in text
    base_row = next(line for line in text.splitlines() if "base" in line and "75.0" in line)
    assert base_row.count("75.0") == 2  # the capability and the overall
    v_row = next(line for line in text.splitlines() if line.strip().startswith("│ v"))
    assert "37.5" in v_row and "50.0" in v_row  # overall 37.5, recovery 50 %


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "./no-such-model"}, "model ./no-such-model is not a folder"),
        ({"model": "/no/such/model"}, "model /no/such/model is not a folder"),
        ({"variants": [{"checkpoint": "./gone"}]}, "variant gone: checkpoint ./gone is not"),
        (
            {"evaluate": {"tasks": ["acbench_teval_reasn"], "data_source": "sample"}},
            "evaluate: unknown task.s. acbench_teval_reasn",
        ),
        (
            {"evaluate": {"tasks": ["acbench_niah"], "task_limits": {"acbench_nia": 2}}},
            "task_limits names unknown task.s.: acbench_nia",
        ),
    ],
)
def test_missing_models_and_unknown_tasks_fail_before_any_work(
    tmp_path: Path, monkeypatch, change: dict[str, Any], message: str
) -> None:
    fakes = Fakes(monkeypatch)
    with pytest.raises(ConfigError, match=message):
        _run(_study(tmp_path, **change))
    assert fakes.calls == []


def test_hub_ids_and_aliases_are_not_taken_for_folders(tmp_path: Path, monkeypatch) -> None:
    Fakes(monkeypatch)
    for model in ("gpt2", "org/model", "acbench:smollm2"):
        result, _ = _run(_study(tmp_path / model.replace(":", "_"), model=model, analyze=False))
        assert result.ok


def test_a_recompressed_variant_does_not_replay_its_old_cached_answers(
    tmp_path: Path, monkeypatch
) -> None:
    Fakes(monkeypatch)
    _run(_study(tmp_path, analyze=False))
    stale = tmp_path / "out" / "eval" / "rtn-w4a16" / "cache" / "answers_rank0.db"
    stale.write_text("answers of the first checkpoint")
    kept = tmp_path / "out" / "eval" / "mag" / "cache" / "answers_rank0.db"
    kept.write_text("answers of mag, unchanged")
    variants = [
        {"preset": "rtn-w4a16", "calibration": {"seed": 1}},
        {"preset": "magnitude-50", "name": "mag"},
    ]
    _, lines = _run(_study(tmp_path, analyze=False, variants=variants))
    assert not stale.exists() and kept.exists()
    assert any("the model changed since the request cache was written" in line for line in lines)
    # evaluating the same checkpoint again keeps its cache and says so
    lines.clear()
    study = _study(tmp_path, analyze=False, variants=variants)
    run_pipeline(study, say=lambda text: lines.append(str(text)), force=("evaluate/mag",))
    assert kept.exists()
    assert "  resuming: answers already in lm-eval's request cache are reused" in lines
