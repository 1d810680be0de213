"""The curated public surface: every public name resolves, is documented, and errors
form one tree."""

from __future__ import annotations

import inspect

import pytest

import pgx
import pgx.exceptions as exc


@pytest.mark.parametrize("name", pgx.__all__)
def test_public_name_resolves_and_is_documented(name):
    obj = getattr(pgx, name)
    if name != "__version__":
        assert inspect.getdoc(obj), f"pgx.{name} has no docstring"


def test_star_import_matches_all():
    namespace: dict = {}
    exec("from pgx import *", namespace)
    assert set(pgx.__all__) <= set(namespace)


def test_error_tree():
    for name in exc.__all__:
        cls = getattr(exc, name)
        if issubclass(cls, Warning):
            assert issubclass(cls, exc.PgxWarning)
        else:
            assert issubclass(cls, exc.PgxError)
            assert cls is exc.PgxError or any(
                issubclass(cls, b) for b in (ValueError, ImportError, OSError, KeyError, RuntimeError))


def test_options_are_keyword_only():
    for func in (pgx.read_vcf, pgx.iter_vcf):
        params = list(inspect.signature(func).parameters.values())
        assert params[0].name == "path"
        assert all(p.kind is p.KEYWORD_ONLY for p in params[1:])
