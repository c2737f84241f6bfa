"""``unlockstep demo``: the estate's dates move to the day the demo starts, and the demo removes
the temporary folder it made when it stops."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from unlockstep.cli.demo import Estate, shift_dates
from unlockstep.errors import InvalidInput

ESTATE = REPO / "examples" / "estate"


def test_every_iso_date_moves_and_nothing_else_does() -> None:
    text = 'expires: 2026-08-05\n"created": "2026-11-30"\nversion: "1.4.0"\nid: 12026-01-011\n'
    assert shift_dates(text, 2) == (
        'expires: 2026-08-07\n"created": "2026-12-02"\nversion: "1.4.0"\nid: 12026-01-011\n'
    )
    assert shift_dates("bad: 2026-13-45", 3) == "bad: 2026-13-45"
    assert shift_dates("due: 2026-07-05", 0) == "due: 2026-07-05"


def test_the_estate_moves_each_part_by_its_own_story_day() -> None:
    estate = Estate.as_of(ESTATE, dt.date(2026, 11, 30))
    assert estate.shifts == {
        "flags": 10,
        "plans": (dt.date(2026, 11, 30) - dt.date(2026, 7, 6)).days,
        "usage": (dt.date(2026, 11, 30) - dt.date(2026, 7, 6)).days,
    }
    assert Estate.as_of(ESTATE, None).shifts == {}


def test_a_bad_story_day_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "as-of.yaml").write_text("flags: soon\n")
    with pytest.raises(InvalidInput) as caught:
        Estate.as_of(tmp_path, dt.date(2026, 1, 1))
    assert caught.value.where == str(tmp_path / "as-of.yaml")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_the_demo_serves_the_estate_and_removes_its_temporary_folder_when_stopped(
    stop: signal.Signals,
) -> None:
    port = _free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "unlockstep", "demo", "--port", str(port), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert demo.stdout is not None
        lines = []
        for line in demo.stdout:
            lines.append(line)
            if line.startswith("}"):
                break
        started = json.loads("".join(lines))
        folder = Path(started["database"]).parent
        assert folder.is_dir()
        assert "release plans: 3 submitted" in started["loaded"]
    finally:
        demo.send_signal(stop)
        _, err = demo.communicate(timeout=30)
    assert "Traceback" not in err
    assert not folder.exists(), f"the demo left {folder} behind"
