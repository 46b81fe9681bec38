"""Publish a compressed checkpoint and its model card to the Hugging Face Hub, safely repeatable.

``publish()`` renders the card (:mod:`hub_publish.card`), compares every file with what the
target revision already holds (git blob SHA-1 of regular files, SHA-256 of LFS files, as the Hub
reports them) and commits only what changed, in one ``create_commit``; when nothing changed it
makes no commit at all. As a pull request it first looks for an open PR that already carries
the same files. ``dry_run`` renders everything into a local folder and touches no network.

The token is whatever ``huggingface_hub`` finds (``HF_TOKEN``, ``hf auth login``); it is never
read, stored or printed here.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from acbench_core.results import ResultsError, Run, load_run, merge_results
from compressors.record import CompressionRecord
from hub_publish.card import EVAL_RESULTS_FILE, CardFiles, build_card
from hub_publish.errors import PublishError

logger = logging.getLogger(__name__)

#: Never uploaded from a checkpoint folder: our rendered README replaces its README.
SKIPPED = ("README.md", ".git", ".cache", ".huggingface")
#: Files that look like credentials: left out unless listed explicitly (``include``), as are
#: dotfiles (``.env``, ``.netrc``, ...) and everything in hidden folders.
SECRET_PATTERNS = (
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "id_rsa*",
    "id_ed25519*",
    "*credential*",
    "*secret*",
    "*token*.json",
    "*token*.txt",
    "service_account*.json",
    "*.kdbx",
)
#: A folder transformers can load holds a config and weights in one of these forms.
WEIGHT_FILES = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.gguf", "*.safetensors.index.json")


@dataclass
class PublishResult:
    repo_id: str
    revision: str
    changed: list[str]
    unchanged: list[str]
    commit_url: str | None = None
    pr_url: str | None = None
    dry_run: bool = False
    output_dir: Path | None = None
    card: CardFiles | None = None
    details_repo: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def committed(self) -> bool:
        return self.commit_url is not None


# ---- local side ------------------------------------------------------------------------------


def load_results(sources: Sequence[str | Path], label: str | None = None) -> Run:
    """One run from one or more results files/folders (later ones win per task)."""
    runs = [load_run(s) for s in sources]
    if len(runs) == 1:
        run = runs[0]
    else:
        data, _ = merge_results([r.data for r in runs], [r.source for r in runs])
        samples: dict[str, str] = {}
        fetchers = {}
        for r in runs:
            samples.update(r.sample_files)
            fetchers.update({ref: r.fetch for ref in r.sample_files.values()})
        source = ",".join(r.source for r in runs)
        run = Run(runs[-1].label, source, data, samples, lambda ref: fetchers[ref](ref))
    if label:
        run.label = label
    return run


def check_checkpoint(folder: Path) -> None:
    """Refuse a folder that is not a loadable checkpoint: a ``config.json`` and weights."""
    if not folder.is_dir():
        raise PublishError(f"{folder}: not a checkpoint folder")
    missing = []
    if not (folder / "config.json").is_file():
        missing.append("config.json")
    if not any(any(folder.glob(pattern)) for pattern in WEIGHT_FILES):
        missing.append("weights (*.safetensors, *.bin, ...)")
    if missing:
        raise PublishError(
            f"{folder} is not a loadable checkpoint: no {' and no '.join(missing)}; give the "
            "folder acbench compress (or save_pretrained) wrote"
        )


def is_secret(rel: Path) -> bool:
    """A dotfile, a file in a hidden folder, or a name that looks like a key or credential."""
    return any(part.startswith(".") for part in rel.parts) or any(
        fnmatch.fnmatch(rel.name.lower(), pattern) for pattern in SECRET_PATTERNS
    )


def checkpoint_files(folder: Path, include: Sequence[str] = ()) -> dict[str, Path]:
    """path in repo -> local file, for every file of the checkpoint we upload.

    Dotfiles, hidden folders and files that look like keys or credentials stay behind unless
    ``include`` lists them (paths relative to the folder)."""
    wanted = {Path(p).as_posix() for p in include}
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or rel.parts[0] in SKIPPED or ".partial-" in str(rel):
            continue
        if is_secret(rel) and rel.as_posix() not in wanted:
            logger.warning("not uploading %s (looks private; list it explicitly to upload)", rel)
            continue
        files[rel.as_posix()] = path
    missing = sorted(wanted - set(files))
    if missing:
        raise PublishError(f"--include names files that are not in {folder}: {missing}")
    return files


def render(
    checkpoint: Path,
    run: Run,
    base: Run | None,
    repo_id: str,
    *,
    existing_card: str | None = None,
    include_partial: bool = False,
    source_url: str | None = None,
    include: Sequence[str] = (),
) -> tuple[CardFiles, dict[str, Path | bytes]]:
    """The card and every file to upload (path in repo -> local file or content)."""
    if existing_card is None and (checkpoint / "README.md").is_file():
        existing_card = (checkpoint / "README.md").read_text(encoding="utf-8")
    try:
        card = build_card(
            CompressionRecord.read(checkpoint),
            run,
            base,
            repo_id,
            existing=existing_card,
            include_partial=include_partial,
            source_url=source_url,
        )
    except (ValueError, yaml.YAMLError) as err:  # an existing card we cannot parse: leave it be
        raise PublishError(
            f"the existing README.md has unreadable metadata ({err}); fix it "
            "first, nothing was changed"
        ) from None
    files: dict[str, Path | bytes] = dict(checkpoint_files(checkpoint, include))
    files["README.md"] = card.readme.encode("utf-8")
    if card.eval_results:
        files[EVAL_RESULTS_FILE] = card.eval_results.encode("utf-8")
    return card, files


def write_dry_run(output: Path, card: CardFiles, files: dict[str, Path | bytes]) -> None:
    """README.md, the eval-results file and a plan of the upload, in ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "README.md").write_text(card.readme, encoding="utf-8")
    if card.eval_results:
        target = output / EVAL_RESULTS_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(card.eval_results, encoding="utf-8")
    plan = {
        path: {
            "bytes": len(item) if isinstance(item, bytes) else item.stat().st_size,
            "sha256": _sha256(item),
        }
        for path, item in files.items()
    }
    (output / "upload_plan.json").write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")


def _sha256(item: Path | bytes) -> str:
    if isinstance(item, bytes):
        return hashlib.sha256(item).hexdigest()
    digest = hashlib.sha256()
    with open(item, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_sha1(item: Path | bytes) -> str:
    from huggingface_hub.utils.sha import git_hash

    return git_hash(item if isinstance(item, bytes) else item.read_bytes())


# ---- remote side -----------------------------------------------------------------------------


def remote_files(api: Any, repo_id: str, revision: str) -> dict[str, tuple[str, str | None]]:
    """path -> (git blob id, LFS sha256 or None) at ``revision`` (empty for a new branch)."""
    from huggingface_hub import RepoFile
    from huggingface_hub.errors import RevisionNotFoundError

    try:
        entries = api.list_repo_tree(repo_id, recursive=True, revision=revision)
        return {
            e.path: (e.blob_id, e.lfs.sha256 if e.lfs else None)
            for e in entries
            if isinstance(e, RepoFile)
        }
    except RevisionNotFoundError:
        return {}


def unchanged(item: Path | bytes, remote: tuple[str, str | None] | None) -> bool:
    """Whether a local file equals the remote one (compared the way the Hub stores it)."""
    if remote is None:
        return False
    blob_id, lfs_sha256 = remote
    if lfs_sha256:
        return _sha256(item) == lfs_sha256
    return _git_sha1(item) == blob_id


def same_card(a: str, b: str) -> bool:
    """Equal metadata and text: a card that differs only in YAML key order or blank lines."""
    from huggingface_hub import ModelCard

    first, second = (ModelCard(x, ignore_metadata_errors=True) for x in (a, b))
    return (
        first.data.to_dict() == second.data.to_dict() and first.text.strip() == second.text.strip()
    )


def _remote_card(api: Any, repo_id: str, revision: str) -> str | None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, RevisionNotFoundError

    try:
        path = hf_hub_download(
            repo_id, "README.md", revision=revision, endpoint=api.endpoint, token=api.token
        )
    except (EntryNotFoundError, RevisionNotFoundError):
        return None
    return Path(path).read_text(encoding="utf-8")


def _open_pr_with(api: Any, repo_id: str, files: dict[str, Path | bytes]) -> str | None:
    """The ref of an open pull request that already holds exactly these files, if any."""
    refs = api.list_repo_refs(repo_id, include_pull_requests=True)
    for ref in refs.pull_requests or []:
        remote = remote_files(api, repo_id, ref.ref)
        if all(unchanged(item, remote.get(path)) for path, item in files.items()):
            return ref.ref
    return None


def _check_token(api: Any) -> str:
    """The user name behind the token; a clear error when there is none or the Hub rejects it."""
    from huggingface_hub.errors import HfHubHTTPError, LocalTokenNotFoundError

    try:
        return api.whoami()["name"]
    except LocalTokenNotFoundError:
        raise PublishError(
            "no Hugging Face token: run `hf auth login` or set HF_TOKEN (use --dry-run to render "
            "the card without one)"
        ) from None
    except HfHubHTTPError as err:
        status = getattr(err.response, "status_code", "?")
        raise PublishError(
            f"the Hub rejected the token (HTTP {status}): check HF_TOKEN or "
            "log in again with `hf auth login`"
        ) from None


def publish(
    checkpoint: str | Path,
    results: Sequence[str | Path],
    repo_id: str,
    *,
    base_results: Sequence[str | Path] | None = None,
    revision: str | None = None,
    create_pr: bool = False,
    private: bool = False,
    dry_run: bool = False,
    output_dir: str | Path | None = None,
    commit_message: str | None = None,
    include_partial: bool = False,
    details_repo: str | None = None,
    include: Sequence[str] = (),
    api: Any = None,
) -> PublishResult:
    """Render the card and upload checkpoint + card (or, with ``dry_run``, write them locally).

    ``include`` lists files of the folder to upload although they look private (dotfiles,
    keys, credentials), which are otherwise left behind."""
    folder = Path(checkpoint).expanduser()
    check_checkpoint(folder)
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise PublishError(f"--repo-id: {err}") from None
    if create_pr and revision not in (None, "main"):
        raise PublishError("a pull request always targets main: drop --revision or --create-pr")
    try:
        run = load_results(results)
        base = load_results(base_results) if base_results else None
    except ResultsError as err:
        raise PublishError(str(err)) from None
    target = revision or "main"

    if dry_run:
        card, files = render(
            folder, run, base, repo_id, include_partial=include_partial, include=include
        )
        out = Path(output_dir) if output_dir else folder.parent / f"{folder.name}-card"
        write_dry_run(out, card, files)
        return PublishResult(
            repo_id, target, sorted(files), [], dry_run=True, output_dir=out, card=card
        )

    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    api = api or HfApi()
    _check_token(api)
    api.create_repo(repo_id, private=private, exist_ok=True)
    notes = []
    if private and not api.repo_info(repo_id).private:
        notes.append(f"{repo_id} already exists and is public: --private changes nothing")
    if revision and revision != "main":
        api.create_branch(repo_id, branch=revision, exist_ok=True)
    if details_repo:
        from hub_publish.details import push_details

        details_repo = push_details(
            results, details_repo, private=private, api=api, model_name=repo_id
        )
        notes.append(f"per-sample details are in the dataset {details_repo}")
    source_url = f"{api.endpoint}/datasets/{details_repo}" if details_repo else None
    source_url = source_url or f"{api.endpoint}/{repo_id}"
    existing = _remote_card(api, repo_id, target)
    card, files = render(
        folder,
        run,
        base,
        repo_id,
        existing_card=existing,
        include_partial=include_partial,
        source_url=source_url,
        include=include,
    )
    if existing and same_card(existing, card.readme):
        files["README.md"] = existing.encode("utf-8")  # equal up to key order and spacing
    remote = remote_files(api, repo_id, target)
    changed = [p for p, item in files.items() if not unchanged(item, remote.get(p))]
    same = [p for p in files if p not in changed]
    # our eval-results file, left from a publish whose scores now all stay out of the metadata
    stale = [EVAL_RESULTS_FILE] if EVAL_RESULTS_FILE in remote and not card.eval_results else []
    changed += stale
    result = PublishResult(
        repo_id, target, changed, same, card=card, details_repo=details_repo, notes=notes
    )
    if not changed:
        result.notes.append(f"{repo_id}@{target} already holds these files: no new commit")
        return result
    if create_pr:
        existing_pr = None if stale else _open_pr_with(api, repo_id, files)
        if existing_pr:
            result.notes.append(f"the open pull request {existing_pr} already holds these files")
            result.pr_url = f"{api.endpoint}/{repo_id}/discussions/{existing_pr.split('/')[-1]}"
            return result
    operations: list[Any] = [CommitOperationAdd(p, files[p]) for p in changed if p in files]
    operations += [CommitOperationDelete(path) for path in stale]
    info = api.create_commit(
        repo_id,
        operations,
        commit_message=commit_message or _default_message(card, changed),
        revision=None if create_pr else revision,
        create_pr=create_pr,
    )
    result.commit_url, result.pr_url = info.commit_url, info.pr_url
    return result


def _default_message(card: CardFiles, changed: list[str]) -> str:
    weights = [p for p in changed if p not in ("README.md", EVAL_RESULTS_FILE)]
    if weights:
        return f"ACBench: upload checkpoint ({len(weights)} files) and model card"
    return "ACBench: update model card and evaluation results"
