"""The child process that evaluates Rego (a top-level module so that starting it imports
nothing else of unlockstep): one JSON request per line on stdin, JSON lines out.

It runs apart from the server and the CLI so that a bad policy (an evaluation that never ends,
a crash inside the engine) ends this process only; the parent
(``unlockstep.policies._rego``) enforces the time limit and starts a fresh worker.

Requests::

    {"op": "load", "modules": [{"name": "policies/flags.rego", "text": "package …"}]}
    {"op": "eval", "input": {…}, "entrypoints": ["release/flags/deny", …]}

``load`` compiles each module alone first (so a module that does not parse is named, and the
others still load), then one bundle of every module that compiled. ``eval`` answers one line:
``{"done": true, "results": [{"entrypoint": …, "value": […]} or {"entrypoint": …, "error": …}]}``.
When no answer comes in time, the parent evaluates the entrypoints one at a time in a fresh
worker to find the one at fault.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

#: The rule names a policy may define that unlockstep reads (Conftest's names).
RULES = ("deny", "violation", "warn")
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.MULTILINE)


def package_of(text: str) -> str | None:
    found = _PACKAGE.search(text)
    return found.group(1) if found else None


_HEAD = re.compile(r"^([A-Za-z_]\w*)\b", re.MULTILINE)
_KIND_GUARD = re.compile(r"^\s*input\.kind\s*==\s*\"(\w+)\"\s*$", re.MULTILINE)


def kind_guards(text: str) -> dict[str, set[str] | None]:
    """Rule name -> the subject kinds its bodies are limited to by a line of their own
    ``input.kind == "Kind"`` (a conjunct of the body), or None when one body has no such
    line. An admission check then skips rules that cannot apply to its subject's kind."""
    heads = [(m.start(), m.group(1)) for m in _HEAD.finditer(text)]
    out: dict[str, set[str] | None] = {}
    for i, (start, name) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        kinds = set(_KIND_GUARD.findall(text, start, end))
        if name in out and out[name] is None:
            continue
        if not kinds:
            out[name] = None
        else:
            known = out.get(name, set())
            out[name] = (known or set()) | kinds
    return out


def rule_names(text: str) -> set[str]:
    """Top-level rule names defined in a module (a rule head starts a line)."""
    return set(
        re.findall(r"^([A-Za-z_]\w*)\b(?=[^\n]*(?:\bcontains\b|\bif\b|:=|=|\{|\[))", text, re.M)
    )


class Engine:
    def __init__(self) -> None:
        import importlib

        self.regopy: Any = importlib.import_module("regopy")  # untyped: read as Any
        self.bundle: Any = None
        self.entrypoints: set[str] = set()
        self.compiled = True
        self.kinds: dict[str, set[str] | None] = {}

    def _interpreter(self) -> Any:
        interpreter = self.regopy.Interpreter()
        interpreter.strict_built_in_errors = True
        return interpreter

    def _entrypoints(self, text: str) -> list[str]:
        package = package_of(text) or ""
        return [
            f"{package.replace('.', '/')}/{rule}"
            for rule in sorted(rule_names(text))
            if rule in RULES or rule.startswith("test_")
        ]

    def _build(self, modules: list[dict[str, str]], entrypoints: list[str]) -> Any:
        interpreter = self._interpreter()
        for module in modules:
            interpreter.add_module(module["name"], module["text"])
        if self.compiled:
            return interpreter.build(None, entrypoints)
        return interpreter

    def load(self, modules: list[dict[str, str]], compiled: bool = True) -> dict[str, Any]:
        """Compile every module into one bundle; when that fails, compile each alone to name
        the ones at fault, and bundle the rest. Uncompiled (``compiled=False``, for tests):
        keep the modules in an interpreter and run each entrypoint as a query."""
        self.compiled = compiled
        errors: dict[str, str] = {}
        good = []
        for module in modules:
            if package_of(module["text"]) is None:
                errors[module["name"]] = (
                    "no package declaration (a policy starts with `package a.b`)"
                )
            else:
                good.append(module)
        wanted = sorted({e for m in good for e in self._entrypoints(m["text"])})
        self.bundle, self.entrypoints = None, set()
        if not wanted:
            return {"ok": True, "errors": errors, "entrypoints": []}
        try:
            self.bundle = self._build(good, wanted)
        except Exception:
            kept = []
            for module in good:
                try:
                    self._build([module], self._entrypoints(module["text"]) or wanted[:1])
                    kept.append(module)
                except Exception as exc:
                    errors[module["name"]] = _engine_message(str(exc), module["text"])
            wanted = sorted({e for m in kept for e in self._entrypoints(m["text"])})
            try:
                self.bundle = self._build(kept, wanted) if wanted else None
            except Exception as exc:
                for module in kept:
                    errors.setdefault(module["name"], _first_lines(str(exc)))
                wanted = []
        self.entrypoints = set(wanted) if self.bundle is not None else set()
        self.kinds = {}
        for module in good:
            package = (package_of(module["text"]) or "").replace(".", "/")
            for name, kinds in kind_guards(module["text"]).items():
                if name not in RULES:
                    continue
                key = f"{package}/{name}"
                if key in self.kinds:  # one rule over several modules of a package
                    known = self.kinds[key]
                    self.kinds[key] = None if known is None or kinds is None else known | kinds
                else:
                    self.kinds[key] = kinds
        return {"ok": True, "errors": errors, "entrypoints": sorted(self.entrypoints)}

    def eval(self, value: Any, entrypoints: list[str]) -> None:
        interpreter = self._interpreter()
        interpreter.set_input(value)  # from the dict: twice as fast as parsing JSON text
        results: list[dict[str, Any]] = []
        kind = value.get("kind") if isinstance(value, dict) else None
        for entrypoint in entrypoints:
            if self.bundle is None or entrypoint not in self.entrypoints:
                results.append({"entrypoint": entrypoint, "error": "not loaded"})
                continue
            guard = self.kinds.get(entrypoint)
            if guard is not None and kind not in guard:
                results.append({"entrypoint": entrypoint, "value": []})  # cannot apply
                continue
            try:
                if self.compiled:
                    output = interpreter.query_bundle_entrypoint(self.bundle, entrypoint)
                else:
                    self.bundle.set_input(value)
                    path = entrypoint.replace("/", ".")
                    output = self.bundle.query(f"data.{path}")
            except Exception as exc:
                results.append({"entrypoint": entrypoint, "error": _first_lines(str(exc))})
                continue
            text = str(output)
            if text == "undefined":
                results.append({"entrypoint": entrypoint, "value": None})
            elif not output.ok():
                results.append(
                    {
                        "entrypoint": entrypoint,
                        "error": "evaluation failed (a built-in raised an error: wrong type, "
                        "division by zero, a conflict between rule values…)",
                    }
                )
            else:
                try:
                    expressions = json.loads(text)["expressions"]
                except (ValueError, KeyError, TypeError):
                    results.append(
                        {"entrypoint": entrypoint, "error": f"unreadable result: {text[:200]}"}
                    )
                    continue
                results.append(
                    {"entrypoint": entrypoint, "value": expressions[0] if expressions else None}
                )
        _send({"done": True, "results": results})


_ENGINE_ERROR = re.compile(r"\(error \d+:[^|]*\|(\d+)\|\d+\s*\(errormsg \d+:([^)]*)\)")


def _engine_message(raw: str, text: str) -> str:
    """rego-cpp's error tree (``(error 8:bad.rego|33|1 (errormsg 16:this is unclosed)…``) as
    ``line 2: this is unclosed``, one problem per line."""
    found = [
        f"line {text.count(chr(10), 0, int(offset)) + 1}: {message}"
        for offset, message in _ENGINE_ERROR.findall(raw)
    ]
    return "; ".join(dict.fromkeys(found)) if found else _first_lines(raw)


def _first_lines(text: str, limit: int = 600) -> str:
    text = "\n".join(line for line in text.splitlines() if line.strip())
    return text[:limit]


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    # the engine prints parse errors on its own stdout: keep ours for the protocol
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = protocol
    engine = Engine()
    _send({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "load":
            _send(engine.load(request["modules"], request.get("compiled", True)))
        elif request["op"] == "eval":
            engine.eval(request["input"], request["entrypoints"])


if __name__ == "__main__":
    main()
