from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hearth.core.errors import ConfigurationError
from hearth.core.settings import SECRET_FILE_NAME, Settings, load_settings


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("HEARTH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_embedded_default_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path / "data")
    secret_file = tmp_path / "data" / SECRET_FILE_NAME
    assert secret_file.exists()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(first.secret) >= 32
    assert load_settings(data_dir=tmp_path / "data").secret == first.secret


def test_defaults_are_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.is_sqlite and settings.should_auto_migrate
    assert settings.sqlalchemy_url == f"sqlite+aiosqlite:///{(tmp_path / '.hearth' / 'hearth.db').resolve()}"


def test_production_refuses_a_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_ENV", "production")
    with pytest.raises(ConfigurationError, match="HEARTH_SECRET_KEY is required"):
        load_settings()


@pytest.mark.parametrize("weak", ["changeme", "short", "a" * 40, "secret"])
def test_production_refuses_a_weak_secret(monkeypatch: pytest.MonkeyPatch, weak: str) -> None:
    monkeypatch.setenv("HEARTH_ENV", "production")
    monkeypatch.setenv("HEARTH_SECRET_KEY", weak)
    with pytest.raises(ConfigurationError, match="too weak"):
        load_settings()


def test_production_accepts_a_strong_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_ENV", "production")
    monkeypatch.setenv("HEARTH_SECRET_KEY", "Zx81-kq0P_aL2mN9vB7cX4dF6gH3jK5s")
    assert load_settings().env == "production"


def test_environment_beats_toml_and_toml_beats_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hearth.toml").write_text('open_registration = false\nlog_level = "DEBUG"\n')
    monkeypatch.setenv("HEARTH_LOG_LEVEL", "WARNING")
    settings = load_settings()
    assert settings.open_registration is False
    assert settings.log_level == "WARNING"


def test_unknown_toml_key_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "hearth.toml").write_text("open_registraton = false\n")
    with pytest.raises(ConfigurationError, match="open_registraton"):
        load_settings()


def test_config_file_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text("access_token_ttl_s = 60\n")
    monkeypatch.setenv("HEARTH_CONFIG", str(other))
    assert load_settings().access_token_ttl_s == 60


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
    ],
)
def test_database_url_gets_an_async_driver(given: str, expected: str) -> None:
    settings = Settings(database_url=given)
    assert settings.sqlalchemy_url == expected
    assert settings.should_auto_migrate == expected.startswith("sqlite")


def test_invalid_values_are_configuration_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_LLM_PROVIDER", "skynet")
    with pytest.raises(ConfigurationError, match="llm_provider"):
        load_settings()
