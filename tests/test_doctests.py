"""Run the examples in the docstrings of every module of the installed package.

Examples are part of the documentation (the API reference is generated from
the docstrings), so they must run and give the output they show, on the
bundled data. Each module is one test, so a failure names the module and the
example; a module that needs an optional dependency that is not installed is
skipped, not failed.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import io
import pkgutil

import pytest

import borderforecast

pytestmark = pytest.mark.warm_home("snaive")  # examples fit snaive on the bundled series

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

MIN_EXAMPLES = 240
"""At least this many examples must be found: the count only grows as examples are added,
so a drop means docstrings (or whole modules) silently fell out of the run."""


def _module_names() -> list[str]:
    names = ["borderforecast"]
    names += [
        m.name
        for m in pkgutil.walk_packages(borderforecast.__path__, prefix="borderforecast.")
        if not m.name.rsplit(".", 1)[-1].startswith("__")
    ]
    return sorted(names)


MODULES = _module_names()


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # an optional dependency (e.g. dask) is missing
        pytest.skip(f"{name} needs an optional dependency: {exc}")


def _tests(module) -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [t for t in finder.find(module, module.__name__) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = _import(name)
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    for test in _tests(module):
        runner.run(test, out=out.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}:\n{out.getvalue()}"


def test_enough_examples_are_found() -> None:
    counts = {}
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        counts[name] = sum(len(t.examples) for t in _tests(module))
    total = sum(counts.values())
    assert total >= MIN_EXAMPLES, f"only {total} docstring examples found: {counts}"


@pytest.mark.parametrize(
    "name",
    [
        "load",
        "load_frame",
        "datasets",
        "fiscal_year",
        "fiscal_month",
        "fytd",
        "fit",
        "forecast",
        "list_models",
        "make_model",
        "backtest",
        "seasonal_profile",
        "assess",
        "context",
    ],
)
def test_every_top_level_function_has_an_example(name: str) -> None:
    """The functions exported as ``borderforecast.<name>`` show how to call them."""
    obj = getattr(borderforecast, name)
    if inspect.ismodule(obj):  # a sub-package of the same name shadows the function
        obj = getattr(obj, name)
    doc = getattr(obj, "__doc__", "") or ""
    assert ">>>" in doc, f"borderforecast.{name} has no example in its docstring"
