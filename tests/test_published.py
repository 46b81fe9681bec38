"""Our real-world runs beside ACBench's published AgentBoard numbers: the pure matching, the
``acbench compare --published`` table and the report section. Published values by hand from the
spec's table (Qwen2.5-7B-Instruct base: jericho 8.2/0.0, pddl 33.6/13.3, average 26.5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from results_fixtures import write_run

from acbench.cli import main
from acbench.report import build_report
from acbench_core.reference import (
    beside_runs,
    comparable_with_paper,
    published_method,
    published_model,
)
from acbench_core.results import load_run

QWEN = "Qwen2.5-7B-Instruct"
# pddl: progress 0.5 and 0.25 -> 0.375, success 0.5; jericho: progress 0.2, success 0.0;
# group (size-weighted over the two tasks' 2 + 2 samples): progress (0.75 + 0.4) / 4 = 0.2875.
TASKS = {
    "acbench_realworld_pddl": {"progress_rate": [0.5, 0.25], "success_rate": [1.0, 0.0]},
    "acbench_realworld_jericho": {"progress_rate": [0.1, 0.3], "success_rate": [0.0, 0.0]},
}
GROUPS = {"acbench_realworld": ["acbench_realworld_pddl", "acbench_realworld_jericho"]}


def _runs(root: Path, sample: bool = False) -> list[Path]:
    source = "sample" if sample else None
    base = write_run(root / "base", f"Qwen/{QWEN}", TASKS, groups=GROUPS, data_source=source)
    gptq = write_run(root / "gptq", "ckpt/gptq-w4a16", TASKS, groups=GROUPS, data_source=source)
    if sample:
        for path in (base, gptq):
            data = json.loads(path.read_text())
            for cfg in data["configs"].values():
                cfg["metadata"]["comparable_with_paper"] = False
            path.write_text(json.dumps(data))
    return [base, gptq]


def test_published_model_and_method_matching() -> None:
    assert published_model(f"Qwen/{QWEN}") == QWEN
    assert published_model("/models/qwen2.5-7b-instruct/") == QWEN
    assert published_model("/ckpt/gptq-w4a16") is None and published_model(None) is None
    assert published_method(QWEN, "gptq-w4a16") == "gptq-w4a16"
    assert published_method(QWEN, "wanda-2of4") == "wanda-2:4"  # our preset -> ACBench's label
    assert published_method(QWEN, "eval/sparsegpt-50") == "sparsegpt-un0.5"
    assert published_method(QWEN, "wanda-2:4") == "wanda-2:4"  # ACBench's own label
    assert published_method(QWEN, "awq-w4-g128") is None  # only internlm's table has it
    assert published_method(QWEN, "mystery") is None


def test_rows_put_ours_beside_the_papers(tmp_path: Path) -> None:
    paths = _runs(tmp_path)
    base, gptq = load_run(paths[0], "base"), load_run(paths[1], "gptq-w4a16")
    name, rows = beside_runs([base, gptq])
    assert name == QWEN
    by_key = {(r.env, r.metric): r for r in rows}
    pddl = by_key[("pddl", "progress_rate")]
    assert pddl.ours == {"base": pytest.approx(0.375), "gptq-w4a16": pytest.approx(0.375)}
    assert list(pddl.published) == ["none", "gptq-w4a16"]
    assert round(100 * pddl.published["none"], 1) == 33.6
    assert round(100 * by_key[("pddl", "success_rate")].published["none"], 1) == 13.3
    assert round(100 * by_key[("jericho", "progress_rate")].published["none"], 1) == 8.2
    average = by_key[("average", "progress_rate")]
    assert average.task == "acbench_realworld"
    assert average.ours["base"] == pytest.approx(0.2875)
    assert round(100 * average.published["none"], 1) == 26.5
    # environments neither we nor ACBench have stay out; AlfWorld has no published number
    assert ("alfworld", "progress_rate") not in by_key
    tool_query = by_key[("tool-query", "progress_rate")]
    assert tool_query.ours == {"base": None, "gptq-w4a16": None}
    assert round(100 * tool_query.published["none"], 1) == 44.0


def test_unknown_model_names_the_published_ones(tmp_path: Path) -> None:
    run = load_run(write_run(tmp_path, "my/model", TASKS))
    with pytest.raises(LookupError, match=f"published no AgentBoard numbers.*{QWEN}"):
        beside_runs([run])
    assert beside_runs([run], model=QWEN)[0] == QWEN


def test_compare_published_table_and_markdown(tmp_path: Path, capsys) -> None:
    base, gptq = _runs(tmp_path, sample=True)
    markdown = tmp_path / "out.md"
    args = ["compare", str(base), str(gptq), "--labels", "base,gptq-w4a16", "--bootstrap", "10"]
    assert main([*args, "--published", "--markdown", str(markdown)]) == 0
    out = capsys.readouterr().out
    assert "published: none" in out and "published: gptq-w4a16" in out
    assert "comparable_with_paper: false" in out  # sample problems: said next to the table
    text = markdown.read_text()
    header = (
        "| environment | metric | base | gptq-w4a16 | published: none | published: gptq-w4a16 |"
    )
    assert header in text
    assert "| pddl | progress_rate | 37.5 | 37.5 | 33.6 |" in text
    assert main([*args, "--published", "no-such-model"]) == 2
    assert "published no AgentBoard numbers" in capsys.readouterr().err


def test_report_section_when_the_base_model_is_published(tmp_path: Path) -> None:
    _runs(tmp_path / "runs")
    files = build_report(tmp_path / "runs", base=f"base/Qwen__{QWEN}", n_resamples=0)
    markdown = files.markdown.read_text()
    assert "## Real-world beside ACBench's published numbers" in markdown
    assert "published: gptq-w4a16" in markdown
    assert "beside ACBench's published numbers" in files.html.read_text()
    assert comparable_with_paper(load_run(next((tmp_path / "runs").rglob("results_*.json"))))


def test_no_report_section_for_other_models(tmp_path: Path) -> None:
    write_run(tmp_path / "runs" / "base", "my/model", TASKS, groups=GROUPS)
    files = build_report(tmp_path / "runs", n_resamples=0)
    assert "published numbers" not in files.markdown.read_text()
