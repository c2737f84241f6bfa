"""The safety-nets file: every problem with its line and pointer; no secret can be written in
it; what it declares comes back as plain values."""

from __future__ import annotations

import json

import pytest

from unlockstep.core.safety import duration, parse
from unlockstep.errors import ParseError

GOOD = """
service: case-service
owner: case-platform-team
sources:
  store: {kind: postgresql, dsnEnv: CASE_STORE_DSN, statementTimeout: 2s, rowLimit: 50}
  legacy: {kind: sqlite, path: systems/legacy.sql}
  api: {kind: http, url: https://cases.internal, headersEnv: {Authorization: CASES_AUTH}}
invariants:
  no-orphans:
    description: Every case has a tenant.
    source: store
    query: SELECT id FROM cases WHERE tenant_id IS NULL
    every: 10m
    severity: high
reconciliations:
  cases:
    left: {source: legacy, query: SELECT ref FROM legacy_cases, key: ref}
    right: {source: store, query: SELECT ref FROM cases, key: ref}
    fields:
      status: {normalise: [lower], values: {ESCALATED: escalated}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ParseError) as failed:
        parse(text, "nets.yaml")
    return list(failed.value.details)


def test_a_good_file_declares_sources_invariants_and_reconciliations() -> None:
    nets = parse(GOOD, "nets.yaml", base="/srv/case-service")
    store = nets.source("store")
    assert store is not None and (store.dsn_env, store.statement_timeout, store.row_limit) == (
        "CASE_STORE_DSN",
        2.0,
        50,
    )
    legacy = nets.source("legacy")
    assert legacy is not None and legacy.path == "/srv/case-service/systems/legacy.sql"
    [invariant] = nets.invariants
    assert (invariant.owner, invariant.every, invariant.tolerance) == ("case-platform-team", 600, 0)
    assert invariant.guards.services == ("case-service",)
    [reconciliation] = nets.reconciliations
    assert reconciliation.fields[0].values == (("ESCALATED", "escalated"),)


def test_a_dsn_written_in_the_file_is_refused_and_not_repeated() -> None:
    found = problems(
        "service: s\nsources:\n  db:\n    kind: postgresql\n    dsn: postgresql://u:hunter2@h/d\n"
    )
    assert any(p.startswith("nets.yaml:5: /sources/db/dsn:") for p in found)
    assert not any("hunter2" in p for p in found)


def test_credentials_in_a_url_are_refused() -> None:
    found = problems(
        "service: s\nsources:\n  p: {kind: prometheus, url: 'http://u:pw@prom:9090'}\n"
    )
    assert any("/sources/p/url" in p and "headersEnv" in p for p in found)


def test_every_problem_is_named_with_its_line() -> None:
    found = problems(
        """service: s
sources:
  db: {kind: oracle}
  pg: {kind: postgresql}
  api: {kind: prometheus, url: https://x}
invariants:
  x:
    source: nowhere
    query: SELECT 1
    every: soon
    returns: maybe
reconciliations:
  r:
    left: {source: api, query: /cases, key: id}
    right: {source: pg, query: SELECT 1, key: id}
    fields: {a: {normalise: [shout]}}
"""
    )
    text = "\n".join(found)
    assert "nets.yaml:3: /sources/db/kind: unknown kind 'oracle'" in text
    assert "exactly one of dsnEnv or dsnFile" in text
    assert "/invariants/x: missing required field 'description'" in text
    assert "/invariants/x/source: unknown source 'nowhere'" in text
    assert "/invariants/x/every: 'soon' is not a duration" in text
    assert "/invariants/x/returns" in text
    assert "/reconciliations/r/left/source: 'api' is a prometheus source" in text
    assert "unknown normaliser 'shout'" in text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h", 3600), ("2d", 172800), ("250ms", 0.25), (90, 90)],
)
def test_durations(text: object, seconds: float) -> None:
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "0s", "-5m", True, "5 minutes"])
def test_what_is_not_a_duration(text: object) -> None:
    assert duration(text) is None


def test_a_composite_key_survives_the_registry_round_trip() -> None:
    from unlockstep.core.safety import reconciliation_from, to_dict

    nets = parse(
        """service: case-service
owner: t
sources:
  old: {kind: sqlite, path: old.db}
  export: {kind: file, path: /srv/exports}
reconciliations:
  cases:
    left: {source: old, query: "SELECT tenant, id, status FROM cases", key: [tenant, id]}
    right: {source: export, query: cases.jsonl, key: [tenant, caseId]}
    fields: {status: {left: status, right: state}}
""",
        "nets.yaml",
    )
    [spec] = nets.reconciliations
    stored = json.loads(json.dumps(to_dict(spec)))
    assert reconciliation_from(stored) == spec
    assert reconciliation_from(stored).right.keys == ("tenant", "caseId")


def test_a_key_list_must_name_distinct_columns() -> None:
    found = problems(
        "service: s\nsources:\n  a: {kind: sqlite, path: a.db}\nreconciliations:\n  r:\n"
        "    left: {source: a, query: SELECT 1, key: [id, id]}\n"
        "    right: {source: a, query: SELECT 1, key: []}\n"
    )
    assert sum("list of distinct key columns" in p for p in found) == 2
