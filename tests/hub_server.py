"""A small in-memory Hugging Face Hub for tests: the endpoints the real ``huggingface_hub`` client
uses to create repos, commit (regular + LFS files, branches, pull requests) and download.

Loopback only (127.0.0.1, a free port), bounded (request bodies, stored bytes, lifetime: it stops
by itself after ``lifetime_s``), threads are daemons. Start it with ``with HubServer(...) as hub``
and point the client at it *before* importing huggingface_hub::

    HF_ENDPOINT=<hub.url> HF_HUB_DISABLE_XET=1 HF_HUB_OFFLINE=0 HF_TOKEN=<token> python ...

Behaviour copied from the Hub: ``Authorization: Bearer`` tokens map to users; a token the server
does not know gets 401 "Invalid credentials in Authorization header"; private repos answer 401
(anonymous) or 404 (another user) with ``X-Error-Code: RepoNotFound``; missing files and revisions
carry ``EntryNotFound`` / ``RevisionNotFound``; ``create_pr=1`` commits open ``refs/pr/N``;
``resolve`` answers with ``X-Repo-Commit``, ``ETag``, ``X-Linked-Etag`` and ``X-Linked-Size``;
LFS goes through ``/info/lfs/objects/batch`` and a signed PUT URL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".h5", ".onnx", ".parquet", ".zip")
LFS_THRESHOLD = 10 * 1024 * 1024
GITATTRIBUTES = "".join(f"*{s} filter=lfs diff=lfs merge=lfs -text\n" for s in LFS_SUFFIXES)
PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
ZERO = "0" * 40


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Blob:
    size: int
    oid: str  # git blob id (of the LFS pointer for LFS files)
    lfs_sha256: str | None = None
    data: bytes | None = None  # regular files; LFS content lives in HubServer.lfs


@dataclass
class Commit:
    oid: str
    parent: str | None
    files: dict[str, Blob]
    title: str
    message: str
    author: str
    date: str


@dataclass
class Repo:
    kind: str
    repo_id: str
    owner: str
    private: bool
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/main" -> commit oid
    commits: dict[str, Commit] = field(default_factory=dict)
    next_pr: int = 1


class HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.extra = status, message, code, extra


class HubServer:
    """The Hub's state plus the HTTP server thread serving it."""

    def __init__(
        self,
        tokens: dict[str, str],
        *,
        lifetime_s: float = 300.0,
        max_body: int = 64 * 1024 * 1024,
        max_stored: int = 256 * 1024 * 1024,
    ) -> None:
        self.tokens = dict(tokens)  # token -> user name
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.upload_sigs: dict[str, str] = {}  # signature -> sha256 allowed to be PUT
        self.lock = threading.RLock()
        self.lifetime_s, self.max_body, self.max_stored = lifetime_s, max_body, max_stored
        self.stored = 0
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status), for tests
        self._server: ThreadingHTTPServer | None = None
        self._timer: threading.Timer | None = None

    # ---- life cycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubServer:
        hub = self

        class Handler(_Handler):
            server_state = hub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self._timer = threading.Timer(self.lifetime_s, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- state helpers -----------------------------------------------------------------------

    def repo(self, kind: str, repo_id: str, user: str | None, *, write: bool = False) -> Repo:
        repo = self.repos.get((kind, repo_id))
        if repo is None or (repo.private and user != repo.owner):
            raise HubError(401 if user is None else 404, "Repository not found", "RepoNotFound")
        if write and user != repo.owner:
            raise HubError(403, "You don't have the rights to write to this repo")
        return repo

    @staticmethod
    def resolve_ref(repo: Repo, rev: str) -> str:
        if rev in repo.commits:
            return rev
        for ref in (rev, f"refs/heads/{rev}"):
            if ref in repo.refs:
                return repo.refs[ref]
        raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    def commit(
        self, repo: Repo, ref: str, files: dict[str, Blob], title: str, message: str, user: str
    ) -> Commit:
        parent = repo.refs.get(ref)
        stamp = f"{parent}{title}{time.time_ns()}{sorted(files)}".encode()
        commit = Commit(
            oid=hashlib.sha1(stamp).hexdigest(),
            parent=parent,
            files=files,
            title=title,
            message=message,
            author=user,
            date=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        )
        repo.commits[commit.oid] = commit
        repo.refs[ref] = commit.oid
        return commit

    def seed(
        self, kind: str, repo_id: str, files: dict[str, bytes], *, private: bool = False
    ) -> Repo:
        """Create a repo holding ``files`` directly (test set-up; .safetensors etc. go to LFS)."""
        with self.lock:
            repo = Repo(kind, repo_id, repo_id.split("/")[0], private)
            blobs = {}
            for path, data in files.items():
                if _lfs_mode(path, len(data)):
                    sha = hashlib.sha256(data).hexdigest()
                    self.lfs[sha] = data
                    blobs[path] = Blob(len(data), git_sha1(sha.encode()), lfs_sha256=sha)
                else:
                    blobs[path] = Blob(len(data), git_sha1(data), data=data)
            self.commit(repo, "refs/heads/main", blobs, "seed", "", repo.owner)
            self.repos[(kind, repo_id)] = repo
            return repo

    def store(self, size: int) -> None:
        self.stored += size
        if self.stored > self.max_stored:
            raise HubError(507, "test hub storage limit reached")


def _lfs_mode(path: str, size: int) -> bool:
    return path.endswith(LFS_SUFFIXES) or size >= LFS_THRESHOLD


class _Handler(BaseHTTPRequestHandler):
    server_state: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # ---- plumbing ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        hub = self.server_state
        split = urlsplit(self.path)
        self.query = parse_qs(split.query)
        self.segments = [unquote(s) for s in split.path.split("/")[1:]]
        try:
            self.body = self._read_body()
            with hub.lock:
                self.user = self._user()
                status, payload, headers = self._route(method)
        except HubError as err:
            status, headers = err.status, {"X-Error-Message": err.message}
            if err.code:
                headers["X-Error-Code"] = err.code
            payload = {"error": err.message, **err.extra}
        hub.requests.append((method, self.path, status))
        self._send(method, status, payload, headers)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.server_state.max_body:
            raise HubError(413, "request body too large for the test hub")
        return self.rfile.read(length) if length else b""

    def _user(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        token = auth.removeprefix("Bearer ").strip()
        if token not in self.server_state.tokens:
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.server_state.tokens[token]

    def _send(self, method: str, status: int, payload: Any, headers: dict[str, str]) -> None:
        if isinstance(payload, bytes):
            body, ctype = payload, "application/octet-stream"
        else:
            body, ctype = json.dumps(payload).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)

    def _json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            raise HubError(400, "invalid JSON body") from None

    def _need_user(self) -> str:
        if self.user is None:
            raise HubError(401, "You must be authenticated")
        return self.user

    # ---- routing -----------------------------------------------------------------------------

    def _route(self, method: str) -> tuple[int, Any, dict[str, str]]:
        s = self.segments
        if s[:2] == ["api", "whoami-v2"]:
            user = self._need_user()
            return (
                200,
                {
                    "type": "user",
                    "name": user,
                    "fullname": user,
                    "orgs": [],
                    "auth": {
                        "type": "access_token",
                        "accessToken": {"displayName": "test", "role": "write"},
                    },
                },
                {},
            )
        if s[:3] == ["api", "repos", "create"] and method == "POST":
            return self._create_repo()
        if s[:2] == ["api", "validate-yaml"] and method == "POST":
            return self._validate_yaml()
        if s[:1] == ["__lfs"] and method == "PUT":
            return self._lfs_put(s[1])
        if len(s) >= 4 and s[0] == "api" and s[1] in ("models", "datasets", "spaces"):
            kind = s[1][:-1]
            return self._repo_api(method, kind, f"{s[2]}/{s[3]}", s[4:])
        kind, rest = "model", s
        if s and s[0] in ("datasets", "spaces"):
            kind, rest = s[0][:-1], s[1:]
        if len(rest) >= 2 and rest[1].endswith(".git") and rest[2:5] == ["info", "lfs", "objects"]:
            return self._lfs(kind, f"{rest[0]}/{rest[1][:-4]}", rest[5:])
        if len(rest) >= 5 and rest[2] == "resolve":
            return self._resolve(method, kind, f"{rest[0]}/{rest[1]}", rest[3], "/".join(rest[4:]))
        raise HubError(404, f"no such endpoint: {method} {self.path}")

    def _create_repo(self) -> tuple[int, Any, dict[str, str]]:
        hub, user = self.server_state, self._need_user()
        body = self._json()
        namespace = body.get("organization") or user
        if namespace != user:
            raise HubError(403, f"You don't have the rights to create a repo under {namespace}")
        kind = body.get("type") or "model"
        repo_id = f"{namespace}/{body['name']}"
        url = f"{hub.url}/{PREFIX[kind]}{repo_id}"
        if (kind, repo_id) in hub.repos:
            raise HubError(409, "You already created this repo", url=url)
        private = body.get("visibility") == "private" or bool(body.get("private"))
        repo = Repo(kind, repo_id, user, private)
        data = GITATTRIBUTES.encode()
        files = {".gitattributes": Blob(len(data), git_sha1(data), data=data)}
        hub.commit(repo, "refs/heads/main", files, "initial commit", "", user)
        hub.repos[(kind, repo_id)] = repo
        return 200, {"url": url, "name": repo_id, "id": hashlib.sha1(url.encode()).hexdigest()}, {}

    def _validate_yaml(self) -> tuple[int, Any, dict[str, str]]:
        content = self._json().get("content", "")
        match = re.match(r"^---\n(.*?)\n---", content, re.DOTALL)
        try:
            meta = yaml.safe_load(match.group(1)) if match else {}
        except yaml.YAMLError as err:
            return 400, {"errors": [{"message": f"invalid YAML: {err}"}]}, {}
        if meta is not None and not isinstance(meta, dict):
            return 400, {"errors": [{"message": "metadata must be a mapping"}]}, {}
        return 200, {"warnings": []}, {}

    # ---- /api/{kind}s/{repo}/... --------------------------------------------------------------

    def _repo_api(
        self, method: str, kind: str, repo_id: str, rest: list[str]
    ) -> tuple[int, Any, dict[str, str]]:
        hub = self.server_state
        write = method == "POST" and rest[:1] in (["commit"], ["branch"], ["preupload"])
        repo = hub.repo(kind, repo_id, self.user, write=write)
        if not rest or rest[0] == "revision":
            rev = rest[1] if len(rest) > 1 else "main"
            return 200, self._info(repo, hub.resolve_ref(repo, rev)), {}
        action, args = rest[0], rest[1:]
        if action == "tree" and method == "GET":
            return self._tree(repo, args[0], "/".join(args[1:]))
        if action == "paths-info" and method == "POST":
            return self._paths_info(repo, args[0])
        if action == "refs":
            return 200, self._refs(repo), {}
        if action == "commits":
            return 200, self._commits(repo, args[0] if args else "main"), {}
        if action == "branch" and method == "POST":
            branch = "/".join(args)
            if f"refs/heads/{branch}" in repo.refs:
                raise HubError(409, f"Branch {branch} already exists")
            start = self._json().get("startingPoint") or "main"
            repo.refs[f"refs/heads/{branch}"] = hub.resolve_ref(repo, start)
            return 200, {}, {}
        if action == "preupload" and method == "POST":
            return self._preupload(repo, "/".join(args))
        if action == "commit" and method == "POST":
            return self._commit(repo, "/".join(args))
        raise HubError(404, f"no such endpoint: {method} {self.path}")

    def _files_at(self, repo: Repo, rev: str) -> tuple[str, dict[str, Blob]]:
        oid = self.server_state.resolve_ref(repo, rev)
        return oid, repo.commits[oid].files

    def _info(self, repo: Repo, oid: str) -> dict[str, Any]:
        files = repo.commits[oid].files
        info: dict[str, Any] = {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "author": repo.owner,
            "sha": oid,
            "private": repo.private,
            "disabled": False,
            "gated": False,
            "lastModified": repo.commits[oid].date,
            "tags": [],
            "siblings": [{"rfilename": p} for p in sorted(files)],
        }
        readme = files.get("README.md")
        if readme is not None and readme.data is not None:
            match = re.match(r"^---\n(.*?)\n---", readme.data.decode(), re.DOTALL)
            if match:
                info["cardData"] = yaml.safe_load(match.group(1))
        return info

    @staticmethod
    def _entry(path: str, blob: Blob) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": "file", "oid": blob.oid, "size": blob.size, "path": path}
        if blob.lfs_sha256:
            entry["lfs"] = {"oid": blob.lfs_sha256, "size": blob.size, "pointerSize": 134}
        return entry

    def _tree(self, repo: Repo, rev: str, prefix: str) -> tuple[int, Any, dict[str, str]]:
        _, files = self._files_at(repo, rev)
        recursive = self.query.get("recursive", ["false"])[0].lower() == "true"
        base = f"{prefix}/" if prefix else ""
        under = {p: b for p, b in files.items() if p.startswith(base)}
        if prefix and not under:
            raise HubError(404, f"{prefix} does not exist", "EntryNotFound")
        out, folders = [], set()
        for path, blob in sorted(under.items()):
            rel = path[len(base) :]
            parts = rel.split("/")
            for depth in range(1, len(parts)):
                if recursive or depth == 1:
                    folders.add(base + "/".join(parts[:depth]))
            if recursive or len(parts) == 1:
                out.append(self._entry(path, blob))
        out += [
            {"type": "directory", "oid": git_sha1(f.encode()), "size": 0, "path": f}
            for f in sorted(folders)
        ]
        return 200, out, {}

    def _paths_info(self, repo: Repo, rev: str) -> tuple[int, Any, dict[str, str]]:
        _, files = self._files_at(repo, rev)
        form = parse_qs(self.body.decode())
        out = []
        for path in form.get("paths", []):
            if path in files:
                out.append(self._entry(path, files[path]))
            elif any(p.startswith(f"{path}/") for p in files):
                out.append(
                    {"type": "directory", "oid": git_sha1(path.encode()), "size": 0, "path": path}
                )
        return 200, out, {}

    @staticmethod
    def _refs(repo: Repo) -> dict[str, Any]:
        def item(ref: str) -> dict[str, str]:
            name = ref.removeprefix("refs/heads/")
            return {"name": name, "ref": ref, "targetCommit": repo.refs[ref]}

        return {
            "branches": [item(r) for r in repo.refs if r.startswith("refs/heads/")],
            "tags": [],
            "converts": [],
            "pullRequests": [item(r) for r in repo.refs if r.startswith("refs/pr/")],
        }

    def _commits(self, repo: Repo, rev: str) -> list[dict[str, Any]]:
        oid: str | None = self.server_state.resolve_ref(repo, rev)
        out = []
        while oid:
            c = repo.commits[oid]
            out.append(
                {
                    "id": c.oid,
                    "title": c.title,
                    "message": c.message,
                    "date": c.date,
                    "authors": [{"user": c.author}],
                }
            )
            oid = c.parent
        return out

    def _preupload(self, repo: Repo, rev: str) -> tuple[int, Any, dict[str, str]]:
        create_pr = self.query.get("create_pr", ["0"])[0] == "1"
        oid, files = self._files_at(repo, "main" if create_pr else rev)
        out = []
        for item in self._json().get("files", []):
            lfs = _lfs_mode(item["path"], int(item.get("size", 0)))
            current = files.get(item["path"])
            remote = None
            if current is not None:
                remote = current.lfs_sha256 if lfs else current.oid
            out.append(
                {
                    "path": item["path"],
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": remote,
                }
            )
        return 200, {"files": out, "commitOid": oid}, {}

    def _commit(self, repo: Repo, rev: str) -> tuple[int, Any, dict[str, str]]:
        hub, user = self.server_state, self._need_user()
        create_pr = self.query.get("create_pr", ["0"])[0] == "1"
        lines = [json.loads(line) for line in self.body.splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "the commit payload must start with a header line")
        header = lines[0]["value"]
        if create_pr:
            base_oid = hub.resolve_ref(repo, "main")
            ref = f"refs/pr/{repo.next_pr}"
            repo.next_pr += 1
        else:
            ref = rev if rev.startswith("refs/") else f"refs/heads/{rev}"
            if ref not in repo.refs:
                raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            base_oid = repo.refs[ref]
        parent = header.get("parentCommit")
        if parent and parent != base_oid:
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(repo.commits[base_oid].files)
        for line in lines[1:]:
            key, value = line["key"], line["value"]
            path = value["path"]
            if key == "file":
                data = base64.b64decode(value["content"])
                hub.store(len(data))
                files[path] = Blob(len(data), git_sha1(data), data=data)
            elif key == "lfsFile":
                sha = value["oid"]
                if sha not in hub.lfs:
                    raise HubError(422, f"LFS object {sha} was not uploaded")
                pointer = (
                    f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\n"
                    f"size {len(hub.lfs[sha])}\n"
                ).encode()
                files[path] = Blob(len(hub.lfs[sha]), git_sha1(pointer), lfs_sha256=sha)
            elif key == "deletedFile":
                if files.pop(path, None) is None:
                    raise HubError(404, "A file with this name doesn't exist", "EntryNotFound")
            elif key == "deletedFolder":
                files = {p: b for p, b in files.items() if not p.startswith(f"{path}/")}
            else:
                raise HubError(400, f"unknown commit operation {key}")
        repo.refs.setdefault(ref, base_oid)
        commit = hub.commit(
            repo, ref, files, header.get("summary", ""), header.get("description", ""), user
        )
        prefix = f"{hub.url}/{PREFIX[repo.kind]}{repo.repo_id}"
        pr_url = f"{prefix}/discussions/{ref.split('/')[-1]}" if create_pr else None
        return (
            200,
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": f"{prefix}/commit/{commit.oid}",
                "pullRequestUrl": pr_url,
            },
            {},
        )

    # ---- LFS and downloads -------------------------------------------------------------------

    def _lfs(self, kind: str, repo_id: str, rest: list[str]) -> tuple[int, Any, dict[str, str]]:
        hub = self.server_state
        repo = hub.repo(kind, repo_id, self.user, write=True)
        body = self._json()
        if rest == ["verify"]:
            if body.get("oid") not in hub.lfs:
                raise HubError(404, "object not found")
            return 200, {}, {}
        if rest != ["batch"]:
            raise HubError(404, "no such LFS endpoint")
        objects = []
        for obj in body.get("objects", []):
            item: dict[str, Any] = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in hub.lfs:
                sig = secrets.token_hex(16)
                hub.upload_sigs[sig] = obj["oid"]
                prefix = f"{hub.url}/{PREFIX[repo.kind]}{repo.repo_id}.git/info/lfs/objects"
                item["actions"] = {
                    "upload": {"href": f"{hub.url}/__lfs/{obj['oid']}?sig={sig}", "header": {}},
                    "verify": {"href": f"{prefix}/verify", "header": {}},
                }
            objects.append(item)
        return 200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"}, {}

    def _lfs_put(self, oid: str) -> tuple[int, Any, dict[str, str]]:
        hub = self.server_state
        sig = self.query.get("sig", [""])[0]
        if hub.upload_sigs.pop(sig, None) != oid:
            raise HubError(403, "invalid or used upload signature")
        if hashlib.sha256(self.body).hexdigest() != oid:
            raise HubError(400, "content does not match the announced sha256")
        hub.store(len(self.body))
        hub.lfs[oid] = self.body
        return 200, {}, {}

    def _resolve(
        self, method: str, kind: str, repo_id: str, rev: str, path: str
    ) -> tuple[int, Any, dict[str, str]]:
        hub = self.server_state
        repo = hub.repo(kind, repo_id, self.user)
        oid, files = self._files_at(repo, rev)
        blob = files.get(path)
        if blob is None:
            raise HubError(404, f"{path} does not exist at {rev}", "EntryNotFound")
        data = hub.lfs[blob.lfs_sha256] if blob.lfs_sha256 else blob.data or b""
        headers = {"X-Repo-Commit": oid, "ETag": f'"{blob.oid}"'}
        if blob.lfs_sha256:
            headers.update(
                {"X-Linked-Etag": f'"{blob.lfs_sha256}"', "X-Linked-Size": str(blob.size)}
            )
        return 200, data, headers
