"""One way for every task to find its data: the upstream Hub dataset, a local copy, or samples.

Selection (first that applies):

1. ``--metadata '{"data_source": "hub" | "local" | "sample"}'`` or ``$ACBENCH_DATA_SOURCE``;
2. ``--metadata '{"data_dir": "/path"}'`` or ``$ACBENCH_<TASK>_DATA_DIR`` selects ``local``;
3. otherwise ``hub``: the upstream dataset repository, fetched and cached by ``huggingface_hub``.

A local copy has the upstream repository's layout, so a ``git clone`` or ``hf download`` of the
upstream dataset works as it is. The sample sets are small, written by the ACBench authors in the
upstream format, and ship with the package; the demo and the tests use them.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SourceKind = Literal["hub", "local", "sample"]
SOURCE_KINDS: tuple[str, ...] = ("hub", "local", "sample")


class DataSourceError(RuntimeError):
    """The task's data could not be found; the message lists the ways to provide it."""


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

    def with_samples(self, sample_dir: Path) -> DataSpec:
        """This spec with the folder of the task's bundled samples."""
        return dataclasses.replace(self, sample_dir=sample_dir)


@dataclass(frozen=True)
class DataSource:
    """A resolved place to read a benchmark's files from."""

    spec: DataSpec
    kind: SourceKind
    root: Path | None = None  # for local and sample

    def describe(self) -> str:
        if self.kind == "hub":
            return f"hub:{self.spec.hub_repo}"
        return f"{self.kind}:{self.root}"

    def fetch(self, candidates: str | Sequence[str]) -> Path:
        """Local path of the first existing file among ``candidates`` (paths in the layout)."""
        candidates = [candidates] if isinstance(candidates, str) else list(candidates)
        if self.kind == "hub":
            return self._fetch_from_hub(candidates[0])
        assert self.root is not None
        for rel in candidates:
            path = self.root / rel
            if path.is_file():
                return path
        tried = ", ".join(candidates)
        raise DataSourceError(
            f"{self.spec.benchmark}: no data file at {self.root} (looked for {tried}). "
            f"Expected the upstream layout: {self.spec.layout_hint}. {self._ways()}"
        )

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
                    self.spec.hub_repo, rel, repo_type="dataset", revision=self.spec.hub_revision
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
    return DataSource(spec, "hub")
