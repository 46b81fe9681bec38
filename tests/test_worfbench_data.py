"""WorfBench data sources, record validation and prompt rendering."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from acbench_core.data_sources import DataSourceError
from acbench_tasks.common.chat import render_transcript, with_system_instruction
from acbench_tasks.worfbench.worfbench import (
    SUBSETS,
    TURN_PREFIX,
    build_messages,
    load_dataset,
    load_records,
    parse_workflow,
    project_examples,
)

SAMPLE = {"data_source": "sample"}


def record(ident: str, gold: str = "Node:\n1: do it\nEdge: (START,1) (1,END)", **extra) -> dict:
    return {
        "source": "os",
        "id": ident,
        "category": "eval",
        "target": "graph",
        "conversations": [
            {"role": "system", "content": "Plan it."},
            {"role": "user", "content": f"task {ident}"},
            {"role": "assistant", "content": gold},
        ],
        **extra,
    }


def write_upstream_layout(root: Path, subset: str, records: list) -> Path:
    path = root / "gold_traj" / subset / "graph_eval.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(records))
    return root


@pytest.mark.parametrize("subset", SUBSETS)
def test_samples_cover_every_subset(subset):
    docs = load_records(subset, SAMPLE)
    assert len(docs) >= 3
    for doc in docs:
        assert doc["subset"] == subset and doc["user"] and doc["system"]
        gold = parse_workflow(doc["gold"])
        assert gold is not None and len(gold.nodes) >= 3


def test_project_examples_have_two_examples_per_subset_with_valid_graphs():
    examples = project_examples()
    assert set(examples.turns) == set(SUBSETS) and not examples.from_acbench
    for subset, turns in examples.turns.items():
        assert [t["role"] for t in turns] == ["user", "assistant"] * 2, subset
        assert all(parse_workflow(t["content"]).nodes for t in turns[1::2])


def test_messages_system_two_shots_then_query():
    doc = load_records("os", SAMPLE)[0]
    messages = build_messages(doc, project_examples().for_subset("os"))
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[0]["content"] == doc["system"]
    assert messages[-1]["content"] == TURN_PREFIX + doc["user"]
    # The query is never one of the worked examples.
    assert all(doc["user"] != m["content"] for m in messages[1:-1])


def test_transcript_and_system_instruction():
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    assert render_transcript(messages) == "S\n\nU\n"
    merged = with_system_instruction(messages, "Be brief.")
    assert merged[0]["content"] == "Be brief.\n\nS" and messages[0]["content"] == "S"
    assert with_system_instruction(messages[1:], "X")[0] == {"role": "system", "content": "X"}


def test_local_upstream_layout_and_flat_layout(tmp_path, monkeypatch):
    root = write_upstream_layout(tmp_path / "up", "os", [record("a"), record("b")])
    assert [d["id"] for d in load_records("os", {"data_dir": str(root)})] == ["a", "b"]
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "lumos.json").write_text(json.dumps([record("c")]))
    monkeypatch.setenv("ACBENCH_WORFBENCH_DATA_DIR", str(flat))
    assert [d["id"] for d in load_records("lumos")] == ["c"]


def test_custom_dataset_entry_point_ignores_model_args(tmp_path):
    root = write_upstream_layout(tmp_path, "os", [record("a")])
    dataset = load_dataset("os", data_dir=str(root), pretrained="some/model", version=1.0)
    assert dataset["test"][0]["id"] == "a"


def test_hub_unreachable_names_all_three_ways():
    with pytest.raises(DataSourceError) as err:  # HF_HUB_OFFLINE=1 in the test environment
        load_records("os", {})
    message = str(err.value)
    assert "zjunlp/WorFBench_test" in message
    assert "data_dir" in message and "ACBENCH_WORFBENCH_DATA_DIR" in message
    assert "data_source" in message and "sample" in message


def test_unknown_subset_lists_valid_ones():
    with pytest.raises(DataSourceError, match="alfworld, lumos, os"):
        load_records("chess", SAMPLE)


def test_unknown_data_source():
    with pytest.raises(DataSourceError, match="hub, local, sample"):
        load_records("os", {"data_source": "ftp"})


def test_missing_data_dir_and_missing_file(tmp_path):
    with pytest.raises(DataSourceError, match="not a folder"):
        load_records("os", {"data_dir": str(tmp_path / "nope")})
    with pytest.raises(DataSourceError, match=re.escape("gold_traj/<subset>/graph_eval.json")):
        load_records("os", {"data_dir": str(tmp_path)})
    with pytest.raises(DataSourceError, match="needs a folder"):
        load_records("os", {"data_source": "local"})


def test_malformed_records_are_reported_with_their_ids(tmp_path):
    bad = [
        record("good"),
        {"id": "no_turns"},
        record("bad_gold", gold="I don't know"),
        "not an object",
    ]
    root = write_upstream_layout(tmp_path, "os", bad)
    with pytest.raises(DataSourceError) as err:
        load_records("os", {"data_dir": str(root)})
    message = str(err.value)
    assert "3 of 4 records are malformed" in message
    assert "no_turns" in message and "bad_gold" in message and "#3" in message


def test_invalid_json_file(tmp_path):
    path = tmp_path / "gold_traj" / "os" / "graph_eval.json"
    path.parent.mkdir(parents=True)
    path.write_text('[{"id": "truncated"')
    with pytest.raises(DataSourceError, match="not valid JSON"):
        load_records("os", {"data_dir": str(tmp_path)})


def test_missing_system_turn_gets_default_prompt(tmp_path):
    rec = record("a")
    rec["conversations"] = rec["conversations"][1:]
    root = write_upstream_layout(tmp_path, "os", [rec])
    assert "Node:" in load_records("os", {"data_dir": str(root)})[0]["system"]


# ----------------------------------------------------------------------------- gold validation
def _load_error(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "gold_traj" / "os" / "graph_eval.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DataSourceError) as err:
        load_records("os", {"data_dir": str(tmp_path)})
    message = str(err.value)
    assert "\n" not in message and "graph_eval.json" in message  # one line naming the file
    return message


@pytest.mark.parametrize(
    "gold, expected",
    [
        ("Node:\n1: a\nEdge: (START," + "9" * 5000 + ")", "gold edge of 5000 digits names no node"),
        ("Node:\n1: a\n2: b\nEdge: (START,1) (1,3) (2,END)", "gold edge 3 names no node"),
        ("Node:\n1: a\nEdge: (START,0)", "gold edge 0 names no node"),
        ("Node:\nEdge: (START,END)", "no parseable gold graph"),
        (
            "Node:\n1: " + "a" * 100_001 + "\nEdge: (START,1)",
            "gold graph of 100026 characters (at most 100000)",
        ),
    ],
)
def test_gold_graphs_are_checked_at_load(tmp_path, gold, expected):
    message = _load_error(tmp_path, json.dumps([record("good"), record("broken", gold=gold)]))
    assert f"#1 (broken): {expected}" in message and "1 of 2 records" in message


def test_unreadable_files_are_one_line_data_errors(tmp_path):
    assert "is empty" in _load_error(tmp_path, "")
    assert "no records" in _load_error(tmp_path, "[]")
    assert "not UTF-8" in _load_error(tmp_path, b'[{"id": "\xff"}]')
    assert "nested too deeply" in _load_error(tmp_path, "[" * 100_000)
    deep = json.dumps(
        [record("deep", extra=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])]
    )
    assert "#0 (deep): nested more than 32 levels deep" in _load_error(tmp_path, deep)
    surrogate = json.dumps([record("s", gold="Node:\n1: a\ud800\nEdge: (START,1)")])
    assert "#0 (s): a text holds a lone surrogate" in _load_error(tmp_path, surrogate)
    assert "not valid JSON" in _load_error(tmp_path, '[{"id": ' + "1" * 5000 + "}]")


def test_every_shipped_gold_passes_the_checks():
    for subset in SUBSETS:
        assert load_records(subset, SAMPLE)
