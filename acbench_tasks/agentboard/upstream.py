"""Upstream texts read at run time: AgentBoard's prompts and PDDL files, ACBench's chat wrappers.

Nothing of AgentBoard's is copied into this repository. What the agent reads (the VanillaAgent
prompt JSONs: instruction, examples, system message), the PDDL domains and problems that live
in AgentBoard's repository rather than its dataset, and the text tables inside AgentBoard's
environment modules (PDDL predicate phrasings, the Jericho goals and first observations) come
from the GitHub repository hkust-nlp/AgentBoard at the pinned commit :data:`AGENTBOARD_COMMIT`:
its source archive is downloaded once (about 12 MB) and the needed folders extracted into
``<cache>/upstream/AgentBoard-<commit>/``. ACBench's hand-written chat wrappers (its edited
``prompt_template.py``) are one file of pprp/ACBench at the commit of
:data:`acbench_tasks.common.upstream.ACBENCH_REPO`.

Python modules are never imported or executed: module-level tables are read with
:func:`acbench_tasks.common.upstream.literal_assignment`.

Local copies (task metadata or environment variables, no download):

* ``upstream_dir`` / ``$ACBENCH_AGENTBOARD_UPSTREAM_DIR``: a checkout of hkust-nlp/AgentBoard;
* ``prompt_dir``: a folder with ``VanillaAgent/*.json`` (AgentBoard's ``agentboard/prompts``);
* ``pddl_dir``: a folder with ``<domain>.pddl`` and ``<domain>/*.pddl`` (AgentBoard's
  ``agentboard/environment/pddl_env/pddlgym/pddl``);
* ``chat_templates_file``: ACBench's
  ``thirdpartys/AgentBoard/agentboard/prompts/prompt_template.py``.

Downloads go through :func:`acbench_tasks.common.upstream.download` (one fetcher, ``url ->
bytes``, for every upstream text; tests replace it with :func:`use_fetcher`).
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from acbench_core.data_sources import (
    Provenance,
    local_commit,
    provenance_fields,
)
from acbench_core.paths import cache_dir
from acbench_tasks.common.archives import (
    BrokenArchiveError,
    UnsafeArchiveError,
    is_complete,
    safe_extract,
)
from acbench_tasks.common.upstream import (
    ACBENCH_REPO,
    Fetcher,
    UpstreamUnavailableError,
    download,
    literal_assignment,
    set_fetcher,
)

AGENTBOARD_REPO = "hkust-nlp/AgentBoard"
AGENTBOARD_COMMIT = "bb7255e2daf1989069a186dad9e53f70680961db"
ACBENCH_TEMPLATES = "thirdpartys/AgentBoard/agentboard/prompts/prompt_template.py"
PROMPTS = "agentboard/prompts"
PDDL = "agentboard/environment/pddl_env/pddlgym/pddl"
#: Folders of the AgentBoard source archive that are kept (texts, tables, problem files).
KEPT = (PROMPTS, "agentboard/environment", "agentboard/utils")
VANILLA_KEYS = ("instruction", "examples", "system_msg")


#: An upstream text could not be had; the message says how to provide it (the shared class).
UpstreamError = UpstreamUnavailableError


@contextmanager
def use_fetcher(fetch: Fetcher) -> Iterator[None]:
    """Download through ``fetch`` inside the block (tests: no network)."""
    previous = set_fetcher(fetch)
    try:
        yield
    finally:
        set_fetcher(previous)


def _ways(what: str) -> str:
    return (
        f"{what} is read at run time from {AGENTBOARD_REPO}@{AGENTBOARD_COMMIT[:7]} on GitHub "
        "(downloaded once into the cache). Without network, give a local copy: --metadata "
        '\'{"upstream_dir": "/path/to/AgentBoard"}\' (a checkout; or '
        "$ACBENCH_AGENTBOARD_UPSTREAM_DIR), or prompt_dir=<checkout>/agentboard/prompts, "
        f"pddl_dir=<checkout>/{PDDL}."
    )


def _download(url: str, what: str, ways: str | None = None) -> bytes:
    try:
        return download(url, ways or _ways(what))
    except UpstreamUnavailableError as err:
        raise UpstreamError(str(err)) from None


# ---------------------------------------------------------------------------- AgentBoard
def _archive_member(path: PurePosixPath) -> PurePosixPath | None:
    inner = PurePosixPath(*path.parts[1:]) if len(path.parts) > 1 else None  # drop top folder
    if inner is None or not any(str(inner).startswith(kept) for kept in KEPT):
        return None
    return inner


def _upstream_override(metadata: Mapping[str, Any]) -> Path | None:
    value = metadata.get("upstream_dir") or os.environ.get("ACBENCH_AGENTBOARD_UPSTREAM_DIR")
    if not value:
        return None
    root = Path(str(value)).expanduser()
    if not (root / "agentboard").is_dir():
        raise UpstreamError(f"upstream_dir {root} is not a checkout of {AGENTBOARD_REPO} "
                            "(no agentboard/ folder)")  # fmt: skip
    return root


def agentboard_checkout(metadata: Mapping[str, Any] | None = None) -> Path:
    """AgentBoard's repository at the pinned commit (the kept folders), or the user's checkout."""
    metadata = metadata or {}
    override = _upstream_override(metadata)
    if override is not None:
        return override
    destination = cache_dir() / "upstream" / f"AgentBoard-{AGENTBOARD_COMMIT}"
    if is_complete(destination):
        return destination
    url = f"https://codeload.github.com/{AGENTBOARD_REPO}/tar.gz/{AGENTBOARD_COMMIT}"
    payload = _download(url, "AgentBoard's prompts and PDDL files")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=destination.parent, suffix=".tar.gz") as handle:
        handle.write(payload)
        handle.flush()
        try:
            return safe_extract(Path(handle.name), destination, _archive_member)
        except (UnsafeArchiveError, BrokenArchiveError, OSError) as err:
            raise UpstreamError(f"the AgentBoard source archive from {url} is unusable "
                                f"({err}). {_ways('It')}") from None  # fmt: skip


def prompt_dir(metadata: Mapping[str, Any] | None = None) -> Path:
    """The folder holding ``VanillaAgent/*.json`` (``prompt_dir`` override or upstream)."""
    metadata = metadata or {}
    if metadata.get("prompt_dir"):
        return Path(str(metadata["prompt_dir"])).expanduser()
    return agentboard_checkout(metadata) / PROMPTS


def pddl_dir(metadata: Mapping[str, Any] | None = None) -> Path:
    """The folder of AgentBoard's PDDL domains and problems (``pddl_dir`` override or upstream)."""
    metadata = metadata or {}
    if metadata.get("pddl_dir"):
        return Path(str(metadata["pddl_dir"])).expanduser()
    return agentboard_checkout(metadata) / PDDL


def vanilla_prompt(name: str, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """AgentBoard's ``prompts/VanillaAgent/<name>.json`` (e.g. ``jericho_vanilla_prompt``).

    Returns the JSON object as upstream has it (``instruction``, ``examples``, ``system_msg``;
    the PDDL file has one such object per domain).
    """
    path = prompt_dir(metadata) / "VanillaAgent" / f"{name}.json"
    return _load_json(path, f"AgentBoard's prompt {name}.json")


@functools.lru_cache(maxsize=64)
def _cached_json(path: str, mtime: float) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _load_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise UpstreamError(f"missing {path}. {_ways(what)}")
    try:
        return _cached_json(str(path), path.stat().st_mtime)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UpstreamError(f"{path} is not valid JSON ({err})") from None


def check_vanilla(prompt: Any, where: str) -> dict[str, Any]:
    """The prompt object if it has the three keys the vanilla agent reads."""
    if not isinstance(prompt, dict) or any(key not in prompt for key in VANILLA_KEYS):
        raise UpstreamError(f"{where}: expected an object with {', '.join(VANILLA_KEYS)}")
    return prompt


def module_table(relative: str, name: str, metadata: Mapping[str, Any] | None = None) -> Any:
    """The literal value assigned to ``name`` at module level in an upstream Python file.

    The file (e.g. ``agentboard/environment/jericho_env.py``) is parsed, never imported or run.
    """
    path = agentboard_checkout(metadata) / relative
    return literal_assignment(path, name)


# ---------------------------------------------------------------------------- ACBench
def acbench_chat_templates(metadata: Mapping[str, Any] | None = None) -> dict[str, str]:
    """ACBench's hand-written chat wrappers: ``prompt_templates`` of its ``prompt_template.py``
    (keys such as ``qwen``, ``internlm``, ``llama``; values with ``{system_prompt}`` and
    ``{prompt}``)."""
    metadata = metadata or {}
    if metadata.get("chat_templates_file"):
        path = Path(str(metadata["chat_templates_file"])).expanduser()
    else:
        path = cache_dir() / "upstream" / f"ACBench-{ACBENCH_REPO.commit}" / ACBENCH_TEMPLATES
        if not path.is_file():
            url = (
                f"https://raw.githubusercontent.com/{ACBENCH_REPO.github}/{ACBENCH_REPO.commit}/"
                f"{ACBENCH_TEMPLATES}"
            )
            payload = _download(
                url,
                "ACBench's chat wrappers (prompt_template.py)",
                ways=f"Without network, give a local copy of {ACBENCH_TEMPLATES} from "
                f"{ACBENCH_REPO.github}@{ACBENCH_REPO.commit[:7]}: --metadata "
                '\'{"chat_templates_file": "/path/to/prompt_template.py"}\'.',
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            staging = path.with_suffix(".part")
            staging.write_bytes(payload)
            os.replace(staging, path)
    templates = literal_assignment(path, "prompt_templates")
    if not isinstance(templates, dict) or not all(isinstance(v, str) for v in templates.values()):
        raise UpstreamError(f"{path}: prompt_templates is not a dict of strings")
    return templates


def provenance(metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Which upstream texts a run reads, for the results metadata (no download)."""
    metadata = metadata or {}
    override = metadata.get("upstream_dir") or os.environ.get("ACBENCH_AGENTBOARD_UPSTREAM_DIR")
    revision = f"{AGENTBOARD_REPO}@{AGENTBOARD_COMMIT}"
    if override:
        revision = f"local:{override}"
    info: dict[str, Any] = {"prompt_revision": revision}
    records = []
    for key, folder in (("prompt_dir", PROMPTS), ("pddl_dir", PDDL)):
        if metadata.get(key):
            info[key] = f"local:{metadata[key]}"
            records.append(_local_record(str(metadata[key]), "."))
        elif override:
            records.append(_local_record(str(override), folder))
        else:
            records.append(
                Provenance("github", AGENTBOARD_REPO, AGENTBOARD_COMMIT, (folder,), pinned=True)
            )
    if metadata.get("chat_templates_file"):
        info["chat_templates_revision"] = f"local:{metadata['chat_templates_file']}"
        path = Path(str(metadata["chat_templates_file"])).expanduser()
        records.append(Provenance("local", str(path.parent), None, (path.name,)))
    else:
        info["chat_templates_revision"] = f"{ACBENCH_REPO.github}@{ACBENCH_REPO.commit}"
        records.append(
            Provenance(
                "github",
                ACBENCH_REPO.github,
                ACBENCH_REPO.commit,
                (ACBENCH_TEMPLATES,),
                pinned=True,
            )
        )
    info.update(provenance_fields(upstream=records))
    return info


def _local_record(folder: str, relative: str) -> Provenance:
    root = Path(folder).expanduser()
    return Provenance("local", str(root), local_commit(root), (relative,))
