"""The engine registry imports a format package only when one of its kinds is needed, and
detects the same kinds as trying every engine in turn would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from unlockstep.core import engines
from unlockstep.core.compat import ENGINES, Engine, Source
from unlockstep.errors import InvalidInput

REPO = Path(__file__).resolve().parents[2]

#: Documents of every kind, by name and content (name matters for extension claims).
SAMPLES: dict[str, tuple[str, str]] = {
    "openapi yaml": ("api.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"),
    "swagger json": ("api.json", '{"swagger": "2.0", "info": {}, "paths": {}}'),
    "asyncapi": ("events.yaml", "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\n"),
    "openapi marker far down": (
        "spec.json",
        '{"components": {"schemas": {'
        + ", ".join(f'"S{i}": {{"type": "string"}}' for i in range(400))
        + '}}, "openapi": "3.1.0", "paths": {}}',
    ),
    "avro record": ("order.json", '{"type": "record", "name": "Order", "fields": []}'),
    "avro by extension": ("order.avsc", '"string"'),
    "protobuf by content": ("order.txt", 'syntax = "proto3";\nmessage Order { string id = 1; }\n'),
    "protobuf by extension": ("order.proto", "message Order { string id = 1; }\n"),
    "table": ("schema.sql", "CREATE TABLE cases (id bigint PRIMARY KEY);\n"),
    "sql without a table": ("V1__x.sql", "UPDATE cases SET a = 1;\n"),
    "json schema": (
        "case.schema.json",
        '{"type": "object", "properties": {"id": {"type": "string"}}}',
    ),
    "json schema by hint": (
        "case.json",
        '{"$schema": "https://json-schema.org/draft/2020-12/schema"}',
    ),
}


def _every_engine_in_turn(source: Source) -> str:
    """Detection as it was before engines loaded lazily: every sniff by kind name, then the
    version marker, then JSON Schema."""
    every = engines.load_all()
    for kind in sorted(k for k in every if k != engines.FALLBACK):
        if every[kind].sniff(source):
            return kind
    marker = engines._MARKER.search(source.text)
    if marker is not None:
        return engines._MARKED[marker.group(1)]
    if every[engines.FALLBACK].sniff(source):
        return engines.FALLBACK
    return "none"


def _contract_files() -> list[Path]:
    folders = [REPO / "examples" / "estate" / "contracts", REPO / "tests" / "fixtures"]
    return sorted(p for f in folders for p in f.rglob("*") if p.is_file())


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_detection_agrees_with_trying_every_engine_in_turn(sample: str) -> None:
    name, text = SAMPLES[sample]
    source = Source(text, name)
    try:
        found = engines.detect(source).kind
    except InvalidInput:
        found = "none"
    assert found == _every_engine_in_turn(source)


def test_detection_agrees_on_every_contract_file_in_the_repository() -> None:
    files = _contract_files()
    assert len(files) > 10
    for path in files:
        source = Source(path.read_text(encoding="utf-8"), str(path))
        try:
            found = engines.detect(source).kind
        except InvalidInput:
            found = "none"
        assert found == _every_engine_in_turn(source), path


def test_every_kind_is_registered_by_the_package_the_table_names() -> None:
    every = engines.load_all()
    assert set(engines.KINDS) <= set(every)
    for kind, entry in engines.KINDS.items():
        engine: Engine = every[kind]
        assert engine.kind == kind
        assert type(engine).__module__.startswith(entry.package + "."), kind


def test_a_kind_claimed_only_by_extension_sniffs_nothing_else() -> None:
    for kind, entry in engines.KINDS.items():
        if entry.only:
            text = SAMPLES["table"][1]
            assert not engines.engine(kind).sniff(Source(text, "schema.txt")), kind


def test_an_unknown_kind_lists_every_kind() -> None:
    with pytest.raises(InvalidInput) as caught:
        engines.engine("graphql")
    assert caught.value.hint is not None
    assert all(kind in caught.value.hint for kind in engines.KINDS)


_PROBE = """
import sys
from unlockstep.core import engines
from unlockstep.core.compat import Source
print(engines.detect(Source(sys.argv[1], sys.argv[2])).kind)
tops = {m.split(".")[0] for m in sys.modules}
print(" ".join(sorted(tops | {m for m in sys.modules if m.startswith("unlockstep.core.")})))
"""


@pytest.mark.parametrize(
    ("sample", "loaded", "not_loaded"),
    [
        (
            "openapi yaml",
            "unlockstep.core.openapi",
            (
                "postgast",
                "unlockstep.core.protobuf",
                "unlockstep.core.avro",
                "unlockstep.core.migrations",
            ),
        ),
        (
            "protobuf by extension",
            "unlockstep.core.protobuf",
            (
                "postgast",
                "unlockstep.core.openapi",
                "unlockstep.core.avro",
                "unlockstep.core.migrations",
            ),
        ),
    ],
)
def test_detecting_a_kind_imports_only_its_package(
    sample: str, loaded: str, not_loaded: tuple[str, ...]
) -> None:
    name, text = SAMPLES[sample]
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, text, name], capture_output=True, text=True, check=True
    )
    _, modules = result.stdout.splitlines()
    found = set(modules.split())
    assert loaded in found
    assert found.isdisjoint(not_loaded), sorted(found & set(not_loaded))


def test_detecting_a_table_loads_it_in_a_fresh_process() -> None:
    name, text = SAMPLES["table"]
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, text, name], capture_output=True, text=True, check=True
    )
    kind, modules = result.stdout.splitlines()
    assert kind == "table"
    assert "unlockstep.core.migrations._table" in modules.split()


def test_checking_migrations_does_not_load_the_table_kind() -> None:
    code = (
        "import sys; from unlockstep.core.migrations import MigrationFile, check_files; "
        "check_files([MigrationFile('V1__a.sql', 'ALTER TABLE t ADD COLUMN c text;')]); "
        "print(' '.join(sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    assert "unlockstep.core.migrations._classify" in loaded
    assert "unlockstep.core.migrations._table" not in loaded


def test_load_all_fills_the_registry() -> None:
    assert set(engines.load_all()) >= set(engines.KINDS)
    assert engines.load_all() is ENGINES
