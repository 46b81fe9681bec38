"""T-Eval data loading, per-document scoring and the dimension aggregation rules."""

from __future__ import annotations

import json
import math
import shutil

import pytest
from fakes import OneHotEmbedder

from acbench_core.data_sources import DataSourceError
from acbench_tasks.teval import teval
from acbench_tasks.teval.samples import build_samples
from acbench_tasks.teval.teval import (
    DIMENSION_FILES,
    DIMENSIONS,
    dimension_score,
    instruct_score,
    load_records,
    reference_answer,
    review_score,
    score_doc,
)

SAMPLE = {"data_source": "sample"}


# ----------------------------------------------------------------------------- data
def test_sample_files_match_their_builder():
    for stem, records in build_samples.build().items():
        path = build_samples.DATA_DIR / f"{stem}.json"
        assert path.read_text(encoding="utf-8") == build_samples.render(records), (
            f"{path.name} is stale: run python -m acbench_tasks.teval.samples.build_samples"
        )


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_dimension_loads_both_variants_interleaved(dimension):
    docs = load_records(dimension, SAMPLE)
    variants = [d["variant"] for d in docs]
    expected = {"review": {"str"}}.get(dimension, {"json", "str"})
    assert set(variants) == expected
    if len(expected) == 2:  # --limit 2 sees one record of each variant
        assert set(variants[:2]) == {"json", "str"}
    for doc in docs:
        assert doc["dimension"] == dimension
        assert doc["messages"][0]["role"] == "system"
        assert all(set(m) == {"role", "content"} for m in doc["messages"])
        json.loads(doc["ground_truth"])


def test_record_fields_of_each_file():
    plan = load_records("plan", SAMPLE)[1]
    assert plan["file"] == "plan_str_v2"
    assert "FinishAction" in json.loads(plan["meta"])["API_list"]  # plan files say "meta"
    instruct = {d["variant"]: d for d in load_records("instruct", SAMPLE)}
    assert set(json.loads(instruct["str"]["template"])) >= {"thought_start", "args_end"}
    reason = load_records("reason", SAMPLE)
    assert {d["file"] for d in reason} == {"reason_str_v2", "reason_retrieve_understand_json_v2"}
    assert any(m["role"] == "function" for d in reason for m in d["messages"])


def test_local_copy_in_the_upstream_layout(tmp_path, monkeypatch):
    shutil.copytree(build_samples.DATA_DIR, tmp_path / "data")
    docs = load_records("review", {"data_dir": str(tmp_path)})
    assert len(docs) == 4
    monkeypatch.setenv("ACBENCH_TEVAL_DATA_DIR", str(tmp_path))
    assert len(load_records("review")) == 4


def test_missing_and_malformed_data_give_clear_errors(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(DataSourceError, match="review_str_v2"):
        load_records("review", {"data_dir": str(tmp_path)})
    (tmp_path / "data" / "review_str_v2.json").write_text(
        json.dumps({"q1": {"ground_truth": {"answer": "A"}}, "q2": [1]})
    )
    with pytest.raises(
        DataSourceError, match=r"review_str_v2 \(.*review_str_v2.json\): 2 of 2 records .*#0 \(q1\)"
    ):
        load_records("review", {"data_dir": str(tmp_path)})
    (tmp_path / "data" / "review_str_v2.json").write_text("[1, 2]")
    with pytest.raises(DataSourceError, match="keyed by query id"):
        load_records("review", {"data_dir": str(tmp_path)})
    with pytest.raises(DataSourceError, match="unknown T-Eval dimension"):
        load_records("planning", SAMPLE)


def test_hub_offline_error_names_every_way():
    with pytest.raises(DataSourceError) as err:
        load_records("review", {"data_source": "hub"})
    message = str(err.value)
    assert "lovesnowbest/T-Eval" in message and "data/review_str_v2.json" in message
    assert "data_dir" in message and "sample" in message


def test_instruct_response_format_is_required(tmp_path):
    (tmp_path / "data").mkdir()
    record = {
        "origin_prompt": [{"role": "user", "content": "hi"}],
        "ground_truth": {},
        "meta_data": {"response_format": "xml"},
        "template": "",
    }
    (tmp_path / "data" / "instruct_v2.json").write_text(json.dumps({"q": record}))
    with pytest.raises(DataSourceError, match="response_format"):
        load_records("instruct", {"data_dir": str(tmp_path)})


# ----------------------------------------------------------------------------- per document
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_reference_answers_score_the_maximum(dimension):
    for doc in load_records(dimension, SAMPLE):
        item = score_doc(doc, reference_answer(doc), OneHotEmbedder())
        assert item["variant"] == doc["variant"]
        if dimension in ("plan",) and doc["variant"] == "str":
            continue  # string plans compare a whole line with the args repr: model-dependent
        assert item["score"] == pytest.approx(1.0, abs=1e-4), (doc["id"], item)
        assert item.get("parsed", 1.0) == 1.0


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_garbage_scores_zero_and_never_raises(dimension):
    for doc in load_records(dimension, SAMPLE):
        for garbage in ("", "I am not sure.", "{", "x" * 10_000):
            item = score_doc(doc, garbage, OneHotEmbedder())
            assert item["score"] == 0.0, (doc["id"], garbage[:20])


def test_embedder_needed_for_plan_and_reason_only():
    plan = load_records("plan", SAMPLE)[0]
    with pytest.raises(ValueError, match="embedder"):
        score_doc(plan, "[]", None)
    retrieve = load_records("retrieve", SAMPLE)[0]
    assert score_doc(retrieve, reference_answer(retrieve), None)["score"] == 1.0


# ----------------------------------------------------------------------------- aggregation
def item(variant: str, score: float, **extra) -> dict:
    return {"variant": variant, "score": score, "parsed": 1.0, **extra}


def test_dimension_score_is_the_mean_of_variant_means():
    items = [item("json", 1.0), item("json", 0.0)] + [item("str", 1.0)] * 3 + [item("str", 0.0)]
    assert dimension_score(items) == pytest.approx((0.5 + 0.75) / 2)  # not 4/6
    assert dimension_score(items[:2]) == 0.5  # one variant evaluated (e.g. --limit 1)
    assert dimension_score([]) == 0.0
    assert teval.score_json(items) == 0.5 and teval.score_str(items) == 0.75
    assert math.isnan(teval.score_json(items[2:]))


def test_instruct_score_rounds_each_format_mean_to_4_decimals():
    def instruct(variant, fmt, args):
        return item(variant, (fmt + args) / 2, format=fmt, args_em=args)

    items = [
        instruct("json", 1, 1),
        instruct("json", 1, 0.5),
        instruct("json", 0, 0),
        instruct("str", 1, 1 / 7),
    ]
    # json: round(2/3) = 0.6667, round(0.5) = 0.5; string: 1.0, round(1/7) = 0.1429
    assert teval.json_format_metric(items) == 0.6667
    assert teval.string_args_em_metric(items) == 0.1429
    expected = ((0.6667 + 0.5) / 2 + (1.0 + 0.1429) / 2) / 2
    assert instruct_score(items) == pytest.approx(expected, abs=1e-12)
    assert instruct_score(items) != pytest.approx(  # the unrounded value differs
        ((2 / 3 + 0.5) / 2 + (1 + 1 / 7) / 2) / 2, abs=1e-6
    )


def test_review_score_and_parse_rate():
    items = [item("str", 1.0), item("str", 0.0), {**item("str", 0.0), "parsed": 0.0}]
    assert review_score(items) == 0.3333
    assert teval.parse_rate(items) == pytest.approx(2 / 3)


def test_yaml_metrics_match_the_dimension_table():
    import yaml

    from acbench_core.paths import tasks_path

    for dimension in DIMENSIONS:
        path = tasks_path() / "teval" / f"acbench_teval_{dimension}.yaml"
        text = path.read_text().replace("!function", "")  # keep it plain YAML
        config = yaml.safe_load(text)
        assert config["dataset_kwargs"] == {"teval_dimension": dimension}
        names = tuple(m["metric"] for m in config["metric_list"])
        assert names == teval.DIMENSION_METRICS[dimension]
        for metric in config["metric_list"]:
            module, _, name = metric["aggregation"].strip().rpartition(".")
            assert module == "acbench_tasks.teval.teval" and callable(getattr(teval, name))
    assert set(DIMENSION_FILES) == set(DIMENSIONS)


# ----------------------------------------------------------------------------- lm-eval task
@pytest.fixture(scope="module")
def review_task():
    from lm_eval.tasks import TaskManager, get_task_dict

    metadata = {**SAMPLE, "function_role": "user"}
    return get_task_dict(["acbench_teval_reason"], TaskManager(metadata=metadata))[
        "acbench_teval_reason"
    ]


def test_task_prompt_is_the_message_list(review_task):
    doc = next(d for d in review_task.test_docs() if d["variant"] == "json")
    messages = review_task.doc_to_messages(doc)
    assert [m["role"] for m in messages][:2] == ["system", "user"]
    assert "function" not in {m["role"] for m in messages}  # renamed by function_role
    # plain transcript without a chat template; the messages themselves for a chat template
    text = review_task.fewshot_context(doc, 0)
    assert text == "\n\n".join(m["content"] for m in messages) + "\n"
    seen = []
    review_task.fewshot_context(
        doc,
        0,
        apply_chat_template=True,
        chat_template=lambda msgs, **kw: seen.append(msgs) or "chat",
    )
    assert seen == [messages]


def test_task_process_results_strips_and_fills_every_metric(review_task):
    doc = next(d for d in review_task.test_docs() if d["variant"] == "json")
    results = review_task.process_results(doc, ["  \n" + reference_answer(doc) + "\n  "])
    assert set(results) == {*teval.DIMENSION_METRICS["reason"], "scoring_error"}
    assert results["scoring_error"] is None
    assert results["score"]["score"] == pytest.approx(1.0, abs=1e-5)
    scoring = review_task.config.metadata["scoring"]
    assert scoring["mode"] == "exact" and scoring["embedding_model"]


# ----------------------------------------------------------------------------- gold validation
def _with_changed_record(tmp_path, file: str, change) -> str:
    """Copy the samples, apply ``change(record)`` to the first record of ``file``, load."""
    shutil.copytree(build_samples.DATA_DIR, tmp_path / "data", dirs_exist_ok=True)
    path = tmp_path / "data" / f"{file}.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    key = next(iter(records))
    change(records[key])
    path.write_text(json.dumps(records), encoding="utf-8")
    dimension = next(d for d, files in DIMENSION_FILES.items() if file in dict(files))
    with pytest.raises(DataSourceError) as err:
        load_records(dimension, {"data_dir": str(tmp_path)})
    message = str(err.value)
    assert "\n" not in message and f"{file}.json" in message and f"({key})" in message
    return message


def _set(path: tuple, value):
    def change(record):
        target = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    "file, change, expected",
    [
        # the case: unparseable gold args would give any {} answer a free 1.0
        (teval.RRU_JSON, _set(("ground_truth", "args"), "Oslo, 3 days"), "'args' is neither"),
        (teval.RRU_JSON, _set(("ground_truth",), ["a list"]), "not an object"),
        (teval.RRU_JSON, _set(("ground_truth", "name"), 7), "text 'name'"),
        ("instruct_v2", _set(("ground_truth", "args"), "{'a': 1"), "'args' is not an object"),
        ("instruct_v2", _set(("ground_truth",), "WeatherAPI"), "text 'action'"),
        ("instruct_v2", _set(("template",), {"thought_start": "T:"}), "template"),
        ("plan_json_v2", _set(("ground_truth",), {"id": 0}), "not a list of steps"),
        (
            "plan_str_v2",
            _set(("ground_truth",), [{"id": 0, "name": "FinishAction", "args": {}}]),
            "no step besides FinishAction",
        ),
        ("plan_str_v2", _set(("meta", "API_list"), "Search.run"), "API_list"),
        ("reason_str_v2", _set(("ground_truth", "thought"), None), "text 'thought'"),
        ("retrieve_str_v2", _set(("ground_truth",), 3), "not an object"),
        ("review_str_v2", _set(("ground_truth", "answer"), "F"), "not a letter A-E"),
        ("review_str_v2", _set(("origin_prompt",), [{"role": "user", "content": "\ud800"}]),
         "lone surrogate"),
    ],
)  # fmt: skip
def test_gold_is_checked_before_any_generation(tmp_path, file, change, expected):
    assert expected in _with_changed_record(tmp_path, file, change)


def test_gold_args_given_as_text_holding_an_object_are_accepted(tmp_path):
    shutil.copytree(build_samples.DATA_DIR, tmp_path / "data")
    path = tmp_path / "data" / f"{teval.RRU_JSON}.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    for record in records.values():
        record["ground_truth"]["args"] = json.dumps(record["ground_truth"]["args"])
    path.write_text(json.dumps(records), encoding="utf-8")
    docs = load_records("understand", {"data_dir": str(tmp_path)})
    doc = next(d for d in docs if d["variant"] == "json")
    assert score_doc(doc, reference_answer(doc), None)["score"] == pytest.approx(1.0, abs=1e-4)


def test_empty_and_unreadable_files_are_data_errors(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "review_str_v2.json"
    for content, expected in (
        (b"{}", "no records"),
        (b"", "is empty"),
        (b'{"q": "\xc3"}', "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
    ):
        path.write_bytes(content)
        with pytest.raises(DataSourceError, match=expected):
            load_records("review", {"data_dir": str(tmp_path)})


# ----------------------------------------------------------------------------- scoring failures
def test_failed_items_keep_every_aggregation_working():
    docs = load_records("instruct", SAMPLE)
    items = [teval.failed_item(d) for d in docs] + [
        score_doc(d, reference_answer(d), None) for d in docs
    ]
    assert instruct_score(items) == pytest.approx(0.5, abs=1e-3)
    assert dimension_score(items) == pytest.approx(0.5, abs=1e-3)
    assert teval.parse_rate(items) == pytest.approx(0.5)


def test_process_results_reports_scorer_notes(review_task):
    doc = next(d for d in review_task.test_docs() if d["variant"] == "json")
    results = review_task.process_results(doc, ['{"thought": 0x' + "f" * 3600 + "}"])
    assert "read as ''" in results["scoring_error"]
    assert "note" not in results["score"]  # the item the aggregations read stays clean
