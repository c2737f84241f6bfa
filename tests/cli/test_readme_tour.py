"""README's "A short tour" is a test: every command in it runs against the demo estate, loaded
as ``unlockstep demo`` loads it (dates moved to today), and exits with the code the README
documents (``# exit N``; 0 when none is shown). So the tour cannot rot with the calendar."""

from __future__ import annotations

import datetime as dt
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.conftest import REPO
from unlockstep.cli.demo import load_estate
from unlockstep.cli.main import cli
from unlockstep.settings import Settings

_EXIT = re.compile(r"#\s*exit (\d)")


def tour() -> list[tuple[list[str], int]]:
    """Each ``unlockstep`` command of the tour (continuation lines joined) and its exit code."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A short tour", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", block)
    commands = []
    for line in joined.splitlines():
        if not line.startswith("unlockstep "):
            continue
        code, _, comment = line.partition("#")
        found = _EXIT.search("#" + comment)
        commands.append((shlex.split(code)[1:], int(found.group(1)) if found else 0))
    return commands


def test_the_tour_is_found_in_the_readme() -> None:
    names = [" ".join(args[:2]) for args, _ in tour()]
    assert len(names) >= 15
    assert "can-i-deploy --service" in names
    assert "flags lint" in names


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server's background worker on, as ``unlockstep demo`` runs it: ``rollout demo``
    waits for its rollouts job to promote and abort."""
    return settings.model_copy(update={"worker": True})


@pytest.fixture
def demo_estate(
    api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_server: TestClient
) -> TestClient:
    """The whole demo estate, as the demo loads it today; the tour's relative paths resolve
    from a scratch folder that sees the repository's examples."""
    load_estate(REPO / "examples" / "estate", "http://testserver", http=api, today=dt.date.today())
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    return api


def test_every_tour_command_exits_as_the_readme_says(demo_estate: TestClient) -> None:
    outcomes = []
    for args, expected in tour():
        result = CliRunner().invoke(cli, args)
        assert "Traceback" not in result.stderr
        outcomes.append((" ".join(args), result.exit_code, expected, result.stderr[-300:]))
    wrong = [o for o in outcomes if o[1] != o[2]]
    assert wrong == [], "\n".join(
        f"{a}: exit {got}, README says {want}\n  {err}" for a, got, want, err in wrong
    )


def test_the_demo_flags_lint_clean_and_its_plans_are_not_overdue_on_any_day(
    api: TestClient, cli_server: TestClient, tmp_path: Path
) -> None:
    """Two years from now, the demo loaded that day is as live as today."""
    later = dt.date.today() + dt.timedelta(days=730)
    load_estate(REPO / "examples" / "estate", "http://testserver", http=api, today=later)
    exported = tmp_path / "flags.json"
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["flags", "export", "-e", "production", "-o", str(exported)]).exit_code
        == 0
    )
    lint = runner.invoke(cli, ["flags", "lint", str(exported), "--today", later.isoformat()])
    assert lint.exit_code == 0, lint.output
    shown = runner.invoke(
        cli,
        ["plan", "show", "risk-explanation-in-escalation-flow", "--today", later.isoformat()],
    )
    assert shown.exit_code == 0, shown.output
    assert "check ok" in shown.output  # as written, its window and cleanup are overdue then


@pytest.mark.slow
def test_the_demo_window_has_one_consumer_moved_and_one_still_on_v1(
    demo_estate: TestClient,
) -> None:
    report = demo_estate.get("/api/v1/plans/risk-explanation-in-escalation-flow").json()["report"]
    window = {c["what"].split(" ")[0]: c for c in report["window"]["consumers"]}
    assert window["notification-service"]["status"] == "met"
    assert window["notification-service"]["detail"].startswith("moved: old version unused")
    assert window["dashboard-service"]["status"] == "unmet"
    assert "still on the old version" in window["dashboard-service"]["detail"]
    [cleanup] = report["cleanup"]
    blockers = {b["what"]: b for b in cleanup["blockers"]}
    v1 = blockers['api_requests_total{version="v1"} == 0 for 14 days']
    assert v1["status"] == "met" and v1["detail"].endswith("(usage store)")
