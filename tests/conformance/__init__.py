"""Third-party conformance corpora that ship with the tests (origins and licences: ``NOTICE``).

Each folder holds exactly the files the conformance tests read, copied unmodified from the
shared corpus (its ``README.md`` says how the expectations were derived). A missing folder is
an error at collection, never a silent skip.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent

#: Every corpus the tests read, by folder name.
CORPORA = ("apicurio-avro", "apicurio-jsonschema", "buf-breaking", "oasdiff", "openapi-diff")


def corpus(name: str) -> Path:
    """The folder of one corpus; raises if it is missing, so its tests fail instead of skipping."""
    path = ROOT / name
    if name not in CORPORA or not (path / "README.md").is_file():
        raise FileNotFoundError(
            f"conformance corpus {name!r} not found at {path}: the corpora ship with the "
            "repository under tests/conformance/ (restore them with "
            "`git checkout -- tests/conformance`)"
        )
    return path
