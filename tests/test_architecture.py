"""The module layering of ../shared/ARCHITECTURE.md, enforced by walking pgx/ with ast.

A module imports only from its own layer or below; nothing imports cli; only io opens
genomic files with pysam; only models imports lightgbm and scikit-learn; only pipeline,
simulate and cluster import dask (and dask.distributed), and pgx/models/_dask.py (the
models' lightgbm.dask training), which only cluster imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import pgx

PACKAGE = Path(pgx.__file__).resolve().parent
REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "pgx"

LAYERS = {
    "exceptions": 0, "_typing": 0, "schema": 0, "_utils": 0, "_version": 0,
    "_ext": 1, "callset": 1, "privacy": 1, "examples": 1,
    "io": 2, "reference": 2,
    "encode": 3, "calling": 3,
    "phenotype": 4, "recommend": 4, "features": 4, "models": 4, "oncology": 4,
    "report": 5,
    "pipeline": 6, "simulate": 6, "cluster": 6,
    "cli": 7,
}
# layer-7 cli may use only these
CLI_MAY_USE = {"pipeline", "report", "io", "privacy", "exceptions", "_version", "_typing", "reference",
               "calling", "recommend", "simulate", "callset", "examples", "schema", "cluster"}
# third-party modules reserved to one part of pgx
RESERVED = {"pysam": {"io"}, "lightgbm": {"models"}, "sklearn": {"models"}, "dask": {"pipeline", "simulate", "cluster"},
            "distributed": {"pipeline", "simulate", "cluster"}}
# single files that may use a reserved module besides those parts: (path under pgx/, module)
RESERVED_EXCEPTIONS = {("models/_dask.py", "dask")}
# private modules only some parts of pgx may import
ONLY_IMPORTED_BY = {"pgx.models._dask": {"cluster"}}


def _modules():
    for path in sorted(SOURCE.rglob("*.py")):
        rel = path.relative_to(SOURCE)
        top = rel.parts[0].removesuffix(".py")
        if top == "__init__":
            continue
        yield path, top


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno


@pytest.mark.parametrize(("path", "top"), list(_modules()), ids=lambda v: str(v))
def test_layering(path, top):
    assert top in LAYERS, f"{path}: module {top!r} is not in the layer table; add it on purpose"
    layer = LAYERS[top]
    for name, line in _imports(path):
        parts = name.split(".")
        if parts[0] == "pgx" and len(parts) > 1:
            target = parts[1]
            assert target != "cli" or top == "cli", f"{path}:{line} imports cli"
            assert target in LAYERS, f"{path}:{line} imports unknown pgx module {target}"
            if top == "cli":
                assert target in CLI_MAY_USE, f"{path}:{line}: cli may not import pgx.{target}"
            else:
                assert LAYERS[target] <= layer, (
                    f"{path}:{line}: layer {layer} module {top!r} imports layer {LAYERS[target]} pgx.{target}"
                )
            if top in ("encode", "calling"):
                assert target != "io", f"{path}:{line}: {top} takes a CallSet, never a path (no io)"
            # encode sits below calling inside layer 3 (calling matches what encode places)
            assert not (top == "encode" and target == "calling"), f"{path}:{line}: encode may not import calling"
        if parts[0] in RESERVED and (path.relative_to(SOURCE).as_posix(), parts[0]) not in RESERVED_EXCEPTIONS:
            assert top in RESERVED[parts[0]], f"{path}:{line}: only {RESERVED[parts[0]]} may import {parts[0]}"
        for private, allowed in ONLY_IMPORTED_BY.items():
            if name == private or name.startswith(private + "."):
                assert top in allowed, f"{path}:{line}: only {allowed} may import {private}"


def test_import_pgx_is_light():
    code = ("import sys, pgx; heavy = [m for m in ('lightgbm', 'sklearn', 'dask', 'distributed', 'pysam') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import pgx loaded {out.stdout.strip()}"


def test_setup_py_only_builds_extensions():
    setup = REPO / "setup.py"
    tree = ast.parse(setup.read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "setup"]
    assert len(calls) == 1 and [k.arg for k in calls[0].keywords] == ["ext_modules"]


def test_every_subpackage_is_packaged():
    pyproject = REPO / "pyproject.toml"
    import tomllib

    listed = set(tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["packages"])
    found = {"pgx." + ".".join(p.parent.relative_to(SOURCE).parts) if p.parent != SOURCE else "pgx"
             for p in SOURCE.rglob("__init__.py")}
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"


# inside pgx/report each module looks only down this order (the tumour section sits below the shared
# per-sample view that holds it; the formats render that view; _write drives the formats)
REPORT_ORDER = {"_errors": 0, "_tumor": 1, "_base": 2, "_json": 3, "_html": 3, "_tsv": 3, "_fhir": 3, "_write": 4,
                "__init__": 5}


@pytest.mark.parametrize("path", sorted((SOURCE / "report").glob("*.py")), ids=lambda p: p.name)
def test_report_modules_only_look_down(path):
    own = path.stem
    assert own in REPORT_ORDER, f"{path}: pgx/report module {own!r} is not in REPORT_ORDER; add it on purpose"
    for name, line in _imports(path):
        parts = name.split(".")
        if parts[:2] == ["pgx", "report"] and len(parts) > 2:
            assert REPORT_ORDER[parts[2]] < REPORT_ORDER[own], (
                f"{path}:{line}: {own} imports pgx.report.{parts[2]}, which is not below it in REPORT_ORDER")


def test_only_oncology_read_module_uses_io():
    # pgx.oncology takes VCF paths (match, tmb) but reads them through one module, which calls pgx.io
    users = sorted(path.name for path in (SOURCE / "oncology").glob("*.py")
                   if any(name == "pgx.io" or name.startswith("pgx.io.") for name, _ in _imports(path)))
    assert users == ["_read.py"], f"pgx/oncology modules importing pgx.io: {users}"
