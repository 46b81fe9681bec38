"""``acbench compare``: recovery and drop math, the paired bootstrap, lm-eval and Open LLM
Leaderboard results files side by side, and the terminal / Markdown / CSV output."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from results_fixtures import LEADERBOARD_DATE, write_leaderboard_run, write_run

from acbench.cli import main
from acbench.compare.formats import format_csv, format_markdown, format_table
from acbench_core.bootstrap import paired_bootstrap
from acbench_core.comparison import (
    Row,
    compare_runs,
    paired_differences,
    recovery,
    relative_drop,
)
from acbench_core.results import ResultsError, load_run

SMOL = "HuggingFaceTB/SmolLM2-135M-Instruct"


# ---- the math, by hand -----------------------------------------------------------------------


def test_recovery_and_relative_drop() -> None:
    assert recovery(0.8, 0.6) == pytest.approx(75.0)
    assert relative_drop(0.8, 0.6) == pytest.approx(25.0)
    assert relative_drop(0.5, 0.6) == pytest.approx(-20.0)  # a gain is a negative drop
    assert recovery(0.0, 0.3) is None and relative_drop(0.0, 0.3) is None
    # lower is better (e.g. perplexity 10 -> 20): half the quality, a 100% worse score
    assert recovery(10.0, 20.0, higher_better=False) == pytest.approx(50.0)
    assert relative_drop(10.0, 20.0, higher_better=False) == pytest.approx(100.0)
    assert recovery(10.0, 0.0, higher_better=False) is None
    row = Row("c", "t", False, "v", "ppl", 10.0, 12.0, higher_is_better=False)
    assert row.drop == pytest.approx(2.0) and row.significance == "n/a"


def test_bootstrap_of_two_values_matches_its_exact_distribution() -> None:
    # diffs [0, 1]: the resampled mean is 0 (p 1/4), 0.5 (p 1/2) or 1 (p 1/4).
    wide = paired_bootstrap([[0.0, 1.0]], n_resamples=20_000, confidence=0.95)
    assert (wide.low, wide.high) == (0.0, 1.0) and not wide.significant
    # a 40% interval cuts at the 30th and 70th percentiles: both inside the 0.5 mass
    narrow = paired_bootstrap([[0.0, 1.0]], n_resamples=20_000, confidence=0.4)
    assert (narrow.low, narrow.high) == (0.5, 0.5) and narrow.significant
    assert narrow.n_pairs == 2


def test_bootstrap_constant_and_stratified() -> None:
    const = paired_bootstrap([[0.25, 0.25, 0.25]])
    assert const.low == pytest.approx(0.25) and const.high == pytest.approx(0.25)
    # two strata with constant differences 1 and 0, weighted 3:1 -> exactly 0.75
    mixed = paired_bootstrap([[1.0] * 3, [0.0]], weights=[3, 1])
    assert mixed.low == pytest.approx(0.75) and mixed.high == pytest.approx(0.75)
    skipped = paired_bootstrap([[1.0], [], [0.0, 0.0]], weights=[1, 5, 1])  # empty: no weight
    assert skipped.low == pytest.approx(0.5) and skipped.n_pairs == 3
    equal = paired_bootstrap([[1.0] * 3, [0.0]])
    assert equal.low == pytest.approx(0.5)
    assert paired_bootstrap([[0.0, 1.0, 0.5]], seed=3) == paired_bootstrap(
        [[0.0, 1.0, 0.5]], seed=3
    )
    with pytest.raises(ValueError):
        paired_bootstrap([[]])


# ---- our runs --------------------------------------------------------------------------------


@pytest.fixture()
def runs(tmp_path: Path) -> tuple[Path, Path]:
    groups = {"acbench_workflow": ["acbench_workflow_os", "acbench_workflow_wikihow"]}
    base = write_run(
        tmp_path / "base",
        SMOL,
        {
            "acbench_workflow_os": {"node_f1": [1.0, 0.5, 0.0, 1.0], "parse_rate": [1, 1, 1, 1]},
            "acbench_workflow_wikihow": {"node_f1": [1.0] * 10, "parse_rate": [1] * 10},
        },
        groups=groups,
    )
    compressed = write_run(
        tmp_path / "rtn",
        "out/smollm2-rtn",
        {
            "acbench_workflow_os": {"node_f1": [0.5, 0.5, 0.0, 0.0], "parse_rate": [1, 0, 1, 1]},
            "acbench_workflow_wikihow": {"node_f1": [0.0] * 10, "parse_rate": [0] * 10},
        },
        groups=groups,
    )
    return base, compressed


def test_compare_our_runs_by_hand(runs: tuple[Path, Path]) -> None:
    base, compressed = (load_run(p) for p in runs)
    rows = {r.task: r for r in compare_runs(base, [compressed], n_resamples=5000)}
    os_row = rows["acbench_workflow_os"]
    assert (os_row.metric, os_row.capability, os_row.n_base) == ("node_f1", "workflow", 4)
    assert os_row.base == pytest.approx(0.625) and os_row.compressed == pytest.approx(0.25)
    assert os_row.drop == pytest.approx(0.375)
    assert os_row.relative_drop == pytest.approx(60.0) and os_row.recovery == pytest.approx(40.0)
    # diffs base-compressed = [0.5, 0, 0, 1]; all-zero resamples have p = (1/2)^4 = 6.25% > 2.5%
    assert os_row.ci.low == 0.0 and os_row.ci.high <= 1.0 and os_row.significance == "no"
    wiki = rows["acbench_workflow_wikihow"]
    assert (wiki.ci.low, wiki.ci.high) == (1.0, 1.0) and wiki.significance == "drop"
    group = rows["acbench_workflow"]
    assert group.is_group and group.base == pytest.approx((0.625 * 4 + 10) / 14)
    assert group.compressed == pytest.approx(1.0 / 14)
    # size-weighted strata: (4 * mean_os + 10 * 1) / 14, lowest value 10/14 (p 6.25%)
    assert group.ci.low == pytest.approx(10 / 14) and group.ci.high <= 1.0
    assert group.significance == "drop" and group.ci.n_pairs == 14


def test_several_variants_side_by_side(runs: tuple[Path, Path], capsys) -> None:
    base, compressed = runs
    assert (
        main(
            [
                "compare",
                str(base),
                str(compressed),
                str(compressed),
                "--bootstrap",
                "200",
                "--tasks",
                "acbench_workflow_os",
            ]
        )
        == 0
    )
    shown = capsys.readouterr().out
    assert "out/smollm2-rtn (2)" in shown  # same model twice: labels made unique
    rows = compare_runs(load_run(base), [load_run(compressed), load_run(base)], n_resamples=200)
    same = [r for r in rows if r.variant == SMOL and r.task == "acbench_workflow_os"]
    assert same[0].drop == 0.0 and same[0].recovery == 100.0 and same[0].significance == "no"


def test_no_ci_without_matching_samples(tmp_path: Path, runs: tuple[Path, Path]) -> None:
    base = load_run(runs[0])
    other = write_run(tmp_path / "limit", "x", {"acbench_workflow_os": {"node_f1": [0.0, 1.0]}})
    nolog = write_run(
        tmp_path / "nolog", "y", {"acbench_workflow_os": {"node_f1": [0.0] * 4}}, log_samples=False
    )
    for path in (other, nolog):
        row = compare_runs(base, [load_run(path)])[0]
        assert row.ci is None and row.significance == "n/a" and row.compressed is not None
    assert paired_differences(base, load_run(other), "acbench_workflow_os", "node_f1,none") == []


def test_corpus_level_sample_values_give_no_ci(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", "a", {"t": {"bleu": [1.0, 2.0]}})
    b = write_run(tmp_path / "b", "b", {"t": {"bleu": [1.0, 2.0]}})
    sample_file = next((tmp_path / "b" / "b").glob("samples_*.jsonl"))
    lines = [json.loads(x) for x in sample_file.read_text().splitlines()]
    for line in lines:
        line["bleu"] = ["prediction", "reference"]  # what corpus-level metrics log per sample
    sample_file.write_text("\n".join(json.dumps(x) for x in lines))
    assert compare_runs(load_run(a), [load_run(b)])[0].ci is None


def test_folder_of_several_runs_is_merged_newest_first(tmp_path: Path) -> None:
    write_run(
        tmp_path,
        "m",
        {"t1": {"acc": [1.0]}, "t2": {"acc": [0.0]}},
        date="2026-01-01T00-00-00.000000",
    )
    write_run(tmp_path, "m", {"t2": {"acc": [1.0, 1.0]}}, date="2026-02-01T00-00-00.000000")
    run = load_run(tmp_path)
    assert run.entry("t1")["acc,none"] == 1.0 and run.entry("t2")["acc,none"] == 1.0
    assert run.sample_files["t2"].endswith("2026-02-01T00-00-00.000000.jsonl")
    assert len(run.samples("t2")) == 2


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="no such file"):
        load_run(tmp_path / "missing" / "deeper" / "x.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError, match="no lm-eval results"):
        load_run(tmp_path / "empty")
    bad = tmp_path / "results_2026-01-01T00-00-00.json"
    bad.write_text("{not json")
    with pytest.raises(ResultsError, match="not a readable JSON"):
        load_run(bad)
    bad.write_text(json.dumps({"scores": 1}))
    with pytest.raises(ResultsError, match="not an lm-eval results"):
        load_run(bad)
    assert main(["compare", str(bad), str(bad)]) == 2


# ---- the Open LLM Leaderboard ----------------------------------------------------------------


def _ours_on_leaderboard_tasks(folder: Path) -> Path:
    return write_run(
        folder,
        "out/smollm2-gptq",
        {
            "leaderboard_bbh_boolean_expressions": {"acc_norm": [1.0, 0.0, 1.0, 0.0]},
            "leaderboard_bbh_navigate": {"acc_norm": [0.0, 1.0, 0.0, 0.0]},
            "leaderboard_ifeval": {"prompt_level_strict_acc": [0.0, 1.0, 0.0, 0.0, 0.0]},
        },
        groups={
            "leaderboard_bbh": ["leaderboard_bbh_boolean_expressions", "leaderboard_bbh_navigate"]
        },
        date=LEADERBOARD_DATE,
    )


def test_compare_with_a_leaderboard_results_file(tmp_path: Path) -> None:
    board = load_run(write_leaderboard_run(tmp_path / "board", SMOL))
    ours = load_run(_ours_on_leaderboard_tasks(tmp_path / "ours"))
    assert board.label == SMOL and board.model == SMOL  # model_args is a string there
    rows = {r.task: r for r in compare_runs(board, [ours])}
    assert set(rows) == {
        "leaderboard_bbh",
        "leaderboard_bbh_boolean_expressions",
        "leaderboard_bbh_navigate",
        "leaderboard_ifeval",
    }
    boolean = rows["leaderboard_bbh_boolean_expressions"]
    assert (boolean.metric, boolean.capability) == ("acc_norm", "leaderboard")
    assert boolean.base == 0.75 and boolean.compressed == 0.5
    assert boolean.recovery == pytest.approx(200 / 3)
    # diffs [0, 1, 0, 0]: P(all zero) = (3/4)^4 = 32% -> the CI starts at 0, not significant
    assert boolean.ci.low == 0.0 and boolean.significance == "no"
    assert rows["leaderboard_bbh_navigate"].ci.high == 0.0
    ifeval = rows["leaderboard_ifeval"]
    assert ifeval.metric == "prompt_level_strict_acc" and ifeval.ci is None  # no board samples
    assert ifeval.n_base == 541 and ifeval.n_compressed == 5
    group = rows["leaderboard_bbh"]
    assert group.is_group and group.base == 0.5 and group.compressed == pytest.approx(0.375)


def test_cli_writes_table_markdown_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    board = write_leaderboard_run(tmp_path / "board", SMOL)
    ours = _ours_on_leaderboard_tasks(tmp_path / "ours")
    md, table = tmp_path / "out" / "cmp.md", tmp_path / "out" / "cmp.csv"
    code = main(
        [
            "compare",
            str(board),
            str(ours.parent),
            "--labels",
            "leaderboard,gptq",
            "--markdown",
            str(md),
            "--csv",
            str(table),
            "--bootstrap",
            "2000",
        ]
    )
    assert code == 0
    shown = capsys.readouterr().out
    assert "leaderboard_bbh_navigate" in shown and "gptq" in shown and "recovery %" in shown
    lines = md.read_text().splitlines()
    assert lines[0].startswith("| capability | task | variant |")
    assert any(
        "| leaderboard_bbh_boolean_expressions | gptq | acc_norm | 4 | 75.0 | 50.0 | 25.0 "
        "| 33.3 | 66.7 |" in line
        for line in lines
    )
    records = list(csv.DictReader(io.StringIO(table.read_text())))
    nav = next(r for r in records if r["task"] == "leaderboard_bbh_navigate")
    assert float(nav["base"]) == 0.25 and float(nav["drop"]) == 0.0 and nav["significant"] == "no"
    assert len(records) == 4
    assert main(["compare", str(board), str(ours), "--labels", "only-one"]) == 2


def test_rich_table_marks_significant_drops(runs: tuple[Path, Path]) -> None:
    base, compressed = (load_run(p) for p in runs)
    rows = compare_runs(base, [compressed], n_resamples=500)
    text = format_table(rows, title="base")
    assert "acbench_workflow (group)" in text and "drop" in text
    assert format_markdown(rows).count("\n| ") == len(rows)  # header, separator, rows
    assert format_csv(rows).count("\n") == len(rows) + 1


@pytest.mark.e2e
def test_compare_reads_a_leaderboard_details_dataset_from_the_hub(tmp_path: Path) -> None:
    """A Hub dataset id, through the real client, against the loopback Hub server."""
    from hub_server import HubServer

    board = write_leaderboard_run(tmp_path / "board", SMOL)
    files = {f"{board.parent.name}/{p.name}": p.read_bytes() for p in board.parent.iterdir()}
    ours = _ours_on_leaderboard_tasks(tmp_path / "ours")
    with HubServer({"tok": "reader"}, lifetime_s=120) as hub:
        hub.seed("dataset", "open-llm-leaderboard/SmolLM2-details", files)
        env = dict(
            os.environ,
            HF_ENDPOINT=hub.url,
            HF_HUB_DISABLE_XET="1",
            HF_HUB_OFFLINE="0",
            HF_HOME=str(tmp_path / "hf"),
            HF_TOKEN="tok",
            OMP_NUM_THREADS="1",
        )
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "acbench",
                "compare",
                "open-llm-leaderboard/SmolLM2-details",
                str(ours),
                "--csv",
                str(tmp_path / "c.csv"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        missing = subprocess.run(
            [sys.executable, "-m", "acbench", "compare", "open-llm-leaderboard/nope", str(ours)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert out.returncode == 0, out.stderr
    records = list(csv.DictReader(io.StringIO((tmp_path / "c.csv").read_text())))
    boolean = next(r for r in records if r["task"] == "leaderboard_bbh_boolean_expressions")
    assert boolean["variant"] == "out/smollm2-gptq" and float(boolean["ci_low"]) == 0.0
    assert missing.returncode == 2 and "cannot list the Hub dataset" in missing.stderr


OLDER = "2024-06-01T09-00-00.000000"


def _details_repo(folder: Path) -> Path:
    """A details repo: the leaderboard's newest results (BBH only, .jsonl samples) and an older
    lm-eval call (a stale BBH score and IFEval, its samples in the older ``.json`` naming)."""
    board = write_leaderboard_run(folder, SMOL)
    older = json.loads(board.read_text())
    older["results"]["leaderboard_bbh_boolean_expressions"]["acc_norm,none"] = 0.1  # stale
    for key in ("results", "configs", "n-samples", "higher_is_better", "versions", "n-shot"):
        older.setdefault(key, {})
        for task in list(older[key]):
            if task not in ("leaderboard_ifeval", "leaderboard_bbh_boolean_expressions"):
                del older[key][task]
    older.pop("groups", None)
    older.pop("group_subtasks", None)
    (board.parent / f"results_{OLDER}.json").write_text(json.dumps(older))
    newest = json.loads(board.read_text())
    for key in ("results", "configs", "n-samples", "higher_is_better", "versions", "n-shot"):
        (newest.get(key) or {}).pop("leaderboard_ifeval", None)
    board.write_text(json.dumps(newest))
    ifeval = [
        {
            "doc_id": i,
            "filter": "none",
            "metrics": ["prompt_level_strict_acc"],
            "prompt_level_strict_acc": v,
        }
        for i, v in enumerate([True, False, True, True])
    ]
    names = board.parent / f"samples_leaderboard_ifeval_{OLDER}.json"
    names.write_text(json.dumps(ifeval, indent=2))  # a JSON list, as lm-eval 0.4.2 wrote
    return board.parent


def _hub_cache(root: Path, repo_id: str, details: Path) -> Path:
    """``details`` laid out as huggingface_hub's cache keeps a downloaded dataset snapshot."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = root / ("datasets--" + repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit / details.name
    snapshot.mkdir(parents=True)
    for path in details.iterdir():
        (snapshot / path.name).write_bytes(path.read_bytes())
    return root


def test_details_files_are_merged_newest_wins_with_both_sample_namings(tmp_path: Path) -> None:
    from acbench_core.results import SAMPLES_RE

    run = load_run(_details_repo(tmp_path / "board"))
    results = run.data["results"]
    assert results["leaderboard_bbh_boolean_expressions"]["acc_norm,none"] == 0.75  # newest
    assert "leaderboard_ifeval" in results  # only in the older file: kept
    assert run.sample_files["leaderboard_ifeval"].endswith(f"_{OLDER}.json")
    ifeval = run.samples("leaderboard_ifeval")
    assert [ifeval[(i, "none")]["prompt_level_strict_acc"] for i in range(4)] == [
        True,
        False,
        True,
        True,
    ]
    assert len(run.samples("leaderboard_bbh_navigate")) == 4
    # lm-eval's get_file_task_name / get_file_datetime: task between the first and last "_"
    match = SAMPLES_RE.match("samples_leaderboard_bbh_web_of_lies_2024-06-26T17-41-21.123.jsonl")
    assert (match["task"], match["date"]) == (
        "leaderboard_bbh_web_of_lies",
        "2024-06-26T17-41-21.123",
    )
    assert SAMPLES_RE.match("samples_gsm8k_2024-05-01T12-00-00.json")["task"] == "gsm8k"


def test_hub_details_offline_from_the_local_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    repo_id = "open-llm-leaderboard/SmolLM2-details"
    cache = _hub_cache(tmp_path / "hub", repo_id, _details_repo(tmp_path / "board"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    run = load_run(repo_id)
    assert run.source == repo_id and run.label == SMOL
    assert run.data["results"]["leaderboard_bbh_boolean_expressions"]["acc_norm,none"] == 0.75
    assert "leaderboard_ifeval" in run.data["results"]
    assert len(run.samples("leaderboard_ifeval")) == 4
    assert len(run.samples("leaderboard_bbh_boolean_expressions")) == 4
    with pytest.raises(ResultsError) as err:
        load_run("open-llm-leaderboard/not-downloaded")
    message = str(err.value)
    assert "offline and not in the local Hub cache" in message and "\n" not in message
    assert "hf download open-llm-leaderboard/not-downloaded --repo-type dataset" in message
