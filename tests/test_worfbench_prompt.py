"""WorfBench prompts as ACBench built them: its two_shot_example, read at run time.

The upstream module is stood in for by ``tests/upstream_fixtures/ACBench/acbench/prompts/
eval_prompt.py``: ACBench's layout (system_prompt, one_shot_example, two_shot_example,
add_prompt), texts made up for these tests. It is served by the injected fetcher (the pinned
download) or named as a local checkout (``acbench_repo`` / ``$ACBENCH_ACBENCH_REPO``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from acbench_tasks.common import upstream
from acbench_tasks.common.upstream import ACBENCH_REPO, UpstreamUnavailableError
from acbench_tasks.worfbench import worfbench as wb

FIXTURE_CHECKOUT = Path(__file__).parent / "upstream_fixtures" / "ACBench"
FIXTURE = FIXTURE_CHECKOUT / wb.EXAMPLES_FILE
PINNED_URL = (
    "https://raw.githubusercontent.com/pprp/ACBench/"
    "da7110e7a66c1cbc5044f03b023e606bc5457606/acbench/prompts/eval_prompt.py"
)

RECORD = {
    "source": "os",
    "id": "os-fixture-1",
    "category": "eval",
    "target": "graph",
    "conversations": [
        {"role": "system", "content": "You plan workflows.\nAnswer with Node: and Edge:."},
        {"role": "user", "content": "Now, a fixture problem:\n\ncount the lines of a.txt "},
        {
            "role": "assistant",
            "content": "Node:\n1: execute bash code to count lines\n2: take answer action\n"
            "Edge: (START,1) (1,2) (2,END)",
        },
    ],
}

# What ACBench's node_eval.build_message(record["conversations"], True, "os") returns with the
# fixture's two_shot_example, written out by hand.
EXPECTED_MESSAGES = [
    {"role": "system", "content": "You plan workflows.\nAnswer with Node: and Edge:."},
    {
        "role": "user",
        "content": "Here are two examples. You need to strictly follow the format provided in "
        "the examples.\nFixture problem one:\n\n  list the hidden files\t(tab kept)  ",
    },
    {
        "role": "assistant",
        "content": "Node:\n1: execute bash code to list hidden files\n2: take answer action\n"
        "Edge: (START,1) (1,2) (2,END)",
    },
    {"role": "user", "content": 'Fixture problem two: the user’s "home" folder size.'},
    {
        "role": "assistant",
        "content": "Node:\n1: execute bash code to measure the home folder\n"
        "2: take answer action\nEdge: (START,1) (1,2) (2,END)",
    },
    {
        "role": "user",
        "content": "Now it's your turn.\nNow, a fixture problem:\n\ncount the lines of a.txt ",
    },
]

# What ACBench's runner fed vLLM for those messages (VllmOfflineModel._prepare_prompt), by hand.
EXPECTED_PROMPT = (
    "system: You plan workflows.\nAnswer with Node: and Edge:.\n"
    "user: Here are two examples. You need to strictly follow the format provided in the "
    "examples.\nFixture problem one:\n\n  list the hidden files\t(tab kept)  \n"
    "assistant: Node:\n1: execute bash code to list hidden files\n2: take answer action\n"
    "Edge: (START,1) (1,2) (2,END)\n"
    'user: Fixture problem two: the user’s "home" folder size.\n'
    "assistant: Node:\n1: execute bash code to measure the home folder\n"
    "2: take answer action\nEdge: (START,1) (1,2) (2,END)\n"
    "user: Now it's your turn.\nNow, a fixture problem:\n\ncount the lines of a.txt "
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A local copy of the upstream data (flat layout) holding RECORD."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "os.json").write_text(json.dumps([RECORD]), encoding="utf-8")
    (folder / "intercodesql.json").write_text(json.dumps([RECORD]), encoding="utf-8")
    return folder


@pytest.fixture
def fetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Serve the fixture as the pinned download; returns the URLs asked for."""
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ACBENCH_ACBENCH_REPO", raising=False)
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        if url == PINNED_URL:
            return FIXTURE.read_bytes()
        raise OSError("404 Not Found")

    monkeypatch.setattr(upstream, "_fetcher", fetch)  # what set_fetcher does, undone after
    return asked


@pytest.fixture
def offline_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No fetcher, offline mode, an empty cache: nothing upstream is reachable."""
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("ACBENCH_ACBENCH_REPO", raising=False)
    monkeypatch.setattr(upstream, "_fetcher", None)


def task(metadata: dict, name: str = "acbench_workflow_os"):
    """The lm-eval task from its YAML with ``--metadata``-style keys (as lm-eval builds it,
    without indexing every task folder)."""
    from lm_eval.tasks._yaml_loader import load_yaml

    from acbench_core.paths import tasks_path

    config = load_yaml(tasks_path() / "worfbench" / f"{name}.yaml")
    config["metadata"] = {**config["metadata"], **metadata}
    return config["class"](config=config)


def checkout_with(tmp_path: Path, text: str) -> Path:
    """A checkout-shaped folder whose eval_prompt.py is ``text``."""
    root = tmp_path / "ACBench-edited"
    (root / wb.EXAMPLES_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / wb.EXAMPLES_FILE).write_text(text, encoding="utf-8")
    return root


# ----------------------------------------------------------------------------- the prompt
def test_prompt_is_acbench_build_message_character_by_character(data_dir, fetched):
    (doc,) = wb.load_records("os", {"data_dir": str(data_dir)})
    examples = wb.worked_examples({"data_dir": str(data_dir)})
    messages = wb.build_messages(doc, examples.for_subset("os"))
    assert messages == EXPECTED_MESSAGES
    for got, expected in zip(messages, EXPECTED_MESSAGES, strict=True):
        assert list(got) == ["role", "content"]
        assert got["content"] == expected["content"], got["role"]
    assert fetched == [PINNED_URL]


def test_task_prompt_and_provenance_from_the_pinned_download(data_dir, fetched, monkeypatch):
    monkeypatch.setattr(wb, "EXAMPLES_SHA256", hashlib.sha256(FIXTURE.read_bytes()).hexdigest())
    lm_task = task({"data_dir": str(data_dir)})
    (doc,) = lm_task.test_docs()
    assert lm_task.doc_to_messages(doc) == EXPECTED_MESSAGES
    assert lm_task.doc_to_text(doc) == EXPECTED_PROMPT
    metadata = lm_task.config.metadata
    assert metadata["protocol"] == "acbench"
    assert metadata["worked_examples"] == {
        "origin": "pprp/ACBench",
        "commit": ACBENCH_REPO.commit,
        "file": "acbench/prompts/eval_prompt.py:two_shot_example",
        "read_from": f"download:{PINNED_URL}",
        "sha256": wb.EXAMPLES_SHA256,
        "matches_pinned_commit": True,
    }
    assert metadata["data_source_kind"] == "local"
    assert metadata["comparable_with_paper"] is True
    assert fetched == [PINNED_URL]
    again = task({"data_dir": str(data_dir)})  # now from the cache, no second download
    assert again.config.metadata["worked_examples"]["read_from"].startswith("cache:")
    assert fetched == [PINNED_URL]


def test_rendering_acbench_role_lines_or_an_opted_in_chat_template(data_dir, fetched, monkeypatch):
    monkeypatch.setattr(wb, "EXAMPLES_SHA256", hashlib.sha256(FIXTURE.read_bytes()).hexdigest())
    lm_task = task({"data_dir": str(data_dir)})
    (doc,) = lm_task.test_docs()
    assert lm_task.fewshot_context(doc, 0) == EXPECTED_PROMPT
    metadata = lm_task.config.metadata
    assert metadata["prompt_rendering"] == "acbench_role_lines"
    assert metadata["comparable_with_paper"] is True
    seen = []

    def template(messages, add_generation_prompt=True):
        seen.append(messages)
        return "<template>"

    context = lm_task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=template)
    assert context == "<template>" and seen == [EXPECTED_MESSAGES]
    assert metadata["prompt_rendering"] == "chat_template"
    assert metadata["comparable_with_paper"] is False
    clean = task({"data_dir": str(data_dir), "protocol": "clean"})
    (doc,) = clean.test_docs()
    transcript = clean.fewshot_context(doc, 0)
    assert transcript == "\n\n".join(m["content"] for m in clean.doc_to_messages(doc)) + "\n"
    assert clean.config.metadata["prompt_rendering"] == "transcript"


def test_a_system_instruction_is_not_acbenchs_prompt(data_dir, fetched, monkeypatch):
    monkeypatch.setattr(wb, "EXAMPLES_SHA256", hashlib.sha256(FIXTURE.read_bytes()).hexdigest())
    lm_task = task({"data_dir": str(data_dir)})
    (doc,) = lm_task.test_docs()
    prompt = lm_task.fewshot_context(doc, 0, system_instruction="Be brief.")
    assert prompt == "system: Be brief.\n\n" + EXPECTED_PROMPT.removeprefix("system: ")
    assert lm_task.config.metadata["comparable_with_paper"] is False


def test_a_file_that_differs_from_the_pinned_commit_runs_but_is_not_comparable(data_dir, fetched):
    lm_task = task({"data_dir": str(data_dir)})  # the fixture is not ACBench's file
    assert lm_task.doc_to_messages(lm_task.test_docs()[0]) == EXPECTED_MESSAGES
    provenance = lm_task.config.metadata["worked_examples"]
    assert provenance["matches_pinned_commit"] is False
    assert provenance["sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert lm_task.config.metadata["comparable_with_paper"] is False


def test_local_checkout_by_metadata_or_environment(data_dir, offline_cache, monkeypatch):
    lm_task = task({"data_dir": str(data_dir), "acbench_repo": str(FIXTURE_CHECKOUT)})
    assert lm_task.doc_to_messages(lm_task.test_docs()[0]) == EXPECTED_MESSAGES
    assert lm_task.config.metadata["worked_examples"]["read_from"] == f"copy:{FIXTURE}"
    monkeypatch.setenv("ACBENCH_ACBENCH_REPO", str(FIXTURE_CHECKOUT))
    examples = wb.worked_examples({"data_dir": str(data_dir)})
    assert examples.provenance["read_from"] == f"copy:{FIXTURE}"
    assert examples.for_subset("os") == tuple(EXPECTED_MESSAGES[1:5])


def test_the_module_is_parsed_never_executed(data_dir, tmp_path, offline_cache):
    marker = tmp_path / "ran"
    text = f"open({str(marker)!r}, 'w').write('x')\n" + FIXTURE.read_text(encoding="utf-8")
    examples = wb.worked_examples(
        {"data_dir": str(data_dir), "acbench_repo": str(checkout_with(tmp_path, text))}
    )
    assert examples.for_subset("os") == tuple(EXPECTED_MESSAGES[1:5])
    assert not marker.exists()


# ----------------------------------------------------------------------------- errors
def test_offline_without_a_copy_fails_before_model_time_naming_the_ways(data_dir, offline_cache):
    with pytest.raises(UpstreamUnavailableError) as err:
        task({"data_dir": str(data_dir)})
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("WorfBench's worked examples: acbench/prompts/eval_prompt.py")
    assert ACBENCH_REPO.commit in message
    for way in ("acbench_repo", "ACBENCH_ACBENCH_REPO", "git clone", '"protocol": "clean"'):
        assert way in message


BROKEN = {
    "syntax error": ("two_shot_example = {\n", r"cannot parse .*eval_prompt\.py"),
    "no table": ("one_shot_example = {}\n", r"has no module-level two_shot_example"),
    "not a literal": ("two_shot_example = dict(os=[])\n", r"two_shot_example is not a literal"),
    "not a dict": ("two_shot_example = ['os']\n", r"not a non-empty dict of subset"),
    "odd turns": (
        "two_shot_example = {'os': [{'role': 'user', 'content': 'q'}]}\n",
        r"two_shot_example\['os'\] is not a list of user/assistant turn pairs",
    ),
    "missing content": (
        "two_shot_example = {'os': [{'role': 'user', 'content': 'q'}, {'role': 'assistant'}]}\n",
        r"two_shot_example\['os'\]\[1\] should be \{\"role\": \"assistant\", \"content\"",
    ),
    "roles swapped": (
        "two_shot_example = {'os': [{'role': 'assistant', 'content': 'a'}, "
        "{'role': 'user', 'content': 'q'}]}\n",
        r"two_shot_example\['os'\]\[0\] should be \{\"role\": \"user\"",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_malformed_module_is_one_clear_line_before_model_time(
    case, data_dir, tmp_path, offline_cache
):
    text, pattern = BROKEN[case]
    checkout = checkout_with(tmp_path, text)
    with pytest.raises(UpstreamUnavailableError, match=pattern) as err:
        task({"data_dir": str(data_dir), "acbench_repo": str(checkout)})
    message = str(err.value)
    assert "\n" not in message and str(checkout / wb.EXAMPLES_FILE) in message
    assert "acbench_repo" in message and ACBENCH_REPO.commit in message


def test_missing_subset_names_the_file_and_the_subsets_it_has(data_dir, tmp_path, offline_cache):
    head, tail = FIXTURE.read_text(encoding="utf-8").split("two_shot_example = ")
    text = head + "two_shot_example = " + tail.replace('    "os": [', '    "bash": [', 1)
    checkout = checkout_with(tmp_path, text)
    with pytest.raises(UpstreamUnavailableError) as err:
        task({"data_dir": str(data_dir), "acbench_repo": str(checkout)})
    message = str(err.value)
    assert "\n" not in message and str(checkout / wb.EXAMPLES_FILE) in message
    assert "has no entry for WorfBench subset 'os'" in message
    assert "bash, lumos, toolalpaca, toolbench, webshop, wikihow" in message


def test_subsets_acbench_did_not_run_need_the_clean_protocol(data_dir, offline_cache):
    metadata = {"data_dir": str(data_dir), "acbench_repo": str(FIXTURE_CHECKOUT)}
    with pytest.raises(UpstreamUnavailableError, match=r"subset 'intercodesql'.*protocol"):
        wb.worked_examples(metadata).for_subset("intercodesql")
    clean = wb.worked_examples({**metadata, "protocol": "clean"})
    assert clean.for_subset("intercodesql") == ()


# ----------------------------------------------------------------------------- offline paths
def test_sample_data_uses_this_projects_examples_offline(offline_cache):
    lm_task = task({"data_source": "sample"})
    doc = lm_task.test_docs()[0]
    ours = wb.project_examples().for_subset("os")
    assert lm_task.doc_to_messages(doc) == wb.build_messages(doc, ours)
    metadata = lm_task.config.metadata
    assert metadata["protocol"] == "acbench" and metadata["data_source_kind"] == "sample"
    assert metadata["worked_examples"] == {
        "origin": "this project",
        "file": "acbench_tasks/worfbench/fewshot.json",
    }
    assert metadata["comparable_with_paper"] is False


def test_clean_protocol_uses_this_projects_examples_without_reading_upstream(data_dir, fetched):
    lm_task = task({"data_dir": str(data_dir), "protocol": "clean"})
    (doc,) = lm_task.test_docs()
    messages = lm_task.doc_to_messages(doc)
    assert messages[1:5] == list(wb.project_examples().for_subset("os"))
    assert messages[-1] == EXPECTED_MESSAGES[-1] and messages[0] == EXPECTED_MESSAGES[0]
    assert lm_task.config.metadata["protocol"] == "clean"
    assert lm_task.config.metadata["comparable_with_paper"] is False
    assert fetched == []


def test_unknown_protocol_is_refused():
    with pytest.raises(ValueError, match="unknown protocol 'paper'"):
        wb.worked_examples({"data_source": "sample", "protocol": "paper"})


def test_the_fixture_has_the_upstream_modules_tables():
    for name in ("system_prompt", "one_shot_example", "two_shot_example", "add_prompt"):
        assert upstream.literal_assignment(FIXTURE, name)
    table = wb.check_examples(upstream.literal_assignment(FIXTURE, "two_shot_example"), "f")
    assert set(table) == set(wb.SUBSETS)
    assert all(len(turns) == 4 for turns in table.values())
