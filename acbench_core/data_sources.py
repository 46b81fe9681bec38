"""One way for every task to find its data: the upstream Hub dataset, a local copy, or samples.

Selection (first that applies):

1. ``--metadata '{"data_source": "hub" | "local" | "sample"}'`` or ``$ACBENCH_DATA_SOURCE``;
2. ``--metadata '{"data_dir": "/path"}'`` or ``$ACBENCH_<TASK>_DATA_DIR`` selects ``local``;
3. otherwise ``hub``: the upstream dataset repository, fetched and cached by ``huggingface_hub``.

The Hub revision read is the catalog's pinned ``hub_revision`` where one is stated, else the
repository's default branch; ``--metadata '{"dataset_revision": "<commit>"}'`` pins it (or a
mapping by benchmark or dataset id, ``{"dataset_revision": {"worfbench": "<commit>"}}``, so that
one ``--metadata`` can pin each task's dataset). The key is not ``revision``: lm-eval merges the
model arguments into the task metadata, and ``revision`` there is the model's.

What was read is described by :class:`Provenance` (kind, repository or folder, the commit
actually resolved or the package version, the files), the one record shape that tasks write into
their results metadata (:func:`record_provenance`) for data, upstream texts and embedding models.

A local copy has the upstream repository's layout, so a ``git clone`` or ``hf download`` of the
upstream dataset works as it is. The sample sets are small, written by the ACBench authors in the
upstream format, and ship with the package; the demo and the tests use them.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SourceKind = Literal["hub", "local", "sample", "wheel"]
#: The kinds a user selects with ``data_source`` (``wheel`` is chosen by a task itself).
SOURCE_KINDS: tuple[str, ...] = ("hub", "local", "sample")
#: Every kind a provenance record may name: the data-source kinds, a GitHub repository at a
#: commit, an installed Python package (``revision`` = its version), data a task generates.
PROVENANCE_KINDS: tuple[str, ...] = (*SOURCE_KINDS, "wheel", "github", "package", "generated")
#: The task-metadata key of provenance records (``configs.<task>.metadata.provenance``).
PROVENANCE_KEY = "provenance"
#: The task-metadata key that pins a dataset revision (a commit, or a mapping by benchmark name
#: or Hub dataset id).
REVISION_KEY = "dataset_revision"


class DataSourceError(RuntimeError):
    """The task's data could not be found; the message lists the ways to provide it."""


@dataclass(frozen=True)
class Provenance:
    """Where one input of a run came from: the record written into the results metadata.

    ``kind`` is one of :data:`PROVENANCE_KINDS`; ``name`` the Hub or GitHub repository id, the
    package name or the folder; ``revision`` the commit actually read (Hub, GitHub, a local copy
    made by ``git clone`` or ``hf download``), the package version (``sample``, ``wheel``,
    ``package``), or None where it cannot be known (a plain local folder); ``files`` the files
    read inside it; ``pinned`` whether that revision was asked for (a pinned default or
    ``dataset_revision``) rather than the branch head found at run time.
    """

    kind: str
    name: str
    revision: str | None
    files: tuple[str, ...] = ()
    pinned: bool = False
    sha256: str | None = None  # of the one file read, for upstream texts

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as it appears under ``configs.<task>.metadata.provenance``."""
        record = dataclasses.asdict(self)
        record["files"] = list(self.files)
        if record["sha256"] is None:
            del record["sha256"]
        return record

    @classmethod
    def from_dict(cls, value: Any) -> Provenance | None:
        """A record read back from a results file (None for anything malformed)."""
        if not isinstance(value, Mapping):
            return None
        kind, name, revision = value.get("kind"), value.get("name"), value.get("revision")
        files = value.get("files") or ()
        if not isinstance(kind, str) or not isinstance(name, str):
            return None
        if revision is not None and not isinstance(revision, str):
            return None
        if isinstance(files, str) or not all(isinstance(f, str) for f in files):
            return None
        sha = value.get("sha256")
        return cls(kind, name, revision, tuple(files), bool(value.get("pinned")),
                   sha if isinstance(sha, str) else None)  # fmt: skip

    def describe(self) -> str:
        """One line: ``hub:zjunlp/WorFBench_test@3f2a1c0``."""
        return f"{self.kind}:{self.name}" + (f"@{self.revision}" if self.revision else "")


def record_provenance(
    metadata: dict[str, Any],
    *,
    data: Sequence[Provenance] = (),
    upstream: Sequence[Provenance] = (),
    embedding_model: Provenance | None = None,
) -> None:
    """Write provenance records into a task's metadata (lm-eval saves it with the results).

    ``metadata["provenance"]`` holds ``data`` (the task's data files, replaced), ``upstream``
    (texts read at run time, added without duplicates) and ``embedding_model``; the flat keys
    ``data_source_kind`` and ``data_revision`` repeat the data's kind and revision.
    """
    block = metadata.get(PROVENANCE_KEY)
    block = dict(block) if isinstance(block, Mapping) else {}
    if data:
        block["data"] = [record.to_dict() for record in data]
        kinds = {record.kind for record in data}
        revisions = {record.revision for record in data}
        metadata["data_source_kind"] = kinds.pop() if len(kinds) == 1 else "mixed"
        metadata["data_revision"] = revisions.pop() if len(revisions) == 1 else None
    if upstream:
        known = list(block.get("upstream") or [])
        for record in upstream:
            if record.to_dict() not in known:
                known.append(record.to_dict())
        block["upstream"] = known
    if embedding_model is not None:
        block["embedding_model"] = embedding_model.to_dict()
    metadata[PROVENANCE_KEY] = block


def provenance_fields(
    *,
    data: Sequence[Provenance] = (),
    upstream: Sequence[Provenance] = (),
    embedding_model: Provenance | None = None,
) -> dict[str, Any]:
    """The metadata fields :func:`record_provenance` writes, as a new dict."""
    fields: dict[str, Any] = {}
    record_provenance(fields, data=data, upstream=upstream, embedding_model=embedding_model)
    return fields


def merge_provenance(metadata: dict[str, Any], fields: Mapping[str, Any]) -> None:
    """``metadata.update(fields)``, except that a ``provenance`` block in ``fields`` is merged
    into the one already there (data replaced, upstream texts added, embedding model set)."""
    fields = dict(fields)
    block = fields.pop(PROVENANCE_KEY, None)
    metadata.update(fields)
    if not isinstance(block, Mapping):
        return

    def records(key: str) -> list[Provenance]:
        values = block.get(key) or []
        return [r for r in map(Provenance.from_dict, values) if r is not None]

    record_provenance(
        metadata,
        data=records("data"),
        upstream=records("upstream"),
        embedding_model=Provenance.from_dict(block.get("embedding_model")),
    )
    for key in ("data_source_kind", "data_revision"):  # as given, when data had none
        if key in fields:
            metadata[key] = fields[key]


def data_provenance(metadata: Any) -> list[Provenance]:
    """The data records of a task's results metadata (``configs.<task>.metadata``)."""
    block = metadata.get(PROVENANCE_KEY) if isinstance(metadata, Mapping) else None
    records = block.get("data") if isinstance(block, Mapping) else None
    if not isinstance(records, list):
        return []
    return [r for r in map(Provenance.from_dict, records) if r is not None]


def package_version(distribution: str) -> str | None:
    """The installed version of a Python distribution (None when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def hub_commit(path: Path | str) -> str | None:
    """The commit of a file downloaded by ``huggingface_hub`` (its ``snapshots/<commit>``)."""
    parts = Path(path).parts
    if "snapshots" in parts[:-1]:
        commit = parts[parts.index("snapshots") + 1]
        return commit if is_commit(commit) else None
    return None


def is_commit(value: Any) -> bool:
    """Whether ``value`` is a full git commit id (40 lower-case hex digits)."""
    return (
        isinstance(value, str) and len(value) == 40 and all(c in "0123456789abcdef" for c in value)
    )


def local_commit(root: Path, files: Sequence[str] = ()) -> str | None:
    """The commit a local copy was made from, where it says so (else None).

    ``hf download --local-dir`` leaves ``.cache/huggingface/download/<file>.metadata`` whose
    first line is the commit; ``git clone`` leaves ``.git/HEAD`` (a ref, or a detached commit).
    """
    for rel in files:
        meta = root / ".cache" / "huggingface" / "download" / f"{rel}.metadata"
        try:
            first = meta.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, IndexError, UnicodeDecodeError):
            continue
        if is_commit(first):
            return first
    return _git_head(root)


def _git_head(root: Path) -> str | None:
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if is_commit(head):
        return head
    if not head.startswith("ref: "):
        return None
    ref = head[5:].strip()
    try:
        value = (git / ref).read_text(encoding="utf-8").strip()
        return value if is_commit(value) else None
    except (OSError, UnicodeDecodeError):
        pass
    try:
        lines = (git / "packed-refs").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        commit, _, name = line.partition(" ")
        if name.strip() == ref and is_commit(commit):
            return commit
    return None


@dataclass(frozen=True)
class DataSpec:
    """Where one benchmark's data lives upstream and in the package."""

    benchmark: str  # short name used in env vars and messages, e.g. "worfbench"
    hub_repo: str  # upstream Hub dataset id, e.g. "zjunlp/WorFBench_test"
    layout_hint: str  # one line describing the upstream layout, for error messages
    hub_revision: str | None = None
    #: Folder of the samples shipped with the task, in the upstream layout; the catalog
    #: declares where the data lives upstream, each task folder adds its own samples.
    sample_dir: Path | None = None

    @property
    def data_dir_env(self) -> str:
        return f"ACBENCH_{self.benchmark.upper()}_DATA_DIR"

    def revision_for(self, metadata: Mapping[str, Any] | None = None) -> str | None:
        """The Hub revision to read: ``dataset_revision`` from the task metadata (a commit, or a
        mapping by benchmark name or Hub dataset id), else the pinned :attr:`hub_revision`."""
        value = (metadata or {}).get(REVISION_KEY)
        if isinstance(value, Mapping):
            value = value.get(self.benchmark) or value.get(self.hub_repo)
        if value in (None, ""):
            return self.hub_revision
        if not isinstance(value, str):
            raise DataSourceError(
                f"{self.benchmark}: {REVISION_KEY} must be a commit (or a mapping of them by "
                f"benchmark or dataset id), not {value!r}"
            )
        return value

    def with_samples(self, sample_dir: Path) -> DataSpec:
        """This spec with the folder of the task's bundled samples."""
        return dataclasses.replace(self, sample_dir=sample_dir)


@dataclass(frozen=True)
class DataSource:
    """A resolved place to read a benchmark's files from.

    Every file fetched is remembered, so that :meth:`provenance` can say what was read and at
    which revision.
    """

    spec: DataSpec
    kind: SourceKind
    root: Path | None = None  # for local, sample and wheel
    #: The Hub revision asked for (``dataset_revision`` or the catalog's pinned one).
    revision: str | None = None
    #: For ``wheel``: the installed distribution whose data folder ``root`` is.
    package: str | None = None
    _read: list[tuple[str, Path]] = field(default_factory=list, compare=False, repr=False)

    def describe(self) -> str:
        if self.kind == "hub":
            return f"hub:{self.spec.hub_repo}" + (f"@{self.revision}" if self.revision else "")
        if self.kind == "wheel":
            return f"wheel:{self.package} {package_version(self.package or '') or '?'}"
        return f"{self.kind}:{self.root}"

    def fetch(self, candidates: str | Sequence[str]) -> Path:
        """Local path of the first existing file among ``candidates`` (paths in the layout)."""
        candidates = [candidates] if isinstance(candidates, str) else list(candidates)
        if self.kind == "hub":
            path = self._fetch_from_hub(candidates[0])
            self._read.append((candidates[0], path))
            return path
        assert self.root is not None
        for rel in candidates:
            path = self.root / rel
            if path.is_file():
                self._read.append((rel, path))
                return path
        tried = ", ".join(candidates)
        raise DataSourceError(
            f"{self.spec.benchmark}: no data file at {self.root} (looked for {tried}). "
            f"Expected the upstream layout: {self.spec.layout_hint}. {self._ways()}"
        )

    def provenance(self) -> Provenance:
        """What this source has read so far: kind, repository or folder, revision, files."""
        files = tuple(dict.fromkeys(rel for rel, _ in self._read))
        if self.kind == "hub":
            commits = {hub_commit(path) for _, path in self._read} - {None}
            revision = commits.pop() if len(commits) == 1 else self.revision
            return Provenance("hub", self.spec.hub_repo, revision, files, self.revision is not None)
        if self.kind == "wheel":
            name = self.package or "?"
            return Provenance("wheel", name, package_version(name), files, True)
        if self.kind == "sample":
            # the samples ship with this package: its version names them
            name = f"acbench:{self.spec.benchmark}"
            return Provenance("sample", name, package_version("acbench"), files, True)
        assert self.root is not None
        return Provenance("local", str(self.root), local_commit(self.root, files), files)

    def read_json(self, candidates: str | Sequence[str]) -> Any:
        return load_json_file(self.fetch(candidates))

    def _fetch_from_hub(self, rel: str) -> Path:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import (
            EntryNotFoundError,
            LocalEntryNotFoundError,
            RepositoryNotFoundError,
        )

        try:
            return Path(
                hf_hub_download(
                    self.spec.hub_repo, rel, repo_type="dataset", revision=self.revision
                )
            )
        except LocalEntryNotFoundError:  # offline mode or no network, and not in the cache
            reason = "the Hub is unreachable or HF_HUB_OFFLINE is set, and it is not cached"
        except (EntryNotFoundError, RepositoryNotFoundError) as err:
            reason = f"not in the dataset: {type(err).__name__}"
        except Exception as err:  # proxy errors, timeouts, ...
            first_line = str(err).splitlines()[0] if str(err) else ""
            reason = f"{type(err).__name__}: {first_line}".rstrip(": ")
        raise DataSourceError(
            f"{self.spec.benchmark}: could not fetch {rel} from the Hub dataset "
            f"{self.spec.hub_repo} ({reason}). {self._ways()}"
        )

    def _ways(self) -> str:
        spec = self.spec
        return (
            "Use one of: (1) the Hub: unset HF_HUB_OFFLINE and make huggingface.co reachable "
            f"(dataset {spec.hub_repo}); (2) a local copy: --metadata "
            f'\'{{"data_dir": "/path/to/copy"}}\' or {spec.data_dir_env}=/path/to/copy '
            f"(layout: {spec.layout_hint}); (3) the bundled samples: --metadata "
            '\'{"data_source": "sample"}\' or ACBENCH_DATA_SOURCE=sample.'
        )


def load_json_file(path: Path) -> Any:
    """A JSON file's content; any unreadable file is a one-line :class:`DataSourceError`.

    Covers invalid UTF-8, an empty file, invalid JSON and nesting too deep for the parser.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataSourceError(
            f"{path} is not UTF-8 text (byte {err.start}: {err.reason})"
        ) from None
    if not text.strip():
        raise DataSourceError(f"{path} is empty")
    try:
        return json.loads(text)
    except ValueError as err:  # JSONDecodeError, or a number of more than 4,300 digits
        raise DataSourceError(f"{path} is not valid JSON ({err})") from None
    except RecursionError:
        raise DataSourceError(f"{path}: JSON nested too deeply to read") from None


def resolve_source(spec: DataSpec, metadata: Mapping[str, Any] | None = None) -> DataSource:
    """Pick the data source for ``spec`` from task metadata and the environment."""
    metadata = metadata or {}
    data_dir = metadata.get("data_dir") or os.environ.get(spec.data_dir_env)
    kind = metadata.get("data_source") or os.environ.get("ACBENCH_DATA_SOURCE")
    if not kind:
        kind = "local" if data_dir else "hub"
    kind = str(kind).lower()
    if kind not in SOURCE_KINDS:
        raise DataSourceError(
            f"{spec.benchmark}: unknown data_source {kind!r}; "
            f"choose one of {', '.join(SOURCE_KINDS)}"
        )
    if kind == "sample":
        if spec.sample_dir is None:
            raise DataSourceError(f"{spec.benchmark}: no bundled samples; use the Hub or data_dir")
        return DataSource(spec, "sample", spec.sample_dir)
    if kind == "local":
        if not data_dir:
            raise DataSourceError(
                f"{spec.benchmark}: data_source=local needs a folder: --metadata "
                f'\'{{"data_dir": "/path"}}\' or {spec.data_dir_env}=/path'
            )
        root = Path(str(data_dir)).expanduser()
        if not root.is_dir():
            raise DataSourceError(f"{spec.benchmark}: data_dir {root} is not a folder")
        return DataSource(spec, "local", root)
    return DataSource(spec, "hub", revision=spec.revision_for(metadata))
