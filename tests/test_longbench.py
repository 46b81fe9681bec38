"""LongBench: upstream scorers, prompts, middle truncation, data loading, chat/no-chat prompts."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from acbench_core.data_sources import DataSourceError
from acbench_tasks.common.long_context import (
    TokenizerUnavailableError,
    count_tokens,
    load_tokenizer,
    middle_truncate,
    model_max_length,
    prompt_budget,
    tokenizer_name,
)
from acbench_tasks.longbench import longbench as lb
from acbench_tasks.longbench.samples import sample_records


@pytest.fixture(scope="module")
def smol_tokenizer(smollm2_path: Path):
    return load_tokenizer({"pretrained": str(smollm2_path)})


# ----------------------------------------------------------------------------- scorers
def test_qa_f1_hand_computed() -> None:
    # "the" is an article and dropped; tokens: cat sat | cat → P 1/2, R 1 → F1 2/3.
    assert lb.score_prediction("narrativeqa", "The cat sat.", ["the cat"]) == pytest.approx(2 / 3)
    assert lb.score_prediction("hotpotqa", "Port Ellery", ["port ellery"]) == 1.0
    assert lb.score_prediction("hotpotqa", "nowhere", ["Port Ellery"]) == 0.0


def test_best_reference_counts() -> None:
    answers = ["a dog", "the black cat", "cat"]
    assert lb.score_prediction("triviaqa", "cat", answers) == 1.0
    assert lb.score_prediction("qasper", "black cat", answers) == 1.0


def test_empty_and_missing_predictions_score_zero() -> None:
    for subset in lb.SUBSETS:
        answers = ["Paragraph 2"] if subset == "passage_retrieval_en" else ["some answer 3"]
        classes = ["some answer 3"]
        assert lb.score_prediction(subset, "", answers, classes) == 0.0, subset
        assert lb.score_prediction(subset, None, answers, classes) == 0.0, subset
    assert lb.score_prediction("narrativeqa", "x", []) == 0.0


def test_rouge_l_hand_computed_and_unicode() -> None:
    # LCS("café au lait", "café au lait is good") = 3: P 3/5, R 1 → F 0.75.
    assert lb.score_prediction("gov_report", "Café au lait is good", ["café au lait"]) == (
        pytest.approx(0.75)
    )
    assert lb.rouge_l("東京 は 大きい", "東京 は 大きい") == pytest.approx(1.0)
    assert lb.rouge_l("   ", "reference") == 0.0
    # Order matters: LCS of (b, a) against (a, b) is 1 → P = R = 1/2.
    assert lb.rouge_l("beta alpha", "alpha beta") == pytest.approx(0.5)


def test_classification_count_retrieval() -> None:
    classes = ["City", "Country", "Number of something"]
    assert lb.score_prediction("trec", "City", ["City"], classes) == 1.0
    # Two classes named → 1/2; "City" inside the gold "City" only.
    assert lb.score_prediction("trec", "City or Country", ["City"], classes) == 0.5
    assert lb.score_prediction("trec", "Food", ["City"], classes) == 0.0
    # First line only for trec / triviaqa / samsum.
    assert lb.score_prediction("trec", "\nCity\nCountry", ["City"], classes) == 1.0
    assert lb.score_prediction("passage_count", "There are 7, not 8.", ["7"]) == 0.5
    assert lb.score_prediction("passage_count", "seven", ["7"]) == 0.0
    assert lb.score_prediction("passage_retrieval_en", "Paragraph 12", ["Paragraph 12"]) == 1.0
    assert lb.score_prediction("passage_retrieval_en", "Paragraph 1 or 12", ["Paragraph 12"]) == (
        0.5
    )


def test_code_similarity_uses_first_code_line() -> None:
    gold = "    return a + b"
    assert lb.score_prediction("lcc", "```python\n    return a + b\n```", [gold]) == 1.0
    # Indel similarity, rounded to an integer percent as fuzzywuzzy does: "abcd" vs "abce" → 75.
    assert lb.score_prediction("repobench-p", "abcd", ["abce"]) == pytest.approx(0.75)
    assert lb.score_prediction("lcc", "# only a comment", [gold]) == 0.0


def test_lm_eval_metric_module_imports_without_optional_packages() -> None:
    module = lb.lm_eval_metrics()
    assert module.__name__ == "lm_eval.tasks.longbench.metrics"
    assert lb.scorer("qa_f1_score") is module.qa_f1_score
    with pytest.raises(KeyError):
        lb.scorer("bleu")


# ----------------------------------------------------------------------------- prompts
def test_upstream_prompts_and_lengths() -> None:
    lengths = {s: lb.upstream_config(s)[1]["max_gen_toks"] for s in lb.SUBSETS}
    assert lengths["gov_report"] == 512 and lengths["hotpotqa"] == 32 and lengths["lcc"] == 64
    assert lengths["narrativeqa"] == 128 and lengths["multifieldqa_en"] == 64
    assert lb.upstream_config("lcc")[0].endswith("Next line of code:\n")
    assert lb.upstream_config("repobench-p")[0].endswith("Next line of code:\n")
    assert lb.upstream_config("passage_retrieval_en")[0].endswith("The answer is: ")
    assert lb.upstream_config("samsum")[1]["until"] == ["\n"]


def test_build_prompt_substitutes_once() -> None:
    doc = {"subset": "hotpotqa", "context": "ctx {{question}} ctx", "input": "Who?"}
    prompt = lb.build_prompt(doc)
    assert "ctx {{question}} ctx" in prompt
    assert prompt.endswith("Question: Who?\nAnswer:")


# ----------------------------------------------------------------------------- truncation
def test_middle_truncation_keeps_question(smol_tokenizer) -> None:
    doc = sample_records("narrativeqa", 1)[0]
    prompt = lb.build_prompt({**doc, "subset": "narrativeqa"})
    assert count_tokens(prompt, smol_tokenizer) > 1000
    cut = middle_truncate(prompt, smol_tokenizer, 300)
    assert count_tokens(cut, smol_tokenizer) <= 300
    assert cut.endswith(f"Question: {doc['input']}\n\nAnswer:")
    assert cut.startswith("You are given a story")
    assert middle_truncate("short text", smol_tokenizer, 300) == "short text"
    with pytest.raises(ValueError):
        middle_truncate(prompt, smol_tokenizer, 0)


def test_budget_and_model_length(smollm2_path: Path, smol_tokenizer) -> None:
    meta = {"pretrained": str(smollm2_path)}
    assert model_max_length(meta, smol_tokenizer) == 8192
    assert model_max_length({**meta, "max_length": 4096}) == 4096
    assert prompt_budget(meta, 512, smol_tokenizer) == 8192 - 512 - 32
    assert prompt_budget({**meta, "max_input_tokens": 3500}, 512) == 3500
    with pytest.raises(ValueError):
        prompt_budget({"max_length": 100}, 512)


def test_tokenizer_resolution() -> None:
    assert tokenizer_name({"pretrained": "a", "tokenizer": "b"}) == "b"
    assert tokenizer_name({"model": "m"}) == "m"
    with pytest.raises(TokenizerUnavailableError, match="pretrained"):
        load_tokenizer({})
    with pytest.raises(TokenizerUnavailableError, match="tokenizer"):
        load_tokenizer({"pretrained": "/nonexistent/model/folder"})


# ----------------------------------------------------------------------------- data
def test_samples_are_valid_upstream_records() -> None:
    for subset in lb.SUBSETS:
        docs = lb.load_records(subset, {"data_source": "sample"})
        assert len(docs) == 2 and all(d["subset"] == subset for d in docs)
    assert sample_records("trec") == sample_records("trec")  # deterministic
    count = sample_records("passage_count", 1)[0]
    paragraphs = {p.split(": ", 1)[1] for p in count["context"].split("\n\n")}
    assert count["answers"][0] == str(len(paragraphs))


def test_local_jsonl_and_zip(tmp_path: Path) -> None:
    record = {"input": "Q?", "context": "C", "answers": ["A"], "all_classes": None, "_id": "x"}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "qasper.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    docs = lb.load_records("qasper", {"data_dir": str(tmp_path)})
    assert docs[0]["answers"] == ["A"] and docs[0]["id"] == "x"
    archive = tmp_path / "zipped"
    archive.mkdir()
    with zipfile.ZipFile(archive / "data.zip", "w") as handle:
        handle.writestr("data/musique.jsonl", json.dumps(record) + "\n")
    assert lb.load_records("musique", {"data_dir": str(archive)})[0]["input"] == "Q?"


def test_malformed_records_are_reported(tmp_path: Path) -> None:
    (tmp_path / "trec.jsonl").write_text(
        json.dumps({"input": "Q", "context": "C", "answers": ["City"], "_id": "no-classes"})
        + "\n"
        + json.dumps({"input": "Q", "context": "C", "answers": []})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataSourceError, match=r"2 of 2 records are malformed.*no-classes"):
        lb.load_records("trec", {"data_dir": str(tmp_path)})
    (tmp_path / "lcc.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match="line 1"):
        lb.load_records("lcc", {"data_dir": str(tmp_path)})
    with pytest.raises(DataSourceError, match="unknown LongBench subset"):
        lb.load_records("dureader", {"data_source": "sample"})


# ----------------------------------------------------------------------------- lm-eval task
def _task(name: str, metadata: dict):
    """Build a task from its YAML directly (indexing all of lm-eval's tasks takes seconds)."""
    from lm_eval.tasks._yaml_loader import load_yaml

    from acbench_core.paths import tasks_path

    config = load_yaml(tasks_path() / "longbench" / f"{name}.yaml")
    config["metadata"] = {**config.get("metadata", {}), **metadata}
    return config["class"](config=config)


def test_chat_template_skipped_where_upstream_skips_it(tiny_llama: Path) -> None:
    meta = {"data_source": "sample", "pretrained": str(tiny_llama), "max_input_tokens": 200}

    def template(messages, add_generation_prompt=True):
        return "<chat>" + messages[-1]["content"]

    for name, chat in (("acbench_longbench_lcc", False), ("acbench_longbench_qmsum", True)):
        task = _task(name, meta)
        doc = task.test_docs()[0]
        context = task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=template)
        assert context.startswith("<chat>") is chat, name
        assert count_tokens(task.doc_to_text(doc), task.tokenizer) <= 200
        assert task.process_results(doc, [doc["answers"][0]])["score"] == 1.0
    assert task.config.generation_kwargs["max_gen_toks"] == 512  # qmsum, upstream's


@pytest.mark.e2e
def test_longcontext_group_end_to_end(tmp_path: Path) -> None:
    """The literal lm_eval command on SmolLM2 prints one score per task (tiny settings)."""
    import subprocess
    import sys

    metadata = {
        "data_source": "sample",
        "max_input_tokens": 256,
        "context_lengths": [600],
        "depth_percents": [50],
        "questions_per_prompt": 2,
    }
    command = [
        sys.executable, "-m", "lm_eval", "--model", "hf",
        "--model_args", "pretrained=acbench:smollm2", "--tasks", "acbench_longcontext",
        "--limit", "1", "--gen_kwargs", "max_gen_toks=4", "--device", "cpu",
        "--apply_chat_template", "--metadata", json.dumps(metadata),
        "--output_path", str(tmp_path), "--log_samples",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(next(tmp_path.rglob("results_*.json")).read_text())
    scores = {name: r.get("score,none") for name, r in results["results"].items()}
    tasks = [f"acbench_longbench_{s}" for s in lb.SUBSETS] + [
        "acbench_longgenbench_gsm8k",
        "acbench_longgenbench_mmlu",
        "acbench_niah",
    ]
    for name in [*tasks, "acbench_longbench"]:
        assert 0.0 <= scores[name] <= 1.0, name
    for name in tasks:
        assert name in done.stdout, name


def test_hub_source_reads_the_upstream_zip(tmp_path: Path, monkeypatch) -> None:
    from acbench_core.data_sources import DataSource

    record = {"input": "Q?", "context": "C", "answers": ["A"], "_id": "hub"}
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as handle:
        handle.writestr("data/hotpotqa.jsonl", json.dumps(record) + "\n")
    asked = []

    def fetch(self, rel):
        asked.append((self.spec.hub_repo, rel))
        return tmp_path / rel

    monkeypatch.setattr(DataSource, "_fetch_from_hub", fetch)
    assert lb.load_records("hotpotqa", {"data_source": "hub"})[0]["id"] == "hub"
    assert asked == [("THUDM/LongBench", "data.zip")]
    with pytest.raises(DataSourceError, match=r"no data/lcc\.jsonl"):
        lb.load_records("lcc", {"data_source": "hub"})
