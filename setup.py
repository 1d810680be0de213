"""Build the Cython kernels in pgx/_ext. Everything else lives in pyproject.toml."""

import sys

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # a build without Cython must fail loudly, never skip the kernels
    sys.exit(
        "pgx-genomics needs Cython (>= 3.0) to build its kernels (VCF parsing, genotype encoding). "
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
    Extension(
        "pgx._ext._encode",
        ["pgx/_ext/_encode.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        # -fno-trapping-math lets gcc vectorise the missing -> NaN select of the float32 dosage;
        # the kernels do no arithmetic that could trap. No OpenMP: the kernels run at memory
        # bandwidth on one thread, and a second thread did not help on the 2-core machine.
        extra_compile_args=["-O3", "-fno-trapping-math"],
    ),
]

setup(ext_modules=cythonize(extensions, language_level=3))
