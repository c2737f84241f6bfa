"""``unlockstep demo``: a server on a fresh SQLite file with the demo estate
(``examples/estate/``) loaded through its API — the same path a user's CI takes. Each area adds
a step to ``STEPS``.

The estate's dates are written as of the day its story happens (``as-of.yaml`` names that day
for each part); the demo moves them by the days between then and the day it starts, so flags
are not expired and plans are not overdue whatever the calendar says.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from unlockstep.cli.context import api_path
from unlockstep.cli.output import emit_json, format_option
from unlockstep.errors import ConfigError, InvalidInput

if TYPE_CHECKING:
    import httpx

    from unlockstep.cli.client import Client

ESTATE = Path(__file__).resolve().parents[3] / "examples" / "estate"

#: An ISO date not inside a longer run of digits or dashes (``2026-07-05``, ``"2026-07-05"``).
_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d])")


@dataclass(frozen=True)
class Estate:
    """The estate folder and how many days each part's dates move (``as-of.yaml``)."""

    root: Path
    shifts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def as_of(cls, root: Path, today: dt.date | None) -> Estate:
        """The estate at ``root`` with its dates moved so its story happens on ``today``
        (``None``: as written)."""
        if today is None:
            return cls(root)
        path = root / "as-of.yaml"
        if not path.exists():
            return cls(root)
        from unlockstep.files import read_document

        days = read_document(path).data  # dates stay text: the loader reads no timestamps
        shifts: dict[str, int] = {}
        for part, day in (days if isinstance(days, dict) else {}).items():
            try:
                shifts[str(part)] = (today - dt.date.fromisoformat(str(day))).days
            except ValueError:
                raise InvalidInput(
                    f"{part}: {day!r} is not a date", where=str(path), hint="write YYYY-MM-DD"
                ) from None
        return cls(root, shifts)

    def read_text(self, path: Path, part: str) -> str:
        """A file of ``part`` (``flags``, ``plans``…) with its dates moved."""
        from unlockstep.files import read_text

        return shift_dates(read_text(path), self.shifts.get(part, 0))


def shift_dates(text: str, days: int) -> str:
    """``text`` with every ISO date (YYYY-MM-DD) moved by ``days``."""
    if not days:
        return text

    def move(match: re.Match[str]) -> str:
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return match[0]  # not a real date: leave it
        return (day + dt.timedelta(days=days)).isoformat()

    return _DATE.sub(move, text)


Step = Callable[[Estate, "Client"], str | None]


def _catalog(estate: Estate, client: Client) -> str | None:
    from unlockstep.cli.catalog import read_descriptor

    files = sorted((estate.root / "catalog").glob("*.yaml"))
    locations, entities = [], []
    for path in files:
        location, found, _, _ = read_descriptor(path)
        locations.append(location)
        entities.extend(found)
    result: dict[str, Any] = client.post(
        "/api/v1/catalog/import", {"locations": locations, "entities": entities}
    )
    services = sum(1 for e in entities if e["kind"] == "service")
    teams = sum(1 for e in entities if e["kind"] == "team")
    return (
        f"catalog: {services} services, {teams} teams ({len(result['created'])} entities created)"
    )


def _deployments(estate: Estate, client: Client) -> str | None:
    from unlockstep.files import read_document

    path = estate.root / "deployments.yaml"
    if not path.exists():
        return None
    data = read_document(path).data or {}
    for env in data.get("environments", []):
        client.put(
            api_path("environments", env["name"]),
            {"production": env.get("production", False), "description": env.get("description")},
        )
    count = 0
    for item in data.get("deployments", []):
        client.post("/api/v1/deployments", item)
        count += 1
    for item in data.get("releases", []):
        client.post("/api/v1/releases", item)
        count += 1
    return f"environments: {len(data.get('environments', []))}, live versions: {count}"


def _flags(estate: Estate, client: Client) -> str | None:
    from unlockstep.core.compat import Source
    from unlockstep.core.documents import load_document

    files = sorted((estate.root / "flags").glob("*.flagd.json"))
    environments = [e["name"] for e in client.get("/api/v1/environments")["items"]]
    count = 0
    for path in files:
        document = load_document(Source(estate.read_text(path, "flags"), str(path))).data
        for env in environments:
            client.put(
                api_path("environments", env, "flagset"),
                {"document": document, "reason": "demo estate"},
            )
        count += len(document.get("flags", {}))
    return f"flags: {count} in {len(environments)} environments" if files else None


def _expectations(estate: Estate, client: Client) -> str | None:
    """case-service's contracts as 1.4.0 serves them (unless already published), then what
    each live consumer version uses of them."""
    from unlockstep.files import read_document, read_text

    folder = estate.root / "expectations"
    index = folder / "index.yaml"
    if not index.exists():
        return None
    data = read_document(index).data or {}
    for item in data.get("contracts", []):
        path = (folder / item["file"]).resolve()
        client.request(
            "PUT",
            api_path(
                "services", item["service"], "contracts", item["name"], "versions", item["version"]
            ),
            json={"content": read_text(path), "filename": path.name},
            ok=(409,),  # already published by the contracts step with its own content
        )
    failed = 0
    for item in data.get("expectations", []):
        document = read_document(folder / item["file"]).data
        body = {k: item[k] for k in ("consumer", "version", "provider", "contract")}
        result = client.post("/api/v1/expectations", {**body, "document": document})
        failed += sum(1 for v in result["verifications"] if v["status"] != "verified")
    count = len(data.get("expectations", []))
    return f"expectations: {count} published ({failed} failing verification)"


def _plans(estate: Estate, client: Client) -> str | None:
    """The seed's release plans, submitted as a team's CI would (the lockstepped one too)."""
    from unlockstep.cli.plans import submission

    files = sorted((estate.root / "plans").glob("*.yaml"))
    failing = []
    for path in files:
        body = submission(str(path))
        body["source"] = shift_dates(body["source"], estate.shifts.get("plans", 0))
        result = client.post("/api/v1/plans", body)
        if not result["check"]["ok"]:
            failing.append(result["plan"]["change"])
    rejected = f" ({len(failing)} fail their check today: {', '.join(failing)})" if failing else ""
    return f"release plans: {len(files)} submitted{rejected}"


def _safety_nets(estate: Estate, client: Client) -> str | None:
    """Each service's safety-nets file (its sources are SQLite scripts beside it)."""
    from unlockstep.files import read_text

    files = sorted((estate.root / "safety-nets").glob("*.yaml"))
    for path in files:
        from unlockstep.core.safety import parse

        service = parse(read_text(path), str(path)).service
        body = {"document": read_text(path), "filename": path.name,
                "base": str(path.resolve().parent)}  # fmt: skip
        client.put(api_path("safety-nets", service), body)
    return f"safety nets: {len(files)} file(s)" if files else None


def _usage(estate: Estate, client: Client) -> str | None:
    """A month of recorded usage, exported to the OTLP receiver as the services' SDKs would
    (``usage.yaml``): one export per service and day, cumulative counters."""
    from unlockstep.files import read_document

    path = estate.root / "usage.yaml"
    if not path.exists():
        return None
    data = read_document(path).data or {}
    shift = dt.timedelta(days=estate.shifts.get("usage", 0))
    first = dt.date.fromisoformat(str(data["from"])) + shift
    last = dt.date.fromisoformat(str(data["to"])) + shift
    start = dt.datetime.combine(first, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=1)
    series = data.get("series", [])
    day, exports = first, 0
    while day <= last:
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        by_service: dict[str, list[dict[str, Any]]] = {}
        for item in series:
            until = item.get("until")
            end = dt.date.fromisoformat(str(until)) + shift if until else last
            days_used = (min(day, end) - first).days + 1
            value = float(item.get("perDay", 1)) * max(0, days_used)
            by_service.setdefault(item["service"], []).append(
                _otlp_point(item["metric"], item.get("attributes") or {}, start, noon, value)
            )
        for service, metrics in by_service.items():
            client.post("/otlp/v1/metrics", _otlp_export(service, metrics))
            exports += 1
        day += dt.timedelta(days=1)
    return f"usage: {len(series)} series over {(last - first).days + 1} days ({exports} exports)"


def _otlp_point(
    metric: str, attributes: dict[str, Any], start: dt.datetime, at: dt.datetime, value: float
) -> dict[str, Any]:
    point = {
        "attributes": [{"key": k, "value": {"stringValue": str(v)}} for k, v in attributes.items()],
        "startTimeUnixNano": str(int(start.timestamp()) * 10**9),
        "timeUnixNano": str(int(at.timestamp()) * 10**9),
        "asDouble": value,
    }
    monotonic = {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": [point]}
    return {"name": metric, "sum": monotonic}


def _otlp_export(service: str, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
    scope = {"scope": {"name": "unlockstep-demo"}, "metrics": metrics}
    return {"resourceMetrics": [{"resource": resource, "scopeMetrics": [scope]}]}


STEPS: list[Step] = [_catalog, _deployments, _flags, _expectations, _safety_nets, _plans, _usage]


def load_estate(
    estate: Path,
    url: str,
    *,
    http: httpx.Client | None = None,
    steps: Sequence[Step] = STEPS,
    today: dt.date | None = None,
) -> str:
    """Load the estate at ``estate`` into the server at ``url``; with ``today``, its dates
    moved so its story happens on that day (see ``as-of.yaml``)."""
    from unlockstep.cli.client import Client

    client = Client(url, http=http)
    shifted = Estate.as_of(estate, today)
    lines = [line for step in steps if (line := step(shifted, client))]
    return "loaded " + "; ".join(lines)


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="keep the demo database in this folder (default: a fresh temporary folder)",
)
@click.option("--port", type=int, default=8080, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--estate",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=ESTATE,
    show_default="examples/estate in the source tree",
    help="the demo estate to load",
)
@format_option()
def demo(directory: Path | None, port: int, host: str, estate: Path, fmt: str) -> None:
    """Start a server on a fresh SQLite file with the seed's estate loaded."""
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        _run_demo(directory, port, host, estate, fmt)
        return
    folder = Path(tempfile.mkdtemp(prefix="unlockstep-demo-"))
    _stop_on_sigterm()
    try:
        _run_demo(folder, port, host, estate, fmt)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stop_on_sigterm() -> None:
    """``kill`` (SIGTERM) stops the demo the way Ctrl+C does, so its temporary folder goes too."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _run_demo(folder: Path, port: int, host: str, estate: Path, fmt: str) -> None:
    import uvicorn

    from unlockstep.cli.context import settings as load_settings
    from unlockstep.cli.serve import check_port_free, configure_logging, fast_stack
    from unlockstep.server.app import create_app
    from unlockstep.store import Store

    db = folder / "unlockstep.db"
    if db.exists():
        db.unlink()
    configure_logging()
    check_port_free(host, port)
    settings = load_settings(
        database_url=f"sqlite:///{db}", host=host, port=port, require_token_for_reads=False
    )
    url = f"http://{host}:{port}"
    store = Store(settings.database_url)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store), host=host, port=port, log_level="warning", **fast_stack()
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise ConfigError(f"the demo server did not start on {url}")
            time.sleep(0.05)
        summary = load_estate(estate, url, today=dt.date.today())
        if fmt == "json":
            emit_json({"url": url, "database": str(db), "loaded": summary})
        else:
            click.echo(f"unlockstep demo is running at {url}  (database: {db})")
            click.echo(f"Dashboard: {url}/  (every page also as JSON: add .json)")
            click.echo(summary)
            click.echo(
                "\nTry, in another terminal (README.md has the whole tour):\n"
                f"  export UNLOCKSTEP_URL={url}\n"
                "  unlockstep services list\n"
                "  unlockstep services show case-service\n"
                "  unlockstep can-i-deploy --service case-service --version 1.4.0 --to production\n"
                "  unlockstep flags list --environment production\n"
                "  unlockstep plan list\n"
                "  unlockstep audit --entity case-service\n"
                f"  curl {url}/api/v1/health    (API docs: {url}/docs)\n"
                "Press Ctrl+C to stop."
            )
        sys.stdout.flush()
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(5)
        store.dispose()
