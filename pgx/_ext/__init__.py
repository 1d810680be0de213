"""The one seam between pgx and its compiled kernels.

Every compiled import in pgx goes through this module. A missing build raises
:class:`pgx.exceptions.ExtensionNotBuiltError` saying how to build; there is no silent
fallback. Setting the environment variable ``PGX_PURE_PYTHON=1`` swaps in the
pure-Python twins (the tests' oracles), with a :class:`PurePythonKernelWarning`.
"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType

from pgx.exceptions import ExtensionNotBuiltError, PurePythonKernelWarning

__all__ = ["vcf_kernels", "encode_kernels", "pure_python_requested", "STATUS", "ERRORS", "STATE_SIZE"]

#: length of the parser state array; see :mod:`pgx._ext._vcf`
STATE_SIZE = 11
#: parser return codes
STATUS = {"need_data": 0, "full": 1, "sites_full": 2, "error": 3}
#: parser error codes -> short names (the Python wrapper turns them into messages)
ERRORS = {
    1: "columns_few",
    2: "pos",
    3: "ref",
    4: "alt",
    5: "gt_syntax",
    6: "gt_allele",  # reserved: no longer raised (read as a missing allele, with a warning)
    7: "ploidy",
    8: "int",
    9: "columns_many",
    10: "allele_limit",
    11: "end",
    12: "header_in_body",
}


def pure_python_requested() -> bool:
    """Whether the user opted into the pure-Python kernels with ``PGX_PURE_PYTHON=1``."""
    return os.environ.get("PGX_PURE_PYTHON", "").strip() not in ("", "0")


def vcf_kernels(*, pure_python: bool | None = None) -> ModuleType:
    """Return the module holding ``parse_records``: compiled, or its twin when asked.

    Parameters
    ----------
    pure_python : bool, optional
        Force the pure-Python twin (True) or the compiled kernel (False); by default
        the environment variable ``PGX_PURE_PYTHON`` decides.

    Returns
    -------
    module
        A module with a ``parse_records`` function.

    Raises
    ------
    ExtensionNotBuiltError
        If the compiled kernel is wanted but was not built.
    """
    return _kernels("_vcf", "VCF kernel", "which is about 100x slower than the compiled one", pure_python)


def encode_kernels(*, pure_python: bool | None = None) -> ModuleType:
    """Return the module holding the genotype-encoding kernels (see :mod:`pgx.encode`).

    Parameters
    ----------
    pure_python : bool, optional
        As for :func:`vcf_kernels`.

    Returns
    -------
    module
        ``pgx._ext._encode`` or its twin ``pgx._ext._encode_py``.

    Raises
    ------
    ExtensionNotBuiltError
        If the compiled kernels are wanted but were not built.
    """
    return _kernels("_encode", "genotype-encoding kernels", "which are about 100x slower than the compiled ones",
                    pure_python)


def _kernels(name: str, what: str, slower: str, pure_python: bool | None) -> ModuleType:
    """Import ``pgx._ext.<name>``, or its twin ``<name>_py`` (with a warning) when asked."""
    if pure_python is None:
        pure_python = pure_python_requested()
    if pure_python:
        warnings.warn(
            f"PGX_PURE_PYTHON is set: using the pure-Python {what}, {slower}",
            PurePythonKernelWarning,
            stacklevel=4,
        )
        return importlib.import_module(f"pgx._ext.{name}_py")
    try:
        return importlib.import_module(f"pgx._ext.{name}")
    except ImportError as exc:  # pragma: no cover - exercised only on a broken install
        raise ExtensionNotBuiltError(
            f"pgx's compiled {what} (pgx._ext.{name}) is not built. Install pgx with "
            "`pip install .` from a source checkout (this needs Cython and a C compiler), "
            "or build in place with `python setup.py build_ext --inplace`. "
            f"The import failed with: {exc}"
        ) from exc
