"""The OpenAPI engine against third-party corpora (``tests/conformance/``, see its NOTICE).

* ``openapi-diff``: each (old, new) pair is ``unchanged`` / ``compatible`` / ``incompatible``
  under upstream's default checks; we compare the verdict.
* ``oasdiff``: each pair names rule ids that must / must not appear (with the check scope and
  level threshold upstream ran); we compare the ids.

A case we knowingly disagree with is listed, with its reason, in
``openapi_conformance_allowlist.py`` and runs as a strict ``xfail``: if it starts agreeing, the
test fails until the entry is removed. Nothing is skipped silently.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

import pytest

from tests import conformance
from tests.core.openapi_conformance_allowlist import OASDIFF, OPENAPI_DIFF
from unlockstep.core.compat._model import Change, Level, Policy, Source
from unlockstep.core.openapi._document import OpenAPIDocument
from unlockstep.core.openapi._engine import OpenAPIEngine

TODAY = date.today()  # the corpora's sunset dates are chosen to be stable until 2099


ROOT = conformance.ROOT
pytestmark = pytest.mark.slow  # ~540 cases: the quick mode leaves them to CI


def _cases(corpus: str, key: str) -> list[Any]:
    cases = json.loads((conformance.corpus(corpus) / "expected.json").read_text())
    allow = OPENAPI_DIFF if corpus == "openapi-diff" else OASDIFF
    params = []
    for case in cases:
        name = case[key]
        marks = [pytest.mark.xfail(strict=True, reason=allow[name])] if name in allow else []
        params.append(pytest.param(case, marks=marks, id=name))
    return params


ENGINE = OpenAPIEngine(today=TODAY)


@cache
def _load(corpus: str, name: str) -> OpenAPIDocument:
    path = ROOT / corpus / name
    return ENGINE.parse(Source(path.read_text(), name, lambda rel: (path.parent / rel).read_text()))


def _diff(corpus: str, old: str, new: str) -> list[Change]:
    return ENGINE.diff(_load(corpus, old), _load(corpus, new), Policy.LENIENT)


def openapi_diff_verdict(changes: list[Change]) -> str:
    if not changes:
        return "unchanged"
    return "incompatible" if any(c.level is Level.BREAKING for c in changes) else "compatible"


@pytest.mark.parametrize("case", _cases("openapi-diff", "test"))
def test_openapi_diff_verdict(case: dict[str, Any]) -> None:
    expected = case["expect"]
    if case.get("check_enabled_by_default") is False:
        expected = case["expect_with_check_disabled"]  # upstream's defaults: check off
    assert openapi_diff_verdict(_diff("openapi-diff", case["old"], case["new"])) == expected


_RANK = {"INFO": 0, "WARN": 1, "ERR": 2}
_LEVEL = {Level.INFO: "INFO", Level.WARNING: "WARN", Level.BREAKING: "ERR"}


def oasdiff_ids(case: dict[str, Any], changes: list[Change]) -> list[str]:
    """The rule ids upstream's run would report: same level threshold and check scope."""
    ids = [c.rule for c in changes if _RANK[_LEVEL[c.level]] >= _RANK[case["min_level"]]]
    if case["checks"] == "single":
        # what the check can emit: its declared ids, and any id the test saw it emit (a
        # check that fails to parse a sunset reports the parse rule it does not declare)
        emitted = {*case["check_rule_ids"], *case.get("require_ids", [])}
        ids = [i for i in ids if i in emitted]
    return ids


def oasdiff_problems(case: dict[str, Any], ids: list[str]) -> list[str]:
    problems = [f"missing {r}" for r in case.get("require_ids", []) if r not in ids]
    problems += [f"unexpected {r}" for r in case.get("forbid_ids", []) if r in ids]
    if "expect_count" in case and len(ids) != case["expect_count"]:
        problems.append(f"{len(ids)} findings, expected {case['expect_count']}: {ids}")
    return problems


@pytest.mark.parametrize("case", _cases("oasdiff", "test"))
def test_oasdiff_rule_ids(case: dict[str, Any]) -> None:
    changes = _diff("oasdiff", case["base"], case["revision"])
    assert oasdiff_problems(case, oasdiff_ids(case, changes)) == []
