from __future__ import annotations

from tests.conftest import REPO
from unlockstep.cli.reference import render


def test_the_committed_cli_reference_is_current() -> None:
    committed = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == render(), "regenerate: python -m unlockstep.cli.reference > docs/cli.md"
