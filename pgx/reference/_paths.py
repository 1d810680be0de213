"""Where the curated reference tables live.

The tables ship inside the wheel as the package ``pgx._refdata`` (the repository's
top-level ``reference/`` folder). A user can point pgx at another copy, for example a
newer CPIC release laid out the same way, with the ``PGX_REFERENCE_DIR`` environment
variable or the ``reference_dir=`` option of the functions that read tables.
"""

from __future__ import annotations

import os
from pathlib import Path

from pgx.exceptions import ReferenceDataError

ENV_VAR = "PGX_REFERENCE_DIR"


def reference_dir(reference_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder holding the reference tables.

    Parameters
    ----------
    reference_dir : path, optional
        An explicit folder; wins over ``PGX_REFERENCE_DIR`` and the shipped data.

    Returns
    -------
    pathlib.Path
        The folder, which contains ``MANIFEST.json``.

    Raises
    ------
    ReferenceDataError
        If the folder does not exist.

    Examples
    --------
    >>> (reference_dir() / "genome" / "contigs.tsv").is_file()
    True
    """
    chosen = reference_dir or os.environ.get(ENV_VAR) or None
    if chosen is not None:
        path = Path(chosen)
        if not path.is_dir():
            source = "reference_dir=" if reference_dir else f"${ENV_VAR}"
            raise ReferenceDataError(f"{source} names {str(path)!r}, which is not a folder")
        return path
    import pgx

    shipped = Path(pgx.__file__).resolve().parent / "_refdata"
    if shipped.is_dir():
        return shipped
    source_tree = Path(pgx.__file__).resolve().parent.parent / "reference"
    if source_tree.is_dir():
        return source_tree
    raise ReferenceDataError(
        "pgx's reference tables are missing from this installation; reinstall pgx "
        f"or set {ENV_VAR} to a reference folder"
    )
