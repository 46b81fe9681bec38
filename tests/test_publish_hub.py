"""``acbench publish`` for real over HTTP: the real huggingface_hub client (in a subprocess, with
HF_ENDPOINT and HF_HUB_DISABLE_XET set before it is imported) against the loopback Hub server of
``tests/hub_server.py``. Plus an opt-in run against the real Hub."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_server import HubServer
from results_fixtures import write_run

ALICE, BOB = "tok-alice-0123456789", "tok-bob-9876543210"
SMOL = "HuggingFaceTB/SmolLM2-135M-Instruct"
COMPRESSION = {
    "method": "rtn-w4a16",
    "description": "RTN W4A16",
    "kinds": ["quantization"],
    "steps": [{"method": "rtn", "params": {"bits": 4, "group_size": 128}}],
    "base_model": {"id": "acbench:smollm2", "upstream_id": SMOL},
    "quantization": {"schemes": [{"bits": 4, "group_size": 64}]},
}


@pytest.fixture(scope="module")
def hub() -> Iterator[HubServer]:
    with HubServer({ALICE: "alice", BOB: "bob"}, lifetime_s=600) as server:
        yield server


@pytest.fixture()
def work(tiny_llama: Path, tmp_path: Path) -> dict[str, Path]:
    ckpt = tmp_path / "tiny-rtn"
    shutil.copytree(tiny_llama, ckpt)
    (ckpt / "acbench_compression.json").write_text(json.dumps(COMPRESSION))
    tasks = {"acbench_workflow_os": {"node_f1": [1.0, 0.5, 0.0, 1.0]}}
    base = write_run(tmp_path / "base", SMOL, tasks).parent
    comp = write_run(
        tmp_path / "comp", "tiny-rtn", {"acbench_workflow_os": {"node_f1": [0.5, 0.5, 0.0, 0.0]}}
    ).parent
    comp2 = write_run(
        tmp_path / "comp2", "tiny-rtn", {"acbench_workflow_os": {"node_f1": [1.0, 0.5, 0.0, 0.0]}}
    ).parent
    sample = write_run(
        tmp_path / "sample",
        "tiny-rtn",
        {"acbench_workflow_os": {"node_f1": [0.0, 0.5, 0.0, 0.0]}},
        data_source="sample",
    ).parent
    return {
        "ckpt": ckpt,
        "base": base,
        "comp": comp,
        "comp2": comp2,
        "sample": sample,
        "home": tmp_path / "hf",
    }


def _env(hub: HubServer, home: Path, token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HUB_DISABLE_XET="1",
        HF_HUB_OFFLINE="0",
        HF_HOME=str(home),
        HF_HUB_DISABLE_TELEMETRY="1",
        OMP_NUM_THREADS="1",
    )
    if token:
        env["HF_TOKEN"] = token
    return env


def publish(
    hub: HubServer,
    work: dict[str, Path],
    *args: str,
    token: str | None = ALICE,
    results: str = "comp",
) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "acbench",
        "publish",
        str(work["ckpt"]),
        "--results",
        str(work[results]),
        "--base-results",
        str(work["base"]),
        *args,
    ]
    return subprocess.run(
        command, env=_env(hub, work["home"], token), capture_output=True, text=True, timeout=300
    )


def client(hub: HubServer, work: dict[str, Path], code: str, token: str | None = ALICE) -> dict:
    """Run ``code`` with the real client in a fresh interpreter; it prints one JSON object."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=_env(hub, work["home"], token),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def commits(hub: HubServer, repo_id: str, ref: str = "refs/heads/main", kind: str = "model") -> int:
    repo = hub.repos[(kind, repo_id)]
    count, oid = 0, repo.refs[ref]
    while oid:
        count, oid = count + 1, repo.commits[oid].parent
    return count


@pytest.mark.e2e
def test_publish_read_back_and_republish(hub: HubServer, work: dict[str, Path]) -> None:
    repo_id = "alice/tiny-rtn"
    first = publish(hub, work, "--repo-id", repo_id)
    assert first.returncode == 0, first.stderr
    assert commits(hub, repo_id) == 2  # the Hub's initial commit + ours
    files = (
        hub.repos[("model", repo_id)]
        .commits[hub.repos[("model", repo_id)].refs["refs/heads/main"]]
        .files
    )
    assert files["model.safetensors"].lfs_sha256  # went through LFS batch + PUT
    assert {"README.md", ".eval_results/acbench.yaml", "config.json"} <= set(files)

    local = hashlib.sha256((work["ckpt"] / "model.safetensors").read_bytes()).hexdigest()
    back = client(
        hub,
        work,
        f"""
        import hashlib, json, yaml
        from pathlib import Path
        from huggingface_hub import ModelCard, hf_hub_download, parse_eval_result_entries
        card = ModelCard.load("{repo_id}")
        weights = hf_hub_download("{repo_id}", "model.safetensors")
        entries = parse_eval_result_entries(yaml.safe_load(
            Path(hf_hub_download("{repo_id}", ".eval_results/acbench.yaml")).read_text()))
        print(json.dumps({{
            "base_model": card.data.base_model, "relation": card.data.base_model_relation,
            "scores": [(r.dataset_type, r.metric_type, r.metric_value)
                       for r in card.data.eval_results],
            "entries": [(e.dataset_id, e.task_id, e.value) for e in entries],
            "sha256": hashlib.sha256(Path(weights).read_bytes()).hexdigest(),
            "table": "| acbench_workflow_os | node_f1 | 4 | 62.5 | 25.0 | 40.0 |" in card.text,
        }}))
    """,
    )
    assert back["base_model"] == SMOL and back["relation"] == "quantized"
    assert back["scores"] == [["zjunlp/WorFBench_test", "node_f1", 25.0]]
    assert back["entries"] == [["zjunlp/WorFBench_test", "os", 25.0]]
    assert back["sha256"] == local and back["table"]

    again = publish(hub, work, "--repo-id", repo_id)
    assert again.returncode == 0 and "no new commit" in again.stdout
    assert commits(hub, repo_id) == 2

    # the owner edits the card on the Hub; our next publish keeps it and changes nothing else
    client(
        hub,
        work,
        f"""
        import json
        from huggingface_hub import HfApi, ModelCard
        card = ModelCard.load("{repo_id}")
        card.data.license = "apache-2.0"
        card.text += "\\n## Limitations\\n\\nTiny random weights.\\n"
        # (ModelCard.push_to_hub validates against a hard-coded huggingface.co URL)
        HfApi().upload_file(path_or_fileobj=str(card).encode(), path_in_repo="README.md",
                            repo_id="{repo_id}", commit_message="owner edit")
        print(json.dumps({{}}))
    """,
    )
    assert commits(hub, repo_id) == 3
    assert "no new commit" in publish(hub, work, "--repo-id", repo_id).stdout
    updated = publish(hub, work, "--repo-id", repo_id, results="comp2")
    assert updated.returncode == 0 and "Committed 2 changed files" in updated.stdout
    assert commits(hub, repo_id) == 4
    card = client(
        hub,
        work,
        f"""
        import json
        from huggingface_hub import ModelCard
        card = ModelCard.load("{repo_id}")
        print(json.dumps({{"license": card.data.license, "text": card.text}}))
    """,
    )
    assert card["license"] == "apache-2.0" and "Tiny random weights." in card["text"]
    assert "| acbench_workflow_os | node_f1 | 4 | 62.5 | 37.5 | 60.0 |" in card["text"]


@pytest.mark.e2e
def test_publish_as_pull_request_and_to_a_branch(hub: HubServer, work: dict[str, Path]) -> None:
    repo_id = "alice/tiny-pr"
    assert publish(hub, work, "--repo-id", repo_id).returncode == 0
    main_head = hub.repos[("model", repo_id)].refs["refs/heads/main"]
    pr = publish(hub, work, "--repo-id", repo_id, "--create-pr", results="comp2")
    assert pr.returncode == 0, pr.stderr
    assert f"{hub.url}/{repo_id}/discussions/1" in pr.stdout
    repo = hub.repos[("model", repo_id)]
    assert repo.refs["refs/heads/main"] == main_head and "refs/pr/1" in repo.refs
    pr_files = repo.commits[repo.refs["refs/pr/1"]].files
    assert set(pr_files) == set(repo.commits[main_head].files)  # base files + changed card
    twice = publish(hub, work, "--repo-id", repo_id, "--create-pr", results="comp2")
    assert "already holds these files" in twice.stdout and "refs/pr/2" not in repo.refs

    branch = publish(hub, work, "--repo-id", repo_id, "--revision", "dev", results="comp2")
    assert branch.returncode == 0, branch.stderr
    assert repo.refs["refs/heads/main"] == main_head
    assert commits(hub, repo_id, "refs/heads/dev") == 3
    # sample-data scores stay out of the metadata: our eval-results file goes away on dev
    sample = publish(hub, work, "--repo-id", repo_id, "--revision", "dev", results="sample")
    assert sample.returncode == 0, sample.stderr
    dev = repo.commits[repo.refs["refs/heads/dev"]].files
    assert ".eval_results/acbench.yaml" not in dev and "README.md" in dev
    assert ".eval_results/acbench.yaml" in repo.commits[main_head].files


@pytest.mark.e2e
def test_private_repo_and_bad_tokens_are_refused(hub: HubServer, work: dict[str, Path]) -> None:
    repo_id = "alice/tiny-private"
    assert publish(hub, work, "--repo-id", repo_id, "--private").returncode == 0
    assert hub.repos[("model", repo_id)].private
    probe = f"""
        import json
        from huggingface_hub import HfApi, hf_hub_download
        from huggingface_hub.errors import RepositoryNotFoundError
        seen = {{}}
        for name, call in (("info", lambda: HfApi().model_info("{repo_id}")),
                           ("file", lambda: hf_hub_download("{repo_id}", "README.md"))):
            try:
                call(); seen[name] = "visible"
            except RepositoryNotFoundError:
                seen[name] = "not found"
        print(json.dumps(seen))
    """
    assert client(hub, work, probe, token=BOB) == {"info": "not found", "file": "not found"}
    assert client(hub, work, probe, token=None) == {"info": "not found", "file": "not found"}
    assert client(hub, work, probe, token=ALICE) == {"info": "visible", "file": "visible"}

    other = publish(hub, work, "--repo-id", repo_id, token=BOB)
    assert other.returncode == 2 and "HTTP 403" in other.stderr
    wrong = publish(hub, work, "--repo-id", repo_id, token="tok-wrong-secret-42")
    assert wrong.returncode == 2 and "rejected the token" in wrong.stderr
    assert "tok-wrong-secret-42" not in wrong.stdout + wrong.stderr
    none = publish(hub, work, "--repo-id", repo_id, token=None)
    assert none.returncode == 2 and "no Hugging Face token" in none.stderr
    assert commits(hub, repo_id) == 2
    assert ALICE not in json.dumps([p for p in hub.requests])  # tokens travel in headers only


@pytest.mark.e2e
def test_details_pushed_with_lm_eval_tracker(hub: HubServer, work: dict[str, Path]) -> None:
    out = publish(
        hub, work, "--repo-id", "alice/tiny-details-model", "--details-repo", "alice/tiny-details"
    )
    assert out.returncode == 0, out.stderr
    dataset = hub.repos[("dataset", "alice/tiny-details")]
    files = dataset.commits[dataset.refs["refs/heads/main"]].files
    folder = "alice__tiny-details-model"
    assert any(p.startswith(f"{folder}/samples_acbench_workflow_os_") for p in files)
    assert "README.md" in files  # lm-eval's dataset card with one config per task
    before = commits(hub, "alice/tiny-details", kind="dataset")
    again = publish(
        hub, work, "--repo-id", "alice/tiny-details-model", "--details-repo", "alice/tiny-details"
    )
    assert again.returncode == 0 and "no new commit" in again.stdout
    assert commits(hub, "alice/tiny-details", kind="dataset") == before
    card = hub.repos[("model", "alice/tiny-details-model")]
    readme = card.commits[card.refs["refs/heads/main"]].files["README.md"].data.decode()
    assert f"{hub.url}/datasets/alice/tiny-details" in readme  # results link their details


def test_hub_server_is_loopback_bounded_and_stops_by_itself() -> None:
    import http.client
    import time

    with HubServer({ALICE: "alice"}, lifetime_s=1.0, max_body=1024) as server:
        host, port = server.url.removeprefix("http://").split(":")
        assert host == "127.0.0.1"
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.request("GET", "/api/whoami-v2", headers={"Authorization": "Bearer nope"})
        response = conn.getresponse()
        assert response.status == 401 and b"Invalid credentials" in response.read()
        conn.request("GET", "/api/models/alice/none", headers={"Authorization": f"Bearer {ALICE}"})
        response = conn.getresponse()
        assert response.status == 404 and response.getheader("X-Error-Code") == "RepoNotFound"
        response.read()
        conn.request("POST", "/api/repos/create", body=b"x" * 2048)
        assert conn.getresponse().status == 413
        conn.close()
        time.sleep(1.5)  # past its lifetime: the server has shut itself down
        with pytest.raises(OSError):
            http.client.HTTPConnection(host, int(port), timeout=2).request("GET", "/")


def _hub_reachable() -> bool:
    try:
        socket.create_connection(("huggingface.co", 443), timeout=3).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("HF_TOKEN") or not _hub_reachable(),
    reason="needs HF_TOKEN and network access to huggingface.co",
)
def test_real_hub_publish_is_idempotent(work: dict[str, Path]) -> None:
    """Opt-in (-m slow): a private throw-away repo on the real Hub, deleted afterwards."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_ENDPOINT")}
    env.update(HF_HUB_OFFLINE="0", HF_HUB_DISABLE_TELEMETRY="1")
    name = f"acbench-test-{uuid.uuid4().hex[:8]}"
    ckpt, comp = work["ckpt"], work["comp"]
    code = f"""
        import json, subprocess, sys
        from huggingface_hub import HfApi
        api = HfApi(); repo = f"{{api.whoami()['name']}}/{name}"
        cmd = [sys.executable, "-m", "acbench", "publish", "{ckpt}", "--results",
               "{comp}", "--repo-id", repo, "--private"]
        try:
            runs = [subprocess.run(cmd, capture_output=True, text=True) for _ in range(2)]
            n = len(api.list_repo_commits(repo))
        finally:
            api.delete_repo(repo, missing_ok=True)
        print(json.dumps({{"codes": [r.returncode for r in runs], "second": runs[1].stdout,
                           "commits": n}}))
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0, 0] and "no new commit" in result["second"]
    assert result["commits"] == 2


@pytest.mark.e2e
def test_pipeline_publishes_to_the_hub_once(
    hub: HubServer, work: dict[str, Path], tiny_llama: Path
) -> None:
    """``acbench run`` with ``publish.dry_run: false``: compress, evaluate, upload; a rerun with
    the same settings skips the upload step."""
    import yaml

    folder = work["home"].parent / "study"
    folder.mkdir()
    config = {
        "name": "tiny",
        "model": str(tiny_llama),
        "threads": 1,
        "variants": [{"preset": "magnitude-50", "name": "mag"}],
        "evaluate": {
            "tasks": ["acbench_teval_reason"],
            "data_source": "sample",
            "limit": 1,
            "max_gen_toks": 4,
            "energy": False,
        },
        "analyze": False,
        "report": False,
        "publish": {"repo_id": "alice/tiny-{variant}", "dry_run": False, "include_partial": True},
    }
    (folder / "study.yaml").write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "acbench", "run", str(folder / "study.yaml")]

    def run_study() -> subprocess.CompletedProcess:
        return subprocess.run(
            [*command, "--output", str(folder / "out")],
            env=_env(hub, work["home"], ALICE),
            capture_output=True,
            text=True,
            timeout=600,
        )

    first = run_study()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Published (mag): alice/tiny-mag: http" in first.stdout
    assert commits(hub, "alice/tiny-mag") == 2
    repo = hub.repos[("model", "alice/tiny-mag")]
    uploaded = repo.commits[repo.refs["refs/heads/main"]].files
    assert {"README.md", "acbench_compression.json", "model.safetensors"} <= set(uploaded)

    again = run_study()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "publish/mag: finished earlier" in again.stdout
    assert commits(hub, "alice/tiny-mag") == 2
    assert ALICE not in first.stdout + first.stderr + again.stdout + again.stderr
