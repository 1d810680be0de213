"""The pgx error and warning tree.

Every error pgx raises on purpose derives from :class:`PgxError` and also from the
builtin exception it refines, so ``except ValueError`` keeps working for callers
that do not know pgx. Every warning derives from :class:`PgxWarning`.
"""

from __future__ import annotations

__all__ = [
    "PgxError",
    "VcfFormatError",
    "RegionError",
    "GenomeBuildError",
    "NoGenotypesError",
    "ExtensionNotBuiltError",
    "ReferenceDataError",
    "AlignmentFileError",
    "PgxWarning",
    "DuplicateRecordWarning",
    "UnsortedInputWarning",
    "UndefinedAlleleWarning",
    "PurePythonKernelWarning",
    "OutsideCallWarning",
    "VariantOnlyInputWarning",
]


class PgxError(Exception):
    """Root of every error pgx raises on purpose."""


class VcfFormatError(PgxError, ValueError):
    """A VCF/BCF file is malformed, truncated or not a VCF at all.

    Parameters
    ----------
    message : str
        What is wrong: the expected form and the value found.
    path : str, optional
        The file being read.
    line : int, optional
        1-based line number in the decompressed text (header lines count).
    field : str, optional
        The VCF column or FORMAT/INFO key at fault (``"POS"``, ``"GT"``, ...).

    Examples
    --------
    >>> err = VcfFormatError("expected a positive integer, found 'abc'",
    ...                      path="x.vcf", line=12, field="POS")
    >>> str(err)
    "x.vcf, line 12, field POS: expected a positive integer, found 'abc'"
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = message
        self.path = path
        self.line = line
        self.field = field
        where = [part for part in (
            path,
            f"line {line}" if line is not None else None,
            f"field {field}" if field is not None else None,
        ) if part]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class RegionError(VcfFormatError):
    """A region query cannot be answered: bad syntax, no index, unsorted file, unknown contig."""


class GenomeBuildError(PgxError, ValueError):
    """The genome build requested contradicts the one the file declares, or is unknown."""


class NoGenotypesError(VcfFormatError):
    """A VCF has nothing to call from: no sample columns (sites-only) or no GT calls.

    Examples
    --------
    >>> err = NoGenotypesError("the file has no genotypes: it has no sample columns",
    ...                        path="sites.vcf", field="FORMAT/GT")
    >>> str(err)
    'sites.vcf, field FORMAT/GT: the file has no genotypes: it has no sample columns'
    >>> isinstance(err, VcfFormatError)
    True
    """


class AlignmentFileError(PgxError, ValueError):
    """A BAM/CRAM file cannot be used: no index, a CRAM without its reference, no reads
    over the locus asked for, or not an alignment file at all.

    Parameters
    ----------
    message : str
        What is wrong: the expected form and the value found.
    path : str
        The file being read.

    Examples
    --------
    >>> err = AlignmentFileError("no index (.bai or .csi) next to the file; run samtools index", path="s.bam")
    >>> str(err)
    's.bam: no index (.bai or .csi) next to the file; run samtools index'
    """

    def __init__(self, message: str, *, path: str) -> None:
        self.reason = message
        self.path = path
        super().__init__(f"{path}: {message}")


class ExtensionNotBuiltError(PgxError, ImportError):
    """pgx's compiled kernels are missing: the package was not built."""


class PgxWarning(UserWarning):
    """Root of every warning pgx emits."""


class DuplicateRecordWarning(PgxWarning):
    """Two records in a VCF share CHROM, POS, REF and ALT."""


class UnsortedInputWarning(PgxWarning):
    """Records are not sorted by position within a contig."""


class UndefinedAlleleWarning(PgxWarning):
    """A GT names an allele index past the record's ALT alleles (``0/2`` with one ALT).

    The allele is read as not called (``-1``), as htslib reads it (with a warning); the
    calls are listed in :attr:`pgx.CallSet.undefined_alleles`, and a call made from such
    a record says so in its warnings (``undefined_allele: <position>``).
    """


class PurePythonKernelWarning(PgxWarning):
    """The slow pure-Python twin of a kernel is in use because the user asked for it."""


class ReferenceDataError(PgxError, ValueError):
    """A curated reference table is missing, malformed or fails its checksum."""


class VariantOnlyInputWarning(PgxWarning):
    """A VCF looks variant-only (no reference calls), so absent positions leave genes uncalled."""


class OutsideCallWarning(PgxWarning):
    """A row of an outside-call file was malformed or named an unknown gene, and was skipped."""
