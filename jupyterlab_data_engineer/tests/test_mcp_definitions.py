"""Parsing of VS Code's mcp.json (JSON with comments), variables, env files, results."""

from __future__ import annotations

import pytest

from jupyterlab_data_engineer.mcp.definitions import (
    DefinitionError,
    MissingInput,
    Substitution,
    load_definitions,
    parse_jsonc,
    read_env_file,
)
from jupyterlab_data_engineer.mcp.results import Redactor, call_result
from jupyterlab_data_engineer.mcp.trust import TrustStore


def test_jsonc_comments_and_trailing_commas():
    text = '{\n // a comment\n "a": "http://x//not-a-comment", /* block */ "b": [1, 2,],\n}'
    assert parse_jsonc(text) == {"a": "http://x//not-a-comment", "b": [1, 2]}
    assert parse_jsonc('\ufeff{"s": "quote \\" // still string"}') == {"s": 'quote " // still string'}


def test_jsonc_errors_say_where():
    with pytest.raises(DefinitionError, match="line 2"):
        parse_jsonc('{\n "a": }')


def test_workspace_and_admin_merge(tmp_path):
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "mcp.json").write_text(
        '{"servers": {"db": {"command": "x"}, "api": {"type": "http", "url": "https://h/mcp"},'
        ' "bad name!": {"command": "y"}, "nocmd": {"type": "stdio"}, "ftp": {"type": "ftp"}}}'
    )
    admin = {"servers": {"db": {"type": "stdio", "command": "admin-db"}}}
    defs = load_definitions(admin, str(tmp_path), True)
    assert defs.servers["db"].source == "admin" and defs.servers["db"].command == "admin-db"
    assert any("also configured by the administrator" in p for p in defs.problems)
    assert defs.servers["api"].type == "http"
    assert "letters, digits" in defs.servers["bad name!"].error
    assert "needs a \"command\"" in defs.servers["nocmd"].error
    assert "not supported" in defs.servers["ftp"].error
    assert set(load_definitions(admin, str(tmp_path), False).servers) == {"db"}


def test_broken_workspace_file_is_reported_not_raised(tmp_path):
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "mcp.json").write_text('{"servers": [')
    defs = load_definitions({}, str(tmp_path), True)
    assert defs.servers == {}
    assert defs.problems and defs.problems[0].startswith(".vscode/mcp.json: not valid JSON")


def test_substitution(tmp_path, monkeypatch):
    monkeypatch.setenv("DE_TEST_VAR", "from-env")
    sub = Substitution(str(tmp_path), {"tok": "s3cret-value"}, {})
    assert sub("${workspaceFolder}/a ${env:DE_TEST_VAR} ${input:tok}") == f"{tmp_path}/a from-env s3cret-value"
    assert sub.used_values == ["s3cret-value"]
    with pytest.raises(MissingInput):
        sub("${input:other}")


def test_env_file(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# c\nexport A='one two'\nB=\"x\"\nC=plain # note\nnot a line\n")
    assert read_env_file(str(path)) == {"A": "one two", "B": "x", "C": "plain"}


class _Result:
    def __init__(self, data):
        self.data = data

    def model_dump(self, **_):
        return self.data


def test_results_are_bounded_and_redacted():
    redact = Redactor(["topsecret-123"])
    out = call_result(
        _Result({"content": [{"type": "text", "text": "a topsecret-123 " + "y" * 100},
                             {"type": "text", "text": "second"},
                             {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"}]}),
        redact, max_text=50,
    )
    assert "topsecret" not in str(out)
    assert out["truncated"] is True
    assert out["content"][0]["text"].startswith("a *** y")
    assert out["content"][1]["text"].startswith("\u2026") or len(out["content"][1]["text"]) < 60
    assert out["content"][2] == {"type": "omitted", "kind": "audio", "mimeType": "audio/wav", "size": 3}


def test_trust_store_remembers_only_the_current_hash(tmp_path):
    store = TrustStore(tmp_path / "d" / "trust.json")
    assert not store.is_trusted("/w/.vscode/mcp.json", "h1")
    store.trust("/w/.vscode/mcp.json", "h1")
    assert store.is_trusted("/w/.vscode/mcp.json", "h1")
    store.trust("/w/.vscode/mcp.json", "h2")
    assert not store.is_trusted("/w/.vscode/mcp.json", "h1")
    assert not store.is_trusted("/w/.vscode/mcp.json", None)


def test_trust_dialog_values_keep_templates_and_mask_secrets():
    from jupyterlab_data_engineer.mcp.definitions import MASK, shown_value, url_host

    assert shown_value("Authorization", "Bearer ${input:tok}") == "Bearer ${input:tok}"
    assert shown_value("Authorization", "Bearer abcdef123456") == f"Bearer {MASK}"
    assert shown_value("GITHUB_TOKEN", "${env:GITHUB_TOKEN}") == "${env:GITHUB_TOKEN}"
    assert shown_value("PYTHONPATH", "./evil") == "./evil"
    assert shown_value("DB_URL", "postgresql://u:pw@h/db") == f"postgresql://u:{MASK}@h/db"
    assert shown_value("OTHER", "sk-ant-api03-abcdefghijkl") == MASK
    assert url_host("https://API.github.com/mcp") == "api.github.com"
    assert url_host("${input:url}") == ""


def test_env_files_are_bounded_regular_files(tmp_path):
    from jupyterlab_data_engineer.mcp.definitions import ENV_FILE_MAX_BYTES, read_env_file_bytes

    with pytest.raises(OSError, match="not a regular file"):
        read_env_file_bytes("/dev/zero")
    big = tmp_path / "big.env"
    big.write_bytes(b"A=1\n" * (ENV_FILE_MAX_BYTES // 4 + 1))
    with pytest.raises(OSError, match="larger than"):
        read_env_file_bytes(str(big))


def test_a_workspace_env_file_path_cannot_wait_for_an_input(tmp_path):
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "mcp.json").write_text('{"servers": {"s": {"command": "x", "envFile": "${input:f}"}}}')
    defs = load_definitions({}, str(tmp_path), True)
    assert "envFile" in defs.servers["s"].error
