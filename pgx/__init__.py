"""pgx: pharmacogenomics from VCF to drug recommendations.

The public surface is curated here; importing pgx never loads scikit-learn or lightgbm.
"""

from pgx._version import __version__
from pgx.callset import CallSet
from pgx.examples import example_vcf
from pgx.exceptions import (
    AlignmentFileError,
    DuplicateRecordWarning,
    GenomeBuildError,
    NoGenotypesError,
    OutsideCallWarning,
    PgxError,
    PgxWarning,
    ReferenceDataError,
    RegionError,
    UndefinedAlleleWarning,
    UnsortedInputWarning,
    VariantOnlyInputWarning,
    VcfFormatError,
)
from pgx.io import iter_vcf, read_vcf
from pgx.pipeline import call, call_alignments
from pgx.recommend import UnknownDrugError, UnknownMedicationWarning, recommend

__all__ = [
    "__version__",
    "CallSet",
    "read_vcf",
    "iter_vcf",
    "example_vcf",
    "call",
    "call_alignments",
    "recommend",
    "UnknownDrugError",
    "UnknownMedicationWarning",
    "PgxError",
    "VcfFormatError",
    "RegionError",
    "GenomeBuildError",
    "NoGenotypesError",
    "ReferenceDataError",
    "AlignmentFileError",
    "PgxWarning",
    "DuplicateRecordWarning",
    "UnsortedInputWarning",
    "UndefinedAlleleWarning",
    "OutsideCallWarning",
    "VariantOnlyInputWarning",
]
