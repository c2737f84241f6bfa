"""Small named plan documents for the plan tests."""

from __future__ import annotations

from pathlib import Path

PLANS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "plans"

SERVICES = """\
services:
  provider-svc: {role: provider}
  consumer-a: {role: consumer}
  consumer-b: {role: consumer}
"""


def one_change(
    group: str, kind: str, *, strategy: str = "", field: str = "f", flag: str = ""
) -> str:
    """A plan with one contract change of ``kind`` from provider-svc to two consumers."""
    extra = f"      strategy: {strategy}\n" if strategy else ""
    extra += f"      flag: {flag}\n" if flag else ""
    return (
        "change: c1\nowner: team\ngoal: g\n" + SERVICES + "contracts:\n"
        f"  {group}:\n"
        f"    - id: x\n      name: X\n      provider: provider-svc\n"
        f"      consumers: [consumer-a, consumer-b]\n      change: {kind}\n"
        f"      field: {field}\n" + extra
    )


def example(name: str) -> tuple[str, str]:
    path = PLANS / f"{name}.yaml"
    return path.read_text(encoding="utf-8"), f"{name}.yaml"


def read(path: str) -> str:
    """Contract files (or migration folders) named in the demo plans, relative to the plans
    folder, as the CLI reads them."""
    from unlockstep.cli.plans import file_reader

    return file_reader(PLANS)(path)
