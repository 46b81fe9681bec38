"""Needle-in-a-Haystack: scorer, grid, ACBench's haystack and needle insertion on a real
tokenizer, the window rule, the clean variant, heatmap and its command."""

from __future__ import annotations

import bisect
import json
from pathlib import Path

import pytest

from acbench_tasks.common.long_context import count_tokens, load_tokenizer, sentence_boundaries
from acbench_tasks.niah import niah
from acbench_tasks.niah.heatmap import (
    HeatmapError,
    cell_table,
    over_window_lengths,
    plot_heatmap,
    read_cells,
)


@pytest.fixture(scope="module")
def smol_tokenizer(smollm2_path: Path):
    return load_tokenizer({"pretrained": str(smollm2_path)})


@pytest.fixture(scope="module")
def haystack(smol_tokenizer) -> niah.Haystack:
    return niah.Haystack(smol_tokenizer, 16000)


# ----------------------------------------------------------------------------- scoring
def test_score_hand_computed() -> None:
    # 11 distinct answer words: eat a sandwich and sit in dolores park on sunny day.
    assert niah.score_response(niah.NEEDLE) == 1.0
    assert niah.score_response("EAT A SANDWICH AND SIT IN DOLORES PARK ON A SUNNY DAY.") == 1.0
    assert niah.score_response("Eat a sandwich.") == pytest.approx(2 / 11)  # "eat", "a"
    assert niah.score_response("sit in Dolores Park on a sunny day") == pytest.approx(7 / 11)
    assert niah.score_response("") == 0.0
    assert niah.score_response(None) == 0.0
    assert niah.score_response("anything", answer="") == 0.0
    assert niah.score_response("mangé à Paris", answer="mangé à Paris") == 1.0
    # "day." keeps its period: "day" alone does not count (visualize.py's word set).
    assert niah.score_response("sunny day") == pytest.approx(1 / 11)


# ----------------------------------------------------------------------------- grid
def test_default_grid_is_acbench() -> None:
    cells = niah.grid({})
    assert len(cells) == 400
    assert niah.DEFAULT_DEPTHS == (0, 11, 22, 33, 44, 56, 67, 78, 89, 100)
    assert cells[0] == (1000, 0) and cells[-1] == (40000, 100)


def test_grid_from_metadata_and_cap() -> None:
    meta = {"context_lengths": "4000, 1000", "depth_percents": [50, 0]}
    assert niah.grid(meta) == [(1000, 0), (1000, 50), (4000, 0), (4000, 50)]
    assert niah.grid({**meta}, max_prompt_tokens=2000) == [(1000, 0), (1000, 50)]
    with pytest.raises(ValueError, match="no context length fits"):
        niah.grid(meta, max_prompt_tokens=500)
    with pytest.raises(ValueError, match="0-100"):
        niah.grid({"depth_percents": [120]})
    with pytest.raises(ValueError, match="integers"):
        niah.grid({"context_lengths": ["long"]})


# ----------------------------------------------------------------------------- acbench haystack
PASS = "Alpha beta. Gamma delta epsilon. Zeta eta theta iota."  # 15 SmolLM2 tokens


@pytest.fixture(scope="module")
def tiny_haystack(smol_tokenizer, tmp_path_factory) -> niah.UpstreamHaystack:
    folder = tmp_path_factory.mktemp("hay")
    (folder / "a.txt").write_text(PASS, encoding="utf-8")
    return niah.UpstreamHaystack(smol_tokenizer, 300, str(folder))


def test_acbench_haystack_budget_and_insertion_hand_computed(tiny_haystack, smol_tokenizer) -> None:
    # Tokens of one pass: Alpha|beta|.|Gamma|delta|epsilon|.|Z|eta|et|a|theta|i|ota|. (15);
    # periods ("." = id 30) end tokens 3, 7 and 15. Whole passes until 300 tokens: 20.
    assert smol_tokenizer.encode(".", add_special_tokens=False) == [30]
    assert len(tiny_haystack.tokens) == 300 and tiny_haystack.text == PASS * 20
    needle = smol_tokenizer.encode(niah.ACBENCH_NEEDLE, add_special_tokens=False)
    assert len(needle) == 25
    # L = 250: budget 250 - 200 = 50, so the context keeps 50 - 25 = 25 tokens.
    middle = tiny_haystack.build(250, 50, (30,))
    assert middle.context_tokens == 25
    # depth 50: int(25 * 0.5) = 12, back to just after the period ending token 7.
    assert middle.needle_token == 7
    book = (
        "Alpha beta. Gamma delta epsilon."
        + niah.ACBENCH_NEEDLE
        + (" Zeta eta theta iota.Alpha beta. Gamma delta epsilon. Zeta et")
    )
    assert middle.prompt == (
        "<|im_start|> This is a very long story book: <book> " + book + " </book>.\n Based on "
        "the content of the book, Question: The best thing to do in San Francisco is: \nAnswer:"
    )
    # depth 11: int(25 * 0.11) = 2, no period before it: the needle goes first.
    assert tiny_haystack.build(250, 11, (30,)).needle_token == 0
    start = tiny_haystack.build(250, 0, (30,)).prompt
    assert start.startswith("<|im_start|> This is a very long story book: <book> \nThe best")
    # depth 100: appended after the 25 tokens.
    end = tiny_haystack.build(250, 100, (30,))
    assert end.needle_token == 25
    assert "Zeta et" + niah.ACBENCH_NEEDLE + " </book>" in end.prompt
    with pytest.raises(ValueError, match="no room"):
        tiny_haystack.build(220, 50, (30,))


def test_acbench_cells_on_the_essays(smol_tokenizer) -> None:
    haystack = niah.UpstreamHaystack(smol_tokenizer, 8000)
    template = niah.ACBENCH_PROMPT.format(context="", question=niah.ACBENCH_QUESTION)
    overhead = len(smol_tokenizer.encode(template, add_special_tokens=False))
    for length in (1000, 8000):
        for depth in niah.DEFAULT_DEPTHS:
            cell = haystack.build(length, depth, (30,))
            assert cell.context_tokens == length - 200 - 25
            ids = smol_tokenizer.encode(cell.prompt, add_special_tokens=False)
            assert abs(len(ids) - (length - 200 + overhead)) <= 4, (length, depth, len(ids))
            assert cell.prompt.count(niah.ACBENCH_NEEDLE) == 1
            if 0 < depth < 100 and cell.needle_token:
                before = cell.prompt[: cell.prompt.index(niah.ACBENCH_NEEDLE)]
                assert before.endswith("."), before[-30:]


def test_model_provider_and_period_ids(smol_tokenizer) -> None:
    provider = niah.model_provider
    assert provider({"pretrained": "/data2/share/Qwen2.5/Qwen2.5-7B-Instruct-AWQ"}) == "Qwen"
    assert provider({"pretrained": "internlm/internlm2_5-7b-chat"}) == "InternLM"
    assert provider({"model": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"}) == "DeepSeek"
    assert provider({"pretrained": "meta-llama/Meta-Llama-3-8B-Instruct"}) == "LLaMA3"
    assert provider({"pretrained": "mistralai/Mistral-7B-Instruct-v0.2"}) == "Mistral"
    assert provider({"pretrained": "acbench:smollm2"}) == "other"
    assert provider({"pretrained": "x", "model_provider": "mistral"}) == "Mistral"
    with pytest.raises(ValueError, match="model_provider"):
        provider({"model_provider": "OpenAI"})
    assert niah.period_ids("Qwen", smol_tokenizer) == (13,)
    assert niah.period_ids("Mistral", smol_tokenizer) == (842, 28723)
    assert niah.period_ids("Gemma", smol_tokenizer) == (30,)  # encode(".")


def _niah_task(metadata: dict):
    from lm_eval.tasks._yaml_loader import load_yaml

    from acbench_core.paths import tasks_path

    config = load_yaml(tasks_path() / "niah" / "acbench_niah.yaml")
    config["metadata"] = {**config["metadata"], **metadata}
    return config["class"](config=config)


def test_acbench_task_window_rule_sampling_and_metadata(tiny_llama: Path) -> None:
    # The tiny Llama's window is 2048 tokens: the 3000-token cells score 0 unasked.
    task = _niah_task(
        {"pretrained": str(tiny_llama), "context_lengths": [1000, 3000], "depth_percents": [50]}
    )
    docs = list(task.test_docs())
    assert [d["context_length"] for d in docs] == [1000, 3000]  # not capped

    def template(messages, add_generation_prompt=True):
        return "<chat>" + messages[-1]["content"]

    short, long = (
        task.fewshot_context(d, 0, apply_chat_template=True, chat_template=template) for d in docs
    )
    assert short.startswith("<|im_start|> This is a very long story book: <book> ")  # no template
    first = task.construct_requests(docs[0], short, metadata=("t", 0, 1))
    assert first.arguments[0] == short
    assert first.arguments[1] == {
        "until": [],
        "do_sample": True,
        "temperature": 1.0,
        "top_p": 1.0,
        "top_k": 0,
        "repetition_penalty": 1.0,
        "max_gen_toks": 30,
    }
    second = task.construct_requests(docs[1], long, metadata=("t", 1, 1))
    assert second.arguments[0] == "Answer:" and second.arguments[1]["max_gen_toks"] == 1
    answer = "eat a sandwich and sit in Dolores Park on a sunny day."
    assert task.process_results(docs[0], [f"  {answer}"]) == {
        "score": 1.0,
        "over_window": 0.0,
        "scoring_error": None,
    }
    assert task.process_results(docs[1], [answer]) == {
        "score": 0.0,
        "over_window": 1.0,
        "scoring_error": None,
    }
    recorded = task.config.metadata
    assert recorded["protocol"] == "acbench" and recorded["window"] == 2048
    assert recorded["model_provider"] == "other" and isinstance(recorded["sampling_seed"], int)
    assert recorded["comparable_with_paper"] is True
    seeded = _niah_task({"pretrained": str(tiny_llama), "context_lengths": [1000], "seed": 7})
    assert seeded.config.metadata["sampling_seed"] == 7


# ----------------------------------------------------------------------------- clean haystack
@pytest.mark.parametrize("length", [1000, 4000, 15000])
@pytest.mark.parametrize("depth", [0, 33, 50, 100])
def test_prompt_length_and_needle_depth(haystack, smol_tokenizer, length, depth) -> None:
    cell = haystack.build(length, depth)
    tokens = count_tokens(cell.prompt, smol_tokenizer)
    assert abs(tokens - length) <= 0.02 * length, tokens
    assert cell.prompt.count(niah.NEEDLE) == 1
    assert cell.prompt[cell.needle_char :].startswith(niah.NEEDLE)
    # Within one sentence of the requested depth, measured on the haystack text.
    target = haystack.token_ends[max(0, round(depth / 100 * cell.haystack_tokens) - 1)]
    placed = haystack.token_ends[cell.needle_token - 1] if cell.needle_token else 0
    low, high = sorted((target, placed))
    between = bisect.bisect_right(haystack.boundaries, high) - bisect.bisect_left(
        haystack.boundaries, low
    )
    assert between <= 2, (depth, between)  # the boundary used, and at most one more
    assert abs(cell.depth_percent - depth) < 5
    if depth == 0:
        assert cell.needle_token == 0
    if depth == 100:
        assert cell.prompt.index(niah.NEEDLE) > cell.prompt.index("</text>") - len(niah.NEEDLE) - 3


def test_needle_sits_at_a_sentence_boundary(haystack) -> None:
    cell = haystack.build(2000, 44)
    before = cell.prompt[: cell.needle_char].rstrip()
    assert before[-1] in '.!?")]', before[-40:]
    assert sentence_boundaries(before + " X")[-1] == len(before)


def test_question_and_needle_are_configurable(haystack) -> None:
    cell = haystack.build(1000, 50, needle="The code is 7421.", question="What is the code?")
    assert "The code is 7421." in cell.prompt and "What is the code?" in cell.prompt
    with pytest.raises(ValueError, match="no room"):
        haystack.build(20, 50)


def test_clean_task_caps_lengths_to_the_model(smollm2_path: Path) -> None:
    meta = {"pretrained": str(smollm2_path), "context_lengths": [1000, 8000, 9000]}
    task = _niah_task({**meta, "protocol": "clean"})
    docs = list(task.test_docs())
    assert sorted({d["context_length"] for d in docs}) == [1000, 8000]
    assert len(docs) == 2 * len(niah.DEFAULT_DEPTHS)
    assert docs[0]["answer"] == niah.ANSWER
    assert task.config.generation_kwargs["max_gen_toks"] == niah.MAX_GEN_TOKS
    prompt = task.fewshot_context(
        docs[0],
        0,
        apply_chat_template=True,
        chat_template=lambda m, **k: "<chat>" + m[-1]["content"],
    )
    assert prompt.startswith("<chat>Read the following text.")


# ----------------------------------------------------------------------------- heatmap
def _write_samples(folder: Path) -> Path:
    path = folder / "samples_acbench_niah_2026-01-01T00-00-00.jsonl"
    rows = [((1000, 0), 1.0), ((1000, 50), 0.5), ((2000, 0), 0.0), ((1000, 0), 0.0)]
    with open(path, "w", encoding="utf-8") as handle:
        for (length, depth), score in rows:
            doc = {"context_length": length, "depth_percent": depth}
            over = 1.0 if length == 2000 else 0.0
            handle.write(json.dumps({"doc": doc, "score": score, "over_window": over}) + "\n")
    (folder / "results_2026-01-01T00-00-00.json").write_text("{}", encoding="utf-8")
    return path


def test_read_cells_averages_repeats_and_finds_files(tmp_path: Path) -> None:
    samples = _write_samples(tmp_path)
    cells = read_cells(samples)
    assert cells == {(1000, 0): 0.5, (1000, 50): 0.5, (2000, 0): 0.0}
    assert read_cells(tmp_path / "results_2026-01-01T00-00-00.json") == cells
    assert read_cells(tmp_path) == cells
    lengths, depths, rows = cell_table(cells)
    assert (lengths, depths, rows) == ([1000, 2000], [0, 50], [[0.5, 0.0], [0.5, None]])
    assert over_window_lengths(tmp_path) == {2000}


def test_read_cells_errors(tmp_path: Path) -> None:
    with pytest.raises(HeatmapError, match="--log_samples"):
        read_cells(tmp_path)
    bad = tmp_path / "samples_acbench_niah_x.jsonl"
    bad.write_text('{"doc": {}}\n', encoding="utf-8")
    with pytest.raises(HeatmapError, match="line 1"):
        read_cells(bad)


def test_heatmap_png_and_command(tmp_path: Path, capsys) -> None:
    from acbench.cli import main

    samples = _write_samples(tmp_path)
    png = plot_heatmap(read_cells(samples), tmp_path / "map.png", title="test", over_window={2000})
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["niah-heatmap", str(tmp_path)]) == 0
    assert (tmp_path / "niah_heatmap.png").is_file()
    assert "mean score 0.333 over 3 cells" in capsys.readouterr().out
    assert main(["niah-heatmap", str(tmp_path / "missing")]) == 2
    other = tmp_path / "other" / "samples_acbench_niah_x.jsonl"
    other.parent.mkdir()
    other.write_text(
        json.dumps({"doc": {"context_length": 4000, "depth_percent": 0}, "score": 1.0}) + "\n",
        encoding="utf-8",
    )
    assert main(["niah-heatmap", str(samples), str(other), "-o", str(tmp_path / "m.png")]) == 0
    assert "mean score 0.500 over 4 cells" in capsys.readouterr().out


def _run_niah(tmp_path: Path, metadata: dict) -> dict:
    """The literal lm_eval command for acbench_niah on SmolLM2; the cells it scored."""
    import subprocess
    import sys

    command = [
        sys.executable, "-m", "lm_eval", "--model", "hf",
        "--model_args", "pretrained=acbench:smollm2", "--tasks", "acbench_niah",
        "--device", "cpu", "--apply_chat_template", "--metadata", json.dumps(metadata),
        "--output_path", str(tmp_path), "--log_samples",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return read_cells(tmp_path)


@pytest.mark.e2e
def test_smollm2_finds_a_short_needle(tmp_path: Path) -> None:
    """SmolLM2 retrieves the needle from a 1k-token haystack (one cell, clean protocol)."""
    meta = {"context_lengths": [1000], "depth_percents": [50], "protocol": "clean"}
    cells = _run_niah(tmp_path, meta)
    assert list(cells) == [(1000, 50)]
    assert cells[(1000, 50)] >= 0.9


@pytest.mark.slow
def test_smollm2_loses_the_needle_mid_context_at_6k(tmp_path: Path) -> None:
    """The README claim: high at 1k, clearly lower at 6k (needle mid-context). ~5 min on CPU."""
    meta = {"context_lengths": [1000, 6000], "depth_percents": [50], "protocol": "clean"}
    cells = _run_niah(tmp_path, meta)
    assert cells[(1000, 50)] >= 0.9
    assert cells[(6000, 50)] <= 0.5
