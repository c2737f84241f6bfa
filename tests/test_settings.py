"""Settings: a bad settings file is named, an unknown key is refused (never silently ignored),
and a bad value says where it came from. Through the CLI, each is exit 3 without a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from unlockstep.cli.main import cli
from unlockstep.errors import ConfigError
from unlockstep.settings import Settings


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A settings file named by UNLOCKSTEP_CONFIG (written by each test)."""
    path = tmp_path / "unlockstep.toml"
    monkeypatch.setenv("UNLOCKSTEP_CONFIG", str(path))
    for name in ("UNLOCKSTEP_PORT", "UNLOCKSTEP_URL", "UNLOCKSTEP_MAX_DOCUMENT_MB"):
        monkeypatch.delenv(name, raising=False)
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stderr


def test_a_settings_file_is_read(config: Path) -> None:
    config.write_text('url = "http://registry.internal:9000"\nport = 9000\n')
    settings = Settings()
    assert (settings.url, settings.port) == ("http://registry.internal:9000", 9000)


def test_an_unknown_key_is_refused_naming_the_file_and_the_likely_key(config: Path) -> None:
    config.write_text('databse_url = "postgresql://db/unlockstep"\n')
    with pytest.raises(ConfigError) as caught:
        Settings()
    assert caught.value.where == str(config)
    assert "unknown setting databse_url" in caught.value.message
    assert caught.value.hint is not None and "did you mean database_url" in caught.value.hint
    code, err = _run("services", "list")
    assert code == 3
    assert f"error: {config}: unknown setting databse_url" in err


def test_invalid_toml_names_the_file_and_line(config: Path) -> None:
    config.write_text("port = \n")
    code, err = _run("services", "list")
    assert code == 3
    assert f"error: {config}: not valid TOML" in err
    assert "line 1" in err


def test_a_bad_value_names_the_setting_and_where_it_came_from(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config.write_text('port = "eighty"\n')
    code, err = _run("services", "list")
    assert code == 3
    assert f"port (from {config})" in err
    monkeypatch.setenv("UNLOCKSTEP_PORT", "ninety")
    code, err = _run("services", "list")
    assert code == 3
    assert "port (from UNLOCKSTEP_PORT)" in err


def test_a_named_settings_file_that_does_not_exist_is_exit_3(config: Path) -> None:
    code, err = _run("services", "list")
    assert code == 3
    assert f"{config}: settings file not found" in err


def test_the_size_limit_comes_from_the_settings_file_when_set_there(
    config: Path, tmp_path: Path
) -> None:
    config.write_text("max_document_mb = 1\n")
    big = tmp_path / "big.json"
    big.write_text('{"type": "object", "description": "' + "x" * (1024 * 1024) + '"}')
    code, err = _run("diff", str(big), str(big))
    assert code == 2
    assert "MiB" in err
