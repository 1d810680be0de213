"""The one seam between pgx and its compiled kernels.

Every compiled import in pgx goes through this module. A missing build raises
:class:`pgx.exceptions.ExtensionNotBuiltError` saying how to build; there is no silent
fallback. Setting the environment variable ``PGX_PURE_PYTHON=1`` swaps in the
pure-Python twins (the tests' oracles), with a :class:`PurePythonKernelWarning`.
"""

from __future__ import annotations

import os
import warnings
from types import ModuleType

from pgx.exceptions import ExtensionNotBuiltError, PurePythonKernelWarning

__all__ = ["vcf_kernels", "pure_python_requested", "STATUS", "ERRORS", "STATE_SIZE"]

#: length of the parser state array; see :mod:`pgx._ext._vcf`
STATE_SIZE = 10
#: parser return codes
STATUS = {"need_data": 0, "full": 1, "sites_full": 2, "error": 3}
#: parser error codes -> short names (the Python wrapper turns them into messages)
ERRORS = {
    1: "columns_few",
    2: "pos",
    3: "ref",
    4: "alt",
    5: "gt_syntax",
    6: "gt_allele",
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
    if pure_python is None:
        pure_python = pure_python_requested()
    if pure_python:
        warnings.warn(
            "PGX_PURE_PYTHON is set: using the pure-Python VCF kernel, which is about "
            "100x slower than the compiled one",
            PurePythonKernelWarning,
            stacklevel=3,
        )
        from pgx._ext import _vcf_py

        return _vcf_py
    return _compiled_vcf()


def _compiled_vcf() -> ModuleType:
    try:
        from pgx._ext import _vcf  # type: ignore[attr-defined]
    except ImportError as exc:  # pragma: no cover - exercised only on a broken install
        raise ExtensionNotBuiltError(
            "pgx's compiled VCF kernel (pgx._ext._vcf) is not built. Install pgx with "
            "`pip install .` from a source checkout (this needs Cython and a C compiler), "
            "or build in place with `python setup.py build_ext --inplace`. "
            f"The import failed with: {exc}"
        ) from exc
    return _vcf
