"""Files as policy subjects: a release plan, each flag of a flagd file, an OpenAPI or AsyncAPI
contract, a resource already shaped as ``kind``/``metadata``/``spec`` (the seed's
``FeatureFlag``), or — for anything else — the document itself as the spec of a
``Document``, as Conftest would read it."""

from __future__ import annotations

from typing import Any

from unlockstep.core.documents import LinedDocument, load
from unlockstep.core.policies._model import Subject


def flag_spec(key: str, flag: dict[str, Any]) -> dict[str, Any]:
    """A flagd flag as a ``FeatureFlag`` spec: the lifecycle fields of its ``metadata``
    (owner, type, expires…) lifted beside the flagd fields, ``expires`` as ``expiresAt``."""
    metadata = flag.get("metadata") if isinstance(flag.get("metadata"), dict) else {}
    spec: dict[str, Any] = {k: v for k, v in flag.items() if k != "metadata"}
    for name, value in (metadata or {}).items():
        spec["expiresAt" if name == "expires" else name] = value
    spec["key"] = key
    return spec


def _shift(lines: dict[str, int], source: str, target: str) -> dict[str, int]:
    """Line numbers of pointers under ``source`` re-keyed under ``target``."""
    out: dict[str, int] = {}
    for pointer, line in lines.items():
        if pointer == source or pointer.startswith(source + "/"):
            out[target + pointer[len(source) :]] = line
    return out


def _flag_lines(lines: dict[str, int], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for pointer, line in _shift(lines, f"/flags/{key}", "/spec").items():
        if pointer.startswith("/spec/metadata/"):
            rest = pointer[len("/spec/metadata/") :]
            pointer = "/spec/" + ("expiresAt" + rest[7:] if rest.startswith("expires") else rest)
        out[pointer] = line
    return out


def subjects_of(doc: LinedDocument) -> list[Subject]:
    value = doc.value
    name = doc.filename
    lines = doc.lines
    if not isinstance(value, dict):
        return [Subject("Document", name, {"value": value}, name, _shift(lines, "", "/spec/value"))]
    if isinstance(value.get("kind"), str) and isinstance(value.get("metadata"), dict):
        spec: dict[str, Any] = value["spec"] if isinstance(value.get("spec"), dict) else {}
        extra = {k: v for k, v in value.items() if k not in ("kind", "spec", "registry")}
        shifted = {p: line for p, line in lines.items()}
        return [
            Subject(
                value["kind"], str(value["metadata"].get("name", name)), spec, name, shifted, extra
            )
        ]
    flags = value.get("flags")
    if isinstance(flags, dict) and all(isinstance(f, dict) for f in flags.values()):
        return [
            Subject(
                "FeatureFlag",
                key,
                flag_spec(key, flag),
                name,
                _flag_lines(lines, key),
            )
            for key, flag in flags.items()
        ]
    if "change" in value and ("services" in value or "contracts" in value):
        return [
            Subject("ReleasePlan", str(value["change"]), value, name, _shift(lines, "", "/spec"))
        ]
    for fmt in ("openapi", "swagger", "asyncapi"):
        if fmt in value:
            title = (
                (value.get("info") or {}).get("title")
                if isinstance(value.get("info"), dict)
                else None
            )
            return [
                Subject(
                    "Contract",
                    str(title or name),
                    {"format": fmt, "document": value},
                    name,
                    _shift(lines, "", "/spec/document"),
                )
            ]
    return [Subject("Document", name, value, name, _shift(lines, "", "/spec"))]


def subjects_from_text(text: str, filename: str) -> list[Subject]:
    return subjects_of(load(text, filename))
