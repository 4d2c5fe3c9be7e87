"""Unit tests of the settings (no server needed)."""

from __future__ import annotations

import os

import pytest

from jupyterlab_data_engineer import (
    _jupyter_labextension_paths,
    _jupyter_server_extension_points,
)
from jupyterlab_data_engineer.config import (
    DEFAULT_BASE_URL,
    DataEngineer,
    mask_secret,
    parse_base_url,
)


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    return monkeypatch


def test_extension_entry_points():
    assert _jupyter_labextension_paths() == [
        {"src": "labextension", "dest": "jupyterlab-data-engineer"}
    ]
    assert _jupyter_server_extension_points() == [{"module": "jupyterlab_data_engineer"}]


def test_defaults_without_config_or_env(clean_env):
    cfg = DataEngineer()
    assert cfg.resolved_api_key() is None
    assert cfg.resolved_base_url() == DEFAULT_BASE_URL
    assert cfg.upstream().is_default()
    assert cfg.upstream().origin == "https://api.anthropic.com"
    assert "no API key" in cfg.describe()


def test_config_wins_over_env_and_env_is_read_late(clean_env):
    cfg = DataEngineer(anthropic_api_key="sk-config", anthropic_base_url="http://127.0.0.1:9")
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-env")
    clean_env.setenv("ANTHROPIC_BASE_URL", "http://env.example")
    assert cfg.resolved_api_key() == "sk-config"
    assert cfg.upstream().origin == "http://127.0.0.1:9"

    cfg = DataEngineer()
    assert cfg.resolved_api_key() == "sk-env"
    assert cfg.upstream().origin == "http://env.example"
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-env-2")  # changed after creation
    assert cfg.resolved_api_key() == "sk-env-2"
    assert cfg.key_source() == "environment"
    assert "sk-env" not in cfg.describe()


def test_empty_values_count_as_unset(clean_env):
    clean_env.setenv("ANTHROPIC_API_KEY", "  ")
    cfg = DataEngineer(anthropic_api_key="", anthropic_base_url="")
    assert cfg.resolved_api_key() is None
    assert cfg.upstream().is_default()
    cfg = DataEngineer(anthropic_api_key="", anthropic_base_url="http://localhost:8000/")
    assert cfg.resolved_api_key() is None
    assert not cfg.upstream().is_default()


def test_key_is_stripped(clean_env):
    assert DataEngineer(anthropic_api_key=" sk-x\n").resolved_api_key() == "sk-x"


@pytest.mark.parametrize(
    "value,origin,endpoint,default",
    [
        ("https://api.anthropic.com", "https://api.anthropic.com",
         "https://api.anthropic.com/v1/messages", True),
        ("https://API.anthropic.com:443/", "https://api.anthropic.com",
         "https://API.anthropic.com:443/v1/messages", True),
        ("http://api.anthropic.com", "http://api.anthropic.com",
         "http://api.anthropic.com/v1/messages", False),
        ("http://127.0.0.1:8080/prefix/", "http://127.0.0.1:8080",
         "http://127.0.0.1:8080/prefix/v1/messages", False),
        ("http://user:pw@gateway.local:81", "http://gateway.local:81",
         "http://user:pw@gateway.local:81/v1/messages", False),
        ("http://[::1]:9000", "http://[::1]:9000", "http://[::1]:9000/v1/messages", False),
    ],
)
def test_parse_base_url(value, origin, endpoint, default):
    upstream = parse_base_url(value)
    assert upstream.origin == origin
    assert upstream.endpoint("/v1/messages") == endpoint
    assert upstream.is_default() is default
    assert "pw" not in upstream.netloc


@pytest.mark.parametrize(
    "value", ["ftp://x.example", "api.anthropic.com", "http://", "https://h.example/?a=1",
              "http://h.example:99999", "file:///etc/passwd"]
)
def test_parse_base_url_rejects(value):
    with pytest.raises(ValueError):
        parse_base_url(value)


def test_mask_secret():
    assert mask_secret("key sk-abc in text sk-abc", "sk-abc") == "key *** in text ***"
    assert mask_secret("nothing", None) == "nothing"


def test_secrets_move_out_of_the_environment_and_keep_their_precedence(clean_env):
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-env")
    clean_env.setenv("ANTHROPIC_AUTH_TOKEN", "tok-env")
    clean_env.setenv("ANTHROPIC_BASE_URL", "http://env.example")
    cfg = DataEngineer()
    assert cfg.take_secrets_from_environment() == ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"]
    assert "ANTHROPIC_API_KEY" not in os.environ
    assert "ANTHROPIC_AUTH_TOKEN" not in os.environ
    assert os.environ["ANTHROPIC_BASE_URL"] == "http://env.example"  # no secret: stays
    assert cfg.resolved_api_key() == "sk-env"
    assert cfg.key_source() == "environment"
    assert "sk-env" not in cfg.describe()
    # Set again later: read at request time, as before the move.
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-env-2")
    assert cfg.resolved_api_key() == "sk-env-2"
    # The config still wins over a moved key.
    cfg = DataEngineer(anthropic_api_key="sk-config")
    clean_env.setenv("ANTHROPIC_API_KEY", "sk-env-3")
    assert cfg.take_secrets_from_environment() == ["ANTHROPIC_API_KEY"]
    assert cfg.resolved_api_key() == "sk-config"
    assert cfg.key_source() == "config"
    assert DataEngineer().take_secrets_from_environment() == []
