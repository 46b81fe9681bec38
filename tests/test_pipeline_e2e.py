"""``acbench run`` for real on a tiny random Llama: compress, evaluate, analyze, compare, report,
dry-run model cards; then an evaluation interrupted mid-way resumes from lm-eval's cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from agentboard_fixtures import CHAT_TEMPLATES
from huggingface_hub import ModelCard

from acbench.cli import main
from acbench.pipeline.runner import MANIFEST_FILE, STATE_FILE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore:You passed `quantization_config`:UserWarning"),
]


def _write_config(
    folder: Path, model: Path, tasks: list[str], task_limits: dict | None = None, **extra
) -> Path:
    config = {
        "name": "tiny",
        "model": str(model),
        "threads": 1,
        "variants": [{"preset": "magnitude-50", "name": "mag"}, {"preset": "rtn-w4a16"}],
        "evaluate": {
            "tasks": tasks,
            "data_source": "sample",
            "limit": 2,
            "max_gen_toks": 8,
            "task_limits": task_limits or {},
            "metadata": {"context_lengths": [400], "depth_percents": [0, 50, 100], "max_steps": 2},
        },
        "compare": {"bootstrap": 200},
        **extra,
    }
    # The tiny model's path names "llama": under the default protocol the agent then uses
    # ACBench's hand-written Llama wrapper, read from a local copy of prompt_template.py.
    templates = folder / "prompt_template.py"
    templates.write_text(CHAT_TEMPLATES)
    config["evaluate"]["metadata"]["chat_templates_file"] = str(templates)
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_whole_pipeline_on_a_tiny_model(tiny_llama: Path, tmp_path: Path, capsys) -> None:
    config = _write_config(
        tmp_path,
        tiny_llama,
        ["acbench_teval_reason", "acbench_niah", "acbench_realworld_tool_query"],
        task_limits={"acbench_niah": None},  # the whole 1 x 3 grid; 2 records of the others
        analyze={"texts": "sample", "max_texts": 2, "max_tokens": 64, "topk_sequences": 2},
        publish={"repo_id": "me/tiny-{variant}", "dry_run": True, "include_partial": True},
    )
    out = tmp_path / "out"
    assert main(["run", str(config), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Report:" in printed and "Model card (mag, dry run)" in printed

    state = json.loads((out / STATE_FILE).read_text())["steps"]
    assert all(step["status"] == "done" for step in state.values())
    assert len(state) == 2 + 3 + 2 + 1 + 1 + 2
    # agent tasks were run through acbench-agent, and their energy and tokens were metered
    results = json.loads(Path(state["evaluate/base"]["outputs"]["results"]).read_text())
    assert results["config"]["model"] == "acbench-agent"
    agent = results["energy"]["tasks"]["acbench_realworld_tool_query"]
    assert agent["status"] == "measured" and agent["generated_tokens"] > 0
    assert set(results["results"]) >= {"acbench_teval_reason", "acbench_niah"}
    assert results["n-samples"]["acbench_niah"]["effective"] == 3
    assert results["n-samples"]["acbench_teval_reason"]["effective"] == 2
    # the report and the cards
    html = (out / "report" / "report.html").read_text()
    assert "data:image/png;base64," in html and "mag" in html and "rtn-w4a16" in html
    assert (out / "report" / "report.md").is_file()
    card = ModelCard.load(out / "cards" / "mag" / "README.md")
    assert "pruned" in card.data.tags and card.data.eval_results  # partial scores included
    assert str(tiny_llama) in card.text  # a local base is named, not linked as a Hub id
    assert (out / "analysis" / "rtn-w4a16" / "analysis.json").is_file()
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    assert [r["label"] for r in manifest["runs"]] == ["base", "mag", "rtn-w4a16"]

    # a second run redoes nothing
    assert main(["run", str(config), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("with the same settings, skipped") == len(state)


def test_interrupted_evaluation_resumes_from_the_request_cache(
    tiny_llama: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    from lm_eval.models.huggingface import HFLM

    config = _write_config(tmp_path, tiny_llama, ["acbench_teval_reason", "acbench_niah"])
    config_data = yaml.safe_load(config.read_text())
    config_data.update(variants=[{"preset": "magnitude-50", "name": "mag"}], analyze=False)
    config_data.update(report=False)
    config.write_text(yaml.safe_dump(config_data))
    out = tmp_path / "out"
    original = HFLM._model_generate
    calls: dict[str, int] = {}

    def generate(self, *args, **kwargs):
        model = "mag" if "checkpoints" in str(self.model.config._name_or_path) else "base"
        calls[model] = calls.get(model, 0) + 1
        if interrupt and model == "mag" and calls[model] == 2:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HFLM, "_model_generate", generate)
    interrupt = True
    assert main(["run", str(config), "--output", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().out
    assert calls == {"base": 4, "mag": 2}  # 2 T-Eval records + 2 NIAH cells per model

    interrupt = False
    calls.clear()
    assert main(["run", str(config), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "compress/mag: finished earlier" in printed
    assert "evaluate/base: finished earlier" in printed
    assert "resuming" in printed
    assert calls == {"mag": 3}  # the answer given before the interruption came from the cache
    results = json.loads(
        Path(
            json.loads((out / STATE_FILE).read_text())["steps"]["evaluate/mag"]["outputs"][
                "results"
            ]
        ).read_text()
    )
    assert results["n-samples"]["acbench_niah"]["effective"] == 2
