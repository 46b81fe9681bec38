"""``acbench report``: capability scores by hand, the Pareto front, run folders (manifest and
discovered), base detection, the HTML / Markdown files with their plots, notes for missing data
and the command line's exit codes. Fixtures are small lm-eval results files; no model runs."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from results_fixtures import write_run

from acbench.cli import main
from acbench.report import (
    ReportError,
    build_report,
    capability_scores,
    collect_runs,
    energy_totals,
    overall_recovery,
    overall_score,
    pareto_front,
    top_level_entries,
)
from acbench_core.results import Run, load_run

# Per-sample headline values. Base: workflow group = size-weighted mean of os (0.5) and wikihow
# (0.75) = 0.625, long context = niah 0.75 -> overall 0.6875. Variant: os 0.25, wikihow 0.625 ->
# workflow 0.4375, niah 0.5 -> overall 0.46875; recovery 0.46875 / 0.6875 = 68.18 %.
BASE_TASKS = {
    "acbench_workflow_os": {"node_f1": [1.0, 0.5, 0.5, 0.0]},
    "acbench_workflow_wikihow": {"node_f1": [1.0, 1.0, 0.5, 0.5]},
    "acbench_niah": {"score": [1.0, 1.0, 0.0, 1.0]},
}
VARIANT_TASKS = {
    "acbench_workflow_os": {"node_f1": [0.5, 0.5, 0.0, 0.0]},
    "acbench_workflow_wikihow": {"node_f1": [1.0, 0.5, 0.5, 0.5]},
    "acbench_niah": {"score": [1.0, 0.0, 0.0, 1.0]},
}
GROUPS = {"acbench_workflow": ["acbench_workflow_os", "acbench_workflow_wikihow"]}
BFCL = {"acbench_bfcl_simple": {"accuracy": [1.0, 0.0]}}
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a1"
    "c40000000049454e44ae426082"
)


def energy(kwh: float, samples: int = 4) -> dict[str, Any]:
    """An energy block with one measured task (the fields format_energy_summary reads)."""
    task = {
        "status": "measured",
        "energy_kwh": kwh,
        "emissions_kg_co2eq": kwh * 0.4,
        "duration_s": 2.0,
        "joules": kwh * 3.6e6,
        "joules_per_sample": kwh * 3.6e6 / samples,
        "samples": samples,
        "requests": samples,
    }
    return {"tool": "codecarbon 3", "method": "CPU: estimate", "tasks": {"acbench_niah": task}}


def niah_samples(results_file: Path) -> None:
    """Give the NIAH samples next to ``results_file`` the (length, depth) a heatmap needs."""
    path = next(results_file.parent.glob("samples_acbench_niah_*.jsonl"))
    lines = []
    for number, line in enumerate(path.read_text().splitlines()):
        record = json.loads(line)
        length, depth = 1000 * (1 + number // 2), 50 * (number % 2)
        record["doc"] = {"context_length": length, "depth_percent": depth}
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")


def set_model(results_file: Path, model: str) -> None:
    data = json.loads(results_file.read_text())
    data["config"]["model_args"]["pretrained"] = model
    data["model_name"] = model
    results_file.write_text(json.dumps(data))


def checkpoint(folder: Path, weights_bytes: int | None = 250_000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    size = {"weights_bytes": weights_bytes, "base_weights_bytes_on_disk": 1_000_000}
    (folder / "acbench_compression.json").write_text(json.dumps({"method": "rtn", "size": size}))
    return folder


def pipeline_folder(root: Path, *, tasks: dict | None = None, with_energy: bool = True) -> Path:
    """An ``acbench run`` folder: base (a local model folder), an evaluated variant with a
    checkpoint and analysis, and a variant whose evaluation has not run yet."""
    base_model = root / "models" / "base"
    base_model.mkdir(parents=True)
    (base_model / "model.safetensors").write_bytes(b"\0" * 1_000_000)
    write_run(
        root / "eval" / "base",
        "base-model",
        tasks or BASE_TASKS,
        groups=GROUPS,
        energy=energy(0.002) if with_energy else None,
    )
    rtn_results = write_run(
        root / "eval" / "rtn",
        "rtn-model",
        VARIANT_TASKS,
        groups=GROUPS,
        energy=energy(0.001) if with_energy else None,
    )
    checkpoint(root / "checkpoints" / "rtn")
    analysis = root / "analysis" / "rtn"
    analysis.mkdir(parents=True)
    (analysis / "analysis_summary.txt").write_text("ERank: base 12.3, compressed 11.9\n")
    (analysis / "analysis_erank.png").write_bytes(PNG_1X1)
    manifest = {
        "name": "demo",
        "created": "2026-11-25T22:00:00+00:00",
        "base": "base",
        "runs": [
            {"label": "base", "model": str(base_model), "results": "eval/base"},
            {
                "label": "rtn",
                "model": "checkpoints/rtn",
                "results": str(rtn_results.relative_to(root)),  # a file, as acbench run writes
                "checkpoint": "checkpoints/rtn",
                "analysis": "analysis/rtn",
            },
            {"label": "awq", "model": "checkpoints/awq", "results": "eval/awq"},
            {"label": "gptq", "model": "checkpoints/gptq", "results": None},
        ],
    }
    (root / "acbench_run.json").write_text(json.dumps(manifest))
    return root


def images_in_markdown(text: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)


# ---- numbers ---------------------------------------------------------------------------------


def test_capability_scores_overall_and_recovery_by_hand(tmp_path: Path) -> None:
    base = load_run(write_run(tmp_path / "b", "base", BASE_TASKS, groups=GROUPS))
    variant = load_run(write_run(tmp_path / "v", "var", VARIANT_TASKS, groups=GROUPS))
    assert sorted(top_level_entries(base)) == ["acbench_niah", "acbench_workflow"]
    assert capability_scores(base) == pytest.approx({"workflow": 0.625, "long context": 0.75})
    assert capability_scores(variant) == pytest.approx({"workflow": 0.4375, "long context": 0.5})
    assert overall_score(capability_scores(base)) == pytest.approx(0.6875)
    assert overall_score(capability_scores(variant)) == pytest.approx(0.46875)
    assert overall_score({}) is None
    assert overall_recovery(capability_scores(base), capability_scores(variant)) == pytest.approx(
        100 * 0.46875 / 0.6875
    )
    # a capability the variant lacks is left out of both sides
    base_three = {"workflow": 0.6, "tool use": 0.2, "long context": 0.4}
    assert overall_recovery(base_three, {"workflow": 0.3, "long context": 0.4}) == pytest.approx(
        70.0
    )
    assert overall_recovery(base_three, {}) is None


def test_capability_scores_skip_the_acbench_group_and_open_groups_without_a_score() -> None:
    data = {
        "results": {
            "acbench": {"score,none": 0.99},
            "acbench_longcontext": {"alias": "acbench_longcontext"},  # averages nothing
            "acbench_niah": {"score,none": 0.5},
            "acbench_longbench": {"score,none": 0.3},
            "acbench_longbench_trec": {"score,none": 0.2},
            "acbench_longbench_qmsum": {"score,none": 0.4},
            "wikitext": {"word_perplexity,none": 20.0},
        },
        "groups": {"acbench": {"score,none": 0.99}, "acbench_longbench": {"score,none": 0.3}},
        "group_subtasks": {
            "acbench": ["acbench_longcontext"],
            "acbench_longcontext": ["acbench_longbench", "acbench_niah"],
            "acbench_longbench": ["acbench_longbench_trec", "acbench_longbench_qmsum"],
        },
        "higher_is_better": {"wikitext": {"word_perplexity": False}},
    }
    run = Run("x", "x", data)
    assert sorted(top_level_entries(run)) == ["acbench_longcontext", "wikitext"]
    # long context = mean(longbench 0.3, niah 0.5); perplexity (lower is better) left out
    assert capability_scores(run) == pytest.approx({"long context": 0.4})


@pytest.mark.parametrize(
    ("points", "front"),
    [
        ([("a", 1.0, 0.5)], ["a"]),
        ([], []),
        # b is bigger and worse than a; c is bigger and better
        ([("a", 1.0, 0.5), ("b", 2.0, 0.4), ("c", 3.0, 0.9)], ["a", "c"]),
        # same size, lower score: dominated; identical points: both stay
        ([("a", 1.0, 0.5), ("b", 1.0, 0.4), ("c", 1.0, 0.5)], ["a", "c"]),
        # same score, bigger: dominated
        ([("a", 1.0, 0.5), ("b", 2.0, 0.5)], ["a"]),
        # missing or NaN sizes and scores are left out
        ([("a", None, 0.9), ("b", 2.0, 0.5), ("c", math.nan, 1.0), ("d", 1.0, None)], ["b"]),
        ([("a", 3.0, 0.9), ("b", 2.0, 0.8), ("c", 1.0, 0.1)], ["c", "b", "a"]),
    ],
)
def test_pareto_front(points: list, front: list[str]) -> None:
    assert pareto_front(points) == front


def test_energy_totals() -> None:
    block = energy(0.002)
    block["tasks"]["other"] = {"status": "measured", "energy_kwh": 0.001, "samples": 2}
    block["tasks"]["cached"] = {"status": "missing", "error": "resume cache", "samples": 9}
    kwh, per_sample = energy_totals({"energy": block})
    assert kwh == pytest.approx(0.003)
    assert per_sample == pytest.approx(0.003 * 3.6e6 / 6)
    block["tasks"]["other"]["samples"] = None  # one task without a count: no J/sample
    assert energy_totals({"energy": block}) == (pytest.approx(0.003), None)
    assert energy_totals({}) == (None, None)
    assert energy_totals({"energy": None}) == (None, None)
    total = {"total": {"energy_kwh": 0.5, "joules_per_sample": 7.0}}
    assert energy_totals({"energy": total}) == (0.5, 7.0)


# ---- the report of an `acbench run` folder ---------------------------------------------------


@pytest.fixture(scope="module")
def pipeline_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    root = pipeline_folder(tmp_path_factory.mktemp("pipeline"))
    niah_samples(next((root / "eval" / "base").rglob("results_*.json")))
    return root, build_report(root, n_resamples=200)


def test_manifest_report_tables_and_numbers(pipeline_report: tuple[Path, Any]) -> None:
    root, files = pipeline_report
    assert files.markdown == root / "report" / "report.md" and files.html.parent == root / "report"
    md = files.markdown.read_text()
    # | run | role | workflow | long context | overall | recovery % | size | kWh | J/sample | note
    assert "| base | base | 62.5 | 75.0 | 68.8 |  | 1.0 | 0.002 | 1800.0 |  |" in md
    assert "| rtn | variant | 43.8 | 50.0 | 46.9 | 68.2 | 0.2 | 0.001 | 900.0 |  |" in md
    assert "| awq | variant |" in md and "not evaluated (no results yet in" in md
    assert "gptq: not evaluated (no results recorded)" in md
    assert "Runs created:** 2026-11-25T22:00:00+00:00" in md
    assert "acbench_workflow_os" in md and "drop CI" in md  # compare's table
    assert "ERank: base 12.3" in md  # the analysis summary
    assert "Energy" in md and "J/sample" in md
    assert "Warning" not in md  # full data, no --limit


def test_markdown_links_existing_pngs_and_html_embeds_them(
    pipeline_report: tuple[Path, Any],
) -> None:
    _, files = pipeline_report
    out = files.markdown.parent
    links = images_in_markdown(files.markdown.read_text())
    names = {Path(link).name for link in links}
    assert {"capabilities.png", "task_drops.png", "niah_base.png"} <= names
    assert {"pareto_size.png", "pareto_energy.png", "analysis_rtn_analysis_erank.png"} <= names
    assert all((out / link).is_file() and not link.startswith("/") for link in links)
    assert set(files.plots) == {out / link for link in links}
    html = files.html.read_text()
    assert html.count("data:image/png;base64,") == len(links)
    assert '<img src="capabilities.png' not in html and 'src="data:image/png' in html
    assert "<table>" in html and '<th class="num">drop CI</th>' in html and "68.2" in html
    assert "not evaluated" in html and "ERank: base 12.3" in html


def test_two_capabilities_draw_bars_and_say_so(pipeline_report: tuple[Path, Any]) -> None:
    _, files = pipeline_report
    md = files.markdown.read_text()
    assert "Only 2 capabilities (workflow, long context)" in md and "grouped bars" in md


def test_niah_heatmap_from_samples(pipeline_report: tuple[Path, Any]) -> None:
    _, files = pipeline_report
    md = files.markdown.read_text()
    assert (files.markdown.parent / "niah_base.png").stat().st_size > 1000
    assert "![Needle in a Haystack: base](niah_base.png)" in md
    # the variant's samples have no (length, depth): a note, not a crash
    assert "Needle in a Haystack: rtn" in md and "not a NIAH sample" in md


def test_three_capabilities_draw_a_radar_and_missing_data_gives_notes(tmp_path: Path) -> None:
    root = pipeline_folder(tmp_path, tasks={**BASE_TASKS, **BFCL}, with_energy=False)
    (root / "models" / "base" / "model.safetensors").unlink()  # base size unknown...
    files = build_report(root, n_resamples=0)
    md = files.markdown.read_text()
    assert "One polygon per run" in md and "tool use" in md
    assert "No CIs" in md  # --bootstrap 0
    assert "Skipped: no energy data." in md
    assert "rtn: no tool use score" in md
    # rtn's recovery over workflow + long context: 46.875 / 68.75
    assert "| rtn | variant | 43.8 |  | 50.0 | 46.9 | 68.2 |" in md
    # ... so it comes from the checkpoint's record of its base
    assert "size from rtn's acbench_compression.json" in md
    # columns in the paper's order: workflow, tool use, long context
    assert "| base | base | 62.5 | 50.0 | 75.0 | 62.5 |  | 1.0 |" in md


def test_no_niah_and_no_sizes_give_notes(tmp_path: Path) -> None:
    tasks = {k: v for k, v in BASE_TASKS.items() if k != "acbench_niah"}
    write_run(tmp_path / "runs", "org/base", tasks, groups=GROUPS)
    write_run(tmp_path / "runs", "org/other", tasks, groups=GROUPS, log_samples=False)
    files = build_report(tmp_path / "runs", base="org__base", n_resamples=0)
    md = files.markdown.read_text()
    assert "Skipped: no run has NIAH samples" in md
    assert "Skipped: no size data." in md and "size unknown (org/base" in md
    assert "Only 1 capability (workflow)" in md


def test_base_not_evaluated_still_renders(tmp_path: Path) -> None:
    root = pipeline_folder(tmp_path)
    manifest = json.loads((root / "acbench_run.json").read_text())
    manifest["base"] = "awq"
    (root / "acbench_run.json").write_text(json.dumps(manifest))
    files = build_report(root, tmp_path / "out", n_resamples=0)
    md = files.markdown.read_text()
    assert files.html.parent == tmp_path / "out"
    assert "Skipped: the base run is not evaluated." in md and "No comparison" in md


def test_partial_results_are_flagged(tmp_path: Path) -> None:
    write_run(tmp_path / "r", "org/base", BASE_TASKS, groups=GROUPS, data_source="sample")
    write_run(tmp_path / "r", "org/small", BASE_TASKS, groups=GROUPS, original=10)
    files = build_report(tmp_path / "r", base="org__base", n_resamples=0)
    md, html = files.markdown.read_text(), files.html.read_text()
    assert "> **Warning:** org__base: not full-benchmark scores — bundled sample data" in md
    assert "4 of 10 samples (--limit)" in md
    assert 'class="warning"' in html and "bundled sample data" in html
    assert "Data source:** sample, task default" in md


# ---- discovered folders and the base ---------------------------------------------------------


def test_discovered_folder_detects_the_uncompressed_base(tmp_path: Path) -> None:
    ckpt = checkpoint(tmp_path / "ckpt", weights_bytes=300_000)
    write_run(tmp_path / "runs", "org/base", BASE_TASKS, groups=GROUPS)
    variant = write_run(tmp_path / "runs" / "q", "variant", VARIANT_TASKS, groups=GROUPS)
    set_model(variant, str(ckpt))
    runs = collect_runs(tmp_path / "runs")
    assert runs.base.label == "org__base"
    assert [v.label for v in runs.variants] == ["q/variant"]
    assert runs.variants[0].size_bytes == 300_000
    assert runs.base.size_bytes == 1_000_000  # recorded by the checkpoint
    md = build_report(tmp_path / "runs", n_resamples=0).markdown.read_text()
    assert "| q/variant | variant | 43.8 | 50.0 | 46.9 | 68.2 | 0.3 |" in md


def test_ambiguous_or_unknown_base_is_a_clear_error(tmp_path: Path) -> None:
    write_run(tmp_path / "runs", "org/a", BASE_TASKS)
    write_run(tmp_path / "runs", "org/b", VARIANT_TASKS)
    with pytest.raises(ReportError, match=r"--base with one of: org__a, org__b"):
        collect_runs(tmp_path / "runs")
    assert collect_runs(tmp_path / "runs", base="org__b").base.label == "org__b"
    with pytest.raises(ReportError, match=r"unknown base run 'nope'; the runs are: org__a"):
        collect_runs(tmp_path / "runs", base="nope")


def test_bad_manifests_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "acbench_run.json").write_text("{not json")
    with pytest.raises(ReportError, match="not a readable JSON file"):
        collect_runs(tmp_path)
    (tmp_path / "acbench_run.json").write_text(json.dumps({"runs": []}))
    with pytest.raises(ReportError, match="no runs listed"):
        collect_runs(tmp_path)
    runs = [{"label": "a", "results": "x"}, {"label": "a", "results": "y"}]
    (tmp_path / "acbench_run.json").write_text(json.dumps({"runs": runs}))
    with pytest.raises(ReportError, match="must be unique"):
        collect_runs(tmp_path)


# ---- command line ----------------------------------------------------------------------------


def test_cli_prints_the_files_and_exits_2_on_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_run(tmp_path / "runs", "org/a", BASE_TASKS)
    write_run(tmp_path / "runs", "org/b", VARIANT_TASKS)
    code = main(["report", str(tmp_path / "runs"), "--base", "org__a", "--bootstrap", "50"])
    out = capsys.readouterr().out.split()
    assert code == 0 and out == [
        str(tmp_path / "runs" / "report" / "report.html"),
        str(tmp_path / "runs" / "report" / "report.md"),
    ]
    (tmp_path / "empty").mkdir()
    cases = [
        ([str(tmp_path / "empty")], "no runs found"),
        ([str(tmp_path / "missing")], "no such folder"),
        ([str(tmp_path / "runs")], "pass --base"),
        ([str(tmp_path / "runs"), "--base", "zzz"], "unknown base run 'zzz'"),
        ([str(tmp_path / "runs"), "--base", "org__a", "--confidence", "2"], "confidence"),
        ([str(tmp_path / "runs"), "--base", "org__a", "--bootstrap", "-1"], "resamples"),
    ]
    for args, message in cases:
        assert main(["report", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_energy_partly_from_the_resume_cache_gives_a_note(tmp_path: Path) -> None:
    block = energy(0.002)
    block["tasks"]["acbench_niah"]["note"] = "part of the requests came from the resume cache"
    write_run(tmp_path / "runs", "org/base", BASE_TASKS, groups=GROUPS, energy=block)
    write_run(tmp_path / "runs", "org/other", BASE_TASKS, groups=GROUPS, energy=energy(0.001))
    md = build_report(tmp_path / "runs", base="org__base", n_resamples=0).markdown.read_text()
    assert "org__base: energy covers only part of the requests of acbench_niah" in md
    assert "org__other: energy covers" not in md


def test_a_float32_base_gets_a_size_note(tmp_path: Path) -> None:
    root = pipeline_folder(tmp_path)
    (root / "models" / "base" / "config.json").write_text('{"dtype": "float32"}')
    md = build_report(root, n_resamples=0).markdown.read_text()
    assert "base: weights stored as float32 (1.0 MB); in bf16" in md
    assert "about 0.5 MB" in md
    (root / "models" / "base" / "config.json").write_text('{"torch_dtype": "bfloat16"}')
    assert "stored as float32" not in build_report(root, n_resamples=0).markdown.read_text()
