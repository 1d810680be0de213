"""Build the Cython kernels in pgx/_ext. Everything else lives in pyproject.toml."""

import sys

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # a build without Cython must fail loudly, never skip the kernels
    sys.exit(
        "pgx-genomics needs Cython (>= 3.0) to build its VCF kernels. "
        "`pip install .` installs it from pyproject.toml's build requirements; "
        "for a manual build run `pip install cython numpy` first."
    )
import numpy

extensions = [
    Extension(
        "pgx._ext._vcf",
        ["pgx/_ext/_vcf.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3"],
    ),
]

setup(ext_modules=cythonize(extensions, language_level=3))
