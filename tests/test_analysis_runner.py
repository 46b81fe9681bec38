"""``acbench analyze`` end to end: a tiny Llama against its RTN 4-bit copy, and against itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acbench.cli import main


def rtn_fake_quantize(model, bits: int = 4) -> None:
    """Round the Linear weights in place to ``bits`` signed levels per output channel (RTN).

    The output head stays dense, as in llm-compressor's default recipes (it is often tied to the
    embeddings).
    """
    import torch

    top = 2 ** (bits - 1) - 1
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.Linear) and not name.endswith("lm_head"):
                weight = module.weight
                scale = weight.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / top
                weight.copy_((weight / scale).round().clamp(-top - 1, top) * scale)


@pytest.fixture(scope="module")
def tiny_rtn(tiny_llama: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    rtn_fake_quantize(model)
    target = tmp_path_factory.mktemp("tiny-llama-rtn")
    model.save_pretrained(target)
    return target


def test_analyze_cli_tiny_model_vs_rtn_copy(
    tiny_llama: Path, tiny_rtn: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "analysis"
    code = main(
        [
            "analyze",
            "--base",
            str(tiny_llama),
            "--compressed",
            str(tiny_rtn),
            "--texts",
            "sample",
            "--max-texts",
            "6",
            "--max-tokens",
            "64",
            "--topk",
            "3,10",
            "--topk-sequences",
            "4",
            "--topk-tokens",
            "16",
            "--hidden",
            "--output",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Diff-ERank" in printed and "Top-10" in printed
    for name in ("analysis_erank.png", "analysis_topk.png", "analysis_energy.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((out / "analysis.json").read_text())
    assert report["texts"] == {
        "source": "sample:analysis_sample.txt",
        "count": 6,
        "tokens": 6 * 64,
        "topk_sequences": 4,
    }
    for rep in ("logits", "hidden"):
        erank = report["erank"][rep]
        assert 1 < erank["base"] <= 64 and 1 < erank["compressed"] <= 64
        assert len(erank["base_per_text"]) == 6
        assert erank["diff_erank"]["absolute"] == pytest.approx(erank["compressed"] - erank["base"])
    for k in ("3", "10"):
        for name in ("kendall", "spearman"):
            curve = report["topk_correlation"][k][name]
            assert len(curve["per_position"]) == 16
            # 4-bit rounding perturbs a random model's logits: related but not identical ranks.
            assert 0.0 < curve["overall"] < 1.0
    energy = report["logit_energy"]
    assert sum(energy["histogram"]["base"]) == 6 * 64
    assert energy["wasserstein"] > 0
    assert report["perplexity"]["compressed"] != report["perplexity"]["base"]
    assert (out / "analysis_summary.txt").read_text().startswith("ACBench analysis")


def test_analyze_model_against_itself_shows_no_change(tiny_llama: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from acbench.analysis import AnalysisSettings, analyze

    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    report = analyze(
        model,
        model,
        ["The quick brown fox jumps over the lazy dog. " * 4, "Paul Graham wrote essays. " * 5],
        settings=AnalysisSettings(ks=(3, 5), topk_tokens=8),
        tokenizer=AutoTokenizer.from_pretrained(tiny_llama),
        progress=False,
    )
    assert report["erank"]["logits"]["diff_erank"]["absolute"] == 0.0
    for k in ("3", "5"):
        assert report["topk_correlation"][k]["kendall"]["overall"] == pytest.approx(1.0)
        assert report["topk_correlation"][k]["spearman"]["overall"] == pytest.approx(1.0)
    assert report["logit_energy"]["wasserstein"] == 0.0
    assert "files" not in report  # nothing written without output_dir


def test_analyze_reports_unusable_inputs(
    tiny_llama: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from acbench.analysis import AnalysisError, AnalysisSettings, analyze

    with pytest.raises(AnalysisError, match="two or more tokens"):
        analyze(tiny_llama, tiny_llama, ["", "   "], progress=False)
    with pytest.raises(AnalysisError, match="at least 2"):
        AnalysisSettings(ks=(1,))
    with pytest.raises(AnalysisError, match="representations"):
        AnalysisSettings(representations=("attention",))
    code = main(
        [
            *("analyze", "--base", str(tiny_llama), "--compressed", str(tmp_path / "nope")),
            *("--texts", "sample", "--max-texts", "1", "--no-progress", "--output", str(tmp_path)),
        ]
    )
    assert code == 2
    assert "could not load model" in capsys.readouterr().err
    assert main(["analyze", "--base", "a", "--compressed", "b", "--topk", "x"]) == 2
    missing = ["--base", str(tmp_path / "no-base"), "--compressed", "b", "--texts", "sample"]
    assert main(["analyze", *missing]) == 2
    assert "could not load the tokenizer" in capsys.readouterr().err


@pytest.mark.e2e
def test_analyze_smollm2_vs_rtn_copy(smollm2_path: Path) -> None:
    """The bundled SmolLM2 against an in-memory RTN int4 copy (Python API, loaded models)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from acbench.analysis import AnalysisSettings, analyze

    base = AutoModelForCausalLM.from_pretrained(smollm2_path)
    compressed = AutoModelForCausalLM.from_pretrained(smollm2_path)
    rtn_fake_quantize(compressed)
    report = analyze(
        base,
        compressed,
        "sample",
        settings=AnalysisSettings(max_texts=4, max_tokens=48, topk_sequences=4),
        tokenizer=AutoTokenizer.from_pretrained(smollm2_path),
        progress=False,
    )
    # RTN int4 per-channel visibly hurts SmolLM2 (perplexity ~26 → ~59 on essay text).
    assert report["perplexity"]["compressed"] > report["perplexity"]["base"]
    top10 = report["topk_correlation"]["10"]
    assert 0.2 < top10["kendall"]["overall"] < 0.95
    assert top10["spearman"]["overall"] > top10["kendall"]["overall"]
    assert report["logit_energy"]["wasserstein"] > 0


def test_a_vocabulary_mismatch_stops_before_any_forward_pass(
    tiny_llama: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM

    from acbench.analysis import AnalysisError, analyze
    from acbench.analysis import runner as analysis_runner

    config = AutoConfig.from_pretrained(tiny_llama)
    config.vocab_size = 300  # fewer rows than the base tokenizer's ids
    other = tmp_path / "other-vocab"
    AutoModelForCausalLM.from_config(config).save_pretrained(other)

    def no_forward(*args, **kwargs):
        raise AssertionError("a forward pass ran before the vocabulary check")

    monkeypatch.setattr(analysis_runner, "_run_model", no_forward)
    with pytest.raises(AnalysisError, match=r"vocabulary \(300\)"):
        analyze(tiny_llama, other, texts="sample", progress=False)
