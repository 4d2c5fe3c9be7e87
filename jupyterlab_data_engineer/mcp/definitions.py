"""MCP server definitions: VS Code's ``.vscode/mcp.json`` format and the admin config.

Both sources have the same shape::

    {
      "inputs": [{"type": "promptString", "id": "token", "description": "...", "password": true}],
      "servers": {
        "db":  {"type": "stdio", "command": "uvx", "args": ["db-mcp"], "env": {"T": "${input:token}"},
                "envFile": "${workspaceFolder}/.env"},
        "api": {"type": "http", "url": "https://example/mcp", "headers": {"Authorization": "Bearer ${input:token}"}}
      }
    }

Variables: ``${workspaceFolder}``, ``${userHome}``, ``${env:NAME}`` (the Jupyter server's
environment) and ``${input:ID}`` (values the browser asked the user for, sent with each call,
never stored here). Definitions keep the raw templates; values are substituted only when a
server starts, so nothing listing a server can echo a secret.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

from ..files import WorkspaceFileError, read_workspace_file

WORKSPACE_FILE = ".vscode/mcp.json"

# A server name as it appears in routes and tool names.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_VAR_RE = re.compile(r"\$\{([A-Za-z]+)(?::([^}]*))?\}")


class DefinitionError(ValueError):
    """A definition that cannot be used, with a message saying how to fix it."""


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (as VS Code writes it) -> plain JSON."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif ch in "}]":
            # Drop a trailing comma before the closing bracket.
            k = len(out) - 1
            while k >= 0 and out[k].isspace():
                k -= 1
            if k >= 0 and out[k] == ",":
                del out[k]
            out.append(ch)
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_jsonc(text: str) -> Any:
    """Parse JSON with comments; DefinitionError with line and column on bad input."""
    try:
        return json.loads(strip_jsonc(text.lstrip("\ufeff")))
    except json.JSONDecodeError as err:
        raise DefinitionError(f"not valid JSON ({err.msg} near line {err.lineno}, column {err.colno})") from None


@dataclass
class InputSpec:
    id: str
    description: str = ""
    password: bool = False
    default: str | None = None

    def public(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "description": self.description, "password": self.password}
        if self.default is not None and not self.password:
            out["default"] = self.default
        return out


@dataclass
class ServerSpec:
    """One server as configured (raw templates, nothing substituted)."""

    name: str
    source: str  # "admin" | "workspace"
    file: str | None  # the workspace file it came from (relative to the root)
    type: str  # "stdio" | "http"
    command: str = ""
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    env_file: str | None = None
    cwd: str | None = None
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # set when the definition is unusable

    def fingerprint(self) -> str:
        """Changes whenever anything that affects the running process changes."""
        raw = json.dumps(
            [self.type, self.command, self.args, self.env, self.env_file, self.cwd, self.url, self.headers],
            sort_keys=True,
        )
        return hashlib.sha256(raw.encode()).hexdigest()

    def input_ids(self) -> list[str]:
        """The ${input:...} ids the definition uses, in order of appearance."""
        texts = [self.command, *self.args, *self.env.values(), self.env_file or "", self.cwd or "", self.url]
        texts += list(self.headers.values())
        ids: list[str] = []
        for text in texts:
            for kind, arg in _VAR_RE.findall(text):
                if kind == "input" and arg not in ids:
                    ids.append(arg)
        return ids

    def public(self) -> dict[str, Any]:
        """What the browser may see: templates, and only the names of env vars and headers.

        A workspace server, which the user is asked to trust, also shows its ``cwd`` and its
        env and header values as the trust dialog shows them (``shown_value``: templates as
        written, secret-looking literals masked) and the host its headers go to.
        """
        out: dict[str, Any] = {"name": self.name, "source": self.source, "file": self.file, "type": self.type}
        workspace = self.source == "workspace"
        if self.type == "stdio":
            out.update(command=self.command, args=list(self.args), envNames=sorted(self.env))
            if self.env_file:
                out["envFile"] = self.env_file
            if workspace:
                out["cwd"] = self.cwd or ""
                out["env"] = {k: shown_value(k, v) for k, v in sorted(self.env.items())}
        else:
            out.update(url=self.url, headerNames=sorted(self.headers))
            if workspace:
                out["headers"] = {k: shown_value(k, v) for k, v in sorted(self.headers.items())}
                out["host"] = url_host(self.url)
        if self.error:
            out["definitionError"] = self.error
        return out


@dataclass
class Definitions:
    servers: dict[str, ServerSpec]
    inputs: dict[str, InputSpec]
    # Problems with a whole file (missing servers, bad JSON), by source label.
    problems: list[str] = field(default_factory=list)
    workspace_hash: str | None = None


def _string_map(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DefinitionError(f"{what} must be an object of strings")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def parse_server(name: str, raw: Any, source: str, file: str | None) -> ServerSpec:
    """One entry of ``servers``; an unusable one carries ``error`` instead of raising."""
    spec = ServerSpec(name=name, source=source, file=file, type="stdio")
    try:
        if not NAME_RE.match(name):
            raise DefinitionError(
                "server names may use letters, digits, '_', '-' and '.' (at most 64, starting with a letter or digit)"
            )
        if not isinstance(raw, dict):
            raise DefinitionError("a server must be an object")
        kind = str(raw.get("type") or ("http" if raw.get("url") else "stdio")).lower()
        if kind in ("sse", "streamable-http", "streamablehttp"):
            kind = "http"
        if kind not in ("stdio", "http"):
            raise DefinitionError(f'type "{kind}" is not supported (use "stdio" or "http")')
        spec.type = kind
        if kind == "stdio":
            command = raw.get("command")
            if not isinstance(command, str) or not command.strip():
                raise DefinitionError('a stdio server needs a "command"')
            args = raw.get("args") or []
            if not isinstance(args, list):
                raise DefinitionError('"args" must be a list of strings')
            spec.command = command.strip()
            spec.args = [str(a) for a in args]
            spec.env = _string_map(raw.get("env"), '"env"')
            env_file = raw.get("envFile")
            spec.env_file = str(env_file) if env_file else None
            if spec.env_file and source == "workspace" and "${input:" in spec.env_file:
                # Trust binds to the file's content, so its path must be known before any value is typed.
                raise DefinitionError('"envFile" cannot use ${input:...}: give its path in the file')
            cwd = raw.get("cwd")
            spec.cwd = str(cwd) if cwd else None
        else:
            url = raw.get("url")
            if not isinstance(url, str) or not re.match(r"^(https?://|\$\{)", url.strip()):
                raise DefinitionError('an http server needs a "url" starting with http:// or https://')
            spec.url = url.strip()
            spec.headers = _string_map(raw.get("headers"), '"headers"')
    except DefinitionError as err:
        spec.error = str(err)
    return spec


def parse_document(doc: Any, source: str, file: str | None) -> tuple[dict[str, ServerSpec], dict[str, InputSpec]]:
    """The ``servers`` and ``inputs`` of one document (file or admin config)."""
    if not isinstance(doc, dict):
        raise DefinitionError("the top level must be an object with a \"servers\" object")
    raw_servers = doc.get("servers", {})
    if not isinstance(raw_servers, dict):
        raise DefinitionError('"servers" must be an object (name -> definition)')
    servers = {str(name): parse_server(str(name), raw, source, file) for name, raw in raw_servers.items()}
    inputs: dict[str, InputSpec] = {}
    for item in doc.get("inputs") or []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            inputs[item["id"]] = InputSpec(
                id=item["id"],
                description=str(item.get("description") or ""),
                password=bool(item.get("password", False)),
                default=None if item.get("default") is None else str(item.get("default")),
            )
    return servers, inputs


def load_definitions(admin: Any, root_dir: str, workspace_enabled: bool) -> Definitions:
    """Admin servers (trusted) plus, when enabled, the workspace's ``.vscode/mcp.json``.

    An admin server wins over a workspace server of the same name.
    """
    defs = Definitions(servers={}, inputs={})
    if admin:
        try:
            servers, inputs = parse_document(admin, "admin", None)
            defs.servers.update(servers)
            defs.inputs.update(inputs)
        except DefinitionError as err:
            defs.problems.append(f"c.DataEngineer.mcp_servers: {err}")
    if not workspace_enabled:
        return defs
    # Read before any click, on every chat open and turn: only a regular file
    # inside the root, of at most 1 MiB (a link to /dev/zero or a huge file is refused).
    try:
        data = read_workspace_file(root_dir, WORKSPACE_FILE)
    except WorkspaceFileError as err:
        defs.problems.append(f"{WORKSPACE_FILE}: {err}")
        return defs
    except OSError as err:
        defs.problems.append(f"{WORKSPACE_FILE}: cannot be read ({err.strerror})")
        return defs
    if data is None:
        return defs
    defs.workspace_hash = hashlib.sha256(data).hexdigest()
    try:
        servers, inputs = parse_document(parse_jsonc(data.decode("utf-8", "replace")), "workspace", WORKSPACE_FILE)
    except DefinitionError as err:
        defs.problems.append(f"{WORKSPACE_FILE}: {err}")
        return defs
    for name, spec in servers.items():
        if name in defs.servers:
            defs.problems.append(f'{WORKSPACE_FILE}: server "{name}" is also configured by the administrator; that one is used')
            continue
        defs.servers[name] = spec
    for key, value in inputs.items():
        defs.inputs.setdefault(key, value)
    return defs


# An env file larger than this is refused (it is read whole, on every listing).
ENV_FILE_MAX_BYTES = 1 << 20

# Names whose values the trust dialog masks (their ${...} templates stay visible).
_SECRET_NAME_RE = re.compile(
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|apikey|auth|credential|private|session|cookie|"
    r"signature|(?:^|[-_])key(?:$|[-_])",
    re.IGNORECASE,
)
# Known key formats, masked whatever the name.
_KEY_FORMAT_RE = re.compile(
    r"(?:sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{8,}|github_pat_[A-Za-z0-9_]{8,}|AKIA[0-9A-Z]{12,}"
    r"|xox[abprs]-[A-Za-z0-9-]{8,})"
)
_URL_PASSWORD_RE = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")
_SCHEME_RE = re.compile(r"^(\s*(?:Bearer|Basic|Token)\s+)?(.*?)(\s*)$", re.IGNORECASE | re.DOTALL)
MASK = "\u2022" * 6


def secret_name(name: str) -> bool:
    return bool(_SECRET_NAME_RE.search(name))


def shown_value(name: str, value: str) -> str:
    """A value as the trust dialog shows it.

    ``${...}`` templates stay as written (they are not secrets, and they say where a value
    comes from). Literal text is masked when the name looks secret (an auth scheme word such
    as ``Bearer`` stays), and known key formats and URL passwords are masked under any name.
    """
    out: list[str] = []
    last = 0
    for match in [*_VAR_RE.finditer(value), None]:
        end = match.start() if match else len(value)
        literal = value[last:end]
        if literal:
            if secret_name(name):
                m = _SCHEME_RE.match(literal)
                if m and m.group(2):
                    literal = (m.group(1) or "") + MASK + m.group(3)
            else:
                literal = _URL_PASSWORD_RE.sub(lambda u: u.group(1) + MASK + "@", _KEY_FORMAT_RE.sub(MASK, literal))
            out.append(literal)
        if match:
            out.append(match.group(0))
            last = match.end()
    return "".join(out)


def url_host(url: str) -> str:
    """The host[:port] a URL template points at; "" when a variable chooses it."""
    m = re.match(r"^https?://([^/?#@]*@)?([^/?#]*)", url.strip(), re.IGNORECASE)
    if not m or not m.group(2) or "${" in m.group(2):
        return ""
    return m.group(2).lower()


def read_env_file_bytes(path: str) -> bytes:
    """An env file's bytes: a regular file of at most ENV_FILE_MAX_BYTES (OSError otherwise)."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        data = f.read(ENV_FILE_MAX_BYTES + 1)
    if len(data) > ENV_FILE_MAX_BYTES:
        raise OSError(0, f"larger than {ENV_FILE_MAX_BYTES // (1 << 20)} MiB")
    return data


def read_env_file(path: str) -> dict[str, str]:
    """KEY=VALUE lines of a file (see parse_env_text), read with read_env_file_bytes's limits."""
    return parse_env_text(read_env_file_bytes(path).decode("utf-8", "replace"))


def parse_env_text(text: str) -> dict[str, str]:
    """KEY=VALUE lines (``export`` prefix, quotes and # comments allowed)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if key.startswith("export "):
            key = key[7:].strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if key:
            values[key] = value
    return values


@dataclass
class EnvFileState:
    """A stdio server's envFile as read now: what trust binds to and what the process gets."""

    path: str
    data: bytes | None
    problem: str | None = None

    @property
    def digest(self) -> str:
        if self.data is None:
            return f"unreadable: {self.problem}"
        return hashlib.sha256(self.data).hexdigest()


def snapshot_env_file(spec: ServerSpec, root_dir: str) -> EnvFileState | None:
    """Read a stdio server's envFile now (bounded); None without one, or when its path needs an input."""
    if spec.type != "stdio" or not spec.env_file or "${input:" in spec.env_file:
        return None
    path = Substitution(root_dir, {}, {})(spec.env_file)
    if not os.path.isabs(path):
        path = os.path.join(root_dir, path)
    try:
        return EnvFileState(path, read_env_file_bytes(path))
    except FileNotFoundError:
        return EnvFileState(path, None, "not found")
    except OSError as err:
        return EnvFileState(path, None, err.strerror or str(err))


class Substitution:
    """Replaces ${...} variables; remembers the input values it used (they are secrets)."""

    def __init__(self, root_dir: str, inputs: dict[str, str], specs: dict[str, InputSpec]):
        self.root_dir = root_dir
        self.inputs = inputs
        self.specs = specs
        self.used_values: list[str] = []

    def __call__(self, text: str) -> str:
        def replace(match: re.Match) -> str:
            kind, arg = match.group(1), match.group(2)
            if kind == "workspaceFolder":
                return self.root_dir
            if kind == "userHome":
                return os.path.expanduser("~")
            if kind == "env":
                return os.environ.get(arg or "", "")
            if kind == "input":
                value = self.inputs.get(arg or "")
                if value is None:
                    spec = self.specs.get(arg or "")
                    value = spec.default if spec and spec.default is not None else None
                if value is None:
                    raise MissingInput(arg or "")
                self.used_values.append(value)
                return value
            return match.group(0)

        return _VAR_RE.sub(replace, text)


class MissingInput(Exception):
    """An ${input:ID} the browser has not sent a value for."""

    def __init__(self, input_id: str):
        super().__init__(input_id)
        self.input_id = input_id
