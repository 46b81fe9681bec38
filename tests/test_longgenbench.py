"""LongGenBench: packing, prompt numbering, per-position answer extraction and scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acbench_core.data_sources import DataSourceError
from acbench_tasks.longgenbench import longgenbench as lg
from acbench_tasks.longgenbench.samples import sample_records

FOUR_SHOT = {"college_chemistry", "formal_logic", "human_aging"}


# ----------------------------------------------------------------------------- extraction
def test_extract_answers_per_position() -> None:
    text = (
        "Answer_9: 3 + 4 = 7. The answer is 7.\n"
        "Answer_10: first 5, so the answer is 5; no, The answer is $1,200.\n"
        "Answer_12: The answer is -3.5\n"
        "Answer_9: The answer is 100."  # a repeated number: the first section counts
    )
    assert lg.extract_answers(text, "gsm8k") == {9: "7", 10: "1,200", 12: "-3.5"}
    assert lg.extract_answers("", "gsm8k") == {}
    assert lg.extract_answers(None, "gsm8k") == {}
    assert lg.extract_answers("Answer_6: no conclusion", "gsm8k") == {}
    mmlu = "Answer_6: Let's think. The answer is (B).\nAnswer_7: the answer is c"
    assert lg.extract_answers(mmlu, "mmlu") == {6: "B", 7: "c"}


def test_score_is_positional_accuracy() -> None:
    golds = ["7", "1200", "4"]
    text = (
        "Answer_9: The answer is 7.\nAnswer_10: The answer is 1,200.\nAnswer_11: The answer is 5."
    )
    assert lg.score_generation(text, golds, 9, "gsm8k") == {
        "score": pytest.approx(2 / 3),
        "answered": 1.0,
    }
    # Right values at the wrong positions count for nothing.
    shifted = "Answer_10: The answer is 7.\nAnswer_11: The answer is 1200."
    assert lg.score_generation(shifted, golds, 9, "gsm8k") == {
        "score": 0.0,
        "answered": pytest.approx(2 / 3),
    }
    assert lg.score_generation("", golds, 9, "gsm8k") == {"score": 0.0, "answered": 0.0}
    assert lg.score_generation("x", [], 9, "gsm8k") == {"score": 0.0, "answered": 0.0}
    assert lg.score_generation("Answer_6: The answer is (A)", ["a"], 6, "mmlu")["score"] == 1.0


def test_same_answer_numbers() -> None:
    assert lg.same_answer("1,200", "1200", "gsm8k")
    assert lg.same_answer("7.0", "7", "gsm8k")
    assert not lg.same_answer("7.5", "7", "gsm8k")
    assert not lg.same_answer(".", "7", "gsm8k")


# ----------------------------------------------------------------------------- data
def test_gsm8k_gold() -> None:
    assert lg.gsm8k_gold("so 3 + 4 = 7\n#### 1,207") == "1207"
    with pytest.raises(ValueError):
        lg.gsm8k_gold("no marker")


def test_blocks_of_k_and_subjects() -> None:
    records = sample_records("gsm8k")
    blocks = lg.make_blocks(records[:55], "gsm8k", 25)
    assert [len(b["questions"]) for b in blocks] == [25, 25, 5]
    assert blocks[1]["questions"][0] == records[25]["question"]
    mmlu = sample_records("mmlu")
    blocks = lg.make_blocks(mmlu, "mmlu", 3)
    assert [(b["subject"], len(b["golds"])) for b in blocks] == [
        ("elementary_mathematics", 3),
        ("high_school_mathematics", 3),
    ]
    assert blocks[0]["golds"][0] == "ABCD"[mmlu[0]["answer"]]


def test_malformed_records_are_reported() -> None:
    bad = [{"question": "q", "answer": "no marker"}, {"answer": "#### 1"}]
    with pytest.raises(DataSourceError, match="2 of 2 records are malformed"):
        lg.make_blocks(bad, "gsm8k", 30)
    with pytest.raises(DataSourceError, match="option index"):
        lg.make_blocks([{"question": "q", "choices": list("abcd"), "answer": 4}], "mmlu", 20)


def test_sample_generation_is_exact() -> None:
    record = sample_records("gsm8k")[0]
    numbers = [int(n) for n in record["question"].split() if n.isdigit()]
    start, bought, per_box, given = numbers
    assert lg.gsm8k_gold(record["answer"]) == str(start + bought * per_box - given)
    assert sample_records("mmlu") == sample_records("mmlu")


def test_local_jsonl(tmp_path: Path) -> None:
    (tmp_path / "main").mkdir()
    rows = sample_records("gsm8k")[:4]
    (tmp_path / "main" / "test.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    data = lg.load_dataset("gsm8k", data_dir=str(tmp_path), questions_per_prompt=3)["test"]
    assert [len(d["questions"]) for d in data] == [3, 1]
    with pytest.raises(DataSourceError, match="unknown LongGenBench"):
        lg.load_dataset("math", data_source="sample")


# ----------------------------------------------------------------------------- prompts
def test_few_shot_examples_come_from_lm_eval() -> None:
    assert len(lg.gsm8k_examples()) == 8
    assert lg.gsm8k_examples()[0][1].endswith("The answer is 6.")
    for subject in lg._cot_prompts():
        header, shots = lg.mmlu_examples(subject)
        assert header.startswith("The following are multiple choice questions"), subject
        # The chain-of-thought-hub set has 4 examples for three subjects; numbering follows.
        assert len(shots) == (4 if subject in FOUR_SHOT else 5), subject
        assert all("The answer is" in a for _, a in shots), subject


def test_prompt_numbers_questions_after_the_examples() -> None:
    doc = lg.make_blocks(sample_records("gsm8k"), "gsm8k", 30)[0]
    prompt = lg.build_prompt(doc)
    assert "Question_8: " in prompt and f"Question_9: {doc['questions'][0]}" in prompt
    assert f"Question_38: {doc['questions'][-1]}" in prompt and "Question_39" not in prompt
    assert prompt.rstrip().endswith("The answer is 8.")  # Answer_8 closes the examples
    assert "answer the questions 9 to 38" in prompt
    doc = lg.make_blocks(sample_records("mmlu"), "mmlu", 20)[1]
    prompt = lg.build_prompt(doc)
    assert "about high school mathematics" in prompt and "Question_25: " in prompt
    assert "(A) " in prompt.split("Question_6: ")[1].split("\n\n")[0]


def test_task_targets_and_scores() -> None:
    task = lg.LongGenBenchTask.__new__(lg.LongGenBenchTask)  # methods only; no dataset needed
    doc = lg.make_blocks(sample_records("mmlu"), "mmlu", 2)[0]
    target = task.doc_to_target(doc)
    assert target.startswith("Answer_6: The answer is ")
    assert task.process_results(doc, [target]) == {"score": 1.0, "answered": 1.0}


def test_hub_parquet_layout(tmp_path: Path, monkeypatch) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from acbench_core.data_sources import DataSource

    (tmp_path / "all").mkdir()
    rows = sample_records("mmlu")[:3]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "all" / "test-00000-of-00001.parquet")
    monkeypatch.setattr(DataSource, "_fetch_from_hub", lambda self, rel: tmp_path / rel)
    data = lg.load_dataset("mmlu", data_source="hub")["test"]
    assert data[0]["golds"] == ["ABCD"[r["answer"]] for r in rows]


def test_generation_is_capped_to_fit_the_model(tiny_llama: Path) -> None:
    from lm_eval.tasks._yaml_loader import load_yaml

    from acbench_core.paths import tasks_path
    from acbench_tasks.common.long_context import count_tokens

    config = load_yaml(tasks_path() / "longgenbench" / "acbench_longgenbench_gsm8k.yaml")
    meta = {"data_source": "sample", "pretrained": str(tiny_llama), "questions_per_prompt": 2}
    config["metadata"] = {**config["metadata"], **meta}
    task = config["class"](config=config)
    doc = task.test_docs()[0]
    prompt = task.doc_to_text(doc)
    used = count_tokens(prompt, task.tokenizer)
    task.config.metadata["max_length"] = used + 100
    task.__dict__.pop("_length_limit", None)
    request = task.construct_requests(doc, prompt, metadata=("t", 0, 1))
    assert request.arguments[1]["max_gen_toks"] == 100 - lg.GENERATION_MARGIN
    task.config.metadata["max_length"] = used + 10_000  # room enough: the YAML's 4,096 stays
    task.__dict__.pop("_length_limit", None)
    request = task.construct_requests(doc, prompt, metadata=("t", 0, 1))
    assert request.arguments[1]["max_gen_toks"] == 4096
