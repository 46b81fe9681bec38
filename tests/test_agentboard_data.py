"""AgentBoard's data: the pinned Hub archive (mocked), a user's copy, checks before model time."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from acbench_core.data_sources import DataSourceError
from acbench_tasks.agentboard import data

RECORDS = {
    "pddl": [{"task": "pddl", "id": i, "goal": "", "difficulty": "easy"} for i in range(3)],
    "jericho": [{"task": "jericho", "id": 0, "subgoals": ["Bathroom"], "difficulty": "hard"}],
    "scienceworld": [
        {
            "task": "scienceworld",
            "id": 3,
            "goal": "Your task is to boil water.",
            "subgoals": ["The stove is now activated", "water .* boils"],
            "difficulty": "easy",
            "additional_info": {"env_name": "boil", "var": 12},
        }
    ],
}


def _lines(records: list[dict]) -> bytes:
    return ("\n".join(json.dumps(r) for r in records) + "\n\n").encode()


def make_archive(path: Path, files: dict[str, bytes], *, prefix: str = "data/") -> Path:
    """A ``data.tar.gz`` with ``files`` (paths below ``data/``)."""
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """Stands in for the Hub: records what was asked, serves one archive."""
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ACBENCH_AGENTBOARD_DATA_DIR", raising=False)
    monkeypatch.delenv("ACBENCH_DATA_SOURCE", raising=False)
    asked = []
    served = {"archive": None}

    def fake_download(repo_id, filename, repo_type=None, revision=None, **kwargs):
        asked.append((repo_id, filename, repo_type, revision))
        return str(served["archive"])

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    return asked, served


def test_hub_archive_is_fetched_at_the_pinned_revision_and_extracted_once(hub, tmp_path):
    asked, served = hub
    files = {f"{env}/test.jsonl": _lines(records) for env, records in RECORDS.items()}
    served["archive"] = make_archive(tmp_path / "data.tar.gz", files)
    records = data.load_records("pddl", {})
    assert [r["id"] for r in records] == [0, 1, 2]  # file order, blank lines skipped
    assert asked == [("hkust-nlp/agentboard", "data.tar.gz", "dataset", data.HUB_REVISION)]
    assert data.load_records("jericho", {})[0]["subgoals"] == ["Bathroom"]
    assert len(asked) == 1  # extracted once into the cache
    root = data.agentboard_root({})
    assert root == tmp_path / "cache" / "agentboard" / data.HUB_REVISION
    info = data.provenance({})
    assert info["data_source"] == "hub:hkust-nlp/agentboard/data.tar.gz"
    assert info["data_source_kind"] == "hub" and info["data_revision"] == data.HUB_REVISION
    assert info["provenance"]["data"] == [
        {
            "kind": "hub",
            "name": "hkust-nlp/agentboard",
            "revision": data.HUB_REVISION,
            "files": ["data.tar.gz"],
            "pinned": True,
        }
    ]
    # a revision asked for in the metadata is the one fetched and recorded
    other = "0" * 40
    pinned = data.provenance({"dataset_revision": {"agentboard": other}})
    assert pinned["data_revision"] == other


def test_archive_without_a_data_folder_is_laid_out_as_upstream(hub, tmp_path):
    _, served = hub
    files = {"pddl/test.jsonl": _lines(RECORDS["pddl"])}
    served["archive"] = make_archive(tmp_path / "data.tar.gz", files, prefix="")
    assert len(data.load_records("pddl", {})) == 3


def test_corrupt_archive_is_one_clear_error(hub, tmp_path):
    _, served = hub
    good = make_archive(tmp_path / "good.tar.gz", {"pddl/test.jsonl": os.urandom(50_000)})
    served["archive"] = tmp_path / "data.tar.gz"
    served["archive"].write_bytes(good.read_bytes()[:20_000])  # truncated download
    with pytest.raises(DataSourceError) as err:
        data.load_records("pddl", {})
    message = str(err.value)
    assert "data.tar.gz is not a readable tar.gz archive" in message and "\n" not in message
    assert "data_dir" in message and "data_source" in message  # the three ways
    assert not (tmp_path / "cache" / "agentboard" / data.HUB_REVISION).exists()


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "data/../../evil"])
def test_archive_members_leaving_the_folder_are_refused(hub, tmp_path, name):
    _, served = hub
    served["archive"] = make_archive(tmp_path / "data.tar.gz", {name: b"x"}, prefix="")
    with pytest.raises(DataSourceError, match="would land outside"):
        data.agentboard_root({})
    assert not (tmp_path / "evil.txt").exists()


def test_links_in_the_archive_are_refused(hub, tmp_path):
    _, served = hub
    path = tmp_path / "data.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        link = tarfile.TarInfo("data/pddl/test.jsonl")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    served["archive"] = path
    with pytest.raises(DataSourceError, match="links and special files"):
        data.agentboard_root({})


def test_hub_unreachable_names_the_three_ways(monkeypatch, tmp_path):
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path))
    monkeypatch.delenv("ACBENCH_AGENTBOARD_DATA_DIR", raising=False)
    monkeypatch.delenv("ACBENCH_DATA_SOURCE", raising=False)
    with pytest.raises(DataSourceError) as err:  # HF_HUB_OFFLINE=1 in the tests
        data.load_records("jericho", {})
    assert "hkust-nlp/agentboard" in str(err.value) and "ACBENCH_AGENTBOARD_DATA_DIR" in str(
        err.value
    )


def test_user_copy_and_its_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("ACBENCH_DATA_SOURCE", raising=False)
    (tmp_path / "data" / "scienceworld").mkdir(parents=True)
    (tmp_path / "data" / "scienceworld" / "test.jsonl").write_bytes(_lines(RECORDS["scienceworld"]))
    meta = {"data_dir": str(tmp_path)}
    assert data.load_records("scienceworld", meta)[0]["additional_info"]["var"] == 12
    assert data.load_records("scienceworld", {"data_dir": str(tmp_path / "data")})
    assert data.provenance(meta)["data_source"] == f"local:{tmp_path}"
    with pytest.raises(DataSourceError, match=r"missing .*jericho/test\.jsonl"):
        data.load_records("jericho", meta)
    with pytest.raises(DataSourceError, match="is not a folder"):
        data.load_records("pddl", {"data_dir": str(tmp_path / "nowhere")})
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataSourceError, match="has no data/<env>/ folders"):
        data.load_records("pddl", {"data_dir": str(tmp_path / "empty")})
    with pytest.raises(ValueError, match="unknown AgentBoard environment 'babyai'"):
        data.load_records("babyai", meta)


@pytest.mark.parametrize(
    ("env", "line", "why"),
    [
        ("pddl", "{not json", "is not JSON"),
        ("pddl", '{"id": 1}', "no 'difficulty'"),
        ("pddl", "[1, 2]", "not a JSON object"),
        ("alfworld", '{"difficulty": "easy", "subgoals": [], "additional_info": {}}',
         "description"),
        (
            "scienceworld",
            '{"difficulty": "easy", "goal": "g", "subgoals": [], '
            '"additional_info": {"env_name": "boil", "var": 1}}',
            "'subgoals' is empty",
        ),
        (
            "scienceworld",
            '{"difficulty": "easy", "goal": "g", "subgoals": ["x"], '
            '"additional_info": {"env_name": "boil", "var": "1"}}',
            "'var' \\(int\\)",
        ),
        ("jericho", '{"difficulty": "easy", "subgoals": "Bathroom"}', "not a list"),
        ("tool-query", '{"difficulty": "easy", "goal": "g", "subgoals": [], '
         '"additional_info": {"tool": "academia"}}', "missing answer, goal_type"),
    ],
)  # fmt: skip
def test_malformed_records_fail_naming_file_and_line(tmp_path, env, line, why):
    folder = tmp_path / "data" / env
    folder.mkdir(parents=True)
    (folder / "test.jsonl").write_text(line + "\n")
    with pytest.raises(DataSourceError, match=rf"test\.jsonl:1: .*{why}|test\.jsonl:1 {why}"):
        data.load_records(env, {"data_dir": str(tmp_path)})


def test_trusted_files_stay_inside_the_data_folder(tmp_path):
    (tmp_path / "data" / "tool-query" / "academia" / "raw").mkdir(parents=True)
    graph = tmp_path / "data" / "tool-query" / "academia" / "raw" / "paper_net.pkl"
    graph.write_bytes(b"\x80\x04N.")
    meta = {"data_dir": str(tmp_path)}
    assert data.trusted_file("tool-query/academia/raw/paper_net.pkl", meta) == graph.resolve()
    with pytest.raises(DataSourceError, match="outside the data folder"):
        data.trusted_file("../../etc/passwd", meta)
    with pytest.raises(DataSourceError, match="missing data file"):
        data.trusted_file("tool-query/academia/raw/author_net.pkl", meta)


def test_sample_source_has_no_agentboard_files(monkeypatch):
    monkeypatch.delenv("ACBENCH_AGENTBOARD_DATA_DIR", raising=False)
    with pytest.raises(DataSourceError, match="use problem_set=sample"):
        data.agentboard_root({"data_source": "sample"})
    assert data.provenance({"data_source": "sample"})["data_source"] == "sample"
