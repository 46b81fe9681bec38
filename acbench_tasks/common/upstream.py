"""Upstream texts read at run time from a pinned revision, never copied into this repository.

ACBench's prompts and demonstration texts belong to their upstream projects (LongGenBench's
demo files and MMLU CSVs, LongBench's prompt table). A task names the file by repository,
commit and path (:class:`PinnedRepo`); :func:`read_upstream` finds it, first that applies:

1. a local checkout the user names: ``--metadata '{"<copy_key>": "/path/to/checkout"}'`` or
   ``$ACBENCH_<COPY_KEY>`` (the file is read from ``<checkout>/<path>``, as it is);
2. the local cache, ``<acbench cache>/upstream/<owner>/<repo>/<commit>/<path>``;
3. one download of ``https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>``,
   written to the cache. Not in offline mode (``HF_HUB_OFFLINE=1`` or ``ACBENCH_OFFLINE=1``,
   as the tests and the demo run), unless a fetcher was injected (:func:`set_fetcher`).

What was read is described by :class:`UpstreamText` (origin, SHA-256 and a
:class:`~acbench_core.data_sources.Provenance` record: ``github`` at the pinned commit, or
``local`` for a user's checkout with the commit it is at, where ``.git`` says) so that tasks can
record it in their results. Upstream Python modules are never imported or run: their tables are
read with :func:`literal_assignment` (``ast.literal_eval`` of a module-level assignment).

Repositories read by more than one task are declared here once (:data:`ACBENCH_REPO`).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acbench_core.data_sources import DataSourceError, Provenance, local_commit
from acbench_core.paths import cache_dir

#: Largest upstream file read (the biggest, a demo JSON, is ~200 kB).
MAX_BYTES = 64 * 2**20
DOWNLOAD_TIMEOUT_S = 60

Fetcher = Callable[[str], bytes]


class UpstreamUnavailableError(DataSourceError):
    """An upstream file could not be read or is not in the expected form; the message says
    which file and, where it is missing, the ways to provide it."""


@dataclass(frozen=True)
class PinnedRepo:
    """A GitHub repository at a fixed commit, and the metadata key naming a local checkout."""

    github: str  # "owner/name"
    commit: str  # 40 hex digits
    copy_key: str  # e.g. "longgenbench_repo"

    @property
    def env(self) -> str:
        return f"ACBENCH_{self.copy_key.upper()}"

    def url(self, path: str) -> str:
        return f"https://raw.githubusercontent.com/{self.github}/{self.commit}/{path}"

    def describe(self) -> str:
        return f"github:{self.github}@{self.commit}"


#: ACBench's own repository at the commit of the paper's runs (its scripts, prompts, tables).
ACBENCH_REPO = PinnedRepo(
    github="pprp/ACBench",
    commit="da7110e7a66c1cbc5044f03b023e606bc5457606",
    copy_key="acbench_repo",
)


@dataclass(frozen=True)
class UpstreamText:
    """The text of an upstream file and where it was read from."""

    text: str
    origin: str  # "copy:<path>", "cache:<path>" or "download:<url>"
    sha256: str
    provenance: Provenance | None = None  # for the results metadata


def http_fetch(url: str) -> bytes:
    """GET ``url`` (at most :data:`MAX_BYTES`)."""
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES} bytes")
    return data


_fetcher: Fetcher | None = None


def set_fetcher(fetcher: Fetcher | None) -> Fetcher | None:
    """Use ``fetcher(url) -> bytes`` for downloads (None: the default HTTP one); returns the
    previous one. An injected fetcher is used in offline mode too (tests serve fixtures)."""
    global _fetcher
    previous, _fetcher = _fetcher, fetcher
    return previous


def download(url: str, ways: str, fetcher: Fetcher | None = None) -> bytes:
    """The bytes at ``url`` through ``fetcher``, else the injected one (:func:`set_fetcher`),
    else HTTP; any failure is one :class:`UpstreamUnavailableError` line ending in ``ways``
    (how to provide the file without a download)."""
    fetch = fetcher or _fetcher or http_fetch
    try:
        return fetch(url)
    except Exception as err:  # network errors, HTTP errors, size limit, proxies
        first = str(err).splitlines()[0] if str(err) else ""
        reason = f"{type(err).__name__}: {first}" if first else type(err).__name__
        raise UpstreamUnavailableError(f"could not download {url} ({reason}). {ways}") from None


def offline() -> bool:
    """Offline mode: no downloads with the default fetcher."""
    return any(
        os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
        for name in ("HF_HUB_OFFLINE", "ACBENCH_OFFLINE")
    )


def cached_path(repo: PinnedRepo, path: str) -> Path:
    owner, name = repo.github.split("/", 1)
    return cache_dir() / "upstream" / owner / name / repo.commit / path


def local_copy(repo: PinnedRepo, metadata: Mapping[str, Any] | None = None) -> Path | None:
    """The user's checkout of ``repo`` (metadata key, then environment variable), if named."""
    value = (metadata or {}).get(repo.copy_key) or os.environ.get(repo.env)
    return Path(str(value)).expanduser() if value else None


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UpstreamUnavailableError(f"{where} is not UTF-8 text ({err})") from None


def ways_to_provide(repo: PinnedRepo) -> str:
    """One sentence naming the ways to provide ``repo``'s files (for error messages)."""
    return (
        "Use one of: (1) network access to raw.githubusercontent.com (not in offline mode: "
        "HF_HUB_OFFLINE / ACBENCH_OFFLINE unset); (2) a local checkout: git clone "
        f"https://github.com/{repo.github} DIR && git -C DIR checkout {repo.commit}, then "
        f'--metadata \'{{"{repo.copy_key}": "DIR"}}\' or {repo.env}=DIR.'
    )


def read_upstream(
    repo: PinnedRepo,
    path: str,
    metadata: Mapping[str, Any] | None = None,
    fetcher: Fetcher | None = None,
) -> UpstreamText:
    """The text of ``path`` in ``repo`` at its pinned commit (see the module docstring)."""
    copy = local_copy(repo, metadata)
    if copy is not None:
        target = copy / path
        if not target.is_file():
            raise UpstreamUnavailableError(
                f"{target} not found: {repo.copy_key}={copy} should be a checkout of "
                f"{repo.github} (ACBench used commit {repo.commit})"
            )
        text = _text(target.read_bytes(), f"copy:{target}")
        record = Provenance("local", str(copy), local_commit(copy), (path,), sha256=text.sha256)
        return dataclasses.replace(text, provenance=record)
    cached = cached_path(repo, path)
    if cached.is_file():
        return _pinned(repo, path, _text(cached.read_bytes(), f"cache:{cached}"))
    if (fetcher or _fetcher) is None and offline():
        raise UpstreamUnavailableError(
            f"{path} of {repo.describe()} is not cached and offline mode forbids the "
            f"download. {ways_to_provide(repo)}"
        )
    url = repo.url(path)
    data = download(url, ways_to_provide(repo), fetcher)
    result = _pinned(repo, path, _text(data, f"download:{url}"))
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(cached.name + f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(cached)
    return result


def _pinned(repo: PinnedRepo, path: str, text: UpstreamText) -> UpstreamText:
    record = Provenance("github", repo.github, repo.commit, (path,), True, text.sha256)
    return dataclasses.replace(text, provenance=record)


def _text(data: bytes, origin: str) -> UpstreamText:
    return UpstreamText(_decode(data, origin), origin, hashlib.sha256(data).hexdigest())


def literal_assignment(source: UpstreamText | Path, name: str) -> Any:
    """``ast.literal_eval`` of the last module-level ``name = <literal>`` of a Python file.

    ``source`` is a text read by :func:`read_upstream` or a file path. The module is parsed,
    never imported or executed; errors name the file.
    """
    if isinstance(source, UpstreamText):
        where, text = source.origin, source.text
    else:
        where = str(source)
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise UpstreamUnavailableError(f"cannot read {where}: {err}") from None
    try:
        tree = ast.parse(text, filename=where)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        raise UpstreamUnavailableError(f"cannot parse {where}: {err}") from None
    value = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            value = node.value
    if value is None:
        raise UpstreamUnavailableError(f"{where} has no module-level {name} = ...")
    try:
        return ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as err:
        raise UpstreamUnavailableError(f"{where}: {name} is not a literal ({err})") from None
