"""Upstream texts at run time: the pinned AgentBoard archive (fetcher mocked), local copies."""

from __future__ import annotations

import pytest
from agentboard_fixtures import CHAT_TEMPLATES, PROMPTS, checkout_archive, write_checkout

from acbench_tasks.agentboard import upstream


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ACBENCH_AGENTBOARD_UPSTREAM_DIR", raising=False)
    return tmp_path / "cache"


def test_pinned_archive_is_downloaded_once_and_only_texts_are_kept(cache, tmp_path):
    checkout = write_checkout(tmp_path / "src", {"gripper.pddl": "(define (domain gripper))"})
    (checkout / "assets").mkdir()
    (checkout / "assets" / "big.png").write_bytes(b"\x89PNG")
    payload = checkout_archive(checkout, f"AgentBoard-{upstream.AGENTBOARD_COMMIT}")
    urls = []

    def fetch(url):
        urls.append(url)
        return payload

    with upstream.use_fetcher(fetch):
        prompt = upstream.vanilla_prompt("jericho_vanilla_prompt")
        assert prompt == PROMPTS["jericho_vanilla_prompt"]
        assert (upstream.pddl_dir() / "gripper.pddl").read_text().startswith("(define")
        goals = upstream.module_table("agentboard/environment/jericho_env.py", "game_goals")
    assert goals["905"] == "Get to work on time." and "huntdark" not in goals
    assert urls == [
        "https://codeload.github.com/hkust-nlp/AgentBoard/tar.gz/"
        "bb7255e2daf1989069a186dad9e53f70680961db"
    ]
    root = upstream.agentboard_checkout()
    assert not (root / "assets").exists() and not (root / "README.md").exists()


def test_no_network_is_one_line_naming_the_local_copies(cache):
    def offline(url):
        raise OSError("Network is unreachable\nmore detail")

    with upstream.use_fetcher(offline), pytest.raises(upstream.UpstreamError) as err:
        upstream.vanilla_prompt("pddl_vanilla_prompt")
    message = str(err.value)
    assert "\n" not in message and "upstream_dir" in message and "prompt_dir" in message
    assert "OSError: Network is unreachable" in message


def test_broken_archive_is_one_clear_error(cache):
    with upstream.use_fetcher(lambda url: b"<html>rate limited</html>"):
        with pytest.raises(upstream.UpstreamError, match=r"source archive .* is unusable"):
            upstream.agentboard_checkout()


def test_local_copies_need_no_download(tmp_path, monkeypatch, cache):
    checkout = write_checkout(tmp_path / "AgentBoard")

    def no_network(url):
        raise AssertionError(f"downloaded {url}")

    with upstream.use_fetcher(no_network):
        meta = {"upstream_dir": str(checkout)}
        assert upstream.vanilla_prompt("scienceworld_base", meta)["system_msg"]
        prompts = checkout / "agentboard" / "prompts"
        assert upstream.vanilla_prompt("alfworld_base", {"prompt_dir": str(prompts)})
        monkeypatch.setenv("ACBENCH_AGENTBOARD_UPSTREAM_DIR", str(checkout))
        assert upstream.module_table("agentboard/environment/jericho_env.py", "game_init_obs")
        assert upstream.provenance({})["prompt_revision"] == f"local:{checkout}"
    with pytest.raises(upstream.UpstreamError, match=r"missing .*babyai\.json"):
        upstream.vanilla_prompt("babyai", {"upstream_dir": str(checkout)})
    with pytest.raises(upstream.UpstreamError, match="not a checkout"):
        upstream.vanilla_prompt("babyai", {"upstream_dir": str(tmp_path)})


def test_tables_are_parsed_never_run(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("import os\nos.system('exit 1')\nx = {'a': 1}\ny = make()\nx = {'a': 2}\n")
    assert upstream.literal_assignment(path, "x") == {"a": 2}  # the last assignment, as Python
    with pytest.raises(upstream.UpstreamError, match="not a literal"):
        upstream.literal_assignment(path, "y")
    with pytest.raises(upstream.UpstreamError, match="no module-level z"):
        upstream.literal_assignment(path, "z")


def test_acbench_chat_templates_from_the_pinned_commit_or_a_file(cache, tmp_path):
    urls = []

    def fetch(url):
        urls.append(url)
        return CHAT_TEMPLATES.encode()

    with upstream.use_fetcher(fetch):
        templates = upstream.acbench_chat_templates()
        assert upstream.acbench_chat_templates() == templates  # cached: one download
    assert urls == [
        "https://raw.githubusercontent.com/pprp/ACBench/da7110e7a66c1cbc5044f03b023e606bc5457606/"
        "thirdpartys/AgentBoard/agentboard/prompts/prompt_template.py"
    ]
    assert "{system_prompt}" in templates["qwen"] and templates["qwen"].endswith(" " * 12)
    local = tmp_path / "prompt_template.py"
    local.write_text("prompt_templates = {'qwen': '{system_prompt}|{prompt}'}\n")
    assert upstream.acbench_chat_templates({"chat_templates_file": str(local)}) == {
        "qwen": "{system_prompt}|{prompt}"
    }
    info = upstream.provenance({"chat_templates_file": str(local)})
    assert info["chat_templates_revision"] == f"local:{local}"
    assert upstream.provenance({})["prompt_revision"].endswith(upstream.AGENTBOARD_COMMIT)
