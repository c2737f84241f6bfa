"""A reconciliation side from any source that has keyed rows, streamed ordered by key as the
merge in ``core.safety`` needs: SQL sorts on the database (``SqlSource.stream``); an HTTP
JSON answer or a file (JSON lines, CSV) is sorted here.

Memory: an HTTP answer is one body of at most ``http_json.MAX_BODY`` (16 MiB) and at most the
source's ``rowLimit`` rows (more is an error, never a silent cut), sorted in memory. A file may
be of any length: it is read in runs of ``SPILL_ROWS`` rows; each run is sorted and, when the
file holds more than one run, spilled to a temporary JSON-lines file; the runs are then merged
(``heapq.merge``). So at most one run of rows, plus one row per spilled run, is in memory, and
the spill takes about the file's size on the temporary disk.
"""

from __future__ import annotations

import csv
import heapq
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from unlockstep.core import safety as core
from unlockstep.sources.errors import SourceError
from unlockstep.sources.http_json import HttpJsonSource
from unlockstep.sources.sql import SqlSource

#: Rows sorted in memory at once when a file side is sorted (then spilled to disk).
SPILL_ROWS = 200_000

Rows = Iterator[tuple[Any, ...]]
Stream = Iterator[tuple[tuple[str, ...], Rows]]


@contextmanager
def stream(
    spec: core.SourceSpec,
    query: str,
    key: str | tuple[str, ...],
    *,
    integer_key: bool,
    env: Mapping[str, str],
    chunk: int = 5000,
    on_chunk: Callable[[int], None] | None = None,
    spill_rows: int | None = None,
    columns: Sequence[str] | None = None,
) -> Stream:
    """``query``'s columns and every row of ``spec``, ordered by ``key`` (a file sorted in
    runs of ``spill_rows``, default :data:`SPILL_ROWS`). JSON rows (HTTP, JSON lines) have no
    fixed columns: they are read as ``columns`` (what the comparison reads; an absent member
    is null), or as the members the answer has."""
    keys = (key,) if isinstance(key, str) else key
    if spec.kind in ("postgresql", "sqlite"):
        with SqlSource(spec, env).stream(
            query, key, integer_key=integer_key, chunk=chunk, on_chunk=on_chunk
        ) as found:
            yield found
        return
    if spec.kind == "http":
        result = HttpJsonSource(spec, env).fetch(query)
        if result.truncated:
            raise SourceError(
                "invalid",
                f"source {spec.name}: {query} answered more than its rowLimit of "
                f"{spec.row_limit} rows; raise rowLimit so every row is compared",
            )
        wanted = tuple(columns) if columns is not None else result.columns
        picks = [result.columns.index(c) if c in result.columns else None for c in wanted]
        rows = [tuple(None if i is None else r[i] for i in picks) for r in result.rows]
        order = _sort_key(spec, wanted, keys, integer_key)
        yield wanted, _counted(_sorted(rows, order), chunk, on_chunk)
        return
    if spec.kind == "file":
        path = _file(spec, query)
        with ExitStack() as stack:
            names, lines = _read(spec, path, stack, columns)
            order = _sort_key(spec, names, keys, integer_key)
            run = spill_rows or SPILL_ROWS
            yield names, _external_sort(lines, order, run, stack, chunk, on_chunk)
        return
    raise SourceError("config", f"source {spec.name}: a {spec.kind} source has no keyed rows")


def _file(spec: core.SourceSpec, query: str) -> Path:
    folder = Path(spec.path or ".").resolve()
    path = (folder / query).resolve()
    if not path.is_relative_to(folder):
        raise SourceError("config", f"source {spec.name}: {query} is outside the source's folder")
    if not path.is_file():
        raise SourceError("invalid", f"source {spec.name}: no file {query} in its folder")
    return path


def _read(
    spec: core.SourceSpec, path: Path, stack: ExitStack, columns: Sequence[str] | None
) -> tuple[tuple[str, ...], Rows]:
    """A CSV file's header and rows (values as text), or a JSON-lines file's rows (one object
    a line) as ``columns`` (default: the first object's members)."""
    handle = stack.enter_context(path.open(encoding="utf-8", newline=""))
    if path.suffix.lower() == ".csv":
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise SourceError("invalid", f"source {spec.name}: {path.name} has no header row")
        width = len(header)

        def csv_rows() -> Rows:
            for number, row in enumerate(reader, start=2):
                if len(row) != width:
                    raise SourceError(
                        "invalid",
                        f"source {spec.name}: {path.name} line {number} has {len(row)} "
                        f"values, the header {width}",
                    )
                yield tuple(row)

        return tuple(header), csv_rows()
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise SourceError(
            "invalid",
            f"source {spec.name}: {path.name} is neither .csv nor .jsonl/.ndjson (JSON lines)",
        )
    objects = _json_lines(spec, path, handle)
    if columns is None:
        first = next(objects, None)
        if first is None:
            return (), iter(())
        columns = tuple(first[1])
        objects = _chain(first, objects)
    wanted = tuple(columns)
    return wanted, (tuple(item.get(c) for c in wanted) for _, item in objects)


def _chain(
    first: tuple[int, dict[str, Any]], rest: Iterator[tuple[int, dict[str, Any]]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    yield first
    yield from rest


def _json_lines(
    spec: core.SourceSpec, path: Path, handle: IO[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise SourceError(
                "invalid", f"source {spec.name}: {path.name} line {number} is not JSON"
            ) from None
        if not isinstance(item, dict):
            raise SourceError(
                "invalid", f"source {spec.name}: {path.name} line {number} is not a JSON object"
            )
        yield number, item


def _sort_key(
    spec: core.SourceSpec, columns: Sequence[str], keys: Sequence[str], integer_key: bool
) -> Callable[[Sequence[Any]], Any]:
    """The order the merge checks: each key column as an integer, or as text by code point."""
    missing = [k for k in keys if k not in columns]
    if missing and columns:
        raise SourceError(
            "invalid",
            f"source {spec.name}: the rows have no column {missing[0]!r} "
            f"(they have {', '.join(columns)})",
        )
    indexes = [list(columns).index(k) for k in keys] if columns else []
    one = core.key_function(integer_key)

    def order(row: Sequence[Any]) -> Any:
        values = tuple(one(row[i]) for i in indexes)
        if None in values:
            raise core.KeyOrderError(f"source {spec.name} has a row without a key (null)")
        return values

    return order


def _external_sort(
    rows: Iterable[tuple[Any, ...]],
    order: Callable[[Sequence[Any]], Any],
    spill_rows: int,
    stack: ExitStack,
    chunk: int,
    on_chunk: Callable[[int], None] | None,
) -> Rows:
    """``rows`` ordered by ``order``: sorted runs of ``spill_rows``, spilled and merged."""
    runs: list[Path] = []
    run: list[tuple[Any, ...]] = []
    folder: Path | None = None
    for row in rows:
        run.append(row)
        if len(run) >= spill_rows:
            if folder is None:
                temporary = tempfile.TemporaryDirectory(prefix="unlockstep-")
                folder = Path(stack.enter_context(temporary))
            runs.append(_spill(sorted(run, key=order), folder / f"run-{len(runs)}.jsonl"))
            run = []
    run.sort(key=order)
    if not runs:
        yield from _counted(iter(run), chunk, on_chunk)
        return
    readers = [_unspill(p, stack) for p in runs]
    merged = heapq.merge(*readers, iter(run), key=order)
    yield from _counted(merged, chunk, on_chunk)


def _sorted(rows: list[tuple[Any, ...]], order: Callable[[Sequence[Any]], Any]) -> Rows:
    """Sorted when first read, so a bad key surfaces inside the merge as from other sides."""
    yield from sorted(rows, key=order)


def _spill(rows: list[tuple[Any, ...]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, default=str, ensure_ascii=False))
            out.write("\n")
    return path


def _unspill(path: Path, stack: ExitStack) -> Rows:
    handle = stack.enter_context(path.open(encoding="utf-8"))
    return (tuple(json.loads(line)) for line in handle)


def _counted(
    rows: Iterator[tuple[Any, ...]], chunk: int, on_chunk: Callable[[int], None] | None
) -> Rows:
    """``rows``, calling ``on_chunk`` every ``chunk`` rows as SQL sides do (progress)."""
    for seen, row in enumerate(rows, start=1):
        yield row
        if on_chunk is not None and seen % chunk == 0:
            on_chunk(chunk)
