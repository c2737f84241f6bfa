"""The rule catalogue is authoritative: every rule id an engine emits is declared in it.

Every engine runs over the document pairs the tests have: the demo estate's contracts and
migrations, the named fixture cases of the engine tests, and the third-party conformance
corpora shipped under ``tests/conformance``. A rule id that is not in the
catalogue has no summary in ``docs/rules.md`` and no description in SARIF.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import corpus as shipped_corpus
from unlockstep.core import engines
from unlockstep.core.compat import RULES, Change, Mode, Policy, Source, check, rule_of
from unlockstep.core.migrations import MigrationFile, check_files

REPO = Path(__file__).resolve().parents[2]
ESTATE = REPO / "examples" / "estate"


def _undeclared(changes: Iterable[Change], where: str) -> list[str]:
    return [f"{where}: {c.rule}" for c in changes if rule_of(c.rule) is None]


def _source(path: Path) -> Source:
    return Source(path.read_text(), str(path), lambda rel: (path.parent / rel).read_text())


def _pair(old: Source, new: Source, kind: str | None = None) -> list[Change]:
    engine = engines.engine(kind) if kind else engines.detect(new)
    changes: list[Change] = []
    for policy in Policy:
        report = check(engine, engine.parse(new), [("old", engine.parse(old))], Mode.FULL, policy)
        changes += report.changes
    return changes


def test_every_catalogue_rule_has_a_kind_and_a_summary() -> None:
    engines.load_all()  # engines load lazily; each declares its rules as it loads
    missing = [rule_id for rule_id, rule in RULES.items() if not (rule.summary and rule.kind)]
    assert not missing, f"rules without a summary: {missing}"
    assert {"table", "migrations"} <= {rule.kind for rule in RULES.values()}


def test_the_demo_estate_emits_only_declared_rules() -> None:
    bad: list[str] = []
    contracts = ESTATE / "contracts"
    for old in sorted(contracts.glob("*.v1.yaml")):
        for new in sorted(contracts.glob(old.name.replace(".v1.", ".v2*"))):
            bad += _undeclared(_pair(_source(old), _source(new)), new.name)
    files = [MigrationFile(str(p), p.read_text()) for p in sorted(ESTATE.rglob("*.sql"))]
    assert files, "the demo estate has migrations"
    report = check_files(files, {}, 30)
    bad += _undeclared((c for step in report.steps for c in step.changes), "estate migrations")
    assert not bad


def test_the_engine_test_fixtures_emit_only_declared_rules() -> None:
    from tests.core import migration_cases, test_jsonschema, test_table

    bad: list[str] = []
    for name, case in migration_cases.CASES.items():
        report = check_files([MigrationFile(f"{name}.sql", case.sql)], {}, 30)
        bad += _undeclared((c for step in report.steps for c in step.changes), name)
    base = Source(test_table.BASE, "old.sql")
    for name, (text, _) in test_table.CHANGES.items():
        bad += _undeclared(_pair(base, Source(text, "new.sql"), "table"), name)
    for name, (old, new, *_) in test_jsonschema.CASES.items():
        pair = (Source(json.dumps(old), "a.json"), Source(json.dumps(new), "b.json"))
        bad += _undeclared(_pair(*pair, "jsonschema"), name)
    assert not bad


def _corpus(name: str) -> Path:
    return shipped_corpus(name)  # fails, never skips, when the copy is missing


def test_the_openapi_corpora_emit_only_declared_rules() -> None:
    from unlockstep.core.openapi import OpenAPIEngine

    engine = OpenAPIEngine(today=date(2026, 1, 1))
    bad: list[str] = []
    for corpus, old_key, new_key in (
        ("oasdiff", "base", "revision"),
        ("openapi-diff", "old", "new"),
    ):
        root = _corpus(corpus)
        for case in json.loads((root / "expected.json").read_text()):
            old, new = (engine.parse(_source(root / case[k])) for k in (old_key, new_key))
            bad += _undeclared(engine.diff(old, new, Policy.STRICT), f"{corpus} {case['test']}")
    assert not bad


def _apicurio(name: str) -> list[dict[str, Any]]:
    data = json.loads((_corpus(name) / "compatibility-test-data.json").read_text())
    return list(data["tests"] if isinstance(data, dict) else data)


@pytest.mark.parametrize(
    ("corpus", "kind"), [("apicurio-avro", "avro"), ("apicurio-jsonschema", "jsonschema")]
)
def test_the_schema_registry_corpora_emit_only_declared_rules(corpus: str, kind: str) -> None:
    bad: list[str] = []
    suffix = ".avsc" if kind == "avro" else ".json"
    for case in _apicurio(corpus):
        old, new = (json.dumps(case[k]) for k in ("original", "updated"))
        changes = _pair(Source(old, "a" + suffix), Source(new, "b" + suffix), kind)
        bad += _undeclared(changes, str(case.get("id", "")))
    assert not bad


def test_the_buf_corpus_emits_only_declared_rules() -> None:
    from tests.core.buf_corpus import cases, run_case

    root = _corpus("buf-breaking")
    bad = [
        f"{case['previous']}: {rule}"
        for case in cases(root)
        for rule in run_case(root, case)
        if rule_of(rule) is None
    ]
    assert not bad


#: where a literal level may appear in core: the catalogue and the renderer, the declaration
#: tables that feed the catalogue (migration levels, OpenAPI flags and context floors), and
#: the OpenAPI engines' one policy for a change only the provider's own new side meets
_LEVELS_ALLOWED = {
    "compat/_model.py",
    "compat/_render.py",
    "compat/_rules.py",
    "migrations/_rules.py",
    "openapi/_rules.py",
    "openapi/_schema_rules.py",
    "openapi/_comparison.py",
}


def test_engines_take_levels_only_from_the_catalogue() -> None:
    import re

    core = REPO / "src" / "unlockstep" / "core"
    literal = re.compile(r"Level\.(BREAKING|WARNING|INFO)\b")
    compared = re.compile(r"\b(is|is not|==|!=) Level\.")
    bad = [
        f"{path.relative_to(core)}:{number}: {line.strip()}"
        for path in sorted(core.rglob("*.py"))
        if path.relative_to(core).as_posix() not in _LEVELS_ALLOWED
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if literal.search(line) and not compared.search(line)
    ]
    assert not bad, "levels come from the catalogue (compat.judge):\n" + "\n".join(bad)
