"""The HTTP record/replay layer and the Google service-account token, without any network."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from agentboard_tools_data import exchange, write_cassette

from acbench_tasks.agentboard.tools.google_auth import (
    CredentialError,
    ServiceAccountToken,
    read_service_account,
)
from acbench_tasks.common.http_replay import (
    CassetteError,
    HttpClient,
    ReplayMiss,
    encode_params,
    request_key,
)

SECRET = "tok-SECRET-123"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any real connection attempt fails the test."""

    def refuse(self, request):
        raise AssertionError(f"network used: {request.url}")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)


def counting_service():
    """A fake stateful service: GET /count answers 1, 2, 3 ...; records the headers seen."""
    seen = {"n": 0, "headers": []}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["headers"].append(dict(request.headers))
        if request.url.path == "/count":
            seen["n"] += 1
            return httpx.Response(200, json={"n": seen["n"], "q": dict(request.url.params)})
        if request.url.path == "/missing":
            return httpx.Response(404, text='{"success":false,"status_code":34}')
        return httpx.Response(204)

    return seen, httpx.MockTransport(handler)


def test_params_are_encoded_as_requests_encodes_them():
    assert encode_params({"a": True, "b": None, "c": 3, "d": [1, 2]}) == [
        ("a", "True"),
        ("c", "3"),
        ("d", "1"),
        ("d", "2"),
    ]
    # order of parameters and their place (URL or params) do not matter
    assert request_key("get", "https://x/y?b=2", {"a": 1}) == request_key(
        "GET", "https://x/y", {"a": "1", "b": "2"}
    )
    assert request_key("GET", "https://x/y", {"a": 1}) != request_key(
        "POST", "https://x/y", {"a": 1}
    )


def test_record_then_replay_gives_the_same_answers_in_order(tmp_path):
    seen, transport = counting_service()
    cassette = tmp_path / "weather" / "3.json"
    headers = {"Authorization": f"Bearer {SECRET}"}
    with HttpClient("record", cassette, transport=transport) as client:
        first = client.get("https://svc.test/count", params={"ok": True}, headers=headers)
        second = client.get("https://svc.test/count", params={"ok": True}, headers=headers)
        missing = client.get("https://svc.test/missing", headers=headers)
        deleted = client.delete("https://svc.test/item/1", headers=headers)
    assert (first.json()["n"], second.json()["n"]) == (1, 2)
    assert seen["headers"][0]["authorization"] == f"Bearer {SECRET}"  # sent live ...
    text = cassette.read_text()
    assert SECRET not in text and "Authorization" not in text  # ... never written
    stored = json.loads(text)["interactions"]
    assert stored[0]["request"] == {
        "method": "GET",
        "url": "https://svc.test/count",
        "params": {"ok": "True"},
    }
    assert stored[2]["response"] == {"status": 404, "text": missing.text}  # errors kept verbatim

    with HttpClient("replay", cassette) as replay:
        assert replay.get("https://svc.test/count", params={"ok": True}).json()["n"] == 1
        assert replay.get("https://svc.test/count", params={"ok": "True"}).json()["n"] == 2
        assert replay.get("https://svc.test/missing").text == missing.text
        assert replay.delete("https://svc.test/item/1").status_code == deleted.status_code == 204
        assert replay.unserved() == 0
        with pytest.raises(ReplayMiss, match="call 3"):
            replay.get("https://svc.test/count", params={"ok": True})
        with pytest.raises(ReplayMiss, match="http_record_dir"):
            replay.get("https://svc.test/other")


def test_replay_reads_hand_written_cassettes(tmp_path):
    cassette = write_cassette(
        tmp_path / "c.json",
        [
            exchange(
                "POST",
                "https://svc.test/b",
                params=[["k", "1"], ["k", "2"]],
                body={"x": [1, 2]},
                json_reply={"ok": True},
            ),
        ],
    )
    client = HttpClient("replay", cassette)
    assert client.post("https://svc.test/b", params={"k": [1, 2]}, json={"x": [1, 2]}).json() == {
        "ok": True
    }
    with pytest.raises(ReplayMiss):  # same URL, other body
        client.post("https://svc.test/b", params={"k": [1, 2]}, json={"x": [2]})


def test_replay_without_a_cassette_or_with_a_bad_one(tmp_path):
    with pytest.raises(ReplayMiss, match="no recorded HTTP responses"):
        HttpClient("replay", tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CassetteError, match="not a readable cassette"):
        HttpClient("replay", tmp_path / "bad.json")
    (tmp_path / "shape.json").write_text('{"interactions": [{"request": {"url": "x"}}]}')
    with pytest.raises(CassetteError, match="interaction 0"):
        HttpClient("replay", tmp_path / "shape.json")
    with pytest.raises(ValueError, match="unknown HTTP mode"):
        HttpClient("offline")
    with pytest.raises(ValueError, match="needs a cassette"):
        HttpClient("record")


def test_network_failures_surface_under_agentboards_error_names():
    def broken(request):
        raise httpx.ConnectError("name resolution failed")

    def slow(request):
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(ConnectionError, match="ConnectError"):
        HttpClient("live", transport=httpx.MockTransport(broken)).get("https://svc.test/")
    with pytest.raises(TimeoutError):
        HttpClient("live", transport=httpx.MockTransport(slow)).get("https://svc.test/")


# ----------------------------------------------------------------------------- Google token
def _service_account(tmp_path: Path) -> tuple[Path, object]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "client_email": "bench@project.iam.gserviceaccount.com",
        "private_key_id": "abc123",
        "private_key": pem,
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(info))
    return path, key.public_key()


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_service_account_token_is_a_signed_jwt_exchange(tmp_path):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    path, public_key = _service_account(tmp_path)
    calls = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        calls.append(form)
        header, claims, signature = form["assertion"].split(".")
        public_key.verify(  # raises if the signature is wrong
            _unb64(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        body = json.loads(_unb64(claims))
        assert body["iss"] == "bench@project.iam.gserviceaccount.com"
        assert body["aud"] == "https://oauth2.googleapis.com/token"
        assert "spreadsheets" in body["scope"] and "drive" in body["scope"]
        assert json.loads(_unb64(header)) == {"alg": "RS256", "typ": "JWT", "kid": "abc123"}
        return httpx.Response(200, json={"access_token": f"ya29.{len(calls)}", "expires_in": 3599})

    now = [1_000_000.0]
    token = ServiceAccountToken(
        path, transport=httpx.MockTransport(token_endpoint), clock=lambda: now[0]
    )
    assert form_grant(calls, token) == "ya29.1"
    now[0] += 1000
    assert token() == "ya29.1"  # reused while valid
    now[0] += 3000
    assert token() == "ya29.2"  # refreshed near expiry
    assert "private_key" not in repr(token.__dict__.get("_token"))


def form_grant(calls, token):
    value = token()
    assert calls[-1]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    return value


def test_bad_credentials_are_reported_clearly(tmp_path):
    path, _ = _service_account(tmp_path)
    with pytest.raises(CredentialError, match="cannot read"):
        read_service_account(tmp_path / "nope.json")
    (tmp_path / "user.json").write_text('{"installed": {"client_id": "x"}}')
    with pytest.raises(CredentialError, match="missing client_email, private_key"):
        read_service_account(tmp_path / "user.json")
    refused = httpx.MockTransport(lambda r: httpx.Response(400, json={"error": "invalid_grant"}))
    with pytest.raises(CredentialError, match="refused"):
        ServiceAccountToken(path, transport=refused)()
