"""Reconciliation sides beyond SQL, and composite keys: an HTTP JSON answer and JSON-lines or
CSV files are sorted by key here (files through sorted runs spilled to disk), so the same
streaming merge compares any two of them with PostgreSQL; a key may be several columns."""

from __future__ import annotations

import csv
import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.safety.test_reconcile import key_text, table_pairs
from tests.safety_systems import ReadOnlySystem, readonly_postgres
from unlockstep.core.safety import FieldMap, ReconciliationSpec, Side, SourceSpec, parse
from unlockstep.core.safety import key_text as key_text_of
from unlockstep.errors import InvalidInput
from unlockstep.services.reconciliation import compare
from unlockstep.sources import sides
from unlockstep.sources.connect import SourcePolicy
from unlockstep.sources.errors import SourceError


def file_source(folder: Path) -> SourceSpec:
    return SourceSpec(name="export", kind="file", path=str(folder))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def write_csv(path: Path, header: list[str], rows: list[tuple[Any, ...]]) -> None:
    lines = [",".join(header), *(",".join(str(v) for v in r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def streamed(spec: SourceSpec, query: str, key: Any, **options: Any) -> list[tuple[Any, ...]]:
    with sides.stream(spec, query, key, integer_key=False, env={}, **options) as (_, rows):
        return list(rows)


def test_a_file_longer_than_one_run_is_spilled_sorted_and_merged(tmp_path: Path) -> None:
    keys = [f"k{n:04d}" for n in range(250)]
    random.Random(7).shuffle(keys)
    write_jsonl(tmp_path / "cases.jsonl", [{"id": k, "status": "open"} for k in keys])
    rows = streamed(file_source(tmp_path), "cases.jsonl", "id", spill_rows=40)
    assert [r[0] for r in rows] == sorted(keys)  # 7 spilled runs and the rest, merged


def test_a_composite_key_orders_by_each_column_in_turn(tmp_path: Path) -> None:
    data = [("b", 1), ("a", 2), ("a", 10), ("b", 0)]
    write_csv(tmp_path / "t.csv", ["tenant", "id"], data)
    rows = streamed(file_source(tmp_path), "t.csv", ("tenant", "id"), spill_rows=3)
    assert rows == [("a", "10"), ("a", "2"), ("b", "0"), ("b", "1")]  # text: "10" < "2"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"id": 1}\nnot json\n', "line 2 is not JSON"),
        ("list.jsonl", "[1, 2]\n", "line 1 is not a JSON object"),
        ("short.csv", "id,status\n1\n", "line 2 has 1 values"),
        ("cases.txt", "id\n1\n", "neither .csv nor .jsonl"),
    ],
)
def test_a_malformed_file_is_invalid_and_says_where(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=message) as raised:
        streamed(file_source(tmp_path), name, "id")
    assert raised.value.kind == "invalid"


def test_a_file_outside_the_source_folder_is_refused(tmp_path: Path) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    write_jsonl(tmp_path / "secret.jsonl", [{"id": 1}])
    with pytest.raises(SourceError, match="outside the source's folder"):
        streamed(file_source(inside), "../secret.jsonl", "id")


def test_the_server_reads_file_sources_only_in_allowed_folders(tmp_path: Path) -> None:
    policy = SourcePolicy(secrets=frozenset(), sqlite_dirs=(str(tmp_path / "allowed"),))
    with pytest.raises(SourceError, match="UNLOCKSTEP_SAFETY_SQLITE_DIRS"):
        policy.check(file_source(tmp_path / "elsewhere"))
    policy.check(file_source(tmp_path / "allowed" / "exports"))


class _Cases(BaseHTTPRequestHandler):
    body = b"[]"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_: Any) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up must not print into a later test's captured stderr


@pytest.fixture
def http_cases() -> Iterator[tuple[SourceSpec, type[_Cases]]]:
    handler = type("Cases", (_Cases,), {})
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        yield SourceSpec(name="new-api", kind="http", url=url, row_limit=50), handler
    finally:
        server.shutdown()
        server.server_close()


def reconciliation(left: Side, right: Side, key_type: str = "text") -> ReconciliationSpec:
    return ReconciliationSpec(
        name="cases", service="case-service", owner="t", description="",
        left=left, right=right, fields=(FieldMap("status", "status", "state"),),
        key_type=key_type, chunk=10,  # type: ignore[arg-type]
    )  # fmt: skip


def test_an_http_side_against_a_csv_file_by_a_composite_key(
    tmp_path: Path, http_cases: tuple[SourceSpec, type[_Cases]]
) -> None:
    api, handler = http_cases
    handler.body = json.dumps(
        {"items": [
            {"tenant": "b", "caseId": 1, "state": "open"},
            {"tenant": "a", "caseId": 2, "state": "closed"},
            {"tenant": "a", "caseId": 1, "state": "open"},
        ]}
    ).encode()  # fmt: skip
    write_csv(tmp_path / "legacy.csv", ["tenant", "id", "status"],
              [("a", 1, "open"), ("a", 2, "open"), ("c", 9, "open")])  # fmt: skip
    spec = reconciliation(
        Side("legacy", "legacy.csv", ("tenant", "id")),
        Side("new-api", "/cases#/items", ("tenant", "caseId")),
    )
    found: list[Any] = []
    tally = compare(spec, file_source(tmp_path), api, env={}, on_discrepancies=found.extend)
    assert [(d.kind, d.key) for d in found] == [
        ("mismatch", '["a","2"]'),
        ("missing-left", '["b","1"]'),
        ("missing-right", '["c","9"]'),
    ]
    assert (tally.matched, tally.left_rows, tally.right_rows) == (1, 3, 3)


def test_an_http_answer_past_its_row_limit_is_an_error_not_a_partial_comparison(
    http_cases: tuple[SourceSpec, type[_Cases]],
) -> None:
    api, handler = http_cases
    handler.body = json.dumps([{"id": n} for n in range(51)]).encode()
    with pytest.raises(SourceError, match="raise rowLimit"):
        streamed(api, "/cases", "id")


CASES = """
CREATE TABLE cases (tenant text, id integer, status text, PRIMARY KEY (tenant, id));
INSERT INTO cases SELECT CASE WHEN g % 2 = 0 THEN 'acme' ELSE 'zeta' END, g, 'open'
FROM generate_series(1, 300) AS g;
UPDATE cases SET status = 'closed' WHERE id IN (10, 11);
"""


@pytest.fixture
def system() -> Iterator[ReadOnlySystem]:
    with readonly_postgres(CASES) as found:
        yield found


@pytest.mark.postgres
def test_postgresql_against_a_jsonl_export_by_a_composite_key(
    system: ReadOnlySystem, tmp_path: Path
) -> None:
    export = [
        {"tenant": "acme" if n % 2 == 0 else "zeta", "id": n, "state": "open"}
        for n in range(1, 301)
        if n != 7
    ]
    export.append({"tenant": "acme", "id": 999, "state": "open"})
    random.Random(3).shuffle(export)
    write_jsonl(tmp_path / "cases.jsonl", export)
    db = SourceSpec(name="legacy", kind="postgresql", dsn_env="LEGACY_DSN")
    spec = reconciliation(
        Side("legacy", "SELECT tenant, id, status FROM cases", ("tenant", "id")),
        Side("export", "cases.jsonl", ("tenant", "id")),
    )
    found: list[Any] = []
    tally = compare(
        spec, db, file_source(tmp_path), env={"LEGACY_DSN": system.dsn},
        on_discrepancies=found.extend,
    )  # fmt: skip
    # in key order: tenant first, then the id as text ("10" < "7" < "999")
    assert [(d.kind, d.key) for d in found] == [
        ("mismatch", '["acme","10"]'),
        ("missing-left", '["acme","999"]'),
        ("mismatch", '["zeta","11"]'),
        ("missing-right", '["zeta","7"]'),
    ]
    assert tally.matched == 297


def test_a_safety_nets_file_declares_file_sides_and_composite_keys() -> None:
    text = """
service: case-service
owner: case-platform-team
sources:
  legacy-export: {kind: file, path: exports}
  new-api: {kind: http, url: "https://cases.internal"}
reconciliations:
  cases:
    left: {source: legacy-export, query: cases.csv, key: [tenant, id]}
    right: {source: new-api, query: "/cases#/items", key: [tenant, caseId]}
    fields: {status: {left: status, right: state}}
"""
    nets = parse(text, "safety-nets.yaml", base="/srv/case-service")
    [r] = nets.reconciliations
    assert r.left.keys == ("tenant", "id") and r.right.keys == ("tenant", "caseId")
    assert nets.source("legacy-export").path == "/srv/case-service/exports"  # type: ignore[union-attr]
    with pytest.raises(InvalidInput, match="inside the source's folder"):
        parse(text.replace("query: cases.csv", "query: ../etc/passwd"), "s.yaml")


composite_keys = st.sets(
    st.tuples(st.sampled_from(["acme", "zeta", "Ärger"]), key_text), max_size=30
)


@settings(max_examples=30, deadline=None)
@given(table_pairs(composite_keys, show=key_text_of), st.randoms(use_true_random=False),
       st.integers(2, 9))  # fmt: skip
def test_a_csv_and_a_jsonl_file_by_a_composite_key_report_exactly_the_injected_differences(
    tmp_path_factory: pytest.TempPathFactory,
    pair: tuple[list[tuple[Any, str]], list[tuple[Any, str]], set[tuple[str, str]]],
    shuffler: Any,
    spill: int,
) -> None:
    """Rows in random order, keys of any code points (commas, quotes, newlines in CSV), files
    sorted through spilled runs of a few rows."""
    left, right, injected = pair
    shuffler.shuffle(left)
    shuffler.shuffle(right)
    folder = tmp_path_factory.mktemp("files")
    with (folder / "old.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["tenant", "id", "status"])
        writer.writerows((t, k, v) for (t, k), v in left)
    write_jsonl(folder / "new.jsonl", [{"tenant": t, "caseId": k, "state": v}
                                       for (t, k), v in right])  # fmt: skip
    spec = reconciliation(
        Side("old", "old.csv", ("tenant", "id")), Side("new", "new.jsonl", ("tenant", "caseId"))
    )
    found: list[Any] = []
    source = file_source(folder)
    original = sides.SPILL_ROWS
    sides.SPILL_ROWS = spill
    try:
        tally = compare(spec, source, source, env={}, on_discrepancies=found.extend)
    finally:
        sides.SPILL_ROWS = original
    reported = [(d.kind, d.key) for d in found]
    assert len(reported) == len(set(reported))
    assert set(reported) == injected
    assert tally.left_rows == len(left) and tally.right_rows == len(right)
