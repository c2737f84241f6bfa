"""The demo estate's contracts tell seed 000's story: an additive optional field is
compatible; requiring the new field at once (the naive lockstep plan) is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from unlockstep.core.compat._model import ENGINES, Mode, Source, check

CONTRACTS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "contracts"


def report(kind: str, name: str, proposal: str) -> tuple[bool, set[str]]:
    engine = ENGINES[kind]
    old = engine.parse(Source((CONTRACTS / f"{name}.v1.yaml").read_text(), f"{name}.v1.yaml"))
    path = CONTRACTS / f"{name}.{proposal}.yaml"
    new = engine.parse(Source(path.read_text(), path.name))
    result = check(engine, new, [("1.0.0", old)], Mode.BACKWARD)
    return result.compatible, {c.rule for c in result.breaking}


@pytest.fixture(autouse=True)
def _engines() -> None:
    import unlockstep.core.openapi._asyncapi
    import unlockstep.core.openapi._engine  # noqa: F401


@pytest.mark.parametrize(
    ("kind", "name"), [("openapi", "case-summary-api"), ("asyncapi", "case-events")]
)
def test_adding_optional_risk_explanation_and_escalation_basis_is_compatible(
    kind: str, name: str
) -> None:
    assert report(kind, name, "v2-proposed") == (True, set())


def test_requiring_escalation_basis_at_once_breaks_old_clients() -> None:
    compatible, rules = report("openapi", "case-summary-api", "v2-breaking")
    assert not compatible
    assert rules == {"new-required-request-property"}


def test_replacing_reason_with_a_new_event_version_breaks_consumers() -> None:
    compatible, rules = report("asyncapi", "case-events", "v2-breaking")
    assert not compatible
    assert rules == {"message-event-version-changed", "message-payload-property-removed"}


@pytest.mark.parametrize(
    ("name", "proposal", "exit_code"),
    [
        ("case-summary-api", "v2-proposed", 0),
        ("case-summary-api", "v2-breaking", 1),
        ("case-events", "v2-proposed", 0),
        ("case-events", "v2-breaking", 1),
    ],
)
def test_unlockstep_diff_tells_the_story(name: str, proposal: str, exit_code: int) -> None:
    import json

    from click.testing import CliRunner

    from unlockstep.cli.main import cli

    old = str(CONTRACTS / f"{name}.v1.yaml")
    new = str(CONTRACTS / f"{name}.{proposal}.yaml")
    result = CliRunner().invoke(cli, ["diff", old, new, "--format", "json"])
    assert result.exit_code == exit_code, result.output
    assert json.loads(result.stdout)["compatible"] is (exit_code == 0)
