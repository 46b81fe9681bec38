"""AgentBoard's problems: the Hub tarball, a local copy, or our own samples.

AgentBoard (hkust-nlp/AgentBoard) keeps its problems and game files in one archive on the Hub,
``hkust-nlp/agentboard`` → ``data.tar.gz`` (1.4 GB; GPL-2.0). Its loaders read
``<root>/data/<env>/test.jsonl`` and the files beside it. Three ways to provide it, chosen by
:func:`acbench_core.data_sources.resolve_source` from the task metadata:

* ``data_source: hub`` (the default): the archive at the pinned revision :data:`HUB_REVISION` is
  downloaded once by ``huggingface_hub`` and extracted once into
  ``<cache>/agentboard/<revision>/`` (:func:`acbench_core.paths.cache_dir`). Members that would
  land outside that folder (absolute paths, ``..``, links) are refused; an archive that cannot be
  read gives one error naming the file.
* ``data_dir: /path`` (or ``$ACBENCH_AGENTBOARD_DATA_DIR``): an already extracted copy,
  ``/path/data/<env>/...`` (pointing at ``/path/data`` itself works too).
* ``data_source: sample``: our own offline problem sets (the ``sample`` problem set of each
  environment); nothing here is read.

:func:`load_records` reads one environment's ``test.jsonl`` in file order (the order AgentBoard
joins its records in: Jericho and PDDL by line, AlfWorld and ScienceWorld by keys inside the
record) and checks every record before any model time: a missing or malformed file fails with
the file, the line and the three ways to provide the data. Pickled files (the academia graphs of
Tool-Query) are only ever read from this archive at the pinned revision or from a path the user
gave (:func:`trusted_file`), never from an arbitrary URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from acbench_core.catalog import benchmark
from acbench_core.data_sources import (
    DataSource,
    DataSourceError,
    Provenance,
    local_commit,
    package_version,
    provenance_fields,
    resolve_source,
)
from acbench_core.paths import cache_dir
from acbench_tasks.common.archives import (
    BrokenArchiveError,
    UnsafeArchiveError,
    is_complete,
    safe_extract,
)

logger = logging.getLogger(__name__)

#: ``hkust-nlp/agentboard`` at 2025-01-25 ("Update README.md"): the tree that was ``main`` from
#: then until 2025-06-24, i.e. when ACBench ran AgentBoard; its ``data.tar.gz`` is the upload of
#: 2025-01-18.
HUB_REVISION = "c662f953684a4cfb182a3f2b998b20a973c00056"  # = the catalog's hub_revision
ARCHIVE = "data.tar.gz"
#: AgentBoard's environment keys (folder names under ``data/``).
ENVS = ("alfworld", "scienceworld", "jericho", "pddl", "tool-query", "tool-operation")
_SKIPPED_PREFIXES = ("data/baseline_results/",)  # other models' logs: unused, large


def spec():
    """The catalog's data spec of AgentBoard (hub repo, revision, layout hint)."""
    # samples = our own problem sets (problem_set: sample), not files in AgentBoard's layout
    return benchmark("agentboard").dataset().with_samples(Path(__file__).parent)


def source(metadata: Mapping[str, Any] | None = None) -> DataSource:
    """Where AgentBoard's data comes from for this task metadata."""
    return resolve_source(spec(), metadata or {})


def _ways() -> str:
    return DataSource(spec(), "hub")._ways()


# ---------------------------------------------------------------------------- the archive
def _data_member(path: PurePosixPath) -> PurePosixPath | None:
    """Where a member goes below the extraction root (None: skipped).

    Archives with a top-level ``data/`` folder keep it; archives of the folder's content (the
    dataset card extracts with ``tar -C ./data``) get it added.
    """
    target = path if path.parts[:1] == ("data",) else PurePosixPath("data", path)
    if any(f"{target}/".startswith(prefix) for prefix in _SKIPPED_PREFIXES):
        return None
    return target


def extract_archive(archive: Path, destination: Path) -> Path:
    """Extract AgentBoard's ``data.tar.gz`` into ``destination`` (once) and return it.

    Only regular files and folders are written; links, special files and paths leaving the
    folder are refused. A truncated or corrupt archive raises :class:`DataSourceError`.
    """
    try:
        return safe_extract(archive, destination, _data_member)
    except UnsafeArchiveError as err:
        raise DataSourceError(f"agentboard: {archive}: {err}") from None
    except (BrokenArchiveError, OSError) as err:
        raise DataSourceError(
            f"agentboard: {archive} is not a readable tar.gz archive ({err}); delete it so "
            f"that it is downloaded again. {_ways()}"
        ) from None


def _root_of(folder: Path) -> Path:
    """The folder that holds ``data/`` for a user copy (``<dir>/data/<env>``, or ``<dir>`` being
    the ``data`` folder itself)."""
    if (folder / "data").is_dir():
        return folder
    if folder.name == "data" and any((folder / env).is_dir() for env in ENVS):
        return folder.parent
    raise DataSourceError(
        f"agentboard: data_dir {folder} has no data/<env>/ folders (expected "
        f"{spec().layout_hint}). {_ways()}"
    )


def agentboard_root(metadata: Mapping[str, Any] | None = None) -> Path:
    """The folder holding AgentBoard's ``data/`` for this task metadata (downloads once).

    Raises :class:`DataSourceError` (one line: what is wrong and the three ways to provide
    the data) when the data cannot be had, and for ``data_source: sample``, which has no
    AgentBoard files.
    """
    where = source(metadata)
    if where.kind == "sample":
        raise DataSourceError(
            "agentboard: data_source=sample plays our own offline problems, not AgentBoard's "
            "files; use problem_set=sample"
        )
    if where.kind == "local":
        assert where.root is not None
        return _root_of(where.root)
    revision = where.revision or "main"
    destination = cache_dir() / "agentboard" / revision
    if is_complete(destination):
        return destination
    archive = where.fetch(ARCHIVE)
    logger.info("Extracting AgentBoard's %s (%s) into %s", ARCHIVE, revision[:7], destination)
    return extract_archive(archive, destination)


def provenance(metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Which AgentBoard data a run used, for the results metadata (no download)."""
    where = source(metadata)
    if where.kind == "hub":
        revision = where.revision or "main"
        record = Provenance(
            "hub", where.spec.hub_repo, revision, (ARCHIVE,), pinned=where.revision is not None
        )
        info = {"data_source": f"hub:{where.spec.hub_repo}/{ARCHIVE}"}
    elif where.kind == "local":
        assert where.root is not None
        record = Provenance("local", str(where.root), local_commit(where.root))
        info = {"data_source": f"local:{where.root}"}
    else:
        record = Provenance("sample", "acbench:agentboard", package_version("acbench"), pinned=True)
        info = {"data_source": "sample"}
    info.update(provenance_fields(data=[record]))
    if record.revision is None:
        info["data_revision"] = "unknown (user copy)"
    return info


def trusted_file(relative: str, metadata: Mapping[str, Any] | None = None) -> Path:
    """A file of AgentBoard's data that may be unpickled: only from the pinned archive or the
    user's own ``data_dir`` (``relative`` is below ``data/``, e.g. ``tool-query/academia/...``).
    """
    root = agentboard_root(metadata)
    path = (root / "data" / relative).resolve()
    if not path.is_relative_to((root / "data").resolve()):
        raise DataSourceError(f"agentboard: {relative!r} is outside the data folder")
    if not path.is_file():
        raise DataSourceError(f"agentboard: missing data file {path}. {_ways()}")
    return path


# ---------------------------------------------------------------------------- the records
def _check(env: str, record: Any) -> str | None:
    """Why a record cannot be used by ``env`` (None when it can)."""
    if not isinstance(record, dict):
        return "not a JSON object"
    if "difficulty" not in record:
        return "no 'difficulty'"
    if env == "pddl":
        return None
    info = record.get("additional_info")
    if env == "jericho":
        if "subgoals" in record and not isinstance(record["subgoals"], list):
            return "'subgoals' is not a list"
        return None
    if not isinstance(record.get("subgoals"), list):
        return "'subgoals' is not a list"
    if not isinstance(info, dict):
        return "'additional_info' is not an object"
    if env == "alfworld":
        if not isinstance(info.get("description"), str) or "/" not in info["description"]:
            return "'additional_info.description' is not '<task dir>/<trial dir>'"
    elif env == "scienceworld":
        if not record["subgoals"]:
            return "'subgoals' is empty (progress is matched subgoals / their number)"
        if not isinstance(info.get("env_name"), str) or not isinstance(info.get("var"), int):
            return "'additional_info' needs 'env_name' (str) and 'var' (int)"
        if not isinstance(record.get("goal"), str):
            return "no 'goal'"
    elif env in ("tool-query", "tool-operation"):
        missing = [k for k in ("answer", "goal_type", "tool") if k not in info]
        if missing or not isinstance(record.get("goal"), str):
            return f"missing {', '.join(missing) or 'goal'}"
    return None


def read_records(path: Path, env: str) -> list[dict[str, Any]]:
    """The records of one ``test.jsonl`` in file order, each checked for ``env``."""
    if not path.is_file():
        raise DataSourceError(f"agentboard: missing {path} (the {env} problems). {_ways()}")
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DataSourceError(f"agentboard: cannot read {path}: {err}. {_ways()}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():  # AgentBoard skips blank lines
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataSourceError(
                f"agentboard: {path}:{number} is not JSON ({err.msg}). {_ways()}"
            ) from None
        problem = _check(env, record)
        if problem is not None:
            raise DataSourceError(f"agentboard: {path}:{number}: {problem}. {_ways()}")
        records.append(record)
    if not records:
        raise DataSourceError(f"agentboard: {path} has no records. {_ways()}")
    return records


def load_records(env: str, metadata: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The records of ``data/<env>/test.jsonl`` (``env`` as AgentBoard names it), in file order.

    Downloads and extracts the archive on first use (``data_source: hub``); every record is
    checked for the fields its environment reads before any model time.
    """
    if env not in ENVS:
        raise ValueError(f"unknown AgentBoard environment {env!r}; known: {', '.join(ENVS)}")
    return read_records(agentboard_root(metadata) / "data" / env / "test.jsonl", env)
