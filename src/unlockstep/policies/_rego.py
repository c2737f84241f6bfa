"""Rego v1 policies evaluated in a child process with a time limit.

``Runner(modules)`` starts ``unlockstep._rego_worker`` in a child process on first use, loads the
modules into it once (compiled to a bundle), and answers ``evaluate(input)`` with the value of
every ``deny`` / ``violation`` / ``warn`` rule of every package. A policy that runs past the
time limit gets the worker killed (its process group) and is reported as an error naming the
policy; the other policies are evaluated in a fresh worker. A policy that does not compile is
reported at load and left out. Nothing a policy does raises into the caller: problems come
back as :class:`PolicyError` values beside the results.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unlockstep._rego_worker import RULES

DEFAULT_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class Module:
    name: str  # a file name, shown in errors
    text: str


@dataclass(frozen=True, slots=True)
class PolicyError:
    """A policy that could not be evaluated: where, and why."""

    policy: str  # module name or entrypoint (``release/flags/deny``)
    message: str


@dataclass(frozen=True, slots=True)
class Evaluated:
    values: dict[str, Any]  # entrypoint -> rule value (None: undefined)
    errors: tuple[PolicyError, ...]


def is_test(name: str) -> bool:
    return name.endswith("_test.rego")


def read_modules(folder: Path) -> list[Module] | None:
    """The policies (not the unit tests) of ``folder``, as ``PolicySet.from_folder`` reads
    them, with no import beyond the standard library: the CLI starts the worker with them
    before it loads the rest. None when a file needs the careful reader (not UTF-8, too big):
    the policy set then starts its own worker."""
    modules = []
    for path in sorted(folder.rglob("*.rego")):
        name = str(path.relative_to(folder))
        if is_test(name):
            continue
        try:
            if path.stat().st_size > _PRESTART_LIMIT:
                return None
            modules.append(Module(name, path.read_bytes().decode("utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            return None
    return modules


_PRESTART_LIMIT = 1 << 20


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from unlockstep._rego_worker import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        self.buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(message, default=str) + "\n").encode())
        self.process.stdin.flush()

    def receive(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None when the deadline passes or the worker dies."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:  # the worker died: reap it, so the caller can tell
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=1.0)
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        found: dict[str, Any] = json.loads(line)
        return found

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class Runner:
    """One worker process for one set of modules; thread-safe (one request at a time)."""

    def __init__(
        self, modules: Sequence[Module], *, timeout: float = DEFAULT_TIMEOUT, compiled: bool = True
    ) -> None:
        self.modules = tuple(modules)
        self.timeout = timeout
        self.compiled = compiled
        #: modules that crash the engine when compiled: left out, reported at load
        self._crashing: dict[str, str] = {}
        self.load_errors: tuple[PolicyError, ...] = ()
        self.entrypoints: tuple[str, ...] = ()
        #: entrypoint -> the subject kinds its rule is limited to (None: any kind)
        self.kinds: dict[str, frozenset[str] | None] = {}
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self._loaded = False
        #: entrypoints stopped for running past the limit: skipped from then on, so one
        #: looping policy costs its time limit once, not on every write
        self._stuck: dict[str, str] = {}
        self._pending: _Worker | None = None  # spawned, its load answer not read yet

    def spawn(self) -> None:
        """Start the worker and send it the modules now, without waiting for it: the caller
        goes on with its own work (reading files) while the worker starts and compiles."""
        with self._lock:
            if self._worker is None and self._pending is None and self.modules:
                worker = _Worker()
                worker.send(self._load_request(self.modules))
                self._pending = worker

    def _load_request(self, modules: Sequence[Module]) -> dict[str, Any]:
        return {
            "op": "load",
            "modules": [{"name": m.name, "text": m.text} for m in modules],
            "compiled": self.compiled,
            "leaveOut": sorted(self._stuck),
        }

    def _load(self, modules: Sequence[Module]) -> tuple[_Worker, dict[str, Any] | None]:
        wait = max(self.timeout, 10.0)
        if self._pending is not None and list(modules) == list(self.modules):
            worker, self._pending = self._pending, None
        else:
            worker = _Worker()
            worker.send(self._load_request(modules))
        if worker.receive(time.monotonic() + wait) is None:
            worker.kill()
            raise RuntimeError("the Rego worker did not start")
        return worker, worker.receive(time.monotonic() + wait * 3)

    def _start(self) -> _Worker:
        if self._worker is not None and self._worker.process.poll() is None:
            return self._worker
        if self._worker is not None:
            self._worker.kill()
            self._worker = None
        usable = [m for m in self.modules if m.name not in self._crashing]
        worker, answer = self._load(usable)
        if answer is None:
            # the engine died (or hung) compiling: find the modules at fault, one by one
            worker.kill()
            for module in usable:
                alone, answered = self._load([module])
                alone.kill()
                if answered is None:
                    self._crashing[module.name] = (
                        "the policy engine crashed or hung compiling this module"
                    )
            usable = [m for m in self.modules if m.name not in self._crashing]
            worker, answer = self._load(usable)
            if answer is None:
                worker.kill()
                raise RuntimeError("the Rego worker could not load the policies")
        if not self._loaded:
            errors = {**answer["errors"], **self._crashing}
            self.load_errors = tuple(
                PolicyError(name, message) for name, message in sorted(errors.items())
            )
            self.entrypoints = tuple(answer["entrypoints"])
            self.kinds = {
                e: None if kinds is None else frozenset(kinds)
                for e, kinds in answer.get("kinds", {}).items()
            }
            self._loaded = True
        self._worker = worker
        return worker

    def load(self) -> tuple[PolicyError, ...]:
        """Start the worker and compile the modules; the modules that did not compile."""
        with self._lock:
            try:
                self._start()
            except RuntimeError as exc:
                return (PolicyError("*", str(exc)),)
            return self.load_errors

    def evaluate(
        self, value: dict[str, Any], *, entrypoints: Sequence[str] | None = None
    ) -> Evaluated:
        """Every wanted entrypoint's value for ``value`` as ``input``."""
        with self._lock:
            try:
                self._start()
            except RuntimeError as exc:
                return Evaluated({}, (PolicyError("*", str(exc)),))
            wanted = [
                e
                for e in (entrypoints if entrypoints is not None else self.entrypoints)
                if e.rsplit("/", 1)[-1] in RULES or entrypoints is not None
            ]
            values: dict[str, Any] = {}
            errors = [PolicyError(e, self._stuck[e]) for e in wanted if e in self._stuck]
            wanted = [e for e in wanted if e not in self._stuck]
            if not self.applies(wanted, value):
                # no rule asked for can apply to this kind of subject: skip the round trip
                return Evaluated({e: [] for e in wanted}, tuple(errors))
            single = False  # after a batch ran out of time: one at a time, to find why
            while wanted:
                worker = self._start()
                batch = wanted[:1] if single else list(wanted)
                worker.send({"op": "eval", "input": value, "entrypoints": batch})
                message = worker.receive(time.monotonic() + self.timeout)
                if message is not None:
                    for result in message["results"]:
                        entrypoint = result["entrypoint"]
                        if "error" in result:
                            errors.append(PolicyError(entrypoint, result["error"]))
                        else:
                            values[entrypoint] = result["value"]
                        wanted.remove(entrypoint)
                    continue
                dead = worker.process.poll() is not None
                worker.kill()
                self._worker = None
                if len(batch) > 1:
                    single = True
                    continue
                culprit = wanted.pop(0)
                reason = (
                    "the policy engine stopped while evaluating it (crash or memory limit)"
                    if dead
                    else f"evaluation took longer than {self.timeout:g} s and was stopped"
                )
                errors.append(PolicyError(culprit, reason))
                self._stuck[culprit] = f"skipped: {reason} before"
            return Evaluated(values, tuple(errors))

    def applies(self, entrypoints: Sequence[str], value: dict[str, Any]) -> bool:
        """Whether one of ``entrypoints`` can apply to ``value``: false only when each is
        limited to other kinds of subject (``input.kind == "…"`` in every body)."""
        kind = value.get("kind") if isinstance(value, dict) else None
        for entrypoint in entrypoints:
            kinds = self.kinds.get(entrypoint)
            if kinds is None or kind in kinds:
                return True
        return False

    def close(self) -> None:
        with self._lock:
            for worker in (self._worker, self._pending):
                if worker is not None:
                    worker.kill()
            self._worker = self._pending = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
