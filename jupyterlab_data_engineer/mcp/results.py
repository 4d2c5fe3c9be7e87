"""Tool results and tool lists of MCP servers, as the browser gets them: bounded and redacted."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

# One result's text (all text blocks and embedded text resources together), in characters.
DEFAULT_MAX_TEXT_CHARS = 100_000
# One image, base64 characters (~3.75 MB of image); larger ones are described instead.
MAX_IMAGE_CHARS = 5_000_000
MAX_IMAGES = 8
STDERR_TAIL_CHARS = 2_000


class Redactor:
    """Masks secret values (env, envFile, headers, inputs) wherever they appear."""

    # Shorter values ("1", "true") are not secrets and masking them would garble text.
    MIN_LENGTH = 5

    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets = sorted({s for s in secrets if s and len(s) >= self.MIN_LENGTH}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, "***")
        return value

    def deep(self, value: Any) -> Any:
        if not self.secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        return value


def dump(model: Any) -> Any:
    """A pydantic model of the SDK as JSON-ready data, in the protocol's camelCase."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def tool_list(tools: list[Any], redact: Redactor) -> list[dict[str, Any]]:
    out = []
    for tool in tools:
        data = dump(tool)
        entry = {
            "name": data.get("name", ""),
            "title": data.get("title") or (data.get("annotations") or {}).get("title"),
            "description": data.get("description") or "",
            "inputSchema": data.get("inputSchema") or {"type": "object", "properties": {}},
        }
        annotations = data.get("annotations")
        if isinstance(annotations, dict):
            entry["annotations"] = {
                k: annotations[k]
                for k in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
                if k in annotations
            }
        out.append(redact.deep({k: v for k, v in entry.items() if v is not None}))
    return out


def call_result(result: Any, redact: Redactor, max_text: int = DEFAULT_MAX_TEXT_CHARS) -> dict[str, Any]:
    """A CallToolResult as bounded JSON: text, images, resources; `truncated` when cut."""
    data = dump(result)
    budget = max_text
    truncated = False
    images = 0
    blocks: list[dict[str, Any]] = []

    def add_text(text: str) -> None:
        nonlocal budget, truncated
        text = redact.text(text)
        if len(text) > budget:
            dropped = len(text) - budget
            text = text[:budget] + f"\n… [{dropped} more characters left out]"
            truncated = True
        budget = max(0, budget - len(text))
        blocks.append({"type": "text", "text": text})

    for block in data.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            add_text(str(block.get("text", "")))
        elif kind in ("image", "audio"):
            payload = str(block.get("data", ""))
            mime = str(block.get("mimeType", ""))
            if kind == "image" and images < MAX_IMAGES and len(payload) <= MAX_IMAGE_CHARS:
                images += 1
                blocks.append({"type": "image", "mimeType": mime, "data": payload})
            else:
                truncated = truncated or kind == "image"
                blocks.append({"type": "omitted", "kind": kind, "mimeType": mime, "size": len(payload) * 3 // 4})
        elif kind == "resource":
            res = block.get("resource") or {}
            entry = {"type": "resource", "uri": redact.text(str(res.get("uri", ""))), "mimeType": res.get("mimeType")}
            if "text" in res:
                before = len(blocks)
                add_text(str(res["text"]))
                entry["text"] = blocks.pop(before)["text"]
            elif "blob" in res:
                entry["size"] = len(str(res["blob"])) * 3 // 4
            blocks.append({k: v for k, v in entry.items() if v is not None})
        elif kind == "resource_link":
            blocks.append(
                redact.deep(
                    {
                        k: v
                        for k, v in {
                            "type": "resource_link",
                            "uri": block.get("uri"),
                            "name": block.get("name"),
                            "description": block.get("description"),
                            "mimeType": block.get("mimeType"),
                        }.items()
                        if v is not None
                    }
                )
            )
        else:
            add_text(f"[{kind} content]")
    out: dict[str, Any] = {"isError": bool(data.get("isError", False)), "content": blocks, "truncated": truncated}
    structured = data.get("structuredContent")
    if structured is not None:
        text = json.dumps(structured)
        if len(text) <= max(budget, 0) + 1_000:
            out["structuredContent"] = redact.deep(structured)
        else:
            out["truncated"] = True
    return out


def tail(text: str, redact: Redactor, limit: int = STDERR_TAIL_CHARS) -> str:
    text = redact.text(text)
    return text[-limit:] if len(text) > limit else text
