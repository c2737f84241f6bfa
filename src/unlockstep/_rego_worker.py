"""The child process that evaluates Rego (a top-level module so that starting it imports
nothing else of unlockstep): one JSON request per line on stdin, JSON lines out.

It runs apart from the server and the CLI so that a bad policy (an evaluation that never ends,
a crash inside the engine) ends this process only; the parent
(``unlockstep.policies._rego``) enforces the time limit and starts a fresh worker.

Requests::

    {"op": "load", "modules": [{"name": "policies/flags.rego", "text": "package …"}]}
    {"op": "eval", "input": {…}, "entrypoints": ["release/flags/deny", …]}

``load`` compiles each module alone first (so a module that does not parse is named, and the
others still load), then one bundle of every module that compiled, plus a generated module
whose rules gather, per kind of subject, every entrypoint's value (:func:`gather_module`): an
``eval`` runs that one query instead of one per entrypoint (half the engine time), and only
when it fails (a policy raised an error) each entrypoint alone, to name the one at fault.
``eval`` answers one line:
``{"done": true, "results": [{"entrypoint": …, "value": […]} or {"entrypoint": …, "error": …}]}``.
When no answer comes in time, the parent evaluates the entrypoints one at a time in a fresh
worker to find the one at fault.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from typing import Any

#: The rule names a policy may define that unlockstep reads (Conftest's names).
RULES = ("deny", "violation", "warn")
#: The generated package and entrypoint that gather every rule's value in one query.
GATHER_PACKAGE = "unlockstep_gather"
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
        #: the entrypoints the gathering query answers (empty: none)
        self.gathered: frozenset[str] = frozenset()
        self.leave_out: frozenset[str] = frozenset()

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

    def _build_gathered(self, modules: list[dict[str, str]], entrypoints: list[str]) -> Any:
        """The bundle with the gathering module beside the policies; without it (each
        entrypoint queried alone) when the engine will not compile it. The gathering leaves
        out unit tests and the rules the parent stopped before (``leave_out``)."""
        self.gathered = frozenset()
        gathered = [
            e for e in entrypoints if e.rsplit("/", 1)[-1] in RULES and e not in self.leave_out
        ]
        if self.compiled and len(gathered) > 1:
            text = gather_module(gathered, self.kinds)
            gather = {"name": f"{GATHER_PACKAGE}.rego", "text": text}
            rules = [f"{GATHER_PACKAGE}/{rule}" for rule in gather_rules(text)]
            try:
                bundle = self._build([*modules, gather], [*entrypoints, *rules])
            except Exception:
                pass  # a package of that name, or an engine limit: query one by one
            else:
                self.gathered = frozenset(gathered)
                return bundle
        return self._build(modules, entrypoints)

    def load(
        self, modules: list[dict[str, str]], compiled: bool = True, leave_out: Any = ()
    ) -> dict[str, Any]:
        """Compile every module into one bundle; when that fails, compile each alone to name
        the ones at fault, and bundle the rest. Uncompiled (``compiled=False``, for tests):
        keep the modules in an interpreter and run each entrypoint as a query."""
        self.compiled = compiled
        self.leave_out = frozenset(leave_out)
        errors: dict[str, str] = {}
        good = []
        for module in modules:
            if package_of(module["text"]) is None:
                errors[module["name"]] = (
                    "no package declaration (a policy starts with `package a.b`)"
                )
            else:
                good.append(module)
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
        wanted = sorted({e for m in good for e in self._entrypoints(m["text"])})
        self.bundle, self.entrypoints = None, set()
        if not wanted:
            return {"ok": True, "errors": errors, "entrypoints": []}
        try:
            self.bundle = self._build_gathered(good, wanted)
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
                self.bundle = self._build_gathered(kept, wanted) if wanted else None
            except Exception as exc:
                for module in kept:
                    errors.setdefault(module["name"], _first_lines(str(exc)))
                wanted = []
        self.entrypoints = set(wanted) if self.bundle is not None else set()
        limits = {
            e: None if self.kinds.get(e) is None else sorted(self.kinds[e] or ())
            for e in sorted(self.entrypoints)
        }
        return {
            "ok": True,
            "errors": errors,
            "entrypoints": sorted(self.entrypoints),
            "kinds": limits,
        }

    def _set_input(self, interpreter: Any, value: Any) -> None:
        """``interpreter.set_input(value)``, a third faster: the JSON value is handed to
        rego-cpp's C input builder directly (regopy's own walk tests each node against
        several ABCs). From a dict: twice as fast as parsing JSON text."""
        library: Any = getattr(getattr(self.regopy, "rego_shared", None), "rego", None)
        handle = library.regoNewInput() if library is not None else None
        if not handle:
            interpreter.set_input(value)
            return
        try:
            ok = (
                _build_input(library, handle, value)
                and library.regoSetInput(interpreter._impl, handle) == 0
            )
        finally:
            library.regoFreeInput(handle)
        if not ok:
            interpreter.set_input(value)

    def eval(self, value: Any, entrypoints: list[str]) -> None:
        interpreter = self._interpreter()
        self._set_input(interpreter, value)
        results: list[dict[str, Any]] = []
        kind = value.get("kind") if isinstance(value, dict) else None
        gathered = self._gathered(interpreter, entrypoints, kind)
        for entrypoint in entrypoints:
            if self.bundle is None or entrypoint not in self.entrypoints:
                results.append({"entrypoint": entrypoint, "error": "not loaded"})
                continue
            guard = self.kinds.get(entrypoint)
            if guard is not None and kind not in guard:
                results.append({"entrypoint": entrypoint, "value": []})  # cannot apply
                continue
            if gathered is not None:
                results.append({"entrypoint": entrypoint, "value": gathered.get(entrypoint)})
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

    def _gathered(
        self, interpreter: Any, entrypoints: list[str], kind: Any
    ) -> dict[str, Any] | None:
        """Every entrypoint's value from the one gathering query of the subject's kind (a
        missing key: the rule is undefined), or None when it cannot answer: each entrypoint
        is then queried alone. Only when exactly the gathered entrypoints are asked for: a
        request for one (the parent looking for a policy that loops) must not run the
        others."""
        if not self.gathered or self.bundle is None or set(entrypoints) != self.gathered:
            return None
        named = {k for kinds in self.kinds.values() if kinds for k in kinds}
        rule = f"for_{kind}" if kind in named else "for_other"
        try:
            output = interpreter.query_bundle_entrypoint(self.bundle, f"{GATHER_PACKAGE}/{rule}")
        except Exception:
            return None
        text = str(output)
        if text == "undefined":
            return {}
        if not output.ok():
            return None
        try:
            expressions = json.loads(text)["expressions"]
        except (ValueError, KeyError, TypeError):
            return None
        found = expressions[0] if expressions else {}
        return found if isinstance(found, dict) else None


def _build_input(library: Any, handle: Any, value: Any) -> bool:
    """Push ``value`` (from ``json.loads``) onto a rego-cpp input, depth first, as regopy
    does; False (the caller falls back to regopy) on a type or engine error."""
    kind = type(value)
    if kind is str:
        return bool(library.regoInputString(handle, value.encode()) == 0)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or library.regoInputString(handle, key.encode()) != 0:
                return False
            if not _build_input(library, handle, item) or library.regoInputObjectItem(handle):
                return False
        return bool(library.regoInputObject(handle, len(value)) == 0)
    if kind is list:
        for item in value:
            if not _build_input(library, handle, item):
                return False
        return bool(library.regoInputArray(handle, len(value)) == 0)
    if value is None:
        return bool(library.regoInputNull(handle) == 0)
    if kind is bool:
        return bool(library.regoInputBoolean(handle, value) == 0)
    if kind is int and -(2**63) <= value < 2**63:
        return bool(library.regoInputInt(handle, value) == 0)
    if kind is float or kind is int:  # past 64 bits: a JSON number, not zero as regopy gives
        return bool(library.regoInputFloat(handle, float(value)) == 0)
    return False


def gather_module(entrypoints: list[str], kinds: dict[str, set[str] | None]) -> str:
    """A module with one object rule per subject kind the policies name (``for_Deployment``)
    and one for any other kind (``for_other``), each mapping the entrypoints that can apply
    to that kind to their rule's value; an undefined rule leaves its key out."""
    named = sorted({k for e in entrypoints for k in (kinds.get(e) or ())})
    lines = [f"package {GATHER_PACKAGE}", ""]
    for kind in [*named, None]:
        rule = f"for_{kind}" if kind is not None else "for_other"
        lines.append(f"{rule}[null] := null if false")  # defined (empty) when nothing applies
        for entrypoint in entrypoints:
            guard = kinds.get(entrypoint)
            if guard is None or kind in guard:
                key = json.dumps(entrypoint)
                lines.append(f"{rule}[{key}] := data.{entrypoint.replace('/', '.')}")
    return "\n".join(lines) + "\n"


def gather_rules(text: str) -> list[str]:
    return sorted(set(re.findall(r"^(for_\w+)\[", text, re.MULTILINE)))


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
    # Each eval allocates a burst of short-lived objects (the parsed input); a full collection
    # walking the engine's long-lived state mid-request is the admission tail. Freeze what is
    # alive after start-up and let young generations grow before a collection runs.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    _send({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "load":
            _send(
                engine.load(
                    request["modules"], request.get("compiled", True), request.get("leaveOut", ())
                )
            )
            gc.collect()  # the old bundle's garbage now, not during the next evaluations
            gc.freeze()
        elif request["op"] == "eval":
            engine.eval(request["input"], request["entrypoints"])


if __name__ == "__main__":
    main()
