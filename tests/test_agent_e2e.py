"""End-to-end: ``lm_eval --tasks acbench_realworld --model acbench-agent`` on SmolLM2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

METRICS = ("progress_rate,none", "success_rate,none", "grounding_accuracy,none", "env_error,none")


def _lm_eval(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    command = [sys.executable, "-m", "lm_eval", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.e2e
def test_realworld_group_runs_offline_and_logs_trajectories(smollm2_path, tmp_path):
    # One problem per environment and one step each: the full loop, kept CI-sized.
    run = _lm_eval(
        "--tasks", "acbench_realworld,acbench_realworld_alfworld",
        "--model", "acbench-agent",
        "--model_args", "model=hf,pretrained=acbench:smollm2",
        "--limit", "1",
        "--metadata", json.dumps({"data_source": "sample", "max_steps": 1}),
        "--log_samples", "--output_path", str(tmp_path),
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(next(tmp_path.rglob("results_*.json")).read_text())
    group = results["groups"]["acbench_realworld"]
    paper_envs = ["jericho", "pddl", "tool_query", "tool_operation", "scienceworld"]
    rates = [results["results"][f"acbench_realworld_{e}"]["progress_rate,none"] for e in paper_envs]
    assert group["progress_rate,none"] == pytest.approx(sum(rates) / 5)  # AlfWorld not in it
    tasks = [name for name in results["results"] if name.startswith("acbench_realworld_")]
    assert sorted(tasks) == [
        "acbench_realworld_alfworld",
        "acbench_realworld_jericho",
        "acbench_realworld_pddl",
        "acbench_realworld_scienceworld",
        "acbench_realworld_tool_operation",
        "acbench_realworld_tool_query",
    ]
    for name in tasks:
        assert all(metric in results["results"][name] for metric in METRICS), name
        assert results["results"][name]["env_error,none"] == 0.0, name
        sample = json.loads(
            next(tmp_path.rglob(f"samples_{name}_*.jsonl")).read_text().splitlines()[0]
        )
        transcript = sample["resps"][0][0]
        assert transcript.startswith("Environment: ") and "[1] Action: " in transcript
        assert sample["steps"] == 1.0
        metadata = results["configs"][name]["metadata"]
        assert metadata["protocol"] == "acbench" and metadata["problem_set"] == "sample"
        assert metadata["comparable_with_paper"] is False


def test_plain_backend_stops_with_the_agent_command(tmp_path):
    # lm-eval's dummy model stands in for any backend that is not wrapped (no model to load)
    run = _lm_eval(
        "--tasks", "acbench_realworld_tool_query",
        "--model", "dummy",
        "--limit", "1",
        "--metadata", json.dumps({"data_source": "sample"}),
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode != 0
    assert "--model acbench-agent --model_args model=" in run.stderr
