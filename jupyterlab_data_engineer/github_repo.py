"""Searching a GitHub repository's code, for ``search_github_repo`` (VS Code's ``githubRepo``).

The server downloads the repository's archive for a ref through GitHub's REST API
(``GET {api}/repos/{owner}/{repo}/tarball/{ref}``; the default branch from
``GET {api}/repos/{owner}/{repo}``), keeps it unpacked on disk, and searches it there:

* ``GET  <base_url>data-engineer/github/status?repo=owner/name&ref=...`` says whether the
  repository is cached (the page asks the user before the first download) and on which host;
* ``POST <base_url>data-engineer/github/search`` with ``{repo, ref?, path?, query, max?}``
  downloads when needed and answers the best-matching snippets.

The API base URL (GitHub Enterprise) and an optional token are server settings; the token
never reaches the page. Each repository is capped in size (``github_repo_max_bytes``); the
cache as a whole too (``github_cache_max_bytes``), dropping the least recently used.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import tarfile
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

REPO_RE = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})$")
REF_RE = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")
MAX_SNIPPETS = 30
DEFAULT_SNIPPETS = 10
CONTEXT_LINES = 3
MAX_SEARCH_FILE_BYTES = 1024 * 1024
SKIPPED_PARTS = {".git", "node_modules", "vendor", "dist", "build", "__pycache__"}
BINARY_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf", ".zip", ".gz", ".tar", ".whl", ".jar", ".so", ".dll",
    ".exe", ".bin", ".parquet", ".pyc", ".woff", ".woff2", ".ttf", ".otf", ".mp4", ".mp3", ".webp", ".svgz",
)


class GitHubError(Exception):
    """A failure the model and the user should read; ``kind`` says which."""

    def __init__(self, kind: str, message: str, status: int = 502):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


def parse_repo(repo: Any, ref: Any) -> tuple[str, str, str | None]:
    if not isinstance(repo, str) or not REPO_RE.match(repo.strip()):
        raise GitHubError("invalid", 'repo must be "owner/name", e.g. "duckdb/duckdb".', 400)
    owner, name = repo.strip().split("/")
    if ref is not None and (not isinstance(ref, str) or not REF_RE.match(ref) or ".." in ref):
        raise GitHubError("invalid", "ref must be a branch, tag or commit name.", 400)
    return owner, name, ref or None


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", part)


class RepoCache:
    """Unpacked archives under ``folder/<host>/<owner>/<repo>/<ref>/``, LRU over repositories."""

    def __init__(self, folder: str, repo_max_bytes: int, total_max_bytes: int):
        self.folder = folder
        self.repo_max_bytes = repo_max_bytes
        self.total_max_bytes = total_max_bytes

    def path(self, host: str, owner: str, repo: str, ref: str) -> str:
        return os.path.join(self.folder, _safe(host), _safe(owner.lower()), _safe(repo.lower()), _safe(ref))

    def meta(self, path: str) -> dict[str, Any] | None:
        try:
            with open(os.path.join(path, ".meta.json"), encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def touch(self, path: str) -> None:
        meta = self.meta(path)
        if meta is not None:
            meta["last_used"] = time.time()
            self._write_meta(path, meta)

    def _write_meta(self, path: str, meta: dict[str, Any]) -> None:
        tmp = os.path.join(path, ".meta.json.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(meta, handle)
        os.replace(tmp, os.path.join(path, ".meta.json"))

    def entries(self) -> list[tuple[str, dict[str, Any]]]:
        found = []
        if not os.path.isdir(self.folder):
            return found
        for dirpath, dirnames, filenames in os.walk(self.folder):
            if ".meta.json" in filenames:
                meta = self.meta(dirpath)
                if meta:
                    found.append((dirpath, meta))
                dirnames[:] = []
        return found

    def store(self, path: str, archive: bytes, meta: dict[str, Any]) -> int:
        """Unpack a .tar.gz into ``path`` (regular files only, top folder stripped); its size."""
        staging = path + ".partial"
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        total = 0
        files = 0
        try:
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
                for member in tar:
                    if not member.isfile():
                        continue  # links, devices, folders: nothing to search, nothing to trust
                    parts = member.name.replace("\\", "/").split("/")[1:]  # GitHub's "<owner>-<repo>-<sha>/"
                    if not parts or any(p in ("", ".", "..") for p in parts):
                        continue
                    total += member.size
                    if total > self.repo_max_bytes:
                        raise GitHubError(
                            "too_large",
                            f"The repository unpacks to more than {self.repo_max_bytes // (1024 * 1024)} MB "
                            "(c.DataEngineer.github_repo_max_bytes); not downloaded. Search a smaller repository "
                            "or ask an administrator to raise the limit.",
                            413,
                        )
                    source = tar.extractfile(member)
                    if source is None:
                        continue
                    target = os.path.join(staging, *parts)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "wb") as out:
                        shutil.copyfileobj(source, out)
                    files += 1
        except tarfile.TarError as err:
            shutil.rmtree(staging, ignore_errors=True)
            raise GitHubError("bad_archive", f"The archive GitHub sent could not be read ({err}).") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        meta = {**meta, "bytes": total, "files": files, "downloaded": time.time(), "last_used": time.time()}
        self._write_meta(staging, meta)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.replace(staging, path)
        self.evict(keep=path)
        return total

    def evict(self, keep: str | None = None) -> list[str]:
        """Drop the least recently used repositories until the cache fits its total cap."""
        entries = sorted(self.entries(), key=lambda e: e[1].get("last_used", 0))
        total = sum(int(meta.get("bytes", 0)) for _, meta in entries)
        dropped = []
        for path, meta in entries:
            if total <= self.total_max_bytes:
                break
            if path == keep:
                continue
            shutil.rmtree(path, ignore_errors=True)
            total -= int(meta.get("bytes", 0))
            dropped.append(path)
        return dropped


class GitHubClient:
    """The REST calls: default branch and tarball, with readable failures."""

    def __init__(self, api_url: str, token: str | None, timeout: float, max_bytes: int, user_agent: str):
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent

    @property
    def host(self) -> str:
        return urlsplit(self.api_url).netloc or self.api_url

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "User-Agent": self.user_agent,
                   "X-GitHub-Api-Version": "2022-11-28"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _failure(self, response: httpx.Response, what: str) -> GitHubError:
        status = response.status_code
        if status in (403, 429) and (response.headers.get("x-ratelimit-remaining") == "0" or status == 429):
            reset = response.headers.get("x-ratelimit-reset")
            when = ""
            if reset and reset.isdigit():
                when = " It resets at " + datetime.fromtimestamp(int(reset), tz=timezone.utc).strftime("%H:%M UTC") + "."
            hint = "" if self.token else " An administrator can set c.DataEngineer.github_token for a higher limit."
            return GitHubError("rate_limited", f"GitHub's API rate limit on {self.host} is used up.{when}{hint}", 429)
        if status == 404:
            hint = "" if self.token else " (a private repository needs c.DataEngineer.github_token on the server)"
            return GitHubError("not_found", f"{what} was not found on {self.host}{hint}.", 404)
        if status in (401, 403):
            return GitHubError("forbidden", f"{self.host} refused access to {what} (HTTP {status}); check c.DataEngineer.github_token.", 403)
        return GitHubError("upstream", f"{self.host} answered HTTP {status} for {what}.")

    async def _get(self, client: httpx.AsyncClient, url: str, what: str) -> httpx.Response:
        try:
            response = await client.get(url, headers=self._headers())
        except httpx.TimeoutException:
            raise GitHubError("offline", f"{self.host} did not answer within {self.timeout:.0f} s; try again later.", 504) from None
        except httpx.TransportError as err:
            raise GitHubError("offline", f"{self.host} could not be reached (offline? {type(err).__name__}).", 502) from None
        if response.status_code != 200:
            raise self._failure(response, what)
        return response

    async def default_branch(self, owner: str, repo: str) -> str:
        async with httpx.AsyncClient(timeout=self.timeout, trust_env=True, follow_redirects=True) as client:
            response = await self._get(client, f"{self.api_url}/repos/{quote(owner)}/{quote(repo)}", f"{owner}/{repo}")
        try:
            branch = response.json().get("default_branch")
        except ValueError:
            branch = None
        if not isinstance(branch, str) or not branch:
            raise GitHubError("upstream", f"{self.host} did not say which branch is {owner}/{repo}'s default.")
        return branch

    async def tarball(self, owner: str, repo: str, ref: str) -> bytes:
        url = f"{self.api_url}/repos/{quote(owner)}/{quote(repo)}/tarball/{quote(ref, safe='/')}"
        what = f"{owner}/{repo} at {ref}"
        async with httpx.AsyncClient(timeout=self.timeout, trust_env=True, follow_redirects=True) as client:
            try:
                async with client.stream("GET", url, headers=self._headers()) as response:
                    if response.status_code != 200:
                        await response.aread()
                        raise self._failure(response, what)
                    length = response.headers.get("content-length")
                    if length and length.isdigit() and int(length) > self.max_bytes:
                        raise _too_large(self.max_bytes)
                    chunks, size = [], 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise _too_large(self.max_bytes)
                        chunks.append(chunk)
                    return b"".join(chunks)
            except httpx.TimeoutException:
                raise GitHubError("offline", f"{self.host} did not answer within {self.timeout:.0f} s; try again later.", 504) from None
            except httpx.TransportError as err:
                raise GitHubError("offline", f"{self.host} could not be reached (offline? {type(err).__name__}).", 502) from None


def _too_large(limit: int) -> GitHubError:
    return GitHubError(
        "too_large",
        f"The repository's archive is larger than {limit // (1024 * 1024)} MB (c.DataEngineer.github_repo_max_bytes); "
        "not downloaded. Search a smaller repository or ask an administrator to raise the limit.",
        413,
    )


# --------------------------------------------------------------------------- search

_WORD = re.compile(r"[A-Za-z0-9_]+")


def _terms(query: str) -> list[str]:
    quoted = re.findall(r'"([^"]+)"', query)
    rest = re.sub(r'"[^"]+"', " ", query)
    words = [w.lower() for w in _WORD.findall(rest) if len(w) > 1]
    terms = [q.lower() for q in quoted] + words
    seen: list[str] = []
    for term in terms:
        if term not in seen:
            seen.append(term)
    return seen[:12]


def search_tree(root: str, query: str, prefix: str, limit: int) -> dict[str, Any]:
    """The best snippets for ``query`` under ``root``/``prefix``: files ranked by the terms they hold."""
    terms = _terms(query)
    if not terms:
        raise GitHubError("invalid", "query needs at least one word of two characters or more.", 400)
    start = os.path.join(root, *[p for p in prefix.split("/") if p not in ("", ".", "..")])
    scored: list[tuple[float, str, int, list[str]]] = []
    searched = 0
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_PARTS]
        for name in filenames:
            if name == ".meta.json" or name.lower().endswith(BINARY_SUFFIXES):
                continue
            full = os.path.join(dirpath, name)
            try:
                if os.path.getsize(full) > MAX_SEARCH_FILE_BYTES:
                    continue
                with open(full, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            if b"\0" in data[:4096]:
                continue
            searched += 1
            lower = data.lower()
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            in_path = sum(1 for t in terms if t in rel.lower())
            present = [t for t in terms if t.encode() in lower]
            if not present and not in_path:
                continue
            text = data.decode("utf-8", "replace")
            lines = text.split("\n")
            if len(lines) > 1 and lines[-1] == "":
                lines.pop()  # the final newline ends the last line; it is not a line of its own
            best_line, best = 0, 0.0
            for number, line in enumerate(lines):
                low = line.lower()
                hits = sum(1 for t in present if t in low)
                if hits > best:
                    best, best_line = hits, number
                    if hits == len(present):
                        break
            score = len(present) * 10 + best * 3 + in_path * 5 + min(sum(lower.count(t.encode()) for t in present), 50) / 10
            scored.append((score, rel, best_line, lines))
    scored.sort(key=lambda s: (-s[0], s[1]))
    snippets = []
    for score, rel, line, lines in scored[:limit]:
        first = max(0, line - CONTEXT_LINES)
        last = min(len(lines), line + CONTEXT_LINES + 1)
        snippets.append({
            "path": rel,
            "start_line": first + 1,
            "end_line": last,
            "match_line": line + 1,
            "text": "\n".join(l[:300] for l in lines[first:last]),  # noqa: E741
            "score": round(score, 1),
        })
    return {"snippets": snippets, "matching_files": len(scored), "searched_files": searched, "terms": terms}


# --------------------------------------------------------------------------- service


class GitHubRepoSearch:
    """Status, download (once) and search; one download per repository at a time."""

    def __init__(self, config: Any, user_agent: str):
        self.config = config
        self.user_agent = user_agent
        self._locks: dict[str, asyncio.Lock] = {}

    def client(self) -> GitHubClient:
        c = self.config
        return GitHubClient(c.github_api_url, c.github_token or None, c.github_timeout, c.github_repo_max_bytes, self.user_agent)

    def cache(self) -> RepoCache:
        c = self.config
        return RepoCache(c.github_cache_dir or default_cache_dir(), c.github_repo_max_bytes, c.github_cache_max_bytes)

    def _ref_path(self, owner: str, repo: str, ref: str | None) -> tuple[str | None, str | None]:
        """(cache path, ref) of a cached ref; the default branch as it was cached when no ref is given."""
        cache, host = self.cache(), self.client().host
        if ref:
            path = cache.path(host, owner, repo, ref)
            return (path, ref) if cache.meta(path) else (None, ref)
        default = cache.path(host, owner, repo, "_default")
        meta = cache.meta(default)
        return (default, meta.get("ref")) if meta else (None, None)

    def status(self, repo: Any, ref: Any) -> dict[str, Any]:
        owner, name, ref = parse_repo(repo, ref)
        path, resolved = self._ref_path(owner, name, ref)
        meta = self.cache().meta(path) if path else None
        out: dict[str, Any] = {"host": self.client().host, "repo": f"{owner}/{name}", "ref": resolved or ref,
                               "cached": bool(meta), "max_bytes": self.config.github_repo_max_bytes}
        if meta:
            out.update(files=meta.get("files"), bytes=meta.get("bytes"), downloaded=meta.get("downloaded"))
        return out

    async def search(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise GitHubError("invalid", 'The body must be a JSON object: {"repo", "query", "ref"?, "path"?}.', 400)
        owner, name, ref = parse_repo(body.get("repo"), body.get("ref"))
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            raise GitHubError("invalid", "query must be a non-empty string.", 400)
        prefix = body.get("path") or ""
        if not isinstance(prefix, str) or ".." in prefix.split("/"):
            raise GitHubError("invalid", "path must be a folder inside the repository.", 400)
        limit = body.get("max", DEFAULT_SNIPPETS)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise GitHubError("invalid", "max must be a positive integer.", 400)
        key = f"{owner}/{name}@{ref or ''}".lower()
        lock = self._locks.setdefault(key, asyncio.Lock())
        downloaded = False
        async with lock:
            path, resolved = self._ref_path(owner, name, ref)
            if path is None:
                client = self.client()
                resolved = ref or await client.default_branch(owner, name)
                archive = await client.tarball(owner, name, resolved)
                path = self.cache().path(client.host, owner, name, ref or "_default")
                meta = {"host": client.host, "repo": f"{owner}/{name}", "ref": resolved}
                await asyncio.get_running_loop().run_in_executor(None, self.cache().store, path, archive, meta)
                downloaded = True
            else:
                self.cache().touch(path)
        result = await asyncio.get_running_loop().run_in_executor(
            None, search_tree, path, query, prefix, min(limit, MAX_SNIPPETS)
        )
        meta = self.cache().meta(path) or {}
        return {**result, "host": self.client().host, "repo": f"{owner}/{name}", "ref": resolved,
                "path": prefix, "downloaded": downloaded, "files": meta.get("files"),
                "downloaded_at": meta.get("downloaded")}


def default_cache_dir() -> str:
    from jupyter_core.paths import jupyter_runtime_dir

    # Beside the runtime folder's parent: per user, outside the server root (never served).
    return os.path.join(os.path.dirname(jupyter_runtime_dir()), "data-engineer", "github-cache")


class _GitHubHandler(APIHandler):
    auth_resource = "data-engineer"

    def initialize(self, service: GitHubRepoSearch) -> None:
        self.service = service

    def fail(self, err: GitHubError) -> None:
        self.set_status(err.status)
        self.finish(json.dumps({"error": {"kind": err.kind, "message": err.message}}))


class GitHubStatusHandler(_GitHubHandler):
    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        try:
            self.finish(json.dumps(self.service.status(self.get_argument("repo", ""), self.get_argument("ref", None))))
        except GitHubError as err:
            self.fail(err)


class GitHubSearchHandler(_GitHubHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            self.fail(GitHubError("invalid", "The body must be JSON.", 400))
            return
        try:
            self.finish(json.dumps(await self.service.search(body)))
        except GitHubError as err:
            self.fail(err)
