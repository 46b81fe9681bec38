"""Compressors on a tiny random Llama (CPU): every preset, measured sparsity/size, bad inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from fakes import FakeTracker

from acbench_core.carbon import make_tracker as REAL_MAKE_TRACKER
from compressors import (
    CalibrationError,
    CompressionError,
    RecipeError,
    compress,
    load_recipe,
    preset_names,
)
from compressors.calibration import CalibrationConfig
from compressors.methods.common import IGNORE, parse_mask_structure

# transformers' note when the tests ask for dequantized weights of a quantized checkpoint
pytestmark = pytest.mark.filterwarnings("ignore:You passed `quantization_config`:UserWarning")
TINY_CALIBRATION = {"dataset": "sample", "num_samples": 4, "max_seq_length": 32}
#: What ACBench ran, by hand from ../shared/spec/compression.md ("What ACBench ran"): preset ->
#: (method, key parameters, calibration or None). Values are the spec's, not read from the YAMLs.
ACBENCH_TABLE: dict[str, tuple[str, dict, dict | None]] = {
    "gptq-w4a16": (
        "gptq",
        {
            "bits": 4,
            "group_size": 128,
            "symmetric": True,
            "actorder": True,
            "dampening": 0.01,
            "block_size": 128,
            "activation_bits": None,
        },
        {"dataset": "pile-val", "num_samples": 128, "max_seq_length": 2048, "seed": 0},
    ),
    "gptq-w8a8": (  # scheme W8A8: int8 per-channel symmetric weights, int8 dynamic per token
        "gptq",
        {"bits": 8, "group_size": None, "symmetric": True, "activation_bits": 8},
        {"dataset": "open_platypus", "num_samples": 1024, "max_seq_length": 2048},
    ),
    "smoothquant-only": (
        "smoothquant",
        {"smoothing_strength": 0.8},
        {"dataset": "open_platypus", "num_samples": 1024, "max_seq_length": 2048},
    ),
    "awq-w4a16-zp": (  # AutoAWQ: zero_point True
        "awq",
        {"bits": 4, "group_size": 128, "symmetric": False, "clip_search": True},
        {"dataset": "pile-val", "num_samples": 128, "max_seq_length": 512, "seed": 42},
    ),
    "awq-w4a16": (  # llmc: symmetric, weight_clip
        "awq",
        {"bits": 4, "group_size": 128, "symmetric": True, "clip_search": True},
        {"dataset": "pile-val", "num_samples": 128, "max_seq_length": 512, "seed": 42},
    ),
    "rtn-w4a16": ("rtn", {"bits": 4, "group_size": 128, "symmetric": True}, None),
    **{
        f"{method}-{name}": (
            method,
            {"sparsity": 0.5, "mask_structure": structure}
            | ({"dampening": 0.01, "block_size": 128} if method == "sparsegpt" else {}),
            None
            if method == "magnitude"
            else {"dataset": "wikitext2", "num_samples": 128, "max_seq_length": 4096, "seed": 0},
        )
        for method in ("magnitude", "wanda", "sparsegpt")
        for name, structure in (("50", "unstructured"), ("2of4", "2:4"))
    },
}
OUR_PRESETS = {
    "gptq-w8a16",
    "smoothquant-gptq-w8a8",
    "magnitude-2of4-rtn-w4a16",
    "wanda-2of4-rtn-w4a16",
    "sparsegpt-2of4-rtn-w4a16",
}
LINEAR_SUFFIXES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def _compression_tracker() -> FakeTracker:
    """0.002 kWh, 0.5 g CO2eq, 3 s per compression, measured in France."""
    return FakeTracker(
        cpu_energy=0.0015,
        ram_energy=0.0005,
        energy_consumed=0.002,
        emissions=0.0005,
        duration=3.0,
        country_name="France",
        country_iso_code="FRA",
        region="",
    )


@pytest.fixture(autouse=True, scope="module")
def fake_codecarbon():
    """codecarbon takes ~2 s per tracker: compressions here use the fake one, except where a
    test asks for the real meter."""
    import acbench_core.carbon

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(acbench_core.carbon, "make_tracker", lambda *a, **k: _compression_tracker())
        yield


def _linear_names(folder: Path) -> list[str]:
    """Target Linear layers of the tiny Llama (what every preset compresses)."""
    config = json.loads((folder / "config.json").read_text())
    return [
        f"model.layers.{i}.{part}.{name}"
        for i in range(config["num_hidden_layers"])
        for part, names in (("self_attn", LINEAR_SUFFIXES[:4]), ("mlp", LINEAR_SUFFIXES[4:]))
        for name in names
    ]


def _tensor_bytes(folder: Path) -> dict[str, int]:
    from safetensors import safe_open

    sizes = {}
    for path in folder.glob("*.safetensors"):
        with safe_open(str(path), framework="pt") as handle:
            for name in handle.keys():  # safe_open is not a Mapping
                tensor = handle.get_tensor(name)
                sizes[name] = tensor.numel() * tensor.element_size()
    return sizes


def _dense_weights(folder: Path) -> dict[str, torch.Tensor]:
    """Weights as the checkpoint stores them, dequantized when it is quantized."""
    from transformers import AutoModelForCausalLM, CompressedTensorsConfig

    quantized = "quantization_config" in json.loads((folder / "config.json").read_text())
    kwargs = {"quantization_config": CompressedTensorsConfig(dequantize=True)} if quantized else {}
    model = AutoModelForCausalLM.from_pretrained(folder, **kwargs)
    return {name: p.detach() for name, p in model.named_parameters()}


@pytest.fixture(scope="module")
def compressed(tiny_llama: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every preset applied once to the tiny Llama (shared by the checks below)."""
    root = tmp_path_factory.mktemp("compressed")
    return {
        name: compress(tiny_llama, name, root / name, calibration=TINY_CALIBRATION).output_dir
        for name in preset_names()
    }


def test_every_preset_says_whose_setting_it_is() -> None:
    assert set(preset_names()) == set(ACBENCH_TABLE) | OUR_PRESETS
    for name in preset_names():
        recipe = load_recipe(name)
        assert recipe.setting == ("acbench" if name in ACBENCH_TABLE else "ours"), name
        assert recipe.reference, name
        for step in recipe.steps:
            assert step.params.get("ignore", IGNORE) == IGNORE  # lm_head is kept everywhere
        assert recipe.needs_calibration == (recipe.calibration is not None), name
        if recipe.setting == "ours":
            assert "not an ACBench setting" in recipe.description


@pytest.mark.parametrize("name", sorted(ACBENCH_TABLE))
def test_acbench_presets_resolve_to_the_spec_table(name: str) -> None:
    method, params, calibration = ACBENCH_TABLE[name]
    recipe = load_recipe(name)
    (step,) = recipe.steps  # ACBench never chained methods
    assert step.method == method
    assert {key: step.params[key] for key in params} == params
    resolved = CalibrationConfig.resolve(recipe.calibration) if calibration else None
    if calibration is None:
        assert recipe.calibration is None and not recipe.needs_calibration
    else:
        for key, value in calibration.items():
            assert getattr(resolved, key) == value, (name, key)


def test_smoothquant_presets_say_what_they_quantize() -> None:
    alone = load_recipe("smoothquant-only")
    assert alone.kinds == {"transform"} and "NOT quantized" in alone.description
    ours = load_recipe("smoothquant-gptq-w8a8")
    assert [s.method for s in ours.steps] == ["smoothquant", "gptq"]
    assert ours.steps[1].params["activation_bits"] == 8


@pytest.mark.parametrize("name", preset_names())
def test_preset_checkpoint_reloads_and_generates(name: str, compressed: dict[str, Path]) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = compressed[name]
    files = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "recipe.yaml", "acbench_compression.json"} <= files
    assert {"acbench_recipe.yaml", "tokenizer.json"} <= files
    assert not [p for p in folder.parent.iterdir() if ".partial-" in p.name]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    inputs = tokenizer("The quick brown fox", return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=3, do_sample=False)
    assert out.shape[1] == inputs["input_ids"].shape[1] + 3

    meta = json.loads((folder / "acbench_compression.json").read_text())
    assert meta["method"] == name
    assert meta["libraries"]["llmcompressor"] and meta["libraries"]["compressed-tensors"]
    assert meta["base_model"]["architecture"] == "LlamaForCausalLM"
    assert meta["wall_time"]["total_s"] > 0 and meta["peak_memory"]["process_max_rss_bytes"] > 0
    check = meta["verification"]
    assert math.isfinite(check["perplexity_base"]) and math.isfinite(check["perplexity_compressed"])
    recipe = load_recipe(name)
    if recipe.needs_calibration:
        assert meta["calibration"]["num_samples"] == 4
        assert meta["calibration"]["max_seq_length"] == 32
        assert meta["calibration"]["seed"] == recipe.calibration.get("seed", 0)
    else:
        assert meta["calibration"] is None
    # the recorded recipe reproduces the run
    assert load_recipe(folder / "acbench_recipe.yaml").to_dict() == recipe.to_dict()


@pytest.mark.parametrize(
    "name", [n for n in preset_names() if "rtn" in n or "gptq" in n or "awq" in n]
)
def test_quantized_linear_weights_are_smaller(name: str, compressed: dict[str, Path]) -> None:
    folder = compressed[name]
    sizes = _tensor_bytes(folder)
    weights = _dense_weights(folder)
    stored = bf16 = 0
    for layer in _linear_names(folder):
        stored += sum(v for k, v in sizes.items() if k.startswith(f"{layer}.weight"))
        bf16 += 2 * weights[f"{layer}.weight"].numel()
        assert f"{layer}.weight_scale" in sizes  # really quantized
    bits = load_recipe(name).steps[-1].params["bits"]
    assert bf16 / stored >= (3.5 if bits == 4 else 1.9)
    assert "lm_head.weight_scale" not in sizes and "lm_head.weight" in sizes  # kept
    meta = json.loads((folder / "acbench_compression.json").read_text())
    scheme = meta["quantization"]["schemes"][0]
    params = load_recipe(name).steps[-1].params
    assert scheme["symmetric"] is params["symmetric"]  # awq-w4a16-zp: zero points
    if params["group_size"] is None:  # W8A8: one scale per output channel
        assert scheme["group_size"] is None and scheme["strategy"] == "channel"
    else:  # the tiny model's 64-wide layers cannot take groups of 128: the largest that fits
        assert scheme["bits"] == bits and scheme["group_size"] == 64
    assert meta["quantization"]["linear_weights"]["ratio_vs_bf16"] == pytest.approx(bf16 / stored)


@pytest.mark.parametrize("name", ["gptq-w8a8", "smoothquant-gptq-w8a8"])
def test_w8a8_quantizes_activations(name: str, compressed: dict[str, Path]) -> None:
    meta = json.loads((compressed[name] / "acbench_compression.json").read_text())
    (scheme,) = meta["quantization"]["schemes"]
    assert (scheme["bits"], scheme["activation_bits"], scheme["group_size"]) == (8, 8, None)
    assert meta["steps"][-1]["resolved"]["scheme"] == "W8A8"


def test_smoothquant_alone_is_not_quantized(tiny_llama: Path, compressed: dict[str, Path]) -> None:
    folder = compressed["smoothquant-only"]
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config
    assert not any(name.endswith("weight_scale") for name in _tensor_bytes(folder))
    smoothed, base = _dense_weights(folder), _dense_weights(tiny_llama)
    changed = [k for k in base if not torch.equal(base[k].to(smoothed[k].dtype), smoothed[k])]
    assert any("norm" in k for k in changed)  # scales folded into the norms...
    assert any("q_proj" in k for k in changed)  # ...and into the Linears they feed
    meta = json.loads((folder / "acbench_compression.json").read_text())
    assert meta["setting"] == "acbench" and meta["quantization"] is None
    assert meta["kinds"] == ["transform"]


def test_gptq_actorder_off_is_really_off(tiny_llama: Path) -> None:
    from transformers import AutoModelForCausalLM

    from compressors.methods import get_method

    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    gptq = get_method("gptq")
    off = gptq.build(gptq.validate({"actorder": False}), model)
    on = gptq.build(gptq.validate({"actorder": True}), model)
    # left unset, llm-compressor's GPTQModifier would turn act-order on ("static")
    assert off.resolved["actorder"] is None and on.resolved["actorder"] == "weight"
    weights = off.modifiers[0].resolve_quantization_config().config_groups["group_0"].weights
    assert weights.actorder is None
    weights = on.modifiers[0].resolve_quantization_config().config_groups["group_0"].weights
    assert weights.actorder == "weight"


@pytest.mark.parametrize(
    "name", [n for n in preset_names() if n.split("-")[0] in ("magnitude", "wanda", "sparsegpt")]
)
def test_pruned_sparsity_and_2of4(name: str, compressed: dict[str, Path]) -> None:
    folder = compressed[name]
    weights = _dense_weights(folder)
    layers = [weights[f"{layer}.weight"] for layer in _linear_names(folder)]
    zeros = sum(int((w == 0).sum()) for w in layers)
    total = sum(w.numel() for w in layers)
    assert abs(zeros / total - 0.5) <= 0.01
    if "2of4" in name:
        for w in layers:
            assert bool(((w.reshape(-1, 4) == 0).sum(-1) >= 2).all())
    assert float((weights["lm_head.weight"] == 0).float().mean()) < 0.01  # lm_head stays dense
    meta = json.loads((folder / "acbench_compression.json").read_text())
    assert abs(meta["sparsity"]["sparsity"] - zeros / total) < 1e-9
    assert meta["sparsity"].get("2:4_conforms", None) is (True if "2of4" in name else None)
    assert meta["sparsity"]["stored"].startswith("dense")


def test_record_has_the_resolved_settings_and_energy(compressed: dict[str, Path]) -> None:
    meta = json.loads((compressed["gptq-w4a16"] / "acbench_compression.json").read_text())
    assert meta["setting"] == "acbench" and "gptq_w4a16.yml" in meta["reference"]
    assert meta["differences"] and "paper_setting" not in meta
    (step,) = meta["steps"]
    assert step["params"]["bits"] == 4 and step["params"]["dampening"] == 0.01
    assert step["resolved"] == {
        "scheme": "W4A16",
        "strategy": "group",
        "group_size": 64,  # 128 does not divide the tiny model's 64-wide layers
        "actorder": "weight",
    }
    calibration = meta["calibration"]
    assert (calibration["dataset"], calibration["num_samples"]) == ("sample", 4)
    assert "fallback" not in calibration  # the test chose the dataset
    energy = meta["energy"]
    assert energy["status"] == "measured" and energy["energy_kwh"] == 0.002
    assert energy["emissions_g_co2eq"] == pytest.approx(0.5)
    assert energy["country_name"] == "France" and energy["joules"] == pytest.approx(7200.0)
    assert energy["hardware"]["cpu_model"] == "Test CPU"
    ours = json.loads((compressed["gptq-w8a16"] / "acbench_compression.json").read_text())
    assert ours["setting"] == "ours"


def test_offline_preset_calibration_falls_back_and_says_so(
    tiny_llama: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from compressors.calibration import offline_fallback

    # open_platypus cannot be read here (HF_HUB_OFFLINE=1, nothing cached)
    with caplog.at_level("WARNING"):
        result = compress(
            tiny_llama,
            "gptq-w8a8",
            tmp_path / "out",
            calibration={"num_samples": 2, "max_seq_length": 32},
            verify=False,
        )
    calibration = result.metadata["calibration"]
    assert calibration["dataset"] == offline_fallback() == calibration["source"]
    assert calibration["fallback"]["requested"] == "open_platypus"
    assert "Open-Platypus" in calibration["fallback"]["reason"]
    assert calibration["comparable_with_acbench"] is False
    assert (calibration["num_samples"], calibration["max_seq_length"]) == (2, 32)
    assert "calibrating on the offline" in caplog.text
    from compressors.cli import format_result

    summary = format_result(result.output_dir, result.record)
    assert "instead of open_platypus" in summary and "0.5 g CO2eq" in summary
    # a dataset the user names is never replaced
    with pytest.raises(CalibrationError, match="Offline, use --calibration sample"):
        compress(
            tiny_llama,
            "gptq-w8a8",
            tmp_path / "out2",
            calibration={"dataset": "open_platypus", "num_samples": 2, "max_seq_length": 32},
        )


def test_compression_energy_with_real_offline_codecarbon(tiny_llama: Path, tmp_path: Path) -> None:
    result = compress(
        tiny_llama,
        "magnitude-50",
        tmp_path / "out",
        verify=False,
        tracker_factory=lambda: REAL_MAKE_TRACKER("CAN"),  # offline: no network, no files
    )
    energy = result.metadata["energy"]
    assert energy["status"] == "measured", energy.get("error")
    assert energy["energy_kwh"] > 0 and energy["emissions_g_co2eq"] > 0
    assert energy["country_name"] == "Canada" and energy["country_iso_code"] == "CAN"
    assert energy["method"] and energy["hardware"]["cpu_count"] >= 1
    assert energy["tool"].startswith("codecarbon ")
    assert not list(tmp_path.glob("*.csv")) and not list(Path.cwd().glob("emissions*.csv"))


def test_compression_energy_failure_keeps_the_checkpoint(tiny_llama: Path, tmp_path: Path) -> None:
    def broken():
        raise OSError("no hardware counters")

    result = compress(tiny_llama, "magnitude-50", tmp_path / "out", tracker_factory=broken)
    energy = result.metadata["energy"]
    assert energy["status"] == "missing" and "no hardware counters" in energy["error"]
    assert (result.output_dir / "model.safetensors").is_file()
    skipped = compress(tiny_llama, "magnitude-50", tmp_path / "out2", energy=False)
    assert skipped.metadata["energy"] is None


def test_progress_reports_layers_and_phases(tiny_llama: Path, tmp_path: Path) -> None:
    events: list[tuple[str, int, int]] = []
    compress(
        tiny_llama,
        "wanda-2of4",
        tmp_path / "out",
        calibration=TINY_CALIBRATION,
        progress=lambda *e: events.append(e),
    )
    phases = [p for p, _, _ in events]
    assert phases[0] == "load" and phases[-1] == "verify"
    layers = [(done, total) for p, done, total in events if p == "layers"]
    assert layers[0] == (0, 2) and layers[-1] == (2, 2)  # the tiny Llama has 2 decoder layers
    assert [d for d, _ in layers] == sorted(d for d, _ in layers)


# --- bad input: a clear error and no output folder ------------------------------------------


def _assert_nothing_written(parent: Path) -> None:
    assert not parent.exists() or not any(parent.iterdir())


def test_unknown_method(tiny_llama: Path, tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"unknown method 'gptq-w3'.*gptq-w4a16"):
        compress(tiny_llama, "gptq-w3", tmp_path / "out" / "x")
    _assert_nothing_written(tmp_path / "out")


def test_path_that_is_not_a_model(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("not a model")
    with pytest.raises(CompressionError, match="cannot load a causal language model"):
        compress(tmp_path / "notes", "rtn-w4a16", tmp_path / "out" / "x")
    _assert_nothing_written(tmp_path / "out")


def test_zero_calibration_samples(tiny_llama: Path, tmp_path: Path) -> None:
    with pytest.raises(CalibrationError, match="num_samples must be a positive integer"):
        compress(tiny_llama, "gptq-w4a16", tmp_path / "out" / "x", calibration={"num_samples": 0})
    _assert_nothing_written(tmp_path / "out")


def test_model_without_linear_layers(tiny_llama: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    # GPT-2 implements its projections as Conv1D: only lm_head (kept) is a Linear layer.
    folder = tmp_path / "gpt2"
    GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=1, n_head=2, vocab_size=400)).save_pretrained(
        folder
    )
    AutoTokenizer.from_pretrained(tiny_llama).save_pretrained(folder)
    with pytest.raises(CompressionError, match="no layers matching targets"):
        compress(folder, "wanda-50", tmp_path / "out" / "x", calibration=TINY_CALIBRATION)
    _assert_nothing_written(tmp_path / "out")


def test_existing_output_is_not_overwritten(tiny_llama: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(CompressionError, match="already exists"):
        compress(tiny_llama, "magnitude-50", out)
    assert (out / "keep.txt").read_text() == "mine"


def test_failed_verification_leaves_no_folder(
    tiny_llama: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import compressors.measure

    calls = []

    def broken_after_compression(model, tokenizer, text=compressors.measure.VERIFY_TEXT):
        calls.append(1)
        return 12.0 if len(calls) == 1 else float("nan")

    monkeypatch.setattr(compressors.measure, "perplexity", broken_after_compression)
    with pytest.raises(CompressionError, match="perplexity of the reloaded checkpoint is nan"):
        compress(tiny_llama, "magnitude-50", tmp_path / "out" / "x")
    _assert_nothing_written(tmp_path / "out")


def test_overwrite_replaces_a_finished_folder(tiny_llama: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    compress(tiny_llama, "magnitude-50", out)
    compress(tiny_llama, "magnitude-2of4", out, overwrite=True)
    assert json.loads((out / "acbench_compression.json").read_text())["method"] == "magnitude-2of4"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        ({"name": "x", "steps": []}, "non-empty list"),
        ({"name": "x", "steps": [{"method": "gptq4"}]}, "unknown method family 'gptq4'"),
        ({"name": "x", "steps": [{"method": "gptq", "bitz": 4}]}, r"unknown parameter.*bitz"),
        ({"name": "x", "steps": [{"method": "rtn", "bits": 1}]}, "bits must be"),
        ({"name": "x", "steps": [{"method": "wanda", "mask_structure": "4:2"}]}, "N:M"),
        (
            {"name": "x", "steps": [{"method": "wanda", "sparsity": 0.3, "mask_structure": "2:4"}]},
            "contradicts sparsity",
        ),
        ({"name": "x", "steps": [{"method": "wanda", "sparsity": 1.5}]}, "between 0 and 1"),
        ({"name": "x", "stepz": []}, "unknown recipe keys"),
    ],
)
def test_bad_recipe_files(recipe: dict, message: str, tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    with pytest.raises(RecipeError, match=message):
        load_recipe(path)


def test_quantizing_after_pruning_with_gptq_warns(caplog: pytest.LogCaptureFixture) -> None:
    from compressors.recipe import parse_recipe

    steps = [{"method": "wanda", "mask_structure": "2:4"}, {"method": "gptq"}]
    with caplog.at_level("WARNING"):
        parse_recipe({"name": "x", "steps": steps})
    assert "gptq after pruning does not keep the sparsity mask" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        parse_recipe({"name": "x", "steps": [steps[0], {"method": "rtn"}]})
    assert caplog.text == ""


def test_user_recipe_file(tiny_llama: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: magnitude-30\nsteps:\n  - method: magnitude\n    sparsity: 0.3\n"
        "  - method: rtn\n    bits: 8\n    group_size: null\n"
    )
    result = compress(tiny_llama, path, tmp_path / "out")
    assert result.metadata["method"] == "magnitude-30"
    assert abs(result.metadata["sparsity"]["sparsity"] - 0.3) < 0.01
    assert result.metadata["quantization"]["schemes"][0]["strategy"] == "channel"


# --- pure pieces ------------------------------------------------------------------------------


def test_magnitude_mask_by_hand() -> None:
    from compressors.methods.common import magnitude_mask

    weight = torch.tensor([[1.0, -4.0, 2.0, 3.0], [0.5, 0.1, -0.2, 9.0]])
    keep = magnitude_mask(weight, 0.5, 2, 4)
    assert keep.tolist() == [[False, True, False, True], [True, False, False, True]]
    keep = magnitude_mask(torch.tensor([[1.0, -2.0], [3.0, 4.0]]), 0.5)
    assert keep.tolist() == [[False, False], [True, True]]
    ties = magnitude_mask(torch.zeros(4, 4), 0.25)  # exactly 4 of 16 pruned even with ties
    assert int((~ties).sum()) == 4
    with pytest.raises(ValueError, match="divisible by 4"):
        magnitude_mask(torch.ones(2, 6), 0.5, 2, 4)


def test_sparsity_report_by_hand() -> None:
    from compressors.measure import sparsity_report

    a, b = torch.nn.Linear(4, 2, bias=False), torch.nn.Linear(4, 1, bias=False)
    a.weight.data = torch.tensor([[0.0, 1.0, 0.0, 2.0], [3.0, 0.0, 4.0, 5.0]])  # 3 zeros
    b.weight.data = torch.tensor([[0.0, 0.0, 0.0, 1.0]])  # 3 zeros
    report = sparsity_report({"a": a, "b": b}, "2:4")
    assert report["sparsity"] == 6 / 12
    assert (report["min_layer_sparsity"], report["max_layer_sparsity"]) == (3 / 8, 3 / 4)
    assert report["2:4_groups"] == 3 and report["2:4_conforming_fraction"] == 2 / 3
    assert report["2:4_conforms"] is False
    assert "2:4_conforms" not in sparsity_report({"a": a}, "unstructured")


def test_mask_structure_parsing() -> None:
    assert parse_mask_structure("unstructured") == (0, 0)
    assert parse_mask_structure("2:4") == (2, 4)
    for bad in ("2:2", "0:4", "two:four", "50%"):
        with pytest.raises(ValueError, match="N:M"):
            parse_mask_structure(bad)


def test_group_size_falls_back_to_what_divides_the_layers() -> None:
    from compressors.methods.common import QUANT_DEFAULTS, resolve_group_size

    def model(*widths: int) -> torch.nn.Module:
        return torch.nn.Sequential(*[torch.nn.Linear(w, 8) for w in widths])

    notes: list[str] = []
    assert resolve_group_size(model(256, 1536), dict(QUANT_DEFAULTS), notes) == 128
    assert notes == []
    assert resolve_group_size(model(576, 1536), dict(QUANT_DEFAULTS), notes) == 64  # SmolLM2
    assert "using 64" in notes[-1]
    assert resolve_group_size(model(100), dict(QUANT_DEFAULTS), notes) is None
    assert "per output channel" in notes[-1]
    assert resolve_group_size(model(100), {**QUANT_DEFAULTS, "group_size": None}, []) is None


# --- calibration data -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokenizer(tiny_llama: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_llama)


def test_calibration_blocks_and_windows(tokenizer) -> None:
    from compressors.calibration import build_calibration_set

    blocks = build_calibration_set(CalibrationConfig("sample", 4, 32), tokenizer)
    assert blocks.info["sampling"] == "consecutive-blocks"
    assert [len(ids) for ids in blocks.input_ids] == [32] * 4
    many = CalibrationConfig("sample", 64, 512, seed=1)
    windows = build_calibration_set(many, tokenizer)
    assert windows.info["sampling"] == "random-windows"
    assert windows.info["corpus_tokens"] < 64 * 512
    again = build_calibration_set(many, tokenizer)
    other = build_calibration_set(CalibrationConfig("sample", 64, 512, seed=2), tokenizer)
    assert again.info["fingerprint"] == windows.info["fingerprint"] != other.info["fingerprint"]
    dataset = windows.to_dataset()
    assert dataset.column_names == ["input_ids", "attention_mask"] and len(dataset) == 64


def test_calibration_from_files(tokenizer, tmp_path: Path) -> None:
    from compressors.calibration import build_calibration_set

    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps({"body": f"line {i} of text " * 8}) for i in range(5)))
    calib = build_calibration_set(
        CalibrationConfig(str(rows), 2, 16, text_column="body"), tokenizer
    )
    assert calib.info["source"] == "file" and len(calib.input_ids) == 2
    with pytest.raises(CalibrationError, match="no rows with a string field 'text'"):
        build_calibration_set(CalibrationConfig(str(rows), 2, 16), tokenizer)
    short = tmp_path / "short.txt"
    short.write_text("Too short.")
    with pytest.raises(CalibrationError, match="fewer than max_seq_length=64"):
        build_calibration_set(CalibrationConfig(str(short), 2, 64), tokenizer)
    with pytest.raises(CalibrationError, match="neither a file nor a known dataset"):
        build_calibration_set(CalibrationConfig("no-such-thing", 2, 16), tokenizer)


def test_calibration_hub_offline_says_what_to_do(tokenizer) -> None:
    from compressors.calibration import build_calibration_set

    with pytest.raises(CalibrationError, match="Offline, use --calibration sample"):
        build_calibration_set(CalibrationConfig("pile-val", 2, 16), tokenizer)


def test_calibration_config_layers() -> None:
    config = CalibrationConfig.resolve({"dataset": "pile-val", "num_samples": 128}, {"seed": 3})
    assert (config.dataset, config.num_samples, config.seed) == ("pile-val", 128, 3)
    assert CalibrationConfig.resolve(None, {"num_samples": None}).num_samples == 128
    with pytest.raises(CalibrationError, match="unknown calibration setting"):
        CalibrationConfig.resolve({"samples": 3})
    with pytest.raises(CalibrationError, match="max_seq_length must be a positive integer"):
        CalibrationConfig(max_seq_length=0)


# --- command line -----------------------------------------------------------------------------


def test_cli_list(capsys: pytest.CaptureFixture[str]) -> None:
    from acbench.cli import main

    assert main(["compress", "--list"]) == 0
    out = capsys.readouterr().out
    for name in preset_names():
        assert name in out


def test_cli_compress_and_errors(
    tiny_llama: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from acbench.cli import main

    out = tmp_path / "rtn"
    assert (
        main(["compress", "--model", str(tiny_llama), "--method", "rtn-w4a16", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "rtn-w4a16" in printed and "W4A16 group 64" in printed and "perplexity" in printed
    record = json.loads((out / "acbench_compression.json").read_text())
    assert record["cpu_threads"]["chosen_by"] in {"idle cores", "torch default"}
    assert 1 <= record["cpu_threads"]["threads"] <= record["cpu_threads"]["cpus"]

    assert (
        main(["compress", "--model", str(tiny_llama), "--method", "nope", "--out", str(out)]) == 2
    )
    assert "unknown method 'nope'" in capsys.readouterr().err
    args = ["compress", "--model", str(tiny_llama), "--method", "wanda-50", "--out"]
    assert main([*args, str(tmp_path / "w"), "--num-samples", "0"]) == 2
    assert "num_samples must be a positive integer" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()
    assert main(["compress", "--method", "wanda-50"]) == 2
