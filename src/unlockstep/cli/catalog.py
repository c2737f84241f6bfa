"""``unlockstep catalog import``: Backstage descriptors into the registry.

Substitutions (``$text``/``$json``/``$yaml``) are read here, the adapter: paths next to the
descriptor, and URLs from the hosts ``UNLOCKSTEP_CATALOG_URL_HOSTS`` allows, up to
``UNLOCKSTEP_CATALOG_URL_MAX_KB``. After the import, each API entity's definition is
published as a contract of every component that provides it (see ``docs/registry.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option
from unlockstep.core.documents import decode
from unlockstep.core.registry import parse_catalog
from unlockstep.errors import InvalidInput, ParseError, UnlockstepError
from unlockstep.files import read_text

if TYPE_CHECKING:
    from unlockstep.cli.client import Client
    from unlockstep.server.wire_registry import CatalogImportResult

#: Backstage ``spec.type`` of an API entity -> the contract kind unlockstep checks it as.
API_KINDS = {"openapi": "openapi", "asyncapi": "asyncapi", "grpc": "protobuf"}

Fetch = Callable[[str], str]


def raw_url(url: str) -> str:
    """Where a URL's content is: a GitHub page URL (``github.com/o/r/blob/ref/path``, as
    Backstage catalogs write them) becomes its raw file on ``raw.githubusercontent.com``;
    anything else is itself."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if parts.hostname == "github.com" and len(segments) > 5 and segments[3] == "blob":
        owner, repo, ref, path = segments[1], segments[2], segments[4], segments[5:]
        return f"https://raw.githubusercontent.com/{owner}/{repo}/{ref}/{'/'.join(path)}"
    return url


def url_fetcher(hosts: list[str], max_bytes: int, *, timeout: float = 10.0) -> Fetch:
    """Fetch ``http(s)://`` URLs from allow-listed hosts (``host`` or ``host:port``), at most
    ``max_bytes``, as UTF-8 text. Redirects are not followed (the target may not be allowed);
    a GitHub page URL is read from its raw file (allowing ``github.com`` allows that)."""
    allowed = {h.lower() for h in hosts}

    def fetch(url: str) -> str:
        import httpx

        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise InvalidInput(f"{url!r} is not an http(s) URL")
        port = f"{host}:{parts.port}" if parts.port else host
        if host not in allowed and port not in allowed:
            raise InvalidInput(
                f"host {port!r} is not allowed for catalog substitutions",
                hint=f"add it to UNLOCKSTEP_CATALOG_URL_HOSTS (now: {', '.join(hosts) or 'empty'})",
            )
        try:
            with (
                httpx.Client(timeout=timeout, follow_redirects=False) as http,
                http.stream("GET", raw_url(url)) as response,
            ):
                if response.is_redirect:
                    raise InvalidInput(
                        f"{url} redirects to {response.headers.get('location')!r}",
                        hint="point the substitution at the final URL",
                    )
                if response.status_code != 200:
                    raise InvalidInput(f"{url} answered HTTP {response.status_code}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise _too_large(url, max_bytes)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise _too_large(url, max_bytes)
        except httpx.HTTPError as exc:
            raise InvalidInput(f"cannot fetch {url}: {exc}") from None
        return decode(bytes(body), url, max_size=None)  # names the byte offset and line

    return fetch


def _too_large(url: str, max_bytes: int) -> InvalidInput:
    return InvalidInput(
        f"{url} is larger than {max_bytes // 1024} KiB",
        hint="raise UNLOCKSTEP_CATALOG_URL_MAX_KB if the document is expected to be this big",
    )


def read_descriptor(
    path: Path, fetch: Fetch | None = None
) -> tuple[str, list[dict[str, Any]], list[str], list[str]]:
    """Parse one descriptor file; returns its location key, entities, skipped and warnings.
    URL substitutions go to ``fetch``; without one they are refused."""
    text = read_text(path)
    folder = path.resolve().parent

    def read_relative(name: str) -> str:
        if "://" in name:
            if fetch is None:
                raise InvalidInput(
                    f"substitution {name!r} is a URL, and URLs are not fetched here",
                    where=str(path),
                    hint="use `unlockstep catalog import` with UNLOCKSTEP_CATALOG_URL_HOSTS",
                )
            try:
                return fetch(name)
            except InvalidInput as exc:
                exc.where = exc.where or str(path)
                raise
        target = (folder / name).resolve()
        try:
            return read_text(target)
        except ParseError:
            raise  # too large or not UTF-8: names the file and what to do
        except InvalidInput as exc:
            raise InvalidInput(
                f"$text file {name!r} cannot be read ({exc.message})", where=str(path)
            ) from None

    parsed = parse_catalog(text, str(path), read_relative)
    location = path.resolve().as_posix()
    entities = [{**e.to_dict(), "location": location} for e in parsed.entities]
    return location, entities, parsed.skipped, parsed.warnings


def import_files(
    paths: list[Path],
    prune: bool = False,
    fetch: Fetch | None = None,
    confirm: Callable[[CatalogImportResult], bool] | None = None,
) -> CatalogImportResult:
    """Parse every file first (nothing is sent if one is bad), import in one request, then
    publish the API definitions as contracts of their providers. With ``prune`` and a
    ``confirm``, a dry run comes first: when it would retire or delete anything, ``confirm``
    sees that preview and the import goes ahead only if it says yes."""
    from pydantic.alias_generators import to_camel

    from unlockstep.server.wire_registry import (
        CatalogEntityIn,
        CatalogImportIn,
        CatalogImportResult,
    )

    locations: list[str] = []
    entities: list[dict[str, Any]] = []
    skipped: list[str] = []
    warnings: list[str] = []
    for path in paths:
        location, found, skip, warn = read_descriptor(path, fetch)
        locations.append(location)
        entities.extend(found)
        skipped.extend(skip)
        warnings.extend(warn)
    body = CatalogImportIn(
        locations=locations,
        entities=[
            CatalogEntityIn.model_validate(
                {**e, "fields": {to_camel(k): v for k, v in e["fields"].items()}}
            )
            for e in entities
        ],
        prune=prune,
        dry_run=False,
    )
    client = context.client()
    if prune and confirm is not None:
        preview = CatalogImportResult.model_validate(
            client.post("/api/v1/catalog/import", {**body.model_dump(mode="json"), "dryRun": True})
        )
        if (preview.retired or preview.deleted) and not confirm(preview):
            raise InvalidInput(
                "nothing was imported or pruned",
                hint="confirm at the prompt, or pass --yes",
            )
    result = CatalogImportResult.model_validate(
        client.post("/api/v1/catalog/import", body.model_dump(mode="json"))
    )
    result.skipped = skipped
    result.warnings = warnings + result.warnings
    for entity in entities:
        if entity["kind"] == "api" and entity["fields"].get("definition"):
            _publish_definition(client, entity, result)
    return result


def _publish_definition(client: Client, api: dict[str, Any], result: CatalogImportResult) -> None:
    """Publish an API entity's definition as contract ``<api name>`` of each component that
    provides it, at that component's newest registered version."""
    from unlockstep.cli.client import api_path
    from unlockstep.server.wire_registry import ApiConsumers, ServiceDetail

    name, where = api["name"], api.get("where") or api["location"]
    api_type = (api["fields"].get("type") or "").lower()
    kind = API_KINDS.get(api_type)
    if kind is None:
        result.warnings.append(
            f"{where}: API {name} has type {api_type or '(none)'!r}; unlockstep checks "
            f"{', '.join(sorted(API_KINDS))}, so its definition is kept but not a contract"
        )
        return
    declared = ApiConsumers.model_validate(client.get(api_path("apis", name, "consumers")))
    providers = sorted({d.service for d in declared.declared if d.relation == "provides_api"})
    if not providers:
        result.warnings.append(
            f"{where}: no component provides API {name} (spec.providesApis), so its "
            "definition is not published as a contract"
        )
    for provider in providers:
        service = ServiceDetail.model_validate(client.get(api_path("services", provider)))
        if not service.versions:
            result.warnings.append(
                f"{where}: {provider} has no registered version yet, so the definition of "
                f"API {name} is not published as its contract; register one (`unlockstep "
                f"versions create --service {provider} V`) and import again"
            )
            continue
        version = service.versions[0].number
        path = api_path("services", provider, "contracts", name, "versions", version)
        filename = f"{Path(api['location']).name} (API {name})"[:300]
        body = {"content": api["fields"]["definition"], "filename": filename, "kind": kind}
        try:
            published = client.put(path, body)
        except UnlockstepError as exc:
            result.warnings.append(
                f"{where}: the definition of API {name} was not published as contract of "
                f"{provider} {version}: {exc.message}"
            )
            continue
        result.contracts.append(f"{provider}/{name} {version} ({published.get('outcome')})")


def summary(result: CatalogImportResult) -> str:
    lines = []
    for key in ("created", "updated", "unchanged"):
        names = getattr(result, key)
        if names:
            lines.append(f"{key}: {', '.join(names)}")
    if result.retired:
        lines.append(f"retired (history kept): {', '.join(result.retired)}")
    if result.deleted:
        lines.append(f"deleted: {', '.join(result.deleted)}")
    kept = [name for name in result.removed if name not in {*result.retired, *result.deleted}]
    if kept and not result.pruned:
        lines.append(f"removed from the catalog, kept (use --prune): {', '.join(kept)}")
    if result.contracts:
        lines.append(f"contracts from API definitions: {', '.join(result.contracts)}")
    if result.skipped:
        lines.append(f"skipped (kinds unlockstep does not import): {', '.join(result.skipped)}")
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines) or "nothing to import"


def _ask(preview: CatalogImportResult) -> bool:
    """Show what a prune would do (on stderr) and ask; no answer (not a terminal) is no."""
    click.echo("catalog import --prune would:", err=True)
    if preview.retired:
        click.echo(f"  retire (history kept): {', '.join(preview.retired)}", err=True)
    if preview.deleted:
        click.echo(f"  delete: {', '.join(preview.deleted)}", err=True)
    try:
        return click.confirm("Go ahead?", default=False, err=True)
    except click.Abort:
        return False


@click.group("catalog")
def catalog() -> None:
    """Backstage catalog descriptors."""


@catalog.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--prune", is_flag=True,
              help="act on entities these files no longer contain: retire services "
                   "(history stays), delete teams, systems, API entities; asks first")  # fmt: skip
@click.option("--yes", "-y", is_flag=True, help="prune without asking")
@format_option()
def catalog_import(files: tuple[Path, ...], prune: bool, yes: bool, fmt: str) -> None:
    """Import catalog-info.yaml files (multi-document). $text/$json/$yaml resolve next to each
    file, or from URLs on the hosts UNLOCKSTEP_CATALOG_URL_HOSTS allows. API definitions are
    published as contracts of the components that provide them. --prune first shows what it
    would retire or delete and asks (exit 2 when not confirmed; --yes skips the question)."""
    settings = context.settings()
    fetch = url_fetcher(settings.catalog_url_hosts, settings.catalog_url_max_kb * 1024)
    result = import_files(list(files), prune, fetch, confirm=None if yes else _ask)
    emit(fmt, result.model_dump(mode="json"), lambda _: summary(result))


COMMANDS: tuple[click.Command, ...] = (catalog,)
