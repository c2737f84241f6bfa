"""The two test modes: ``full`` (everything, CI) and ``quick`` (``bash scripts/test --quick``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import conftest
from tests.conftest import MODE, REPO, cap_examples


def _env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "UNLOCKSTEP_TEST_MODE"}
    return {**env, **changes}


@pytest.mark.slow
def test_a_test_marked_slow_runs_in_the_full_mode_only() -> None:
    assert MODE == "full"


def test_the_dev_profile_caps_a_tests_own_example_budget() -> None:
    calls: list[int] = []

    @settings(max_examples=200, database=None)
    @given(st.integers())
    def prop(n: int) -> None:
        calls.append(n)

    item: Any = SimpleNamespace(obj=prop)
    cap_examples([item], 5)
    prop()
    assert 0 < len(calls) <= 5


@pytest.mark.slow
def test_quick_mode_leaves_out_slow_tests_and_says_so() -> None:
    # (the full mode is this run: the probe above passes in it)
    command = [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider"]
    quick = subprocess.run(
        [*command, "tests/test_modes.py"],
        cwd=REPO,
        env=_env(UNLOCKSTEP_TEST_MODE="quick"),
        capture_output=True,
        text=True,
    )
    assert quick.returncode == 0, quick.stdout + quick.stderr
    assert "test_a_test_marked_slow_runs_in_the_full_mode_only" not in quick.stdout
    assert "deselected" in quick.stdout
    assert "test mode: quick (Hypothesis profile dev" in quick.stdout


def test_an_unknown_mode_is_a_usage_error_naming_the_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "MODE", "fast")
    with pytest.raises(pytest.UsageError) as caught:
        conftest.pytest_configure(cast(pytest.Config, None))
    message = str(caught.value)
    assert "UNLOCKSTEP_TEST_MODE='fast' is not a test mode" in message
    assert "'quick'" in message and "'full'" in message


def test_scripts_test_quick_sets_the_mode_and_passes_the_rest_to_pytest(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "test", tmp_path / "scripts" / "test")
    (tmp_path / "pyproject.toml").write_text("")
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho "mode=${UNLOCKSTEP_TEST_MODE:-} args=$*"\n')
    fake.chmod(0o755)
    stamp = tmp_path / ".venv" / ".installed-test"
    stamp.write_text("")
    os.utime(tmp_path / "pyproject.toml", (0, 0))  # older than the stamp: no install

    def run(*args: str) -> str:
        script = str(tmp_path / "scripts" / "test")
        result = subprocess.run(
            ["bash", script, *args], env=_env(), capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    assert run("--quick", "-k", "catalog") == "mode=quick args=-m pytest -k catalog"
    assert run("-x") == "mode= args=-m pytest -x"
    assert run() == "mode= args=-m pytest"
