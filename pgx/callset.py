"""The core container: genotype calls of many samples at many variants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import polars as pl

from pgx.schema import VARIANT_COLUMNS, SchemaError, validate_frame

__all__ = ["CallSet", "MISSING_ALLELE", "NON_ALLELE", "MAX_PLOIDY", "GENOTYPE_DTYPES"]

#: genotype code of an allele that was not called (``.`` in GT)
MISSING_ALLELE = -1
#: genotype code filling the ploidy slots a call does not have (a haploid call in a diploid array)
NON_ALLELE = -2
#: the most allele slots per call pgx reads (``read_vcf`` widens its arrays up to this)
MAX_PLOIDY = 64
#: genotype array dtypes: int8 unless a record uses an allele index above 127
GENOTYPE_DTYPES = (np.dtype(np.int8), np.dtype(np.int16))


@dataclass(frozen=True, eq=False, repr=False)
class CallSet:
    """Genotype calls read from a VCF: arrays plus a polars variant table.

    Attributes
    ----------
    genotypes : numpy.ndarray of int8 (or int16), shape (variants, samples, ploidy)
        Allele indexes: 0 the REF allele, 1.. the ALT alleles in order,
        ``-1`` an allele not called (``.``), ``-2`` a ploidy slot the call does not
        have (the second slot of a haploid chrY/chrM call in a diploid array, the
        third slot of a diploid call in a file with triploid calls). int8 unless a
        record of the file uses an allele index above 127, then int16
        (:data:`GENOTYPE_DTYPES`); ``genotypes.dtype`` says which.
    phased : numpy.ndarray of bool, shape (variants, samples)
        True where the call was written with ``|`` separators (haploid calls count
        as phased; a fully missing call as unphased).
    variants : polars.DataFrame
        One row per variant, columns as in :data:`pgx.schema.VARIANT_COLUMNS`
        (``pos`` is 1-based), followed by any INFO fields read.
    sample_ids : tuple of str
        Sample names, in the order of the genotype array's second axis.
    genome_build : {"GRCh38", "GRCh37"} or None
        The build given or detected from the header, None when unknown.
    calldata : mapping of str to numpy.ndarray
        Per-call FORMAT fields read besides GT: ``"DP"``, ``"GQ"`` and ``"PS"`` (phase
        set) as int32 (variants, samples), ``"AD"`` as int32 (variants, samples,
        alleles); -1 where missing.
    source : str or None
        The path the calls were read from.
    regions : tuple of (str, int, int) or None
        The regions the calls were read from (contig as in the file, 1-based inclusive
        start and stop), when the read was restricted (``read_vcf(region=...)``); None
        for the whole file. Positions outside them were not looked at, so they are never
        assumed reference.
    genome_build_source : str or None
        How ``genome_build`` was found: ``"given by the caller"``, the header lines that
        name it (``"##contig lengths (8 contigs)"``, ``"##contig assembly=GRCh38.p14 (13
        contigs)"``, ``"##reference=..."``) or the REF-base counts it was inferred from.
    undefined_alleles : numpy.ndarray of int64, shape (n, 2)
        The (variant, sample) row and column of each call whose GT named an allele index
        past the record's ALT alleles (``0/2`` with one ALT); that allele reads as ``-1``.
        Empty when there is none. :func:`pgx.call` names such positions in its warnings
        (``undefined_allele``).

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> cs = CallSet.from_arrays(
    ...     np.array([[[0, 1]]], dtype=np.int8),
    ...     chrom=["chr10"], pos=[94781859], ref=["G"], alt=[["A"]], sample_ids=["S1"])
    >>> cs.n_variants, cs.n_samples, cs.ploidy
    (1, 1, 2)
    >>> cs.variants["pos"].to_list()
    [94781859]
    """

    genotypes: np.ndarray
    phased: np.ndarray
    variants: pl.DataFrame
    sample_ids: tuple[str, ...]
    genome_build: str | None = None
    calldata: Mapping[str, np.ndarray] = field(default_factory=dict)
    source: str | None = None
    regions: tuple[tuple[str, int, int], ...] | None = None
    genome_build_source: str | None = None
    undefined_alleles: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    def __post_init__(self) -> None:
        gt = self.genotypes
        if not isinstance(gt, np.ndarray) or gt.dtype not in GENOTYPE_DTYPES or gt.ndim != 3:
            raise SchemaError("CallSet.genotypes must be an int8 (or int16) array of shape (variants, samples, ploidy)")
        n_var, n_samp = gt.shape[:2]
        if self.phased.shape != (n_var, n_samp) or self.phased.dtype != np.bool_:
            raise SchemaError(
                f"CallSet.phased must be a bool array of shape {(n_var, n_samp)}, "
                f"found {self.phased.dtype} {self.phased.shape}"
            )
        if self.variants.height != n_var:
            raise SchemaError(
                f"CallSet.variants has {self.variants.height} rows for {n_var} genotype rows"
            )
        validate_frame(self.variants, VARIANT_COLUMNS, name="CallSet.variants")
        object.__setattr__(self, "sample_ids", tuple(self.sample_ids))
        if len(self.sample_ids) != n_samp:
            raise SchemaError(f"CallSet has {len(self.sample_ids)} sample ids for {n_samp} genotype columns")
        for key, array in self.calldata.items():
            if array.shape[:2] != (n_var, n_samp):
                raise SchemaError(f"CallSet.calldata[{key!r}] has shape {array.shape}, expected {(n_var, n_samp)}, ...")
        object.__setattr__(self, "calldata", MappingProxyType(dict(self.calldata)))
        undefined = np.asarray(self.undefined_alleles, dtype=np.int64).reshape(-1, 2)
        if undefined.size and ((undefined < 0).any() or (undefined >= (n_var, n_samp)).any()):
            raise SchemaError(f"CallSet.undefined_alleles must hold (variant, sample) indexes within {(n_var, n_samp)}")
        object.__setattr__(self, "undefined_alleles", undefined)

    @classmethod
    def from_arrays(
        cls,
        genotypes: np.ndarray,
        *,
        chrom: list[str],
        pos: list[int],
        ref: list[str],
        alt: list[list[str]],
        sample_ids: list[str],
        phased: np.ndarray | None = None,
        genome_build: str | None = None,
    ) -> CallSet:
        """Build a CallSet from plain Python data (for tests, simulations and outside data).

        Parameters
        ----------
        genotypes : array-like of int, shape (variants, samples, ploidy)
            Allele indexes, -1 missing, -2 no such ploidy slot; stored as int16 when
            given as int16 or when an index is above 127, else int8.
        chrom, pos, ref, alt : lists
            The variant columns; ``pos`` 1-based.
        sample_ids : list of str
            One name per genotype column.
        phased : array-like of bool, optional
            Defaults to all False.
        genome_build : str, optional
            ``"GRCh38"`` or ``"GRCh37"``.

        Returns
        -------
        CallSet

        Examples
        --------
        >>> cs = CallSet.from_arrays([[[1, -2]]], chrom=["chrM"], pos=[1555], ref=["A"],
        ...                          alt=[["G"]], sample_ids=["S1"], phased=[[True]])
        >>> cs.genotypes.tolist(), cs.phased.tolist()
        ([[[1, -2]]], [[True]])
        """
        gt = np.asarray(genotypes)
        wide = gt.dtype == np.int16 or (gt.size > 0 and int(gt.max()) > np.iinfo(np.int8).max)
        gt = np.ascontiguousarray(gt, dtype=np.int16 if wide else np.int8)
        n = len(pos)
        variants = pl.DataFrame(
            {
                "chrom": pl.Series(chrom, dtype=pl.String),
                "pos": pl.Series(pos, dtype=pl.Int64),
                "id": pl.Series([None] * n, dtype=pl.String),
                "ref": pl.Series(ref, dtype=pl.String),
                "alt": pl.Series(alt, dtype=pl.List(pl.String)),
                "qual": pl.Series([None] * n, dtype=pl.Float32),
                "filter": pl.Series([None] * n, dtype=pl.List(pl.String)),
                "end": pl.Series([p + len(r) - 1 for p, r in zip(pos, ref)], dtype=pl.Int64),
            }
        )
        if phased is None:
            phased = np.zeros(gt.shape[:2], dtype=bool)
        return cls(gt, np.asarray(phased, dtype=bool), variants, tuple(sample_ids), genome_build)

    @property
    def n_variants(self) -> int:
        """Number of variants (rows)."""
        return int(self.genotypes.shape[0])

    @property
    def n_samples(self) -> int:
        """Number of samples (columns)."""
        return int(self.genotypes.shape[1])

    @property
    def ploidy(self) -> int:
        """Number of allele slots per call."""
        return int(self.genotypes.shape[2])

    @property
    def dp(self) -> np.ndarray | None:
        """FORMAT/DP per call (int32, -1 missing), or None when not read."""
        return self.calldata.get("DP")

    @property
    def gq(self) -> np.ndarray | None:
        """FORMAT/GQ per call (int32, -1 missing), or None when not read."""
        return self.calldata.get("GQ")

    @property
    def ad(self) -> np.ndarray | None:
        """FORMAT/AD per call and allele (int32, -1 missing), or None when not read."""
        return self.calldata.get("AD")

    def __repr__(self) -> str:
        build = self.genome_build or "unknown build"
        return (
            f"<CallSet {self.n_variants} variants x {self.n_samples} samples, ploidy {self.ploidy}, "
            f"{build}, calldata {sorted(self.calldata)}>"
        )
