"""T-Eval end to end on the bundled SmolLM2 with the sample data: the literal lm_eval command
for the whole acbench_tool group, with the model's chat template (generation capped)."""

from __future__ import annotations

import json

import pytest
from lm_eval_runs import run_lm_eval

pytestmark = pytest.mark.e2e

DIMENSIONS = ("instruct", "plan", "reason", "retrieve", "understand", "review")


def test_acbench_tool_group_on_smollm2(tmp_path, smollm2_path):
    run = run_lm_eval(
        "--tasks", "acbench_tool", "--model", "hf", "--model_args", f"pretrained={smollm2_path}",
        "--apply_chat_template", "--metadata", '{"data_source": "sample"}', "--limit", "2",
        "--gen_kwargs", "max_gen_toks=16", "--log_samples", output=tmp_path,
    )  # fmt: skip
    results = run.results
    scores = []
    for dimension in DIMENSIONS:
        task = f"acbench_teval_{dimension}"
        assert results["n-samples"][task]["effective"] == 2
        score = results["results"][task]["score,none"]
        assert 0.0 <= score <= 1.0
        scores.append(score)
        assert f"acbench_teval_{dimension}" in run.stdout  # printed in the table
    # the overall score is the plain mean of the six dimension scores
    assert results["groups"]["acbench_tool"]["score,none"] == pytest.approx(sum(scores) / 6)
    scoring = results["configs"]["acbench_teval_plan"]["metadata"]["scoring"]
    assert scoring == {"embedding_model": "sentence-transformers/all-MiniLM-L6-v2", "mode": "exact"}
    (samples,) = tmp_path.glob("*/samples_acbench_teval_reason_*.jsonl")
    prompts = [
        json.loads(line)["arguments"]["gen_args_0"]["arg_0"]
        for line in samples.read_text().splitlines()
    ]
    assert all(p.endswith("<|im_start|>assistant\n") for p in prompts)
    assert any("<|im_start|>function\n" in p for p in prompts)  # upstream roles kept
