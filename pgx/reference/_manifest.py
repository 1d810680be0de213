"""The reference folder's manifest: version string and per-file sha256 checksums."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pgx.exceptions import ReferenceDataError
from pgx.reference._paths import reference_dir as _reference_dir

__all__ = ["reference_version", "verify_manifest"]

_UNLISTED_OK = {"MANIFEST.json", "README.md"}


def _manifest(folder: Path) -> dict:
    path = folder / "MANIFEST.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict) or "reference_version" not in data:
        raise ReferenceDataError(
            f"{path}: expected an object with 'reference_version' and 'files', found keys {sorted(data)}"
            if isinstance(data, dict) else f"{path}: expected a JSON object"
        )
    return data


def reference_version(reference_dir: str | os.PathLike[str] | None = None) -> str:
    """Return the version string of the reference tables, from ``MANIFEST.json``.

    Parameters
    ----------
    reference_dir : path, optional
        Read this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    str
        A calendar version with the CPIC data version as build metadata, such as
        ``"2026.12.0+cpic.2025.11"`` (CPIC data of November 2025).

    Raises
    ------
    ReferenceDataError
        If the manifest is missing or malformed.

    Examples
    --------
    >>> reference_version()
    '2026.12.0+cpic.2025.11'
    """
    return str(_manifest(_reference_dir(reference_dir))["reference_version"])


def verify_manifest(reference_dir: str | os.PathLike[str] | None = None) -> None:
    """Check every table of the reference folder against ``MANIFEST.json``.

    Recomputes the sha256 of each listed file and checks that no table is left unlisted
    (``MANIFEST.json`` and ``README.md`` excepted).

    Parameters
    ----------
    reference_dir : path, optional
        Check this reference folder instead of the shipped one (or ``$PGX_REFERENCE_DIR``).

    Returns
    -------
    None

    Raises
    ------
    ReferenceDataError
        Naming the first file that is missing, altered (expected and found checksum) or unlisted.

    Examples
    --------
    >>> verify_manifest()  # silent when every checksum matches
    """
    folder = _reference_dir(reference_dir)
    files = _manifest(folder)["files"]
    for rel, entry in sorted(files.items()):
        path = folder / rel
        if not path.is_file():
            raise ReferenceDataError(f"{folder / 'MANIFEST.json'} lists {rel}, which is missing from {folder}")
        found = hashlib.sha256(path.read_bytes()).hexdigest()
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        if found != expected:
            raise ReferenceDataError(
                f"{path}: sha256 mismatch, expected {expected} (MANIFEST.json), found {found}; "
                "the table was changed after the manifest was written"
            )
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if (rel in files or rel in _UNLISTED_OK or path.name.startswith(".") or path.name == "__init__.py"
                or "__pycache__" in path.parts):
            continue
        if True:
            raise ReferenceDataError(f"{path}: not listed in {folder / 'MANIFEST.json'}; expected every table to be listed")
