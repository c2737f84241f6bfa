"""flags commands: offline ones on files, server ones against an in-process app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from unlockstep.cli.main import cli

from ..server.flag_app import FLAGS, seed

DEMO = Path(__file__).parents[2] / "examples" / "estate" / "flags" / "case-management.flagd.json"
CATALOG = Path(__file__).parents[2] / "examples" / "estate" / "catalog"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_the_demo_flags_pass_lint_against_the_demo_teams() -> None:
    result = run(
        "flags",
        "lint",
        str(DEMO),
        "--catalog",
        str(CATALOG),
        "--today",
        "2026-11-22",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True


def test_lint_fails_with_exit_1_and_a_report_per_flag(tmp_path: Path) -> None:
    path = tmp_path / "bad.flagd.json"
    path.write_text(
        json.dumps(
            {"flags": {"x": {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"}}}
        )
    )
    text = run("flags", "lint", str(path))
    assert text.exit_code == 1
    assert "no owner" in text.output and "  x" in text.output
    as_json = run("flags", "lint", str(path), "--format", "json")
    assert as_json.exit_code == 1
    rules = {f["rule"] for f in json.loads(as_json.output)["files"][0]["findings"]}
    assert rules == {"owner", "type", "expires"}


def test_lint_rejects_unknown_owners(tmp_path: Path) -> None:
    result = run("flags", "lint", str(DEMO), "--owner", "someone-else", "--today", "2026-11-22")
    assert result.exit_code == 1 and "not a known team" in result.output


def test_unreadable_files_are_exit_2_with_where(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{\n  nope")
    result = run("flags", "lint", str(path))
    assert result.exit_code == 2
    assert f"{path}:2" in result.output


@pytest.mark.parametrize(
    ("args", "value", "reason"),
    [
        (["-c", '{"tenantId": "t-sandbox-1"}'], True, "TARGETING_MATCH"),
        (["-c", '{"tenantId": "t-other"}'], False, "DEFAULT"),
        (["-e", "staging"], True, "DEFAULT"),
    ],
)
def test_eval_works_offline(args: list[str], value: bool, reason: str) -> None:
    result = run("flags", "eval", str(DEMO), "decision.submit.v2", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["value"], body["reason"]) == (value, reason)


def test_eval_of_an_unknown_flag_exits_1() -> None:
    result = run("flags", "eval", str(DEMO), "nope", "--default", "false")
    assert result.exit_code == 1 and "FLAG_NOT_FOUND" in result.output


def test_debt_offline_lists_expired_flags_per_owner() -> None:
    result = run("flags", "debt", str(DEMO), "--today", "2027-01-05", "--format", "json")
    owners = json.loads(result.output)["owners"]
    assert result.exit_code == 0
    assert owners["decision-platform-team"][0]["cleanupIssue"] == "DEC-1842"


@pytest.fixture
def server(cli_server: Any) -> Any:
    """The CLI talks to the in-process app, which has the test flags loaded."""
    return seed(cli_server)


def test_set_reads_then_writes_with_the_etag(server: Any) -> None:
    result = run(
        "flags",
        "set",
        "color",
        "-e",
        "staging",
        "--default-variant",
        "blue",
        "--reason",
        "won",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["outcome"] == "updated"
    shown = json.loads(run("flags", "show", "color", "-e", "staging", "--format", "json").output)
    assert shown["flag"]["defaultVariant"] == "blue" and shown["revision"] == 2


def test_kill_list_export_and_import(server: Any, tmp_path: Path) -> None:
    killed = run("flags", "kill", "color", "--reason", "incident", "--format", "json")
    assert killed.exit_code == 0, killed.output
    assert {e["outcome"] for e in json.loads(killed.output)["environments"]} == {"killed"}
    listed = json.loads(run("flags", "list", "-e", "production", "--format", "json").output)
    assert {f["key"]: f["state"] for f in listed["items"]}["color"] == "DISABLED"
    out = tmp_path / "export.json"
    assert run("flags", "export", "-e", "production", "-o", str(out)).exit_code == 0
    assert set(json.loads(out.read_text())["flags"]) == set(FLAGS["flags"])
    again = run("flags", "import", str(out), "-e", "staging", "--format", "json")
    assert again.exit_code == 0, again.output
    assert (
        json.loads(again.output)[0]["updated"] == ["color"]
        or json.loads(again.output)[0]["unchanged"]
    )


def test_import_names_every_flag_it_changes_and_keeps_a_killed_one_killed(
    server: Any, tmp_path: Path
) -> None:
    assert run("flags", "kill", "color", "--reason", "incident").exit_code == 0
    path = tmp_path / "flags.json"
    path.write_text(json.dumps(FLAGS))
    kept = run("flags", "import", str(path), "-e", "production")
    assert kept.exit_code == 0, kept.output
    assert "kept killed: color" in kept.output and "--reverse-kills" in kept.output
    assert json.loads(run("flags", "show", "color", "-e", "production", "--format", "json").output)[
        "killed"
    ]
    reversed_ = run("flags", "import", str(path), "-e", "production", "--reverse-kills")
    assert "updated: color" in reversed_.output
    assert "turned back on (--reverse-kills): color" in reversed_.output


def test_set_refuses_to_turn_a_killed_flag_back_on_without_reverse_kill(server: Any) -> None:
    assert run("flags", "kill", "color", "--reason", "incident").exit_code == 0
    args = ("flags", "set", "color", "-e", "production", "--state", "ENABLED")
    refused = run(*args, "--reason", "fixed")
    assert refused.exit_code == 2 and "--reverse-kill" in refused.output
    assert run(*args, "--reason", "fixed", "--reverse-kill").exit_code == 0


def test_a_missing_flag_is_exit_2(server: Any) -> None:
    assert run("flags", "show", "nope", "-e", "staging").exit_code == 2


def test_list_says_killed_after_a_kill(server: Any) -> None:
    assert run("flags", "kill", "decision.submit.v2", "--reason", "incident").exit_code == 0
    text = run("flags", "list", "-e", "production")
    row = next(line for line in text.output.splitlines() if line.startswith("decision.submit.v2"))
    assert "KILLED (serves off)" in row and "ENABLED" not in row


def test_list_json_is_the_wire_page(server: Any) -> None:
    listed = json.loads(run("flags", "list", "-e", "staging", "--format", "json").output)
    assert set(listed) == {"items", "total", "offset", "limit", "next"}
    assert listed["total"] == len(listed["items"]) == len(FLAGS["flags"])
    assert "defaultVariant" in listed["items"][0]


def test_import_says_what_changed_in_the_set(server: Any, tmp_path: Path) -> None:
    path = tmp_path / "more.flagd.json"
    segment = {"in": [{"var": "region"}, ["eu"]]}
    flag = {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"}
    path.write_text(
        json.dumps({"$evaluators": {"segment.region.eu": segment}, "flags": {"extra": flag}})
    )
    result = run("flags", "import", str(path), "-e", "staging")
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    assert "evaluators added: segment.region.eu" in result.output


def test_import_of_a_file_with_a_bad_flag_names_it_and_allow_invalid_loads_the_rest(
    server: Any, tmp_path: Path
) -> None:
    path = tmp_path / "bad.flagd.json"
    good = {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "on"}
    bad = {**good, "targeting": {"if": [{"$ref": "segment.nowhere"}, "on", None]}}
    path.write_text(json.dumps({"flags": {"good": good, "bad": bad}}))
    refused = run("flags", "import", str(path), "-e", "staging")
    assert refused.exit_code == 2
    assert "segment.nowhere" in refused.output and "--allow-invalid" in refused.output
    loaded = run("flags", "import", str(path), "-e", "staging", "--allow-invalid")
    assert loaded.exit_code == 0, loaded.output
    assert "1 invalid" in loaded.output and "bad: targeting uses evaluator" in loaded.output


def test_debt_with_code_names_unreferenced_flags_and_expired_ones_still_in_code(
    tmp_path: Path,
) -> None:
    source = tmp_path / "Submit.java"
    source.write_text(
        "class Submit {\n  boolean on(Client c) {\n"
        '    return c.getBooleanValue("decision.submit.v2", false);\n  }\n}\n'
    )
    result = run(
        "flags", "debt", str(DEMO), "--today", "2027-01-05", "--code", str(tmp_path),
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {d["flag"]: d for debts in json.loads(result.output)["owners"].values() for d in debts}
    submit = rows["decision.submit.v2"]
    assert "still-in-code" in submit["kinds"] and submit["references"] == [f"{source}:3"]
    others = [row for key, row in rows.items() if key != "decision.submit.v2"]
    assert others and all("ready-for-cleanup" in row["kinds"] for row in others)
    assert all(row["references"] == [] for row in others)


def test_debt_from_the_server_merges_what_the_code_says_into_its_rows(
    server: Any, tmp_path: Path
) -> None:
    (tmp_path / "submit.py").write_text(
        'if client.get_boolean_value("decision.submit.v2", False):\n    submit()\n'
    )
    result = run("flags", "debt", "-e", "staging", "--code", str(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {d["flag"]: d for debts in json.loads(result.output)["owners"].values() for d in debts}
    submit = rows["decision.submit.v2"]  # expired in 2026-08: stale, and still in code
    assert {"stale", "still-in-code"} <= set(submit["kinds"])
    assert submit["references"] == [f"{tmp_path / 'submit.py'}:1"]
    assert "ready-for-cleanup" in rows["color"]["kinds"] and rows["color"]["references"] == []
    assert rows["color"]["owner"] == "dashboard-team"
