"""Reports as text, JSON, Markdown and SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import Any

import jsonschema as oracle
import pytest

from unlockstep.core import engines  # noqa: F401  (every engine declares its rules on import)
from unlockstep.core.compat import render_migrations
from unlockstep.core.compat._model import (
    Breaks,
    Change,
    CompatibilityReport,
    Level,
    Location,
    Mode,
)
from unlockstep.core.compat._render import FORMATS, lookup, render
from unlockstep.core.migrations import MigrationFile, check_files

REPORT = CompatibilityReport(
    mode=Mode.BACKWARD,
    kind="jsonschema",
    changes=(
        Change(
            rule="property-removed",
            level=Level.BREAKING,
            breaks=Breaks.WRITERS,
            location=Location(pointer="/properties/a", file="new.json", line=4),
            message="property 'a' was removed",
            suggestion="deprecate first",
        ),
        Change(
            rule="response-enum-value-added",
            level=Level.WARNING,
            breaks=Breaks.READERS,
            location=Location(subject="GET /cases", pointer="/x", file="api.yaml", line=9),
            message="enum value 'b' was added",
            suggestion="make readers tolerant",
        ),
        Change(
            rule="default-changed",
            level=Level.INFO,
            breaks=Breaks.NONE,
            location=Location(pointer="/properties/c/default"),
            message="default changed",
        ),
    ),
)

#: The parts of the SARIF 2.1.0 schema (OASIS sarif-schema-2.1.0.json) our output uses.
SARIF_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": {
                                                    "type": "object",
                                                    "required": ["text"],
                                                },
                                                "help": {"type": "object", "required": ["text"]},
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {"text": {"type": "string"}},
                                },
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "properties": {"uri": {"type": "string"}},
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {
                                                            "startLine": {
                                                                "type": "integer",
                                                                "minimum": 1,
                                                            }
                                                        },
                                                    },
                                                },
                                            },
                                            "logicalLocations": {"type": "array"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_json_has_the_stable_documented_shape() -> None:
    body = json.loads(render(REPORT, "json", old="a.json", new="b.json"))
    assert {"compatible", "mode", "kind", "summary", "changes"} <= set(body)
    assert body["compatible"] is False
    assert body["mode"] == "BACKWARD"
    assert body["summary"] == {"breaking": 1, "warning": 1, "info": 1}
    for change in body["changes"]:
        assert {"rule", "level", "breaks", "location", "message", "suggestion"} <= set(change)
        assert {"subject", "pointer", "file", "line"} == set(change["location"])


def test_sarif_matches_the_sarif_2_1_0_shape_with_rules_and_lines() -> None:
    body = json.loads(render(REPORT, "sarif", version="1.2.3"))
    oracle.validate(body, SARIF_SHAPE)
    run = body["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(c.rule for c in REPORT.changes)
    by_rule = {r["ruleId"]: r for r in run["results"]}
    removed = by_rule["property-removed"]
    assert removed["level"] == "error"
    assert rules[removed["ruleIndex"]]["id"] == "property-removed"
    physical = removed["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "new.json"}, "region": {"startLine": 4}}
    assert by_rule["default-changed"]["level"] == "note"
    assert run["tool"]["driver"]["version"] == "1.2.3"


def test_prefixed_rule_ids_find_their_catalogue_entry() -> None:
    entry = lookup("response-enum-value-added")
    assert entry is not None and entry.id == "response-enum-value-added"
    assert entry.summary.startswith("in a response body: ")
    payload = lookup("message-payload-property-removed")
    assert payload is not None and payload.kind == "asyncapi"
    assert lookup("no-such-rule-anywhere") is None
    # only declared prefixes: any word before a known id is no rule of the catalogue
    assert lookup("whatever-enum-value-added") is None


def test_markdown_is_a_pr_comment_with_a_verdict_and_a_table() -> None:
    text = render(REPORT, "markdown", old="a.json", new="b.json")
    assert text.startswith("### ❌ unlockstep: `a.json` → `b.json`")
    assert "| breaking | `property-removed` | writers |" in text
    assert "<details><summary>1 informational</summary>" in text


def test_text_lists_breaking_first_with_suggestions() -> None:
    text = render(REPORT, "text")
    lines = text.splitlines()
    assert "NOT compatible under BACKWARD" in lines[0]
    assert lines[1].split()[0] == "breaking"
    assert "suggestion: deprecate first" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_report_renders_in_every_format(fmt: str) -> None:
    empty = CompatibilityReport(mode=Mode.FULL, kind="jsonschema", changes=())
    assert render(empty, fmt)


INFO_ON_THE_PROVIDERS_SIDE = CompatibilityReport(
    mode=Mode.BACKWARD,
    kind="openapi",
    changes=(
        Change(
            rule="response-optional-property-added",
            level=Level.INFO,
            breaks=Breaks.WRITERS,  # the provider writes responses: its own side, not a finding
            location=Location(subject="GET /cases", pointer="/x"),
            message="property 'b' was added",
        ),
        Change(
            rule="response-enum-value-added",
            level=Level.WARNING,
            breaks=Breaks.READERS,
            location=Location(subject="GET /cases", pointer="/y"),
            message="enum value 'b' was added",
        ),
    ),
)


def test_information_never_says_it_breaks_someone_and_a_warning_says_may() -> None:
    """Issue 20: "response-optional-property-added … (breaks writers)" was an info finding."""
    text = render(INFO_ON_THE_PROVIDERS_SIDE, "text")
    assert "breaks writers" not in text
    assert "property 'b' was added\n" in text + "\n"
    assert "enum value 'b' was added (may break readers)" in text
    markdown = render(INFO_ON_THE_PROVIDERS_SIDE, "markdown")
    assert "| warning | `response-enum-value-added` | readers (maybe) |" in markdown
    assert "writers" not in markdown


def test_a_breaking_change_says_whom_it_breaks() -> None:
    assert "property 'a' was removed (breaks writers)" in render(REPORT, "text")


def test_migration_reports_use_the_same_sarif_writer_with_catalogue_descriptions() -> None:
    sql = "SET lock_timeout = '5s';\nALTER TABLE cases DROP COLUMN reason;\n"
    report = check_files([MigrationFile("V2__drop.sql", sql)], {}, 30)
    body = json.loads(render_migrations([("db", report)], "sarif", version="1.2.3"))
    oracle.validate(body, SARIF_SHAPE)
    run = body["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["id"] == "drop-column" and rule["properties"]["kind"] == "migrations"
    assert rule["shortDescription"]["text"].startswith("dropping a column")
    (result,) = run["results"]
    assert result["ruleIndex"] == 0 and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert "Waits for: cases.reason" in result["message"]["text"]
    assert result["properties"]["phase"] == "contract"
    assert run["properties"]["safe_while_old_code_is_live"] is False


def test_migration_text_words_whom_a_finding_hurts_by_its_level() -> None:
    sql = "ALTER TABLE cases ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\n"
    report = check_files([MigrationFile("V3__check.sql", sql)], {}, 30)
    text = render_migrations([("db", report)], "text")
    assert "! constraint-rejects-writes (may break writers)" in text
