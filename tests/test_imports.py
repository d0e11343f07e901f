"""The house: no import circles inside the package, and the lower floors never import the
package ``__init__``.

The import graph is read from the source (every ``import`` statement, including those
inside functions and under ``TYPE_CHECKING``: a lazy import hides a circle, it does not
remove it); a circle is a strongly connected component of that graph.
"""

from __future__ import annotations

import sys
from pathlib import Path

import borderforecast
from borderforecast.cache import _imports

PACKAGE = Path(borderforecast.__file__).resolve().parent

KNOWN_CYCLES_TO_BE_FIXED_ON_OTHER_BRANCHES: list[set[str]] = []
"""Circles other branches remove. THIS LIST MUST BE EMPTY AFTER MERGING ALL BRANCHES:
delete an entry when its branch lands, so the test then guards it too."""

KNOWN_INIT_IMPORTERS_TO_BE_FIXED: set[str] = set()
"""Modules that still import the package ``__init__`` (the report helper's branch fixes
them). MUST BE EMPTY AFTER MERGING."""


def module_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    mods: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps = set()
        for target in _imports(name, path):
            while target and target not in mods:  # `from x import name`: name is not a module
                target = target.rpartition(".")[0]
            if target and target != name:
                deps.add(target)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(comp)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_graph_sees_lazy_and_relative_imports():
    graph = module_graph()
    assert "borderforecast.data.table" in graph["borderforecast.data.store"]
    assert "borderforecast.models._smtools" in graph["borderforecast.models.sarima"]


def test_no_import_circles():
    found = cycles(module_graph())
    unexpected = [c for c in found if c not in KNOWN_CYCLES_TO_BE_FIXED_ON_OTHER_BRANCHES]
    assert not unexpected, "import circles: " + "; ".join(
        " <-> ".join(sorted(c)) for c in unexpected
    )


def test_known_cycles_list_is_not_stale():
    found = cycles(module_graph())
    stale = [c for c in KNOWN_CYCLES_TO_BE_FIXED_ON_OTHER_BRANCHES if c not in found]
    assert not stale, f"fixed, remove from KNOWN_CYCLES_TO_BE_FIXED_ON_OTHER_BRANCHES: {stale}"


def test_lower_floors_do_not_import_the_package_init():
    graph = module_graph()
    importers = {m for m, deps in graph.items() if "borderforecast" in deps}
    assert importers <= KNOWN_INIT_IMPORTERS_TO_BE_FIXED | {"borderforecast.cli"} | {
        m for m in importers if m.startswith("borderforecast.cli.")
    }
    for floor in ("data", "backtesting", "models", "cache", "atomic", "paths", "errors"):
        assert not {m for m in importers if m.startswith(f"borderforecast.{floor}")}


FLOORS: dict[str, int] = {
    "cli": 7,
    "reporting": 6,
    "forecast": 5,
    "forecaster": 5,
    "assessment": 5,
    "backtesting": 4,
    "models": 3,
    "season": 3,
    "month_context": 3,
    "context": 3,
    "intervals": 2,
    "data": 2,
    "plotting": 2,
    "cache": 2,
    "errors": 1,
    "series": 1,
    "fiscal": 1,
    "paths": 1,
    "atomic": 1,
    "locking": 1,
    "version": 1,
    "text": 1,
    "plaindata": 1,
}
"""The house's floors (docs/architecture.md): a module imports only from its own floor or below.
The package ``__init__`` (the lazy public face) is the one exception."""


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """``a (floor) -> b (floor)`` for every import of a higher floor, and modules on no floor."""

    def floor(module: str) -> int | None:
        parts = module.split(".")
        return None if len(parts) == 1 else FLOORS.get(parts[1], -1)

    found = []
    for module, deps in sorted(graph.items()):
        f = floor(module)
        if f == -1:
            found.append(f"{module} is on no floor (add it to FLOORS)")
        for dep in sorted(deps):
            d = floor(dep)
            if f not in (None, -1) and d is not None and d > f:
                found.append(f"{module} ({f}) -> {dep} ({d})")
    return found


def test_layer_finder_finds_an_upward_import():
    graph = {"borderforecast.models.base": {"borderforecast.backtesting.live"}}
    assert upward_imports(graph) == [
        "borderforecast.models.base (3) -> borderforecast.backtesting.live (4)"
    ]
    assert upward_imports({"borderforecast.attic": set()}) == [
        "borderforecast.attic is on no floor (add it to FLOORS)"
    ]


def test_no_module_imports_from_a_higher_floor():
    assert upward_imports(module_graph()) == []


def test_no_module_over_400_lines():
    """Issue 22's house rule: a module holds one concept and a newcomer can read it whole."""
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}  # fmt: skip
    assert len(sizes) > 50, sizes  # the walk found the package
    assert {k: n for k, n in sizes.items() if n > 400} == {}


def test_every_third_party_import_is_a_declared_dependency():
    """What the package imports comes from a distribution pyproject.toml names, not through
    another one (typer 0.29 stopped installing click, and ``pip install .`` then failed at the
    CLI's ``import click`` while the test extras still brought click in)."""
    import ast
    import re
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    extras = [r for rs in project["optional-dependencies"].values() for r in rs]
    # "dask[distributed]" declares dask and its distributed extra
    declared = {n.lower() for r in [*project["dependencies"], *extras]
                for n in re.findall(r"[\w.-]+", re.split(r"[<>=!~ ;]", r)[0])}  # fmt: skip
    owners = packages_distributions()
    undeclared = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in ("borderforecast", "__future__") or top in sys.stdlib_module_names:
                    continue
                if not {d.lower() for d in owners.get(top, [top])} & declared:
                    undeclared[top] = path.name
    assert not undeclared, f"imported but not a declared dependency: {undeclared}"
