"""Compression end to end on the bundled SmolLM2-135M-Instruct (CPU).

The e2e test (CI) runs the data-free RTN preset through the API; the slow ones run the
`acbench compress` command with a calibrated preset and then the WorfBench lm-eval command on the
checkpoint, exactly as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compressors import compress

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@pytest.mark.e2e
def test_rtn_on_smollm2(smollm2_path: Path, tmp_path: Path) -> None:
    result = compress(str(smollm2_path), "rtn-w4a16", tmp_path / "rtn")
    meta = result.metadata
    # SmolLM2's hidden size 576 is not a multiple of the paper's group size 128
    assert meta["steps"][0]["resolved"]["group_size"] == 64
    assert meta["quantization"]["linear_weights"]["ratio_vs_bf16"] >= 3.5
    check = meta["verification"]
    assert check["perplexity_base"] < check["perplexity_compressed"] < 4 * check["perplexity_base"]


def _compress_then_evaluate(method: str, tmp_path: Path) -> tuple[dict, dict]:
    out = tmp_path / method
    command = [sys.executable, "-m", "acbench", "compress", "--method", method, "--out", str(out)]
    command += ["--calibration", "sample", "--num-samples", "8", "--max-seq-length", "128"]
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{method}: {out}" in done.stdout
    meta = json.loads((out / "acbench_compression.json").read_text())
    results = tmp_path / "results"
    evaluate = [
        "lm_eval",
        "--tasks",
        "acbench_workflow_os",
        "--model",
        "hf",
        "--model_args",
        f"pretrained={out}",
        "--metadata",
        '{"data_source":"sample"}',
        "--limit",
        "1",
        "--gen_kwargs",
        "max_gen_toks=32",
        "--output_path",
        str(results),
    ]
    done = subprocess.run(evaluate, env=ENV, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    (result_file,) = results.rglob("results_*.json")
    return meta, json.loads(result_file.read_text())["results"]["acbench_workflow_os"]


@pytest.mark.slow
def test_gptq_w4a16_smollm2_then_worfbench(tmp_path: Path) -> None:
    meta, scores = _compress_then_evaluate("gptq-w4a16", tmp_path)
    assert meta["quantization"]["schemes"][0]["bits"] == 4
    assert "graph_f1,none" in scores


@pytest.mark.slow
def test_wanda_2of4_smollm2_then_worfbench(tmp_path: Path) -> None:
    meta, scores = _compress_then_evaluate("wanda-2of4", tmp_path)
    assert meta["sparsity"]["2:4_conforms"] is True
    assert abs(meta["sparsity"]["sparsity"] - 0.5) <= 0.01
    assert "graph_f1,none" in scores
