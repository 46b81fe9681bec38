"""LongBench: upstream and clean scorers, prompts, truncation, chat rules, data, protocols."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from acbench_core.data_sources import DataSourceError
from acbench_tasks.common import upstream
from acbench_tasks.common.long_context import (
    TokenizerUnavailableError,
    count_tokens,
    load_tokenizer,
    middle_truncate,
    model_max_length,
    prompt_budget,
    tokenizer_name,
    upstream_middle_truncate,
)
from acbench_tasks.common.protocol import task_protocol
from acbench_tasks.longbench import longbench as lb
from acbench_tasks.longbench import metrics as m
from acbench_tasks.longbench.samples import sample_records


@pytest.fixture(scope="module")
def smol_tokenizer(smollm2_path: Path):
    return load_tokenizer({"pretrained": str(smollm2_path)})


# ----------------------------------------------------------------------------- upstream metrics
def test_qa_f1_hand_computed() -> None:
    # "the" is an article, "." punctuation: tokens cat sat | cat → P 1/2, R 1 → F1 2/3.
    assert m.qa_f1_score("The cat sat.", "the cat") == pytest.approx(2 / 3)
    assert m.normalize_answer("The  Port-Ellery, an (old) town!") == "portellery old town"
    assert lb.score_prediction("hotpotqa", "Port Ellery", ["port ellery"]) == 1.0
    assert lb.score_prediction("hotpotqa", "nowhere", ["Port Ellery"]) == 0.0
    # Best over the references.
    assert lb.score_prediction("triviaqa", "cat", ["a dog", "the black cat", "cat"]) == 1.0


def test_qa_f1_zh_hand_computed() -> None:
    # jieba: 我们/去/公园 vs 今天天气/很/好/，/我们/去/公园/。 (punctuation dropped: 6 tokens)
    # → 3 shared: P 1, R 1/2 → F1 2/3.
    assert m.jieba_tokens("我来到北京清华大学") == ["我", "来到", "北京", "清华大学"]
    assert m.qa_f1_zh_score("我们去公园", "今天天气很好，我们去公园。") == pytest.approx(2 / 3)
    # Upstream's CJK punctuation list has 》 but not 《 (kept).
    assert m.normalize_zh_answer("《Hello》， World！") == "《helloworld"
    assert lb.score_prediction("multifieldqa_zh", "四月三日", ["四月三日"]) == 1.0


def test_rouge_upstream_package_rules() -> None:
    # rouge 1.0.1, ROUGE-L F = 2PR/(P+R+1e-8): "the cat sat" vs "the cat": P 2/3, R 1.
    assert m.rouge_score("the cat sat", "the cat") == pytest.approx(0.8)
    assert m.rouge_score("The cat", "the cat") == pytest.approx(0.5)  # case-sensitive
    # Summary level: each reference sentence against all predicted sentences (split on ".").
    assert m.rouge_score("a b. c d", "c d. a b") == pytest.approx(1.0)
    # Empty predictions raise inside the package: 0, as upstream's bare except gives.
    assert m.rouge_score("", "the cat") == 0.0
    assert m.rouge_score("...", "the cat") == 0.0
    assert lb.score_prediction("gov_report", "", ["a report"]) == 0.0
    # A sentence longer than the recursive LCS can reconstruct fails upstream too: 0.
    long_sentence = " ".join(f"w{i}" for i in range(1100))
    assert m.rouge_score(long_sentence, "w1 w2 x") == 0.0
    assert m.rouge_score(" ".join(f"w{i}" for i in range(900)), "w1 w2 x") > 0


def test_rouge_zh_hand_computed() -> None:
    # "我们 去 公园" vs 8 jieba tokens, one sentence (no ASCII "."): LCS 3 → P 1, R 3/8.
    expected = 2 * (3 / 8) / (1 + 3 / 8)
    assert m.rouge_zh_score("我们去公园", "今天天气很好，我们去公园。") == pytest.approx(expected)
    assert lb.score_prediction("vcsum", "", ["会议讨论了预算。"]) == 0.0
    assert lb.score_prediction("dureader", "今天天气很好", ["今天天气很好"]) == pytest.approx(1.0)


def test_classification_keeps_upstreams_removal_quirk() -> None:
    classes = ["City", "Country", "Number of something"]
    assert lb.score_prediction("trec", "City", ["City"], classes) == 1.0
    assert lb.score_prediction("trec", "City or Country", ["City"], classes) == 0.5
    assert lb.score_prediction("trec", "Food", ["City"], classes) == 0.0
    # "De" is removed, which skips "Des" (a substring of the gold too): 1/2, not 1.
    assert m.classification_score("Desc", "Desc", all_classes=["De", "Des", "Desc"]) == 0.5
    # First line only, after leading newlines (trec, triviaqa, samsum, lsht).
    assert lb.score_prediction("trec", "\nCity\nCountry", ["City"], classes) == 1.0
    assert lb.score_prediction("lsht", "体育\n财经", ["体育"], ["体育", "财经"]) == 1.0


def test_count_and_retrieval() -> None:
    assert lb.score_prediction("passage_count", "There are 7, not 8.", ["7"]) == 0.5
    assert lb.score_prediction("passage_count", "seven", ["7"]) == 0.0
    assert lb.score_prediction("passage_retrieval_en", "Paragraph 12", ["Paragraph 12"]) == 1.0
    assert lb.score_prediction("passage_retrieval_en", "Paragraph 1 or 12", ["Paragraph 12"]) == (
        0.5
    )
    assert lb.score_prediction("passage_retrieval_zh", "段落3，不是段落13", ["段落3"]) == 0.5
    assert lb.score_prediction("passage_retrieval_zh", "第三段", ["段落3"]) == 0.0


def test_code_similarity() -> None:
    gold = "    return a + b"
    assert lb.score_prediction("lcc", "\n# comment\n    return a + b\n", [gold]) == 1.0
    # A fenced block: the fence line has a backtick, the code line follows.
    assert lb.score_prediction("lcc", "```python\n    return a + b\n```", [gold]) == 1.0
    # fuzzywuzzy ratio with difflib: "abcd" vs "abce" → 2·3/8 = 75 → 0.75.
    assert lb.score_prediction("repobench-p", "abcd", ["abce"]) == pytest.approx(0.75)
    assert lb.score_prediction("lcc", "# only a comment", [gold]) == 0.0
    assert m.code_sim_backend() == "difflib"


def test_scorers_are_total() -> None:
    nasty = ["", "\ud800", "\x00" * 10, " " * 100_000, "9" * 5000, "段落" * 20_000, "`#//\n" * 99]
    for subset in lb.SUBSETS:
        answers = {"passage_retrieval_en": ["Paragraph 2"], "passage_retrieval_zh": ["段落2"]}
        for text in nasty:
            for protocol in ("acbench", "clean"):
                value = lb.score_prediction(
                    subset, text, answers.get(subset, ["some answer 3"]), ["x"], protocol
                )
                assert 0.0 <= value <= 1.0, (subset, protocol)
        assert lb.score_prediction(subset, None, ["a"]) == 0.0
    assert lb.score_prediction("narrativeqa", "x", []) == 0.0


# ----------------------------------------------------------------------------- clean metrics
def test_clean_rouge_l_and_metrics() -> None:
    # rouge-score on unicode words, lower-cased: LCS(café au lait, café au lait is good) = 3.
    assert lb.score_prediction(
        "gov_report", "Café au lait is good", ["café au lait"], [], "clean"
    ) == (pytest.approx(0.75))
    assert m.rouge_l("beta alpha", "alpha beta") == pytest.approx(0.5)
    assert m.rouge_l("   ", "reference") == 0.0
    assert m.rouge_l_zh("我们去公园", "我们去公园") == pytest.approx(1.0)
    assert m.clean_scorer("qa_f1_score") is m.lm_eval_metrics().qa_f1_score
    with pytest.raises(KeyError):
        m.clean_scorer("bleu")


# ----------------------------------------------------------------------------- prompts
def test_prompts_equal_upstream_by_hash() -> None:
    templates, info = lb.prompt_templates({})
    assert info["prompts_match_upstream"] is True
    assert "lm-eval" in info["prompt_source"]
    for subset in lb.SUBSETS:
        assert lb.template_sha256(templates[subset]) == lb.PROMPT_SHA256[subset], subset
    # The six details lm-eval's copies lost (longcontext-upstream.md, issue 15).
    for subset in ("triviaqa", "samsum"):
        assert templates[subset].endswith("{context}\n\n{input}")
        assert "{context}\n{input}" in lb._lm_eval_template(subset)
    assert templates["passage_count"].endswith("The final answer is: ")
    assert templates["passage_retrieval_en"].endswith("The answer is: ")
    assert templates["lcc"].endswith("Next line of code:\n")
    assert templates["repobench-p"].endswith("{input}Next line of code:\n")


def test_prompt_filled_once_character_by_character() -> None:
    doc = {
        "subset": "triviaqa",
        "context": "Passage: {input} stays literal",
        "input": "Passage: P\nQuestion: Who?\nAnswer:",
        "answers": ["A"],
    }
    templates, _ = lb.prompt_templates({})
    head = templates["triviaqa"].split("{context}")[0]
    assert lb.fill_prompt(templates["triviaqa"], doc) == (
        head + "Passage: {input} stays literal\n\nPassage: P\nQuestion: Who?\nAnswer:"
    )


def test_prompts_from_a_local_copy_or_the_pinned_revision(tmp_path: Path, monkeypatch) -> None:
    table = {s: f"[{s}] {{context}} | {{input}}" for s in lb.SUBSETS}
    config = tmp_path / "LongBench" / "config"
    config.mkdir(parents=True)
    (config / "dataset2prompt.json").write_text(json.dumps(table), encoding="utf-8")
    templates, info = lb.prompt_templates({"longbench_repo": str(tmp_path)})
    assert templates["lcc"] == "[lcc] {context} | {input}"
    assert info["prompts_match_upstream"] is False and info["prompt_source"].startswith("copy:")
    # An lm-eval whose copies differ: upstream's file is downloaded once, then cached.
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(lb, "_restored_lm_eval_templates", lambda: None)
    urls = []

    def fetch(url: str) -> bytes:
        urls.append(url)
        return json.dumps(table).encode()

    with pytest.raises(upstream.UpstreamUnavailableError, match="offline"):
        lb.prompt_templates({})
    previous = upstream.set_fetcher(fetch)
    try:
        templates, info = lb.prompt_templates({})
        assert info["prompt_source"].startswith("download:")
        templates, info = lb.prompt_templates({})
        assert info["prompt_source"].startswith("cache:")
    finally:
        upstream.set_fetcher(previous)
    assert urls == [
        "https://raw.githubusercontent.com/THUDM/LongBench/"
        "2e00731f8d0bff23dc4325161044d0ed8af94c1e/LongBench/config/dataset2prompt.json"
    ]


def test_generation_settings_per_protocol() -> None:
    assert lb.DATASET2MAXLEN["gov_report"] == 512 and lb.DATASET2MAXLEN["vcsum"] == 512
    assert lb.DATASET2MAXLEN["lsht"] == 64 and lb.DATASET2MAXLEN["passage_retrieval_zh"] == 32
    assert len(lb.DATASET2MAXLEN) == len(lb.METRIC_OF) == 21
    acbench = lb.generation_settings("samsum", "acbench")
    assert acbench == {
        "max_gen_toks": 128,
        "do_sample": False,
        "temperature": 0.0,
        "until": [],
        "repetition_penalty": 1.0,
    }
    assert lb.generation_settings("samsum", "clean")["until"] == ["\n"]
    assert lb.generation_settings("qmsum", "clean")["until"] == []


# ----------------------------------------------------------------------------- model rules
def test_acbench_chat_rules(smol_tokenizer) -> None:
    assert lb.acbench_chat("P", "Qwen2.5-7B-Instruct-AWQ", None) == (
        "<|im_start|>user\nP<|im_end|>\n<|im_start|>assistant\n",
        "qwen",
    )
    assert lb.acbench_chat("P", "gemma-2b", None)[0] == (
        "<start_of_turn>user\nP<end_of_turn>\n<start_of_turn>model"
    )
    assert lb.acbench_chat("P", "internlm2_5-7b-chat", None)[0] == "<|User|>:P<eoh>\n<|Bot|>:"
    # The internlm test is case-sensitive: InternLM2.5 keys use the tokenizer's template.
    text, rule = lb.acbench_chat("P", "InternLM2.5-7B-Instruct", smol_tokenizer)
    assert rule == "tokenizer chat template" and text.endswith("<|im_start|>assistant\n")
    with pytest.raises(ValueError, match="ChatGLM"):
        lb.acbench_chat("P", "chatglm3-6b", smol_tokenizer)
    assert lb.acbench_post_process(" 42<|im_end|>junk", "qwen-7b") == "42"
    assert lb.acbench_post_process("a<eoa>b", "internlm-7b") == "a"
    assert lb.acbench_post_process(" 42<|im_end|>", "gemma") == " 42<|im_end|>"


def test_longbench_max_length_convention() -> None:
    assert lb.longbench_max_length(32768) == 31500
    assert lb.longbench_max_length(8192) == 7500
    assert lb.longbench_max_length(4096) == 3500


# ----------------------------------------------------------------------------- truncation
def test_upstream_middle_truncation(smol_tokenizer) -> None:
    doc = {**sample_records("narrativeqa", 1)[0], "subset": "narrativeqa"}
    templates, _ = lb.prompt_templates({})
    prompt = lb.fill_prompt(templates["narrativeqa"], lb.record_to_doc(doc, "narrativeqa"))
    ids = smol_tokenizer.encode(prompt)
    assert len(ids) > 1000
    cut = upstream_middle_truncate(prompt, smol_tokenizer, 301)
    assert cut == smol_tokenizer.decode(ids[:150]) + smol_tokenizer.decode(ids[-150:])
    assert cut.endswith(f"Question: {doc['input']}\n\nAnswer:")
    assert upstream_middle_truncate("short", smol_tokenizer, 300) == "short"
    with pytest.raises(ValueError):
        upstream_middle_truncate(prompt, smol_tokenizer, 1)


def test_clean_middle_truncation_keeps_question(smol_tokenizer) -> None:
    doc = lb.record_to_doc(sample_records("narrativeqa", 1)[0], "narrativeqa")
    prompt = lb.fill_prompt(lb.prompt_templates({})[0]["narrativeqa"], doc)
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


def test_tokenizer_resolution_and_protocol() -> None:
    assert tokenizer_name({"pretrained": "a", "tokenizer": "b"}) == "b"
    assert tokenizer_name({"model": "m"}) == "m"
    with pytest.raises(TokenizerUnavailableError, match="pretrained"):
        load_tokenizer({})
    with pytest.raises(TokenizerUnavailableError, match="tokenizer"):
        load_tokenizer({"pretrained": "/nonexistent/model/folder"})
    assert task_protocol({}) == "acbench" and task_protocol({"protocol": "Clean"}) == "clean"
    with pytest.raises(ValueError, match="unknown protocol"):
        task_protocol({"protocol": "paper"})


# ----------------------------------------------------------------------------- data
def test_samples_are_valid_upstream_records() -> None:
    for subset in lb.SUBSETS:
        docs, info = lb.load_records(subset, {"data_source": "sample"})
        assert len(docs) == 2 and all(d["subset"] == subset for d in docs)
        assert info["data_source_kind"] == "sample"
        assert docs[0]["language"] == ("zh" if subset in lb.CHINESE_SUBSETS else "en")
    assert sample_records("lsht") == sample_records("lsht")  # deterministic
    count = sample_records("passage_count", 1)[0]
    paragraphs = {p.split(": ", 1)[1] for p in count["context"].split("\n\n")}
    assert count["answers"][0] == str(len(paragraphs))
    retrieval = sample_records("passage_retrieval_zh", 1)[0]
    number = int(retrieval["answers"][0].removeprefix("段落"))
    paragraph = retrieval["context"].split("\n\n")[number - 1]
    assert paragraph.split("：", 1)[1].startswith(retrieval["input"].rstrip("。"))


def test_local_jsonl_and_zip(tmp_path: Path) -> None:
    record = {"input": "Q?", "context": "C", "answers": ["A"], "all_classes": None, "_id": "x"}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "qasper.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    docs, info = lb.load_records("qasper", {"data_dir": str(tmp_path)})
    assert docs[0]["answers"] == ["A"] and docs[0]["id"] == "x"
    assert info["data_source_kind"] == "local" and info["data_revision"] is None
    archive = tmp_path / "zipped"
    archive.mkdir()
    with zipfile.ZipFile(archive / "data.zip", "w") as handle:
        handle.writestr("data/dureader.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    assert lb.load_records("dureader", {"data_dir": str(archive)})[0][0]["input"] == "Q?"


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
    bad = {"input": "Q", "context": "C", "answers": ["第三段"], "_id": "zh"}
    (tmp_path / "passage_retrieval_zh.jsonl").write_text(json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match="paragraph"):
        lb.load_records("passage_retrieval_zh", {"data_dir": str(tmp_path)})
    huge = {"input": "Q", "context": "C", "answers": ["A"], "length": 10**400}
    (tmp_path / "qasper.jsonl").write_text(json.dumps(huge) + "\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match="length"):
        lb.load_records("qasper", {"data_dir": str(tmp_path)})
    (tmp_path / "lcc.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match="line 1"):
        lb.load_records("lcc", {"data_dir": str(tmp_path)})
    with pytest.raises(DataSourceError, match="unknown LongBench subset"):
        lb.load_records("dureader_e", {"data_source": "sample"})


def test_hub_source_reads_the_upstream_zip_and_records_the_revision(
    tmp_path: Path, monkeypatch
) -> None:
    from acbench_core.data_sources import DataSource

    snapshot = tmp_path / "datasets--zai-org--LongBench" / "snapshots" / ("c0ffee" * 6 + "beef")
    snapshot.mkdir(parents=True)
    record = {"input": "Q?", "context": "C", "answers": ["A"], "_id": "hub"}
    with zipfile.ZipFile(snapshot / "data.zip", "w") as handle:
        handle.writestr("data/hotpotqa.jsonl", json.dumps(record) + "\n")
    asked = []

    def fetch(self, rel):
        asked.append((self.spec.hub_repo, rel))
        return snapshot / rel

    monkeypatch.setattr(DataSource, "_fetch_from_hub", fetch)
    docs, info = lb.load_records("hotpotqa", {"data_source": "hub"})
    assert docs[0]["id"] == "hub"
    assert asked == [("zai-org/LongBench", "data.zip")]
    assert info["data_revision"] == "c0ffee" * 6 + "beef"
    assert info["data_source"].startswith("hub:zai-org/LongBench@c0ffee")
    with pytest.raises(DataSourceError, match=r"no data/lcc\.jsonl"):
        lb.load_records("lcc", {"data_source": "hub"})


# ----------------------------------------------------------------------------- lm-eval task
def _task(name: str, metadata: dict):
    """Build a task from its YAML directly (indexing all of lm-eval's tasks takes seconds)."""
    from lm_eval.tasks._yaml_loader import load_yaml

    from acbench_core.paths import tasks_path

    config = load_yaml(tasks_path() / "longbench" / f"{name}.yaml")
    config["metadata"] = {**config.get("metadata", {}), **metadata}
    return config["class"](config=config)


def _template(messages, add_generation_prompt=True):
    return "<lm-eval-template>" + messages[-1]["content"]


def test_acbench_protocol_task(tiny_llama: Path) -> None:
    meta = {"data_source": "sample", "pretrained": str(tiny_llama), "max_input_tokens": 200}
    lcc = _task("acbench_longbench_lcc", meta)
    doc = lcc.test_docs()[0]
    context = lcc.fewshot_context(doc, 0, apply_chat_template=True, chat_template=_template)
    assert not context.startswith("<lm-eval-template>")  # raw, as upstream feeds lcc
    assert len(lcc.tokenizer.encode(context)) <= 200 + 2
    qmsum = _task("acbench_longbench_qmsum", {**meta, "model_key": "Qwen2.5-7B-Instruct"})
    doc = qmsum.test_docs()[0]
    context = qmsum.fewshot_context(doc, 0, apply_chat_template=True, chat_template=_template)
    assert context.startswith("<|im_start|>user\n") and context.endswith("<|im_start|>assistant\n")
    request = qmsum.construct_requests(doc, context, metadata=("t", 0, 1))
    assert request.arguments[1]["max_gen_toks"] == 512 and request.arguments[1]["until"] == []
    answer = doc["answers"][0]
    scores = qmsum.process_results(doc, [answer + "<|im_end|>ignored"])
    assert scores["score"] == pytest.approx(1.0) and scores["score_en"] == scores["score"]
    recorded = qmsum.config.metadata
    assert recorded["protocol"] == "acbench" and recorded["chat_wrap"] == "qwen"
    assert recorded["prompts_match_upstream"] is True and recorded["max_input_tokens"] == 200
    assert recorded["comparable_with_paper"] is False  # sample data
    zh = _task("acbench_longbench_vcsum", meta)
    assert "score_en" not in zh.process_results(zh.test_docs()[0], ["x"])


def test_clean_protocol_task_and_lowered_generation(tiny_llama: Path) -> None:
    meta = {"data_source": "sample", "pretrained": str(tiny_llama), "max_input_tokens": 200}
    for name, chat in (("acbench_longbench_lsht", False), ("acbench_longbench_qmsum", True)):
        task = _task(name, {**meta, "protocol": "clean"})
        doc = task.test_docs()[0]
        context = task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=_template)
        assert context.startswith("<lm-eval-template>") is chat, name
        assert count_tokens(task.doc_to_text(doc), task.tokenizer) <= 200
        assert task.process_results(doc, [doc["answers"][0]])["score"] == pytest.approx(1.0)
    assert task.config.generation_kwargs["max_gen_toks"] == 512
    # acbench: --gen_kwargs can lower the length (recorded, not comparable), never raise it.
    task = _task("acbench_longbench_trec", meta)
    task.set_config("generation_kwargs", {"max_gen_toks": 1000}, update=True)
    doc = task.test_docs()[0]
    assert task.construct_requests(doc, "x", metadata=("t", 0, 1)).arguments[1]["max_gen_toks"] == (
        64
    )
    task = _task("acbench_longbench_trec", meta)
    task.set_config("generation_kwargs", {"max_gen_toks": 8}, update=True)
    assert task.construct_requests(doc, "x", metadata=("t", 0, 1)).arguments[1]["max_gen_toks"] == (
        8
    )
    assert task.config.metadata["generation"]["max_gen_toks"] == 8


def test_acbench_classification_uses_the_last_records_classes(tiny_llama: Path) -> None:
    task = _task("acbench_longbench_trec", {"data_source": "sample", "pretrained": str(tiny_llama)})
    docs = list(task.test_docs())
    assert all(d["all_classes"] == docs[-1]["all_classes"] for d in docs)


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
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(next(tmp_path.rglob("results_*.json")).read_text())
    entries = {**results["results"], **results.get("groups", {})}
    scores = {name: r.get("score,none") for name, r in entries.items()}
    tasks = [f"acbench_longbench_{s}" for s in lb.SUBSETS] + [
        "acbench_longgenbench_gsm8k",
        "acbench_longgenbench_mmlu",
        "acbench_niah",
    ]
    groups = ["acbench_longbench", *(f"acbench_longbench_{c}" for c in lb.CATEGORIES)]
    for name in [*tasks, *groups]:
        assert 0.0 <= scores[name] <= 1.0, name
    assert 0.0 <= entries["acbench_longbench"]["score_en,none"] <= 1.0
    for name in tasks:
        assert name in done.stdout, name
        assert results["configs"][name]["metadata"]["protocol"] == "acbench"
        assert results["configs"][name]["metadata"]["comparable_with_paper"] is False
    assert "score_en,none' is missing" not in done.stderr


def test_template_hash_helper() -> None:
    assert lb.template_sha256("x") == hashlib.sha256(b"x").hexdigest()
