"""End-to-end tests of the Anthropic proxy: real Jupyter servers, mock upstream."""

from __future__ import annotations

import http.client
import json
import socket
import time

import httpx
import pytest

from .conftest import (
    ALL_KEYS,
    KEY_CLI,
    KEY_ENV,
    KEY_ENV_LOSER,
    sse_events,
)

MESSAGES = "data-engineer/anthropic/v1/messages"
COUNT_TOKENS = "data-engineer/anthropic/v1/messages/count_tokens"
MODELS = "data-engineer/anthropic/v1/models"
CONFIG = "data-engineer/config"

SDK_HEADERS = {
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
    "accept": "application/json",
}


def message_body(text: str = "hello", stream: bool = False) -> dict:
    return {
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 64,
        "stream": stream,
        "messages": [{"role": "user", "content": text}],
    }


def assert_no_secret(*texts: str | bytes, secrets=ALL_KEYS) -> None:
    for text in texts:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        for secret in secrets:
            assert secret not in text


def response_text(r: httpx.Response) -> str:
    """Status line, headers and body of a response, for leak checks."""
    head = "\n".join(f"{k}: {v}" for k, v in r.headers.multi_items())
    return f"{r.status_code}\n{head}\n\n{r.content.decode('utf-8', 'replace')}"


def raw_request(server, method: str, target: str, body: bytes = b"{}", headers=None):
    """Send `target` verbatim as the request target (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
        all_headers = {**server.auth, **SDK_HEADERS, **(headers or {})}
        all_headers["content-length"] = str(len(body))
        for name, value in all_headers.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def api_records(mock) -> list[dict]:
    return [r for r in mock.requests() if r["path"].startswith("/v1/")]


# --------------------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    "method,path",
    [("POST", MESSAGES), ("POST", COUNT_TOKENS), ("GET", MODELS), ("GET", CONFIG)],
)
@pytest.mark.parametrize("auth", [None, "token wrong-token"])
def test_unauthenticated_requests_are_refused(cli_server, mock, method, path, auth):
    headers = dict(SDK_HEADERS)
    if auth:
        headers["Authorization"] = auth
    with cli_server.client(follow_redirects=False) as c:
        r = c.request(method, path, headers=headers, json=message_body())
    assert r.status_code in (401, 403)
    assert api_records(mock) == []
    assert_no_secret(response_text(r))
    # Marked as Jupyter's own refusal: the page offers Reload, not "check the key".
    assert r.json()["data_engineer_error"] == "jupyter_auth"


def _login(server) -> httpx.Client:
    """A client holding Jupyter's login cookies (and no token)."""
    c = server.client(follow_redirects=False)
    r = c.get("login")
    assert r.status_code == 200
    xsrf = c.cookies.get("_xsrf")
    assert xsrf, "the login page sets an _xsrf cookie"
    r = c.post("login", data={"password": server.token, "_xsrf": xsrf})
    assert r.status_code in (302, 303), r.text
    assert any(name.startswith("username-") for name in c.cookies.keys())
    return c


def test_cookie_auth_post_needs_xsrf_header(cli_server, mock):
    c = _login(cli_server)
    try:
        # Cookie auth is enough for a GET.
        r = c.get(CONFIG)
        assert r.status_code == 200, r.text

        # A POST with the cookies but without the XSRF header is a cross-site
        # request forgery as far as the server can tell.
        r = c.post(MESSAGES, headers=SDK_HEADERS, json=message_body())
        assert r.status_code == 403
        assert r.json()["data_engineer_error"] == "jupyter_auth"
        assert api_records(mock) == []

        # A wrong XSRF header too.
        r = c.post(MESSAGES, headers={**SDK_HEADERS, "X-XSRFToken": "nope"}, json=message_body())
        assert r.status_code == 403
        assert api_records(mock) == []

        # With the header matching the _xsrf cookie it goes through.
        xsrf = c.cookies.get("_xsrf")
        r = c.post(MESSAGES, headers={**SDK_HEADERS, "X-XSRFToken": xsrf}, json=message_body())
        assert r.status_code == 200, r.text
        assert r.json()["type"] == "message"

        (record,) = api_records(mock)
        sent = record["headers"]
        assert "cookie" not in sent
        assert "x-xsrftoken" not in sent
        assert "authorization" not in sent
        assert sent["x-api-key"] == KEY_CLI
        dumped = json.dumps(record)
        for value in c.cookies.values():
            assert value not in dumped
        assert cli_server.token not in dumped
    finally:
        c.close()


# --------------------------------------------------------------------------- key handling


def test_key_from_cli_injected_upstream_and_absent_downstream(cli_server, mock):
    # The env of this server holds another key and a dead base URL: config wins for both.
    with cli_server.client() as c:
        r = c.post(MESSAGES, headers={**cli_server.auth, **SDK_HEADERS}, json=message_body())
    assert r.status_code == 200, r.text
    assert r.json()["content"][0]["type"] == "text"
    (record,) = api_records(mock)
    assert record["method"] == "POST"
    assert record["path"] == "/v1/messages"
    assert record["headers"]["x-api-key"] == KEY_CLI
    assert KEY_ENV_LOSER not in json.dumps(record)
    assert_no_secret(response_text(r))


def test_key_from_env_injected_upstream(env_server, mock):
    with env_server.client() as c:
        r = c.post(MESSAGES, headers={**env_server.auth, **SDK_HEADERS}, json=message_body())
        cfg = c.get(CONFIG, headers=env_server.auth).json()
    assert r.status_code == 200, r.text
    (record,) = api_records(mock)
    assert record["headers"]["x-api-key"] == KEY_ENV
    assert_no_secret(response_text(r))
    # ANTHROPIC_BASE_URL from the environment (with a trailing slash) is used.
    assert cfg == {
        "has_key": True,
        "upstream": env_server.upstream,
        "upstream_is_default": False,
        "allow_hidden": False,
        "version": cfg["version"],
        "demo": False,
    }


def test_mock_accepts_only_the_configured_key(cli_server, mock):
    mock.configure(expected_key=KEY_CLI)
    with cli_server.client() as c:
        r = c.post(COUNT_TOKENS, headers={**cli_server.auth, **SDK_HEADERS}, json=message_body())
    assert r.status_code == 200, r.text
    assert r.json()["input_tokens"] > 0


def test_only_whitelisted_request_headers_reach_upstream(cli_server, mock):
    headers = {
        **cli_server.auth,
        **SDK_HEADERS,
        "anthropic-beta": "some-beta-2025-01-01",
        "Cookie": "session=should-not-pass; _xsrf=nor-this",
        "X-XSRFToken": "nor-this",
        "x-stainless-os": "Linux",
        "anthropic-dangerous-direct-browser-access": "true",
        "x-api-key": "sk-ant-from-the-browser",
        "X-Forwarded-For": "10.1.2.3",
    }
    params = {"token": cli_server.token, "beta": "true", "1732590000000": ""}
    with cli_server.client() as c:
        r = c.post(MESSAGES, headers=headers, params=params, json=message_body())
    assert r.status_code == 200, r.text
    (record,) = api_records(mock)
    sent = record["headers"]
    assert record["query"] == ""  # the cache-buster and everything else is dropped
    assert sent["anthropic-version"] == "2023-06-01"
    assert sent["anthropic-beta"] == "some-beta-2025-01-01"
    assert sent["content-type"] == "application/json"
    assert sent["x-api-key"] == KEY_CLI  # the browser's own x-api-key is replaced
    for name in ("cookie", "authorization", "x-xsrftoken", "x-stainless-os",
                 "anthropic-dangerous-direct-browser-access", "x-forwarded-for"):
        assert name not in sent
    dumped = json.dumps(record)
    assert cli_server.token not in dumped
    assert "should-not-pass" not in dumped
    assert "sk-ant-from-the-browser" not in dumped


def test_no_key_on_default_upstream_answers_setup_error(servers, mock):
    server = servers["no_key_default"]
    with server.client() as c:
        started = time.monotonic()
        r = c.post(MESSAGES, headers={**server.auth, **SDK_HEADERS}, json=message_body())
        elapsed = time.monotonic() - started
        r_models = c.get(MODELS, headers=server.auth)
        cfg = c.get(CONFIG, headers=server.auth).json()
    assert r.status_code == 401
    body = r.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "authentication_error"
    assert body["data_engineer_error"] == "no_api_key"
    message = body["error"]["message"]
    assert "ANTHROPIC_API_KEY" in message
    assert "c.DataEngineer.anthropic_api_key" in message
    assert "restart" in message
    assert elapsed < 2.0  # answered locally, nobody was contacted
    assert r_models.status_code == 401
    assert r_models.json()["data_engineer_error"] == "no_api_key"
    assert cfg["has_key"] is False
    assert cfg["upstream"] == "https://api.anthropic.com"
    assert cfg["upstream_is_default"] is True
    assert api_records(mock) == []


def test_custom_base_url_without_key_forwards_without_key(servers, mock):
    server = servers["no_key_custom"]
    with server.client() as c:
        r = c.post(MESSAGES, headers={**server.auth, **SDK_HEADERS}, json=message_body())
    (record,) = api_records(mock)
    assert "x-api-key" not in record["headers"]
    assert "authorization" not in record["headers"]
    # The mock insists on a key: its own 401 comes back unchanged.
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "x-api-key header is required"
    assert "data_engineer_error" not in r.json()
    assert r.headers["request-id"] == record["request_id"]


@pytest.mark.parametrize(
    "name", ["cli_key", "env_key", "no_key_custom", "no_key_default", "unreachable"]
)
def test_config_endpoint_never_reveals_the_key(servers, mock, name):
    server = servers[name]
    with server.client() as c:
        r = c.get(CONFIG, headers=server.auth)
    assert r.status_code == 200
    cfg = r.json()
    assert set(cfg) == {"has_key", "upstream", "upstream_is_default", "allow_hidden", "version", "demo"}
    assert cfg["demo"] is False
    # Tells the persona picker whether .github/ can be read at all.
    assert cfg["allow_hidden"] is (name == "cli_key")
    assert cfg["has_key"] is (server.expected_key is not None)
    assert cfg["upstream"] == server.upstream
    assert cfg["upstream_is_default"] is (name == "no_key_default")
    assert isinstance(cfg["version"], str) and cfg["version"]
    assert_no_secret(response_text(r))


def test_config_says_demo_when_the_upstream_is_the_bundled_mock_in_demo_mode(cli_server, mock):
    mock.configure(demo=True)
    try:
        with cli_server.client() as c:
            assert c.get(CONFIG, headers=cli_server.auth).json()["demo"] is True
    finally:
        mock.configure(demo=False)
    with cli_server.client() as c:
        assert c.get(CONFIG, headers=cli_server.auth).json()["demo"] is False


# --------------------------------------------------------------------------- pass-through


def test_stream_is_relayed_without_buffering(cli_server, mock):
    text = "abcdefghijklmnopqrstuvwxyz0123456789"
    mock.script({"blocks": [{"type": "text", "text": text}], "chunk_size": 4, "delay_ms": 200})
    with cli_server.client() as c:
        started = time.monotonic()
        with c.stream("POST", MESSAGES, headers={**cli_server.auth, **SDK_HEADERS},
                      json=message_body(stream=True)) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            assert r.headers["x-accel-buffering"] == "no"
            assert r.headers["cache-control"] == "no-cache"
            assert r.headers["request-id"].startswith("req_")
            chunks = r.iter_raw()
            first = next(chunks)
            first_at = time.monotonic() - started
            # The upstream is still streaming (9 deltas x 200 ms) while we hold data.
            (record,) = api_records(mock)
            assert record["finished"] is False
            assert b"message_start" in first
            assert first_at < 1.5
            rest = b"".join(chunks)
    events = sse_events(first + rest)
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    streamed = "".join(d["delta"]["text"] for n, d in events if n == "content_block_delta")
    assert streamed == text
    (record,) = api_records(mock)
    assert record["finished"] is True
    assert_no_secret(first + rest)


@pytest.mark.parametrize(
    "status,error_type", [(429, "rate_limit_error"), (529, "overloaded_error"), (500, "api_error")]
)
def test_error_status_and_retry_headers_pass_through(cli_server, mock, status, error_type):
    retry_headers = {"retry-after": "7", "retry-after-ms": "7000", "x-should-retry": "true"}
    mock.script({"type": "http_error", "status": status, "message": "slow down",
                 "headers": {**retry_headers, "x-internal": "secret-ish", "set-cookie": "a=b"}})
    with cli_server.client() as c:
        r = c.post(MESSAGES, headers={**cli_server.auth, **SDK_HEADERS},
                   json=message_body(stream=True))
    assert r.status_code == status
    for name, value in retry_headers.items():
        assert r.headers[name] == value
    body = r.json()
    assert body["error"] == {"type": error_type, "message": "slow down"}
    assert r.headers["request-id"] == body["request_id"]
    assert r.headers["content-type"].startswith("application/json")
    assert "x-internal" not in r.headers
    assert "a=b" not in r.headers.get("set-cookie", "")


def test_count_tokens_and_models(cli_server, mock):
    with cli_server.client() as c:
        h = {**cli_server.auth, **SDK_HEADERS}
        r = c.post(COUNT_TOKENS, headers=h, json=message_body("count me"))
        assert r.status_code == 200
        assert r.json()["input_tokens"] > 0

        r = c.get(MODELS, headers=h, params={"limit": "2", "after_id": "m1", "before_id": "m9",
                                             "token": cli_server.token, "1732590000000": ""})
        assert r.status_code == 200
        assert r.json()["data"][0]["type"] == "model"

        r = c.get(f"{MODELS}/claude-sonnet-4-5-20250929", headers=h)
        assert r.status_code == 200
        assert r.json()["id"] == "claude-sonnet-4-5-20250929"

    count, models, model = api_records(mock)
    assert (count["method"], count["path"]) == ("POST", "/v1/messages/count_tokens")
    assert (models["method"], models["path"]) == ("GET", "/v1/models")
    assert sorted(models["query"].split("&")) == ["after_id=m1", "before_id=m9", "limit=2"]
    assert model["path"] == "/v1/models/claude-sonnet-4-5-20250929"
    assert all(rec["headers"]["x-api-key"] == KEY_CLI for rec in (count, models, model))


@pytest.mark.parametrize(
    "method,target",
    [
        ("POST", "data-engineer/anthropic/v1/complete"),
        ("GET", "data-engineer/anthropic/v1/files"),
        ("POST", "data-engineer/anthropic/v1/files"),
        ("POST", "data-engineer/anthropic/v1/messages/batches"),
        ("POST", "data-engineer/anthropic/v1/messages/count_tokens/extra"),
        ("POST", "data-engineer/anthropic/v1/messages/../../x"),
        ("POST", "data-engineer/anthropic/v1/messages/..%2f..%2fv1%2fcomplete"),
        ("POST", "data-engineer/anthropic/v1%2fmessages"),
        ("POST", "data-engineer/anthropic//v1/messages"),
        ("POST", "data-engineer/anthropic/http://127.0.0.1:{mock_port}/v1/messages"),
        ("POST", "data-engineer/anthropic/https:/evil.example/v1/messages"),
        ("POST", "data-engineer/anthropic/%2F%2F127.0.0.1:{mock_port}/v1/messages"),
        ("GET", "data-engineer/anthropic/v1/models/..%2f..%2fcomplete"),
        ("GET", "data-engineer/anthropic/v1/models/https:%2F%2Fevil.example"),
        ("GET", "data-engineer/anthropic/v1/models/a/b"),
        ("GET", "data-engineer/anthropic"),
        ("POST", "data-engineer/anthropic/"),
        ("POST", "data-engineer/x"),
        ("GET", "data-engineer/config/x"),
    ],
)
def test_other_paths_are_404_and_never_forwarded(cli_server, mock, method, target):
    mock_port = mock.url.rsplit(":", 1)[1]
    target = cli_server.base_url + target.format(mock_port=mock_port)
    status, headers, body = raw_request(cli_server, method, target)
    assert status == 404, (status, body)
    assert api_records(mock) == []
    assert_no_secret(body, json.dumps(headers))


def test_absolute_url_request_target_is_not_forwarded(cli_server, mock):
    mock_port = mock.url.rsplit(":", 1)[1]
    for target in (
        f"http://127.0.0.1:{mock_port}/v1/messages",
        f"http://127.0.0.1:{cli_server.port}{cli_server.base_url}{MESSAGES}/http://127.0.0.1:{mock_port}/v1/complete",
    ):
        status, _, _ = raw_request(cli_server, "POST", target)
        assert status == 404
    assert api_records(mock) == []


def test_wrong_method_on_a_route_is_refused(cli_server, mock):
    with cli_server.client() as c:
        assert c.get(MESSAGES, headers=cli_server.auth).status_code == 405
        assert c.post(MODELS, headers={**cli_server.auth, **SDK_HEADERS},
                      json={}).status_code == 405
        assert c.delete(MESSAGES, headers=cli_server.auth).status_code == 405
    assert api_records(mock) == []


# --------------------------------------------------------------------------- cancellation


def _disconnected(records):
    api = [r for r in records if r["path"] == "/v1/messages"]
    return api and api[0]["client_disconnected"]


def test_client_disconnect_mid_stream_cancels_upstream(cli_server, mock):
    mock.script({"blocks": [{"type": "text", "text": "x" * 200}], "chunk_size": 2,
                 "delay_ms": 100})  # about 10 s if nobody stops it
    with cli_server.client() as c:
        with c.stream("POST", MESSAGES, headers={**cli_server.auth, **SDK_HEADERS},
                      json=message_body(stream=True)) as r:
            assert r.status_code == 200
            next(r.iter_raw())
        # leaving the block closes our connection half-way through the body
    closed_at = time.monotonic()
    assert mock.wait_for(_disconnected, timeout=2.0), mock.requests()
    assert time.monotonic() - closed_at < 2.0
    (record,) = api_records(mock)
    assert record["finished"] is False


def test_client_disconnect_before_first_byte_cancels_upstream(cli_server, mock):
    mock.script({"first_byte_delay_ms": 3000, "blocks": [{"type": "text", "text": "late"}]})
    body = json.dumps(message_body(stream=True)).encode()
    path = cli_server.base_url + MESSAGES
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{cli_server.port}\r\n"
        f"Authorization: token {cli_server.token}\r\nContent-Type: application/json\r\n"
        f"anthropic-version: 2023-06-01\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", cli_server.port), timeout=5)
    try:
        sock.sendall(head + body)
        # Wait until the upstream request is in flight (the mock is sitting on it).
        assert mock.wait_for(lambda recs: any(r["path"] == "/v1/messages" for r in recs),
                             timeout=2.0)
    finally:
        sock.close()
    closed_at = time.monotonic()
    # Well before the mock's first byte at 3 s and the proxy's 2 s request_timeout.
    assert mock.wait_for(_disconnected, timeout=1.5), mock.requests()
    assert time.monotonic() - closed_at < 1.5


# --------------------------------------------------------------------------- upstream failures


def test_unreachable_upstream_is_a_502_naming_the_host(servers, mock, dead_port):
    server = servers["unreachable"]
    with server.client() as c:
        r = c.post(MESSAGES, headers={**server.auth, **SDK_HEADERS}, json=message_body())
    assert r.status_code == 502
    body = r.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "api_error"
    assert body["data_engineer_error"] == "upstream_unreachable"
    assert f"127.0.0.1:{dead_port}" in body["error"]["message"]
    assert_no_secret(response_text(r))


def test_slow_upstream_is_a_504_and_is_cancelled(cli_server, mock):
    # cli_key runs with request_timeout=2: no response headers within 2 s -> 504.
    mock.script({"first_byte_delay_ms": 4000, "blocks": [{"type": "text", "text": "late"}]})
    with cli_server.client() as c:
        started = time.monotonic()
        r = c.post(MESSAGES, headers={**cli_server.auth, **SDK_HEADERS},
                   json=message_body(stream=True))
        elapsed = time.monotonic() - started
    assert r.status_code == 504
    body = r.json()
    assert body["error"]["type"] == "timeout_error"
    assert body["data_engineer_error"] == "upstream_timeout"
    assert mock.url.split("//", 1)[1] in body["error"]["message"]
    assert 1.8 < elapsed < 3.8
    assert_no_secret(response_text(r))
    # The proxy hung up on the upstream rather than leaving it running.
    assert mock.wait_for(_disconnected, timeout=1.0)


def test_upstream_breaking_off_mid_stream_ends_with_an_error_event(cli_server, mock):
    mock.script({"blocks": [{"type": "text", "text": "y" * 64}], "chunk_size": 4,
                 "drop_after_chars": 12})
    with cli_server.client() as c:
        r = c.post(MESSAGES, headers={**cli_server.auth, **SDK_HEADERS},
                   json=message_body(stream=True))
    assert r.status_code == 200
    events = sse_events(r.content)
    # All that arrived before the break is relayed (also what came within the
    # last flush interval), then an `error` event instead of a cut connection:
    # a browser drops unread bytes when a connection breaks.
    deltas = [data["delta"]["text"] for name, data in events if name == "content_block_delta"]
    assert "".join(deltas) == "y" * 12
    assert "message_stop" not in [name for name, _ in events]
    name, data = events[-1]
    assert name == "error"
    # Its own type: not an error of the model service (api_error, overloaded_error).
    assert data["error"]["type"] == "api_connection_error"
    assert "connection between the Jupyter server and the Anthropic API" in data["error"]["message"]
    assert "was lost in the middle of the reply" in data["error"]["message"]
    assert mock.url.split("//", 1)[1] in data["error"]["message"]
    assert data["data_engineer_error"] == "upstream_broke_off"
    assert_no_secret(r.text)
    # The stream ends cleanly: every event is whole and the body ends with one.
    assert r.content.endswith(b"\n\n")
    (record,) = api_records(mock)
    assert record["dropped"] is True


def test_upstream_breaking_off_inside_an_event_drops_the_cut_event(cli_server, mock):
    # The mock sends 40 bytes of one more delta event before closing: a truncated
    # `data:` line the browser's SSE parser would choke on.
    mock.script({"blocks": [{"type": "text", "text": "w" * 64}], "chunk_size": 4,
                 "drop_after_chars": 20, "drop_inside_event_bytes": 40})
    with cli_server.client() as c:
        r = c.post(MESSAGES, headers={**cli_server.auth, **SDK_HEADERS},
                   json=message_body(stream=True))
    assert r.status_code == 200
    assert b"never sent in full" not in r.content
    # Every block of the body is a whole event with JSON data (sse_events parses each).
    blocks = [b for b in r.content.split(b"\n\n") if b]
    events = sse_events(r.content)
    assert len(events) == len(blocks)
    deltas = [data["delta"]["text"] for name, data in events if name == "content_block_delta"]
    assert "".join(deltas) == "w" * 20
    name, data = events[-1]
    assert name == "error" and data["data_engineer_error"] == "upstream_broke_off"
    assert "inside an event (40 bytes of it dropped)" in cli_server.log_text()


def test_upstream_breaking_off_inside_tool_input_json(cli_server, mock):
    # The tool's input JSON is cut after 5 characters: the browser gets the
    # fragments that arrived whole, no content_block_stop for the tool, no
    # message_delta (so no stop_reason "tool_use"), then the error event.
    intro = "Let me read the file."
    mock.script({
        "blocks": [
            {"type": "text", "text": intro},
            {"type": "tool_use", "id": "toolu_half", "name": "read_file",
             "input": {"path": "orders/2026-12-01.csv"}},
        ],
        "stop_reason": "tool_use", "chunk_size": 4,
        "drop_after_chars": len(intro) + 5, "drop_inside_event_bytes": 25,
    })
    with cli_server.client() as c:
        r = c.post(MESSAGES, headers={**cli_server.auth, **SDK_HEADERS},
                   json=message_body(stream=True))
    events = sse_events(r.content)
    names = [name for name, _ in events]
    assert names.count("content_block_start") == 2
    assert names.count("content_block_stop") == 1  # the text block only
    assert "message_delta" not in names and "message_stop" not in names
    partial = "".join(d["delta"]["partial_json"] for n, d in events
                      if n == "content_block_delta" and d["delta"]["type"] == "input_json_delta")
    assert partial == '{"pat'
    assert names[-1] == "error"
    assert events[-1][1]["error"]["type"] == "api_connection_error"


def test_sse_framer_cuts_after_whole_events_only():
    from jupyterlab_data_engineer.proxy import SSEFramer

    framer = SSEFramer()
    assert framer.feed(b"event: a\ndata: {}\n") == b""
    assert framer.feed(b"\nevent: b\ndata: {\"x\"") == b"event: a\ndata: {}\n\n"
    assert framer.held == b'event: b\ndata: {"x"'
    assert framer.feed(b":1}\n\nevent: c\n") == b'event: b\ndata: {"x":1}\n\n'
    assert framer.rest() == b"event: c\n"
    # CRLF and CR line endings; a CRLF is one line ending, not an empty line.
    framer = SSEFramer()
    assert framer.feed(b"data: 1\r\ndata: 2\r\n") == b""
    assert framer.feed(b"\r\ndata: 3\r\rdata: 4") == b"data: 1\r\ndata: 2\r\n\r\ndata: 3\r\r"
    assert framer.held == b"data: 4"
    # A CRLF split between two reads.
    framer = SSEFramer()
    assert framer.feed(b"data: 1\r") == b""
    assert framer.feed(b"\n\r\n") == b"data: 1\r\n\r\n"
    # An endless event is not held forever.
    from jupyterlab_data_engineer import proxy

    framer = SSEFramer()
    big = b"data: " + b"x" * proxy.MAX_HELD_EVENT_BYTES
    assert framer.feed(big) == big
    assert framer.held == b"" and framer.mid_event
    assert framer.feed(b"x\n\ndata: 5") == b"x\n\n"
    assert not framer.mid_event


def test_mid_stream_error_event_passes_through(cli_server, mock):
    mock.script({"blocks": [{"type": "text", "text": "z" * 40}], "chunk_size": 8,
                 "error_after_chars": 16})
    with cli_server.client() as c:
        r = c.post(MESSAGES, headers={**cli_server.auth, **SDK_HEADERS},
                   json=message_body(stream=True))
    assert r.status_code == 200
    names = [name for name, _ in sse_events(r.content)]
    assert names[-1] == "error"
    assert sse_events(r.content)[-1][1]["error"]["type"] == "overloaded_error"


# --------------------------------------------------------------------------- logs


def test_keys_never_appear_in_server_logs(servers, mock):
    # Make every server do some work first, including error paths.
    for server in servers.values():
        with server.client() as c:
            c.post(MESSAGES, headers={**server.auth, **SDK_HEADERS}, json=message_body())
            c.get(MODELS, headers=server.auth)
            c.post("data-engineer/anthropic/v1/complete", headers=server.auth, json={})
    for server in servers.values():
        log = server.log_text()
        assert "jupyterlab_data_engineer" in log
        assert_no_secret(log)
