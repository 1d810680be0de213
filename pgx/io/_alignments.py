"""BAM/CRAM reading with pysam: per-base depth over given regions and allele counts at given
positions, returned as numpy arrays; header checks (index, CRAM reference, contig spelling,
genome build). Coordinates: regions are 0-based half-open, positions 1-based (as in a VCF)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pgx.exceptions import AlignmentFileError, GenomeBuildError
from pgx.reference import contig_lengths, normalize_contig

__all__ = ["AlignmentInfo", "alignment_info", "read_depth", "count_alleles", "write_alignments"]

#: reads skipped for depth and allele counts (unmapped, secondary, QC-failed, duplicate, supplementary)
_SKIP_FLAGS = 0x4 | 0x100 | 0x200 | 0x400 | 0x800


@dataclass(frozen=True)
class AlignmentInfo:
    """What the header of a BAM/CRAM says.

    Attributes
    ----------
    path : str
    sample_id : str
        The ``SM`` of the first ``@RG`` line, else the file name without its extension.
    contigs : dict of str to int
        Contig lengths as the file spells the names.
    genome_build : str or None
        ``"GRCh38"`` or ``"GRCh37"`` when the ``@SQ`` lengths match one build, else None.
    mapped_contigs : tuple of str
        Contigs with mapped reads, from the index statistics.
    """

    path: str
    sample_id: str
    contigs: dict
    genome_build: str | None
    mapped_contigs: tuple = ()

    def contig(self, name: str) -> str | None:
        """The file's spelling of a ``chr``-prefixed contig (``chr22`` or ``22``), or None."""
        for spelled in self.contigs:
            if normalize_contig(spelled) == name:
                return spelled
        return None


def _open(path: str, reference: str | None):
    import pysam

    kind = "cram" if path.lower().endswith(".cram") else "bam"
    if not os.path.exists(path):
        raise AlignmentFileError("the file does not exist", path=path)
    if kind == "cram" and reference is None:
        raise AlignmentFileError("a CRAM needs the reference FASTA it was compressed against; pass "
                                 "reference= (--reference on the command line)", path=path)
    if reference is not None and not os.path.exists(reference):
        raise AlignmentFileError(f"the reference FASTA {reference} does not exist", path=path)
    verbosity = pysam.set_verbosity(0)
    try:
        handle = pysam.AlignmentFile(path, "rc" if kind == "cram" else "rb", reference_filename=reference)
    except (ValueError, OSError) as exc:
        raise AlignmentFileError(f"not a readable {kind.upper()} file ({exc})", path=path) from None
    finally:
        pysam.set_verbosity(verbosity)
    if not handle.has_index():
        handle.close()
        raise AlignmentFileError(f"no index next to the file (expected {os.path.basename(path)}."
                                 f"{'crai' if kind == 'cram' else 'bai'} or .csi); run samtools index", path=path)
    return handle


def _build_of(contigs: dict) -> str | None:
    named = {normalize_contig(k): v for k, v in contigs.items()}
    votes = []
    for build in ("GRCh38", "GRCh37"):
        lengths = contig_lengths(build)
        shared = [c for c in lengths if c in named and c != "chrM"]
        if shared and all(named[c] == lengths[c] for c in shared):
            votes.append(build)
    return votes[0] if len(votes) == 1 else None


def alignment_info(path: str | os.PathLike[str], *, reference: str | None = None,
                   genome_build: str | None = None) -> AlignmentInfo:
    """Read and check the header of a BAM/CRAM.

    Parameters
    ----------
    path : path
        A coordinate-sorted, indexed BAM or CRAM.
    reference : str, optional
        The FASTA a CRAM was compressed against (required for CRAM).
    genome_build : {"GRCh38", "GRCh37"}, optional
        The build the caller expects; the ``@SQ`` lengths must not contradict it.

    Returns
    -------
    AlignmentInfo

    Raises
    ------
    AlignmentFileError
        Missing file, not an alignment file, no index, CRAM without ``reference``.
    GenomeBuildError
        The ``@SQ`` lengths name another build than ``genome_build``, or no build at all
        when ``genome_build`` is not given.

    Examples
    --------
    >>> import os, tempfile
    >>> from pgx.simulate import simulate_cyp2d6_bam
    >>> bam = os.path.join(tempfile.mkdtemp(), "s.bam")
    >>> _ = simulate_cyp2d6_bam(bam, ("normal", "normal"), depth=5, random_state=0)
    >>> info = alignment_info(bam)
    >>> info.genome_build, info.contig("chr22")
    ('GRCh38', 'chr22')
    """
    path = os.fspath(path)
    with _open(path, reference) as handle:
        header = handle.header.to_dict()
        try:
            mapped = tuple(stat.contig for stat in handle.get_index_statistics() if stat.mapped)
        except (ValueError, AttributeError):  # CRAM indexes carry no statistics
            mapped = ()
    contigs = {sq["SN"]: int(sq["LN"]) for sq in header.get("SQ", [])}
    groups = header.get("RG", [])
    sample = next((g["SM"] for g in groups if g.get("SM")), None) or os.path.basename(path).split(".")[0]
    build = _build_of(contigs)
    if genome_build is not None and build is not None and build != genome_build:
        raise GenomeBuildError(f"{path}: the @SQ contig lengths are those of {build}, not the {genome_build} "
                               "asked for")
    if build is None and genome_build is None:
        raise GenomeBuildError(f"{path}: the @SQ contig lengths match neither GRCh38 nor GRCh37 "
                               f"({len(contigs)} contigs); pass genome_build=")
    return AlignmentInfo(path, sample, contigs, build or genome_build, mapped)


def read_depth(path: str | os.PathLike[str], regions: Sequence[tuple[str, int, int]], *, min_mapq: int = 1,
               reference: str | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per-base read depth over each region, all reads and reads at ``MAPQ >= min_mapq``.

    Parameters
    ----------
    path : path
        An indexed BAM or CRAM.
    regions : sequence of (contig, start0, end)
        0-based half-open regions, contigs spelled as in the file.
    min_mapq : int, default 1
        The mapping quality of the second array (reads aligned equally well elsewhere have MAPQ 0).
    reference : str, optional
        The FASTA of a CRAM.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        Per region, two int32 arrays of its length: depth of all reads and of reads at
        ``MAPQ >= min_mapq``. Unmapped, secondary, supplementary, duplicate and QC-failed
        reads are not counted; deletions and skipped bases do not count as covered.

    Raises
    ------
    AlignmentFileError
        As :func:`alignment_info`, or a region names a contig the file does not have.

    Examples
    --------
    >>> import os, tempfile
    >>> from pgx.simulate import simulate_cyp2d6_bam
    >>> bam = os.path.join(tempfile.mkdtemp(), "s.bam")
    >>> _ = simulate_cyp2d6_bam(bam, ("normal", "normal"), depth=20, random_state=0)
    >>> (depth, unique), = read_depth(bam, [("chr22", 42150000, 42151000)])
    >>> depth.shape, bool(10 < depth.mean() < 30)
    ((1000,), True)
    """
    path = os.fspath(path)
    out = []
    with _open(path, reference) as handle:
        for contig, start, end in regions:
            if contig not in handle.references:
                raise AlignmentFileError(f"no contig {contig!r} in the header (it has {len(handle.references)} "
                                         f"contigs, such as {', '.join(list(handle.references)[:3])})", path=path)
            n = end - start
            total = np.zeros(n + 1, dtype=np.int32)
            unique = np.zeros(n + 1, dtype=np.int32)
            for read in handle.fetch(contig, start, end):
                if read.flag & _SKIP_FLAGS:
                    continue
                good = read.mapping_quality >= min_mapq
                for bs, be in read.get_blocks():
                    s, e = max(bs, start) - start, min(be, end) - start
                    if s < e:
                        total[s] += 1
                        total[e] -= 1
                        if good:
                            unique[s] += 1
                            unique[e] -= 1
            out.append((np.cumsum(total[:-1], dtype=np.int32), np.cumsum(unique[:-1], dtype=np.int32)))
    return out


def aligned_read_length(path: str | os.PathLike[str], region: tuple[str, int, int], *,
                        reference: str | None = None, max_reads: int = 2000) -> int:
    """The median aligned length of the primary reads in a region (0 when it has none).

    Parameters
    ----------
    path : path
        An indexed BAM or CRAM.
    region : (contig, start0, end)
        Contig spelled as in the file.
    reference : str, optional
        The FASTA of a CRAM.
    max_reads : int, default 2000
        Reads looked at, from the start of the region.

    Returns
    -------
    int

    Examples
    --------
    >>> import os, tempfile
    >>> from pgx.simulate import simulate_cyp2d6_bam
    >>> bam = os.path.join(tempfile.mkdtemp(), "s.bam")
    >>> _ = simulate_cyp2d6_bam(bam, ("normal", "normal"), depth=10, random_state=0)
    >>> aligned_read_length(bam, ("chr22", 42126000, 42131000))
    150
    """
    lengths = []
    with _open(os.fspath(path), reference) as handle:
        for read in handle.fetch(*region):
            if read.flag & _SKIP_FLAGS:
                continue
            lengths.append(read.query_alignment_length)
            if len(lengths) >= max_reads:
                break
    return int(np.median(lengths)) if lengths else 0


def count_alleles(path: str | os.PathLike[str], sites: Sequence[tuple[str, int, str, str]], *,
                  reference: str | None = None, min_base_quality: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """Reads showing the reference and the alternate allele at each site (a pileup).

    Parameters
    ----------
    path : path
        An indexed BAM or CRAM.
    sites : sequence of (contig, pos, ref, alt)
        VCF-style sites: 1-based ``pos``; indels keep their anchor base (``CT`` > ``C``).
    reference : str, optional
        The FASTA of a CRAM.
    min_base_quality : int, default 13
        Bases below this quality are not counted (SNVs).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int32 counts of reads with the reference and with the alternate allele, in site order.
        Reads of any mapping quality count (paralog-aware calling weighs them later).

    Examples
    --------
    >>> import os, tempfile
    >>> from pgx.simulate import simulate_cyp2d6_bam
    >>> bam = os.path.join(tempfile.mkdtemp(), "s.bam")
    >>> _ = simulate_cyp2d6_bam(bam, ("normal", "normal"), alleles=("*4", "*4"), depth=20, random_state=0)
    >>> ref, alt = count_alleles(bam, [("chr22", 42128945, "C", "T")])
    >>> int(ref[0]), bool(alt[0] > 10)
    (0, True)
    """
    path = os.fspath(path)
    ref_counts = np.zeros(len(sites), dtype=np.int32)
    alt_counts = np.zeros(len(sites), dtype=np.int32)
    wanted: dict[str, dict[int, list[int]]] = {}
    for k, (contig, pos, _, _) in enumerate(sites):
        wanted.setdefault(contig, {}).setdefault(int(pos) - 1, []).append(k)
    with _open(path, reference) as handle:
        for contig, at in wanted.items():
            if contig not in handle.references:
                raise AlignmentFileError(f"no contig {contig!r} in the header", path=path)
            # one pileup over the span of the sites; only the columns at a site are looked at
            for column in handle.pileup(contig, min(at), max(at) + 1, truncate=True, stepper="nofilter",
                                        ignore_orphans=False, min_base_quality=0, flag_filter=_SKIP_FLAGS,
                                        max_depth=100_000):
                for k in at.get(column.reference_pos, ()):
                    _count_column(column, sites[k][2], sites[k][3], min_base_quality, ref_counts, alt_counts, k)
    return ref_counts, alt_counts


def _count_column(column, ref: str, alt: str, min_base_quality: int, ref_counts: np.ndarray,
                  alt_counts: np.ndarray, k: int) -> None:
    snv = len(ref) == 1 and len(alt) == 1
    indel = len(alt) - len(ref)
    for pileup in column.pileups:
        if pileup.is_refskip:
            continue
        if snv:
            if pileup.is_del or pileup.query_position is None:
                continue
            read = pileup.alignment
            if read.query_qualities is not None and read.query_qualities[pileup.query_position] < min_base_quality:
                continue
            base = read.query_sequence[pileup.query_position]
            ref_counts[k] += base == ref
            alt_counts[k] += base == alt
        elif not pileup.is_del:
            if pileup.indel == indel:
                alt_counts[k] += 1
            elif pileup.indel == 0:
                ref_counts[k] += 1


def write_alignments(path: str | os.PathLike[str], contigs: Sequence[tuple[str, int]], reads, *,
                     sample_id: str = "sample") -> str:
    """Write reads to a coordinate-sorted, indexed BAM (atomically: a failed write leaves nothing).

    Parameters
    ----------
    path : path
        The ``.bam`` to write; ``path + ".bai"`` is written next to it.
    contigs : sequence of (name, length)
        The ``@SQ`` lines.
    reads : iterable of (name, contig_index, start0, sequence, qualities, mapq, is_reverse[, cigar[, pair]])
        ``qualities`` a FASTQ-style (Phred+33) string or None; ``cigar`` a list of pysam
        (operation, length) pairs, ``<len>M`` when absent or None; ``pair`` a (flag, mate_start0,
        template_length) triple for a mate of a read pair (the flag then is the whole SAM flag,
        and a negative ``mate_start0`` means the mate is unmapped).
    sample_id : str
        The ``SM`` of the single ``@RG`` line.

    Returns
    -------
    str
        ``path``.
    """
    import pysam

    path = os.fspath(path)
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": n, "LN": int(ln)} for n, ln in contigs],
              "RG": [{"ID": "rg1", "SM": sample_id}]}
    rows = sorted(reads, key=lambda r: (r[1], r[2]))
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{os.path.basename(path)}")
    qualities: dict[str, object] = {}
    try:
        with pysam.AlignmentFile(tmp, "wb", header=header) as out:
            for name, tid, start, seq, quals, mapq, reverse, *extra in rows:
                read = pysam.AlignedSegment(out.header)
                read.query_name = name
                read.reference_id = tid
                read.reference_start = int(start)
                read.query_sequence = seq
                read.cigartuples = extra[0] if extra and extra[0] else [(0, len(seq))]
                read.mapping_quality = int(mapq)
                read.flag = 16 if reverse else 0
                if len(extra) > 1 and extra[1]:
                    flag, mate_start, tlen = extra[1]
                    read.flag = int(flag)
                    read.next_reference_id = tid if mate_start >= 0 else -1
                    read.next_reference_start = max(int(mate_start), -1)
                    read.template_length = int(tlen)
                if quals is not None:
                    if quals not in qualities:
                        qualities[quals] = pysam.qualitystring_to_array(quals)
                    read.query_qualities = qualities[quals]
                read.set_tag("RG", "rg1")
                out.write(read)
        pysam.index(tmp)
        os.replace(tmp + ".bai", path + ".bai")
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp + ".bai"):
            if os.path.exists(leftover):
                os.remove(leftover)
    return path
