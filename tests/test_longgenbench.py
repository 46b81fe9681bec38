"""LongGenBench: ACBench's prompt layout, data construction and regexes; the clean variant."""

from __future__ import annotations

import io
import json
import random
import re
import time
from pathlib import Path

import pytest

from acbench_core.data_sources import DataSourceError
from acbench_tasks.common import upstream
from acbench_tasks.longgenbench import longgenbench as lg
from acbench_tasks.longgenbench.samples import (
    SAMPLE_INSTRUCTIONS,
    sample_records,
    sample_upstream_files,
)

FOUR_SHOT = {"college_chemistry", "formal_logic", "human_aging"}
UPSTREAM_GSM8K = re.compile(r"Answer_\d+:\s*.*?answer is (\d+)", re.DOTALL)
UPSTREAM_MMLU = re.compile(r"Answer_\d+:\s*.*?answer is \((.*?)\)")


# ----------------------------------------------------------------------------- acbench regexes
def test_gsm8k_regex_tricky_cases() -> None:
    text = (
        "Answer_9: 3 + 4 = 7. The answer is 7.\n"
        "Answer_10: she pays The answer is $18.\n"  # "$": skipped, the match runs on ...
        "Answer_11: The answer is 5.\n"  # ... and takes 5 for the second position
        "Answer_12: The answer is 1,000.\n"  # comma: "1"
        "Answer_13: The Answer is 4.\n"  # case-sensitive: runs on to the next
        "Answer_14: so the answer is 6"
    )
    assert lg.gsm8k_predictions(text) == ["7", "5", "1", "6"]
    # Golds 7, 18, 5, 1000 at positions 9-12: only the first is right after the shift.
    golds = ["7", "18", "5", "1000", "4", "6"]
    assert lg.acbench_score(text, golds, "gsm8k") == {
        "score": pytest.approx(1 / 6),
        "answered": pytest.approx(4 / 6),
    }
    assert lg.gsm8k_predictions("no markers, the answer is 3") == []
    assert lg.gsm8k_predictions("Answer_1: nothing here") == []


def test_gsm8k_gold_is_upstreams() -> None:
    assert lg.gsm8k_gold("so 3 + 4 = 7\n#### 7") == "7"
    assert lg.gsm8k_gold("#### 1,207") == "1"  # \d+ stops at the comma
    assert lg.gsm8k_gold("#### -3") is None  # never equal to a prediction
    assert lg.gsm8k_gold("no marker") is None


def test_mmlu_regex_first_line_only() -> None:
    text = (
        "Answer_6:\n\n  Let's think. The answer is (B).\n"
        "Answer_7: Let's think step by step.\nThe answer is (C).\n"  # off the first line: missed
        "Answer_8: The answer is (D) and (A)\n"
        "Answer_9: The answer is (A"  # no ")" on the line: missed
    )
    assert lg.mmlu_predictions(text) == ["B", "D"]
    # Positional: golds B, C, D → position 7 compares C with D.
    assert lg.acbench_score(text, ["B", "C", "D", "A"], "mmlu")["score"] == 0.25


@pytest.mark.parametrize("seed", range(3))
def test_linear_extractors_equal_upstreams_findall(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [
        "Answer_", "Answer_1", "Answer_12:", ":", "1", "23", " ", "  ", "\n", "\t", "\r\n",
        "answer is ", "answer is (", "The answer is ", "(", ")", "A", "B)", "$", "x", "\u00a0",
        "Answer_3:\n", "answer is 4", "٣",
    ]  # fmt: skip
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert lg.gsm8k_predictions(text) == UPSTREAM_GSM8K.findall(text), repr(text)
        assert lg.mmlu_predictions(text) == UPSTREAM_MMLU.findall(text), repr(text)


def test_extractors_are_linear_and_total() -> None:
    cases = [
        "Answer_9: The answer is" + " " * 200_000 + "x",
        "Answer_1:" + " " * 200_000,
        "Answer_1: " * 20_000,
        "Answer_1: answer is (" * 20_000,
        "Answer_" + "1" * 4301 + ": The answer is " + "9" * 5000,
        "\ud800Answer_1: The answer is (\ud800)",
    ]
    for text in cases:
        start = time.perf_counter()
        for benchmark in ("gsm8k", "mmlu"):
            assert 0 <= lg.acbench_score(text, ["1", "2"], benchmark)["score"] <= 1
            assert 0 <= lg.score_generation(text, ["1", "2"], 9, benchmark)["score"] <= 1
        assert time.perf_counter() - start < 2.0, text[:40]
    assert lg.acbench_score(None, ["1"], "gsm8k") == {"score": 0.0, "answered": 0.0}
    assert lg.acbench_score("x", [], "gsm8k") == {"score": 0.0, "answered": 0.0}


# ----------------------------------------------------------------------------- acbench prompts
def test_gsm8k_prompt_layout_character_by_character() -> None:
    demos = "Question_1: \nQ one?\n\nAnswer_1:\nA one.\nThe answer is 1."
    assert lg.gsm8k_prompt(demos, ["First?", "Second?"]) == (
        "Examples: \n"
        "Question_1: \nQ one?\n\nAnswer_1:\nA one.\nThe answer is 1."
        "\n\nFollowing Question: \n"
        "Question_9:\nFirst?\n"
        "Question_10:\nSecond?\n"
        "\n"
    )


def test_mmlu_demos_cut_option_d_and_number_from_six() -> None:
    text = (
        "The following are multiple choice questions (with answers) about x.\n\n"
        "Q: What is 1+1?\n(A) 1\n(B) 2\n(C) 3\n(D) 4\nA: Let's think. 1+1=2. The answer is (B).\n\n"
        "Q: Pick D.\n(A) a\n(B) b\n(C) c\n(D) d\nA: It is D. The answer is (D)."
    )
    demos = lg.mmlu_demos(text)
    assert demos == (
        "Question_1:\nWhat is 1+1?\n(A) 1\n(B) 2\n(C) 3\n(D)\n\n"
        "Question_2:\nPick D.\n(A) a\n(B) b\n(C) c\n(D)\n\n"
        "Answer_1:\nLet's think. 1+1=2. The answer is (B)\n\n"
        "Answer_2:\nIt is D. The answer is (D)\n\n"
    )
    assert lg.mmlu_prompt(demos, ["Q?\n(A) a(B) b(C) c(D) d"]) == (
        "Examples: \n"
        + demos
        + "\n\nFollowing Question: \nQuestion_6:\nQ?\n(A) a(B) b(C) c(D) d\n\n"
    )


def test_mmlu_csv_quirks_misalign_questions_and_golds() -> None:
    csv_text = (
        "First question?,1,2,3,4,A\n"
        '"Two paragraphs.\n\nSecond part?",x,None,y,z,B\n'
        "Third?,0.5,1,2,3,C\n"
    )
    pieces, letters = lg.mmlu_csv_pieces(csv_text, "test.csv")
    assert pieces[:4] == [
        # pandas types each column: option B (2, None → NaN, 1) is a float column
        "First question?\n(A) 1(B) 2.0(C) 3(D) 4",
        "Two paragraphs.",  # the blank line splits a question ...
        "Second part?\n(A) x(B) nan(C) y(D) z",  # ... and "None" is read as NaN
        "Third?\n(A) 0.5(B) 1.0(C) 2(D) 3",
    ]
    assert letters == ["A", "B", "C"]  # so gold 3 ("C") pairs with piece 3 ("Second part?")
    with pytest.raises(DataSourceError, match="columns"):
        lg.mmlu_csv_pieces("a,b\n", "bad.csv")


def test_chat_wrapping_by_model_key() -> None:
    assert lg.acbench_chat("SYS", "P", "Qwen2.5-7B-Instruct-AWQ")[0] == (
        "<|im_start|>system\nSYS<|im_end|>\n<|im_start|>user\nP<|im_end|>\n<|im_start|>assistant\n"
    )
    assert lg.acbench_chat("SYS", "P", "deepseek-qwen-7b")[1] == "qwen"
    assert lg.acbench_chat("SYS", "P", "InternLM2.5-7B-Instruct")[0] == (
        "<|System|>: SYS\n<|User|>: P\n<|Assistant|>: "
    )
    assert lg.acbench_chat("SYS", "P", "megrez-3b")[1] == "megrez"
    assert lg.acbench_chat("SYS", "P", "phi-3.5")[0] == "Instruct: SYS\nInput: P\nOutput: "
    assert lg.acbench_chat("SYS", "P", "minicpm-4b")[0] == (
        "<|system|>SYS</s><|user|>P</s><|assistant|>"
    )
    assert lg.acbench_chat("SYS", "P", "gemma-2b")[0].endswith("<start_of_turn>model")
    assert lg.acbench_chat("SYS", "P", "deepseek-llama-8b")[0] == "SYS\n\nP"


# ----------------------------------------------------------------------------- upstream files
def _fake_upstream(tmp_path: Path, monkeypatch) -> list[str]:
    """Serve made-up LongGenBench / ACBench files through an injected fetcher."""
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    files = sample_upstream_files()
    demos = json.loads(files[lg.MMLU_PROMPT_FILE])
    for subject in lg.MMLU_SUBJECTS:
        files[lg.MMLU_TEST_FILE.format(subject=subject)] = files[
            lg.MMLU_TEST_FILE.format(subject="elementary_mathematics")
        ]
        demos[subject] = demos["elementary_mathematics"]
    files[lg.MMLU_PROMPT_FILE] = json.dumps(demos)
    files[lg.SYSTEM_PROMPT_FILE] = "import os\nmodel2prompt = " + repr(
        {"gsm8k": "G-SYS", "mmlu": "M-SYS about ", "csqa": "C"}
    )
    asked = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        for path, text in files.items():
            if url.endswith("/" + path):
                return text.encode()
        raise OSError("404")

    monkeypatch.setattr(upstream, "_fetcher", fetch)  # what set_fetcher does, undone after
    return asked


def test_acbench_documents_from_the_pinned_revision(tmp_path: Path, monkeypatch) -> None:
    asked = _fake_upstream(tmp_path, monkeypatch)
    (tmp_path / "gsm" / "main").mkdir(parents=True)
    rows = sample_records("gsm8k")[:65]
    (tmp_path / "gsm" / "main" / "test.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    docs, info = lg.load_documents("gsm8k", {"data_dir": str(tmp_path / "gsm")})
    assert [len(d["questions"]) for d in docs] == [30, 30]  # the 5-question tail is not run
    assert docs[1]["prompt"].startswith("Examples: \nQuestion_1: \n")
    assert f"Question_9:\n{rows[30]['question']}\n" in docs[1]["prompt"]
    assert info["upstream"]["repository"].startswith("github:Dominic789654/LongGenBench@9845")
    docs, info = lg.load_documents("mmlu", {})
    assert len(docs) == 57 and docs[0]["subject"] == "abstract_algebra"
    assert info["data_revision"] == lg.LONGGENBENCH_REPO.commit
    assert len(info["upstream"]["sha256"]) == 58
    system, origin = lg.system_prompts({})
    assert system == {"gsm8k": "G-SYS", "mmlu": "M-SYS about "} and "download:" in origin
    assert all(u.startswith("https://raw.githubusercontent.com/") for u in asked)
    count = len(asked)
    lg.load_documents("mmlu", {})  # cached now
    assert len(asked) == count


def test_acbench_sample_documents_and_task(tiny_llama: Path) -> None:
    docs, info = lg.load_documents("mmlu", {"data_source": "sample"})
    assert [d["subject"] for d in docs] == ["elementary_mathematics", "high_school_mathematics"]
    assert [len(d["golds"]) for d in docs] == [20, 20]
    assert info["data_source_kind"] == "sample"
    task = _task(
        "acbench_longgenbench_mmlu", {"data_source": "sample", "pretrained": str(tiny_llama)}
    )
    doc = task.test_docs()[0]
    prompt = task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=_template)
    assert prompt == SAMPLE_INSTRUCTIONS["mmlu"] + "\n\n" + doc["prompt"]  # key matches no rule
    assert "Question_6:\n" in prompt and "Question_25:\n" in prompt
    request = task.construct_requests(doc, prompt, metadata=("t", 0, 1))
    assert request.arguments[1]["until"] == [] and request.arguments[1]["do_sample"] is False
    answer = "".join(f"Answer_{6 + k}: The answer is ({g}).\n" for k, g in enumerate(doc["golds"]))
    assert task.process_results(doc, [answer]) == {
        "score": 1.0,
        "answered": 1.0,
        "scoring_error": None,
    }
    recorded = task.config.metadata
    assert recorded["protocol"] == "acbench" and recorded["comparable_with_paper"] is False
    qwen = _task(
        "acbench_longgenbench_gsm8k",
        {"data_source": "sample", "pretrained": str(tiny_llama), "model_key": "qwen-3b-awq"},
    )
    doc = qwen.test_docs()[0]
    assert qwen.build_prompt(doc).startswith("<|im_start|>system\n" + SAMPLE_INSTRUCTIONS["gsm8k"])
    assert qwen.config.generation_kwargs["max_gen_toks"] == 4096
    assert len(qwen.test_docs()) == 2


# ----------------------------------------------------------------------------- clean protocol
def test_clean_extract_answers_per_position() -> None:
    text = (
        "Answer_9: 3 + 4 = 7. The answer is 7.\n"
        "Answer_10: first 5, so the answer is 5; no, The answer is $1,200.\n"
        "Answer_12: The answer is -3.5\n"
        "Answer_9: The answer is 100."  # a repeated number: the first section counts
    )
    assert lg.extract_answers(text, "gsm8k") == {9: "7", 10: "1,200", 12: "-3.5"}
    assert lg.extract_answers("", "gsm8k") == {}
    assert lg.extract_answers(None, "gsm8k") == {}
    mmlu = "Answer_6: Let's think. The answer is (B).\nAnswer_7: the answer is: c"
    assert lg.extract_answers(mmlu, "mmlu") == {6: "B", 7: "c"}
    assert lg.extract_answers("Answer_1: The answer is :  $ 12", "gsm8k") == {1: "12"}


def test_clean_score_is_positional_accuracy() -> None:
    golds = ["7", "1200", "4"]
    text = (
        "Answer_9: The answer is 7.\nAnswer_10: The answer is 1,200.\nAnswer_11: The answer is 5."
    )
    assert lg.score_generation(text, golds, 9, "gsm8k") == {
        "score": pytest.approx(2 / 3),
        "answered": 1.0,
    }
    shifted = "Answer_10: The answer is 7.\nAnswer_11: The answer is 1200."
    assert lg.score_generation(shifted, golds, 9, "gsm8k")["score"] == 0.0
    assert lg.same_answer("7.0", "7", "gsm8k") and not lg.same_answer(".", "7", "gsm8k")
    assert not lg.same_answer("9" * 5000, "7", "gsm8k")


def test_clean_blocks_and_prompt() -> None:
    records = sample_records("gsm8k")
    blocks = lg.make_blocks(records[:55], "gsm8k", 25)
    assert [len(b["questions"]) for b in blocks] == [25, 25, 5]  # clean keeps the tail
    prompt = lg.build_prompt(lg.make_blocks(records, "gsm8k", 30)[0])
    assert "Question_8: " in prompt and "Question_38: " in prompt and "Question_39" not in prompt
    assert prompt.rstrip().endswith("The answer is 8.")
    for subject in lg._cot_prompts():
        _, shots = lg.mmlu_examples(subject)
        assert len(shots) == (4 if subject in FOUR_SHOT else 5), subject
    with pytest.raises(DataSourceError, match="2 of 2 records are malformed"):
        lg.make_blocks(
            [{"question": "q", "answer": "no marker"}, {"answer": "#### 1"}], "gsm8k", 30
        )


def test_clean_task_caps_generation_to_fit(tiny_llama: Path) -> None:
    from acbench_tasks.common.long_context import count_tokens

    meta = {
        "data_source": "sample",
        "pretrained": str(tiny_llama),
        "questions_per_prompt": 2,
        "protocol": "clean",
    }
    task = _task("acbench_longgenbench_gsm8k", meta)
    doc = task.test_docs()[0]
    prompt = task.doc_to_text(doc)
    assert prompt.startswith("Answer every question below")
    used = count_tokens(prompt, task.tokenizer)
    task.config.metadata["max_length"] = used + 100
    task.__dict__.pop("_length_limit", None)
    request = task.construct_requests(doc, prompt, metadata=("t", 0, 1))
    assert request.arguments[1]["max_gen_toks"] == 100 - lg.GENERATION_MARGIN
    target = task.doc_to_target(doc)
    assert task.process_results(doc, [target]) == {
        "score": 1.0,
        "answered": 1.0,
        "scoring_error": None,
    }


def test_local_hub_formats(tmp_path: Path, monkeypatch) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from acbench_core.data_sources import DataSource

    (tmp_path / "all").mkdir()
    rows = sample_records("mmlu")[:3]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "all" / "test-00000-of-00001.parquet")
    monkeypatch.setattr(DataSource, "_fetch_from_hub", lambda self, rel: tmp_path / rel)
    docs, info = lg.load_documents("mmlu", {"data_source": "hub"}, "clean")
    assert docs[0]["golds"] == ["ABCD"[r["answer"]] for r in rows]
    assert info["data_source"].startswith("hub:cais/mmlu")
    with pytest.raises(DataSourceError, match="unknown LongGenBench"):
        lg.load_documents("math", {"data_source": "sample"})


def _task(name: str, metadata: dict):
    from lm_eval.tasks._yaml_loader import load_yaml

    from acbench_core.paths import tasks_path

    config = load_yaml(tasks_path() / "longgenbench" / f"{name}.yaml")
    config["metadata"] = {**config["metadata"], **metadata}
    return config["class"](config=config)


def _template(messages, add_generation_prompt=True):
    return "<lm-eval-template>" + messages[-1]["content"]


def test_sample_files_parse_like_upstream() -> None:
    files = sample_upstream_files()
    demos = json.loads(files[lg.MMLU_PROMPT_FILE])
    for subject, text in demos.items():
        layout = lg.mmlu_demos(text)
        assert layout.count("Question_") == 5 and layout.count("Answer_") == 5, subject
    _, letters = lg.mmlu_csv_pieces(
        files[lg.MMLU_TEST_FILE.format(subject="high_school_mathematics")], "x"
    )
    assert len(letters) == 20 and all(letter in "ABCD" for letter in letters)
    assert io.StringIO(files[lg.GSM8K_PROMPT_FILE]).read().count("The answer is") == 8
