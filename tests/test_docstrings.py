"""Every docstring example in the pgx package runs, and every public name is documented."""

from __future__ import annotations

import doctest
import importlib
import inspect
import io
import pkgutil
import re

import pytest

import pgx

# compiled kernel (no Python docstrings) and its private pure-Python twin
SKIP = {"pgx._ext._vcf", "pgx._ext._vcf_py"}
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_names() -> list[str]:
    names = ["pgx"]
    for info in pkgutil.walk_packages(pgx.__path__, prefix="pgx."):
        if info.name not in SKIP:
            names.append(info.name)
    return sorted(names)


MODULES = _module_names()


def test_walk_finds_the_package():
    assert {"pgx.io._vcf", "pgx.callset", "pgx.schema", "pgx.exceptions"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str):
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    output = io.StringIO()
    for test in sorted(tests, key=lambda t: t.name):
        runner.run(test, out=output.write)
    assert runner.failures == 0, (
        f"{runner.failures} of {runner.tries} docstring examples in {name} failed:\n{output.getvalue()}"
    )


def _own_docstring(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and "__doc__" not in vars(obj):
        return ""
    # a dataclass without a docstring gets its signature as one
    if inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("):
        return ""
    return doc.strip()


@pytest.mark.parametrize("name", [n for n in pgx.__all__ if n != "__version__"])
def test_public_name_has_docstring(name: str):
    assert _own_docstring(getattr(pgx, name)), f"pgx.{name} has no docstring"


def test_version_is_a_version_string():
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)*", pgx.__version__)


@pytest.mark.parametrize(
    "name", [n for n in pgx.__all__ if inspect.isfunction(getattr(pgx, n, None))]
)
def test_public_function_has_example(name: str):
    doc = _own_docstring(getattr(pgx, name))
    assert re.search(r"^Examples\n-+\n", doc, re.M) and ">>>" in doc, (
        f"pgx.{name} has no numpydoc Examples section with a >>> example"
    )
