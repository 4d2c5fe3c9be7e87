"""Authenticated forwarding of a fixed set of Anthropic API calls.

Only these calls are forwarded (routes.py maps them):

* ``POST v1/messages``
* ``POST v1/messages/count_tokens``
* ``GET  v1/models`` (query: ``limit``, ``after_id``, ``before_id`` only)
* ``GET  v1/models/<model id>``

The upstream URL is always built from the configured base URL plus one of
these fixed paths; nothing from the request path or query string (JupyterLab
appends a cache-busting ``?<timestamp>``) is used to pick a host or endpoint.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import tornado.web
from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.base.handlers import APIHandler
from tornado.iostream import StreamClosedError

from .config import NO_KEY_MESSAGE, DataEngineer, Upstream, mask_secret

# Request headers copied from the browser to the upstream. Everything else
# (cookies, Authorization / Jupyter token, X-XSRFToken, SDK telemetry) stays here.
FORWARDED_REQUEST_HEADERS = ("anthropic-version", "anthropic-beta", "content-type", "accept")

# Upstream response headers copied to the browser (status and body always are).
FORWARDED_RESPONSE_HEADERS = (
    "content-type",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "request-id",
)

MODELS_QUERY_PARAMS = ("limit", "after_id", "before_id")

# A streamed body is flushed to the browser at most this often (seconds),
# the first bytes at once.
FLUSH_INTERVAL_S = 0.02

# An SSE line ends with CRLF, LF or CR (tried in this order, so CRLF is one ending).
_SSE_LINE_END = re.compile(rb"\r\n|\r|\n")

# Bytes of one SSE event held back at most while waiting for its end; past
# this they are relayed as they are (an odd framing must not stall a stream).
MAX_HELD_EVENT_BYTES = 1 << 20


class SSEFramer:
    """Cuts a byte stream of server-sent events after whole events only.

    ``feed`` returns the bytes up to the end of the last complete event (a
    blank line) and keeps the rest, so a stream that breaks off mid-event
    leaves the incomplete event here (``held``) instead of in the browser,
    where it would be a truncated JSON ``data:`` line.
    """

    def __init__(self) -> None:
        self._held = b""
        # Whether what went out last ended inside an event (an over-long one).
        self.mid_event = False

    @property
    def held(self) -> bytes:
        return self._held

    def feed(self, chunk: bytes) -> bytes:
        data = self._held + chunk
        # The held bytes always start a line: a line ending right at `data`'s
        # start follows another one (an empty line).
        previous_end, boundary = 0, 0
        for match in _SSE_LINE_END.finditer(data):
            if match.start() == previous_end:
                boundary = match.end()
            previous_end = match.end()
        if boundary:
            self.mid_event = False
        elif len(data) > MAX_HELD_EVENT_BYTES:
            boundary, self.mid_event = len(data), True
        self._held = data[boundary:]
        return data[:boundary]

    def rest(self) -> bytes:
        """What is held back (at a clean end of the stream it goes out as is)."""
        rest, self._held = self._held, b""
        return rest


class UpstreamClient:
    """Lazily created, process-wide httpx client (connection pooling)."""

    def __init__(self, user_agent: str) -> None:
        self._client: httpx.AsyncClient | None = None
        self._user_agent = user_agent

    def get(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                headers={"user-agent": self._user_agent},
                # Per-request timeouts are set in build_request.
                timeout=None,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


# Strong references to background clean-up tasks (asyncio keeps only weak ones).
_cleanup_tasks: set[asyncio.Task] = set()


def _abandon(send: asyncio.Future) -> None:
    """Cancel a pending upstream send; close its response should it have won the race."""
    send.cancel()

    def close_late_response(task: asyncio.Future) -> None:
        if task.cancelled() or task.exception() is not None:
            return  # httpx closed the connection itself
        closing = asyncio.ensure_future(task.result().aclose())
        _cleanup_tasks.add(closing)
        closing.add_done_callback(_cleanup_tasks.discard)

    send.add_done_callback(close_late_response)


async def _send_before_deadline(
    client: httpx.AsyncClient, request: httpx.Request, timeout: float
) -> httpx.Response:
    """Send and wait for the response headers at most ``timeout`` seconds.

    Unlike ``asyncio.wait_for`` on Python < 3.12, a cancellation that arrives
    just as the headers do cannot lose (and so leak) the open response.
    """
    send = asyncio.ensure_future(client.send(request, stream=True))
    try:
        done, _ = await asyncio.wait({send}, timeout=timeout)
    except BaseException:  # cancelled: the browser went away
        _abandon(send)
        raise
    if not done:
        _abandon(send)
        raise asyncio.TimeoutError
    return send.result()


def error_body(status_kind: str, message: str, code: str | None = None) -> dict[str, Any]:
    """An error in the Anthropic API's shape, so the SDK reports it as usual."""
    body: dict[str, Any] = {"type": "error", "error": {"type": status_kind, "message": message}}
    if code:
        body["data_engineer_error"] = code
    return body


class _DataEngineerHandler(APIHandler):
    """Common base: settings access and JSON errors in the Anthropic shape."""

    # For jupyter_server's Authorizer (@authorized): GET is "read", POST "write".
    auth_resource = "data-engineer"

    def initialize(self, data_engineer: DataEngineer, upstream_client: UpstreamClient) -> None:
        self.de_config = data_engineer
        self.upstream_client = upstream_client

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")

    def send_json_error(
        self, status: int, kind: str, message: str, code: str | None = None
    ) -> None:
        message = mask_secret(message, self.de_config.resolved_api_key())
        self.set_status(status)
        self.finish(json.dumps(error_body(kind, message, code)))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Errors raised by Jupyter itself (403 without auth or XSRF, 404, 405)
        # in the same shape as upstream errors.
        kinds = {401: "authentication_error", 403: "permission_error", 404: "not_found_error"}
        kind = kinds.get(status_code, "invalid_request_error" if status_code < 500 else "api_error")
        message = self._reason or "Error"
        error = (kwargs.get("exc_info") or (None, None, None))[1]
        if isinstance(error, tornado.web.HTTPError):
            if error.log_message:
                message = error.log_message % error.args if error.args else error.log_message
        elif error is not None:
            message = "Internal error in the jupyterlab-data-engineer server extension."
        message = mask_secret(message, self.de_config.resolved_api_key())
        # Marked as Jupyter's own refusal (token, cookie, XSRF), so the page can
        # tell an expired session (reload) from a key without permission.
        code = "jupyter_auth" if status_code in (401, 403) else None
        self.finish(json.dumps(error_body(kind, message, code)))


class AnthropicProxyHandler(_DataEngineerHandler):
    """Forwards one request to the upstream and streams the answer back."""

    _upstream_task: asyncio.Task | None = None
    _client_gone = False

    def on_connection_close(self) -> None:
        # The browser went away (Stop button, page closed): stop the upstream
        # request now, whether it is waiting for headers or streaming.
        self._client_gone = True
        task = self._upstream_task
        if task is not None and not task.done():
            task.cancel()
        super().on_connection_close()

    async def forward(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> None:
        try:
            upstream = self.de_config.upstream()
        except ValueError as err:
            self.log.error("jupyterlab_data_engineer: %s", err)
            self.send_json_error(500, "api_error", str(err), "bad_base_url")
            return
        key = self.de_config.resolved_api_key()
        if not key and upstream.is_default():
            self.send_json_error(401, "authentication_error", NO_KEY_MESSAGE, "no_api_key")
            return

        headers = {
            name: self.request.headers[name]
            for name in FORWARDED_REQUEST_HEADERS
            if name in self.request.headers
        }
        # No compression: the bytes are relayed as they are, as they arrive (see `_stream_back`).
        headers["accept-encoding"] = "identity"
        if key:
            headers["x-api-key"] = key

        if self._client_gone:
            return
        self._upstream_task = asyncio.ensure_future(
            self._relay(upstream, method, path, params, headers, body, key)
        )
        try:
            await self._upstream_task
        except asyncio.CancelledError:
            if not self._client_gone:
                raise
            self.log.info(
                "jupyterlab_data_engineer: client disconnected, cancelled %s %s", method, path
            )
        finally:
            self._upstream_task = None
        if not self._finished:
            # Nothing more will be sent (client gone); finish() on a closed
            # stream writes nothing and just completes the bookkeeping.
            self.finish(set_content_type=self._headers.get("Content-Type", "application/json"))

    async def _relay(
        self,
        upstream: Upstream,
        method: str,
        path: str,
        params: dict[str, str] | None,
        headers: dict[str, str],
        body: bytes | None,
        key: str | None,
    ) -> None:
        cfg = self.de_config
        timeout = httpx.Timeout(
            connect=cfg.connect_timeout,
            read=None,  # never cut a stream; the wait for headers is bounded below
            write=cfg.request_timeout,
            pool=cfg.connect_timeout,
        )
        client = self.upstream_client.get()
        request = client.build_request(
            method, upstream.endpoint(path), params=params, headers=headers, content=body,
            timeout=timeout,
        )
        where = upstream.netloc
        try:
            response = await _send_before_deadline(client, request, cfg.request_timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            self.log.warning(
                "jupyterlab_data_engineer: upstream %s timed out for %s %s", where, method, path
            )
            self.send_json_error(
                504,
                "timeout_error",
                f"The Anthropic API at {where} did not answer within the server's time limit "
                f"({cfg.request_timeout:g} s for a response, {cfg.connect_timeout:g} s to connect). "
                "Try again, or ask the Jupyter server's admin to raise "
                "c.DataEngineer.request_timeout.",
                "upstream_timeout",
            )
            return
        except httpx.HTTPError as err:
            reason = mask_secret(str(err) or type(err).__name__, key)
            self.log.warning(
                "jupyterlab_data_engineer: cannot reach upstream %s for %s %s: %s",
                where, method, path, reason,
            )
            self.send_json_error(
                502,
                "api_error",
                f"The Jupyter server could not reach the Anthropic API at {where} ({reason}). "
                "Check the server's network access and its Anthropic base URL setting.",
                "upstream_unreachable",
            )
            return

        try:
            await self._stream_back(response, where, key)
        finally:
            # Shielded: if the browser's disconnect cancels us while we are
            # closing (e.g. right after a failed write), the close must still
            # complete, or the upstream connection would stay open.
            await asyncio.shield(response.aclose())

    async def _stream_back(self, response: httpx.Response, where: str, key: str | None) -> None:
        self.set_status(response.status_code)
        content_type = response.headers.get("content-type", "application/json")
        for name in FORWARDED_RESPONSE_HEADERS:
            value = response.headers.get(name)
            if value is not None:
                self.set_header(name, mask_secret(value, key))
        self.set_header("Content-Type", content_type)
        secret = key.encode() if key else b""
        # A stream goes out in whole events (see SSEFramer); other bodies as they come.
        framer = SSEFramer() if content_type.startswith("text/event-stream") else None
        loop = asyncio.get_running_loop()
        last_flush = 0.0
        pending: asyncio.TimerHandle | None = None

        def flush_later() -> None:
            nonlocal pending, last_flush
            pending = None
            last_flush = loop.time()
            if not self._finished:
                # A broken connection shows in the loop below; nothing to report here.
                self.flush().add_done_callback(lambda done: done.exception())

        def relay(data: bytes) -> None:
            if secret and secret in data:  # an upstream echoing the key
                data = data.replace(secret, b"***")
            self.write(data)

        try:
            # aiter_bytes: decoded should an upstream compress despite
            # "accept-encoding: identity"; otherwise the bytes as they came.
            async for chunk in response.aiter_bytes():
                if framer is not None:
                    chunk = framer.feed(chunk)
                if not chunk:
                    continue
                relay(chunk)
                # The first bytes go at once; after that, what arrives within
                # FLUSH_INTERVAL_S goes out together: a streamed reply is a few
                # hundred small events a second, and each network read costs
                # the page a task, while 20 ms is below what a reader notices.
                now = loop.time()
                if now - last_flush >= FLUSH_INTERVAL_S:
                    if pending is not None:
                        pending.cancel()
                        pending = None
                    last_flush = now
                    await self.flush()
                elif pending is None:
                    pending = loop.call_at(last_flush + FLUSH_INTERVAL_S, flush_later)
        except asyncio.CancelledError:
            # The browser went away (on_connection_close): no late flush.
            if pending is not None:
                pending.cancel()
            raise
        except StreamClosedError:
            # The browser is gone; leaving this function closes the upstream.
            if pending is not None:
                pending.cancel()
            self._client_gone = True
            return
        except httpx.HTTPError as err:
            if pending is not None:
                pending.cancel()
            cut = len(framer.held) if framer is not None else 0
            self.log.warning(
                "jupyterlab_data_engineer: upstream %s broke off a response%s: %s",
                where,
                f" inside an event ({cut} bytes of it dropped)" if cut else "",
                mask_secret(str(err) or type(err).__name__, key),
            )
            if framer is not None and self._headers_written:
                # A stream that broke off ends with an `error` event and a clean
                # end instead of a cut: a browser drops the bytes it has not read
                # yet when the connection breaks, so the partial reply would be
                # lost; this way all of it arrives, then a readable error. The
                # event that was cut off is not sent (it would be truncated
                # JSON); what was sent ends with a whole event.
                event = error_body(
                    "api_connection_error",
                    f"The connection between the Jupyter server and the Anthropic API at {where} "
                    "was lost in the middle of the reply.",
                    "upstream_broke_off",
                )
                # (After an over-long event that went out in part, end it first.)
                end = b"\n\n" if framer.mid_event else b""
                self.write(end + b"event: error\ndata: " + json.dumps(event).encode() + b"\n\n")
                self.finish(set_content_type=content_type)
                return
            if self._headers_written:
                # Not a stream: mirror the break (no clean end), after what arrived.
                try:
                    await self.flush()
                except StreamClosedError:
                    pass
                self.request.connection.stream.close()
                self.finish(set_content_type=content_type)
                return
            self.send_json_error(
                502,
                "api_error",
                f"The Anthropic API at {where} closed the connection before answering.",
                "upstream_unreachable",
            )
            return
        if pending is not None:
            pending.cancel()
        if framer is not None and framer.held:
            relay(framer.rest())
        self.finish(set_content_type=content_type)


class MessagesHandler(AnthropicProxyHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        await self.forward("POST", "/v1/messages", body=self.request.body)


class CountTokensHandler(AnthropicProxyHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        await self.forward("POST", "/v1/messages/count_tokens", body=self.request.body)


class ModelsHandler(AnthropicProxyHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, model_id: str | None = None) -> None:
        if model_id:
            # The route regex only admits [A-Za-z0-9._:@-], so nothing to escape.
            await self.forward("GET", f"/v1/models/{model_id}")
            return
        params = {}
        for name in MODELS_QUERY_PARAMS:
            value = self.get_query_argument(name, None)
            if value is not None:
                params[name] = value
        await self.forward("GET", "/v1/models", params=params or None)


async def _bundled_mock_demo(origin: str) -> bool:
    """Whether the upstream is the bundled mock Messages API in demo mode.

    Only a loopback upstream is asked (the mock runs next to the server; a real
    endpoint never gets this request), with a short timeout.
    """
    if not origin:
        return False
    host = (urlsplit(origin).hostname or "").lower()
    if host not in ("127.0.0.1", "localhost", "::1"):
        return False
    try:
        async with httpx.AsyncClient(timeout=0.5) as client:
            r = await client.get(origin.rstrip("/") + "/_mock/info")
        info = r.json() if r.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(info, dict) and info.get("mock") == "jupyterlab-data-engineer" and info.get("demo") is True


class ConfigHandler(_DataEngineerHandler):
    """What the frontend may know about the setup; never the key itself."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from . import __version__

        try:
            upstream = self.de_config.upstream()
            origin, is_default, error = upstream.origin, upstream.is_default(), None
        except ValueError as err:
            origin, is_default, error = "", False, str(err)
        reply: dict[str, Any] = {
            "has_key": self.de_config.resolved_api_key() is not None,
            "upstream": origin,
            "upstream_is_default": is_default,
            # Whether dot-folders (.github/, .jupyter/) are served: workspace
            # personas and VS Code instruction files live there.
            "allow_hidden": bool(getattr(self.contents_manager, "allow_hidden", False)),
            "version": __version__,
            # The bundled mock in demo mode (scripts/launch.sh without a key):
            # the panel shows a "replies are scripted" badge.
            "demo": await _bundled_mock_demo(origin),
        }
        if error:
            reply["upstream_error"] = error
        self.finish(json.dumps(reply))


class NotFoundHandler(_DataEngineerHandler):
    """Everything else under /data-engineer/: a JSON 404, never forwarded."""

    def _not_found(self, *args: Any, **kwargs: Any) -> None:
        raise tornado.web.HTTPError(404, "Not a route of jupyterlab-data-engineer.")

    get = post = put = patch = delete = head = allow_unauthenticated(_not_found)
