"""The shape of the house, pinned: ``core`` is pure and its packages talk through their faces.

Read from the source text with ``ast`` (nothing is imported), so a violation names the file
and line that introduced it.
"""

from __future__ import annotations

import ast
import functools
import pickle
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "unlockstep"
CORE = SRC / "core"
ADAPTERS = ("unlockstep.cli", "unlockstep.server", "unlockstep.store", "unlockstep.sdk")


@functools.cache
def _trees() -> dict[str, ast.Module]:
    """Every source file's syntax tree, parsed in a fresh interpreter. CPython 3.11 counts the
    AST builder's recursion per process, not per thread, so a parse running in a thread an
    earlier test left behind can make ``ast.parse`` here fail with a SystemError."""
    script = (
        "import ast, pickle, sys, pathlib\n"
        "root = pathlib.Path(sys.argv[1])\n"
        "trees = {str(p): ast.parse(p.read_text(), str(p)) for p in root.rglob('*.py')}\n"
        "sys.stdout.buffer.write(pickle.dumps(trees))\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(SRC)], capture_output=True, check=True)
    trees: dict[str, ast.Module] = pickle.loads(run.stdout)
    return trees


def _tree(path: Path) -> ast.Module:
    return _trees()[str(path)]


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(module: str) -> str | None:
    """The core package (or single module) ``module`` belongs to, e.g. ``openapi``."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["unlockstep", "core"] else None


def _core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_core_imports_no_adapter() -> None:
    bad = [
        f"{path.relative_to(SRC)}:{line}: imports {name}"
        for path in _core_files()
        for line, name in _imports(path)
        if name.startswith(ADAPTERS)
    ]
    assert not bad, "core must stay pure:\n" + "\n".join(bad)


def test_no_package_reaches_into_another_packages_private_modules() -> None:
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        own = _package(_module(path))
        for line, name in _imports(path):
            parts = name.split(".")
            target = _package(name)
            private = any(p.startswith("_") and not p.startswith("__") for p in parts[3:4])
            if target is not None and target != own and private:
                bad.append(f"{path.relative_to(SRC)}:{line}: imports {name}")
    assert not bad, (
        "import from the package's face (its __init__), not its _modules:\n" + "\n".join(bad)
    )


def test_core_packages_import_each_other_without_circles() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in _core_files():
        own = _package(_module(path))
        for _, name in _imports(path):
            target = _package(name)
            if own and target and target != own:
                edges[own].add(target)
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        for nxt in sorted(edges[node]):
            if nxt in trail:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif len(trail) < 12:
                visit(nxt, [*trail, nxt])

    for start in sorted(edges):
        visit(start, [start])
    assert not cycles, "core packages import in a circle: " + "; ".join(
        " -> ".join(c) for c in cycles[:5]
    )


def test_every_core_package_declares_its_public_face() -> None:
    for init in sorted(CORE.glob("*/__init__.py")):
        tree = _tree(init)
        names = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert "__all__" in names, f"{init.relative_to(SRC)} has no __all__"


def _runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """The modules ``path`` imports when it runs (``if TYPE_CHECKING:`` blocks left out);
    ``from pkg import mod`` counts as importing ``pkg.mod`` only."""
    tree = _tree(path)
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{alias.name}" for alias in node.names} & modules
            found |= subs or ({node.module} & modules)
    return found


def test_no_module_imports_itself_through_others() -> None:
    paths = {_module(path): path for path in SRC.rglob("*.py")}
    edges = {name: _runtime_imports(path, set(paths)) - {name} for name, path in paths.items()}
    circles: list[str] = []
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        for nxt in sorted(edges[node]):
            if nxt in trail:
                circles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in done:
                visit(nxt, [*trail, nxt])
        done.add(node)

    for start in sorted(edges):
        if start not in done:
            visit(start, [start])
    assert not circles, "import circles:\n" + "\n".join(circles[:10])
