"""Needle-in-a-Haystack: scorer, grid, prompt length and needle depth, heatmap and its command."""

from __future__ import annotations

import bisect
import json
from pathlib import Path

import pytest

from acbench_tasks.common.long_context import count_tokens, load_tokenizer, sentence_boundaries
from acbench_tasks.niah import niah
from acbench_tasks.niah.heatmap import HeatmapError, cell_table, plot_heatmap, read_cells


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


# ----------------------------------------------------------------------------- haystack
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


def test_dataset_caps_lengths_to_the_model(smollm2_path: Path) -> None:
    meta = {"pretrained": str(smollm2_path), "context_lengths": [1000, 8000, 9000]}
    docs = niah.load_dataset(**meta)["test"]
    assert sorted({d["context_length"] for d in docs}) == [1000, 8000]
    assert len(docs) == 2 * len(niah.DEFAULT_DEPTHS)
    assert docs[0]["answer"] == niah.ANSWER


# ----------------------------------------------------------------------------- heatmap
def _write_samples(folder: Path) -> Path:
    path = folder / "samples_acbench_niah_2026-01-01T00-00-00.jsonl"
    rows = [((1000, 0), 1.0), ((1000, 50), 0.5), ((2000, 0), 0.0), ((1000, 0), 0.0)]
    with open(path, "w", encoding="utf-8") as handle:
        for (length, depth), score in rows:
            doc = {"context_length": length, "depth_percent": depth}
            handle.write(json.dumps({"doc": doc, "score": score}) + "\n")
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
    png = plot_heatmap(read_cells(samples), tmp_path / "map.png", title="test")
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
    """SmolLM2 retrieves the needle from a 1k-token haystack (one cell, chat template)."""
    cells = _run_niah(tmp_path, {"context_lengths": [1000], "depth_percents": [50]})
    assert list(cells) == [(1000, 50)]
    assert cells[(1000, 50)] >= 0.9


@pytest.mark.slow
def test_smollm2_loses_the_needle_mid_context_at_6k(tmp_path: Path) -> None:
    """The README claim: high at 1k, clearly lower at 6k (needle mid-context). ~5 min on CPU."""
    cells = _run_niah(tmp_path, {"context_lengths": [1000, 6000], "depth_percents": [50]})
    assert cells[(1000, 50)] >= 0.9
    assert cells[(6000, 50)] <= 0.5
