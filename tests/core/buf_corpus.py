"""Run the buf-breaking conformance cases through the Protobuf engine (shared by tests and docs)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from unlockstep.core.protobuf import _engine as protobuf
from unlockstep.core.protobuf._parser import parse_module
from unlockstep.core.protobuf._schema import ProtoModule

UNSTABLE = re.compile(r"(^|\.)v\d+(alpha|beta|test)\w*($|\.)")


def load_module(root: Path) -> ProtoModule:
    files = {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.proto"))}

    def read(name: str) -> str:
        target = root / name
        if not target.is_file():
            raise OSError(name)
        return target.read_text()

    return parse_module(files, read)


def run_case(corpus: Path, case: dict[str, Any]) -> Counter[str]:
    """The rule ids (with counts) the engine reports for one case under its buf.yaml."""
    old = load_module(_root(corpus / case["previous"]))
    new = load_module(_root(corpus / case["current"]))
    config = case.get("breaking_config") or {}
    use = protobuf.expand_rules(config.get("use") or ["FILE"])
    use -= protobuf.expand_rules(config.get("except") or [])
    ignore = config.get("ignore") or []
    found: Counter[str] = Counter()
    for f in protobuf.findings(old, new):
        if f.rule not in use:
            continue
        where = f.path or (f.subject if f.rule == "FILE_NO_DELETE" else "")
        if where and any(where == i or where.startswith(i.rstrip("/") + "/") for i in ignore):
            continue
        if config.get("ignore_unstable_packages") and _unstable(f, old, new):
            continue
        found[f.rule] += 1
    return found


def _root(case_dir: Path) -> Path:
    """The module root: the case folder, or the build root its buf.yaml names."""
    config = case_dir / "buf.yaml"
    if config.is_file():
        data = yaml.safe_load(config.read_text()) or {}
        roots = (data.get("build") or {}).get("roots") or []
        if roots:
            return case_dir / roots[0]
    return case_dir


def _unstable(f: protobuf.Finding, old: ProtoModule, new: ProtoModule) -> bool:
    """Whether the finding is about a package buf calls unstable (``v1alpha1``, ``v1beta2``…)."""
    files = {**old.files, **new.files}
    key = f.path if f.path in files else f.subject
    package = files[key].package if key in files else f.subject
    return bool(UNSTABLE.search(package))


def cases(corpus: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((corpus / "expected.json").read_text())
    return [c for c in data if not c.get("requires_buf_plugin_or_policy")]
