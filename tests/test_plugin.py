"""The installed plugin: start-up hook, task discovery by lm-eval, model aliases, CLI basics."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from acbench_core.models import ModelNotFoundError, is_alias, resolve_model
from acbench_core.paths import tasks_path

WORKFLOW_TASKS = {
    f"acbench_workflow_{s}"
    for s in ("alfworld", "lumos", "os", "toolalpaca", "toolbench", "webshop", "wikihow")
}


def run(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def test_pth_file_is_installed_next_to_site_packages():
    import acbench._lmeval_hook as hook

    assert any(isinstance(f, hook._LmEvalPatcher) for f in sys.meta_path)


def test_hook_costs_under_5ms_at_start_up():
    result = run(sys.executable, "-X", "importtime", "-c", "pass")
    lines = [line for line in result.stderr.splitlines() if "acbench" in line]
    assert lines, "the start-up hook did not run"
    # "import time: self [us] | cumulative | name": the outermost acbench import is the last.
    cumulative = max(int(line.split("|")[1]) for line in lines)
    assert cumulative < 5000, lines
    assert "lm_eval" not in result.stderr  # lazy: nothing of lm-eval is imported


def test_task_manager_sees_our_tasks_without_include_path():
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_defaults=False)
    assert WORKFLOW_TASKS | {"acbench_workflow", "acbench"} <= set(manager.all_tasks)
    # Naming our folder explicitly too does not index it twice.
    again = TaskManager(include_defaults=False, include_path=str(tasks_path()))
    assert again.all_tasks == manager.all_tasks


def test_hook_can_be_switched_off():
    code = (
        "from lm_eval.tasks import TaskManager;"
        "print('acbench_workflow' in TaskManager(include_defaults=False).all_tasks)"
    )
    assert run(sys.executable, "-c", code).stdout.strip() == "True"
    off = run(sys.executable, "-c", code, env={"ACBENCH_DISABLE_LMEVAL_HOOK": "1"})
    assert off.stdout.strip() == "False", off.stderr[-2000:]
    explicit = (
        "from lm_eval.tasks import TaskManager; from acbench_core.paths import tasks_path;"
        "print('acbench_workflow' in TaskManager(include_defaults=False,"
        " include_path=str(tasks_path())).all_tasks)"
    )
    on_request = run(sys.executable, "-c", explicit, env={"ACBENCH_DISABLE_LMEVAL_HOOK": "1"})
    assert on_request.stdout.strip() == "True"


def test_tasks_path_command():
    result = run(sys.executable, "-m", "acbench", "tasks-path")
    path = Path(result.stdout.strip())
    assert path == tasks_path() and (path / "worfbench" / "acbench_workflow.yaml").is_file()


def test_version_prints_the_package_version(capsys):
    from acbench import __version__
    from acbench.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"acbench {__version__}"


def test_lm_eval_validate_and_ls_see_the_tasks():
    valid = run("lm_eval", "validate", "--tasks", "acbench_workflow,acbench_workflow_os")
    assert valid.returncode == 0 and "All tasks found and valid" in valid.stdout, valid.stderr
    listing = run("lm_eval", "ls", "tasks")
    assert listing.returncode == 0
    assert WORKFLOW_TASKS <= set(re.findall(r"acbench_workflow_\w+", listing.stdout))


def test_entry_point_is_declared():
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="lm_eval.tasks") if e.name == "acbench"]
    assert Path(entry.load().__file__).parent == tasks_path()


def test_model_aliases(smollm2_path):
    assert is_alias("acbench:smollm2") and not is_alias("HuggingFaceTB/SmolLM2-135M-Instruct")
    assert resolve_model("acbench:smollm2") == str(smollm2_path)
    assert (smollm2_path / "model.safetensors").is_file()
    assert resolve_model("/some/path") == "/some/path"
    with pytest.raises(ModelNotFoundError, match="acbench:smollm2"):
        resolve_model("acbench:gpt5")


def test_cli_reports_a_missing_model_path_in_one_line(tmp_path):
    result = run(
        sys.executable,
        "-m",
        "acbench",
        "eval",
        "--model-args",
        f"pretrained={tmp_path}/no-such-model",
        "--data-source",
        "sample",
        "--output-path",
        str(tmp_path),
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_cli_reports_unknown_tasks_and_bad_metadata(tmp_path):
    unknown = run(
        sys.executable,
        "-m",
        "acbench",
        "eval",
        "--tasks",
        "acbench_workflow_chess",
        "--output-path",
        str(tmp_path),
    )
    assert unknown.returncode == 2 and "acbench_workflow_os" in unknown.stderr
    bad = run(
        sys.executable,
        "-m",
        "acbench",
        "eval",
        "--metadata",
        "{oops",
        "--output-path",
        str(tmp_path),
    )
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr


def test_cli_explains_unavailable_data_in_one_line(tmp_path):
    # Offline, no local copy: the default (Hub) source fails with the three ways to get data.
    result = run(
        sys.executable,
        "-m",
        "acbench",
        "eval",
        "--tasks",
        "acbench_workflow_os",
        "--limit",
        "1",
        "--output-path",
        str(tmp_path),
    )
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("acbench: worfbench: could not fetch") and "data_source" in last
    assert "Traceback" not in result.stderr


def test_agent_tasks_are_wrapped_in_acbench_agent():
    from acbench.evaluate import EvaluationRun, _with_agent
    from acbench_core.catalog import needs_agent

    assert needs_agent(["acbench"]) and needs_agent(["acbench_realworld"])
    assert needs_agent(["acbench_workflow", "acbench_realworld_pddl"])
    assert not needs_agent(["acbench_workflow", "acbench_tool", "acbench_longcontext"])
    args = {"pretrained": "/m", "dtype": "float32"}
    run = EvaluationRun(model="vllm", tasks=["acbench_realworld_pddl"])
    assert _with_agent(run, args) == ("acbench-agent", {"model": "vllm", **args})
    plain = EvaluationRun(model="hf", tasks=["acbench_workflow"])
    assert _with_agent(plain, args) == ("hf", args)
    wrapped = EvaluationRun(model="acbench-agent", tasks=["acbench"])
    assert _with_agent(wrapped, {"model": "hf", **args}) == (
        "acbench-agent",
        {"model": "hf", **args},
    )


def test_per_task_limits_pick_the_first_documents():
    from types import SimpleNamespace

    from acbench.evaluate import first_docs

    def task(n):
        return SimpleNamespace(eval_docs=list(range(n)))

    from lm_eval.api.group import ConfigurableGroup

    group = ConfigurableGroup(config={"group": "grp"})
    tree = {"a": task(10), group: {"b": task(4), "c": task(3)}, "niah": task(6)}
    # global limit 2; the group gets 3 (one of its tasks has only 3), niah all of its documents
    assert first_docs(tree, 2, {"grp": 3, "niah": None}) == {
        "a": [0, 1],
        "b": [0, 1, 2],
        "c": [0, 1, 2],
    }
    # a task's own entry beats its group's; fractions round up as lm-eval's --limit does
    assert first_docs(tree, None, {"grp": 0.5, "c": 1}) == {"b": [0, 1], "c": [0]}
    assert first_docs(tree, None, {}) == {}


def test_lm_evals_repeated_metadata_hint_is_dropped_unless_verbose():
    import logging

    from acbench.cli import _drop_metadata_hint

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("lm_eval.api.task", logging.WARNING, "", 0, message, None, None)

    hint = "acbench_niah: Custom kwargs can be passed to `--metadata` in console (as json string)"
    assert not _drop_metadata_hint(record(hint))
    assert _drop_metadata_hint(record("acbench_niah: dataset not found"))


def test_cli_checks_task_limits(tmp_path, capsys):
    from acbench.cli import main

    for bad in ('{"acbench_niah": 0}', '["acbench_niah"]', '{"acbench_niah": "all"}', "{oops"):
        assert main(["eval", "--task-limits", bad, "--output-path", str(tmp_path)]) == 2
        assert "--task-limits" in capsys.readouterr().err
    unknown = ["eval", "--task-limits", '{"acbench_chess": 2}', "--output-path", str(tmp_path)]
    assert main(unknown) == 2
    assert "task_limits names unknown task(s): acbench_chess" in capsys.readouterr().err


def test_samples_with_a_lone_surrogate_are_all_saved(tmp_path: Path) -> None:
    """lm-eval alone writes an empty samples file when one answer holds a lone surrogate."""
    from lm_eval.loggers import EvaluationTracker

    from acbench.lm_eval_integration import apply_patches

    apply_patches()
    tracker = EvaluationTracker(output_path=str(tmp_path))
    tracker.general_config_tracker.model_name_sanitized = "model"
    tracker.date_id = "2026-12-03T00-00-00"  # set by save_results_aggregated in a run

    def sample(doc_id: int, answer: str) -> dict:
        return {
            "doc_id": doc_id,
            "arguments": [["prompt", {}]],
            "resps": [[answer]],
            "filtered_resps": [answer],
            "target": "gold",
        }

    samples = [sample(0, "fine"), sample(1, "bad \ud800 answer"), sample(2, "after")]
    tracker.save_results_samples("task", samples)
    (path,) = tmp_path.glob("model/samples_task_*.jsonl")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [x["doc_id"] for x in lines] == [0, 1, 2]
    assert lines[1]["filtered_resps"] == ["bad \ufffd answer"]
    assert samples[1]["filtered_resps"] == ["bad \ud800 answer"]  # the caller keeps its own
