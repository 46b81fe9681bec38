"""Record and replay the HTTP exchanges of live services (AgentBoard's weather, movie, todo, sheet).

One :class:`HttpClient` per episode, in one of three modes:

* ``live``: real requests (through ``httpx``), nothing kept;
* ``record``: real requests, and every exchange written, in order, to a *cassette* file;
* ``replay``: every answer comes from a cassette and nothing touches the network. A request the
  cassette does not hold raises :class:`ReplayMiss`, which ends that episode only.

A cassette is a JSON file ``{"version": 1, "interactions": [{"request": ..., "response": ...}]}``,
short enough to write by hand (the test suite does)::

    {"request": {"method": "GET", "url": "https://geocoding-api.open-meteo.com/v1/search",
                 "params": {"name": "Paris", "count": "3"}},
     "response": {"status": 200, "json": {"results": [...]}}}

Requests match on method, URL (without its query), query parameters (as text, order ignored) and
JSON body. Services with state answer the same request differently over time (Todoist's
``GET /tasks`` after a task was closed), so the n-th identical request gets the n-th recorded
answer. Request headers are never written: they carry the keys. Response bodies are written as
received, so a cassette holds what the account returned (project names, sheet contents, ids).

Query parameters are encoded as ``requests`` encodes them (AgentBoard's client): ``None`` is
dropped, other values go through ``str`` (``True`` → ``"True"``), lists repeat the key.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

Mode = Literal["live", "record", "replay"]
MODES: tuple[str, ...] = ("live", "record", "replay")
CASSETTE_VERSION = 1
DEFAULT_TIMEOUT_S = 60.0


class ReplayMiss(RuntimeError):
    """A replayed run asked for something its cassette does not hold."""


class CassetteError(ValueError):
    """A cassette file that cannot be read (bad JSON, wrong layout)."""


@dataclass(frozen=True)
class HttpResponse:
    """What the tools read from an answer: the status code and the body."""

    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


def encode_params(params: Params) -> list[tuple[str, str]]:
    """Query parameters as ``requests`` sends them: no ``None``, values through ``str``."""
    pairs: list[tuple[str, str]] = []
    items = params.items() if isinstance(params, Mapping) else (params or [])
    for key, value in items:
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs += [(str(key), str(item)) for item in values if item is not None]
    return pairs


def _split_url(url: str, params: Params) -> tuple[str, list[tuple[str, str]]]:
    """The URL without its query, and all query pairs (those in the URL first)."""
    parts = urlsplit(url)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return base, parse_qsl(parts.query, keep_blank_values=True) + encode_params(params)


def request_key(method: str, url: str, params: Params = None, body: Any = None) -> str:
    """The text two requests share exactly when a recorded answer may serve both."""
    base, pairs = _split_url(url, params)
    return json.dumps(
        [method.upper(), base, sorted(pairs), body], sort_keys=True, ensure_ascii=False
    )


def _params_for_file(pairs: Sequence[tuple[str, str]]) -> Any:
    keys = [k for k, _ in pairs]
    return dict(pairs) if len(set(keys)) == len(keys) else [list(p) for p in pairs]


def _params_from_file(value: Any, where: str) -> Params:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 for p in value):
        return [(str(k), str(v)) for k, v in value]
    raise CassetteError(f"{where}: 'params' must be an object or a list of [key, value] pairs")


def _response_from_file(entry: Mapping[str, Any], where: str) -> HttpResponse:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("status"), int):
        raise CassetteError(f"{where}: 'response' needs an integer 'status'")
    if "json" in entry:
        return HttpResponse(entry["status"], json.dumps(entry["json"], ensure_ascii=False))
    return HttpResponse(entry["status"], str(entry.get("text", "")))


def read_cassette(path: Path) -> list[tuple[str, HttpResponse]]:
    """``(request key, response)`` pairs of a cassette, in recorded order."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as err:
        raise CassetteError(f"{path}: not a readable cassette ({err})") from None
    interactions = data.get("interactions") if isinstance(data, Mapping) else None
    if not isinstance(interactions, list):
        raise CassetteError(f"{path}: expected an object with an 'interactions' list")
    pairs = []
    for number, item in enumerate(interactions):
        where = f"{path}, interaction {number}"
        request = item.get("request") if isinstance(item, Mapping) else None
        if not isinstance(request, Mapping) or not request.get("method") or not request.get("url"):
            raise CassetteError(f"{where}: 'request' needs 'method' and 'url'")
        params = _params_from_file(request.get("params"), where)
        key = request_key(str(request["method"]), str(request["url"]), params, request.get("json"))
        pairs.append((key, _response_from_file(item.get("response"), where)))
    return pairs


def _write_json_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class HttpClient:
    """GET/POST/DELETE through ``httpx``, recorded to or replayed from a cassette.

    ``transport`` replaces the network in ``live``/``record`` mode (tests pass an
    ``httpx.MockTransport``). Network failures surface as the built-in ``ConnectionError`` /
    ``TimeoutError``, the names AgentBoard's tool task treats as "end this problem".
    """

    def __init__(
        self,
        mode: Mode = "live",
        cassette: str | os.PathLike[str] | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown HTTP mode {mode!r}; choose one of {', '.join(MODES)}")
        if mode != "live" and cassette is None:
            raise ValueError(f"HTTP mode {mode!r} needs a cassette path")
        self.mode = mode
        self.cassette = Path(cassette) if cassette is not None else None
        self._recorded: list[dict[str, Any]] = []
        self._answers: dict[str, list[HttpResponse]] = defaultdict(list)
        self._served: dict[str, int] = defaultdict(int)
        self._client: httpx.Client | None = None
        if mode == "replay":
            assert self.cassette is not None
            if not self.cassette.is_file():
                raise ReplayMiss(
                    f"no recorded HTTP responses at {self.cassette} (replay needs a folder "
                    "written by a run with http_record_dir)"
                )
            for key, response in read_cassette(self.cassette):
                self._answers[key].append(response)
        else:
            self._client = httpx.Client(transport=transport, timeout=timeout)
            if mode == "record":
                self._flush()  # a re-recorded problem starts from an empty cassette

    # ------------------------------------------------------------------ requests
    def get(self, url: str, *, params: Params = None, headers=None) -> HttpResponse:
        return self.request("GET", url, params=params, headers=headers)

    def post(self, url: str, *, params=None, json: Any = None, headers=None) -> HttpResponse:
        return self.request("POST", url, params=params, json=json, headers=headers)

    def delete(self, url: str, *, params=None, headers=None) -> HttpResponse:
        return self.request("DELETE", url, params=params, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Params = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        key = request_key(method, url, params, json)
        if self.mode == "replay":
            return self._replay(key, method, url, params)
        response = self._send(method, url, params, json, headers)
        if self.mode == "record":
            self._record(method, url, params, json, response)
        return response

    def _replay(self, key: str, method: str, url: str, params: Any) -> HttpResponse:
        answers, served = self._answers.get(key, []), self._served[key]
        if served >= len(answers):
            shown = dict(encode_params(params))
            raise ReplayMiss(
                f"no recorded response for {method.upper()} {url} {shown or ''} "
                f"(call {served + 1}; the cassette {self.cassette} has {len(answers)}): the "
                "run took a step the recording does not hold; record it with http_record_dir"
            )
        self._served[key] = served + 1
        return answers[served]

    def _send(self, method, url, params, body, headers) -> HttpResponse:
        assert self._client is not None
        try:
            reply = self._client.request(
                method,
                url,
                params=encode_params(params) if params else None,
                json=body,
                headers=dict(headers or {}),
            )
        except httpx.TimeoutException as err:
            raise TimeoutError(f"{method.upper()} {url}: {err}") from None
        except httpx.TransportError as err:
            raise ConnectionError(f"{method.upper()} {url}: {type(err).__name__}: {err}") from None
        return HttpResponse(reply.status_code, reply.text)

    def _record(self, method, url, params, body, response: HttpResponse) -> None:
        base, pairs = _split_url(url, params)
        request: dict[str, Any] = {"method": method.upper(), "url": base}
        if pairs:
            request["params"] = _params_for_file(pairs)
        if body is not None:
            request["json"] = body
        answer: dict[str, Any] = {"status": response.status_code}
        try:
            parsed = json.loads(response.text) if 200 <= response.status_code < 300 else None
        except ValueError:
            parsed = None
        if parsed is not None:
            answer["json"] = parsed
        else:
            answer["text"] = response.text
        self._recorded.append({"request": request, "response": answer})
        self._flush()

    def _flush(self) -> None:
        assert self.cassette is not None
        _write_json_atomic(
            self.cassette, {"version": CASSETTE_VERSION, "interactions": self._recorded}
        )

    def unserved(self) -> int:
        """Recorded answers a replay has not handed out (0 when it followed the recording)."""
        return sum(len(answers) - self._served[key] for key, answers in self._answers.items())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
