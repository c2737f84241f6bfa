"""A policy set: the built-in rules, the Rego modules of a folder and its exceptions, checked
against subjects. The one way in for ``unlockstep policy check``, ``policy test`` and the
server's admission points.

A folder holds ``*.rego`` policies, ``*_test.rego`` unit tests (rules named ``test_*``, as
``opa test`` reads them) and an optional ``exceptions.yaml``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from unlockstep._rego_worker import package_of
from unlockstep.core import policies as core
from unlockstep.core.documents import Validator, load
from unlockstep.errors import ParseError
from unlockstep.files import read_text
from unlockstep.policies._rego import DEFAULT_TIMEOUT, Module, Runner, is_test

EXCEPTIONS_FILE = "exceptions.yaml"


def read_folder(folder: Path) -> tuple[list[Module], list[core.PolicyException]]:
    """Every ``.rego`` file under ``folder`` (sorted, tests included) and its exceptions."""
    modules = [
        Module(str(path.relative_to(folder)), read_text(path))
        for path in sorted(folder.rglob("*.rego"))
    ]
    exceptions: list[core.PolicyException] = []
    listed = folder / EXCEPTIONS_FILE
    if listed.is_file():
        exceptions = core.parse_exceptions(read_text(listed), str(listed))
    return modules, exceptions


def read_cases(folder: Path) -> list[Case]:
    """The table-driven tests of ``*_test.yaml`` files: ``cases: [{name, input, policy,
    deny, warn}]``; ``deny``/``warn`` are the exact messages expected (any order)."""
    out: list[Case] = []
    for path in sorted(folder.rglob("*_test.y*ml")):
        doc = load(read_text(path), str(path))
        r = Validator(doc)
        top = r.mapping(doc.value if doc.value is not None else {}, "", {"cases"})
        cases = top.get("cases") or []
        if not isinstance(cases, list):
            r.fail("/cases", "expected a list of cases")
            cases = []
        for i, item in enumerate(cases):
            p = f"/cases/{i}"
            c = r.mapping(item, p, {"name", "input", "policy", "deny", "warn"})
            if not isinstance(c.get("input"), dict):
                r.fail(p, "missing required mapping 'input' (the policy input)")
                continue
            expected = {
                k: tuple(str(m) for m in c[k])
                for k in ("deny", "warn")
                if isinstance(c.get(k), list)
            }
            out.append(
                Case(
                    f"{path.name}: {r.text(c, 'name', p) or f'case {i + 1}'}",
                    c["input"],
                    r.text(c, "policy", p) or None,
                    expected.get("deny"),
                    expected.get("warn"),
                )
            )
        if r.errors:
            raise ParseError("; ".join(r.errors), where=str(path))
    return out


def digest(modules: Iterable[Module]) -> str:
    """A content hash of a set of modules: the version a registry stores them under."""
    h = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.name):
        h.update(module.name.encode() + b"\0" + module.text.encode() + b"\0")
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Case:
    """One table-driven policy test: an input and the messages expected from it."""

    name: str
    input: dict[str, Any]
    policy: str | None  # a package (``release.flags``); all packages when None
    deny: tuple[str, ...] | None
    warn: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class TestResult:
    name: str  # package/test_name
    module: str
    passed: bool
    message: str = ""


class PolicySet:
    """Built-ins plus Rego modules plus exceptions. Thread-safe; ``close`` stops the worker."""

    def __init__(
        self,
        modules: Sequence[Module] = (),
        exceptions: Sequence[core.PolicyException] = (),
        *,
        builtins: bool = True,
        disabled: Iterable[str] = (),
        timeout: float = DEFAULT_TIMEOUT,
        runner: Runner | None = None,
    ) -> None:
        """``runner``: a worker already started (``Runner.spawn``) with these policies,
        adopted when its modules and time limit are these; closed otherwise."""
        self.modules = tuple(m for m in modules if not is_test(m.name))
        self.all_modules = tuple(modules)
        self.exceptions = tuple(exceptions)
        self.builtins = builtins
        self.disabled = frozenset(disabled)
        self.timeout = timeout
        self.cases: tuple[Case, ...] = ()
        if runner is not None and (runner.modules != self.modules or runner.timeout != timeout):
            runner.close()
            runner = None
        self._runner: Runner | None = runner
        if runner is None and self.modules:
            self._runner = Runner(self.modules, timeout=timeout)

    @classmethod
    def from_folder(cls, folder: Path, **options: Any) -> PolicySet:
        modules, exceptions = read_folder(folder)
        made = cls(modules, exceptions, **options)
        made.cases = tuple(read_cases(folder))
        return made

    def spawn(self) -> None:
        """Start the Rego worker in the background (see ``Runner.spawn``)."""
        if self._runner is not None:
            self._runner.spawn()

    @property
    def version(self) -> str:
        return digest(self.modules)

    def rules(self) -> list[dict[str, Any]]:
        """Every rule: the built-ins, then one per Rego package rule (``deny``/``warn``)."""
        out: list[dict[str, Any]] = []
        if self.builtins:
            for rule in core.RULES:
                out.append(
                    {
                        "id": rule.id,
                        "source": "builtin",
                        "severity": rule.severity.value,
                        "appliesTo": list(rule.kinds),
                        "summary": rule.summary,
                        "fix": rule.fix,
                        "enabled": rule.id not in self.disabled,
                    }
                )
        if self._runner is not None:
            self._runner.load()
            for entrypoint in self._runner.entrypoints:
                name = entrypoint.rsplit("/", 1)[-1]
                severity = core.RULE_SEVERITY.get(name)
                if severity is None:
                    continue
                out.append(
                    {
                        "id": core.rule_id(entrypoint),
                        "source": "rego",
                        "severity": severity.value,
                        "entrypoint": entrypoint,
                        "appliesTo": ["*"],
                        "summary": f"data.{entrypoint.replace('/', '.')}",
                        "fix": "",
                        "enabled": True,
                    }
                )
        return out

    def check(
        self,
        subjects: Sequence[core.Subject],
        registry_for: Callable[[core.Subject], dict[str, Any]] | None = None,
        *,
        today: date | None = None,
    ) -> core.Decision:
        findings: list[core.Finding] = []
        problems: list[core.Problem] = []
        if self._runner is not None:
            problems.extend(core.Problem(e.policy, e.message) for e in self._runner.load())
        for subject in subjects:
            registry = registry_for(subject) if registry_for else core.empty_registry()
            if self.builtins:
                findings.extend(
                    f for f in core.run_builtins(subject, registry) if f.rule not in self.disabled
                )
            if self._runner is not None and self._runner.entrypoints:
                evaluated = self._runner.evaluate(subject.as_input(registry))
                for entrypoint, value in evaluated.values.items():
                    found, bad = core.from_rego(subject, entrypoint, value)
                    findings.extend(f for f in found if f.rule not in self.disabled)
                    problems.extend(bad)
                problems.extend(
                    core.Problem(e.policy, f"{e.message} (checking {subject.kind}/{subject.name})")
                    for e in evaluated.errors
                )
        findings = core.apply_exceptions(findings, self.exceptions, today or date.today())
        return core.decide(findings, _unique(problems), [f"{s.kind}/{s.name}" for s in subjects])

    def test(self) -> tuple[list[TestResult], list[core.Problem]]:
        """Run every ``test_*`` rule of the ``*_test.rego`` modules, as ``opa test`` does (a
        test passes when its rule is true), then the table cases of ``*_test.yaml``. Each test
        module runs in its own worker beside the policies, so an engine crash fails that
        module's tests only."""
        results = [self._case(case) for case in self.cases]
        problems: list[core.Problem] = []
        if self._runner is not None:
            problems.extend(core.Problem(e.policy, e.message) for e in self._runner.load())
        for module in (m for m in self.all_modules if is_test(m.name)):
            package = (package_of(module.text) or "").replace(".", "/")
            runner = Runner((*self.modules, module), timeout=self.timeout, compiled=False)
            try:
                problems.extend(
                    core.Problem(e.policy, e.message)
                    for e in runner.load()
                    if e.policy == module.name
                )
                tests = [
                    e
                    for e in runner.entrypoints
                    if e.rsplit("/", 1)[0] == package and e.rsplit("/", 1)[-1].startswith("test_")
                ]
                evaluated = runner.evaluate({}, entrypoints=tests)
            finally:
                runner.close()
            failed = {e.policy: e.message for e in evaluated.errors}
            for entrypoint in tests:
                value = evaluated.values.get(entrypoint)
                if entrypoint in failed:
                    results.append(TestResult(entrypoint, module.name, False, failed[entrypoint]))
                elif value is True:
                    results.append(TestResult(entrypoint, module.name, True))
                else:
                    shown = "undefined" if value is None else repr(value)
                    results.append(
                        TestResult(entrypoint, module.name, False, f"expected true, got {shown}")
                    )
        return results, _unique(problems)

    def _case(self, case: Case) -> TestResult:
        if self._runner is None:
            return TestResult(case.name, "", False, "no policies loaded")
        evaluated = self._runner.evaluate(case.input)
        wanted = [e for e in evaluated.values if case.policy in (None, core.rule_id(e))]
        if case.policy is not None and not wanted:
            return TestResult(case.name, "", False, f"no policy package {case.policy}")
        bad = [e for e in evaluated.errors if case.policy in (None, core.rule_id(e.policy))]
        if bad:
            return TestResult(case.name, "", False, f"{bad[0].policy}: {bad[0].message}")
        got: dict[str, list[str]] = {"deny": [], "warn": []}
        subject = core.Subject("Test", case.name, {})
        for entrypoint in wanted:
            found, problems = core.from_rego(subject, entrypoint, evaluated.values[entrypoint])
            if problems:
                return TestResult(case.name, "", False, problems[0].message)
            for f in found:
                got["deny" if f.severity.blocks else "warn"].append(f.message)
        for key, expected in (("deny", case.deny), ("warn", case.warn)):
            if expected is not None and sorted(expected) != sorted(got[key]):
                return TestResult(
                    case.name,
                    "",
                    False,
                    f"{key}: expected {sorted(expected)}, got {sorted(got[key])}",
                )
        return TestResult(case.name, "", True)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()

    def __enter__(self) -> PolicySet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unique(problems: Iterable[core.Problem]) -> list[core.Problem]:
    return list(dict.fromkeys(problems))
