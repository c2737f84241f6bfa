"""Hostile documents through ``unlockstep diff``: seconds and peak memory per case.

Run: ``python bench/hostile_input.py`` (all cases) or ``python bench/hostile_input.py CASE…``.
Each case builds its documents in a temporary directory, then a fresh child interpreter runs
``unlockstep diff OLD NEW`` in-process (so each peak RSS is that case's alone) and reports
the exit code, the first line of the message (the temporary folder left out), the seconds
the command took (best of ``--repeat`` runs, wall and CPU) and its peak RSS
(``resource.getrusage``). ``idle`` diffs two tiny files: the baseline.

The rule these figures check (issue 3): each hostile input gets a clear error (exit 2, one
line, no traceback) within a second or two and bounded memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _plain(folder: Path) -> Path:
    return _write(folder, "plain.json", json.dumps({"$schema": SCHEMA, "type": "object"}))


def idle(folder: Path) -> tuple[Path, Path]:
    return _plain(folder), _plain(folder)


def ref_cycle(folder: Path) -> tuple[Path, Path]:
    doc = {
        "$schema": SCHEMA,
        "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
        "type": "object",
        "properties": {"x": {"$ref": "#/$defs/a"}},
    }
    return _plain(folder), _write(folder, "cycle.json", json.dumps(doc))


def ref_cycle_files(folder: Path) -> tuple[Path, Path]:
    _write(folder, "a.json", json.dumps({"$ref": "b.json"}))
    _write(folder, "b.json", json.dumps({"$ref": "a.json"}))
    doc = {"$schema": SCHEMA, "type": "object", "properties": {"x": {"$ref": "a.json"}}}
    return _plain(folder), _write(folder, "root.json", json.dumps(doc))


def recursive_files(folder: Path) -> tuple[Path, Path]:
    """Not hostile: a legitimately recursive schema across two files compares fine."""
    node = {"type": "object", "properties": {"up": {"$ref": "parent.json"}, "v": {}}}
    parent = {"type": "object", "properties": {"child": {"$ref": "node.json"}}}
    _write(folder, "node.json", json.dumps(node))
    _write(folder, "parent.json", json.dumps(parent))
    old = {"$schema": SCHEMA, "type": "object", "properties": {"n": {"$ref": "node.json"}}}
    new = {**old, "required": ["n"]}
    return _write(folder, "old.json", json.dumps(old)), _write(folder, "new.json", json.dumps(new))


def deep_json(folder: Path, depth: int = 10_000) -> tuple[Path, Path]:
    nested = '{"a": ' * depth + "{}" + "}" * depth
    text = f'{{"$schema": "{SCHEMA}", "type": "object", "properties": {nested}}}'
    return _plain(folder), _write(folder, "deep.json", text)


def deep_json_array(folder: Path, depth: int = 10_000) -> tuple[Path, Path]:
    nested = "[" * depth + "]" * depth
    text = f'{{"$schema": "{SCHEMA}", "type": "array", "enum": [{nested}]}}'
    return _plain(folder), _write(folder, "deep.json", text)


def deep_yaml_flow(folder: Path, depth: int = 10_000) -> tuple[Path, Path]:
    text = f"$schema: {SCHEMA}\ntype: object\nproperties: " + "{a: " * depth + "{}" + "}" * depth
    return _plain(folder), _write(folder, "deep.yaml", text + "\n")


def deep_yaml_compact(folder: Path, depth: int = 100_000) -> tuple[Path, Path]:
    """``- - - … x``: block sequences nested on one line (libyaml's composer recurses in C
    and overflows the stack on this, 200 KB, unless refused first)."""
    text = f"$schema: {SCHEMA}\ntype: array\nenum:\n" + "- " * depth + "x\n"
    return _plain(folder), _write(folder, "deep.yaml", text)


def deep_yaml_indent(folder: Path, depth: int = 7_000) -> tuple[Path, Path]:
    """Block mappings nested by one space per level (the text grows with depth squared:
    7,000 levels are 24.5 MB, under the default cap)."""
    lines = [f"$schema: {SCHEMA}", "type: object", "properties:"]
    lines += [" " * (i + 1) + "a:" for i in range(depth)]
    return _plain(folder), _write(folder, "deep.yaml", "\n".join(lines) + " {}\n")


def yaml_bomb(folder: Path) -> tuple[Path, Path]:
    """Billion laughs: nine levels of nine aliases (9**9 strings if expanded)."""
    lines = [f"$schema: {SCHEMA}", "type: object", 'x0: &x0 ["lol","lol","lol","lol","lol",'
             '"lol","lol","lol","lol"]']  # fmt: skip
    for i in range(1, 10):
        lines.append(f"x{i}: &x{i} [" + ",".join([f"*x{i - 1}"] * 9) + "]")
    return _plain(folder), _write(folder, "bomb.yaml", "\n".join(lines) + "\n")


def yaml_recursive_alias(folder: Path) -> tuple[Path, Path]:
    text = f"$schema: {SCHEMA}\ntype: object\nloop: &loop\n  again: *loop\n"
    return _plain(folder), _write(folder, "loop.yaml", text)


def invalid_utf8(folder: Path) -> tuple[Path, Path]:
    head = json.dumps({"$schema": SCHEMA, "type": "object"}, indent=2).encode()
    return _plain(folder), _write(folder, "latin1.json", head[:-2] + b',\n  "title": "Caf\xe9"\n}')


def _big(folder: Path, megabytes: int) -> Path:
    """A JSON Schema of ``megabytes`` MB: many properties with long descriptions."""
    prop = {"type": "string", "description": "x" * 1000}
    count = megabytes * 1024 * 1024 // (len(json.dumps(prop)) + 12)
    props = ", ".join(f'"p{i}": {json.dumps(prop)}' for i in range(count))
    text = f'{{"$schema": "{SCHEMA}", "type": "object", "properties": {{{props}}}}}'
    return _write(folder, f"big{megabytes}.json", text)


def large_50mb(folder: Path) -> tuple[Path, Path]:
    return _plain(folder), _big(folder, 50)


def large_30mb(folder: Path) -> tuple[Path, Path]:
    """Not hostile: under the default 32 MiB cap, so it is parsed and compared (the cost the
    cap bounds)."""
    return _plain(folder), _big(folder, 30)


CASES: dict[str, Callable[[Path], tuple[Path, Path]]] = {
    "idle": idle,
    "ref-cycle": ref_cycle,
    "ref-cycle-files": ref_cycle_files,
    "recursive-files": recursive_files,
    "deep-json-10000": deep_json,
    "deep-json-array-10000": deep_json_array,
    "deep-yaml-flow-10000": deep_yaml_flow,
    "deep-yaml-compact-100000": deep_yaml_compact,
    "deep-yaml-indent-7000": deep_yaml_indent,
    "yaml-bomb": yaml_bomb,
    "yaml-recursive-alias": yaml_recursive_alias,
    "invalid-utf8": invalid_utf8,
    "large-50mb": large_50mb,
    "large-30mb": large_30mb,
}


def run_case(old: Path, new: Path, repeat: int) -> dict[str, object]:
    """In this (child) process: run ``unlockstep diff OLD NEW`` ``repeat`` times."""
    from click.testing import CliRunner

    from unlockstep.cli.main import cli

    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        runner = CliRunner()
        wall, cpu = time.perf_counter(), time.process_time()
        result = runner.invoke(cli, ["diff", str(old), str(new)])
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    output = (result.stderr if result.stderr_bytes else result.output).strip()
    return {
        "exit": result.exit_code,
        "crashed": result.exception is not None and not isinstance(result.exception, SystemExit),
        "message": output.splitlines()[0] if output else "",
        "wall_s": round(best_wall, 3),
        "cpu_s": round(best_cpu, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"default: all of {', '.join(CASES)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; best is shown")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--build", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(Path(args.child[0]), Path(args.child[1]), args.repeat)))
        return
    if args.build:
        print(json.dumps([str(p) for p in CASES[args.build[0]](Path(args.build[1]))]))
        return
    print(f"load: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}  best of {args.repeat}")
    print(f"{'case':<26}{'MB':>6}{'exit':>5}{'wall s':>8}{'cpu s':>7}{'peak MB':>9}  message")
    for name in args.cases or CASES:
        with tempfile.TemporaryDirectory() as tmp:
            # built by another child: Linux keeps a process's peak RSS across fork and exec,
            # so a parent that once held a 50 MB text would inflate every child's figure
            built = subprocess.run(
                [sys.executable, __file__, "--build", name, tmp], capture_output=True, check=True
            )
            old, new = map(Path, json.loads(built.stdout))
            size = new.stat().st_size
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(old),
                    str(new),
                    "--repeat",
                    str(args.repeat),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        if done.returncode != 0:
            print(f"{name:<26} CHILD FAILED ({done.returncode}): {done.stderr.strip()[-300:]}")
            continue
        row = json.loads(done.stdout)
        message = str(row["message"]).replace(tmp, "")[:100]
        print(
            f"{name:<26}{size / 1e6:>6.1f}{row['exit']:>5}{row['wall_s']:>8.3f}"
            f"{row['cpu_s']:>7.3f}{row['peak_rss_mb']:>9.1f}  {message}"
            + (" CRASH" if row["crashed"] else "")
        )


if __name__ == "__main__":
    main()
