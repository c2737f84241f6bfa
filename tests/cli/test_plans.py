from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from unlockstep.cli.main import cli

PLANS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "plans"
TODAY = ["--today", "2026-07-20"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_plan_check_passes_a_compatibility_first_plan_with_exit_0(fmt: str) -> None:
    code, out, _ = run(
        "plan", "check", str(PLANS / "escalation-basis.yaml"), *TODAY, "--format", fmt
    )
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["ok"] is True
    else:
        assert out.startswith("plan regulatory-escalation-basis: ok (risk high)")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_plan_check_fails_the_naive_lockstep_plan_with_exit_1(fmt: str) -> None:
    code, out, _ = run(
        "plan", "check", str(PLANS / "escalation-basis-lockstep.yaml"), *TODAY, "--format", fmt
    )
    assert code == 1
    if fmt == "json":
        assert len(json.loads(out)["lockstep"]) == 3
    else:
        assert "lockstep between case-service, decision-service" in out
        assert "fix: POST /cases/{id}/escalations: split into expand and contract" in out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_bad_plan_file_exits_2_naming_the_line(tmp_path: Path, fmt: str) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text("change: c\nservices:\n  a: {role: boss}\n")
    code, out, err = run("plan", "check", str(bad), "--format", fmt)
    assert code == 2
    assert f"{bad}:3: /services/a/role: unknown role 'boss'" in err
    if fmt == "json":
        assert json.loads(err)["error"]["code"] == "parse_error"
    assert out == ""
    assert "Traceback" not in err


def test_a_missing_plan_file_exits_2() -> None:
    code, _, err = run("plan", "check", "no-such-plan.yaml")
    assert code == 2
    assert "does not exist" in err


def test_a_bad_today_exits_2() -> None:
    code, _, err = run("plan", "check", str(PLANS / "escalation-basis.yaml"), "--today", "soon")
    assert code == 2
    assert "--today 'soon' is not a date" in err


def test_plan_render_writes_the_same_markdown_every_time(tmp_path: Path) -> None:
    first = run("plan", "render", str(PLANS / "risk-explanation.yaml"), *TODAY)
    second = run("plan", "render", str(PLANS / "risk-explanation.yaml"), *TODAY)
    assert first[0] == 0
    assert first[1] == second[1]
    assert first[1].startswith("# Release Coordination: Risk Explanation in Case Escalation")
    target = tmp_path / "doc.md"
    code, out, _ = run(
        "plan", "render", str(PLANS / "risk-explanation.yaml"), *TODAY, "-o", str(target)
    )
    assert (code, out) == (0, "")
    assert target.read_text() == first[1]


def test_plan_render_json_is_the_machine_twin() -> None:
    code, out, _ = run(
        "plan", "render", str(PLANS / "risk-explanation.yaml"), *TODAY, "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["change"] == "risk-explanation-in-escalation-flow"
    assert data["order"]["levels"][0] == ["case-summary.1"]


def test_contract_files_are_read_relative_to_the_plan_and_degrade_without_an_engine(
    tmp_path: Path,
) -> None:
    (tmp_path / "v1.unknownformat").write_text("a")
    (tmp_path / "v2.unknownformat").write_text("b")
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "change: c\nservices:\n  p: {role: provider}\n  q: {role: consumer}\n"
        "contracts:\n  api:\n    - {id: x, name: X, provider: p, consumers: [q],\n"
        "       old: v1.unknownformat, new: v2.unknownformat, format: nope}\n"
    )
    code, out, _ = run("plan", "check", str(plan), *TODAY)
    assert code == 0
    assert "warning: x: no compatibility engine for 'nope' is installed" in out


def test_a_missing_contract_file_exits_2(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "change: c\nservices:\n  p: {role: provider}\n"
        "contracts:\n  api:\n    - {id: x, name: X, provider: p, old: v1.yaml, new: v2.yaml}\n"
    )
    code, _, err = run("plan", "check", str(plan))
    assert code == 2
    assert "contract file 'v1.yaml' does not exist" in err


def test_a_contract_file_past_the_document_limit_exits_2_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "v1.yaml").write_text("openapi: 3.1.0\n" + "#" * 1_100_000 + "\n")
    (tmp_path / "v2.yaml").write_text("openapi: 3.1.0\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "change: c\nservices:\n  p: {role: provider}\n"
        "contracts:\n  api:\n    - {id: x, name: X, provider: p, old: v1.yaml, new: v2.yaml}\n"
    )
    monkeypatch.setenv("UNLOCKSTEP_MAX_DOCUMENT_MB", "1")
    code, _, err = run("plan", "check", str(plan))
    assert code == 2
    assert "v1.yaml: document is" in err and "more than the limit of 1,048,576 bytes" in err


def test_plan_commands_have_help() -> None:
    for args in (["plan", "--help"], ["plan", "check", "--help"], ["plan", "render", "--help"]):
        assert run(*args)[0] == 0


def test_plan_submit_list_and_show_go_through_the_server(
    estate: object, cli_server: object, tmp_path: Path
) -> None:
    code, out, _ = run("plan", "submit", str(PLANS / "escalation-basis.yaml"))
    assert code == 0
    assert out.startswith("plan regulatory-escalation-basis: created (revision 1)")
    code, out, _ = run("plan", "list", "--format", "json")
    assert code == 0
    assert [p["change"] for p in json.loads(out)["items"]] == ["regulatory-escalation-basis"]
    run(
        "record-deployment", "--service", "case-service", "--version", "1.5.0", "--to", "production"
    )
    code, out, _ = run("plan", "show", "regulatory-escalation-basis", *TODAY)
    assert code == 0
    assert "progress in production: 3 done" in out
    assert "usage: flag evaluation counts, the usage store (OTLP)" in out


def test_plan_submit_sends_the_contract_files_the_plan_points_at(
    estate: object, cli_server: object, tmp_path: Path
) -> None:
    (tmp_path / "v1.txt").write_text("a")
    (tmp_path / "v2.txt").write_text("b")
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "change: files\nservices:\n  p: {role: provider}\n"
        "contracts:\n  api:\n    - {id: x, name: X, provider: p, old: v1.txt, new: v2.txt,\n"
        "       format: nope, change: add-endpoint}\n"
    )
    code, out, err = run("plan", "submit", str(plan), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["check"]["warnings"][0].startswith(
        "x: no compatibility engine for 'nope'"
    )


def test_plan_show_of_an_unknown_plan_exits_2(estate: object, cli_server: object) -> None:
    code, _, err = run("plan", "show", "nope")
    assert code == 2
    assert "release plan 'nope' has not been submitted" in err


def test_plan_show_lists_who_moved_and_the_blockers_read_from_the_registry(
    estate: TestClient, cli_server: object
) -> None:
    from tests.server.test_plan_evidence import publish_1_5_0

    publish_1_5_0(estate)
    assert run("plan", "submit", str(PLANS / "risk-explanation.yaml"))[0] == 0
    code, out, _ = run("plan", "show", "risk-explanation-in-escalation-flow", *TODAY)
    assert code == 0
    assert "window open until 2026-08-05: 2 of 3 consumers moved" in out
    assert "moved: notification-service 3.0.2 verified against case-service 1.5.0" in out
    assert "cleanup 'remove fallback parser and risk.explanation flags': not done" in out
    assert "gates not met yet:" in out
