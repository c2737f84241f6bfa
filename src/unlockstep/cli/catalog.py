"""``unlockstep catalog import``: Backstage descriptors into the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from unlockstep.cli import context
from unlockstep.cli.output import emit, format_option
from unlockstep.core.registry import parse_catalog
from unlockstep.errors import InvalidInput, ParseError
from unlockstep.files import read_text


def read_descriptor(path: Path) -> tuple[str, list[dict[str, Any]], list[str], list[str]]:
    """Parse one descriptor file; returns its location key, entities, skipped and warnings."""
    text = read_text(path)
    folder = path.resolve().parent

    def read_relative(name: str) -> str:
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


def import_files(paths: list[Path], prune: bool = False) -> dict[str, Any]:
    """Parse every file first (nothing is sent if one is bad), then import in one request."""
    locations: list[str] = []
    entities: list[dict[str, Any]] = []
    skipped: list[str] = []
    warnings: list[str] = []
    for path in paths:
        location, found, skip, warn = read_descriptor(path)
        locations.append(location)
        entities.extend(found)
        skipped.extend(skip)
        warnings.extend(warn)
    result: dict[str, Any] = context.client().post(
        "/api/v1/catalog/import", {"locations": locations, "entities": entities, "prune": prune}
    )
    result["skipped"] = skipped
    result["warnings"] = warnings
    return result


def summary(result: dict[str, Any]) -> str:
    lines = []
    for key in ("created", "updated", "unchanged"):
        if result[key]:
            lines.append(f"{key}: {', '.join(result[key])}")
    if result["removed"]:
        verb = "deleted" if result["pruned"] else "kept (use --prune to delete)"
        lines.append(f"removed from the catalog, {verb}: {', '.join(result['removed'])}")
    if result["skipped"]:
        lines.append(f"skipped (kinds unlockstep does not import): {', '.join(result['skipped'])}")
    lines += [f"warning: {w}" for w in result["warnings"]]
    return "\n".join(lines) or "nothing to import"


@click.group("catalog")
def catalog() -> None:
    """Backstage catalog descriptors."""


@catalog.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--prune", is_flag=True, help="delete entities that these files no longer contain")
@format_option()
def catalog_import(files: tuple[Path, ...], prune: bool, fmt: str) -> None:
    """Import catalog-info.yaml files (multi-document; $text resolves next to each file)."""
    emit(fmt, import_files(list(files), prune), summary)


COMMANDS: tuple[click.Command, ...] = (catalog,)
