"""Each benchmark folder's README in lm-eval's task-README form, checked against the YAML tasks.

Every name a README lists under Groups, Tags or Tasks must be defined in ``yaml_tasks/`` (and
every group, tag and task of the folder must be listed), the README must have lm-eval's
sections, and its Citation must hold at least two well-formed BibTeX entries: the upstream
benchmark's and ACBench's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from acbench_core.catalog import ALL_GROUP, BENCHMARKS, CAPABILITY_GROUPS, benchmark_of

ROOT = Path(__file__).resolve().parent.parent
TASKS_DIR = ROOT / "yaml_tasks"
BENCHMARK_NAMES = [entry.name for entry in BENCHMARKS]
REQUIRED_HEADINGS = (
    "Paper",
    "Citation",
    "Groups, Tags, and Tasks",
    "Groups",
    "Tags",
    "Tasks",
    "Comparing with the paper",
    "Checklist",
)
ACBENCH_TITLE = (
    "Can Compressed LLMs Truly Act? "
    "An Empirical Evaluation of Agentic Capabilities in LLM Compression"
)


class _IgnoreTagsLoader(yaml.SafeLoader):
    """Reads lm-eval task YAML; ``!function`` values are not needed here."""


_IgnoreTagsLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def yaml_names(folder: Path) -> dict[str, set[str]]:
    """Task, group and tag names defined by the YAML files (and templates) under ``folder``."""
    names: dict[str, set[str]] = {"task": set(), "group": set(), "tag": set()}
    for path in sorted(folder.rglob("*")):
        if not (path.suffix == ".yaml" or path.name.endswith("_yaml")) or not path.is_file():
            continue
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_IgnoreTagsLoader) or {}
        if isinstance(config.get("task"), str):
            names["task"].add(config["task"])
        if isinstance(config.get("group"), str):
            names["group"].add(config["group"])
        tags = config.get("tag")
        names["tag"].update([tags] if isinstance(tags, str) else tags or [])
    return names


ALL_NAMES = yaml_names(TASKS_DIR)


def sections(text: str) -> dict[str, str]:
    """Heading text → the body under it, up to the next heading of any level."""
    parts = re.split(r"^#{1,6} +(.+?) *$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def listed_names(body: str) -> list[str]:
    """The first backticked name of every bullet line (``* `name`: ...``)."""
    return re.findall(r"^[*-] +`([^`]+)`", body, flags=re.MULTILINE)


def bibtex_entries(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """(type, key, fields) of every ``@type{key, ...}`` entry; raises on unbalanced braces."""
    entries = []
    for match in re.finditer(r"^@(\w+)\{([^,\s]+),", text, flags=re.MULTILINE):
        depth, end = 0, None
        for index in range(match.start(), len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0 and text[index] == "}":
                end = index
                break
        if end is None:
            raise ValueError(f"unbalanced braces in BibTeX entry {match.group(2)}")
        body = text[match.end() : end]
        fields = dict(
            (name.lower(), value.strip())
            for name, value in re.findall(r"^\s*(\w+)\s*=\s*(.+?),?\s*$", body, re.MULTILINE)
        )
        entries.append((match.group(1).lower(), match.group(2), fields))
    return entries


def readme(name: str) -> str:
    return (TASKS_DIR / name / "README.md").read_text(encoding="utf-8")


def test_every_benchmark_folder_has_a_readme() -> None:
    folders = {p.parent.name for p in TASKS_DIR.glob("*/*.yaml")}
    assert folders == set(BENCHMARK_NAMES)
    for name in BENCHMARK_NAMES:
        assert (TASKS_DIR / name / "README.md").is_file(), name


@pytest.mark.parametrize("name", BENCHMARK_NAMES)
def test_readme_has_lm_evals_sections(name: str) -> None:
    text = readme(name)
    found = sections(text)
    assert text.startswith("# "), "title first"
    for heading in REQUIRED_HEADINGS:
        assert heading in found, f"{name}: no '{heading}' section"
    assert any(h.startswith("Protocol") for h in found), f"{name}: no protocol/data section"
    assert re.search(r"^Homepage: +\S+", text, re.MULTILINE), f"{name}: no Homepage line"
    assert re.search(r"https://arxiv\.org/abs/\d{4}\.\d{5}|https://\S+", found["Paper"])
    checklist = found["Checklist"]
    for question in (
        "Is the task an existing benchmark in the literature?",
        "Have you referenced the original paper",
        "does the original paper provide a reference implementation?",
        'Is the "Main" variant of this task clearly denoted?',
    ):
        assert question in checklist, f"{name}: checklist lacks {question!r}"


@pytest.mark.parametrize("name", BENCHMARK_NAMES)
def test_listed_names_exist_and_cover_the_folder(name: str) -> None:
    found = sections(readme(name))
    folder = yaml_names(TASKS_DIR / name)
    for heading, kind in (("Groups", "group"), ("Tags", "tag"), ("Tasks", "task")):
        listed = listed_names(found[heading])
        assert len(listed) == len(set(listed)), f"{name}: {heading} lists a name twice"
        unknown = set(listed) - ALL_NAMES[kind]
        assert not unknown, f"{name}: {heading} lists undefined {kind}s {sorted(unknown)}"
        missing = folder[kind] - set(listed)
        assert not missing, f"{name}: {heading} does not list {sorted(missing)}"
        for listed_name in listed:
            if listed_name == ALL_GROUP or listed_name in CAPABILITY_GROUPS:
                continue
            owner = benchmark_of(listed_name)
            assert owner is not None and owner.name == name, f"{listed_name} is not {name}'s"


@pytest.mark.parametrize("entry", BENCHMARKS, ids=lambda e: e.name)
def test_catalog_entry_point_is_listed(entry) -> None:
    found = sections(readme(entry.name))
    listed = set(listed_names(found["Groups"])) | set(listed_names(found["Tasks"]))
    if entry.lm_eval_name is not None:
        assert entry.lm_eval_name in listed
    for metric in entry.metrics:
        assert f"`{metric}`" in readme(entry.name), f"{entry.name}: metric {metric} not named"


@pytest.mark.parametrize("name", BENCHMARK_NAMES)
def test_citation_has_upstream_and_acbench_bibtex(name: str) -> None:
    entries = bibtex_entries(sections(readme(name))["Citation"])
    assert len(entries) >= 2, f"{name}: fewer than two BibTeX entries"
    keys = [key for _, key, _ in entries]
    assert len(keys) == len(set(keys)), f"{name}: duplicate BibTeX keys"
    for kind, key, fields in entries:
        assert kind in {"article", "inproceedings", "misc"}, key
        assert "title" in fields and "year" in fields and "author" in fields, key
        assert re.search(r"(19|20)\d\d", fields["year"]), key
    acbench = [f for _, key, f in entries if key == "dong2025compressed"]
    assert acbench and ACBENCH_TITLE in acbench[0]["title"], f"{name}: no ACBench entry"
    assert "2025" in acbench[0]["year"]
    assert len(entries) - len(acbench) >= 1, f"{name}: no upstream entry"


@pytest.mark.parametrize("name", BENCHMARK_NAMES)
def test_relative_links_resolve(name: str) -> None:
    folder = TASKS_DIR / name
    for target in re.findall(r"\]\((\.[^)#]+)\)", readme(name)):
        assert (folder / target).exists(), f"{name}: broken link {target}"


def test_top_level_readme_links_every_task_readme() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in BENCHMARK_NAMES:
        assert f"](yaml_tasks/{name}/README.md)" in text, f"README.md does not link {name}"


def test_bibtex_parser_rejects_and_reads() -> None:
    """The parser the citation test relies on: reads fields, refuses unbalanced entries."""
    entries = bibtex_entries("@misc{a2024x,\n  title={X {Y}},\n  year={2024},\n}\n")
    assert entries == [("misc", "a2024x", {"title": "{X {Y}}", "year": "{2024}"})]
    with pytest.raises(ValueError):
        bibtex_entries("@misc{b,\n  title={X,\n")
    assert listed_names("* `a`: x\n- `b`\n  * `c`\n* d `e`\n") == ["a", "b"]
