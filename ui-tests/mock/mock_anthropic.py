#!/usr/bin/env python3
"""A scriptable mock of the Anthropic Messages API, for tests.

The contract lives next to this file in ``SPEC.md``.  In short:

* ``POST /v1/messages`` answers from a FIFO queue of *response scripts*, either as a
  server-sent-event stream (``"stream": true``) or as a JSON ``message``;
* ``POST /v1/messages/count_tokens`` and ``GET /v1/models`` give plausible answers;
* ``/_mock/...`` endpoints let tests queue scripts, configure auth and the model list, and
  read back every API request received (headers and body included).

Run stand-alone (``python mock_anthropic.py --port 0`` prints ``MOCK READY http://host:port``)
or embed: ``make_app(MockState())`` returns a ``tornado.web.Application``.
Everything runs on one IOLoop, so the state needs no locking.
"""

import argparse
import asyncio
import hashlib
import json
import math
import sys
import time
import uuid
from collections import deque

from demo import demo_script  # noqa: E402  (next to this file)

import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

# Newest first, as the real endpoint lists them (created_at of the 4.6 models: placeholders).
DEFAULT_MODELS = [
    ("claude-opus-4-6", "Claude Opus 4.6", "2026-02-01T00:00:00Z"),
    ("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-01T00:00:00Z"),
    ("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z"),
    ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    ("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z"),
    ("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14T00:00:00Z"),
    ("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z"),
]

# Default error type for an HTTP status, as the real API uses them.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
# Status used when a non-stream request hits a scripted `error_after_chars`.
STATUS_FOR_ERROR_TYPE = {t: s for s, t in ERROR_TYPES.items()}


def _new_id(prefix):
    return prefix + uuid.uuid4().hex[:24]


def _dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _model_entry(model):
    """A model object of the list endpoint, from an id string or a (partial) dict."""
    if isinstance(model, str):
        model = {"id": model}
    entry = {"type": "model", "id": model["id"],
             "display_name": model.get("display_name", model["id"]),
             "created_at": model.get("created_at", "2025-01-01T00:00:00Z")}
    entry.update({k: v for k, v in model.items() if k not in entry})
    return entry


def estimate_tokens(body):
    """ceil(len(text) / 4), text being the JSON of the system, messages and tools fields
    (with the cache_control markers removed: they are not content)."""
    text = "".join(json.dumps(strip_cache_control(body[k], k))
                   for k in ("system", "messages", "tools")
                   if isinstance(body, dict) and k in body)
    return max(1, math.ceil(len(text) / 4))


# ---------------------------------------------------------------- prompt caching

CACHE_TTL_S = 300.0  # the API's default ("5m") ephemeral cache lifetime, refreshed on read
CACHE_MIN_TOKENS = 1024  # shorter prefixes are not cached (Sonnet / Opus minimum)
MAX_BREAKPOINTS = 4
LOOKBACK_BLOCKS = 20  # block boundaries checked before each breakpoint


def _strip_block(block):
    """A content block / tool definition without cache_control (also on blocks nested in
    a tool_result's content); (stripped, number of cache_control markers found)."""
    if not isinstance(block, dict):
        return block, 0
    marks = 1 if "cache_control" in block else 0
    out = {k: v for k, v in block.items() if k != "cache_control"}
    if isinstance(out.get("content"), list):
        inner = [_strip_block(b) for b in out["content"]]
        out["content"] = [b for b, _ in inner]
        marks += sum(n for _, n in inner)
    return out, marks


def strip_cache_control(value, field):
    """The `system`, `messages` or `tools` field without any cache_control marker."""
    if not isinstance(value, list):
        return value
    if field == "messages":
        out = []
        for message in value:
            if isinstance(message, dict) and isinstance(message.get("content"), list):
                message = dict(message, content=[_strip_block(b)[0] for b in message["content"]])
            out.append(message)
        return out
    return [_strip_block(b)[0] for b in value]


def _canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _exact(obj):
    """Compact JSON keeping the key order as sent: what "byte-identical" compares."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class PromptPrefix:
    """A request body cut into the blocks of the cache prefix, in the API's order: tool
    definitions, system blocks, then the content blocks of each message (a string `system`
    or string message content is one block that cannot carry a breakpoint).

    For block k: `keys[k]` = sha256 of the model and the canonical JSON (sorted keys,
    compact) of blocks 0..k without cache_control; `tokens[k]` = the count_tokens estimate
    (ceil(chars / 4)) of the request cut after block k; `exact[k]` = the block's JSON as
    sent (key order kept, cache_control removed); `breakpoints` = indexes of the blocks
    with cache_control; `markers` = how many cache_control markers there are in all."""

    def __init__(self, body):
        self.model = body.get("model")
        self.labels, self.exact, self.tokens, self.keys = [], [], [], []
        self.breakpoints, self.markers = [], 0
        self.total_tokens = estimate_tokens(body)
        self._hash = hashlib.sha256((_canonical(self.model) + "\n[").encode())
        self._done = 0  # characters of the fields already complete
        for field in ("tools", "system"):
            value = body.get(field)
            if isinstance(value, str):
                self._add(f"{field}", field, value, 0, len(json.dumps(value)))
                self._done += len(json.dumps(value))
            elif isinstance(value, list) and value:
                part = 2
                for i, block in enumerate(value):
                    stripped, marks = _strip_block(block)
                    part += len(json.dumps(stripped)) + (2 if i else 0)
                    self._add(f"{field}[{i}]", field, stripped, marks, self._done + part)
                self._done += part
        self._messages(body.get("messages") or [])

    def _messages(self, messages):
        done = self._done + 1  # "["
        for m, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            sep = 2 if m else 0
            content = message.get("content")
            role = message.get("role")
            if isinstance(content, list) and content:
                part = len(json.dumps(dict(message, content=[]))) + sep
                full = []
                for j, block in enumerate(content):
                    stripped, marks = _strip_block(block)
                    full.append(stripped)
                    part += len(json.dumps(stripped)) + (2 if j else 0)
                    self._add(f"messages[{m}].content[{j}]", ["message", m, role], stripped,
                              marks, done + part + 1)
                done += part
            else:
                part = len(json.dumps(message)) + sep
                self._add(f"messages[{m}]", ["message", m, role], content, 0, done + part + 1)
                done += part

    def _add(self, label, where, block, marks, chars):
        k = len(self.labels)
        self._hash.update((("," if k else "") + _canonical([where, block])).encode())
        key = self._hash.copy()
        key.update(b"]")
        self.labels.append(label)
        self.exact.append(_exact([where, block]))
        self.tokens.append(min(self.total_tokens, max(1, math.ceil(chars / 4))))
        self.keys.append(key.hexdigest())
        if marks:
            self.breakpoints.append(k)
            self.markers += marks

    @property
    def stable_tokens(self):
        """Tokens up to and including the last breakpoint (0 without any)."""
        return self.tokens[self.breakpoints[-1]] if self.breakpoints else 0

    def compare(self, previous):
        """Is this request's prefix, up to the previous request's last breakpoint, identical
        (cache_control removed, bytes of each block's JSON as sent) to the previous one's?"""
        n = len(previous["exact"])
        first = None
        for i in range(n):
            if i >= len(self.exact) or self.exact[i] != previous["exact"][i]:
                first = i
                break
        check = {"previous_request_id": previous["request_id"],
                 "previous_prefix_blocks": n,
                 "previous_prefix_tokens": previous["tokens"],
                 "identical": first is None, "first_difference": None}
        if first is not None:
            mine = self.exact[first] if first < len(self.exact) else ""
            theirs = previous["exact"][first]
            at = next((c for c in range(min(len(mine), len(theirs))) if mine[c] != theirs[c]),
                      min(len(mine), len(theirs)))
            check["first_difference"] = {
                "block": first, "label": previous["labels"][first],
                "label_now": self.labels[first] if first < len(self.labels) else None,
                "previous": theirs[max(0, at - 40):at + 80],
                "now": mine[max(0, at - 40):at + 80]}
        return check

    def summary(self):
        """What a later request's prefix check needs (None without a breakpoint)."""
        if not self.breakpoints:
            return None
        last = self.breakpoints[-1]
        return {"exact": self.exact[:last + 1], "labels": self.labels[:last + 1],
                "tokens": self.tokens[last]}


class PromptCache:
    """The simulated prompt cache: key -> (expiry, tokens), per mock state."""

    def __init__(self):
        self.entries = {}

    def lookup(self, prefix, now, ttl):
        """The longest cached prefix: at a breakpoint or up to LOOKBACK_BLOCKS blocks before
        one; its expiry is refreshed. (block index, tokens) or None."""
        self.entries = {k: e for k, e in self.entries.items() if e["expires"] > now}
        best = None
        for bp in prefix.breakpoints:
            for k in range(bp, max(-1, bp - LOOKBACK_BLOCKS - 1), -1):
                if prefix.keys[k] in self.entries:
                    best = k if best is None else max(best, k)
                    break
        if best is not None:
            self.entries[prefix.keys[best]]["expires"] = now + ttl
            return best, prefix.tokens[best]
        return None

    def apply(self, prefix, now, ttl, min_tokens):
        """The cache usage of a request, then its breakpoints' prefixes stored."""
        hit = self.lookup(prefix, now, ttl)
        read = hit[1] if hit else 0
        stable = prefix.stable_tokens
        creation = max(0, stable - read) if stable >= min_tokens else 0
        for bp in prefix.breakpoints:
            if prefix.tokens[bp] >= min_tokens:
                self.entries[prefix.keys[bp]] = {"expires": now + ttl,
                                                 "tokens": prefix.tokens[bp]}
        return {"input_tokens": max(0, prefix.total_tokens - read - creation),
                "cache_read_input_tokens": read,
                "cache_creation_input_tokens": creation}, hit


def last_user_text(body):
    """The text of the last user message of a request body ('' when there is none)."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        return " ".join(b.get("text", "") for b in content or []
                        if isinstance(b, dict) and b.get("type") == "text")
    return ""


def default_script(body):
    """The reply used when the queue is empty: a little markdown, for trying the UI by hand."""
    text = last_user_text(body).strip() or "(no text)"
    reply = (f"Mock reply to: {text}\n\nHere is some code:\n\n"
             "```python\nimport pandas as pd\nprint(pd.__version__)\n```\n")
    return {"type": "message", "blocks": [{"type": "text", "text": reply}], "delay_ms": 10}


class MockState:
    """The queue of scripts, the configuration and the records of API requests."""

    def __init__(self, demo=False):
        # Demo mode (``--demo``): an empty queue plays demo.py's scripted runs.
        # /_mock/config can switch it; /_mock/reset goes back to the start value.
        self.demo_default = demo
        # API requests whose response is not over yet (for /_mock/sever); kept across resets.
        self.open_handlers = set()
        self.reset()

    def sever(self):
        """Cut every API connection still open, as a restart of the server would; how many."""
        count = 0
        for handler in list(self.open_handlers):
            if not handler.record["finished"] and not handler.disconnected:
                handler.record["severed"] = True
                handler.drop()
                handler.disconnected = True
                count += 1
        self.open_handlers.clear()
        return count

    def reset(self):
        self.demo = self.demo_default
        self.queue = deque()
        self.requests = []
        self.expected_key = None
        # With a wait, a request that finds the queue empty waits for a script
        # (tests that script each step after reading the previous request).
        self.wait_for_script_ms = 0
        self.models = [_model_entry({"id": i, "display_name": n, "created_at": c})
                       for i, n, c in DEFAULT_MODELS]
        self.cache = PromptCache()
        self.cache_enabled = True
        self.cache_ttl_s = CACHE_TTL_S
        self.cache_min_tokens = CACHE_MIN_TOKENS
        # The prefix (up to its last breakpoint) of the last valid /v1/messages request.
        self.last_prefix = None


class MockError(tornado.web.HTTPError):
    """An API error, answered by ApiHandler.write_error with the real error shape."""

    def __init__(self, status, message, error_type=None):
        super().__init__(status)
        self.message = message
        self.error_type = error_type or ERROR_TYPES.get(status, "api_error")


class ClientGone(Exception):
    """The client closed the connection while a stream was being written."""


class ApiHandler(tornado.web.RequestHandler):
    """Base of the /v1 endpoints: records the request, checks auth, answers errors."""

    def initialize(self, state):
        self.state = state
        self.request_id = _new_id("req_")
        self.dropped = False  # we closed the connection on purpose
        self.disconnected = False  # the connection is gone (either side)

    def prepare(self):
        raw = self.request.body.decode("utf-8", "replace")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        headers = {}
        for name, value in self.request.headers.get_all():
            name = name.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        self.record = {
            "method": self.request.method, "path": self.request.path,
            "query": self.request.query, "headers": headers, "body": body,
            "received_at": time.time(), "request_id": self.request_id,
            "status": None, "finished": False, "client_disconnected": False, "dropped": False,
        }
        self.state.requests.append(self.record)
        self.state.open_handlers.add(self)
        self.body = body
        self.set_header("request-id", self.request_id)
        self._check_auth(headers)

    def _check_auth(self, headers):
        key = headers.get("x-api-key")
        auth = headers.get("authorization", "")
        if key is None and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        if not key:
            raise MockError(401, "x-api-key header is required")
        if self.state.expected_key is not None and key != self.state.expected_key:
            raise MockError(401, "invalid x-api-key")

    def json_body(self, *required):
        """The request body as a dict, checking that the required fields are present."""
        if not isinstance(self.body, dict):
            raise MockError(400, "request body must be a JSON object")
        for field in required:
            if field not in self.body:
                raise MockError(400, f"{field}: Field required")
        return self.body

    def on_finish(self):
        self.state.open_handlers.discard(self)

    def on_connection_close(self):
        self.state.open_handlers.discard(self)
        self.disconnected = True
        if not self.record["finished"] and not self.dropped:
            self.record["client_disconnected"] = True

    async def complete(self, payload=None):
        """Write an optional JSON payload, end the response, mark the record finished."""
        if payload is not None:
            self.set_header("content-type", "application/json")
            self.write(_dumps(payload))
        self.record["status"] = self.get_status()
        try:
            await self.finish()
        except tornado.iostream.StreamClosedError:
            return
        self.record["finished"] = not self.disconnected
        self.record["finished_at"] = time.time()

    async def send_api_error(self, status, error_type, message, headers=None):
        self.set_status(status)
        for name, value in (headers or {}).items():
            self.set_header(name, str(value))
        await self.complete({"type": "error", "error": {"type": error_type, "message": message},
                             "request_id": self.request_id})

    def drop(self):
        """Close the TCP connection abruptly (no terminating chunk, no response at all)."""
        self.dropped = self.record["dropped"] = True
        self.record["status"] = self.get_status() if self._headers_written else None
        self.request.connection.stream.close()
        self._finished = True  # keep tornado from writing to the closed stream

    def write_error(self, status_code, **kwargs):
        """Errors raised by handlers (MockError or unexpected) in the real error shape."""
        exc = kwargs.get("exc_info", (None, None))[1]
        error_type = getattr(exc, "error_type", ERROR_TYPES.get(status_code, "api_error"))
        message = getattr(exc, "message", self._reason)
        self.set_header("request-id", self.request_id)
        self.set_header("content-type", "application/json")
        self.record["status"] = status_code
        self.finish(_dumps({"type": "error", "error": {"type": error_type,
                                                       "message": message},
                            "request_id": self.request_id}))
        self.record["finished"] = True


class MessagesHandler(ApiHandler):
    """POST /v1/messages: plays the next script, streamed or as one JSON message."""

    async def post(self):
        body = self.json_body("model", "max_tokens", "messages")
        prefix = self._check_prefix(body)
        deadline = time.monotonic() + self.state.wait_for_script_ms / 1000
        while not self.state.queue and time.monotonic() < deadline and not self.disconnected:
            await asyncio.sleep(0.02)
        script = self.state.queue.popleft() if self.state.queue else (
            demo_script(body) if self.state.demo else default_script(body))
        self.record["script"] = script
        self.cache_usage = None
        if script.get("type", "message") != "http_error":
            self._apply_cache(prefix)
        await asyncio.sleep(script.get("first_byte_delay_ms", 0) / 1000)
        if self.disconnected:
            return  # the client gave up (or the connection was severed) while we waited
        if script.get("type", "message") == "http_error":
            status = script.get("status", 500)
            await self.send_api_error(
                status, script.get("error_type") or ERROR_TYPES.get(status, "api_error"),
                script.get("message", f"Mock HTTP error {status}"), script.get("headers"))
        elif body.get("stream"):
            try:
                await self.stream_message(script, body)
            except ClientGone:
                pass  # recorded by on_connection_close
        else:
            await self.json_message(script, body)

    def _check_prefix(self, body):
        """Validate the cache_control markers (at most 4, as the API allows) and compare the
        prefix with the previous request's (recorded as `prefix_check`)."""
        prefix = PromptPrefix(body)
        if prefix.markers > MAX_BREAKPOINTS:
            raise MockError(400, f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control "
                                 f"may be provided. Found {prefix.markers}.")
        state = self.state
        self.record["prefix_check"] = (prefix.compare(state.last_prefix)
                                       if state.last_prefix else None)
        summary = prefix.summary()
        state.last_prefix = summary and dict(summary, request_id=self.request_id)
        return prefix

    def _apply_cache(self, prefix):
        """Compute the cache usage of this request (and store its prefixes)."""
        state = self.state
        info = {"enabled": state.cache_enabled, "total_input_tokens": prefix.total_tokens,
                "stable_prefix_tokens": prefix.stable_tokens, "blocks": len(prefix.labels),
                "breakpoints": [{"index": k, "block": prefix.labels[k],
                                 "prefix_tokens": prefix.tokens[k]}
                                for k in prefix.breakpoints],
                "hit": None}
        if state.cache_enabled:
            usage, hit = state.cache.apply(prefix, time.time(), state.cache_ttl_s,
                                           state.cache_min_tokens)
            if hit:
                info["hit"] = {"index": hit[0], "block": prefix.labels[hit[0]],
                               "prefix_tokens": hit[1],
                               "lookback": hit[0] not in prefix.breakpoints}
        else:
            usage = {"input_tokens": prefix.total_tokens, "cache_read_input_tokens": 0,
                     "cache_creation_input_tokens": 0}
        info["usage"] = usage
        self.record["cache"] = info
        self.cache_usage = usage

    def _blocks(self, script):
        """The script's blocks, completed with ids (tool_use) and empty signatures (thinking)."""
        blocks = []
        for block in script.get("blocks", []):
            block = dict(block)
            if block["type"] == "tool_use":
                block.setdefault("id", _new_id("toolu_"))
                block.setdefault("input", {})
            elif block["type"] == "thinking":
                block.setdefault("signature", "")
            blocks.append(block)
        return blocks

    def _message(self, script, body, content, usage, stop_reason):
        return {"id": _new_id("msg_"), "type": "message", "role": "assistant",
                "content": content, "model": script.get("model") or body.get("model"),
                "stop_reason": stop_reason, "stop_sequence": None, "usage": usage}

    def _usage(self, script, body, blocks):
        chars = sum(len(b.get("text") or b.get("thinking") or json.dumps(b.get("input")))
                    for b in blocks)
        usage = {"input_tokens": estimate_tokens(body),
                 "output_tokens": max(1, math.ceil(chars / 4)),
                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        usage.update(getattr(self, "cache_usage", None) or {})
        usage.update(script.get("usage") or {})
        self.record["usage"] = usage
        return usage

    @staticmethod
    def _stream_parts(block):
        """(content_block_start payload, streamed text, delta type, delta field) of a block."""
        if block["type"] == "tool_use":
            return ({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}},
                    json.dumps(block["input"]), "input_json_delta", "partial_json")
        if block["type"] == "thinking":
            return ({"type": "thinking", "thinking": "", "signature": ""},
                    block["thinking"], "thinking_delta", "thinking")
        return {"type": "text", "text": ""}, block.get("text", ""), "text_delta", "text"

    @staticmethod
    def _error_of(script):
        error_type = script.get("error_type", "overloaded_error")
        default = "Overloaded" if error_type == "overloaded_error" else f"Mock {error_type}"
        return error_type, script.get("message", default)

    async def json_message(self, script, body):
        blocks = self._blocks(script)
        if script.get("drop_after_chars") is not None:
            return self.drop()
        if script.get("error_after_chars") is not None:
            error_type, message = self._error_of(script)
            return await self.send_api_error(STATUS_FOR_ERROR_TYPE.get(error_type, 500),
                                             error_type, message)
        usage = self._usage(script, body, blocks)
        await self.complete(self._message(script, body, blocks, usage,
                                          script.get("stop_reason", "end_turn")))

    async def stream_message(self, script, body):
        blocks = self._blocks(script)
        usage = self._usage(script, body, blocks)
        chunk = max(1, int(script.get("chunk_size", 8)))
        delay = script.get("delay_ms", 0) / 1000
        drop_at = script.get("drop_after_chars")
        limit = min((n for n in (drop_at, script.get("error_after_chars")) if n is not None),
                    default=None)
        sent = 0  # characters of text / thinking / JSON streamed so far

        self.set_header("content-type", "text/event-stream; charset=utf-8")
        self.set_header("cache-control", "no-cache")
        await self.event("message_start", {"type": "message_start", "message": self._message(
            script, body, [], dict(usage, output_tokens=1), None)})
        if script.get("ping", True):
            await self.event("ping", {"type": "ping"})
        for index, block in enumerate(blocks):
            start, text, delta_type, field = self._stream_parts(block)
            await self.event("content_block_start", {
                "type": "content_block_start", "index": index, "content_block": start})
            pos = 0
            while pos < len(text):
                if limit is not None and sent >= limit:
                    return await self.interrupt(script, limit == drop_at, index, delta_type, field)
                piece = text[pos:pos + (chunk if limit is None else min(chunk, limit - sent))]
                pos, sent = pos + len(piece), sent + len(piece)
                await asyncio.sleep(delay)
                await self.delta(index, {"type": delta_type, field: piece})
            if block["type"] == "thinking" and block["signature"]:
                await self.delta(index, {"type": "signature_delta",
                                         "signature": block["signature"]})
            await self.event("content_block_stop", {"type": "content_block_stop", "index": index})
        if limit is not None and sent >= limit:
            return await self.interrupt(script, limit == drop_at, len(blocks), "text_delta", "text")
        await self.event("message_delta", {
            "type": "message_delta", "usage": usage,
            "delta": {"stop_reason": script.get("stop_reason", "end_turn"), "stop_sequence": None}})
        await self.event("message_stop", {"type": "message_stop"})
        await self.complete()

    async def interrupt(self, script, drop, index=0, delta_type="text_delta", field="text"):
        """Stop the stream mid-way: an abrupt close, or an `error` event then a clean end."""
        if drop:
            cut = script.get("drop_inside_event_bytes")
            if cut:
                # The first bytes of the next delta event, then the close: a
                # break in the middle of an event (a truncated `data:` line).
                event = (f"event: content_block_delta\ndata: " + _dumps({
                    "type": "content_block_delta", "index": index,
                    "delta": {"type": delta_type, field: "never sent in full"}}) + "\n\n")
                self.write(event[:int(cut)])
                try:
                    await self.flush()
                except tornado.iostream.StreamClosedError:
                    pass
            return self.drop()
        error_type, message = self._error_of(script)
        await self.event("error", {"type": "error", "request_id": self.request_id,
                                   "error": {"type": error_type, "message": message}})
        await self.complete()

    async def delta(self, index, delta):
        await self.event("content_block_delta",
                         {"type": "content_block_delta", "index": index, "delta": delta})

    async def event(self, name, data):
        """Write and flush one SSE event; raises ClientGone once the client has gone away."""
        if self.disconnected:
            raise ClientGone()
        self.write(f"event: {name}\ndata: {_dumps(data)}\n\n")
        try:
            await self.flush()
        except tornado.iostream.StreamClosedError:
            self.on_connection_close()
            raise ClientGone() from None


class CountTokensHandler(ApiHandler):
    async def post(self):
        await self.complete({"input_tokens": estimate_tokens(self.json_body("model", "messages"))})


class ModelsHandler(ApiHandler):
    async def get(self, model_id=None):
        models = self.state.models
        if model_id:
            match = [m for m in models if m["id"] == model_id]
            if not match:
                raise MockError(404, f"model: {model_id}")
            return await self.complete(match[0])
        await self.complete({"data": models, "has_more": False,
                             "first_id": models[0]["id"] if models else None,
                             "last_id": models[-1]["id"] if models else None})


class NotFoundHandler(ApiHandler):
    async def get(self, *args):
        raise MockError(404, f"Not found: {self.request.path}")

    post = put = delete = patch = get


class ControlHandler(tornado.web.RequestHandler):
    """The /_mock/... endpoints used by tests."""

    def initialize(self, state):
        self.state = state

    def _body(self):
        return json.loads(self.request.body or b"{}")

    def get(self, action):
        if action == "requests":
            self.finish({"requests": self.state.requests})
        elif action == "info":
            # What the Jupyter server's config route asks to show the demo badge.
            self.finish({"mock": "jupyterlab-data-engineer", "demo": self.state.demo})
        elif action == "cache":
            now = time.time()
            self.finish({"entries": [
                {"key": k, "tokens": e["tokens"], "expires_in_s": round(e["expires"] - now, 3)}
                for k, e in self.state.cache.entries.items() if e["expires"] > now]})
        else:
            raise tornado.web.HTTPError(404)

    def post(self, action):
        state = self.state
        if action == "script":
            responses = self._body().get("responses", [])
            state.queue.extend(responses)
            self.finish({"queued": len(state.queue)})
        elif action == "sever":
            self.finish({"severed": state.sever()})
        elif action == "reset":
            state.reset()
            self.finish({"ok": True})
        elif action == "config":
            body = self._body()
            if "expected_key" in body:
                state.expected_key = body["expected_key"]
            if "models" in body:
                state.models = [_model_entry(m) for m in body["models"]]
            if "wait_for_script_ms" in body:
                state.wait_for_script_ms = int(body["wait_for_script_ms"] or 0)
            if "prompt_cache" in body:
                state.cache_enabled = bool(body["prompt_cache"])
            if "cache_ttl_s" in body:
                state.cache_ttl_s = float(body["cache_ttl_s"])
            if "cache_min_tokens" in body:
                state.cache_min_tokens = int(body["cache_min_tokens"])
            if "demo" in body:
                state.demo = bool(body["demo"])
            self.finish({"expected_key": state.expected_key, "models": state.models,
                         "wait_for_script_ms": state.wait_for_script_ms,
                         "prompt_cache": state.cache_enabled,
                         "cache_ttl_s": state.cache_ttl_s,
                         "cache_min_tokens": state.cache_min_tokens,
                         "demo": state.demo})
        else:
            raise tornado.web.HTTPError(404)


def make_app(state=None, log_function=None):
    """The Tornado application; its MockState is reachable as app.settings['state'].

    Access logging is off unless a ``log_function(handler)`` is given."""
    state = state or MockState()
    kw = {"state": state}
    return tornado.web.Application([
        (r"/v1/messages", MessagesHandler, kw),
        (r"/v1/messages/count_tokens", CountTokensHandler, kw),
        (r"/v1/models", ModelsHandler, kw),
        (r"/v1/models/([^/]+)", ModelsHandler, kw),
        (r"/v1/.*", NotFoundHandler, kw),
        (r"/_mock/(\w+)", ControlHandler, kw),
    ], state=state, log_function=log_function or (lambda handler: None))


async def serve(port, host, demo=False):
    sockets = tornado.netutil.bind_sockets(port, host)
    state = MockState(demo=demo)
    server = tornado.httpserver.HTTPServer(make_app(state))
    server.add_sockets(sockets)
    print(f"MOCK READY http://{host}:{sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--demo", action="store_true",
                        help="answer an empty queue with the scripted demo runs (see demo.py)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port, args.host, demo=args.demo))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
