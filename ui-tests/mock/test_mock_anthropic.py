"""HTTP-level tests of mock_anthropic.py (run as a subprocess, as the other suites use it)."""

import http.client
import json
import math
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

MOCK = Path(__file__).with_name("mock_anthropic.py")
KEY = {"x-api-key": "sk-test"}
BODY = {"model": "claude-sonnet-4-5-20250929", "max_tokens": 256,
        "messages": [{"role": "user", "content": "hi there"}]}


@pytest.fixture(scope="module")
def server():
    proc = subprocess.Popen([sys.executable, str(MOCK), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("MOCK READY http://127.0.0.1:"), line
    port = int(line.rsplit(":", 1)[1])
    yield port
    proc.terminate()
    proc.wait(5)


@pytest.fixture
def mock(server):
    """A client for one test, starting from a reset mock."""
    client = Client(server)
    client.call("POST", "/_mock/reset", {})
    return client


class Client:
    def __init__(self, port):
        self.port = port

    def raw(self, method, path, body=None, headers=None):
        """(status, headers, bytes) of one request on a fresh connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        conn.request(method, path, data, {"content-type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        try:
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def call(self, method, path, body=None, headers=None):
        status, hdrs, data = self.raw(method, path, body, headers)
        return status, hdrs, json.loads(data)

    def script(self, *responses):
        return self.call("POST", "/_mock/script", {"responses": list(responses)})[2]

    def requests(self):
        return self.call("GET", "/_mock/requests")[2]["requests"]

    def stream(self, body=None, headers=KEY):
        status, hdrs, data = self.raw("POST", "/v1/messages",
                                      {**(body or BODY), "stream": True}, headers)
        return status, hdrs, parse_sse(data.decode())


def parse_sse(text):
    """[(event name, data dict)], checking the exact `event:`/`data:` framing."""
    assert text.endswith("\n\n"), text[-50:]
    events = []
    for chunk in text[:-2].split("\n\n"):
        event_line, data_line = chunk.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: "), chunk
        name, data = event_line[7:], json.loads(data_line[6:])
        assert data["type"] == name
        events.append((name, data))
    return events


def deltas(events, index, field):
    return [d["delta"][field] for n, d in events
            if n == "content_block_delta" and d["index"] == index and field in d["delta"]]


def test_stream_text_and_tool_use(mock):
    mock.script({"blocks": [{"type": "text", "text": "Hello **world**, how are you?"},
                            {"type": "tool_use", "id": "toolu_01", "name": "insert_cell",
                             "input": {"source": "1+1", "index": 3}}],
                 "stop_reason": "tool_use", "chunk_size": 5,
                 "usage": {"input_tokens": 12, "output_tokens": 7}})
    status, headers, events = mock.stream()
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    assert headers["request-id"].startswith("req_")
    names = [n for n, _ in events]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    message = events[0][1]["message"]
    assert message["id"].startswith("msg_") and message["content"] == []
    assert (message["type"], message["role"], message["model"]) == \
        ("message", "assistant", BODY["model"])
    assert message["stop_reason"] is None and message["stop_sequence"] is None
    assert {"input_tokens", "output_tokens", "cache_read_input_tokens",
            "cache_creation_input_tokens"} <= set(message["usage"])
    starts = [d["content_block"] for n, d in events if n == "content_block_start"]
    assert starts == [{"type": "text", "text": ""},
                      {"type": "tool_use", "id": "toolu_01", "name": "insert_cell", "input": {}}]
    text = deltas(events, 0, "text")
    assert "".join(text) == "Hello **world**, how are you?"
    assert len(text) == math.ceil(29 / 5)
    fragments = deltas(events, 1, "partial_json")
    assert len(fragments) > 1
    assert "".join(fragments) == json.dumps({"source": "1+1", "index": 3})
    final = events[-2][1]
    assert final["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}
    assert final["usage"]["output_tokens"] == 7 and final["usage"]["input_tokens"] == 12


def test_ping_can_be_disabled_and_model_overridden(mock):
    mock.script({"blocks": [{"type": "text", "text": "x"}], "ping": False, "model": "other"})
    _, _, events = mock.stream()
    assert "ping" not in [n for n, _ in events]
    assert events[0][1]["message"]["model"] == "other"


def test_queue_is_fifo_then_default_reply(mock):
    assert mock.script({"blocks": [{"type": "text", "text": "one"}]})["queued"] == 1
    assert mock.script({"blocks": [{"type": "text", "text": "two"}]})["queued"] == 2
    assert "".join(deltas(mock.stream()[2], 0, "text")) == "one"
    assert "".join(deltas(mock.stream()[2], 0, "text")) == "two"
    default = "".join(deltas(mock.stream()[2], 0, "text"))
    assert default.startswith("Mock reply to: hi there") and "```python" in default


def test_non_stream_returns_the_message(mock):
    mock.script({"blocks": [{"type": "text", "text": "Hi"},
                            {"type": "tool_use", "name": "run", "input": {"a": [1]}}],
                 "stop_reason": "tool_use", "usage": {"input_tokens": 3, "output_tokens": 4}})
    status, _, msg = mock.call("POST", "/v1/messages", BODY, KEY)
    assert status == 200 and msg["id"].startswith("msg_") and msg["role"] == "assistant"
    assert msg["content"][0] == {"type": "text", "text": "Hi"}
    tool = msg["content"][1]
    assert tool["id"].startswith("toolu_") and tool["input"] == {"a": [1]}
    assert msg["stop_reason"] == "tool_use" and msg["usage"]["output_tokens"] == 4


def test_records_everything_received(mock):
    mock.stream(headers={**KEY, "Cookie": "session=1", "X-Custom": "v"})
    mock.raw("POST", "/v1/messages?beta=true", "not json", KEY)
    first, second = mock.requests()
    assert first["method"] == "POST" and first["path"] == "/v1/messages"
    assert first["headers"]["cookie"] == "session=1" and first["headers"]["x-custom"] == "v"
    assert first["headers"]["x-api-key"] == "sk-test"
    assert first["body"] == {**BODY, "stream": True}
    assert first["status"] == 200 and first["finished"] is True
    assert first["client_disconnected"] is False
    assert abs(first["received_at"] - time.time()) < 30
    assert second["query"] == "beta=true" and second["body"] == "not json"
    assert second["status"] == 400


def test_auth(mock):
    mock.script({"blocks": [{"type": "text", "text": "kept"}]})
    status, headers, err = mock.call("POST", "/v1/messages", BODY)
    assert status == 401 and headers["request-id"] == err["request_id"]
    assert err["type"] == "error" and err["error"]["type"] == "authentication_error"
    jupyter_token = {"authorization": "token abc123"}  # Jupyter's scheme is not a key
    assert mock.call("POST", "/v1/messages", BODY, jupyter_token)[0] == 401
    mock.call("POST", "/_mock/config", {"expected_key": "sk-right"})
    status, _, err = mock.call("POST", "/v1/messages", BODY, KEY)
    assert status == 401 and err["error"] == {"type": "authentication_error",
                                              "message": "invalid x-api-key"}
    status, _, msg = mock.call("POST", "/v1/messages", BODY,
                               {"authorization": "Bearer sk-right"})
    assert status == 200 and msg["content"][0]["text"] == "kept"  # failures did not pop
    assert [r["status"] for r in mock.requests()] == [401, 401, 401, 200]


@pytest.mark.parametrize("status,error_type", [(429, "rate_limit_error"),
                                               (529, "overloaded_error"),
                                               (401, "authentication_error")])
def test_http_errors(mock, status, error_type):
    mock.script({"type": "http_error", "status": status, "message": "slow down",
                 "headers": {"retry-after": "7"}})
    got, headers, err = mock.call("POST", "/v1/messages", {**BODY, "stream": True}, KEY)
    assert got == status and headers["retry-after"] == "7"
    assert headers["request-id"] == err["request_id"]
    assert err == {"type": "error", "error": {"type": error_type, "message": "slow down"},
                   "request_id": err["request_id"]}


def test_error_after_chars(mock):
    mock.script({"blocks": [{"type": "text", "text": "abcdefghij"}], "chunk_size": 4,
                 "error_after_chars": 6})
    _, _, events = mock.stream()
    assert "".join(deltas(events, 0, "text")) == "abcdef"
    assert events[-1] == ("error", {"type": "error", "request_id": events[-1][1]["request_id"],
                                    "error": {"type": "overloaded_error",
                                              "message": "Overloaded"}})
    assert mock.requests()[0]["finished"] is True
    mock.script({"blocks": [{"type": "text", "text": "abc"}], "error_after_chars": 1})
    status, _, err = mock.call("POST", "/v1/messages", BODY, KEY)  # non-stream: HTTP 529
    assert status == 529 and err["error"]["type"] == "overloaded_error"


def test_drop_after_chars(mock):
    mock.script({"blocks": [{"type": "text", "text": "abcdefghij"}], "drop_after_chars": 3})
    with pytest.raises(http.client.IncompleteRead) as info:
        mock.stream()
    events = parse_sse(info.value.partial.decode())
    assert "".join(deltas(events, 0, "text")) == "abc"
    record = mock.requests()[0]
    assert record["dropped"] is True and record["finished"] is False
    assert record["client_disconnected"] is False
    mock.script({"blocks": [{"type": "text", "text": "x"}], "drop_after_chars": 0})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        mock.raw("POST", "/v1/messages", BODY, KEY)  # non-stream: no response at all


def test_drop_inside_event_bytes(mock):
    mock.script({"blocks": [{"type": "text", "text": "abcdefghij"}], "drop_after_chars": 3,
                 "drop_inside_event_bytes": 40})
    with pytest.raises(http.client.IncompleteRead) as info:
        mock.stream()
    partial = info.value.partial.decode()
    whole, _, cut = partial.rpartition("\n\n")
    assert "".join(deltas(parse_sse(whole + "\n\n"), 0, "text")) == "abc"
    # 40 bytes of one more event: its `data:` line cut short.
    assert len(cut) == 40 and cut.startswith("event: content_block_delta\ndata: {")


def test_client_disconnect_is_recorded(mock):
    mock.script({"blocks": [{"type": "text", "text": "x" * 200}], "chunk_size": 1,
                 "delay_ms": 20})
    sock = socket.create_connection(("127.0.0.1", mock.port))
    body = json.dumps({**BODY, "stream": True}).encode()
    sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
                 b"content-length: %d\r\n\r\n%s" % (len(body), body))
    assert b"message_start" in sock.recv(4096)
    sock.close()
    for _ in range(100):
        record = mock.requests()[0]
        if record["client_disconnected"]:
            break
        time.sleep(0.02)
    assert record["client_disconnected"] is True and record["finished"] is False


def test_sever_cuts_open_streams_and_requests_waiting_for_headers(mock):
    """/_mock/sever: every API connection still open is cut (a server restart)."""
    import threading
    mock.script({"blocks": [{"type": "text", "text": "x" * 400}], "chunk_size": 4,
                 "delay_ms": 20},
                {"type": "http_error", "status": 500, "first_byte_delay_ms": 5000})
    outcomes = {}

    def streaming():
        try:
            mock.stream()
            outcomes["stream"] = "complete"
        except http.client.IncompleteRead as err:
            outcomes["stream"] = err.partial.decode()

    def waiting():
        try:
            mock.raw("POST", "/v1/messages", BODY, KEY)
            outcomes["waiting"] = "answered"
        except (http.client.RemoteDisconnected, ConnectionError):
            outcomes["waiting"] = "cut"

    threads = [threading.Thread(target=streaming), threading.Thread(target=waiting)]
    threads[0].start()
    time.sleep(0.3)  # the stream is under way
    threads[1].start()
    time.sleep(0.3)  # the second request waits for its first byte
    start = time.monotonic()
    assert mock.call("POST", "/_mock/sever", {})[2] == {"severed": 2}
    for thread in threads:
        thread.join(5)
    assert time.monotonic() - start < 2  # not after the 5 s delay
    assert outcomes["waiting"] == "cut"
    assert "content_block_delta" in outcomes["stream"]
    assert "message_stop" not in outcomes["stream"]
    records = mock.requests()
    assert all(r["severed"] and r["dropped"] and not r["finished"] for r in records)
    assert not any(r["client_disconnected"] for r in records)
    # Nothing is open any more; the mock answers as before.
    assert mock.call("POST", "/_mock/sever", {})[2] == {"severed": 0}
    status, _, events = mock.stream()
    assert status == 200 and events[-1][0] == "message_stop"


def test_first_byte_delay(mock):
    mock.script({"type": "http_error", "status": 500, "first_byte_delay_ms": 300})
    start = time.monotonic()
    status, _, err = mock.call("POST", "/v1/messages", BODY, KEY)
    assert time.monotonic() - start >= 0.3
    assert status == 500 and err["error"]["type"] == "api_error"


def test_models_and_config(mock):
    status, _, models = mock.call("GET", "/v1/models", headers=KEY)
    ids = [m["id"] for m in models["data"]]
    assert status == 200 and "claude-sonnet-4-5-20250929" in ids and models["has_more"] is False
    assert models["first_id"] == ids[0] and models["last_id"] == ids[-1]
    assert all(m["type"] == "model" and m["display_name"] and m["created_at"]
               for m in models["data"])
    assert mock.call("GET", "/v1/models")[0] == 401
    mock.call("POST", "/_mock/config", {"models": ["claude-x", {"id": "claude-y",
                                                                "display_name": "Y"}]})
    data = mock.call("GET", "/v1/models", headers=KEY)[2]["data"]
    assert [(m["id"], m["display_name"]) for m in data] == [("claude-x", "claude-x"),
                                                             ("claude-y", "Y")]
    assert mock.call("GET", "/v1/models/claude-y", headers=KEY)[2]["display_name"] == "Y"
    assert mock.call("GET", "/v1/models/nope", headers=KEY)[0] == 404
    mock.call("POST", "/_mock/reset", {})
    assert len(mock.call("GET", "/v1/models", headers=KEY)[2]["data"]) == len(ids)


def test_count_tokens(mock):
    body = {"model": "m", "system": "You are terse.", "messages": BODY["messages"],
            "tools": [{"name": "t", "input_schema": {"type": "object"}}]}
    status, _, got = mock.call("POST", "/v1/messages/count_tokens", body, KEY)
    text = json.dumps(body["system"]) + json.dumps(body["messages"]) + json.dumps(body["tools"])
    assert status == 200 and got == {"input_tokens": math.ceil(len(text) / 4)}
    assert mock.requests()[0]["path"] == "/v1/messages/count_tokens"


def test_invalid_requests(mock):
    status, _, err = mock.call("POST", "/v1/messages", {"model": "m", "messages": []}, KEY)
    assert status == 400 and err["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in err["error"]["message"]
    status, headers, err = mock.call("POST", "/v1/other", {}, KEY)
    assert status == 404 and err["error"]["type"] == "not_found_error" and headers["request-id"]


def test_thinking_block(mock):
    mock.script({"blocks": [{"type": "thinking", "thinking": "hmm, let me see",
                             "signature": "sig"}, {"type": "text", "text": "ok"}]})
    _, _, events = mock.stream()
    assert events[2][1]["content_block"] == {"type": "thinking", "thinking": "",
                                             "signature": ""}
    assert "".join(deltas(events, 0, "thinking")) == "hmm, let me see"
    assert deltas(events, 0, "signature") == ["sig"]


def test_wait_for_script_holds_a_request_until_scripted(mock):
    """With wait_for_script_ms, an empty queue waits for the next script instead of the default."""
    import threading

    mock.call("POST", "/_mock/config", {"wait_for_script_ms": 5000})
    result = {}

    def call():
        result["reply"] = mock.call("POST", "/v1/messages", BODY, KEY)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()
    mock.script({"blocks": [{"type": "text", "text": "late"}]})
    thread.join(5)
    status, _, message = result["reply"]
    assert status == 200
    assert message["content"][0]["text"] == "late"


# ---------------------------------------------------------------- prompt caching

EPHEMERAL = {"type": "ephemeral"}
PERSONA = "You are a careful data engineer. " * 200  # ~6,600 chars: well over 1024 tokens
TOOLS = [{"name": "list_open_notebooks", "description": "List the open notebooks.",
          "input_schema": {"type": "object", "properties": {}}}]


def marked(block):
    return {**block, "cache_control": EPHEMERAL}


def text(t):
    return {"type": "text", "text": t}


def cached_body(messages, system=PERSONA, context=None, marks=2, tools=TOOLS):
    """A request laid out as the extension sends it: tools, a system block with a
    breakpoint, breakpoints on the last block of the last `marks` user messages, then the
    volatile context appended to the last user message."""
    messages = [dict(m, content=list(m["content"])) for m in messages]
    placed = 0
    for m in reversed(messages):
        if m["role"] == "user" and placed < marks:
            m["content"][-1] = marked(m["content"][-1])
            placed += 1
    if context:
        messages[-1]["content"].append(text(f"<context>\n{context}\n</context>"))
    body = {"model": "claude-sonnet-4-5-20250929", "max_tokens": 1024,
            "system": [marked(text(system))], "messages": messages}
    if tools:
        body["tools"] = tools
    return body


def user(t):
    return {"role": "user", "content": [text(t)]}


def assistant(t):
    return {"role": "assistant", "content": [text(t)]}


def send(mock, body, stream=True, script=None):
    """Post one Messages request; (usage the client got, the mock's record of it)."""
    if script:
        mock.script(script)
    if stream:
        status, _, events = mock.stream(body)
        assert status == 200, events
        usage = events[-2][1]["usage"]
        assert events[0][1]["message"]["usage"]["cache_read_input_tokens"] == \
            usage["cache_read_input_tokens"]
    else:
        status, _, message = mock.call("POST", "/v1/messages", body, KEY)
        assert status == 200, message
        usage = message["usage"]
    return usage, mock.requests()[-1]


def count_tokens(mock, body):
    return mock.call("POST", "/v1/messages/count_tokens", body, KEY)[2]["input_tokens"]


def test_cache_first_request_creates_second_reads(mock):
    body = cached_body([user("Profile the orders table.")], context="active cell: 3")
    usage, record = send(mock, body)
    cache = record["cache"]
    stable = cache["stable_prefix_tokens"]
    total = cache["total_input_tokens"]
    assert [b["block"] for b in cache["breakpoints"]] == ["system[0]", "messages[0].content[0]"]
    assert stable == cache["breakpoints"][-1]["prefix_tokens"] and 1024 < stable < total
    assert total == count_tokens(mock, body)
    assert usage["cache_read_input_tokens"] == 0
    assert usage["cache_creation_input_tokens"] == stable
    assert usage["input_tokens"] == total - stable  # the context after the last breakpoint
    assert record["usage"] == usage and cache["usage"]["input_tokens"] == usage["input_tokens"]
    assert record["prefix_check"] is None and cache["hit"] is None
    # Same prefix, other volatile context: everything up to the breakpoint is read.
    usage, record = send(mock, cached_body([user("Profile the orders table.")],
                                           context="active cell: 4"), stream=False)
    assert usage["cache_read_input_tokens"] == stable
    assert usage["cache_creation_input_tokens"] == 0
    assert record["cache"]["hit"]["block"] == "messages[0].content[0]"
    assert record["prefix_check"]["identical"] is True
    assert record["prefix_check"]["previous_prefix_tokens"] == stable
    entries = mock.call("GET", "/_mock/cache")[2]["entries"]
    assert sorted(e["tokens"] for e in entries) == sorted(
        b["prefix_tokens"] for b in cache["breakpoints"])
    assert all(290 < e["expires_in_s"] <= 300 for e in entries)


def test_cache_changed_system_block_is_not_read(mock):
    send(mock, cached_body([user("hello")]))
    usage, record = send(mock, cached_body([user("hello")], system=PERSONA + " Be brief."))
    assert usage["cache_read_input_tokens"] == 0
    assert usage["cache_creation_input_tokens"] == record["cache"]["stable_prefix_tokens"]
    check = record["prefix_check"]
    assert check["identical"] is False and check["first_difference"]["label"] == "system[0]"
    assert "Be brief." in check["first_difference"]["now"]


def test_cache_key_ignores_cache_control_but_prefix_check_sees_key_order(mock):
    first = cached_body([user("a question"), assistant("an answer"), user("another")])
    _, r1 = send(mock, first)
    # The same content with the breakpoints placed elsewhere: the system prefix is read.
    moved = cached_body([user("a question"), assistant("an answer"), user("another")], marks=0)
    usage, r2 = send(mock, moved)
    assert usage["cache_read_input_tokens"] == r1["cache"]["breakpoints"][0]["prefix_tokens"]
    assert r2["prefix_check"]["identical"] is True  # cache_control is not content
    send(mock, first)
    # Same block, keys in another order: same cache key, but not byte-identical.
    reordered = cached_body([user("a question"), assistant("an answer"), user("another")])
    reordered["messages"][0]["content"][0] = {"text": "a question", "type": "text"}
    usage, r3 = send(mock, reordered)
    assert usage["cache_read_input_tokens"] == r1["cache"]["stable_prefix_tokens"]
    assert r3["prefix_check"]["identical"] is False
    assert r3["prefix_check"]["first_difference"]["label"] == "messages[0].content[0]"


def test_cache_breakpoint_moved_later_reads_old_prefix_and_creates_the_rest(mock):
    turn1 = [user("Load sales.csv and show the schema.")]
    _, r1 = send(mock, cached_body(turn1, context="nb: a.ipynb"))
    old = r1["cache"]["stable_prefix_tokens"]
    turn2 = turn1 + [assistant("Here is the schema. " * 40), user("Now group by region.")]
    usage, r2 = send(mock, cached_body(turn2, context="nb: a.ipynb, cell 2"))
    stable = r2["cache"]["stable_prefix_tokens"]
    assert usage["cache_read_input_tokens"] == old
    assert usage["cache_creation_input_tokens"] == stable - old > 0
    assert usage["input_tokens"] == r2["cache"]["total_input_tokens"] - stable
    assert r2["cache"]["hit"] == {"index": 2, "block": "messages[0].content[0]",
                                  "prefix_tokens": old, "lookback": False}
    assert r2["prefix_check"]["identical"] is True


def test_cache_lookback_finds_an_earlier_prefix_within_20_blocks(mock):
    turn1 = [user("first question")]
    _, r1 = send(mock, cached_body(turn1))
    old = r1["cache"]["stable_prefix_tokens"]
    # 18 more blocks, a breakpoint only on the very last one (and the system one).
    many = [text(f"step {i}: " + "details " * 20) for i in range(17)]
    turn2 = turn1 + [{"role": "assistant", "content": many}, user("and then?")]
    usage, r2 = send(mock, cached_body(turn2, marks=1))
    hit = r2["cache"]["hit"]
    assert hit["lookback"] is True and hit["block"] == "messages[0].content[0]"
    assert usage["cache_read_input_tokens"] == old
    assert usage["cache_creation_input_tokens"] == r2["cache"]["stable_prefix_tokens"] - old


def test_cache_lookback_stops_after_20_blocks(mock):
    turn1 = [user("first question")]
    _, r1 = send(mock, cached_body(turn1))
    system_prefix = r1["cache"]["breakpoints"][0]["prefix_tokens"]
    many = [text(f"step {i}: " + "details " * 20) for i in range(25)]
    turn2 = turn1 + [{"role": "assistant", "content": many}, user("and then?")]
    usage, r2 = send(mock, cached_body(turn2, marks=1))
    # Only the system breakpoint's prefix is found again.
    assert r2["cache"]["hit"]["block"] == "system[0]"
    assert usage["cache_read_input_tokens"] == system_prefix
    assert usage["cache_creation_input_tokens"] == \
        r2["cache"]["stable_prefix_tokens"] - system_prefix
    # With an intermediate breakpoint (the previous user message), the old one is read.
    mock.call("POST", "/_mock/reset", {})
    send(mock, cached_body(turn1))
    usage, r3 = send(mock, cached_body(turn2, marks=2))
    assert usage["cache_read_input_tokens"] == r1["cache"]["stable_prefix_tokens"]


def test_cache_below_min_tokens_caches_nothing(mock):
    small = cached_body([user("hi")], system="Be terse.", tools=None)
    for _ in range(2):
        usage, record = send(mock, small)
        assert usage["cache_read_input_tokens"] == usage["cache_creation_input_tokens"] == 0
        assert usage["input_tokens"] == record["cache"]["total_input_tokens"]
    assert record["prefix_check"]["identical"] is True
    assert mock.call("GET", "/_mock/cache")[2]["entries"] == []
    # A lower minimum (configurable like the per-model minimum of the API) caches it.
    mock.call("POST", "/_mock/config", {"cache_min_tokens": 10})
    usage, record = send(mock, small)
    assert usage["cache_creation_input_tokens"] == record["cache"]["stable_prefix_tokens"] > 10
    usage, _ = send(mock, small)
    assert usage["cache_read_input_tokens"] == record["cache"]["stable_prefix_tokens"]


def test_cache_more_than_four_breakpoints_is_rejected(mock):
    mock.script({"blocks": [text("kept for the next request")]})
    body = cached_body([user("a"), assistant("b"), user("c"), assistant("d"), user("e")],
                       marks=3)
    body["tools"] = [marked(TOOLS[0])]
    status, _, err = mock.call("POST", "/v1/messages", body, KEY)
    assert status == 400 and err["error"] == {
        "type": "invalid_request_error",
        "message": "A maximum of 4 blocks with cache_control may be provided. Found 5."}
    body["messages"][0]["content"][0].pop("cache_control")
    usage, record = send(mock, body)
    assert record["script"]["blocks"][0]["text"] == "kept for the next request"
    assert [b["block"] for b in record["cache"]["breakpoints"]] == [
        "tools[0]", "system[0]", "messages[2].content[0]", "messages[4].content[0]"]


def test_cache_ttl_expiry_and_refresh_on_read(mock):
    mock.call("POST", "/_mock/config", {"cache_ttl_s": 1.5})
    body = cached_body([user("hello")])
    send(mock, body)
    time.sleep(1.0)
    usage, _ = send(mock, body)  # read: the entry now lives 1.5 s from here
    assert usage["cache_read_input_tokens"] > 0
    time.sleep(1.0)  # 2 s after the write, 1 s after the read
    usage, _ = send(mock, body)
    assert usage["cache_read_input_tokens"] > 0
    time.sleep(1.8)
    usage, record = send(mock, body)
    assert usage["cache_read_input_tokens"] == 0
    assert usage["cache_creation_input_tokens"] == record["cache"]["stable_prefix_tokens"]


def test_cache_script_usage_wins_field_by_field(mock):
    body = cached_body([user("hello")])
    send(mock, body)
    usage, record = send(mock, body, script={"blocks": [text("ok")],
                                             "usage": {"cache_read_input_tokens": 7,
                                                       "output_tokens": 3}})
    assert usage["cache_read_input_tokens"] == 7 and usage["output_tokens"] == 3
    computed = record["cache"]["usage"]
    assert computed["cache_read_input_tokens"] == record["cache"]["stable_prefix_tokens"]
    assert usage["input_tokens"] == computed["input_tokens"]
    assert usage["cache_creation_input_tokens"] == computed["cache_creation_input_tokens"] == 0
    assert record["usage"] == usage


def test_cache_reset_and_disable(mock):
    body = cached_body([user("hello")])
    send(mock, body)
    mock.call("POST", "/_mock/reset", {})
    usage, record = send(mock, body)
    assert usage["cache_read_input_tokens"] == 0 and usage["cache_creation_input_tokens"] > 0
    assert record["prefix_check"] is None
    mock.call("POST", "/_mock/config", {"prompt_cache": False})
    usage, record = send(mock, body)
    assert usage["cache_read_input_tokens"] == usage["cache_creation_input_tokens"] == 0
    assert usage["input_tokens"] == record["cache"]["total_input_tokens"]
    assert record["prefix_check"]["identical"] is True  # the check still runs


def test_cache_prefix_tokens_match_count_tokens_of_the_cut_request(mock):
    """The token count of a prefix is count_tokens of the request cut after that block."""
    tool_turn = {"role": "assistant", "content": [
        text("Let me look."), {"type": "tool_use", "id": "toolu_1", "name": "list_open_notebooks",
                                "input": {}}]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                           "content": [text("a.ipynb")]}]}
    body = cached_body([user("which notebooks?"), tool_turn, result], context="ctx")
    _, record = send(mock, body)
    plain = {k: strip(v, k) for k, v in body.items()}
    cuts = []  # the request cut after each block, in the cache order
    for i in range(len(plain["tools"])):
        cuts.append({"tools": plain["tools"][:i + 1]})
    for i in range(len(plain["system"])):
        cuts.append({"tools": plain["tools"], "system": plain["system"][:i + 1]})
    for m, message in enumerate(plain["messages"]):
        for j in range(len(message["content"])):
            cuts.append({"tools": plain["tools"], "system": plain["system"],
                         "messages": plain["messages"][:m] + [
                             dict(message, content=message["content"][:j + 1])]})
    expected = [count_tokens(mock, {"model": "m", "messages": [], **cut}) for cut in cuts]
    # count_tokens of a cut without messages still sends "messages": [] (2 chars): allow it.
    got = [b["prefix_tokens"] for b in record["cache"]["breakpoints"]]
    indexes = [b["index"] for b in record["cache"]["breakpoints"]]
    for k, tokens in zip(indexes, got):
        assert abs(tokens - expected[k]) <= 1, (k, tokens, expected[k])
    assert got[-1] == expected[indexes[-1]]
    assert record["cache"]["total_input_tokens"] == expected[-1] == count_tokens(mock, body)
    assert count_tokens(mock, body) == count_tokens(mock, plain)  # markers are not content


def strip(value, field):
    if field not in ("system", "messages", "tools") or not isinstance(value, list):
        return value
    if field == "messages":
        return [dict(m, content=[strip_block(b) for b in m["content"]]) for m in value]
    return [strip_block(b) for b in value]


def strip_block(block):
    block = {k: v for k, v in block.items() if k != "cache_control"}
    if isinstance(block.get("content"), list):
        block["content"] = [strip_block(b) for b in block["content"]]
    return block


def test_cache_five_turn_conversation_keeps_its_prefix(mock):
    """The extension's layout over five turns: the prefix check passes on every request and
    from turn two on nearly all input tokens are read from the cache."""
    messages = []
    reads = []
    for turn in range(5):
        messages.append(user(f"Question {turn}: what about the column quality? " * 3))
        usage, record = send(mock, cached_body(messages, context=f"active cell {turn}: " * 20))
        assert turn == 0 or record["prefix_check"]["identical"] is True
        total = record["cache"]["total_input_tokens"]
        reads.append(usage["cache_read_input_tokens"] / total)
        assert record["cache"]["stable_prefix_tokens"] / total > 0.9
        messages.append(assistant(f"Answer {turn}: " + "the column is fine. " * 60))
    assert reads[0] == 0 and all(r > 0.75 for r in reads[1:])


def test_cache_nested_tool_result_marker_and_http_error_scripts(mock):
    tool_turn = {"role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_1", "name": "list_open_notebooks", "input": {}}]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                           "content": [marked(text("a.ipynb"))]}]}
    body = cached_body([user("which notebooks?"), tool_turn], marks=1)
    body["messages"].append(result)
    mock.script({"type": "http_error", "status": 529})
    assert mock.call("POST", "/v1/messages", body, KEY)[0] == 529
    record = mock.requests()[-1]
    assert "cache" not in record and record["prefix_check"] is None
    assert mock.call("GET", "/_mock/cache")[2]["entries"] == []  # nothing written
    usage, record = send(mock, body)
    assert [b["block"] for b in record["cache"]["breakpoints"]] == [
        "system[0]", "messages[0].content[0]", "messages[2].content[0]"]
    assert usage["cache_read_input_tokens"] == 0
    assert record["prefix_check"]["identical"] is True  # compared with the 529 request
    assert usage["cache_creation_input_tokens"] == record["cache"]["stable_prefix_tokens"]
