"""Sphinx configuration for the pgx documentation.

Build with ``sphinx-build -W --keep-going -b html docs <out>``; the test suite does
the same (tests/test_docs.py). Nothing here touches the network.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive

import pgx
from pgx.schema import VARIANT_COLUMNS

project = "pgx"
author = "pgx developers"
copyright = "pgx developers"
version = release = pgx.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]

autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"show-inheritance": True}
autodoc_typehints = "none"  # numpydoc sections carry the types
# numpydoc: members are documented by autodoc, not listed a second time
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
# VCF text such as '.' must stay copyable: no curly quotes
smartquotes = False

html_theme = "alabaster"
html_theme_options = {
    "description": "Pharmacogenomics from VCF to drug recommendations",
    "fixed_sidebar": True,
}
html_static_path: list[str] = []
html_title = f"pgx {release}"


class VariantColumnsDirective(Directive):
    """``.. pgx-variant-columns::`` renders :data:`pgx.schema.VARIANT_COLUMNS` as a table.

    The data-model page uses it so the documented schema cannot drift from the code.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        table = nodes.table(classes=["pgx-variant-columns"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (15, 25, 60):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        head += self._row(("column", "polars dtype", "meaning"), literal=False)
        body = nodes.tbody()
        group += body
        for column in VARIANT_COLUMNS:
            body += self._row((column.name, str(column.dtype), column.meaning), literal=True)
        return [table]

    @staticmethod
    def _row(cells: tuple[str, str, str], *, literal: bool) -> nodes.row:
        row = nodes.row()
        for index, text in enumerate(cells):
            entry = nodes.entry()
            paragraph = nodes.paragraph()
            if literal and index < 2:
                paragraph += nodes.literal(text=text)
            else:
                paragraph += nodes.Text(text)
            entry += paragraph
            row += entry
        return row


def _skip_sklearn_request_methods(app, what, name, obj, skip, options):
    # scikit-learn adds set_*_request methods (metadata routing) to every estimator
    # class; their docstrings point into scikit-learn's own docs
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):  # noqa: D103 - Sphinx hook
    app.add_directive("pgx-variant-columns", VariantColumnsDirective)
    app.connect("autodoc-skip-member", _skip_sklearn_request_methods)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
