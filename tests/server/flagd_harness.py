"""Real processes for the flagd sync tests: ``unlockstep serve`` with its sync port, and
flagd in-process providers (Python and JavaScript) driven over stdin/stdout."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import REPO
from tests.sdk.live_server import free_port
from unlockstep.core.flags import FlagEngine, parse_flag_set

CLIENTS = Path(__file__).parent / "flagd_clients"
FLAGD_JS = REPO / "bench" / ".cache" / "flagd-js"
DEMO = REPO / "examples" / "estate" / "flags" / "case-management.flagd.json"

Case = tuple[str, str, Any, str | None, dict[str, Any]]


class ServerProcess:
    """``unlockstep serve --sync-port`` in a child process: stoppable and restartable on the
    same ports and database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database_url = f"sqlite:///{folder / 'unlockstep.db'}"
        self.port = free_port()
        self.sync_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        env = {**os.environ, "UNLOCKSTEP_FLAG_RULES": "", "UNLOCKSTEP_WORKER": "false"}
        env.pop("UNLOCKSTEP_CONFIG", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "unlockstep", "serve", "--port", str(self.port),
             "--sync-port", str(self.sync_port), "--database-url", self.database_url],
            cwd=self.folder, env=env, stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "server.log", "ab"),  # noqa: SIM115
        )  # fmt: skip
        deadline = time.monotonic() + 120  # a loaded 2-core machine starts it slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited: " + (self.folder / "server.log").read_text())
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()  # never leave it running behind a failed test
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)


def load_set(api: httpx.Client, environment: str, document: dict[str, Any]) -> None:
    assert api.put(f"/api/v1/environments/{environment}", json={}).status_code < 300
    response = api.put(
        f"/api/v1/environments/{environment}/flagset",
        json={"document": document, "reason": "test", "prune": True},
    )
    assert response.status_code == 200, response.text


class Driver:
    """One provider process; ``evaluate`` sends cases and returns its answers."""

    def __init__(self, command: list[str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(log, "ab"), text=True, cwd=CLIENTS,  # noqa: SIM115
        )  # fmt: skip
        ready = self._line(timeout=120)
        assert ready == {"ready": True}, ready
        self.events: list[str] = []

    def _line(self, timeout: float) -> Any:
        assert self.process.stdout is not None
        import selectors

        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise AssertionError(f"no answer from the provider; log: {self.log.read_text()}")
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the provider exited; log: {self.log.read_text()}")
        return json.loads(line)

    def evaluate(self, cases: list[Case]) -> list[dict[str, Any]]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"cases": cases}) + "\n")
        self.process.stdin.flush()
        answer = self._line(timeout=30)
        self.events = answer["events"]
        results: list[dict[str, Any]] = answer["results"]
        return results

    def until(self, case: Case, wanted: Any, timeout: float = 10.0) -> dict[str, Any]:
        """Evaluate ``case`` until its value is ``wanted``; the last answer."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.evaluate([case])[0]
            if answer["value"] == wanted or time.monotonic() > deadline:
                return answer
            time.sleep(0.05)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def python_driver(host: str, port: int, selector: str, log: Path) -> Driver:
    return Driver(
        [sys.executable, str(CLIENTS / "python_client.py"), host, str(port), selector], log
    )


def js_available() -> bool:
    return (
        shutil.which("node") is not None
        and (FLAGD_JS / "node_modules" / "@openfeature" / "flagd-provider").is_dir()
    )


def js_driver(host: str, port: int, selector: str, log: Path) -> Driver:
    node = shutil.which("node")
    assert node is not None
    command = [node, str(CLIENTS / "js_client.cjs"), str(FLAGD_JS), host, str(port), selector]
    return Driver(command, log)


# --- what unlockstep's own engine says ----------------------------------------------------


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "object"


def default_for(kind: str) -> Any:
    return {"boolean": False, "string": "fallback", "integer": -1, "float": -1.5}.get(kind, {})


def contexts(count: int, seed: int = 7) -> list[tuple[str | None, dict[str, Any]]]:
    """Evaluation contexts over the attributes the demo and generated flags read."""
    rng = random.Random(seed)
    tenants = ["t-sandbox-1", "t-sandbox-2", "t-1", "t-2", "t-9", "t-77"]
    regions = ["eu-north", "eu-west", "us-east"]
    found: list[tuple[str | None, dict[str, Any]]] = [(None, {})]
    for number in range(count):
        attributes: dict[str, Any] = {
            "tenantId": rng.choice(tenants),
            "region": rng.choice(regions),
            "email": rng.choice([f"user{number}@example.org", f"user{number}@example.com"]),
            "tier": rng.randint(0, 5),
        }
        found.append((f"case-{number}-{rng.randint(0, 10**6)}", attributes))
    return found


def cases_for(document: dict[str, Any], count: int = 25) -> list[Case]:
    cases: list[Case] = []
    for key, body in sorted(document["flags"].items()):
        variants = body.get("variants") or {}
        sample = variants.get(body.get("defaultVariant"), next(iter(variants.values()), False))
        kind = kind_of(sample)
        for targeting_key, attributes in contexts(count):
            cases.append((key, kind, default_for(kind), targeting_key, attributes))
    return cases


def engine_answers(document: dict[str, Any], cases: list[Case]) -> list[dict[str, Any]]:
    engine = FlagEngine(parse_flag_set(document))
    answers = []
    for key, kind, default, targeting_key, attributes in cases:
        resolution = engine.evaluate(key, default, attributes, kind, targeting_key)
        answers.append({"value": resolution.value, "variant": resolution.variant})
    return answers


def generated_set(bucketing: str, count: int = 30, seed: int = 11) -> dict[str, Any]:
    """Flags of every value type with targeting the providers all implement: fractional splits
    (by the default key and by an attribute), ``in``, ``ends_with``, ``sem_ver``-free
    comparisons, nested ``if`` and shared ``$evaluators``."""
    rng = random.Random(seed)
    flags: dict[str, Any] = {}
    for number in range(count):
        kind = rng.choice(["boolean", "string", "integer", "object"])
        names = [f"v{i}" for i in range(rng.randint(2, 4))]
        values: list[Any] = {
            "boolean": [True, False, True, False],
            "string": ["red", "green", "blue", "amber"],
            "integer": [1, 2, 3, 4],
            "object": [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}],
        }[kind]
        variants = dict(zip(names, values, strict=False))
        weights = [[name, rng.randint(1, 60)] for name in names]
        shape = rng.choice(["fractional", "fractional-by", "in", "ends", "nested", "ref"])
        targeting: Any
        if shape == "fractional":
            targeting = {"fractional": weights}
        elif shape == "fractional-by":
            targeting = {"fractional": [{"var": "tenantId"}, *weights]}
        elif shape == "in":
            targeting = {"if": [{"in": [{"var": "region"}, ["eu-north", "us-east"]]}, names[1],
                                None]}  # fmt: skip
        elif shape == "ends":
            targeting = {"if": [{"ends_with": [{"var": "email"}, "@example.org"]}, names[1],
                                names[0]]}  # fmt: skip
        elif shape == "nested":
            targeting = {"if": [{">=": [{"var": "tier"}, 3]}, {"fractional": weights},
                                names[0]]}  # fmt: skip
        else:
            targeting = {"if": [{"$ref": "segment.sandbox"}, names[-1], {"fractional": weights}]}
        flags[f"gen.flag.{number}"] = {
            "state": "ENABLED",
            "variants": variants,
            "defaultVariant": names[0],
            "targeting": targeting,
        }
    return {
        "metadata": {"flagSetId": "generated", "bucketing": bucketing},
        "$evaluators": {
            "segment.sandbox": {"in": [{"var": "tenantId"}, ["t-sandbox-1", "t-sandbox-2"]]}
        },
        "flags": flags,
    }


def demo_set(bucketing: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO.read_text())
    document["metadata"] = {**document.get("metadata", {}), "bucketing": bucketing}
    return document


def disagreements(
    cases: list[Case], theirs: list[dict[str, Any]], ours: list[dict[str, Any]]
) -> list[str]:
    return [
        f"{case[0]} {case[3]} {case[4]}: provider {a['value']!r}/{a['variant']} "
        f"unlockstep {b['value']!r}/{b['variant']}"
        for case, a, b in zip(cases, theirs, ours, strict=True)
        if (a["value"], a["variant"]) != (b["value"], b["variant"])
    ]
