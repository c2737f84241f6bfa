"""``unlockstep policy check|list|test`` as CI runs them: exit 1 on a deny, the same exit code
whatever the format, every finding naming its rule, input path and fix."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from click.testing import CliRunner

from unlockstep.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "policies"
FLAG = """apiVersion: unlockstep.io/v1
kind: FeatureFlag
metadata:
  name: new-checkout
spec:
  owner: checkout-team
"""
GOOD_FLAG = FLAG + "  expiresAt: 2026-12-31\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_check_denies_a_flag_without_expiry_by_builtin_and_by_the_seed_policy(
    tmp_path: Path,
) -> None:
    (tmp_path / "flag.yaml").write_text(FLAG)
    code, out = run("policy", "check", str(tmp_path / "flag.yaml"), "--policies", str(EXAMPLES))
    assert code == 1
    assert "flag-has-expiry" in out and "release.flags" in out
    assert "at /spec/expiresAt" in out and "fix: set an expiry date" in out
    assert f"{tmp_path / 'flag.yaml'}:5" in out  # the line of spec, the nearest known parent


def test_check_passes_a_complete_flag_with_exit_0(tmp_path: Path) -> None:
    (tmp_path / "flag.yaml").write_text(GOOD_FLAG)
    code, out = run("policy", "check", str(tmp_path), "--policies", str(EXAMPLES))
    assert code == 0, out
    assert out.strip().endswith("0 policy error(s)") and "PASS" in out


def test_json_sarif_and_junit_carry_the_same_decision_and_exit_code(tmp_path: Path) -> None:
    (tmp_path / "flag.yaml").write_text(FLAG)
    path = str(tmp_path / "flag.yaml")
    code, out = run("policy", "check", path, "--format", "json", "--policies", str(EXAMPLES))
    body = json.loads(out)
    assert code == 1 and body["allowed"] is False
    rules = {f["rule"] for f in body["findings"]}
    assert rules == {"flag-has-expiry", "release.flags"}
    builtin = next(f for f in body["findings"] if f["rule"] == "flag-has-expiry")
    assert builtin["path"] == "/spec/expiresAt" and builtin["fix"] and builtin["line"] == 5

    code, out = run("policy", "check", path, "--format", "sarif", "--policies", str(EXAMPLES))
    sarif = json.loads(out)
    assert code == 1 and sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == rules
    assert all(r["level"] == "error" for r in results)

    code, out = run("policy", "check", path, "--format", "junit", "--policies", str(EXAMPLES))
    suite = ET.fromstring(out.split("?>", 1)[1])
    assert code == 1 and suite.get("failures") == "1"
    assert suite.find("testcase/failure") is not None


def test_an_exception_waives_a_finding_and_an_expired_one_is_reported(tmp_path: Path) -> None:
    (tmp_path / "flag.yaml").write_text(FLAG)
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "exceptions.yaml").write_text(
        "exceptions:\n"
        "  - {id: checkout, rule: flag-has-expiry, subject: FeatureFlag/new-*,\n"
        "     owner: checkout-team, reason: expiry set when the experiment ends,\n"
        "     expires: 2999-01-01}\n"
        "  - {id: old, rule: flag-has-owner, subject: '*', owner: ops, reason: gone,\n"
        "     expires: 2020-01-01}\n"
    )
    code, out = run(
        "policy",
        "check",
        str(tmp_path / "flag.yaml"),
        "--policies",
        str(policies),
        "--format",
        "json",
    )
    body = json.loads(out)
    assert code == 0, out
    waived = next(f for f in body["findings"] if f["rule"] == "flag-has-expiry")
    assert waived["exceptedBy"] == "checkout" and waived["blocks"] is False
    expired = next(f for f in body["findings"] if f["rule"] == "policy-exception-expired")
    assert "old" in expired["message"] and expired["severity"] == "warn"


def test_check_of_the_estate_plans_names_the_missing_records() -> None:
    code, out = run("policy", "check", str(ROOT / "examples/estate/plans"), "--format", "json")
    body = json.loads(out)
    assert code == 1
    found = {(f["rule"], f["subject"]) for f in body["findings"]}
    assert (
        "event-breaking-change-needs-adr",
        "ReleasePlan/regulatory-escalation-basis-naive",
    ) in found


def test_a_file_that_is_not_a_valid_plan_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text("change: x\nservices: {a: {role: nonsense}}\n")
    code, out = run("policy", "check", str(tmp_path / "plan.yaml"))
    assert code == 2, out


def test_list_names_builtins_and_rego_rules() -> None:
    code, out = run("policy", "list", "--policies", str(EXAMPLES), "--format", "json")
    body = json.loads(out)
    assert code == 0 and body["problems"] == []
    ids = {(r["id"], r["source"]) for r in body["rules"]}
    assert ("flag-has-owner", "builtin") in ids and ("release.flags", "rego") in ids
    assert ("release.deploy_ticket", "rego") in ids


def test_test_runs_rego_unit_tests_and_table_cases() -> None:
    code, out = run("policy", "test", str(EXAMPLES))
    assert code == 0, out
    assert "PASS: release/deploy_ticket_test/test_staging_deploy_is_quiet" in out
    assert "PASS: release_flags_test.yaml: an owned flag with an expiry passes" in out


def test_test_fails_with_exit_1_when_a_test_fails(tmp_path: Path) -> None:
    (tmp_path / "p.rego").write_text("package p\n\ndeny contains 1 if { input.x }\n")
    (tmp_path / "p_test.rego").write_text("package p_test\n\ntest_false if { false }\n")
    code, out = run("policy", "test", str(tmp_path))
    assert code == 1 and "FAIL: p_test/test_false" in out
