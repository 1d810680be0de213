"""The documentation site: it builds with warnings as errors, its ``>>>`` examples run,
and its generated pages agree with the code they describe."""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import pgx
import pgx.exceptions
import pgx.io
import pgx.reference
import pgx.calling
import pgx.cluster
import pgx.encode
import pgx.features
import pgx.models
import pgx.oncology
import pgx.privacy
import pgx.recommend
import pgx.report
import pgx.schema
import pgx.simulate
from pgx.schema import VARIANT_COLUMNS

DOCS = Path(__file__).resolve().parent.parent / "docs"
RST_FILES = sorted(DOCS.rglob("*.rst"))
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# pages that teach by example: each must hold examples, so none silently loses them
PAGES_WITH_EXAMPLES = {"quickstart.rst", "guide/reading_vcfs.rst", "guide/calling.rst", "guide/cyp2d6_reads.rst", "guide/recommendations.rst", "guide/models.rst", "guide/privacy.rst", "guide/oncology.rst",
                       "guide/features.rst", "guide/distributed.rst", "guide/validating_vcfs.rst",
                       "data_model.rst"}


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory) -> Path:
    """Build the HTML site once, from a copy of docs/ so autosummary's stubs land in tmp."""
    root = tmp_path_factory.mktemp("docs")
    source = root / "source"
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns("_build", "generated"))
    out = root / "html"
    env = dict(os.environ)
    # Sphinx imports the very pgx these tests import, whether installed or on PYTHONPATH
    package_parent = str(Path(pgx.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q", str(source), str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, (
        f"sphinx-build failed with exit code {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return out


def test_docs_build_with_warnings_as_errors(built_docs):
    for page in ("index", "install", "quickstart", "guide/reading_vcfs", "data_model",
                 "reference_data", "api", "generated/pgx.read_vcf"):
        assert (built_docs / f"{page}.html").is_file(), f"{page}.html was not built"


def test_rst_files_found():
    found = {path.relative_to(DOCS).as_posix() for path in RST_FILES}
    assert PAGES_WITH_EXAMPLES <= found


@pytest.mark.parametrize("path", RST_FILES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_rst_examples(path: Path):
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        failed, attempted = doctest.testfile(
            str(path), module_relative=False, optionflags=OPTIONFLAGS, encoding="utf-8",
            report=False, raise_on_error=False,
        )
    assert failed == 0, f"{failed} of {attempted} examples in {path.name} failed:\n{output.getvalue()}"
    if path.relative_to(DOCS).as_posix() in PAGES_WITH_EXAMPLES:
        assert attempted > 0, f"{path.name} has no >>> examples"


class _TableRows(HTMLParser):
    """Collect the cell texts of the rows of the table with a given class."""

    def __init__(self, table_class: str) -> None:
        super().__init__()
        self.table_class = table_class
        self.depth = 0  # >0 while inside the wanted table
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and (self.depth or self.table_class in classes):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_data_model_lists_every_variant_column(built_docs):
    assert ".. pgx-variant-columns::" in (DOCS / "data_model.rst").read_text(encoding="utf-8")
    parser = _TableRows("pgx-variant-columns")
    parser.feed((built_docs / "data_model.html").read_text(encoding="utf-8"))
    assert parser.rows, "data_model.html has no variant-columns table"
    header, *rows = parser.rows
    assert header == ["column", "polars dtype", "meaning"]
    expected = [[column.name, str(column.dtype), " ".join(column.meaning.split())] for column in VARIANT_COLUMNS]
    assert rows == expected


def _documented_names() -> set[str]:
    """Full names listed in api.rst's autosummary tables (``currentmodule`` + entry)."""
    module = "pgx"
    names: set[str] = set()
    in_autosummary = False
    for line in (DOCS / "api.rst").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match[1]
        elif line.startswith(".. autosummary::"):
            in_autosummary = True
        elif in_autosummary and line and not line.startswith(" "):
            in_autosummary = False
        elif in_autosummary and (entry := line.strip()) and not entry.startswith(":"):
            names.add(f"{module}.{entry.lstrip('~')}")
    return names


@pytest.mark.parametrize("module", [pgx, pgx.io, pgx.reference, pgx.exceptions, pgx.schema, pgx.calling, pgx.encode,
                                    sys.modules["pgx.recommend"], pgx.report, pgx.simulate, pgx.models, pgx.privacy,
                                    pgx.oncology, pgx.features, pgx.cluster],
                         ids=lambda m: m.__name__)
def test_api_reference_lists_every_public_name(module):
    documented = _documented_names()
    top_level = {id(getattr(pgx, name.split(".", 1)[1])) for name in documented
                 if name.count(".") == 1 and hasattr(pgx, name.split(".", 1)[1])}
    missing = [
        name for name in module.__all__
        if name != "__version__"
        and f"{module.__name__}.{name}" not in documented
        and id(getattr(module, name)) not in top_level
    ]
    assert not missing, f"api.rst does not document {module.__name__}: {missing}"
